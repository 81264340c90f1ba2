"""In-app notices (GET /notifications, mark read) and the outbox for administrators (no content)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integritas.notify.outbox import deliver
from tests.factories import PASSWORD, submit

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client: Client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str):
        return self.client.get("/api/v1" + path, headers=self._headers())

    def post(self, path: str, body=None):
        return self.client.post(
            "/api/v1" + path, json.dumps(body or {}), content_type="application/json", headers=self._headers()
        )


def signed_in(username: str) -> Api:
    client = Client()
    r = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": PASSWORD}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    return Api(client, r.json()["token"])


def test_notices_list_and_mark_read(org):
    case = submit(org.school, org.p_teacher).case
    vice = signed_in("vice")
    r = vice.get("/notifications")
    assert r.status_code == 200
    body = r.json()
    assert body["unread"] == 1 and body["next"] is None
    (notice,) = body["items"]
    assert notice["kind"] == "assigned" and notice["case"] == case.reference
    assert notice["link"] == f"/kasus/{case.reference}/"
    assert case.reference in notice["text"] and notice["read"] is False
    assert "Siti" not in json.dumps(body)

    # Nobody reads someone else's notice: it does not exist for them.
    team = signed_in("schoolteam")
    assert team.post(f"/notifications/{notice['id']}/read").status_code == 404
    assert team.post("/notifications/nope/read").status_code == 404

    r = vice.post(f"/notifications/{notice['id']}/read")
    assert r.status_code == 200 and r.json()["read"] is True and r.json()["read_at"]
    assert vice.get("/notifications").json()["unread"] == 0
    assert vice.get("/notifications?unread=true").json()["items"] == []

    assert team.get("/notifications").json()["unread"] == 1
    assert team.post("/notifications/read-all").json() == {"marked": 1}
    assert team.get("/notifications").json()["unread"] == 0


def test_notices_are_paged(org):
    for _ in range(3):
        submit(org.school, org.p_teacher)
    vice = signed_in("vice")
    first = vice.get("/notifications?limit=2").json()
    assert len(first["items"]) == 2 and first["next"]
    second = vice.get(first["next"].removeprefix("/api/v1")).json()
    assert len(second["items"]) == 1 and second["next"] is None


def test_notices_need_a_token(org):
    assert Api(Client()).get("/notifications").status_code == 401


def test_outbox_for_administrators_shows_states_and_counts_but_no_content(smtp, org):
    case = submit(org.school, org.p_teacher).case
    admin = signed_in("admin")
    r = admin.get("/admin/outbox")
    assert r.status_code == 200
    body = r.json()
    assert body["counts"] == {"queued": 3, "sending": 0, "sent": 0, "failed": 0}
    rows = {row["recipient_role"]: row for row in body["items"]}
    assert set(rows) == {"handler", "team", "reporter"}
    assert rows["handler"]["recipient"] == "vice" and rows["handler"]["kind"] == "assigned"
    assert rows["reporter"]["recipient"] is None and rows["reporter"]["kind"] == "reporter_ack"
    assert all(row["state"] == "queued" and row["attempts"] == 0 for row in body["items"])
    text = json.dumps(body).lower()
    for needle in (
        "siti",
        "example.net",
        "example.org",
        case.reference.lower(),
        "menunggu",
        "subject",
        "body",
    ):
        assert needle not in text, needle

    deliver()
    body = admin.get("/admin/outbox?state=sent").json()
    assert body["counts"]["sent"] == 3 and len(body["items"]) == 3
    assert all(row["attempts"] == 1 and row["sent_at"] for row in body["items"])
    assert admin.get("/admin/outbox?state=bogus").status_code == 422


def test_outbox_is_for_administrators_only(org):
    submit(org.school, org.p_teacher)
    assert signed_in("schoolteam").get("/admin/outbox").status_code == 403
    assert Api(Client()).get("/admin/outbox").status_code == 401


def test_failed_message_can_be_sent_again_by_an_administrator(smtp, org):
    from integritas.notify.models import OutboxMessage, State

    submit(org.school, org.p_teacher)
    row = OutboxMessage.objects.get(recipient__username="vice")
    OutboxMessage.objects.filter(pk=row.pk).update(state=State.FAILED, last_error="recipient refused (550)")
    admin = signed_in("admin")
    assert (
        admin.get("/admin/outbox?state=failed").json()["items"][0]["last_error"] == "recipient refused (550)"
    )
    assert signed_in("vice").post(f"/admin/outbox/{row.pk}/retry").status_code == 403
    r = admin.post(f"/admin/outbox/{row.pk}/retry")
    assert r.status_code == 200 and r.json()["state"] == "queued"
    assert admin.post(f"/admin/outbox/{row.pk}/retry").status_code == 409
    assert admin.post("/admin/outbox/999999/retry").status_code == 404
    assert deliver().sent == 3


def test_openapi_documents_the_notification_endpoints(db):
    doc = Client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/notifications",
        "/api/v1/notifications/{notice_id}/read",
        "/api/v1/notifications/read-all",
        "/api/v1/admin/outbox",
        "/api/v1/admin/outbox/{row_id}/retry",
    ):
        assert path in doc["paths"], path
    assert "NoticeList" in doc["components"]["schemas"]
    assert "OutboxOut" in doc["components"]["schemas"]
