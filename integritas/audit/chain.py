"""Appending to and verifying the audit chain.

Each entry's hash is an HMAC-SHA256 over its content and the previous entry's hash, keyed with the
*audit key*: HKDF-SHA256 of the master key (``info = integritas-audit-chain-v1``). The entry records
the id of the master key it was made under (``key_id``). The database never holds an audit key in
clear; it holds each one sealed with the current master key (:class:`AuditKey`, re-sealed by
`integritas keys rotate` like every master-sealed value), so entries made before a rotation still
verify after the old master key is gone. Whoever can write to the database but does not have the
master key can neither change an entry nor recompute the chain after it.

What a key cannot catch, cutting the newest entries and moving the head back, the anchor catches: each
committed entry's number and hash are appended to a file outside the database (``audit.anchor``), and
the head can be mailed to an address the team chooses; :func:`verify` compares both.

Entries written before the chain was keyed (migration 0002) keep their unkeyed SHA-256 hashes up to
``AuditHead.legacy_seq``; the first keyed entry includes the last of their hashes in its HMAC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection, transaction
from django.utils import timezone

from integritas import batching
from integritas.audit.models import AuditEntry, AuditHead, AuditKey

log = logging.getLogger(__name__)

GENESIS = "0" * 64
AUDIT_KEY_INFO = b"integritas-audit-chain-v1"


def audit_key_purpose(kid: str) -> str:
    """What an :class:`AuditKey` row is sealed for (binds the sealed key to its row)."""
    return f"audit-key:{kid}"


def derive_audit_key(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=AUDIT_KEY_INFO).derive(master)


def _canonical(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    action: str,
    actor: str,
    case_reference: str,
    unit_code: str,
    data: Any,
    *,
    key_id: str | None,
) -> bytes:
    content: dict[str, Any] = {
        "prev": prev_hash,
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "action": action,
        "actor": actor,
        "case": case_reference,
        "unit": unit_code,
        "data": data,
    }
    if key_id is not None:
        content["v"], content["key"] = 2, key_id
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _legacy_hash(prev_hash: str, seq: int, at, action, actor, case_reference, unit_code, data) -> str:
    """The unkeyed hash of entries made before the chain was keyed (format 1)."""
    canonical = _canonical(prev_hash, seq, at, action, actor, case_reference, unit_code, data, key_id=None)
    return hashlib.sha256(canonical).hexdigest()


def _keyed_hash(
    key: bytes, key_id: str, prev_hash: str, seq: int, at, action, actor, case_ref, unit, data
) -> str:
    canonical = _canonical(prev_hash, seq, at, action, actor, case_ref, unit, data, key_id=key_id)
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def _entry_hash(entry: AuditEntry, prev: str, key: bytes | None) -> str:
    fields = (prev, entry.seq, entry.at, entry.action, entry.actor, entry.case_reference, entry.unit_code)
    if key is None:
        return _legacy_hash(*fields, entry.data)
    return _keyed_hash(key, entry.key_id, *fields, entry.data)


# ----------------------------------------------------------------------------------------- audit keys

_derived: dict[bytes, bytes] = {}


def _current_audit_key() -> tuple[str, bytes, bytes]:
    """(key id, audit key, master key) of this process's current master key."""
    from integritas.vault.crypto import key_id
    from integritas.vault.keyring import current_keyring

    master = current_keyring().current()
    kid = key_id(master)
    if kid not in _derived:
        _derived[kid] = derive_audit_key(master)
    return kid.hex(), _derived[kid], master


def _ensure_key_row(kid: str, audit_key: bytes, master: bytes) -> None:
    """The sealed copy that keeps entries under this key verifiable once the master key is rotated."""
    from integritas.vault import crypto

    if not AuditKey.objects.filter(pk=kid).exists():
        AuditKey.objects.create(
            pk=kid,
            sealed=crypto.seal_master(audit_key, audit_key_purpose(kid), master=master),
            created_at=timezone.now(),
        )


class _Keys:
    """Audit keys by key id, for verification: from a master key this process has, else its sealed row."""

    def __init__(self) -> None:
        self._cache: dict[str, bytes | None] = {}

    def get(self, kid: str) -> bytes | None:
        if kid not in self._cache:
            self._cache[kid] = self._load(kid)
        return self._cache[kid]

    @staticmethod
    def _load(kid: str) -> bytes | None:
        from integritas.vault import crypto
        from integritas.vault.crypto import VaultError
        from integritas.vault.keyring import current_keyring

        try:
            raw = bytes.fromhex(kid)
        except ValueError:
            return None
        if len(raw) != 8:
            return None
        master = current_keyring().find(raw)
        if master is not None:
            return derive_audit_key(master)
        row = AuditKey.objects.filter(pk=kid).first()
        if row is None:
            return None
        try:
            return crypto.unseal_master(bytes(row.sealed), audit_key_purpose(kid))
        except VaultError:
            return None


# ------------------------------------------------------------------------------------------- append


def record(
    action: str,
    *,
    actor: str = "system",
    case_reference: str = "",
    unit_code: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry. Joins the caller's transaction, so the entry exists iff the change does.

    Inside :func:`appended_at_end` the entry is only queued: it gets its number and hash (and is
    written) when that block ends, so ``seq`` is not known before; inside a batch of the sweep
    (``integritas.batching``) it is chained with the batch's other entries when the batch is written.
    Once the transaction commits, the entry's number and hash are appended to the anchor file.
    """
    at = at or timezone.now()
    # JSON round trip: the stored value is what gets hashed, whatever the database does with types.
    # NUL cannot be stored in PostgreSQL text or jsonb: what a client typed is recorded with U+FFFD.
    payload = json.loads(json.dumps(data or {}, default=str).replace("\\u0000", "\\ufffd"))
    actor = actor.replace("\x00", "\ufffd")[:150]
    entry = batching.made(
        AuditEntry,
        at=at, action=action, actor=actor, case_reference=case_reference, unit_code=unit_code, data=payload,
    )  # fmt: skip
    pending = batching.current()
    if pending is not None:  # a batch (the sweep) chains its entries together (``append_many``)
        pending.audit.append(entry)
        return entry
    queue = _queue.get()
    if queue is not None:
        from integritas.audit import anchor

        # The anchor line doubles as the marker of the entry: Django forgets the callbacks registered
        # inside a savepoint that is rolled back, and the entry is forgotten with it.
        def anchor_line() -> None:
            anchor.append_line(entry.seq, entry.hash)

        transaction.on_commit(anchor_line, robust=True)
        queue.queued.append((entry, anchor_line))
        return entry
    append_many([entry])
    return entry


def append_many(entries: list[AuditEntry], *, copy: bool = False, savepoint: bool = True) -> None:
    """Chain ``entries`` in their order after the head, under one lock of it, and insert them; their
    numbers and hashes go to the anchor file once the transaction commits.

    Each gets the number and hash it would have got appended alone, one after the other. ``copy``:
    inserted without reading their ids back (``batching.insert_without_ids``: COPY on PostgreSQL).
    ``savepoint=False``: inside the caller's transaction without a savepoint of its own (a failure
    fails the caller's whole transaction: for a caller that writes them as its last step).
    """
    from integritas.audit import anchor

    if not entries:
        return
    with transaction.atomic(savepoint=savepoint):
        _append(entries, copy=copy)
        lines = [(entry.seq, entry.hash) for entry in entries]
        transaction.on_commit(lambda: anchor.append_lines(lines), robust=True)


def _append(entries: list[AuditEntry], *, copy: bool = False) -> None:
    """Chain ``entries`` (in order) after the head and write them: the only place the head is locked.

    The caller's transaction holds the lock until it commits; this is its last step wherever the
    entries were queued (:func:`appended_at_end`), so the lock is held for this step and the commit.
    """
    kid, audit_key, master = _current_audit_key()
    locked = _lock_head()
    if locked is None:
        AuditHead.objects.get_or_create(id=1)
        locked = _lock_head()
        assert locked is not None
    seq, prev, head_kid = locked
    if head_kid != kid:  # the first entry under this master key
        _ensure_key_row(kid, audit_key, master)
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash, entry.key_id = seq, prev, kid
        entry.hash = _keyed_hash(
            audit_key,
            kid,
            prev,
            seq,
            entry.at,
            entry.action,
            entry.actor,
            entry.case_reference,
            entry.unit_code,
            entry.data,
        )
        prev = entry.hash
    if copy:
        batching.insert_without_ids(AuditEntry, entries)
    elif len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
    head, id_, seq_, hash_, kid_ = _head_names()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {head} SET {seq_} = %s, {hash_} = %s, {kid_} = %s WHERE {id_} = 1", [seq, prev, kid]
        )


# The head is read and written with plain statements (no model instance, no query to build): it is
# the last step of every report, under its lock.
def _head_names() -> tuple[str, ...]:
    quote, fields = connection.ops.quote_name, {f.name: f.column for f in AuditHead._meta.concrete_fields}
    return quote(AuditHead._meta.db_table), *(quote(fields[n]) for n in ("id", "seq", "hash", "key_id"))


def _lock_head() -> tuple[int, str, str] | None:
    """(seq, hash, key id) of the head, locked until the transaction ends; None before the first entry.
    SQLite has no row locks: its write transactions take the database's lock when they begin."""
    head, id_, seq_, hash_, kid_ = _head_names()
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {seq_}, {hash_}, {kid_} FROM {head} WHERE {id_} = 1{lock}")
        row = cursor.fetchone()
    return (int(row[0]), str(row[1]), str(row[2])) if row is not None else None


@dataclass
class _Queue:
    queued: list[tuple[AuditEntry, Callable[[], None]]] = field(default_factory=list)


_queue: ContextVar[_Queue | None] = ContextVar("audit_queue", default=None)


@contextmanager
def appended_at_end() -> Iterator[None]:
    """Entries recorded inside the block are chained and written in one step when it ends without
    error, instead of each taking the head's lock when it is recorded: the lock that serialises every
    append is then held from that step to the commit, not for the whole work of the transaction.

    Use it as the last context inside the transaction (``with transaction.atomic(), appended_at_end():``)
    so that nothing runs between the append and the commit. Outside a transaction, or inside another
    such block, it changes nothing. An entry recorded inside a savepoint that is rolled back is dropped
    with it, as a written entry would be. ``seq`` and ``hash`` of the queued entries are set at the end.
    """
    connection = transaction.get_connection()
    if _queue.get() is not None or not connection.in_atomic_block:
        yield
        return
    queue = _Queue()
    token = _queue.set(queue)
    try:
        yield
    finally:
        _queue.reset(token)
    live = {id(func) for _, func, _ in connection.run_on_commit}
    entries = [entry for entry, marker in queue.queued if id(marker) in live]
    if entries and not connection.needs_rollback:
        _append(entries)


# ------------------------------------------------------------------------------------------- verify


@dataclass
class Verification:
    ok: bool
    message: str
    entries: int = 0
    notes: list[str] = field(default_factory=list)


def _broken(seq: int, why: str, count: int) -> Verification:
    return Verification(False, f"audit chain broken at entry #{seq}{why}", count)


def _walk(keys: _Keys, head: AuditHead | None, used: set[str]) -> Verification:
    """The chain itself, in order: every link, every HMAC, the head."""
    legacy_seq = head.legacy_seq if head else 0
    prev, expected_seq, count = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return _broken(expected_seq, f": missing (next entry found is #{entry.seq})", count)
        if entry.prev_hash != prev:
            return _broken(
                entry.seq, f": it does not follow entry #{entry.seq - 1} (removed or reordered)", count
            )
        if entry.key_id:
            key = keys.get(entry.key_id)
            if key is None:
                return _broken(
                    entry.seq,
                    f" ({entry.action}): it was made under master key id {entry.key_id}, whose audit key is "
                    "not available here (give that master key as INTEGRITAS_MASTER_KEY_PREVIOUS)",
                    count,
                )
            used.add(entry.key_id)
        elif entry.seq > legacy_seq:
            return _broken(
                entry.seq,
                f" ({entry.action}): it carries no key, but every entry after #{legacy_seq} is keyed",
                count,
            )
        else:
            key = None
        if _entry_hash(entry, prev, key) != entry.hash:
            return _broken(entry.seq, f" ({entry.action}): its content was changed", count)
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    if head_seq != count or head_hash != prev:
        return _broken(count + 1, f": entries up to #{head_seq} were recorded but only {count} remain", count)
    return Verification(True, "", count)


def verify(
    *, anchors: Iterable[tuple[int, str]] = (), anchor_file: Path | None | bool = True
) -> tuple[bool, str]:
    """Walk the chain in order and compare it with the anchors; name the first entry that was changed,
    removed or reordered, or cut from the end.

    ``anchors``: heads known from elsewhere (e.g. the anchor e-mail), as (number, hash).
    ``anchor_file``: True for the configured anchor file, a path, or False/None for none.
    """
    result = verification(anchors=anchors, anchor_file=anchor_file)
    return result.ok, result.message


def verification(
    *, anchors: Iterable[tuple[int, str]] = (), anchor_file: Path | None | bool = True
) -> Verification:
    from integritas.audit import anchor

    head = AuditHead.objects.filter(id=1).first()
    used: set[str] = set()
    walked = _walk(_Keys(), head, used)
    if not walked.ok:
        return walked
    count = walked.entries
    # A key that made entries is recorded with the first of them: one without any entry left means the
    # entries made under it were cut.
    orphans = sorted(
        AuditKey.objects.exclude(pk__in=used).values_list("pk", "created_at"), key=lambda r: r[1]
    )
    if orphans:
        kid, since = orphans[0]
        return _broken(
            count + 1,
            f": entries were made under master key id {kid} (from {since.isoformat()}) but none remain",
            count,
        )
    path = anchor.anchor_path() if anchor_file is True else (anchor_file or None)
    compared = anchor.compare(path, list(anchors), count)
    if compared.problem is not None:
        seq, why = compared.problem
        return _broken(seq, why, count)
    legacy = min(head.legacy_seq, count) if head else 0
    notes = []
    if legacy and count > legacy:
        notes.append(
            f"entries #1-#{legacy} were made before the chain was keyed; the first keyed entry after them "
            "seals them"
        )
    elif legacy:
        notes.append(f"all {count} entries were made before the chain was keyed (the next entry seals them)")
    notes.extend(compared.notes)
    message = f"audit chain intact: {count} entries"
    if notes:
        message += "\n" + "\n".join(f"  {n}" for n in notes)
    return Verification(True, message, count, notes)
