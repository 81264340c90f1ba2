"""Decide a file's type from its content, never from its name or the declared type."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import BinaryIO

DOCUMENT_ZIP_TYPES = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF_MIME = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.presentation",
}


def sniff(head: bytes, fh: BinaryIO | None = None) -> str | None:
    """MIME type of an accepted kind (document, image, audio, video), or None when not accepted."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
            return None  # HEIC/AVIF carry metadata we cannot remove yet: ask for JPEG
        return "video/mp4"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith(b"PK\x03\x04") and fh is not None:
        return _sniff_zip(fh)
    return None


def _sniff_zip(fh: BinaryIO) -> str | None:
    """Office documents are zip files; anything else zipped (or one hiding a program) is refused."""
    try:
        fh.seek(0)
        with zipfile.ZipFile(fh) as archive:
            names = archive.namelist()
            if len(names) > 5000:
                return None
            # A zip bomb: a few kilobytes that unpack to gigabytes.
            unpacked = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
            if unpacked > 512 * 1024 * 1024 or unpacked / packed > 200:
                return None
            for info in archive.infolist():
                lowered = info.filename.lower()
                if lowered.endswith(
                    (".exe", ".dll", ".js", ".vbs", ".bat", ".cmd", ".ps1", ".sh", ".jar", ".bin")
                ):
                    return None
            if "mimetype" in names:
                kind = archive.read("mimetype").strip()
                return kind.decode() if kind in ODF_TYPES else None
            if "[Content_Types].xml" in names:
                for prefix, mime in DOCUMENT_ZIP_TYPES.items():
                    if any(n.startswith(prefix) for n in names):
                        return mime
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError):
        return None
    finally:
        fh.seek(0)
    return None


def sniff_bytes(data: bytes) -> str | None:
    return sniff(data[:64], io.BytesIO(data))


MARKUP = (b"<script", b"<html", b"<?php", b"<svg", b"<iframe", b"<!doctype html")


def hides_something(content_type: str, fh: BinaryIO, size: int) -> str | None:
    """Why a file that looks like a document, image or media file is a polyglot, or None.

    Catches the usual tricks: an archive appended to an image or a PDF (the end-of-central-directory
    record of a zip near the end of the file, pointing inside it), markup or script at the start of a
    binary file, and PDFs that launch programs.
    """
    fh.seek(0)
    head = fh.read(4096).lower()
    if not content_type.startswith("application/vnd") and any(tag in head for tag in MARKUP):
        return "holds markup or script"
    if content_type not in ODF_MIME and not content_type.startswith("application/vnd.openxmlformats"):
        tail_size = min(size, 65536 + 22)
        fh.seek(size - tail_size)
        tail = fh.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at != -1 and at + 22 <= len(tail):
            cd_size, cd_offset = struct.unpack("<II", tail[at + 12 : at + 20])
            if 0 < cd_size and cd_offset + cd_size <= size:
                return "has an archive hidden inside"
    if content_type == "application/pdf":
        fh.seek(0)
        carry = b""
        while True:
            block = fh.read(1 << 20)
            if not block:
                break
            window = carry + block
            if b"/Launch" in window or b"/EmbeddedFile" in window:
                return "launches or embeds other files"
            carry = window[-32:]
    fh.seek(0)
    return None
