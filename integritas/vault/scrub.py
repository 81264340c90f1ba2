"""Remove metadata (Exif with the GPS position, XMP, IPTC, comments, text, location atoms) from images,
videos and M4A audio without re-encoding them: pixel, audio and video data are copied byte for byte.
PDFs and office documents keep their own metadata (the report form tells reporters so).

Each cleaner walks the whole structure of its format (so it is also the structure check of images),
reads the upload through a memory map and writes the clean copy to ``out`` in pieces of at most
1 MiB; only an MP4's ``moov`` box (its index, at most 16 MiB) is held whole.

- JPEG: keeps the tables, frame and scan headers, JFIF, the ICC profile and Adobe's colour transform;
  drops every other APPn segment (Exif, XMP, IPTC, MPF) and comments. It stops at the end of the first
  image: the embedded images of the MPO/MPF layout (phones store a preview, a depth map or a second
  view after the photo, each with its own Exif and GPS) are dropped, with the MPF index that points to
  them. The photo people see is the first image, kept exactly; cleaning every embedded image and
  rewriting MPF's offsets would keep nothing a handler needs.
- PNG: keeps the critical chunks and the ancillary chunks that affect display (colour, transparency,
  animation); drops text, Exif, time and unknown chunks, and anything after IEND. CRCs are checked.
- WebP: drops EXIF and XMP chunks (and clears their flags), keeps image, alpha, animation and ICC.
- GIF: drops comment extensions and application extensions (XMP and others) except NETSCAPE2.0 (the
  loop count of an animation), and anything after the trailer.
- MP4, 3GP, M4A (and QuickTime): drops ``udta`` and ``meta`` boxes in ``moov`` and in each ``trak``
  (``©xyz``, ``loci``, Apple's location keys, XMP), top-level ``meta``, ``udta`` and ``uuid`` (XMP) boxes
  and ``mfra`` (an index of absolute offsets). When something before the media data shrinks (``moov``
  first, the "fast start" layout of phones), every chunk offset (``stco``, ``co64``, ``saio``) and
  fragment base offset (``tfhd``) is moved by the bytes removed before it.
"""

from __future__ import annotations

import bisect
import mmap
import re
import struct
import zlib
from collections.abc import Callable
from typing import BinaryIO

from integritas.vault.media import boxes

Buffer = bytes | mmap.mmap
PIECE = 1 << 20
MAX_MOOV = 16 << 20


class ScrubError(ValueError):
    """The file is malformed where its structure was expected (or cannot be cleaned safely)."""

    def __init__(self, message: str = "", code: str = "file_damaged"):
        super().__init__(message or code)
        self.code = code


def _copy(data: Buffer, start: int, end: int, out: BinaryIO) -> None:
    while start < end:
        stop = min(end, start + PIECE)
        out.write(data[start:stop])
        start = stop


# ----------------------------------------------------------------------------------------------- JPEG

JPEG_KEEP_APP = {0xE0: (b"JFIF\x00",), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_NEXT_MARKER = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")


def _keep_segment(marker: int, segment: bytes | Buffer) -> bool:
    if marker == 0xFE:
        return False
    if 0xE0 <= marker <= 0xEF:
        payload = bytes(segment[2:16])
        return any(payload.startswith(sig) for sig in JPEG_KEEP_APP.get(marker, ()))
    return True


def clean_jpeg(data: Buffer, out: BinaryIO) -> None:
    n = len(data)
    if data[:2] != b"\xff\xd8":
        raise ScrubError("not a JPEG")
    out.write(b"\xff\xd8")
    pos, frame = 2, False
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise ScrubError("JPEG segment expected")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise ScrubError("truncated JPEG")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # the end of the first image: whatever follows (MPF images, data) is dropped
            out.write(b"\xff\xd9")
            return
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out.write(bytes((0xFF, marker)))
            continue
        if marker in (0x00, 0xD8):
            raise ScrubError("unexpected JPEG marker")
        if pos + 2 > n:
            raise ScrubError("truncated JPEG")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > n:
            raise ScrubError("bad JPEG segment length")
        segment = data[pos : pos + length]
        pos += length
        frame = frame or marker in _SOF
        if _keep_segment(marker, segment):
            out.write(bytes((0xFF, marker)) + segment)
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            if not frame:
                raise ScrubError("scan before the frame header")
            found = _NEXT_MARKER.search(data, pos)
            end = found.start() if found else n
            _copy(data, pos, end, out)
            pos = end
            if found is None:  # a photo cut short: its data are kept and the image closed
                out.write(b"\xff\xd9")
                return


# ------------------------------------------------------------------------------------------------ PNG

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEEP = frozenset(
    b"IHDR PLTE IDAT IEND gAMA cHRM sRGB iCCP cICP mDCv cLLi sBIT bKGD hIST tRNS pHYs sPLT acTL fcTL fdAT".split()
)
PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}  # named for readers; all others not kept go too


def clean_png(data: Buffer, out: BinaryIO) -> None:
    n = len(data)
    if data[:8] != PNG_SIGNATURE:
        raise ScrubError("not a PNG")
    out.write(PNG_SIGNATURE)
    pos, first = 8, True
    while pos + 12 <= n:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > n or length > 0x7FFFFFFF:
            raise ScrubError("truncated PNG chunk")
        if first and (kind != b"IHDR" or length != 13):
            raise ScrubError("PNG without IHDR")
        first = False
        crc = zlib.crc32(kind)
        for at in range(pos + 8, pos + 8 + length, PIECE):
            crc = zlib.crc32(data[at : min(pos + 8 + length, at + PIECE)], crc)
        if struct.unpack(">I", data[end - 4 : end])[0] != crc:
            raise ScrubError("PNG chunk with a wrong CRC")
        if kind in PNG_KEEP:
            _copy(data, pos, end, out)
        elif kind[:1].isupper():
            raise ScrubError("unknown critical PNG chunk")
        pos = end
        if kind == b"IEND":
            return
    raise ScrubError("PNG without IEND")


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """A well-formed PNG chunk (used by tests and fixtures)."""
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


# ----------------------------------------------------------------------------------------------- WebP

WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
WEBP_DROP = {b"EXIF", b"XMP "}


def clean_webp(data: Buffer, out: BinaryIO) -> None:
    n = len(data)
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ScrubError("not a WebP")
    kept: list[tuple[int, int, bytes | None]] = []
    pos, total = 12, 0
    while pos + 8 <= n:
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > n:
            raise ScrubError("truncated WebP chunk")
        if not kept and kind not in (b"VP8 ", b"VP8L", b"VP8X"):
            raise ScrubError("WebP without an image chunk first")
        if kind in WEBP_KEEP:
            replaced = None
            if kind == b"VP8X" and size >= 10:
                chunk = bytearray(data[pos:end])
                chunk[8] &= ~0x0C & 0xFF  # clear the EXIF and XMP flags
                replaced = bytes(chunk)
            kept.append((pos, min(end, n), replaced))
            total += min(end, n) - pos
        pos = end
    if not kept:
        raise ScrubError("WebP without an image")
    out.write(b"RIFF" + struct.pack("<I", total + 4) + b"WEBP")
    for start, end, replaced in kept:
        if replaced is not None:
            out.write(replaced)
        else:
            _copy(data, start, end, out)


# ------------------------------------------------------------------------------------------------ GIF


def _sub_blocks_end(data: Buffer, pos: int) -> int:
    n = len(data)
    while True:
        if pos >= n:
            raise ScrubError("truncated GIF")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def clean_gif(data: Buffer, out: BinaryIO) -> None:
    n = len(data)
    if data[:6] not in (b"GIF87a", b"GIF89a") or n < 13:
        raise ScrubError("not a GIF")
    flags = data[10]
    pos = 13 + (3 * (2 ** ((flags & 7) + 1)) if flags & 0x80 else 0)
    if pos > n:
        raise ScrubError("truncated GIF")
    _copy(data, 0, pos, out)
    images = 0
    while pos < n:
        block = data[pos]
        if block == 0x3B:  # trailer: anything after it is dropped
            out.write(b"\x3b")
            if not images:
                raise ScrubError("GIF without an image")
            return
        if block == 0x21:
            if pos + 2 > n:
                raise ScrubError("truncated GIF")
            label = data[pos + 1]
            end = _sub_blocks_end(data, pos + 2)
            keep = label in (0xF9, 0x01)  # graphic control, plain text
            if label == 0xFF:
                keep = data[pos + 2 : pos + 14] == b"\x0bNETSCAPE2.0"
            if keep:
                _copy(data, pos, end, out)
            pos = end
        elif block == 0x2C:
            if pos + 11 > n:
                raise ScrubError("truncated GIF")
            local = data[pos + 9]
            start = pos + 10 + (3 * (2 ** ((local & 7) + 1)) if local & 0x80 else 0)
            end = _sub_blocks_end(data, start + 1)  # after the LZW minimum code size
            _copy(data, pos, end, out)
            images += 1
            pos = end
        else:
            raise ScrubError("unknown GIF block")
    raise ScrubError("GIF without a trailer")


# --------------------------------------------------------------------------------- MP4, 3GP, M4A

DROP_TOP = frozenset({b"meta", b"udta", b"uuid", b"mfra"})
DROP_INSIDE = frozenset({b"udta", b"meta", b"uuid", b"\xa9xyz", b"loci", b"XMP_"})
DESCEND = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"edts", b"dinf"})
MAX_DEPTH = 12


class _Shift:
    """Bytes removed before a file offset (removed ranges never contain a referenced offset)."""

    def __init__(self, removed: list[tuple[int, int]]):
        removed.sort()
        self.starts = [s for s, _ in removed]
        self.before: list[int] = []
        total = 0
        for _, length in removed:
            total += length
            self.before.append(total)

    def __call__(self, offset: int) -> int:
        index = bisect.bisect_right(self.starts, offset)
        return offset - (self.before[index - 1] if index else 0)


def _removed_in(data: Buffer, start: int, end: int, depth: int, removed: list[tuple[int, int]]) -> None:
    if depth > MAX_DEPTH:
        raise ScrubError("boxes nested too deep")
    for kind, box_start, header, box_end in boxes(data, start, end):
        if kind in DROP_INSIDE:
            removed.append((box_start, box_end - box_start))
        elif kind in DESCEND:
            _removed_in(data, box_start + header, box_end, depth + 1, removed)


def _rebuild(data: Buffer, start: int, end: int, depth: int, shift: _Shift) -> bytes:
    parts = []
    for kind, box_start, header, box_end in boxes(data, start, end):
        if kind in DROP_INSIDE:
            continue
        if kind in DESCEND:
            body = _rebuild(data, box_start + header, box_end, depth + 1, shift)
        elif kind in (b"stco", b"co64", b"saio"):
            body = _patch_offsets(kind, bytes(data[box_start + header : box_end]), shift)
        else:
            parts.append(bytes(data[box_start:box_end]))
            continue
        parts.append(_box(kind, body, header))
    return b"".join(parts)


def _box(kind: bytes, body: bytes, header: int) -> bytes:
    if header == 16 or len(body) + 8 > 0xFFFFFFFF:
        return struct.pack(">I4sQ", 1, kind, len(body) + 16) + body
    return struct.pack(">I4s", len(body) + 8, kind) + body


def _patch_offsets(kind: bytes, body: bytes, shift: _Shift) -> bytes:
    if len(body) < 8:
        raise ScrubError("short offset table")
    version, flags = body[0], int.from_bytes(body[1:4], "big")
    pos = 4
    if kind == b"saio" and flags & 1:
        pos += 8  # aux_info_type, aux_info_type_parameter
    (count,) = struct.unpack(">I", body[pos : pos + 4])
    pos += 4
    wide = kind == b"co64" or (kind == b"saio" and version == 1)
    width = 8 if wide else 4
    if pos + count * width != len(body):
        raise ScrubError("offset table of the wrong size")
    fmt = f">{count}{'Q' if wide else 'I'}"
    offsets = struct.unpack(fmt, body[pos:])
    return body[:pos] + struct.pack(fmt, *(shift(o) for o in offsets))


def _patch_fragment(data: Buffer, start: int, end: int, shift: _Shift, depth: int = 0) -> bytes:
    """A moof with its tfhd base data offsets moved (absolute file offsets)."""
    parts = []
    for kind, box_start, header, box_end in boxes(data, start, end):
        if kind == b"traf" and depth == 0:
            parts.append(_box(kind, _patch_fragment(data, box_start + header, box_end, shift, 1), header))
        elif kind == b"tfhd" and depth == 1:
            body = bytearray(data[box_start + header : box_end])
            if len(body) >= 16 and int.from_bytes(body[1:4], "big") & 1:
                (base,) = struct.unpack(">Q", body[8:16])
                body[8:16] = struct.pack(">Q", shift(base))
            parts.append(_box(kind, bytes(body), header))
        else:
            parts.append(bytes(data[box_start:box_end]))
    return b"".join(parts)


def clean_iso(data: Buffer, out: BinaryIO) -> None:
    top = boxes(data, 0, len(data))
    removed: list[tuple[int, int]] = []
    for kind, start, header, end in top:
        if kind in DROP_TOP:
            removed.append((start, end - start))
        elif kind == b"moov":
            if end - start > MAX_MOOV:
                raise ScrubError("the video's index is too large to clean", code="metadata_not_removable")
            _removed_in(data, start + header, end, 1, removed)
    shift = _Shift(removed)
    for kind, start, header, end in top:
        if kind in DROP_TOP:
            continue
        if kind == b"moov":
            out.write(_box(kind, _rebuild(data, start + header, end, 1, shift), header))
        elif kind == b"moof" and removed and end - start <= MAX_MOOV:
            out.write(_box(kind, _patch_fragment(data, start + header, end, shift), header))
        elif kind == b"moof" and removed:
            raise ScrubError("a fragment too large to clean", code="metadata_not_removable")
        else:
            _copy(data, start, end, out)


CLEANERS: dict[str, Callable[[Buffer, BinaryIO], None]] = {
    "image/jpeg": clean_jpeg,
    "image/png": clean_png,
    "image/webp": clean_webp,
    "image/gif": clean_gif,
    "video/mp4": clean_iso,
    "video/3gpp": clean_iso,
    "audio/mp4": clean_iso,
}
