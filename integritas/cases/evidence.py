"""Incoming evidence files: size by policy (413), type by content (415), then encrypted storage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from integritas.cases import content
from integritas.cases.models import Case, Evidence, Message, Sender
from integritas.errors import Invalid, TooLarge, UnsupportedType
from integritas.vault import filetypes, scrub

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
    # Images are stored from their metadata-free copy; everything else as uploaded.
    data: bytes | None = None

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            return iter((self.data,))
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
        upload.seek(0)
        head = upload.read(64)
        kind = filetypes.sniff(head, upload)  # type: ignore[arg-type]
        upload.seek(0)
        if kind is None:
            raise UnsupportedType(
                f"{name}: this type of file is not accepted (documents, images, audio and video are)",
                fields={field: f"{name}: file type not allowed"},
            )
        problem = filetypes.hides_something(kind, upload, size)  # type: ignore[arg-type]
        if problem:
            raise UnsupportedType(
                f"{name}: this file {problem}; it is not accepted",
                fields={field: f"{name}: file type not allowed"},
            )
        data = None
        if kind in scrub.SCRUBBERS:
            upload.seek(0)
            try:
                data = scrub.scrub(kind, upload.read())
            except scrub.ScrubError:
                raise UnsupportedType(
                    f"{name}: the image is damaged and cannot be accepted",
                    fields={field: f"{name}: damaged image"},
                ) from None
        checked.append(CheckedFile(upload=upload, name=name, content_type=kind, data=data))
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
