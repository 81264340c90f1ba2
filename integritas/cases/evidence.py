"""Evidence files: checked on the way in (size by policy → 413, type by content → 415), stored
encrypted, and opened for download (one function for the pages and the API, which audits it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Protocol

from django.db import transaction
from django.utils import timezone

from integritas.audit.chain import record
from integritas.cases import conflict, content
from integritas.cases.models import Case, Evidence, Message, Sender, Via
from integritas.errors import Invalid, NotFound, Problem, TooLarge
from integritas.orgs.models import Person
from integritas.vault import filetypes

MAX_FILES = 20
MAX_NAME = 200
# The accepted kinds as people know them (the server decides by content: vault.filetypes).
ACCEPTED_TYPES = "PDF, Word, Excel, PowerPoint, OpenDocument, JPEG, PNG, GIF, WebP, MP3, WAV, OGG, M4A, MP4, WebM, 3GP, AVI"


class Upload(Protocol):
    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...

    def seek(self, pos: int) -> int: ...

    def read(self, n: int = -1) -> bytes: ...


@dataclass
class CheckedFile:
    upload: Upload
    name: str
    content_type: str
    # Images and videos are stored from their metadata-free copy (a temporary file); the rest as uploaded.
    cleaned: IO[bytes] | None = None

    def chunks(self) -> Iterator[bytes]:
        if self.cleaned is not None:
            self.cleaned.seek(0)
            return iter(lambda: self.cleaned.read(64 * 1024), b"")  # type: ignore[union-attr]
        self.upload.seek(0)
        return self.upload.chunks()


def clean_name(name: str | None) -> str:
    base = (name or "bukti").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '\x00<>:"|?*').strip() or "bukti"
    return base[:MAX_NAME]


def check_files(
    uploads: Sequence[Upload], *, max_upload_mb: int, field: str = "evidence"
) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES:
        raise Invalid({field: Problem("too_many_files", limit=MAX_FILES)})
    limit = max_upload_mb * 1024 * 1024
    checked: list[CheckedFile] = []
    for upload in uploads:
        name = clean_name(upload.name)
        size = upload.size or 0
        if size > limit:
            raise TooLarge(
                reason="file",
                name=name,
                limit_mb=max_upload_mb,
                fields={field: Problem("file_too_large", name=name, limit_mb=max_upload_mb)},
            )
        if size == 0:
            raise Invalid({field: Problem("file_empty", name=name)})
        # Type by content, structure, metadata removed: 415 with the reason's code (vault.filetypes).
        inspected = filetypes.inspect_upload(upload, name=name, field=field)
        checked.append(
            CheckedFile(
                upload=upload, name=name, content_type=inspected.content_type, cleaned=inspected.cleaned
            )
        )
    return checked


def store_files(
    case: Case, files: list[CheckedFile], *, sender: Sender, at: dt.datetime, message: Message | None = None
) -> tuple[list[Evidence], list[str]]:
    """Encrypt and store; returns the rows and the storage names (to delete if the transaction fails)."""
    rows: list[Evidence] = []
    names: list[str] = []
    for item in files:
        stored = content.store_file(case, item.chunks())
        names.append(stored.name)
        rows.append(
            Evidence.objects.create(
                case=case,
                message=message,
                sender=sender,
                sealed_name=content.seal_evidence_name(case, item.name),
                size=stored.size,
                content_type=item.content_type,
                storage_name=stored.name,
                sha256=stored.sha256,
                created_at=at,
            )
        )
    return rows, names


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    size: int
    chunks: Iterator[bytes]


def evidence_id_of(text: str) -> int | None:
    """An evidence id as it comes in a path: ASCII digits only (never "²" or "١")."""
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def open_for_download(
    *, person: Person, case: Case, evidence_id: str, via: Via, now: dt.datetime | None = None
) -> Download:
    """One evidence file of a case the person sees: after the no-conflict guard, with its audit entry."""
    now = now or timezone.now()
    pk = evidence_id_of(evidence_id)
    with transaction.atomic():
        conflict.require(case, person, via=via, now=now)
        evidence = Evidence.objects.filter(case=case, pk=pk).first() if pk is not None else None
        if evidence is None:
            raise NotFound(reason="evidence")
        record(
            "case.evidence_downloaded",
            actor=person.username,
            case_reference=case.reference,
            unit_code=case.unit.code,
            data={"evidence": evidence.pk, "via": str(via)},
            at=now,
        )
    return Download(
        name=content.evidence_name(evidence, case),
        content_type=evidence.content_type,
        size=evidence.size,
        chunks=content.read_file(evidence, case),
    )
