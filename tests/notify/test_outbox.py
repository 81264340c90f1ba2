"""The outbox: never lost when the mail server is down, sent once, retried with backoff, sealed at
rest for reporters and wiped once delivered; the transports behind INTEGRITAS_EMAIL_URL."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from integritas.notify import mail, outbox
from integritas.notify.models import OutboxMessage, State
from integritas.notify.outbox import LEASE, MAX_REFUSALS, claim, deliver
from tests.factories import submit
from tests.notify.conftest import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def stopped_smtp(settings):
    """A server whose port is known but which is not running yet."""
    server = SmtpServer()
    settings.INTEGRITAS = {**settings.INTEGRITAS, "EMAIL_URL": server.url}
    try:
        yield server
    finally:
        server.stop()


def test_server_down_then_up_every_message_arrives_exactly_once(stopped_smtp, org):
    for _ in range(3):
        submit(org.school, org.p_teacher)
    queued = OutboxMessage.objects.count()
    assert queued == 9  # each: the superior, the school team, the reporter

    now = timezone.now()
    result = deliver(now)
    assert result.server_down and result.sent == 0 and result.retried == queued
    rows = list(OutboxMessage.objects.all())
    assert {r.state for r in rows} == {State.QUEUED}
    assert {r.attempts for r in rows} == {1}
    assert all(r.next_attempt_at == now + dt.timedelta(minutes=1) for r in rows)
    assert all("unreachable" in r.last_error for r in rows)

    # Still down a minute later: the wait doubles.
    assert deliver(now + dt.timedelta(minutes=1)).server_down
    assert {r.attempts for r in OutboxMessage.objects.all()} == {2}
    assert deliver(now + dt.timedelta(minutes=2)).sent == 0  # not due yet: nothing tried
    assert {r.attempts for r in OutboxMessage.objects.all()} == {2}

    stopped_smtp.start()
    result = deliver(now + dt.timedelta(minutes=4))
    assert result.sent == queued and not result.server_down
    received = stopped_smtp.received
    assert len(received) == queued
    assert max(Counter(r.message_id for r in received).values()) == 1
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}

    # Nothing is sent twice, however often delivery runs.
    assert deliver(now + dt.timedelta(hours=3)).sent == 0
    assert len(stopped_smtp.received) == queued


def test_server_stopping_in_the_middle_loses_nothing(stopped_smtp, org):
    stopped_smtp.start()
    submit(org.school, org.p_teacher)
    assert deliver().sent == 3
    stopped_smtp.stop()
    submit(org.school, org.p_teacher)
    assert deliver().server_down
    stopped_smtp.start()
    assert deliver(timezone.now() + dt.timedelta(minutes=5)).sent == 3
    ids = [r.message_id for r in stopped_smtp.received]
    assert len(ids) == 6 and len(set(ids)) == 6


def test_a_worker_that_dies_mid_send_leaves_the_message_to_another_after_the_lease(smtp, org):
    submit(org.school, org.p_teacher)
    now = timezone.now()
    _, claimed = claim(now)  # a worker claims the rows and dies before sending
    assert len(claimed) == 3
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENDING}

    assert deliver(now + LEASE - dt.timedelta(seconds=1)).sent == 0  # still leased: left alone
    assert smtp.received == []
    assert deliver(now + LEASE + dt.timedelta(seconds=1)).sent == 3
    assert len(smtp.received) == 3


def test_only_the_claim_holder_marks_a_message_sent(smtp, org):
    submit(org.school, org.p_teacher)
    now = timezone.now()
    token, rows = claim(now)
    # The lease ran out and another worker took the rows over: the first one's late "sent" is void.
    later = now + LEASE + dt.timedelta(seconds=1)
    other_token, taken = claim(later)
    assert {r.pk for r in taken} == {r.pk for r in rows}
    assert outbox._mark_sent(rows[0], token, later) is False
    assert outbox._mark_sent(taken[0], other_token, later) is True


def test_reporter_mail_is_sealed_at_rest_and_wiped_once_delivered(smtp, org):
    case = submit(org.school, org.p_teacher).case
    row = OutboxMessage.objects.get(recipient_role="reporter")
    assert row.case_id == case.pk and row.kind == "reporter_ack"
    assert row.to_address == "" and row.subject == "" and row.body_text == "" and row.body_html == ""
    assert row.sealed
    # Nothing readable in any column of the table.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {OutboxMessage._meta.db_table}")
        dump = repr(cursor.fetchall()).lower()
    for needle in ("siti", "aminah", "example.net"):
        assert needle not in dump
    sealed = bytes(row.sealed)
    assert b"siti" not in sealed.lower()

    assert deliver().sent == 3
    (mail_to_reporter,) = smtp.to("siti@example.net")
    assert "Yth. Pelapor" in mail_to_reporter.text and "Siti" not in mail_to_reporter.text  # never the name
    row.refresh_from_db()
    assert row.state == State.SENT and row.sealed is None and row.sent_at is not None
    # Staff rows keep no body once sent either.
    for staff_row in OutboxMessage.objects.exclude(recipient_role="reporter"):
        assert staff_row.state == State.SENT
        assert (staff_row.to_address, staff_row.subject, staff_row.body_text, staff_row.body_html) == (
            "",
            "",
            "",
            "",
        )


def test_a_refused_recipient_is_retried_with_backoff_then_failed_and_can_be_retried(smtp, org):
    smtp.handler.refuse = {"vice@example.org"}
    submit(org.school, org.p_teacher)
    now = timezone.now()
    result = deliver(now)
    assert result.sent == 2 and result.retried == 1 and not result.server_down
    row = OutboxMessage.objects.get(recipient__username="vice")
    assert row.state == State.QUEUED and row.attempts == 1 and row.last_error == "recipient refused (550)"

    delays = [row.next_attempt_at - now]
    for _ in range(MAX_REFUSALS - 1):
        now = row.next_attempt_at
        deliver(now)
        row.refresh_from_db()
        if row.state == State.QUEUED:
            delays.append(row.next_attempt_at - now)
    assert row.state == State.FAILED and row.attempts == MAX_REFUSALS
    assert delays[:4] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) <= dt.timedelta(hours=1)

    smtp.handler.refuse = set()
    assert outbox.requeue(row.pk, now)
    assert deliver(now).sent == 1
    assert len(smtp.to("vice@example.org")) == 1


def test_the_embedded_default_writes_one_eml_file_per_message(settings, tmp_path, org):
    settings.DATA_DIR = tmp_path
    settings.INTEGRITAS = {**settings.INTEGRITAS, "EMAIL_URL": ""}
    submit(org.school, org.p_teacher)
    assert deliver().sent == 3
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    assert {f.stem for f in files} == set(OutboxMessage.objects.values_list("message_id", flat=True))
    assert any(b"vice@example.org" in f.read_bytes() for f in files)
    # A repeated delivery (a worker died after writing) rewrites the same file.
    row = OutboxMessage.objects.first()
    OutboxMessage.objects.filter(pk=row.pk).update(state=State.FAILED)
    outbox.requeue(row.pk)
    OutboxMessage.objects.filter(pk=row.pk).update(to_address="vice@example.org", subject="s", body_text="b")
    assert deliver().sent == 1
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_with_a_user_and_password(settings, org):
    class Auth:
        def __init__(self) -> None:
            self.logins: list[tuple[bytes, bytes]] = []

        def __call__(self, server, session, envelope, mechanism, auth_data):
            from aiosmtpd.smtp import AuthResult

            self.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.password == b"rahasia")

    server = SmtpServer()
    auth = Auth()
    server.controller = Controller(
        server.handler,
        hostname="127.0.0.1",
        port=server.port,
        authenticator=auth,
        auth_require_tls=False,
        auth_required=True,
    )
    # (A wrong password is not tried here: aiosmtpd then hangs until the client's 30 s timeout.)
    server.controller.start()
    try:
        settings.INTEGRITAS = {
            **settings.INTEGRITAS,
            "EMAIL_URL": f"smtp://integritas:rahasia@127.0.0.1:{server.port}",
        }
        submit(org.school, org.p_teacher)
        assert deliver().sent == 3
        assert (b"integritas", b"rahasia") in auth.logins
        assert len(server.received) == 3
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", ("smtp", "127.0.0.1", 1025, "", "")),
        ("smtp://mail.example.id", ("smtp", "mail.example.id", 25, "", "")),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example.id",
            ("smtp+starttls", "mail.example.id", 587, "u@x", "p:w"),
        ),
        ("smtps://u:p@mail.example.id:2465", ("smtps", "mail.example.id", 2465, "u", "p")),
    ],
)
def test_email_url_parsing(tmp_path, url, expected):
    cfg = mail.parse_email_url(url, tmp_path)
    assert (cfg.scheme, cfg.host, cfg.port, cfg.user, cfg.password) == expected


def test_email_url_file_sink_and_errors(tmp_path):
    assert mail.parse_email_url("", tmp_path).path == tmp_path / "mail"
    assert mail.parse_email_url("file:///var/mail/x", tmp_path).path.as_posix() == "/var/mail/x"
    with pytest.raises(ValueError, match="unsupported scheme"):
        mail.parse_email_url("http://example.org", tmp_path)
    with pytest.raises(ValueError, match="host is required"):
        mail.parse_email_url("smtp://", tmp_path)


def test_collector_is_a_real_smtp_server(smtp):
    import smtplib

    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=5) as client:
        client.sendmail("a@example.org", ["b@example.org"], b"Subject: hi\r\n\r\nhello\r\n")
    assert smtp.recipients() == ["b@example.org"]
