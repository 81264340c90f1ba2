"""Security finding 9: a new password, a deactivation and a reactivation end every API token and web
session of the account, so nothing issued before comes back."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integritas.orgs import services
from integritas.orgs.models import PendingChange
from tests.factories import PASSWORD, make_person

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Kopi-Tubruk-Pagi-Hari-4"


def token_for(username: str, password: str = PASSWORD) -> str:
    response = Client().post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": password}), "application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me(token: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def signed_in(client: Client) -> bool:
    return client.get("/kasus/").status_code == 200


@pytest.fixture
def admin_page(org):
    client = Client()
    client.force_login(org.admin)
    return client


def test_an_administrators_own_new_password_revokes_their_tokens(admin_page, org):
    old = token_for("admin")
    response = admin_page.post(
        "/kelola/pegawai/admin/", {"form": "password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert me(old) == 401
    assert signed_in(admin_page)  # the page that set it stays signed in
    assert me(token_for("admin", NEW_PASSWORD)) == 200


def test_a_password_set_for_someone_without_a_team_is_approved_by_another_administrator(admin_page, org):
    old = token_for("outsider")
    browser = Client()
    browser.force_login(org.outsider)
    response = admin_page.post(
        "/kelola/pegawai/outsider/",
        {"form": "password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 400  # nobody could approve it: no team reads their cases, one admin
    assert "Belum ada yang dapat menyetujui" in response.content.decode()
    second = make_person("admin2", is_admin=True)
    response = admin_page.post(
        "/kelola/pegawai/outsider/",
        {"form": "password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and me(old) == 200
    services.pending_approve(actor=second, change_id=PendingChange.objects.get().pk)
    assert me(old) == 401 and not signed_in(browser)
    assert me(token_for("outsider", NEW_PASSWORD)) == 200


def test_an_approved_password_revokes_tokens_and_sessions(org):
    old = token_for("teacher")
    browser = Client()
    browser.force_login(org.teacher)
    outcome = services.person_set_password(actor=org.admin, person=org.teacher, password=NEW_PASSWORD)
    assert me(old) == 200 and signed_in(browser)  # nothing changes while it waits
    services.pending_approve(actor=org.school_team, change_id=outcome.pending.pk)
    assert me(old) == 401 and not signed_in(browser)
    assert PendingChange.objects.get().state == "approved"


@pytest.mark.parametrize("via", ["page", "api"])
def test_deactivation_then_reactivation_never_brings_back_old_tokens_or_sessions(admin_page, org, via):
    old = token_for("teacher")
    browser = Client()
    browser.force_login(org.teacher)
    assert signed_in(browser)
    admin_token = token_for("admin")

    def set_active(active: bool) -> None:
        if via == "page":
            data = {"form": "details", "name": "Teacher", "email": "teacher@example.org", "language": "id"}
            if active:
                data["is_active"] = "on"
            assert admin_page.post("/kelola/pegawai/teacher/", data).status_code == 302
        else:
            response = Client().patch(
                "/api/v1/admin/people/teacher",
                json.dumps({"active": active}),
                "application/json",
                HTTP_AUTHORIZATION=f"Bearer {admin_token}",
            )
            assert response.status_code == 200, response.content

    set_active(False)
    assert me(old) == 401 and not signed_in(browser)
    set_active(True)
    assert me(old) == 401  # revoked, not merely suspended
    assert not signed_in(browser)
    assert me(token_for("teacher")) == 200  # signing in again works
