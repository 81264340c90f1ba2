"""Encrypted file storage: names are random, never the uploaded filename; contents are AES-GCM."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import default_storage

from integritas.vault import crypto


@dataclass
class StoredFile:
    name: str
    size: int
    sha256: str


def store(key: bytes, chunks: Iterable[bytes], purpose: str) -> StoredFile:
    """Encrypt ``chunks`` into storage; the plaintext's size and digest are measured on the way."""
    digest = hashlib.sha256()
    size = 0

    def measured() -> Iterator[bytes]:
        nonlocal size
        for piece in chunks:
            size += len(piece)
            digest.update(piece)
            yield piece

    name = f"evidence/{secrets.token_hex(1)}/{secrets.token_hex(16)}"
    with tempfile.TemporaryFile() as tmp:
        for block in crypto.encrypt_stream(key, measured(), purpose):
            tmp.write(block)
        tmp.seek(0)
        saved = default_storage.save(name, File(tmp, name=name))
    return StoredFile(name=saved, size=size, sha256=digest.hexdigest())


def read(key: bytes, name: str, purpose: str) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as fh:
        yield from crypto.decrypt_stream(key, fh.read, purpose)


def delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
