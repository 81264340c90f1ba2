"""The one storage layer for what is confidential in a case: reporter identity, description,
decision details, free-text subject, messages and evidence files. Everything passes through the
vault with the case's own data key."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from integritas.cases.models import Case, Evidence, Message
from integritas.vault import crypto, storage


def new_case_key(case: Case) -> bytes:
    key, wrapped = crypto.new_data_key()
    case.wrapped_key = wrapped
    return key


def case_key(case: Case) -> bytes:
    cached = getattr(case, "_data_key", None)
    if cached is None:
        cached = crypto.unwrap_key(bytes(case.wrapped_key))
        case._data_key = cached  # type: ignore[attr-defined]
    return cached


def seal_report(case: Case, key: bytes, content: dict[str, Any]) -> None:
    case._data_key = key  # type: ignore[attr-defined]
    case.sealed = crypto.seal(key, json.dumps(content).encode(), f"case:{case.reference}:report")


def report(case: Case) -> dict[str, Any]:
    cached = getattr(case, "_report", None)
    if cached is None:
        raw = crypto.unseal(case_key(case), bytes(case.sealed), f"case:{case.reference}:report")
        cached = json.loads(raw)
        case._report = cached  # type: ignore[attr-defined]
    return cached


def seal_text(case: Case, text: str, purpose: str) -> bytes:
    return crypto.seal(case_key(case), text.encode(), f"case:{case.reference}:{purpose}")


def open_text(case: Case, blob: bytes, purpose: str) -> str:
    return crypto.unseal(case_key(case), bytes(blob), f"case:{case.reference}:{purpose}").decode()


def message_text(message: Message) -> str:
    return open_text(message.case, message.sealed, "message")


def evidence_name(evidence: Evidence) -> str:
    return open_text(evidence.case, evidence.sealed_name, "evidence-name")


def store_file(case: Case, chunks: Iterable[bytes]) -> storage.StoredFile:
    return storage.store(case_key(case), chunks, f"case:{case.reference}:evidence")


def read_file(evidence: Evidence) -> Iterator[bytes]:
    return storage.read(
        case_key(evidence.case), evidence.storage_name, f"case:{evidence.case.reference}:evidence"
    )
