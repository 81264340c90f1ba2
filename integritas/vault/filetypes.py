"""Decide a file's type from its content, never from its name or the declared type, and parse enough of
it to know that it is what it claims to be.

Accepted: PDF; Word, Excel and PowerPoint (OLE and OOXML) and OpenDocument text, spreadsheet and
presentation; JPEG, PNG, GIF, WebP; MP3, WAV, Ogg, M4A; MP4, 3GP, WebM, AVI. Anything else, and any
file whose structure does not hold together, is refused with a code (:mod:`integritas.messages.security`).

Memory: a file is read through a read-only memory map of the uploaded file (which Django keeps on disk
above 2 MiB), a piece at a time; no member of an archive is decompressed beyond what typing needs
(a few bytes of ODF's ``mimetype``, at most 1 MiB of ``[Content_Types].xml``, at most 8 MiB of an
embedded office document) and declared sizes and compression ratios are checked before anything is
read. Images and videos are cleaned into a temporary file, copying their pixel and media data in
1 MiB pieces; only an MP4's index (``moov``, at most 16 MiB) is held whole. Checking any upload
therefore costs a bounded amount of memory, whatever its content (tests/security/test_upload_memory.py).
"""

from __future__ import annotations

import io
import mmap
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from integritas.vault import media, ole, packages, pdf, scrub
from integritas.vault.refused import Refused

__all__ = ["Inspected", "Refused", "identify", "inspect", "inspect_upload"]

MARKUP = (b"<script", b"<html", b"<?php", b"<svg", b"<iframe", b"<!doctype html")
# Types whose content is a zip of their own (an appended-archive check would refuse them all).
ZIP_TYPES = set(packages.ODF_TYPES) | set(packages.OOXML_TYPES.values())


@dataclass
class Inspected:
    content_type: str
    # The metadata-free copy (images, videos, M4A), or None when the file is stored as uploaded.
    cleaned: IO[bytes] | None = None


@contextmanager
def mapped(fh: BinaryIO) -> Iterator[tuple[BinaryIO, mmap.mmap]]:
    """(a seekable file, a read-only map of it). An upload held in memory is copied to a temporary file
    first, so that every check works on the same kind of buffer."""
    fh.seek(0)
    source: BinaryIO | None = None
    try:
        fileno = fh.fileno()
        source = fh
    except (AttributeError, OSError, io.UnsupportedOperation):
        source = None
    copy = None
    if source is None:
        copy = tempfile.TemporaryFile()
        shutil.copyfileobj(fh, copy, 1 << 20)
        copy.flush()
        copy.seek(0)
        source, fileno = copy, copy.fileno()
    try:
        view = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    except ValueError:  # an empty file cannot be mapped
        raise Refused("file_damaged") from None
    try:
        yield source, view
    finally:
        view.close()
        if copy is not None:
            copy.close()
        fh.seek(0)


def inspect_upload(upload: Any, *, name: str, field: str = "evidence") -> Inspected:
    """Type and clean an uploaded file; 415 with the reason's code (and nothing stored) when refused."""
    from integritas.errors import Problem, UnsupportedType

    fh = getattr(upload, "file", None) or upload
    try:
        return inspect(fh)
    except Refused as refused:
        params = {"name": name, "part": "", **refused.params}
        # The code clients see stays "unsupported_file_type"; the reason picks the words.
        raise UnsupportedType(
            reason=refused.code, fields={field: Problem(refused.code, **params)}, **params
        ) from None


def inspect(fh: BinaryIO) -> Inspected:
    with mapped(fh) as (source, data):
        kind = identify(source, data)
        cleaner = scrub.CLEANERS.get(kind)
        if cleaner is None:
            return Inspected(kind)
        out = tempfile.TemporaryFile()
        try:
            cleaner(data, out)
        except scrub.ScrubError as exc:
            out.close()
            raise Refused(exc.code) from None
        except BaseException:
            out.close()
            raise
        out.seek(0)
        return Inspected(kind, out)


def identify(source: BinaryIO, data: mmap.mmap) -> str:
    """The MIME type of an accepted file, after checking its structure; Refused otherwise."""
    kind = _by_signature(data)
    if kind is None:
        raise Refused("file_type_unknown")
    if kind not in ZIP_TYPES and kind != "application/zip":
        _no_markup_at_start(data, kind)
        _no_archive_inside(data)
    if kind == "application/pdf":
        pdf.check(data)
    elif kind == "application/zip":
        kind = packages.check(source, data)
    elif kind == "application/x-ole-storage":
        kind = ole.check(data)
    elif kind == "audio/mpeg":
        media.check_mp3(data)
    elif kind == "audio/ogg":
        media.check_ogg(data)
    elif kind in ("audio/wav", "video/x-msvideo"):
        media.check_riff(data, kind)
    elif kind == "video/webm":
        media.check_webm(data)
    elif kind in media.ISO_TYPES:
        media.check_iso(data)
    # Images are walked, segment by segment, by their cleaner (scrub.CLEANERS).
    return kind


def _by_signature(data: mmap.mmap) -> str | None:
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF":
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(head[8:12])
    if head[4:8] == b"ftyp":
        return media.iso_type(head)
    if head.startswith(b"ID3") or media.mp3_header(head, 0) is not None:
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if head.startswith(ole.SIGNATURE):
        return "application/x-ole-storage"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return None


def _no_markup_at_start(data: mmap.mmap, kind: str) -> None:
    head = data[:4096].lower()
    if any(tag in head for tag in MARKUP):
        raise Refused("file_hides_content")


def _no_archive_inside(data: mmap.mmap) -> None:
    """A zip's end record near the end of a file that is not a zip, pointing inside it: an archive was
    appended (or the file is a zip dressed as something else)."""
    size = len(data)
    tail_start = max(0, size - (65536 + 22))
    tail = data[tail_start:]
    at = tail.rfind(b"PK\x05\x06")
    if at != -1 and at + 22 <= len(tail):
        cd_size, cd_offset = struct.unpack("<II", tail[at + 12 : at + 20])
        if 0 < cd_size and cd_offset + cd_size <= size:
            raise Refused("file_hides_content")
