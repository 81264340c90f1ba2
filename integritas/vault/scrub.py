"""Remove metadata (EXIF with GPS position, XMP, IPTC, comments, text chunks) from images without
re-encoding them: the pixels stay exactly as uploaded. PDFs and other documents are kept as uploaded."""

from __future__ import annotations

import struct
import zlib

# JPEG markers kept before the image data: APP0 (JFIF), APP2 (ICC colour profile), APP14 (Adobe colour
# transform), and everything that is not an APPn/COM segment (tables, frame headers).
JPEG_KEEP_APP = {0xE0, 0xE2, 0xEE}
PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
WEBP_DROP = {b"EXIF", b"XMP "}


class ScrubError(ValueError):
    """The image is malformed where its structure was expected."""


def scrub_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ScrubError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ScrubError("JPEG segment expected")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise ScrubError("truncated JPEG")
        marker = data[pos]
        pos += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            out += bytes((0xFF, marker))
            continue
        if marker == 0xD9:  # end of image
            out += b"\xff\xd9"
            return bytes(out)
        if pos + 2 > len(data):
            raise ScrubError("truncated JPEG")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > len(data):
            raise ScrubError("bad JPEG segment length")
        segment = data[pos : pos + length]
        pos += length
        is_app = 0xE0 <= marker <= 0xEF
        if marker == 0xFE or (is_app and marker not in JPEG_KEEP_APP):
            continue  # comment or metadata: dropped
        out += bytes((0xFF, marker)) + segment
        if marker == 0xDA:  # start of scan: the rest is image data (up to and including EOI)
            out += data[pos:]
            return bytes(out)
    raise ScrubError("JPEG without image data")


def scrub_png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise ScrubError("not a PNG")
    out = bytearray(signature)
    pos = len(signature)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ScrubError("truncated PNG chunk")
        if kind not in PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise ScrubError("PNG without IEND")


def scrub_webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ScrubError("not a WebP")
    chunks = bytearray()
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > len(data):
            raise ScrubError("truncated WebP chunk")
        chunk = bytearray(data[pos:end])
        if kind == b"VP8X" and len(chunk) >= 9:
            chunk[8] &= ~0x0C & 0xFF  # clear the EXIF and XMP flags
        if kind not in WEBP_DROP:
            chunks += chunk
        pos = end
    return b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks)


SCRUBBERS = {"image/jpeg": scrub_jpeg, "image/png": scrub_png, "image/webp": scrub_webp}


def scrub(content_type: str, data: bytes) -> bytes:
    """Metadata-free bytes for images; other types unchanged."""
    scrubber = SCRUBBERS.get(content_type)
    return scrubber(data) if scrubber else data


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """A well-formed PNG chunk (used by tests and fixtures)."""
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
