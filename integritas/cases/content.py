"""The one storage layer for what is confidential in a case: reporter identity, description,
decision details, free-text subject, messages, evidence files and mail to the reporter. Everything
passes through the vault with the case's own data key, each kind under its own purpose."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from integritas.cases.models import Case, Evidence, Message
from integritas.vault import crypto, storage

# What each sealed value is, bound into its encryption: a value cannot be passed off as another.
REPORT = "report"
MESSAGE = "message"
EVIDENCE_NAME = "evidence-name"
EVIDENCE_FILE = "evidence"
OUTBOX = "outbox"


def _purpose(case: Case, kind: str) -> str:
    return f"case:{case.reference}:{kind}"


new_case_key = crypto.new_row_key
case_key = crypto.row_key


def _seal(case: Case, text: str, kind: str) -> bytes:
    return crypto.seal(case_key(case), text.encode(), _purpose(case, kind))


def _open(case: Case, blob: bytes | memoryview, kind: str) -> str:
    return crypto.unseal(case_key(case), bytes(blob), _purpose(case, kind)).decode()


def seal_report(case: Case, content: dict[str, Any]) -> None:
    """Seal what the reporter wrote and who they are (the reference must be set: it is bound in)."""
    case.sealed = _seal(case, json.dumps(content), REPORT)
    case._report = content  # type: ignore[attr-defined]


def report(case: Case) -> dict[str, Any]:
    cached: dict[str, Any] | None = getattr(case, "_report", None)
    if cached is None:
        cached = json.loads(_open(case, case.sealed, REPORT))
        case._report = cached  # type: ignore[attr-defined]
    return cached


def seal_message(case: Case, text: str) -> bytes:
    return _seal(case, text, MESSAGE)


def message_text(message: Message, case: Case | None = None) -> str:
    return _open(case or message.case, message.sealed, MESSAGE)


def seal_evidence_name(case: Case, name: str) -> bytes:
    return _seal(case, name, EVIDENCE_NAME)


def evidence_name(evidence: Evidence, case: Case | None = None) -> str:
    return _open(case or evidence.case, evidence.sealed_name, EVIDENCE_NAME)


def seal_outbox(case: Case, payload: dict[str, Any]) -> bytes:
    return _seal(case, json.dumps(payload), OUTBOX)


def open_outbox(case: Case, blob: bytes | memoryview) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(_open(case, blob, OUTBOX))
    return value


def store_file(case: Case, chunks: Iterable[bytes]) -> storage.StoredFile:
    return storage.store(case_key(case), chunks, _purpose(case, EVIDENCE_FILE))


def read_file(evidence: Evidence, case: Case | None = None) -> Iterator[bytes]:
    case = case or evidence.case
    return storage.read(case_key(case), evidence.storage_name, _purpose(case, EVIDENCE_FILE))
