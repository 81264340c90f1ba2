"""The procedure end to end over real HTTP (live server): founded and unfounded paths."""

import pytest

from tests.api.http import Http
from tests.factories import PASSWORD, PDF_BYTES, report_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(live_server):
    return Http(live_server.url)


def test_founded_path_examination_review_escalate_revoke_follow_up_close(http, org):
    data = report_data(org.school, org.p_teacher)
    r = http.multipart("/api/v1/reports", data, [("bukti.pdf", PDF_BYTES, "application/pdf")])
    assert r.status == 201, r.body
    filed = r.json()
    assert filed["reference"].startswith("BK-") and filed["status"] == "examination"
    assert filed["handler_title"] == "Wakil Kepala Sekolah"
    ref, receipt = filed["reference"], filed["receipt"]

    vice = http.token("vice", PASSWORD)
    case = http.get(f"/api/v1/cases/{ref}", token=vice).json()
    assert case["reporter"]["name"] == "Siti Aminah"
    assert case["evidence"][0]["name"] == "bukti.pdf"
    ev = http.get(f"/api/v1/cases/{ref}/evidence/{case['evidence'][0]['id']}", token=vice)
    assert ev.status == 200 and ev.body == PDF_BYTES

    r = http.post(
        f"/api/v1/cases/{ref}/examination", {"conclusion": "founded", "findings": "Terbukti"}, token=vice
    )
    assert r.status == 200, r.body
    assert r.json()["status"] == "review" and r.json()["level"] == 2

    principal = http.token("principal", PASSWORD)
    r = http.post(
        f"/api/v1/cases/{ref}/review", {"decision": "escalate", "notes": "Perlu Dinas"}, token=principal
    )
    assert r.status == 200 and r.json()["level"] == 3
    assert r.json()["handler"]["position"] == "KABID"

    kabid = http.token("kabid", PASSWORD)
    r = http.post(
        f"/api/v1/cases/{ref}/review", {"decision": "revoke", "notes": "Keputusan dicabut"}, token=kabid
    )
    assert r.status == 200 and r.json()["status"] == "follow_up"

    team = http.token("schoolteam", PASSWORD)
    r = http.post(f"/api/v1/cases/{ref}/close", {"summary": "x"}, token=kabid)
    assert r.status == 403
    r = http.post(
        f"/api/v1/cases/{ref}/follow-ups", {"title": "Pengadaan ulang", "due_date": "2026-12-31"}, token=team
    )
    assert r.status == 201, r.body
    fid = r.json()["id"]
    r = http.post(f"/api/v1/cases/{ref}/close", {"summary": "Selesai"}, token=team)
    assert r.status == 409 and r.json()["error"]["code"] == "follow_up_open"
    r = http.post(f"/api/v1/cases/{ref}/follow-ups/{fid}/done", {"notes": "Sudah"}, token=team)
    assert r.status == 200 and r.json()["done"] is True
    r = http.post(f"/api/v1/cases/{ref}/close", {"summary": "Selesai"}, token=team)
    assert r.status == 200 and r.json()["status"] == "closed" and r.json()["outcome"] == "revoked"

    tracked = http.get("/api/v1/track", headers={"X-Receipt": receipt}).json()
    assert tracked["status"] == "closed" and tracked["outcome"] == "revoked"
    events = [t["event"] for t in tracked["timeline"]]
    assert events[0] == "submitted" and "examined_founded" in events and events[-1] == "closed"


def test_unfounded_path_closes_and_reporter_sees_reasons(http, org):
    data = report_data(org.school, org.p_teacher)
    filed = http.multipart("/api/v1/reports", data, [("b.pdf", PDF_BYTES, "application/pdf")]).json()
    vice = http.token("vice", PASSWORD)
    r = http.post(
        f"/api/v1/cases/{filed['reference']}/examination",
        {"conclusion": "unfounded", "findings": "Toko dipilih lewat lelang terbuka"},
        token=vice,
    )
    assert r.status == 200
    assert r.json()["status"] == "closed" and r.json()["outcome"] == "unfounded"
    tracked = http.get("/api/v1/track", headers={"X-Receipt": filed["receipt"]}).json()
    assert tracked["conclusion"] == "unfounded"
    assert any("lelang terbuka" in (t["note"] or "") for t in tracked["timeline"])
    r = http.post(
        f"/api/v1/cases/{filed['reference']}/review", {"decision": "revoke", "notes": "x"}, token=vice
    )
    assert r.status == 409
