"""The API follows the rules of the services exactly as the pages do: the no-conflict statement is
recorded at the first read or action (API.md has no such step), also for team members; a closed case
takes no reporter message; ``mine`` lists what waits for the person. Words follow Accept-Language,
Indonesian by default, and come from the data (``GET /track``, the history)."""

from __future__ import annotations

import pytest

from integritas.audit.models import AuditEntry
from integritas.cases.models import NoConflictConfirmation, Via
from tests.api.test_staff_api import Api, assert_error, examination_case, review_case
from tests.factories import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Api:
    return Api()


def test_a_team_member_reading_a_case_states_having_no_conflict(api, org):
    case = review_case(org)
    assert not NoConflictConfirmation.objects.filter(case=case, person=org.school_team).exists()
    r = api.get(f"/cases/{case.reference}", "schoolteam")
    assert r.status_code == 200 and r.json()["reporter"]["name"] == "Siti Aminah"
    statement = NoConflictConfirmation.objects.get(case=case, person=org.school_team)
    assert statement.via == Via.API
    entry = AuditEntry.objects.get(action="case.no_conflict_confirmed", actor="schoolteam")
    assert entry.data["via"] == "api" and entry.data["role"] == "team"
    history = [h for h in r.json()["history"] if h["event"] == "no_conflict_confirmed"]
    assert [h["actor_title"] for h in history][-1] == "Tim Penanganan Benturan Kepentingan Smpn1"
    # Once.
    api.get(f"/cases/{case.reference}", "schoolteam")
    assert NoConflictConfirmation.objects.filter(case=case, person=org.school_team).count() == 1


def test_a_handler_who_withdraws_without_having_read_gets_the_case_without_its_content(api, org):
    case = examination_case(org)
    r = api.post(f"/cases/{case.reference}/recuse", {"reason": "Terlapor adik ipar saya"}, "vice")
    assert r.status_code == 200
    body = r.json()
    assert body["description"] == "" and body["reporter"] == {"withheld": True}
    assert body["evidence"] == [] and body["messages"] == []
    assert not NoConflictConfirmation.objects.filter(case=case, person=org.vice).exists()
    assert_error(api.get(f"/cases/{case.reference}", "vice"), 404, "not_found")


def test_a_closed_case_takes_no_reporter_message(api, org):
    submitted = submit(org.school, org.p_teacher)
    r = api.post(
        f"/cases/{submitted.case.reference}/examination",
        {"conclusion": "unfounded", "findings": "Tidak"},
        "vice",
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = api.client.post(
        "/api/v1/track/messages",
        {"text": "Saya tidak setuju."},
        content_type="application/json",
        HTTP_X_RECEIPT=submitted.receipt,
    )
    assert_error(r, 409, "case_closed")


def test_mine_lists_what_waits_for_the_person(api, org):
    review = review_case(org)
    follow_up = review_case(org)
    api.post(f"/cases/{follow_up.reference}/review", {"decision": "revoke", "notes": "Dicabut"}, "principal")

    def mine(who: str) -> set[str]:
        return {c["reference"] for c in api.get("/cases", who, mine="true").json()["items"]}

    assert mine("principal") == {review.reference}  # not the follow-up it reviewed
    assert mine("schoolteam") == {follow_up.reference}  # the team supervises the follow-up
    assert mine("vice") == set()


def test_track_follows_accept_language_indonesian_by_default(api, org):
    submitted = submit(org.school, org.p_teacher)

    def track(**headers):
        r = api.client.get("/api/v1/track", HTTP_X_RECEIPT=submitted.receipt, **headers)
        assert r.status_code == 200
        return r

    default = track()
    assert default["Content-Language"] == "id"
    assert [t["note"] for t in default.json()["timeline"]] == [
        "Laporan diterima.",
        "Laporan diteruskan kepada Wakil Kepala Sekolah untuk diperiksa.",
    ]
    english = track(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english["Content-Language"] == "en"
    assert [t["note"] for t in english.json()["timeline"]] == [
        "Report received.",
        "Report passed to Wakil Kepala Sekolah for examination.",
    ]
    assert [t["event"] for t in english.json()["timeline"]] == ["submitted", "routed"]
    assert track(HTTP_ACCEPT_LANGUAGE="fr, de;q=0.5").json()["timeline"][0]["note"] == "Laporan diterima."


def test_errors_and_history_follow_accept_language(api, org):
    case = examination_case(org)
    r = api.client.get(
        f"/api/v1/cases/{case.reference}",
        HTTP_AUTHORIZATION=f"Bearer {api.token('vice')}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    actors = [h["actor_title"] for h in r.json()["history"]]
    assert actors[:2] == ["Reporter", "System"]
    r = api.client.get("/api/v1/cases/BK-2099-999999", HTTP_AUTHORIZATION=f"Bearer {api.token('vice')}")
    assert r.json()["error"] == {"code": "not_found", "message": "Kasus tidak ditemukan."}
    r = api.client.get(
        "/api/v1/cases/BK-2099-999999",
        HTTP_AUTHORIZATION=f"Bearer {api.token('vice')}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.json()["error"] == {"code": "not_found", "message": "Case not found."}
