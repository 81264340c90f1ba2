"""Incoming evidence files: size by policy (413), type by content (415), then encrypted storage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from integritas.cases import content
from integritas.cases.models import Case, Evidence, Message, Sender
from integritas.errors import Invalid, TooLarge
from integritas.vault import filetypes

MAX_FILES = 20
MAX_NAME = 200


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


def check_files(uploads: list[Upload], *, max_upload_mb: int, field: str = "evidence") -> list[CheckedFile]:
    if len(uploads) > MAX_FILES:
        raise Invalid({field: f"at most {MAX_FILES} files at once"})
    limit = max_upload_mb * 1024 * 1024
    checked: list[CheckedFile] = []
    for upload in uploads:
        name = clean_name(upload.name)
        size = upload.size or 0
        if size > limit:
            raise TooLarge(
                f"{name}: larger than the {max_upload_mb} MB allowed", fields={field: f"{name} is too large"}
            )
        if size == 0:
            raise Invalid({field: f"{name} is empty"})
        # Type by content, structure, metadata removed: 415 with the reason's code (vault.filetypes).
        inspected = filetypes.inspect_upload(upload, name=name, field=field)
        checked.append(
            CheckedFile(
                upload=upload, name=name, content_type=inspected.content_type, cleaned=inspected.cleaned
            )
        )
    return checked


def store_files(
    case: Case, files: list[CheckedFile], *, sender: str, at, message: Message | None = None
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
                sender=sender if sender in Sender.values else Sender.REPORTER,
                sealed_name=content.seal_text(case, item.name, "evidence-name"),
                size=stored.size,
                content_type=item.content_type,
                storage_name=stored.name,
                sha256=stored.sha256,
                created_at=at,
            )
        )
    return rows, names
