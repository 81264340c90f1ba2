"""The audit chain's anchors outside the database.

**The anchor file** (``<data dir>/audit-anchor.log``, or ``INTEGRITAS_AUDIT_ANCHOR_FILE``): one line
per committed entry, ``<number> <hash> <time anchored>``, appended (``O_APPEND``, mode 0600) right
after the transaction that made the entry commits. Written at each append, not periodically: the
point of cutting the newest entries is to hide what was just done (an identity viewed, a file
downloaded), and an anchor written every minute would leave exactly that minute open. A line costs
one small write, no fsync: after a power cut the file may lack its last lines (harmless) or, rarely,
name an entry the database lost, which `audit verify` then reports, as it should: entries were lost.

**The anchor e-mail** (``INTEGRITAS_AUDIT_ANCHOR_EMAIL``): the scheduler mails the head (number and
hash) through the outbox every ``INTEGRITAS_AUDIT_ANCHOR_EMAIL_HOURS`` (24) when it moved, and records
that it did (``audit.anchor_mailed``). The mails sit in mailboxes the server cannot reach:
`integritas audit verify --anchor NUMBER:HASH` checks the log against any of them.

Who each protects against: the file, someone who can write to the database but not to the data dir
(leaked database credentials, a database administrator, a hosted PostgreSQL); the e-mail, also someone
who holds the whole machine.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integritas.audit.models import AuditEntry, AuditHead

log = logging.getLogger(__name__)

ANCHOR_NAME = "audit-anchor.log"
MAIL_KIND = "audit_anchor"
MAILED_ACTION = "audit.anchor_mailed"
_LINE = re.compile(r"(\d{1,19}) ([0-9a-f]{64}) (\S+)")
BATCH = 2000


def anchor_path() -> Path:
    configured = getattr(settings, "AUDIT_ANCHOR_FILE", "") or ""
    return Path(configured) if configured else Path(settings.DATA_DIR) / ANCHOR_NAME


def _now_text() -> str:
    return timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def append_line(seq: int, digest: str, path: Path | None = None) -> None:
    """Anchor one committed entry. Never raises: the entry is committed whatever happens here."""
    path = path or anchor_path()
    try:
        _write(path, f"{seq} {digest} {_now_text()}\n")
    except OSError as exc:
        log.error("audit anchor %s could not be written (%s): entry #%s is not anchored", path, exc, seq)


def append_lines(entries: list[tuple[int, str]], path: Path | None = None) -> None:
    """Anchor committed entries (number, hash) in their order, with one write. Never raises."""
    if not entries:
        return
    path = path or anchor_path()
    stamp = _now_text()
    try:
        _write(path, "".join(f"{seq} {digest} {stamp}\n" for seq, digest in entries))
    except OSError as exc:
        log.error(
            "audit anchor %s could not be written (%s): entries #%s-#%s are not anchored",
            path, exc, entries[0][0], entries[-1][0],
        )  # fmt: skip


def write_comment(text: str, path: Path | None = None) -> None:
    _write(path or anchor_path(), "".join(f"# {line}\n" for line in text.splitlines()))


@dataclass
class AnchorLine:
    line: int
    seq: int
    hash: str
    at: str
    source: str


class AnchorUnreadable(Exception):
    pass


def read_lines(path: Path) -> Iterator[AnchorLine]:
    """The anchor lines of a file; comments (#) and blank lines skipped. A last line cut short by a crash
    is skipped; any other unreadable line is an error (the file was edited)."""
    with open(path, "rb") as fh:
        pending: tuple[int, bytes] | None = None
        for number, raw in enumerate(fh, start=1):
            if pending is not None:
                raise AnchorUnreadable(f"{path} line {pending[0]} cannot be read")
            if not raw.endswith(b"\n"):
                pending = (number, raw)  # fine if it is the last line
                continue
            text = raw.decode("ascii", "replace").strip()
            if not text or text.startswith("#"):
                continue
            match = _LINE.fullmatch(text)
            if match is None:
                raise AnchorUnreadable(f"{path} line {number} cannot be read")
            yield AnchorLine(number, int(match[1]), match[2], match[3], f"{path.name} line {number}")


@dataclass
class Comparison:
    problem: tuple[int, str] | None = None
    notes: list[str] = field(default_factory=list)


def compare(path: Path | None, given: list[tuple[int, str]], count: int) -> Comparison:
    """Every anchored (number, hash) must be in the chain as anchored: a number beyond the end means
    entries were cut, another hash that the entry was rewritten (or the log replaced)."""
    result = Comparison()
    rewritten: tuple[int, str] | None = None  # the first one only: a rewritten log may differ everywhere
    beyond: AnchorLine | None = None
    newest = checked = 0

    def check(batch: list[AnchorLine]) -> None:
        nonlocal newest, checked, beyond, rewritten
        stored = dict(AuditEntry.objects.filter(seq__in={a.seq for a in batch}).values_list("seq", "hash"))
        for item in batch:
            if item.seq > count:
                if beyond is None or item.seq > beyond.seq:
                    beyond = item
            elif stored.get(item.seq) != item.hash and (rewritten is None or item.seq < rewritten[0]):
                rewritten = (
                    item.seq,
                    f": it differs from the anchor ({item.source}, {item.at}): the entry or the chain before "
                    "it was rewritten",
                )

    manual = [AnchorLine(0, seq, digest.lower(), "given", "--anchor") for seq, digest in given]
    if manual:
        check(manual)
    if path is not None:
        if path.exists():
            batch: list[AnchorLine] = []
            try:
                for item in read_lines(path):
                    batch.append(item)
                    checked, newest = checked + 1, max(newest, item.seq)
                    if len(batch) >= BATCH:
                        check(batch)
                        batch = []
                check(batch)
            except AnchorUnreadable as exc:
                result.problem = (count + 1, f": the anchor cannot be trusted: {exc}")
                return result
            except OSError as exc:
                result.problem = (count + 1, f": the anchor {path} cannot be read ({exc.strerror})")
                return result
            if checked:
                result.notes.append(f"the anchor {path} confirms the log up to entry #{newest}")
        elif count:
            result.notes.append(
                f"warning: no anchor file at {path}: a cut of the newest entries cannot be detected here"
            )
    if manual:
        result.notes.append(f"{len(manual)} anchor(s) given on the command line match")
    if rewritten is not None:
        result.problem = rewritten
    elif beyond is not None:
        result.problem = (
            count + 1,
            f": missing; the anchor ({beyond.source}, {beyond.at}) records entries up to #{beyond.seq}, "
            f"the log ends at #{count} (the newest entries were cut)",
        )
    if result.problem:
        result.notes.clear()
    return result


# --------------------------------------------------------------------------------- backup and restore


def snapshot_length(path: Path) -> int:
    """How many bytes of the anchor file hold whole lines now. A backup reads this before its database
    snapshot, so every line it copies names an entry the snapshot holds; the file only grows."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    with open(path, "rb") as fh:
        end = size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            block = fh.read(end - start)
            at = block.rfind(b"\n")
            if at != -1:
                return start + at + 1
            end = start
    return 0


def replace_after_restore(
    lines: IO[bytes] | None, *, head_seq: int, head_hash: str, note: str
) -> Path | None:
    """A restored data dir starts its anchor with the backup's lines, then the restored head.

    An anchor already there (a data dir whose database was emptied for the restore) is kept beside it,
    renamed: it may name entries newer than the backup, which are gone now, and verify would report
    them cut, forever. Returns where the old anchor went, if there was one.
    """
    path = anchor_path()
    moved = None
    if path.exists() and path.stat().st_size:
        stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        moved = path.with_name(f"{path.name}.replaced-{stamp}")
        os.replace(path, moved)
    elif path.exists():
        path.unlink()
    write_comment(note, path)
    if lines is not None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as out:
            while piece := lines.read(1 << 16):
                out.write(piece)
    if head_seq:
        append_line(head_seq, head_hash, path)
    return moved


# ----------------------------------------------------------------------------------------- the e-mail


def mail_addresses() -> list[str]:
    value = getattr(settings, "AUDIT_ANCHOR_EMAIL", "") or ""
    return [a.strip() for a in value.split(",") if a.strip()]


def mail_anchor_if_due(now: dt.datetime | None = None) -> int:
    """Queue the head to the anchor addresses when the last mail is older than the interval and the head
    moved since. Returns the number of mails queued. Safe with several workers (the head's lock)."""
    from integritas.audit.chain import record
    from integritas.notify.models import OutboxMessage, Role

    addresses = mail_addresses()
    if not addresses:
        return 0
    now = now or timezone.now()
    every = dt.timedelta(hours=float(getattr(settings, "AUDIT_ANCHOR_EMAIL_HOURS", 24) or 24))
    with transaction.atomic():
        AuditHead.objects.get_or_create(id=1)
        head = AuditHead.objects.select_for_update().get(id=1)
        if head.seq == 0:
            return 0
        last = AuditEntry.objects.filter(action=MAILED_ACTION).order_by("-seq").first()
        if last is not None and (now - last.at < every or last.seq == head.seq):
            return 0
        subject, text, body_html = _anchor_mail(head.seq, head.hash, now)
        for address in addresses:
            OutboxMessage.objects.create(
                kind=MAIL_KIND,
                recipient_role=Role.TEAM,
                to_address=address,
                language="id",
                subject=subject,
                body_text=text,
                body_html=body_html,
                next_attempt_at=now,
                created_at=now,
            )
        record(MAILED_ACTION, data={"seq": head.seq, "hash": head.hash, "to": addresses}, at=now)
    return len(addresses)


def _anchor_mail(seq: int, digest: str, now: dt.datetime) -> tuple[str, str, str]:
    site = str(settings.INTEGRITAS.get("PUBLIC_URL", ""))
    when = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    subject = f"[Integritas] Jangkar log audit #{seq} / audit log anchor #{seq}"
    text = (
        "Integritas: jangkar log audit (audit log anchor)\n\n"
        f"Situs / site: {site}\n"
        f"Entri terakhir / last entry: #{seq}\n"
        f"Hash: {digest}\n"
        f"Waktu / time: {when}\n\n"
        "Simpan e-mail ini di tempat yang tidak dapat diubah oleh server. Untuk memeriksa bahwa log audit\n"
        "tidak dipotong atau ditulis ulang sejak saat ini, jalankan di server:\n"
        "Keep this e-mail where the server cannot change it. To check that the audit log was not cut or\n"
        "rewritten since, run on the server:\n\n"
        f"  integritas audit verify --anchor {seq}:{digest}\n"
    )
    body_html = f"<pre>{html.escape(text)}</pre>"
    return subject, text, body_html
