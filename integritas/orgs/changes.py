"""Change records and the change set every write to the organisation goes through.

A service never writes a sentence about what it did: it notes ``Change(kind, key, fields)`` records
on the active :func:`change_set`. When the outermost change set closes (inside the caller's
transaction) its changes are stored in bulk as :class:`~integritas.orgs.models.OrgChange` rows and one
audit entry ``org.changed`` records the change set: who, through what (``via``), how many changes of
each kind, and a SHA-256 digest over the rows, so the hash chain vouches for every row. A form on a
page, an API call, an import run and an approval are each one change set: the same shape everywhere.
Nothing is recorded when nothing changed.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.audit.chain import record
from integritas.errors import Problem

# The change set's own audit entry lists its changes when there are at most this many.
INLINE_LIMIT = 50
VIA = ("page", "api", "import", "approval", "demo", "cli")


@dataclass(frozen=True)
class Change:
    """One change: ``kind`` (``unit_created``, ``team_member_added``…), the key of what changed (a
    code, a user name, ``UNIT/username``…), and its fields: the values of something created, or
    ``[old, new]`` for each field of something changed. Values are JSON values (dates as text)."""

    kind: str
    key: str
    fields: dict[str, Any] = field(default_factory=dict)
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "key": self.key}
        if self.fields:
            data["fields"] = self.fields
        if self.unit:
            data["unit"] = self.unit
        return data


@dataclass(frozen=True)
class Caution:
    """Something allowed but worth a second look (e.g. a position with two current holders)."""

    code: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return Problem(self.code, **self.params).text


@dataclass
class Recorder:
    actor: str
    via: str
    changes: list[Change] = field(default_factory=list)
    warnings: list[Caution] = field(default_factory=list)

    def note(self, kind: str, key: str, fields: dict[str, Any] | None = None, *, unit: str = "") -> None:
        self.changes.append(Change(kind, key, fields or {}, unit))

    def warn(self, code: str, key: str, **params: Any) -> None:
        self.warnings.append(Caution(code, key, params))

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(c.kind for c in self.changes).items()))

    def flush(self) -> None:
        if not self.changes:
            return
        from integritas.orgs import bulk
        from integritas.orgs.models import ChangeSet, OrgChange

        now = timezone.now()
        change_set = ChangeSet.objects.create(at=now, actor=self.actor, via=self.via, counts=self.counts())
        rows = [
            {
                "change_set_id": change_set.pk,
                "seq": i,
                "kind": c.kind,
                "key": c.key[:255],
                "unit_code": c.unit[:64],
                "fields": c.fields,
            }
            for i, c in enumerate(self.changes, start=1)
        ]
        bulk.insert_rows(OrgChange, rows)
        change_set.digest = digest(self.changes)
        units = {c.unit for c in self.changes}
        data: dict[str, Any] = {
            "change_set": change_set.pk,
            "via": self.via,
            "counts": change_set.counts,
            "total": len(self.changes),
            "digest": change_set.digest,
        }
        if len(self.changes) <= INLINE_LIMIT:
            data["changes"] = [c.as_dict() for c in self.changes]
        entry = record(
            "org.changed",
            actor=self.actor,
            unit_code=next(iter(units)) if len(units) == 1 else "",
            data=data,
            at=now,
        )
        change_set.audit_seq = entry.seq
        change_set.save(update_fields=["digest", "audit_seq"])


_active: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("org_change_set", default=None)


@contextmanager
def change_set(*, actor: str, via: str) -> Iterator[Recorder]:
    """The change set writes join; the outermost one records them when it closes without error."""
    current = _active.get()
    if current is not None:
        yield current
        return
    recorder = Recorder(actor=actor[:150], via=via)
    token = _active.set(recorder)
    try:
        with transaction.atomic():
            yield recorder
            recorder.flush()
    finally:
        _active.reset(token)


def active() -> Recorder | None:
    return _active.get()


def digest(changes: list[Change]) -> str:
    """SHA-256 over the change records in order, in a canonical JSON form."""
    hasher = hashlib.sha256()
    for change in changes:
        hasher.update(
            json.dumps(change.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
        hasher.update(b"\n")
    return hasher.hexdigest()


def stored_digest(change_set_id: int) -> str:
    """The digest recomputed from the stored rows (equal to the audited one unless rows were edited)."""
    from integritas.orgs.models import OrgChange

    rows = OrgChange.objects.filter(change_set_id=change_set_id).order_by("seq")
    return digest([Change(r.kind, r.key, r.fields or {}, r.unit_code) for r in rows.iterator()])
