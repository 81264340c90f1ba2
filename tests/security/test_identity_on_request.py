"""Policy identity_disclosure=on_request: handlers ask with a reason, a team member approves; audited."""

import json

import pytest

from integritas.audit.models import AuditEntry
from tests.factories import PASSWORD, reload, submit

pytestmark = pytest.mark.django_db


def token(client, username):
    r = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": PASSWORD}),
        content_type="application/json",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}


def post(client, path, body, auth):
    return client.post(path, data=json.dumps(body), content_type="application/json", **auth)


@pytest.fixture
def case(org):
    org.school.policy = {"identity_disclosure": "on_request"}
    org.school.save()
    return reload(submit(org.school, org.p_teacher).case)


def test_handler_sees_withheld_until_a_team_member_approves(client, org, case):
    vice, team = token(client, "vice"), token(client, "schoolteam")
    url = f"/api/v1/cases/{case.reference}"
    assert client.get(url, **vice).json()["reporter"] == {"withheld": True}
    assert client.get(url, **team).json()["reporter"]["name"] == "Siti Aminah"

    r = post(
        client, url + "/identity-requests", {"reason": "Perlu klarifikasi langsung kepada pelapor"}, vice
    )
    assert r.status_code == 201 and r.json()["state"] == "pending"
    rid = r.json()["id"]
    assert client.get(url, **vice).json()["reporter"] == {"withheld": True}
    # The requester cannot approve their own request, nor can a non-team handler.
    assert (
        post(client, url + f"/identity-requests/{rid}/decision", {"approve": True}, vice).status_code == 403
    )
    r = post(client, url + f"/identity-requests/{rid}/decision", {"approve": True, "note": "Disetujui"}, team)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert client.get(url, **vice).json()["reporter"]["name"] == "Siti Aminah"
    assert (
        post(client, url + f"/identity-requests/{rid}/decision", {"approve": False}, team).status_code == 409
    )

    actions = list(AuditEntry.objects.filter(case_reference=case.reference).values_list("action", flat=True))
    assert "case.identity_requested" in actions and "case.identity_approved" in actions
    viewers = AuditEntry.objects.filter(case_reference=case.reference, action="case.identity_viewed")
    assert set(viewers.values_list("actor", flat=True)) == {"schoolteam", "vice"}


def test_rejected_request_keeps_identity_withheld(client, org, case):
    vice, team = token(client, "vice"), token(client, "schoolteam")
    url = f"/api/v1/cases/{case.reference}"
    rid = post(client, url + "/identity-requests", {"reason": "Ingin tahu"}, vice).json()["id"]
    r = post(
        client, url + f"/identity-requests/{rid}/decision", {"approve": False, "note": "Tidak perlu"}, team
    )
    assert r.json()["state"] == "rejected"
    assert client.get(url, **vice).json()["reporter"] == {"withheld": True}


def test_request_needs_a_reason_and_the_on_request_policy(client, org):
    case = reload(submit(org.school, org.p_teacher).case)
    vice = token(client, "vice")
    url = f"/api/v1/cases/{case.reference}/identity-requests"
    assert post(client, url, {"reason": "x"}, vice).status_code == 409  # default policy: handlers see it
    org.school.policy = {"identity_disclosure": "on_request"}
    org.school.save()
    r = post(client, url, {"reason": "   "}, vice)
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    # Someone who cannot see the case gets 404.
    assert post(client, url, {"reason": "x"}, token(client, "outsider")).status_code == 404


def test_every_identity_view_and_evidence_download_is_audited(client, org):
    case = reload(submit(org.school, org.p_teacher).case)
    vice = token(client, "vice")
    detail = client.get(f"/api/v1/cases/{case.reference}", **vice).json()
    client.get(f"/api/v1/cases/{case.reference}", **vice)
    assert AuditEntry.objects.filter(action="case.identity_viewed", actor="vice").count() == 2
    eid = detail["evidence"][0]["id"]
    assert client.get(f"/api/v1/cases/{case.reference}/evidence/{eid}", **vice).status_code == 200
    entry = AuditEntry.objects.get(action="case.evidence_downloaded")
    assert entry.actor == "vice" and entry.data == {"evidence": eid, "via": "api"}
