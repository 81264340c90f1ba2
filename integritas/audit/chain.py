"""Appending to and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _content_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    action: str,
    actor: str,
    case_reference: str,
    unit_code: str,
    data: Any,
) -> str:
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "action": action,
            "actor": actor,
            "case": case_reference,
            "unit": unit_code,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    action: str,
    *,
    actor: str = "system",
    case_reference: str = "",
    unit_code: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry. Joins the caller's transaction, so the entry exists iff the change does."""
    at = at or timezone.now()
    # JSON round trip: the stored value is what gets hashed, whatever the database does with types.
    # NUL cannot be stored in PostgreSQL text or jsonb: what a client typed is recorded with U+FFFD.
    payload = json.loads(json.dumps(data or {}, default=str).replace("\\u0000", "\\ufffd"))
    actor = actor.replace("\x00", "\ufffd")[:150]
    with transaction.atomic():
        AuditHead.objects.get_or_create(id=1)
        head = AuditHead.objects.select_for_update().get(id=1)
        seq = head.seq + 1
        digest = _content_hash(head.hash, seq, at, action, actor, case_reference, unit_code, payload)
        entry = AuditEntry.objects.create(
            seq=seq,
            at=at,
            action=action,
            actor=actor,
            case_reference=case_reference,
            unit_code=unit_code,
            data=payload,
            prev_hash=head.hash,
            hash=digest,
        )
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


def verify() -> tuple[bool, str]:
    """Walk the chain in order; name the first entry that was changed, removed or reordered."""
    head = AuditHead.objects.filter(id=1).first()
    prev, expected_seq, count = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return (
                False,
                f"audit chain broken at entry #{expected_seq}: missing (next entry found is #{entry.seq})",
            )
        if entry.prev_hash != prev:
            return (
                False,
                f"audit chain broken at entry #{entry.seq}: it does not follow entry #{entry.seq - 1} (removed or reordered)",
            )
        digest = _content_hash(
            prev,
            entry.seq,
            entry.at,
            entry.action,
            entry.actor,
            entry.case_reference,
            entry.unit_code,
            entry.data,
        )
        if digest != entry.hash:
            return (
                False,
                f"audit chain broken at entry #{entry.seq} ({entry.action}): its content was changed",
            )
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    if head_seq != count or head_hash != prev:
        return (
            False,
            f"audit chain broken at entry #{count + 1}: entries up to #{head_seq} were recorded but only {count} remain",
        )
    return True, f"audit chain intact: {count} entries"
