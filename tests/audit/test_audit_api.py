"""Teams read the audit trail of their cases; administrators that of the organisation; nobody else."""

import json

import pytest
from django.test import Client

from integritas.orgs.importer import import_org
from tests.factories import PASSWORD, reload, submit

pytestmark = pytest.mark.django_db


def auth(client, username):
    r = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": PASSWORD}),
        content_type="application/json",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}


def test_team_reads_the_case_trail_handler_and_admin_do_not(org):
    client = Client()
    case = reload(submit(org.school, org.p_teacher).case)
    client.get(f"/api/v1/cases/{case.reference}", **auth(client, "vice"))  # an identity view
    url = f"/api/v1/cases/{case.reference}/audit"
    r = client.get(url, **auth(client, "schoolteam"))
    assert r.status_code == 200
    actions = [e["action"] for e in r.json()["items"]]
    assert actions[:2] == ["case.submitted", "case.routed"] and "case.identity_viewed" in actions
    assert client.get(url, **auth(client, "vice")).status_code == 403  # sees the case, not its trail
    assert client.get(url, **auth(client, "admin")).status_code == 404  # does not see the case at all
    assert client.get(url, **auth(client, "outsider")).status_code == 404


def test_admin_reads_org_changes_but_no_case_entries(org):
    client = Client()
    submit(org.school, org.p_teacher)
    import_org({"units": [{"code": "SMPN9", "name": "SMP Negeri 9", "parent": "DISDIK"}]}, actor="admin")
    r = client.get("/api/v1/admin/audit", **auth(client, "admin"))
    assert r.status_code == 200
    actions = {e["action"] for e in r.json()["items"]}
    assert "org.changed" in actions and not any(a.startswith("case.") for a in actions)
    assert client.get("/api/v1/admin/audit", **auth(client, "schoolteam")).status_code == 403
