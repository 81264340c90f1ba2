"""Backups kept in S3-compatible object storage: `integritas backup s3://BUCKET/KEY` and
`integritas restore s3://BUCKET/KEY`.

The backup is written (encrypted, as always) to a private temporary folder in the data dir, then
uploaded; a restore downloads it there first. The endpoint and credentials are those of the evidence
storage (INTEGRITAS_S3_ENDPOINT_URL, INTEGRITAS_S3_ACCESS_KEY_ID …); the bucket may differ, and
should: a bucket for backups that the app servers may write but not delete protects against a
server gone bad.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files import File

SCHEME = "s3://"


class RemoteError(Exception):
    pass


def is_remote(target: str) -> bool:
    return target.startswith(SCHEME)


def split(target: str) -> tuple[str, str]:
    bucket, _, key = target[len(SCHEME) :].partition("/")
    key = key.strip("/")
    if not bucket or not key or any(part in ("", ".", "..") for part in key.split("/")):
        raise RemoteError(f"{target}: expected s3://BUCKET/NAME")
    return bucket, key


def _storage(bucket: str) -> Any:
    from storages.backends.s3 import S3Storage

    from integritas.settings import s3_options

    return S3Storage(**s3_options(bucket, ""))


@contextmanager
def _scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=".remote-", dir=settings.DATA_DIR))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def local_copy_to_upload(target: str) -> Iterator[Path]:
    """A fresh local path to write the backup to; uploaded to ``target`` when the block ends well."""
    bucket, key = split(target)
    storage = _storage(bucket)
    try:
        exists = storage.exists(key)
    except Exception as exc:  # botocore's errors: no such bucket, refused credentials, no answer
        raise RemoteError(f"{target}: {exc}") from exc
    if exists:
        raise RemoteError(f"{target} already exists; choose a new name (a backup never overwrites)")
    with _scratch() as folder:
        path = folder / PurePosixPath(key).name
        yield path
        try:
            with path.open("rb") as fh:
                saved = storage.save(key, File(fh, name=path.name))
        except Exception as exc:
            raise RemoteError(f"{target}: the upload failed: {exc}") from exc
        if saved != key:
            storage.delete(saved)
            raise RemoteError(f"{target} appeared while the backup was written; it was left alone")


@contextmanager
def downloaded(target: str) -> Iterator[Path]:
    """The backup at ``target``, downloaded into a private temporary file."""
    bucket, key = split(target)
    storage = _storage(bucket)
    with _scratch() as folder:
        path = folder / PurePosixPath(key).name
        try:
            with storage.open(key, "rb") as src, path.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
        except FileNotFoundError:
            raise RemoteError(f"{target}: no such object") from None
        except Exception as exc:
            raise RemoteError(f"{target}: {exc}") from exc
        yield path
