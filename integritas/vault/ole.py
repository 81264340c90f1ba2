"""Old Office documents (.doc, .xls, .ppt) are OLE compound files, and so are installers (.msi), patches,
Outlook messages and many other things. A compound file is accepted only as the document its
directory says it is: a ``WordDocument`` stream (with Word's FIB signature) for Word, ``Workbook`` or
``Book`` (starting with a BIFF BOF record) for Excel, ``PowerPoint Document`` (starting with a
DocumentContainer record) for PowerPoint. Refused: Windows Installer files (their root class id or
their encoded stream names), documents with macros (``Macros``, ``_VBA_PROJECT_CUR``, ``VBA``) and
documents carrying packaged files (``\\x01Ole10Native``: the Packager object, which can hold a program).

A small reader of our own (the header, the FAT, the directory; no stream is read beyond its first
sector): it reads nothing but what it checks, within bounds fixed by the file's size, and needs no
dependency. ``olefile`` (PyPI) would do more than we need, with less control over what it reads.
"""

from __future__ import annotations

import mmap
import struct
import sys
from array import array

from integritas.vault.refused import Refused

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREESECT, ENDOFCHAIN, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
MAX_DIRECTORY_ENTRIES = 20_000

MIME = {
    "WordDocument": "application/msword",
    "Workbook": "application/vnd.ms-excel",
    "Book": "application/vnd.ms-excel",
    "PowerPoint Document": "application/vnd.ms-powerpoint",
}
# Windows Installer database, patch, transform, merge module (their root storage's class id).
INSTALLER_CLSIDS = frozenset(
    bytes.fromhex(h)
    for h in (
        "84100c0000000000c000000000000046",  # {000C1084-...} MSI / MSM
        "86100c0000000000c000000000000046",  # {000C1086-...} MSP
        "82100c0000000000c000000000000046",  # {000C1082-...} MST
    )
)
MACRO_STORAGES = frozenset({"Macros", "_VBA_PROJECT_CUR", "VBA", "_VBA_PROJECT"})
PACKAGE_STREAM = "\x01Ole10Native"


class _File:
    def __init__(self, data: bytes | mmap.mmap):
        self.data = data
        header = data[:512]
        if len(header) < 512 or header[:8] != SIGNATURE or header[28:30] != b"\xfe\xff":
            raise Refused("file_damaged")
        (major,) = struct.unpack_from("<H", header, 26)
        shift, mini_shift = struct.unpack_from("<HH", header, 30)
        if (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise Refused("file_damaged")
        self.sector_size = 1 << shift
        (
            self.fat_count,
            self.first_dir,
            _,
            self.mini_cutoff,
            self.first_minifat,
            self.minifat_count,
            self.first_difat,
            self.difat_count,
        ) = struct.unpack_from("<IIIIIIII", header, 44)
        self.sectors = max(0, (len(data) - self.sector_size) // self.sector_size + 1)
        # No more FAT (and DIFAT) sectors than it takes to describe the sectors the file has.
        per_sector = self.sector_size // 4
        if (
            self.fat_count > self.sectors // per_sector + 1
            or self.difat_count > self.fat_count // per_sector + 1
        ):
            raise Refused("file_damaged")
        self.fat = self._read_fat(header)

    def sector(self, number: int) -> bytes:
        if number >= self.sectors:
            raise Refused("file_damaged")
        start = (number + 1) * self.sector_size
        piece = self.data[start : start + self.sector_size]
        if len(piece) < self.sector_size:
            piece = piece.ljust(self.sector_size, b"\x00")  # a short last sector is common
        return piece

    def _read_fat(self, header: bytes) -> array:
        fat_sectors = [n for n in struct.unpack_from("<109I", header, 76) if n != FREESECT][: self.fat_count]
        per = self.sector_size // 4 - 1
        current, seen = self.first_difat, 0
        while len(fat_sectors) < self.fat_count and current not in (ENDOFCHAIN, FREESECT):
            seen += 1
            if seen > self.difat_count + 1:
                raise Refused("file_damaged")
            values = struct.unpack(f"<{per + 1}I", self.sector(current))
            fat_sectors.extend(n for n in values[:per] if n != FREESECT)
            current = values[per]
        if len(fat_sectors) < self.fat_count:
            raise Refused("file_damaged")
        fat = array("I")
        for number in fat_sectors[: self.fat_count]:
            fat.frombytes(self.sector(number))
        if sys.byteorder == "big":
            fat.byteswap()
        return fat

    def chain(self, start: int) -> list[int]:
        out: list[int] = []
        current = start
        while current != ENDOFCHAIN:
            if current >= len(self.fat) or len(out) > self.sectors:
                raise Refused("file_damaged")  # out of range, or a loop
            out.append(current)
            current = self.fat[current]
        return out


def _entries(f: _File) -> list[tuple[str, int, bytes, int, int]]:
    """(name, type, class id, start sector, size) of every directory entry in use."""
    found = []
    for number in f.chain(f.first_dir):
        block = f.sector(number)
        for at in range(0, f.sector_size, 128):
            raw = block[at : at + 128]
            name_len = struct.unpack_from("<H", raw, 64)[0]
            kind = raw[66]
            if kind == 0:
                continue
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64 or name_len % 2:
                raise Refused("file_damaged")
            name = raw[: name_len - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<IQ", raw, 116)
            found.append((name, kind, raw[80:96], start, size))
            if len(found) > MAX_DIRECTORY_ENTRIES:
                raise Refused("file_damaged")
    if not found or found[0][1] != 5:
        raise Refused("file_damaged")
    return found


def _first_bytes(f: _File, start: int, size: int) -> bytes | None:
    """The first bytes of a stream stored in regular sectors (None for small streams in the mini stream)."""
    if size < f.mini_cutoff or start in (ENDOFCHAIN, FREESECT):
        return None
    return f.sector(start)[:8]


def check(data: bytes | mmap.mmap) -> str:
    f = _File(data)
    entries = _entries(f)
    root = entries[0]
    if root[2] in INSTALLER_CLSIDS:
        raise Refused("ole_not_document")
    for name, kind, _, _, _ in entries:
        # Installer tables are streams with names packed into CJK code points (U+3800 to U+4840).
        if any("\u3800" <= ch <= "\u4840" for ch in name):
            raise Refused("ole_not_document")
        if kind == 1 and name in MACRO_STORAGES:
            raise Refused("document_macros")
        if name == PACKAGE_STREAM:
            raise Refused("document_program", part="Ole10Native")
    streams = {name: (start, size) for name, kind, _, start, size in entries if kind == 2}
    kinds = [name for name in MIME if name in streams]
    if not kinds:
        raise Refused("ole_not_document")
    name = kinds[0]
    start, size = streams[name]
    head = _first_bytes(f, start, size)
    if head is not None and not _looks_like(name, head):
        raise Refused("file_damaged")
    return MIME[name]


def _looks_like(stream: str, head: bytes) -> bool:
    if stream == "WordDocument":
        return head[:2] == b"\xec\xa5"  # FIB wIdent 0xA5EC
    if stream in ("Workbook", "Book"):
        return struct.unpack_from("<H", head)[0] in (0x0809, 0x0209, 0x0409, 0x0009)  # BOF record
    return struct.unpack_from("<H", head, 2)[0] == 0x03E8  # RT_Document
