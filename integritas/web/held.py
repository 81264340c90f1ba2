"""Valid files held for the retry of a form that came back with an error.

Browsers cannot fill a file field again, so after any error a reporter on a phone had to find and
choose every file anew, even those that were fine. Instead, each file that passed the checks is kept:
its (already cleaned) content encrypted in the file storage under a fresh data key, and its name and
key sealed to the form — bound to a secret only the browser holds (the report form's one-time token,
or the tracking session's key) and to the master key. The form then lists the held files with a box
ticked for each; sending the form again uses them. Held files are deleted once used, or after half an
hour by the scheduler's clean-up (``integritas.web.sessions.purge_expired``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.utils import timezone

from integritas.cases.evidence import CheckedFile
from integritas.vault import storage
from integritas.web.models import HeldFile
from integritas.web.sessions import open_bound, seal_bound

PURPOSE = "integritas-held-file"
KEEP_FIELD = "keep_file"
HOLD_SECONDS = 1800


@dataclass(frozen=True)
class Held:
    id: str
    name: str
    size: int
    content_type: str


def _owner(secret: str) -> str:
    return hashlib.sha256(b"integritas-held:" + secret.encode()).hexdigest()


def hold(files: Iterable[CheckedFile], secret: str) -> list[Held]:
    """Keep these checked files, encrypted, for the form bound to ``secret``."""
    held: list[Held] = []
    if not secret:
        return held
    for item in files:
        key = os.urandom(32)
        stored = storage.store(key, item.chunks(), PURPOSE)
        meta = {"name": item.name, "type": item.content_type, "key": base64.b64encode(key).decode()}
        row = HeldFile.objects.create(
            id=secrets.token_hex(16),
            owner_hash=_owner(secret),
            sealed=seal_bound(json.dumps(meta), purpose=PURPOSE, secret=secret).encode(),
            storage_name=stored.name,
            size=stored.size,
            created_at=timezone.now(),
        )
        held.append(Held(row.id, item.name, stored.size, item.content_type))
    return held


def _rows(secret: str, ids: Iterable[str] | None = None) -> list[tuple[HeldFile, dict[str, Any]]]:
    if not secret:
        return []
    since = timezone.now() - dt.timedelta(seconds=HOLD_SECONDS)
    rows = HeldFile.objects.filter(owner_hash=_owner(secret), created_at__gt=since).order_by(
        "created_at", "id"
    )
    if ids is not None:
        rows = rows.filter(id__in=[i for i in ids if isinstance(i, str) and len(i) <= 32])
    found = []
    for row in rows:
        text = open_bound(bytes(row.sealed).decode(), purpose=PURPOSE, secret=secret)
        if text is not None:
            found.append((row, json.loads(text)))
    return found


def listed(secret: str, ids: Iterable[str]) -> list[Held]:
    """The held files of this form that the visitor kept ticked."""
    return [Held(row.id, meta["name"], row.size, meta["type"]) for row, meta in _rows(secret, ids)]


def take(secret: str, ids: Iterable[str]) -> list[CheckedFile]:
    """The kept files, decrypted into temporary files, ready to be stored with the report."""
    files: list[CheckedFile] = []
    for row, meta in _rows(secret, ids):
        key = base64.b64decode(meta["key"])
        tmp = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)
        for piece in storage.read(key, row.storage_name, PURPOSE):
            tmp.write(piece)
        tmp.seek(0)
        upload = cast(Any, tmp)
        files.append(CheckedFile(upload=upload, name=meta["name"], content_type=meta["type"], cleaned=upload))
    return files


def release(secret: str) -> None:
    """Delete every file held for this form (after it was sent, or when it is given up)."""
    if secret:
        _delete(HeldFile.objects.filter(owner_hash=_owner(secret)))


def purge_expired(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return _delete(HeldFile.objects.filter(created_at__lte=now - dt.timedelta(seconds=HOLD_SECONDS)))


def _delete(rows: Any) -> int:
    count = 0
    for row in list(rows):
        storage.delete(row.storage_name)
        row.delete()
        count += 1
    return count
