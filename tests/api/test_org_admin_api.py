"""The organisation over the API: the org import and export, change records, approvals; only
administrators change the organisation, and anything a client sends gets a 4xx, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integritas.orgs.models import Holding, PendingChange, Unit
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def bearer(username: str) -> dict[str, str]:
    response = Client().post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": PASSWORD}), "application/json"
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


NEW_SCHOOL = {
    "units": [{"code": "SMPN3", "name": "SMP Negeri 3", "parent": "DISDIK", "work_week": "mon-sat"}],
    "positions": [{"code": "KS-SMPN3", "unit": "SMPN3", "title": "Kepala Sekolah", "reports_to": "KABID"}],
    "people": [{"username": "dewi", "name": "Dewi", "email": "dewi@example.org", "positions": ["KS-SMPN3"]}],
    "teams": [{"unit": "SMPN3", "members": ["dewi"]}],
}


def test_import_dry_run_then_apply(org):
    client, auth = Client(), bearer("admin")
    preview = client.post(
        "/api/v1/admin/org/import?dry_run=true", json.dumps(NEW_SCHOOL), "application/json", **auth
    )
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["dry_run"] and body["created"] == {"units": 1, "positions": 1, "people": 1, "holdings": 1}
    assert body["waiting"] == 1
    assert {"kind": "unit_created", "key": "SMPN3"}.items() <= body["changes"][0].items()
    assert not Unit.objects.filter(code="SMPN3").exists()
    done = client.post("/api/v1/admin/org/import", json.dumps(NEW_SCHOOL), "application/json", **auth)
    assert done.status_code == 200 and not done.json()["dry_run"]
    assert Unit.objects.filter(code="SMPN3").exists()
    assert PendingChange.objects.get().kind == "team_add"
    records = client.get("/api/v1/admin/org/changes?limit=3", **auth).json()["items"]
    assert [r["kind"] for r in records] == ["team_add_requested", "holding_added", "person_created"]
    again = client.post("/api/v1/admin/org/import", json.dumps(NEW_SCHOOL), "application/json", **auth)
    assert again.json()["changes"] == []


def test_an_invalid_import_is_422_naming_each_entry(org):
    bad = json.loads(json.dumps(NEW_SCHOOL))
    bad["positions"][0]["reports_to"] = "NOBODY"
    response = Client().post(
        "/api/v1/admin/org/import",
        json.dumps(bad),
        "application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer("admin"),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_invalid"
    [(where, text)] = error["fields"].items()
    assert "positions[0]" in where and "reports_to" in where and "NOBODY" in text
    assert not Unit.objects.filter(code="SMPN3").exists()
    broken = Client().post("/api/v1/admin/org/import", b"{units: [", "application/json", **bearer("admin"))
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed"
    not_an_object = Client().post("/api/v1/admin/org/import", b"[]", "application/json", **bearer("admin"))
    assert not_an_object.status_code == 422


def test_the_export_is_the_import_format(org):
    response = Client().get("/api/v1/admin/org/export", **bearer("admin"))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"holidays", "units", "positions", "people", "teams"}
    assert [u["code"] for u in data["units"]] == ["DISDIK", "SMPN1"]
    teacher = next(p for p in data["people"] if p["username"] == "teacher")
    assert teacher["positions"][0]["code"] == "GURU" and "password" not in teacher


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/admin/org/import", NEW_SCHOOL),
        ("get", "/admin/org/export", None),
        ("get", "/admin/org/changes", None),
        ("post", "/admin/teams/SMPN1/members", {"username": "outsider"}),
        ("delete", "/admin/teams/SMPN1/members/schoolteam", None),
        ("post", "/admin/people/teacher/password", {"password": "Sawah-Hijau-Di-Lereng-Wilis-7"}),
        ("patch", "/admin/people/teacher", {"name": "Guru"}),
        ("post", "/admin/people/outsider/holdings", {"position": "WAKA", "start": "2026-01-01"}),
    ],
)
def test_only_administrators_change_the_organisation(org, method, path, body):
    call = getattr(Client(), method)
    args = (json.dumps(body), "application/json") if body is not None else ()
    response = call(f"/api/v1{path}", *args, **bearer("districtteam"))
    assert response.status_code == 403
    assert not Unit.objects.filter(code="SMPN3").exists() and not PendingChange.objects.exists()
    assert not Holding.objects.filter(person=org.outsider).exists()
    assert call(f"/api/v1{path}", *args).status_code == 401


@pytest.mark.parametrize("change_id", ["999", "x", "²", "1" * 40])
def test_unknown_changes_are_404(org, change_id):
    response = Client().post(f"/api/v1/org/changes/{change_id}/approve", **bearer("schoolteam"))
    assert response.status_code == 404


def test_a_decided_change_is_409_and_someone_elses_is_404(org):
    auth = bearer("admin")
    response = Client().post(
        "/api/v1/admin/teams/SMPN1/members", json.dumps({"username": "outsider"}), "application/json", **auth
    )
    change_id = response.json()["changes"][0]["id"]
    assert Client().post(f"/api/v1/org/changes/{change_id}/approve", **bearer("teacher")).status_code == 404
    assert (
        Client().post(f"/api/v1/org/changes/{change_id}/approve", **bearer("schoolteam")).status_code == 200
    )
    again = Client().post(f"/api/v1/org/changes/{change_id}/approve", **bearer("districtteam"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "change_decided"


def test_unknown_units_and_people_are_404(org):
    auth = bearer("admin")
    for path, body in (
        ("/admin/teams/NOPE/members", {"username": "outsider"}),
        ("/admin/teams/SMPN1/members", {"username": "nobody"}),
        ("/admin/people/nobody/password", {"password": "Sawah-Hijau-Di-Lereng-Wilis-7"}),
        ("/admin/people/outsider/holdings", {"position": "NOPE", "start": "2026-01-01"}),
    ):
        assert (
            Client().post(f"/api/v1{path}", json.dumps(body), "application/json", **auth).status_code == 404
        )
