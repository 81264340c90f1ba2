"""Encryption at rest for prevention rows: each row has its own data key, wrapped by the master key
(the same envelope as a case's), so a row's sealed fields open only with the master key and only
with that row's key. Purposes name the kind of field (a blob moved to another row does not open)."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from integritas.vault import crypto

# A row's own data key, as a case has (``vault.crypto``).
new_key = crypto.new_row_key
key_of = crypto.row_key


def _purpose(row: models.Model, field: str) -> str:
    return f"prevention:{row._meta.model_name}:{field}"


def seal(row: models.Model, field: str, value: Any, *, key_row: models.Model | None = None) -> bytes:
    """JSON-encode and seal ``value`` with the data key of ``key_row`` (default: ``row`` itself)."""
    owner = key_row or row
    return crypto.seal(key_of(owner), json.dumps(value, ensure_ascii=False).encode(), _purpose(row, field))


def unseal(
    row: models.Model, field: str, blob: bytes | memoryview | None, *, key_row: models.Model | None = None
) -> Any:
    if blob is None:
        return None
    owner = key_row or row
    return json.loads(crypto.unseal(key_of(owner), bytes(blob), _purpose(row, field)))
