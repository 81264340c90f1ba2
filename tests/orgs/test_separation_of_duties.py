"""Separation of duties (security finding 1): an administrator alone cannot give themselves (or an
account they control) access to cases, through the pages, the API or the org import.

The three routes of the finding, each tried everywhere: join a team, take a vacant position, set a
team member's password; plus making a holder an administrator, and slipping in an account of one's
own. After every attempt the administrator still sees no case.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integritas.orgs.importer import ImportProblem, import_org
from integritas.orgs.models import Holding, PendingChange, Person, TeamMembership
from tests.factories import PASSWORD, make_person, submit

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Sawah-Hijau-Di-Lereng-Wilis-7"


def token(username: str, password: str = PASSWORD) -> str | None:
    response = Client().post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": password}), "application/json"
    )
    return response.json()["token"] if response.status_code == 200 else None


def api(method: str, path: str, username: str, body: dict | None = None, password: str = PASSWORD):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(username, password)}"}
    call = getattr(Client(), method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", json.dumps(body), "application/json", **headers)


@pytest.fixture
def case(org):
    return submit(org.school, org.p_teacher).case


def admin_sees_no_case(org, case) -> None:
    assert api("get", "/cases", "admin").json()["items"] == []
    assert api("get", f"/cases/{case.reference}", "admin").status_code == 404


@pytest.fixture
def admin_page(client, org):
    client.force_login(org.admin)
    return client


# --- the pages ------------------------------------------------------------------------------------------


def test_page_an_administrator_cannot_join_a_team(admin_page, org, case):
    response = admin_page.post("/kelola/tim/SMPN1/", {"person": "admin"})
    assert response.status_code == 400
    response = admin_page.post("/kelola/tim/SMPN1/", {"add": "admin"})
    assert response.status_code == 400
    assert "administrator tidak menjadi anggota tim" in response.content.decode()
    assert not TeamMembership.objects.filter(person=org.admin).exists() and not PendingChange.objects.exists()
    admin_sees_no_case(org, case)


def test_page_an_administrator_cannot_take_a_vacant_position(admin_page, org, case):
    Holding.objects.filter(position=org.p_vice).delete()  # the vice principal's chair is vacant
    response = admin_page.post(
        "/kelola/pegawai/admin/", {"form": "holding", "position": "WAKA", "start": "2020-01-01"}
    )
    assert response.status_code == 400
    assert "administrator tidak memegang jabatan" in response.content.decode()
    assert not Holding.objects.filter(person=org.admin).exists()
    admin_sees_no_case(org, submit(org.school, org.p_teacher).case)


def test_page_a_team_members_password_set_by_an_administrator_waits(admin_page, org, case):
    response = admin_page.post(
        "/kelola/pegawai/schoolteam/",
        {"form": "password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert token("schoolteam", NEW_PASSWORD) is None  # not in force
    assert token("schoolteam") is not None  # the old one still is
    [change] = PendingChange.objects.all()
    # The administrator cannot approve their own request on the approvals page.
    admin_page.post("/persetujuan/", {"change": change.pk, "action": "approve"})
    assert PendingChange.objects.get().state == "pending"
    assert token("schoolteam", NEW_PASSWORD) is None


def test_page_an_account_of_ones_own_gets_no_password_and_no_seat_alone(admin_page, org, case):
    admin_page.post(
        "/kelola/pegawai/baru/", {"username": "boneka", "name": "Boneka", "language": "id", "is_active": "on"}
    )
    Holding.objects.filter(position=org.p_vice).delete()
    admin_page.post("/kelola/pegawai/boneka/", {"form": "holding", "position": "WAKA", "start": "2020-01-01"})
    admin_page.post(
        "/kelola/pegawai/boneka/", {"form": "password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    admin_page.post("/kelola/tim/SMPN1/", {"person": "boneka"})
    # The account holds a chair, but its password and its team seat wait for the team: it cannot sign in.
    assert token("boneka", NEW_PASSWORD) is None
    assert not TeamMembership.objects.filter(person__username="boneka").exists()
    assert sorted(PendingChange.objects.values_list("kind", flat=True)) == ["password", "team_add"]
    # The team heard of both, and a member may refuse.
    assert org.school_team.notices.filter(kind="org_change_requested").count() == 2


def test_page_a_holder_or_team_member_is_not_made_an_administrator(admin_page, org):
    for username in ("teacher", "schoolteam"):
        person = Person.objects.get(username=username)
        response = admin_page.post(
            f"/kelola/pegawai/{username}/",
            {"form": "details", "name": person.name, "email": person.email, "language": "id", "is_admin": "on",
             "is_active": "on"},
        )  # fmt: skip
        assert response.status_code == 400
        assert not Person.objects.get(username=username).is_admin


# --- the admin API --------------------------------------------------------------------------------------


def test_api_an_administrator_cannot_join_a_team_or_hold_a_position(org, case):
    response = api("post", "/admin/teams/SMPN1/members", "admin", {"username": "admin"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["person"]
    Holding.objects.filter(position=org.p_vice).delete()
    response = api(
        "post", "/admin/people/admin/holdings", "admin", {"position": "WAKA", "start": "2020-01-01"}
    )
    assert response.status_code == 422 and "position" in response.json()["error"]["fields"]
    assert not TeamMembership.objects.filter(person=org.admin).exists()
    assert not Holding.objects.filter(person=org.admin).exists()
    admin_sees_no_case(org, case)


def test_api_a_team_members_password_waits_and_the_requester_cannot_approve(org, case):
    response = api("post", "/admin/people/schoolteam/password", "admin", {"password": NEW_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["applied"] is False and body["changes"][0]["kind"] == "password"
    assert token("schoolteam", NEW_PASSWORD) is None
    change_id = body["changes"][0]["id"]
    assert api("post", f"/org/changes/{change_id}/approve", "admin").status_code == 403
    # The team above sees it waiting and approves: only now is it in force.
    listed = api("get", "/org/changes", "districtteam").json()["items"]
    assert [c["id"] for c in listed] == [change_id]
    assert api("post", f"/org/changes/{change_id}/approve", "districtteam").status_code == 200
    assert token("schoolteam", NEW_PASSWORD) is not None


def test_api_a_sock_puppet_on_a_team_waits_and_can_be_refused(org, case):
    make_person("boneka")
    response = api("post", "/admin/teams/SMPN1/members", "admin", {"username": "boneka"})
    assert response.status_code == 200 and response.json()["applied"] is False
    change_id = response.json()["changes"][0]["id"]
    assert api("get", "/cases", "boneka").json()["items"] == []
    refused = api("post", f"/org/changes/{change_id}/reject", "schoolteam", {"reason": "Tidak dikenal"})
    assert refused.status_code == 200 and refused.json()["state"] == "rejected"
    assert not TeamMembership.objects.filter(person__username="boneka").exists()


def test_api_a_holder_is_not_made_an_administrator(org):
    response = api("patch", "/admin/people/teacher", "admin", {"admin": True})
    assert response.status_code == 422 and "is_admin" in response.json()["error"]["fields"]
    assert not Person.objects.get(username="teacher").is_admin


# --- the org import -------------------------------------------------------------------------------------


def test_import_refuses_an_administrator_on_a_team_or_in_a_position(org, case):
    with pytest.raises(ImportProblem):
        import_org({"teams": [{"unit": "SMPN1", "members": ["schoolteam", "admin"]}]}, actor=org.admin)
    with pytest.raises(ImportProblem):
        import_org(
            {"people": [{"username": "admin", "name": "Admin", "admin": True, "positions": ["WAKA"]}]},
            actor=org.admin,
        )
    with pytest.raises(ImportProblem):
        import_org({"people": [{"username": "teacher", "name": "Teacher", "admin": True, "positions": []}]})
    assert not TeamMembership.objects.filter(person=org.admin).exists()
    assert not Holding.objects.filter(person=org.admin).exists()
    assert not Person.objects.get(username="teacher").is_admin
    admin_sees_no_case(org, case)


def test_import_of_a_team_member_and_a_password_after_set_up_waits_for_the_team(org, case):
    Holding.objects.filter(position=org.p_vice).delete()
    data = {
        "people": [{"username": "boneka", "name": "Boneka", "password": NEW_PASSWORD, "positions": ["WAKA"]}],
        "teams": [{"unit": "SMPN1", "members": ["schoolteam", "boneka"]}],
    }
    summary = import_org(data, actor=org.admin)
    assert sorted(c.kind for c in summary.requests) == ["password_requested", "team_add_requested"]
    assert not TeamMembership.objects.filter(person__username="boneka").exists()
    assert token("boneka", NEW_PASSWORD) is None


def test_import_of_a_password_nobody_can_approve_is_refused(org):
    data = {
        "people": [{"username": "lepas", "name": "Tanpa Jabatan", "password": NEW_PASSWORD, "positions": []}]
    }
    with pytest.raises(ImportProblem) as problem:
        import_org(data, actor=org.admin)
    assert "people[0]" in str(problem.value) and "password" in str(problem.value)
    assert not Person.objects.filter(username="lepas").exists()
