"""The staff API (API.md §2) through Django's test client: sign-in, profile, the queue, one case,
the actions, the reporter's side of the conversation and the figures."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from integritas.cases import services
from integritas.cases.models import Case, Status, Via
from integritas.orgs.models import Person
from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    Org,
    add_team,
    make_org,
    make_person,
    make_position,
    make_unit,
    pdf_upload,
    reload,
    submit,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


class Api:
    def __init__(self) -> None:
        self.client = Client()
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = self.client.post(
                f"{API}/auth/token",
                {"username": username, "password": PASSWORD},
                content_type="application/json",
            )
            assert r.status_code == 200, r.content
            self.tokens[username] = r.json()["token"]
        return self.tokens[username]

    def _auth(self, who: str | None) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token(who)}"} if who else {}

    def get(self, path: str, who: str | None = None, **params: Any):
        url = path if path.startswith(API) else API + path
        return self.client.get(url, params or None, **self._auth(who))

    def post(self, path: str, body: Any, who: str | None = None):
        return self.client.post(API + path, body, content_type="application/json", **self._auth(who))

    def track(self, receipt: str | None):
        headers = {"HTTP_X_RECEIPT": receipt} if receipt is not None else {}
        return self.client.get(f"{API}/track", **headers)


@pytest.fixture
def api() -> Api:
    return Api()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


def examination_case(org: Org, **overrides: Any) -> Case:
    return submit(org.school, org.p_teacher, **overrides).case


def review_case(org: Org) -> Case:
    case = examination_case(org)
    services.case_examine(via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="Terbukti")
    return reload(case)


# ---------------------------------------------------------------- POST /auth/token


def test_token_is_issued_with_an_expiry_with_offset(api, org):
    r = api.client.post(
        f"{API}/auth/token", {"username": "vice", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"token", "expires_at"}
    assert isinstance(body["token"], str) and len(body["token"]) >= 20
    assert OFFSET.match(body["expires_at"]), body["expires_at"]
    me = api.client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200 and me.json()["username"] == "vice"


@pytest.mark.parametrize(
    ("username", "password"), [("vice", "wrong-password"), ("nobody", PASSWORD), ("vice", "")]
)
def test_bad_credentials_are_401(api, org, username, password):
    r = api.client.post(
        f"{API}/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    body = assert_error(r, 401)
    assert "token" not in body


@pytest.mark.parametrize("missing", ["username", "password"])
def test_token_without_a_field_is_422_naming_it(api, org, missing):
    body = {"username": "vice", "password": PASSWORD}
    del body[missing]
    r = api.client.post(f"{API}/auth/token", body, content_type="application/json")
    err = assert_error(r, 422, "invalid")
    assert missing in err["error"]["fields"]


def test_an_inactive_person_gets_no_token(api, org):
    Person.objects.filter(pk=org.vice.pk).update(is_active=False)
    r = api.client.post(
        f"{API}/auth/token", {"username": "vice", "password": PASSWORD}, content_type="application/json"
    )
    assert_error(r, 401)


# ---------------------------------------------------------------- GET /me


def test_me_lists_positions_and_teams(api, org):
    make_position("WALI-7A", org.school, title="Wali Kelas 7A", holder=org.vice)
    add_team(org.district, org.school_team)
    me = api.get("/me", "vice").json()
    assert me["username"] == "vice" and me["name"] == org.vice.display_name
    assert sorted(me["positions"]) == ["WAKA", "WALI-7A"]
    assert me["teams"] == []
    me = api.get("/me", "schoolteam").json()
    assert me["positions"] == [] and sorted(me["teams"]) == ["DISDIK", "SMPN1"]


def test_me_without_a_token_is_401(api, org):
    assert_error(api.get("/me"), 401, "not_authenticated")


# ---------------------------------------------------------------- GET /cases


@pytest.fixture
def many(org):
    """Seven cases at SMPN1 in several states, and one at a sibling school the school team can't see."""
    refs = {
        "examination": [examination_case(org).reference for _ in range(3)],
        "review": [review_case(org).reference for _ in range(2)],
        "triage": [submit(org.school, None).case.reference for _ in range(2)],
    }
    sibling = make_unit("SMPN2", parent=org.district)
    make_person("guru2")
    p = make_position("GURU2", sibling, reports_to=org.p_kabid)
    refs["sibling"] = [submit(sibling, p).case.reference]
    return refs


def pages(api: Api, who: str, **params: Any) -> tuple[list[str], int]:
    r = api.get("/cases", who, **params)
    assert r.status_code == 200, r.content
    body = r.json()
    refs = [item["reference"] for item in body["items"]]
    count = 1
    while body["next"] is not None:
        assert count < 50, "the next links never end"
        r = api.get(body["next"], who)
        assert r.status_code == 200, r.content
        body = r.json()
        refs += [item["reference"] for item in body["items"]]
        count += 1
    return refs, count


def test_pagination_follows_next_links_to_every_visible_case_once(api, org, many):
    refs, count = pages(api, "schoolteam", limit=3)
    assert count == 3
    assert len(refs) == len(set(refs)) == 7
    assert set(refs) == set(many["examination"] + many["review"] + many["triage"])
    first = api.get("/cases", "schoolteam", limit=3).json()
    assert len(first["items"]) == 3 and first["next"]
    everything = api.get("/cases", "schoolteam", limit=7).json()
    assert len(everything["items"]) == 7 and everything["next"] is None
    default = api.get("/cases", "schoolteam").json()
    assert len(default["items"]) == 7 and default["next"] is None
    # The district team oversees both schools.
    refs, _ = pages(api, "districtteam", limit=2)
    assert len(refs) == len(set(refs)) == 8


def test_pagination_keeps_the_filters(api, org, many):
    refs, count = pages(api, "schoolteam", limit=1, status="examination")
    assert count == 3 and sorted(refs) == sorted(many["examination"])


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_a_bad_limit_is_422(api, org, limit):
    err = assert_error(api.get("/cases", "schoolteam", limit=limit), 422, "invalid")
    assert "limit" in err["error"]["fields"]


def test_summary_items_have_the_queue_fields(api, org, many):
    item = api.get("/cases", "vice", status="examination").json()["items"][0]
    assert {"reference", "unit", "status", "level", "due_at", "overdue", "handler"} <= set(item)
    assert item["unit"] == "SMPN1" and item["level"] == 1 and OFFSET.match(item["due_at"])
    assert item["handler"]["position"] == "WAKA" and item["handler"]["username"] == "vice"


def test_status_filter(api, org, many):
    for status in ("examination", "review", "triage"):
        items = api.get("/cases", "schoolteam", status=status).json()["items"]
        assert sorted(i["reference"] for i in items) == sorted(many[status])
        assert all(i["status"] == status for i in items)
    assert api.get("/cases", "schoolteam", status="closed").json()["items"] == []


def test_invalid_status_is_422_naming_status(api, org):
    err = assert_error(api.get("/cases", "schoolteam", status="archived"), 422, "invalid")
    assert "status" in err["error"]["fields"]


def test_mine_is_what_i_handle_now(api, org, many):
    def mine(who: str) -> set[str]:
        return {i["reference"] for i in api.get("/cases", who, mine="true").json()["items"]}

    # vice handles the examination cases; the founded ones moved on to the principal.
    assert mine("vice") == set(many["examination"])
    all_vice = {i["reference"] for i in api.get("/cases", "vice").json()["items"]}
    assert all_vice == set(many["examination"] + many["review"])
    assert mine("principal") == set(many["review"])
    # the school team handles the triage cases of its unit; the district team handles none
    assert mine("schoolteam") == set(many["triage"])
    assert mine("districtteam") == set()
    assert mine("kabid") == set(many["sibling"])  # GURU2 reports straight to KABID
    assert mine("outsider") == set()
    # mine combines with status
    mine_review = api.get("/cases", "principal", mine="true", status="examination").json()["items"]
    assert mine_review == []


# ---------------------------------------------------------------- GET /cases/{reference}

CASE_KEYS = {
    "reference",
    "unit",
    "status",
    "subject",
    "decision",
    "categories",
    "description",
    "reporter",
    "handler",
    "level",
    "due_at",
    "overdue",
    "conclusion",
    "review_decision",
    "outcome",
    "follow_ups",
    "evidence",
    "history",
}


def test_case_detail_has_the_contract_shape(api, org):
    case = examination_case(org)
    r = api.get(f"/cases/{case.reference}", "vice")
    assert r.status_code == 200
    c = r.json()
    assert CASE_KEYS <= set(c), CASE_KEYS - set(c)
    assert re.match(r"^BK-\d{4}-\d{6}$", c["reference"]) and c["reference"] == case.reference
    assert c["unit"] == "SMPN1" and c["status"] == "examination" and c["level"] == 1
    assert c["subject"]["position"] == "GURU" and c["subject"]["title"] == "Guru Matematika"
    assert c["subject"]["holder"] == org.teacher.display_name
    assert {"position", "title", "holder"} <= set(c["subject"])
    assert c["decision"] == {
        "title": "Penetapan pemenang pengadaan seragam",
        "number": "421/012/2026",
        "date": "2026-07-01",
        "kind": "procurement",
    }
    assert c["categories"] == ["procurement", "family_community"]
    assert c["description"] == "Pemenang pengadaan adalah toko milik adik terlapor."
    assert {"name", "email", "phone"} <= set(c["reporter"])
    assert c["reporter"]["name"] == "Siti Aminah" and c["reporter"]["email"] == "siti@example.net"
    assert {"position", "title", "username"} <= set(c["handler"])
    assert c["handler"]["position"] == "WAKA" and c["handler"]["username"] == "vice"
    assert c["handler"]["title"] == "Wakil Kepala Sekolah"
    assert OFFSET.match(c["due_at"]) and c["due_at"].endswith("+07:00")
    assert c["overdue"] is False
    assert c["conclusion"] is None and c["review_decision"] is None and c["outcome"] is None
    assert c["follow_ups"] == []
    [ev] = c["evidence"]
    assert {"id", "name", "size", "content_type"} <= set(ev)
    assert (
        ev["name"] == "bukti.pdf" and ev["size"] == len(PDF_BYTES) and ev["content_type"] == "application/pdf"
    )
    # The first read through the API records the statement of no conflict (API.md has no such step).
    assert [h["event"] for h in c["history"]] == ["submitted", "routed", "no_conflict_confirmed"]
    for h in c["history"]:
        assert {"at", "event", "actor_title", "note"} <= set(h)
        assert OFFSET.match(h["at"])
    download = api.get(f"/cases/{case.reference}/evidence/{ev['id']}", "vice")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_case_detail_after_review_and_follow_up(api, org):
    case = review_case(org)
    r = api.post(f"/cases/{case.reference}/review", {"decision": "amend", "notes": "Diubah"}, "principal")
    assert r.status_code == 200
    c = r.json()
    assert c["status"] == "follow_up" and c["conclusion"] == "founded" and c["review_decision"] == "amend"
    assert c["outcome"] is None and c["due_at"] is None
    r = api.post(
        f"/cases/{case.reference}/follow-ups",
        {"title": "Terbitkan SK baru", "due_date": "2026-12-31"},
        "schoolteam",
    )
    assert r.status_code == 201
    fid = r.json()["id"]
    assert r.json()["title"] == "Terbitkan SK baru" and r.json()["done"] is False
    c = api.get(f"/cases/{case.reference}", "schoolteam").json()
    [f] = c["follow_ups"]
    assert {"id", "title", "due_date", "done"} <= set(f)
    assert (f["id"], f["title"], f["due_date"], f["done"]) == (fid, "Terbitkan SK baru", "2026-12-31", False)
    r = api.post(f"/cases/{case.reference}/follow-ups/{fid}/done", {"notes": "SK terbit"}, "schoolteam")
    assert r.status_code == 200 and r.json()["done"] is True
    r = api.post(f"/cases/{case.reference}/close", {"summary": "Selesai"}, "schoolteam")
    assert r.status_code == 200
    c = r.json()
    assert c["status"] == "closed" and c["outcome"] == "amended"
    events = [h["event"] for h in c["history"]]
    assert events[-1] == "closed" and "reviewed_amend" in events and "follow_up_done" in events


def test_follow_up_with_a_bad_date_is_422(api, org):
    case = review_case(org)
    services.case_review(via=Via.API, case=case, actor=org.principal, decision="revoke", notes="Dicabut")
    r = api.post(
        f"/cases/{case.reference}/follow-ups", {"title": "x", "due_date": "31-12-2026"}, "schoolteam"
    )
    err = assert_error(r, 422)
    assert "due_date" in err["error"]["fields"]


def test_anonymous_report_has_no_reporter(api, db):
    org = make_org(school_policy={"allow_anonymous": True})
    case = submit(org.school, org.p_teacher, anonymous=True, reporter=None).case
    c = api.get(f"/cases/{case.reference}", "vice").json()
    assert "reporter" in c and c["reporter"] is None


def test_identity_withheld_under_on_request_policy(api, db):
    org = make_org(school_policy={"identity_disclosure": "on_request"})
    case = submit(org.school, org.p_teacher).case
    r = api.get(f"/cases/{case.reference}", "vice")
    assert r.status_code == 200
    assert r.json()["reporter"] == {"withheld": True}
    text = r.content.decode()
    assert "Siti Aminah" not in text and "siti@example.net" not in text and "6281234567890" not in text
    listed = api.get("/cases", "vice").content.decode()
    assert "Siti Aminah" not in listed


# ---------------------------------------------------------------- actions


def test_triage_routes_a_free_text_report_to_the_direct_superior(api, org):
    case = submit(org.school, None).case
    c = api.get(f"/cases/{case.reference}", "schoolteam").json()
    assert c["status"] == "triage" and c["subject"]["position"] is None
    assert c["handler"]["position"] is None and c["handler"]["username"] is None
    r = api.post(f"/cases/{case.reference}/triage", {"position": "KABID"}, "schoolteam")
    err = assert_error(r, 422)
    assert "position" in err["error"]["fields"]
    r = api.post(f"/cases/{case.reference}/triage", {"position": "GURU"}, "schoolteam")
    assert r.status_code == 200, r.content
    c = r.json()
    assert c["status"] == "examination" and c["level"] == 1
    assert c["subject"]["position"] == "GURU"
    assert c["handler"]["position"] == "WAKA" and c["handler"]["username"] == "vice"
    assert OFFSET.match(c["due_at"])
    assert [h["event"] for h in c["history"]][-2:] == ["triaged", "routed"]
    # now the direct superior sees it in the queue
    assert case.reference in {i["reference"] for i in api.get("/cases", "vice", mine="true").json()["items"]}


def test_recuse_moves_the_case_up_the_chain(api, org):
    case = examination_case(org)
    r = api.post(f"/cases/{case.reference}/recuse", {"reason": ""}, "vice")
    err = assert_error(r, 422)
    assert "reason" in err["error"]["fields"]
    r = api.post(f"/cases/{case.reference}/recuse", {"reason": "Pemilik toko adalah ipar saya"}, "vice")
    assert r.status_code == 200, r.content
    c = r.json()
    assert c["status"] == "examination" and c["level"] == 2
    assert c["handler"]["position"] == "KS" and c["handler"]["username"] == "principal"
    assert c["history"][-1]["event"] == "recused"
    assert c["reporter"] == {"withheld": True}  # the answer to the recusal no longer shows the identity
    # the one who withdrew (typically because of a conflict) no longer sees the case at all
    assert api.get(f"/cases/{case.reference}", "vice").status_code == 404
    r = api.post(f"/cases/{case.reference}/examination", {"conclusion": "unfounded", "findings": "x"}, "vice")
    assert_error(r, 404, "not_found")
    r = api.post(
        f"/cases/{case.reference}/examination",
        {"conclusion": "unfounded", "findings": "Lelang terbuka"},
        "principal",
    )
    assert r.status_code == 200 and r.json()["outcome"] == "unfounded"


def test_examination_with_a_bad_conclusion_is_422(api, org):
    case = examination_case(org)
    r = api.post(f"/cases/{case.reference}/examination", {"conclusion": "maybe", "findings": "x"}, "vice")
    err = assert_error(r, 422, "invalid")
    assert "conclusion" in err["error"]["fields"]
    assert reload(case).status == Status.EXAMINATION


# ---------------------------------------------------------------- the reporter's side


def test_messages_go_both_ways(api, org):
    filed = submit(org.school, org.p_teacher)
    ref, receipt = filed.case.reference, filed.receipt
    r = api.post(f"/cases/{ref}/messages", {"text": "Mohon kirim foto nota pembelian."}, "vice")
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    r = api.post(f"/cases/{ref}/messages", {"text": "Tim memantau laporan ini."}, "districtteam")
    assert r.status_code == 201

    tracked = api.track(receipt)
    assert tracked.status_code == 200
    t = tracked.json()
    assert t["reference"] == ref and t["status"] == "examination"
    assert [(m["from"], m["text"]) for m in t["messages"]] == [
        ("handler", "Mohon kirim foto nota pembelian."),
        ("handler", "Tim memantau laporan ini."),
    ]
    for m in t["messages"]:
        assert {"id", "at", "from", "text"} <= set(m) and OFFSET.match(m["at"])

    r = api.client.post(
        f"{API}/track/messages",
        {"text": "Baik, segera saya kirim."},
        content_type="application/json",
        HTTP_X_RECEIPT=receipt,
    )
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    photo = pdf_upload("nota.pdf", PDF_BYTES + b"% nota\n")
    r = api.client.post(
        f"{API}/track/messages",
        {"data": json.dumps({"text": "Ini notanya."}), "evidence": [photo]},
        HTTP_X_RECEIPT=receipt,
    )
    assert r.status_code == 201, r.content

    c = api.get(f"/cases/{ref}", "vice").json()
    texts = [(m["from"], m["text"]) for m in c["messages"]]
    assert ("reporter", "Baik, segera saya kirim.") in texts and ("reporter", "Ini notanya.") in texts
    names = {e["name"]: e for e in c["evidence"]}
    assert set(names) == {"bukti.pdf", "nota.pdf"}
    download = api.get(f"/cases/{ref}/evidence/{names['nota.pdf']['id']}", "vice")
    assert b"".join(download.streaming_content) == PDF_BYTES + b"% nota\n"
    # the reporter sees their own messages in order after the handlers'
    froms = [m["from"] for m in api.track(receipt).json()["messages"]]
    assert froms == ["handler", "handler", "reporter", "reporter"]


@pytest.mark.parametrize("receipt", [None, "", "WRONG-RECEIPT-1234", "x" * 500])
def test_track_without_a_valid_receipt_is_401(api, org, receipt):
    submit(org.school, org.p_teacher)
    assert_error(api.track(receipt), 401)
    headers = {"HTTP_X_RECEIPT": receipt} if receipt is not None else {}
    r = api.client.post(f"{API}/track/messages", {"text": "x"}, content_type="application/json", **headers)
    assert_error(r, 401)


def test_the_reporter_never_sees_a_staff_name_or_username(api, org):
    """Every step of the procedure, then the reporter's view: position titles only (SPEC §3)."""
    names = {
        "teacher": "Sutrisno Hadi",
        "vice": "Wahyuningsih Pratiwi",
        "principal": "Bambang Kusuma",
        "kabid": "Rahmat Hidayatullah",
        "kadis": "Endang Sulistyowati",
        "schoolteam": "Yuliana Kartika",
        "districtteam": "Agus Priyambodo",
    }
    for username, name in names.items():
        Person.objects.filter(username=username).update(name=name)
    filed = submit(org.school, None)
    ref, receipt = filed.case.reference, filed.receipt
    steps = [
        ("triage", {"position": "GURU"}, "schoolteam"),
        ("messages", {"text": "Terima kasih, laporan sedang diperiksa."}, "vice"),
        ("recuse", {"reason": "Konflik keluarga"}, "vice"),
        ("examination", {"conclusion": "founded", "findings": "Pemenang tidak melalui lelang"}, "principal"),
        ("review", {"decision": "escalate", "notes": "Perlu keputusan Dinas"}, "kabid"),
        ("review", {"decision": "reassign", "notes": "Ditetapkan ulang panitia baru"}, "kadis"),
        ("follow-ups", {"title": "Bentuk panitia baru", "due_date": "2026-12-31"}, "schoolteam"),
    ]
    for action, body, who in steps:
        r = api.post(f"/cases/{ref}/{action}", body, who)
        assert r.status_code in (200, 201), (action, who, r.content)
    fid = api.get(f"/cases/{ref}", "schoolteam").json()["follow_ups"][0]["id"]
    assert (
        api.post(f"/cases/{ref}/follow-ups/{fid}/done", {"notes": "Terbentuk"}, "districtteam").status_code
        == 200
    )
    r = api.post(f"/cases/{ref}/close", {"summary": "Keputusan ditetapkan ulang"}, "schoolteam")
    assert r.status_code == 200 and r.json()["outcome"] == "reassigned"

    tracked = api.track(receipt)
    assert tracked.status_code == 200
    t = tracked.json()
    events = [e["event"] for e in t["timeline"]]
    for expected in ("submitted", "triaged", "routed", "recused", "examined_founded", "escalated", "closed"):
        assert expected in events, events
    for item in t["timeline"]:
        assert set(item) == {"at", "event", "note"}
    text = tracked.content.decode()
    for username, name in names.items():
        assert name not in text, name
        for part in name.split():
            assert part not in text, part
        assert not re.search(rf"\b{username}\b", text, re.IGNORECASE), username
    for username in ("outsider", "admin"):
        assert not re.search(rf"\b{username}\b", text, re.IGNORECASE)
    # position titles are what the reporter sees instead
    assert "Wakil Kepala Sekolah" in text or "Kepala Sekolah" in text


# ---------------------------------------------------------------- GET /stats


def test_stats_for_the_team_of_the_unit_or_above(api, org):
    examination_case(org)
    review_case(org)
    r = api.get("/stats", "schoolteam", unit="SMPN1")
    assert r.status_code == 200, r.content
    figures = r.json()
    assert figures["total"] == 2
    assert figures["by_status"]["examination"] == 1 and figures["by_status"]["review"] == 1
    r = api.get("/stats", "districtteam", unit="SMPN1")
    assert r.status_code == 200 and r.json()["total"] == 2
    assert api.get("/stats", "districtteam", unit="DISDIK").json()["total"] == 2


@pytest.mark.parametrize("who", ["outsider", "vice", "admin", "teacher"])
def test_stats_for_someone_not_on_a_team_is_403(api, org, who):
    assert_error(api.get("/stats", who, unit="SMPN1"), 403, "forbidden")


def test_stats_of_a_unit_above_my_team_is_403(api, org):
    assert_error(api.get("/stats", "schoolteam", unit="DISDIK"), 403, "forbidden")


def test_stats_of_an_unknown_unit_is_404(api, org):
    assert_error(api.get("/stats", "schoolteam", unit="NOPE"), 404, "not_found")


def test_stats_without_a_unit_is_422(api, org):
    err = assert_error(api.get("/stats", "schoolteam"), 422, "invalid")
    assert "unit" in err["error"]["fields"]


def test_stats_without_a_token_is_401(api, org):
    assert_error(api.get("/stats", unit="SMPN1"), 401, "not_authenticated")
