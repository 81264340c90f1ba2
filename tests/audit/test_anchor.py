"""The anchor outside the database: a line per committed entry in the data dir, and the head by e-mail.
Cutting the newest entries (and moving the head back) is caught by either."""

from __future__ import annotations

import datetime as dt
import re
import stat
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from integritas.audit import anchor
from integritas.audit.chain import record, verify
from integritas.audit.models import AuditEntry, AuditHead
from integritas.notify.models import OutboxMessage
from integritas.scheduler import run_jobs_once
from tests.notify.conftest import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """record() as in production: the anchor line is written once the transaction commits."""

    def append(n: int, prefix: str = "org.test") -> None:
        for i in range(n):
            with django_capture_on_commit_callbacks(execute=True):
                record(f"{prefix}.{i}", actor="admin", data={"i": i})

    return append


def anchored() -> list[tuple[int, str]]:
    return [(a.seq, a.hash) for a in anchor.read_lines(anchor.anchor_path())]


def cut_newest(n: int = 1) -> int:
    """Finding 4 (a): delete the newest entries and point the head at the one before them."""
    top = AuditHead.objects.get().seq
    AuditEntry.objects.filter(seq__gt=top - n).delete()
    last = AuditEntry.objects.order_by("-seq").first()
    AuditHead.objects.update(seq=last.seq, hash=last.hash, key_id=last.key_id)
    return top - n + 1


def test_each_committed_entry_gets_a_line_private_to_the_owner(committed):
    committed(3)
    assert anchored() == list(AuditEntry.objects.order_by("seq").values_list("seq", "hash"))
    path = anchor.anchor_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    line = path.read_text().splitlines()[0]
    assert re.fullmatch(r"1 [0-9a-f]{64} \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", line), line


def test_an_entry_whose_transaction_rolls_back_is_not_anchored(committed, django_capture_on_commit_callbacks):
    committed(1)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            record("org.rolled_back")
            raise RuntimeError("the change failed")
    assert [seq for seq, _ in anchored()] == [1]
    assert verify()[0]


def test_cutting_the_newest_entries_and_moving_the_head_is_caught_by_the_anchor_file(committed):
    committed(5)
    assert verify()[0]
    first_cut = cut_newest(2)
    ok, message = verify()
    assert not ok, message
    assert message.startswith(f"audit chain broken at entry #{first_cut}: missing"), message
    assert "up to #5" in message and "cut" in message
    # Without the anchor the cut cannot be seen: the keyed chain alone is a valid, shorter chain.
    assert verify(anchor_file=False)[0]


def test_an_anchored_entry_rewritten_by_someone_holding_the_key_is_caught(committed):
    """Even a rewrite with the real key (an insider on the server) no longer matches the anchor."""
    from tests.audit.test_chain import recompute

    committed(4)
    AuditEntry.objects.filter(seq=2).update(actor="system")
    from integritas.audit.chain import derive_audit_key
    from integritas.vault.keyring import current_keyring

    recompute(from_seq=2, key=derive_audit_key(current_keyring().current()))
    assert verify(anchor_file=False)[0]
    ok, message = verify()
    assert not ok and message.startswith("audit chain broken at entry #2: it differs from the anchor"), (
        message
    )


def test_no_anchor_file_is_a_warning_and_an_edited_one_an_error(committed):
    committed(2)
    path = anchor.anchor_path()
    path.rename(path.with_name("elsewhere"))
    ok, message = verify()
    assert ok and "warning: no anchor file" in message
    path.with_name("elsewhere").rename(path)
    with path.open("a") as fh:
        fh.write("3 not-a-hash sometime\n")
    ok, message = verify()
    assert not ok and "line 3 cannot be read" in message, message


def test_a_line_cut_short_by_a_crash_is_ignored(committed):
    committed(2)
    with anchor.anchor_path().open("a") as fh:
        fh.write("3 abc")
    assert verify()[0]


def test_heads_given_on_the_command_line_are_checked(committed):
    committed(3)
    head = AuditHead.objects.get()
    assert verify(anchors=[(head.seq, head.hash)], anchor_file=False)[0]
    cut_newest(1)
    ok, message = verify(anchors=[(head.seq, head.hash)], anchor_file=False)
    assert not ok and f"#{head.seq}" in message and "--anchor" in message, message


# ------------------------------------------------------------------------------------------ the e-mail


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.INTEGRITAS = {
        **settings.INTEGRITAS,
        "EMAIL_URL": server.url,
        "PUBLIC_URL": "https://wbs.example.id",
    }
    settings.AUDIT_ANCHOR_EMAIL = "jangkar@inspektorat.example.id, arsip@example.org"
    settings.AUDIT_ANCHOR_EMAIL_HOURS = 24
    try:
        yield server
    finally:
        server.stop()


def mailed_anchor(text: str) -> tuple[int, str]:
    match = re.search(r"integritas audit verify --anchor (\d+):([0-9a-f]{64})", text)
    assert match, text
    return int(match[1]), match[2]


def test_the_head_is_mailed_by_the_scheduler_and_checks_the_log(smtp, committed):
    committed(3)
    head = AuditHead.objects.get()
    run_jobs_once()
    received = smtp.to("jangkar@inspektorat.example.id")
    assert len(received) == 1 and smtp.recipients() == ["arsip@example.org", "jangkar@inspektorat.example.id"]
    mail = received[0]
    assert f"#{head.seq}" in mail.subject and head.hash in mail.text and "https://wbs.example.id" in mail.text
    assert mailed_anchor(mail.text) == (head.seq, head.hash)
    # The mail is on record in the chain (and that entry is itself covered by the next anchor).
    assert AuditEntry.objects.filter(action="audit.anchor_mailed").get().data["seq"] == head.seq
    assert OutboxMessage.objects.filter(kind="audit_anchor", state="sent").count() == 2

    # Within the interval, or when nothing moved, nothing more is sent.
    run_jobs_once()
    assert len(smtp.received) == 2
    assert anchor.mail_anchor_if_due(timezone.now() + dt.timedelta(days=2)) == 0  # only the mail entry since
    committed(1, "org.later")
    assert anchor.mail_anchor_if_due(timezone.now() + dt.timedelta(hours=1)) == 0
    assert anchor.mail_anchor_if_due(timezone.now() + dt.timedelta(hours=25)) == 2

    # Someone who holds the whole machine cuts the log and its anchor file: the mailed head still tells.
    anchor.anchor_path().unlink()
    cut_newest(AuditHead.objects.get().seq - head.seq + 1)  # back to before the mailed head
    ok, message = verify(anchors=[mailed_anchor(mail.text)])
    assert not ok and f"#{head.seq}" in message, message


def test_without_an_address_nothing_is_mailed(settings, committed):
    settings.AUDIT_ANCHOR_EMAIL = ""
    committed(1)
    assert anchor.mail_anchor_if_due() == 0
    assert not OutboxMessage.objects.exists()


def test_restore_keeps_a_previous_anchor_aside(committed, tmp_path):
    committed(3)
    path = anchor.anchor_path()
    lines = tmp_path / "from-backup"
    lines.write_bytes(b"".join(line.encode() + b"\n" for line in path.read_text().splitlines()[:2]))
    with lines.open("rb") as fh:
        moved = anchor.replace_after_restore(
            fh, head_seq=3, head_hash=AuditHead.objects.get().hash, note="test"
        )
    assert moved is not None and moved.read_text().count("\n") == 3
    assert Path(path).read_text().startswith("# test\n")
    assert [seq for seq, _ in anchored()] == [1, 2, 3]
    assert verify()[0]
