"""Issue 12 items 3 and 4, issue 11 items 3 and 13: the receipt after sending, one case per form,
sessions that a database copy cannot use, and the reporter's tracking cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from integritas.cases.models import Case
from integritas.cases.receipts import receipt_hash
from integritas.scheduler import run_jobs_once
from integritas.web.models import ReportToken, WebSession
from integritas.web.sessions import purge_expired
from tests.concurrency import at_once
from tests.factories import PASSWORD, submit
from tests.web.portal import form_data, portal_org, receipt_on, text_of, visible

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return portal_org()


def form_token(client: Client, code: str = "SMPN1") -> str:
    page = text_of(client.get(f"/lapor/{code}/"))
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def everything_stored() -> str:
    rows = WebSession.objects.values_list("session_key", "session_data")
    tokens = ReportToken.objects.values_list("token_hash", "sealed_receipt")
    store = WebSession.get_session_store_class()()
    decoded = [str(store.decode(data)) for _, data in rows]
    return " ".join(
        [
            *(k for k, _ in rows),
            *decoded,
            *(t for t, _ in tokens),
            *(bytes(b or b"").hex() for _, b in tokens),
        ]
    )


# ---------------------------------------------------------------- 12.3 the receipt survives a reload


def test_the_receipt_survives_reloads_for_half_an_hour_then_is_gone(client, org):
    client.post("/lapor/SMPN1/", form_data(form_token=form_token(client)))
    first = receipt_on(client.get("/lapor/terkirim/"))
    assert receipt_on(client.get("/lapor/terkirim/")) == first
    page = visible(client.get("/lapor/terkirim/"))
    assert "sampai" in page and "WIB" in page  # says until when
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29), tick=False):
        assert receipt_on(client.get("/lapor/terkirim/")) == first
        assert client.get("/lapor/terkirim/slip.txt").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        gone = client.get("/lapor/terkirim/")
        assert first not in text_of(gone)
        assert "tidak lagi disimpan di peramban ini" in visible(gone)
        slip = client.get("/lapor/terkirim/slip.txt")
        assert slip.status_code == 404 and "Not Found" not in text_of(slip)


def test_saved_means_gone_from_this_browser(client, org):
    client.post("/lapor/SMPN1/", form_data(form_token=form_token(client)))
    receipt = receipt_on(client.get("/lapor/terkirim/"))
    client.post("/lapor/terkirim/selesai/")
    assert receipt not in text_of(client.get("/lapor/terkirim/"))


def test_the_receipt_is_kept_sealed_and_bound_to_the_browser(client, org):
    client.post("/lapor/SMPN1/", form_data(form_token=form_token(client)))
    receipt = receipt_on(client.get("/lapor/terkirim/"))
    stored = everything_stored()
    for form in (receipt, receipt.replace("-", ""), receipt.lower()):
        assert form not in stored
    # The session row copied into another browser (by its stored key) opens nothing.
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = WebSession.objects.get().session_key
    assert receipt not in text_of(thief.get("/lapor/terkirim/"))


# ---------------------------------------------------------------- 11.3 no bearer secret in the session table


def test_session_rows_are_kept_by_the_hash_of_the_cookie(client, org):
    client.post("/lapor/SMPN1/", form_data(form_token=form_token(client)))
    key = cookie(client)
    row = WebSession.objects.get()
    assert row.session_key == hashlib.sha256(b"integritas-session:" + key.encode()).hexdigest()
    assert key not in everything_stored()


def test_a_staff_session_copied_from_the_database_does_not_sign_in(client, org):
    response = client.post("/masuk/", {"username": "vice", "password": PASSWORD, "next": "/kasus/"})
    assert response.status_code == 302 and response["Location"] == "/kasus/"
    assert client.get("/kasus/").status_code == 200
    stored_keys = list(WebSession.objects.values_list("session_key", flat=True))
    assert cookie(client) not in stored_keys
    for stored in stored_keys:
        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = stored
        assert thief.get("/kasus/").status_code == 302  # to the sign-in page


def test_expired_sessions_and_old_form_tokens_are_purged_on_schedule(client, org):
    client.post("/lapor/SMPN1/", form_data(form_token=form_token(client)))
    assert WebSession.objects.count() == 1 and ReportToken.objects.count() == 1
    assert purge_expired() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        run_jobs_once()  # the scheduler's tick
    assert WebSession.objects.count() == 0 and ReportToken.objects.count() == 0


# ---------------------------------------------------------------- 11.13 the tracking cookie


def test_tracking_is_a_browser_session_cookie_with_a_short_idle_life(client, org):
    submitted = submit(org.school, org.p_teacher)
    response = client.post("/pantau/", {"receipt": submitted.receipt})
    morsel = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not morsel["max-age"] and not morsel["expires"]  # gone when the browser closes
    row = WebSession.objects.get()
    assert row.expire_date <= timezone.now() + dt.timedelta(minutes=21)
    page = client.get("/pantau/laporan/")
    assert "20 menit" in visible(page) and "menutup peramban" in visible(page)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=15), tick=False):
        assert client.get("/pantau/laporan/").status_code == 200  # in use: the idle time starts again
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30), tick=False):
        assert client.get("/pantau/laporan/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=52), tick=False):
        assert client.get("/pantau/laporan/")["Location"] == "/pantau/"


# ---------------------------------------------------------------- 12.4 a double tap makes one case


def test_the_same_form_sent_twice_files_one_report_and_shows_its_receipt(client, org):
    data = form_data(form_token=form_token(client))
    first = client.post("/lapor/SMPN1/", data)
    receipt = receipt_on(client.get(first["Location"]))
    data = form_data(form_token=data["form_token"])  # fresh file objects, same form
    second = client.post("/lapor/SMPN1/", data)
    assert second.status_code == 302 and second["Location"] == "/lapor/terkirim/"
    assert Case.objects.count() == 1
    assert receipt_on(client.get("/lapor/terkirim/")) == receipt


def test_a_second_tap_whose_first_answer_never_arrived_still_gets_the_receipt(org):
    browser = Client()
    token = form_token(browser)
    first = browser.post("/lapor/SMPN1/", form_data(form_token=token))
    assert first.status_code == 302
    # The browser dropped the first answer (and its cookie) when the second tap went out.
    browser.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    second = browser.post("/lapor/SMPN1/", form_data(form_token=token))
    assert second.status_code == 302
    receipt = receipt_on(browser.get("/lapor/terkirim/"))
    assert Case.objects.count() == 1
    assert Case.objects.get().receipt_hash == receipt_hash(receipt)


def test_a_form_with_errors_keeps_its_token_and_a_new_form_gets_a_new_one(client, org):
    token = form_token(client)
    refused = client.post("/lapor/SMPN1/", form_data(form_token=token, good_faith=""))
    assert refused.status_code == 400
    assert f'name="form_token" value="{token}"' in text_of(refused)
    assert form_token(client) != token
    assert client.post("/lapor/SMPN1/", form_data(form_token=token)).status_code == 302
    assert client.post("/lapor/SMPN1/", form_data(form_token=form_token(client))).status_code == 302
    assert Case.objects.count() == 2  # two forms, two reports


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_the_same_moment_file_one_report():
    """A double tap on a slow connection: both posts arrive together; one case, one receipt for both."""

    portal_org()
    token = form_token(Client())
    answers: list[tuple[Client, int]] = []

    def tap() -> None:
        browser = Client()
        answers.append((browser, browser.post("/lapor/SMPN1/", form_data(form_token=token)).status_code))

    errors = at_once(2, tap)
    assert errors == []
    assert sorted(status for _, status in answers) == [302, 302]
    assert Case.objects.count() == 1
    receipts = {receipt_on(browser.get("/lapor/terkirim/")) for browser, _ in answers}
    assert len(receipts) == 1
    assert Case.objects.get().receipt_hash == receipt_hash(receipts.pop())
