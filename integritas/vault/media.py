"""Structure checks for audio and video: enough parsing to know a file is what its first bytes claim.

- MP3: an optional ID3v2 tag, then MPEG audio frames, each header valid and each frame ending where
  the next header begins; at least four in a row at the start (or all of a shorter file). Up to 4 KiB
  of junk between frames is tolerated (damaged recordings); more is not: a program appended to a few
  frames is refused. Tags at the end (ID3v1, APE, Lyrics, an ID3v2 copy) are allowed up to 256 KiB.
- Ogg: pages from start to end, the first one opening a Vorbis, Opus, FLAC, Speex or Theora stream.
- WAV and AVI: the RIFF chunk tree (``fmt ``/``data``; ``hdrl``/``movi``), sizes within the file.
- WebM: the EBML header (document type ``webm``) followed by a Segment.
- MP4, 3GP, M4A: the box tree from the first byte to the last (``ftyp`` first, one ``moov``, media
  in ``mdat`` or fragments); the boxes inside ``moov`` are walked by the cleaner (scrub.py).
"""

from __future__ import annotations

import mmap
import struct

from integritas.vault.refused import Refused

Buffer = bytes | mmap.mmap

# ------------------------------------------------------------------------------------------------ MP3

_BITRATES = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),  # MPEG-1 layer I
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),  # MPEG-1 layer II
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),  # MPEG-2/2.5 layer I
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2/2.5 layers II, III
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
MIN_RUN = 4
MAX_JUNK = 4096
MAX_TAIL_TAGS = 256 << 10


def mp3_header(data: Buffer, pos: int) -> tuple[int, tuple[int, int, int]] | None:
    """(frame length, (version, layer, rate index)) of a valid MPEG audio frame header at ``pos``."""
    raw = data[pos : pos + 4]
    if len(raw) < 4 or raw[0] != 0xFF or raw[1] & 0xE0 != 0xE0:
        return None
    version, layer = (raw[1] >> 3) & 3, (raw[1] >> 1) & 3
    rate_index, padding = (raw[2] >> 2) & 3, (raw[2] >> 1) & 1
    bitrate_index = raw[2] >> 4
    if version == 1 or layer == 0 or rate_index == 3 or bitrate_index in (0, 15) or raw[3] & 3 == 2:
        return None
    table = _BITRATES[(3, layer)] if version == 3 else _BITRATES[(2, 3 if layer == 3 else 2)]
    bitrate = table[bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    if layer == 3:  # layer I
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 1 and version != 3:  # layer III, MPEG-2/2.5
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    return (length, (version, layer, rate_index)) if length >= 4 else None


def _id3v2_end(data: Buffer, pos: int) -> int:
    head = data[pos : pos + 10]
    if len(head) < 10 or head[3] == 0xFF or any(b & 0x80 for b in head[6:10]):
        raise Refused("file_damaged")
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    return pos + 10 + size + (10 if head[5] & 0x10 else 0)


def check_mp3(data: Buffer) -> None:
    n = len(data)
    pos = _id3v2_end(data, 0) if data[:3] == b"ID3" else 0
    # Some encoders pad the tag with zeros beyond its declared size.
    skipped = 0
    while pos < n and data[pos] == 0 and skipped < MAX_JUNK:
        pos, skipped = pos + 1, skipped + 1
    key = None
    frames = junk = 0
    while pos < n:
        header = mp3_header(data, pos)
        if header is not None and (key is None or header[1] == key):
            length = header[0]
            if pos + length > n:  # the last frame cut short: a recording that was stopped
                break
            key, frames, pos = header[1], frames + 1, pos + length
            continue
        if frames < MIN_RUN:
            raise Refused("file_damaged")
        rest = data[pos : pos + 11]
        if rest[:3] == b"TAG" or rest[:8] == b"APETAGEX" or rest[:3] == b"ID3" or rest == b"LYRICSBEGIN":
            if n - pos > MAX_TAIL_TAGS:
                raise Refused("file_hides_content")
            break
        # Resynchronise on the next header (followed by another one) within the junk allowed.
        limit = min(n, pos + MAX_JUNK - junk + 1)
        found, nxt = None, pos + 1
        while nxt < limit:
            nxt = data.find(b"\xff", nxt, limit)
            if nxt == -1:
                break
            again = mp3_header(data, nxt)
            if again is not None and again[1] == key:
                follows = nxt + again[0]
                if follows >= n or mp3_header(data, follows) is not None:
                    found = nxt
                    break
            nxt += 1
        if found is None:
            if n - pos <= MAX_JUNK - junk:
                break  # a little junk at the end
            raise Refused("file_hides_content")
        junk += found - pos
        pos = found
    if frames < MIN_RUN and not (frames >= 1 and pos >= n):
        raise Refused("file_damaged")


# ------------------------------------------------------------------------------------------------ Ogg

_OGG_CODECS = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ", b"\x80theora")


def check_ogg(data: Buffer) -> None:
    n, pos, first = len(data), 0, True
    while pos < n:
        head = data[pos : pos + 27]
        if len(head) < 27 or head[:4] != b"OggS" or head[4] != 0:
            raise Refused("file_damaged")
        segments = head[26]
        table = data[pos + 27 : pos + 27 + segments]
        if len(table) < segments:
            raise Refused("file_damaged")
        body_at = pos + 27 + segments
        if first:
            body = data[body_at : body_at + 8]
            if not head[5] & 0x02 or not any(body.startswith(c) for c in _OGG_CODECS):
                raise Refused("file_damaged")
            first = False
        pos = body_at + sum(table)
        if pos > n:  # the last page cut short: a recording that was stopped
            break


# -------------------------------------------------------------------------------------------- RIFF


def _riff_chunks(data: Buffer, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(id, data start, data size) of the chunks between start and end; the last one may be cut short."""
    chunks, pos = [], start
    while pos + 8 <= end:
        cid = data[pos : pos + 4]
        if not all(0x20 <= b <= 0x7E for b in cid):
            raise Refused("file_damaged")
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        chunks.append((cid, pos + 8, size))
        pos += 8 + size + (size & 1)
    if pos > end + 1 and chunks and chunks[-1][0] not in (b"data", b"LIST"):
        raise Refused("file_damaged")
    return chunks


def check_riff(data: Buffer, kind: str) -> None:
    n = len(data)
    (size,) = struct.unpack("<I", data[4:8])
    end = n if size in (0, 0xFFFFFFFF) or 8 + size > n else 8 + size
    chunks = _riff_chunks(data, 12, end)
    ids = {cid for cid, _, _ in chunks}
    if kind == "audio/wav":
        if not {b"fmt ", b"data"} <= ids:
            raise Refused("file_damaged")
    else:
        lists = {data[at : at + 4] for cid, at, _ in chunks if cid == b"LIST"}
        if not {b"hdrl", b"movi"} <= lists:
            raise Refused("file_damaged")
    pos = end + (end & 1 if end < n else 0)
    while (
        kind == "video/x-msvideo" and data[pos : pos + 4] == b"RIFF" and data[pos + 8 : pos + 12] == b"AVIX"
    ):
        (more,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        pos += 8 + more + (more & 1)
    trailing = n - min(pos, n)
    if trailing > (MAX_TAIL_TAGS if data[pos : pos + 3] == b"ID3" else MAX_JUNK):
        raise Refused("file_hides_content")


# -------------------------------------------------------------------------------------------- WebM


def _vint(data: Buffer, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[pos] if pos < len(data) else 0
    if first == 0:
        raise Refused("file_damaged")
    length = 8 - first.bit_length() + 1
    raw = data[pos : pos + length]
    if len(raw) < length:
        raise Refused("file_damaged")
    value = int.from_bytes(raw, "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, pos + length


def check_webm(data: Buffer) -> None:
    element, pos = _vint(data, 0, keep_marker=True)
    size, pos = _vint(data, pos, keep_marker=False)
    end = pos + size
    if element != 0x1A45DFA3 or end > len(data) or size > 4096:
        raise Refused("file_damaged")
    doctype = None
    while pos < end:
        child, pos = _vint(data, pos, keep_marker=True)
        length, pos = _vint(data, pos, keep_marker=False)
        if child == 0x4282:
            doctype = data[pos : pos + length].rstrip(b"\x00")
        pos += length
    if doctype != b"webm" or pos != end:
        raise Refused("file_damaged" if doctype == b"webm" else "file_type_unknown")
    segment, _ = _vint(data, end, keep_marker=True)
    if segment != 0x18538067:
        raise Refused("file_damaged")


# ------------------------------------------------------------------------------------- MP4, 3GP, M4A

ISO_TYPES = frozenset({"video/mp4", "video/3gpp", "audio/mp4"})
# HEIC/AVIF carry metadata we cannot remove yet: the page asks for JPEG.
_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def iso_type(head: bytes) -> str | None:
    brand = head[8:12]
    if brand in _IMAGE_BRANDS:
        return None
    if brand in (b"M4A ", b"M4B "):
        return "audio/mp4"
    if brand.startswith(b"3g"):
        return "video/3gpp"
    return "video/mp4"


def boxes(data: Buffer, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """(type, box start, header length, box end) of the boxes between start and end, exactly."""
    found, pos = [], start
    while pos < end:
        if end - pos < 8:
            raise Refused("file_damaged")
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if end - pos < 16:
                raise Refused("file_damaged")
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end or not all(0x20 <= b <= 0x7E or b == 0xA9 for b in kind):
            raise Refused("file_damaged")
        found.append((kind, pos, header, pos + size))
        pos += size
        if len(found) > 100_000:
            raise Refused("file_damaged")
    return found


def check_iso(data: Buffer) -> None:
    top = boxes(data, 0, len(data))
    kinds = [kind for kind, _, _, _ in top]
    if kinds[0] != b"ftyp" or kinds.count(b"moov") != 1 or not ({b"mdat", b"moof"} & set(kinds)):
        raise Refused("file_damaged")
