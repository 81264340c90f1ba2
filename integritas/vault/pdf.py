"""What a PDF may not hold: actions that start programs or scripts, and files carried inside it.

PDF names may be written with ``#xx`` escapes (``/L#61unch`` is ``/Launch``), so names are compared
after decoding. Since PDF 1.5 most objects may sit compressed inside object streams (``/Type /ObjStm``),
invisible to a scan of the file's bytes: those streams are inflated (bounded) and scanned too. An
object stream that cannot be read (encrypted, or with filters other than Flate) cannot be checked, and
the file is refused: printing it to a new PDF gives one that can be.

Refused names, and why:
- ``/Launch`` (start a program or open a file), ``/JavaScript`` and ``/JS`` (scripts, as actions or
  document-level), ``/XFA`` (XML forms, whose scripts sit in compressed XML beyond our reach);
- ``/EmbeddedFile(s)`` (attachments, which may be anything), ``/GoToE`` (open an attached PDF),
  ``/RichMedia`` (Flash and other embedded players).
Kept: links (``/URI``), ``/GoToR`` (another PDF by name), forms without scripts, ``/OpenAction`` and
``/AA`` (triggers whose harmful forms need one of the refused names).
"""

from __future__ import annotations

import mmap
import re
import zlib

from integritas.vault.refused import Refused

REFUSED = frozenset(
    {"Launch", "JavaScript", "JS", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "GoToE", "XFA"}
)
FILTERS = frozenset({
    "FlateDecode", "Fl", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "LZWDecode", "LZW",
    "RunLengthDecode", "RL", "CCITTFaxDecode", "CCF", "DCTDecode", "DCT", "JBIG2Decode", "JPXDecode", "Crypt",
})  # fmt: skip
MAX_STREAM = 32 << 20  # inflated bytes of one object stream
MAX_TOTAL = 64 << 20  # inflated bytes of all object streams of a file

_DELIM = rb"\x00\t\n\x0c\r \x25\x28\x29\x2f\x3c\x3e\x5b\x5d\x7b\x7d"
_NAME_CHAR = rb"[^" + _DELIM + rb"]"
_PLAIN = re.compile(
    rb"/("
    + b"|".join(n.encode() for n in sorted(REFUSED, key=len, reverse=True))
    + rb")(?!"
    + _NAME_CHAR
    + rb")"
)
_ESCAPED = re.compile(rb"/" + _NAME_CHAR + rb"*#[0-9A-Fa-f]{2}" + _NAME_CHAR + rb"*")
_ANY_NAME = re.compile(rb"/(" + _NAME_CHAR + rb"*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")


def decode_name(raw: bytes) -> str:
    return _HEX.sub(lambda m: bytes((int(m[1], 16),)), raw).decode("latin-1")


def _check_names(buf: bytes | mmap.mmap) -> None:
    found = _PLAIN.search(buf)
    if found:
        raise Refused("pdf_active_content", part=found[1].decode())
    for match in _ESCAPED.finditer(buf):
        name = decode_name(match[0][1:])
        if name in REFUSED:
            raise Refused("pdf_active_content", part=name)


def check(data: mmap.mmap) -> None:
    _check_names(data)
    budget = [MAX_TOTAL]
    for match in _STREAM.finditer(data):
        start = match.start()
        before = data[max(0, start - 4096) : start]
        at = before.rfind(b"obj")
        dictionary = before[at + 3 :] if at != -1 else before
        names = {decode_name(m[1]) for m in _ANY_NAME.finditer(dictionary)}
        if "ObjStm" not in names:
            continue
        filters = names & FILTERS
        if not filters:
            continue  # stored as is: already scanned with the rest of the file
        if filters - {"FlateDecode", "Fl"} or "Predictor" in names:
            raise Refused("pdf_unreadable")
        _scan_inflated(data, match.end(), budget)


def _scan_inflated(data: mmap.mmap, offset: int, budget: list[int]) -> None:
    inflater = zlib.decompressobj()
    carry = b""
    produced = 0
    position = offset
    pending = b""
    while True:
        if not pending:
            if inflater.eof or position >= len(data):
                break
            pending = data[position : position + 65536]
            position += len(pending)
        try:
            out = inflater.decompress(pending, 262144)
        except zlib.error:
            raise Refused("pdf_unreadable") from None
        pending = inflater.unconsumed_tail
        if inflater.eof:
            pending = b""
        produced += len(out)
        budget[0] -= len(out)
        if produced > MAX_STREAM or budget[0] < 0:
            raise Refused("pdf_unreadable")
        window = carry + out
        _check_names(window)
        carry = window[-256:]
        if not out and not pending and inflater.eof:
            break
