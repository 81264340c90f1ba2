"""Rate limits count failures, never use; lockout; TOTP two-factor; token expiry and revocation."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from integritas.audit.models import AuditEntry
from integritas.orgs import totp
from tests.factories import PASSWORD, report_data

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def post(client, path, body, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def file_report(client, org, addr="10.1.1.1"):
    r = post(client, "/api/v1/reports", report_data(org.school, org.p_teacher), REMOTE_ADDR=addr)
    assert r.status_code == 201, r.content
    return r.json()


def test_thirty_parents_behind_one_address_each_report_and_track(org):
    client = Client()
    filed = [file_report(client, org) for _ in range(30)]
    for item in filed:
        r = client.get("/api/v1/track", HTTP_X_RECEIPT=item["receipt"], REMOTE_ADDR="10.1.1.1")
        assert r.status_code == 200
        assert r.json()["reference"] == item["reference"]


def test_receipt_guessing_gets_429_and_never_holds_up_a_correct_receipt(org):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        real = file_report(client, org)
        statuses = [
            client.get(
                "/api/v1/track", HTTP_X_RECEIPT=f"AAAA-BBBB-CCCC-DDDD-{i:04d}", REMOTE_ADDR="10.9.9.9"
            ).status_code
            for i in range(8)
        ]
        assert statuses[:5] == [401] * 5
        assert statuses[-1] == 429
        locked = client.get("/api/v1/track", HTTP_X_RECEIPT="AAAA-XXXX", REMOTE_ADDR="10.9.9.9")
        assert locked.status_code == 429
        assert int(locked["Retry-After"]) > 0
        assert locked.json()["error"]["code"] == "too_many_attempts"
        # The same address (a school's Wi-Fi) with the right receipt gets in at once.
        assert (
            client.get("/api/v1/track", HTTP_X_RECEIPT=real["receipt"], REMOTE_ADDR="10.9.9.9").status_code
            == 200
        )
        clock.shift(dt.timedelta(seconds=int(locked["Retry-After"]) + 1))
        again = client.get("/api/v1/track", HTTP_X_RECEIPT="AAAA-BBBB-CCCC-DDDD-9999", REMOTE_ADDR="10.9.9.9")
        assert again.status_code == 401


def test_password_lockout_refuses_the_right_password_while_locked(org):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            r = post(client, "/api/v1/auth/token", {"username": "vice", "password": "salah-salah"})
            assert r.status_code == 401
        r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD})
        assert r.status_code == 429 and int(r["Retry-After"]) > 0
        clock.shift(dt.timedelta(minutes=16))
        r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD})
        assert r.status_code == 200
    assert AuditEntry.objects.filter(action="auth.failed", actor="vice").count() == 5
    assert AuditEntry.objects.filter(action="auth.signed_in", actor="vice").exists()


def test_a_success_resets_the_account_counter(org):
    client = Client()
    for _ in range(4):
        assert (
            post(client, "/api/v1/auth/token", {"username": "vice", "password": "x" * 10}).status_code == 401
        )
    assert post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD}).status_code == 200
    for _ in range(4):
        assert (
            post(client, "/api/v1/auth/token", {"username": "vice", "password": "x" * 10}).status_code == 401
        )
    assert post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD}).status_code == 200


def test_totp_setup_confirm_and_sign_in(org):
    client = Client()
    r = post(client, "/api/v1/auth/two-factor/setup", {"username": "vice", "password": PASSWORD})
    assert r.status_code == 200
    secret = r.json()["secret"]
    assert r.json()["uri"].startswith("otpauth://totp/")
    # Not active until confirmed: signing in still works without a code.
    assert post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD}).status_code == 200
    with time_machine.travel(T0, tick=False) as clock:
        code = totp.now_code(secret)
        r = post(
            client, "/api/v1/auth/two-factor/confirm", {"username": "vice", "password": PASSWORD, "otp": code}
        )
        assert r.status_code == 204
        r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD})
        assert r.status_code == 401 and r.json()["error"]["code"] == "otp_required"
        clock.shift(dt.timedelta(seconds=60))
        r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD, "otp": "000000"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_otp"
        good = totp.now_code(secret)
        r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD, "otp": good})
        assert r.status_code == 200
        # The same code cannot be replayed.
        r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD, "otp": good})
        assert r.status_code == 401


def test_unit_policy_enforces_two_factor_for_those_who_see_identities(org):
    org.school.policy = {"require_two_factor": True}
    org.school.save()
    client = Client()
    r = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD})
    assert r.status_code == 401 and r.json()["error"]["code"] == "two_factor_setup_required"
    # Staff of the district (policy not set there) are not affected.
    assert post(client, "/api/v1/auth/token", {"username": "kadis", "password": PASSWORD}).status_code == 200


def test_tokens_expire_and_can_be_revoked(org):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        token = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD}).json()["token"]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert client.get("/api/v1/me", **auth).status_code == 200
        clock.shift(dt.timedelta(hours=13))
        assert client.get("/api/v1/me", **auth).status_code == 401
    token = post(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD}).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", **auth).status_code == 204
    assert client.get("/api/v1/me", **auth).status_code == 401


def test_security_headers_on_api_answers(org):
    r = Client().get("/api/v1/public/units")
    assert "default-src 'self'" in r["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert r["Referrer-Policy"] == "no-referrer"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in r  # plain HTTP
    page = Client().get("/")
    assert page["Referrer-Policy"] == "same-origin"  # nothing to other sites; Origin kept for CSRF
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert page["Cache-Control"] == "no-store"
    secure = Client().get("/api/v1/public/units", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    "username, password",
    [("vi\x00ce", PASSWORD), ("vice", "pass\x00word-panjang"), ("x" * 5000, PASSWORD), ("", PASSWORD)],
)
def test_impossible_credentials_are_refused_not_crashed(org, username, password):
    r = post(Client(), "/api/v1/auth/token", {"username": username, "password": password})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"


def test_the_api_two_factor_confirm_counts_failures_like_the_page(org, settings):
    """Wrong codes to POST /auth/two-factor/confirm count against the account, as on /masuk/dua-langkah/."""
    settings.INTEGRITAS = {
        **settings.INTEGRITAS,
        "THROTTLE": {**settings.INTEGRITAS["THROTTLE"], "password_account": (3, 900, 900)},
    }
    client = Client()
    with time_machine.travel(T0, tick=False):
        r = post(client, "/api/v1/auth/two-factor/setup", {"username": "vice", "password": PASSWORD})
        secret = r.json()["secret"]
        body = {"username": "vice", "password": PASSWORD, "otp": "000000"}
        statuses = [post(client, "/api/v1/auth/two-factor/confirm", body).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert AuditEntry.objects.filter(action="auth.failed_otp", actor="vice").count() == 3
        # Locked: even the right code waits.
        good = {**body, "otp": totp.now_code(secret)}
        assert post(client, "/api/v1/auth/two-factor/confirm", good).status_code == 429
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        assert (
            post(
                client, "/api/v1/auth/two-factor/confirm", {**good, "otp": totp.now_code(secret)}
            ).status_code
            == 204
        )


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "²³⁴⁵⁶⁷"])
def test_a_code_in_other_digits_is_a_wrong_code_on_the_page(org, code):
    with time_machine.travel(T0, tick=False):
        from integritas.orgs import auth

        secret = auth.totp_begin(org.vice)
        auth.totp_confirm(org.vice, totp.now_code(secret))
        client = Client()
        assert client.post("/masuk/", {"username": "vice", "password": PASSWORD}).status_code == 302
        r = client.post("/masuk/kode/", {"otp": code})
        assert r.status_code == 401 and "Kode salah" in r.content.decode()
        assert AuditEntry.objects.filter(action="auth.failed_otp", actor="vice").count() == 1
