"""Office documents that are zip packages: OOXML (.docx, .xlsx, .pptx) and OpenDocument (.odt, .ods,
.odp). A package is accepted only with the parts such a document has.

Before anything is read, the zip's own end record is parsed to bound the work: at most 2,000 members
and a central directory of at most 4 MiB (``zipfile`` would otherwise build an object for each of
hundreds of thousands of entries a small file can declare); then the declared sizes: at most 256 MiB
unpacked in all and a ratio of at most 100, overall and for each member over 1 MiB (a zip bomb opened
on a handler's computer). Members are
never read whole: ODF's ``mimetype`` up to 100 bytes, ``[Content_Types].xml`` up to 1 MiB, an
embedded office document up to 8 MiB (checked the same way, one level deep).

Members allowed (anything else is refused, naming the part):
- OOXML: ``[Content_Types].xml``; XML parts (``.xml``, ``.rels``, ``.vml``); pictures, sound and
  video under ``media/`` and the thumbnail; embedded fonts; printer settings (``printerSettings/*.bin``);
  embedded office documents under ``embeddings/`` (OOXML, checked here; old Office, checked by
  :mod:`integritas.vault.ole`); signatures (``_xmlsignatures``).
- ODF: ``mimetype`` (one of text, spreadsheet, presentation); XML parts; ``Pictures/``,
  ``Thumbnails/``, ``ObjectReplacements/``, ``layout-cache``; directories.
Macros are refused, whatever the unit: ``vbaProject.bin``, the macro-enabled content types
(``.docm``, ``.xlsm``, ``.pptm``), ActiveX controls, ODF ``Basic/`` and ``Scripts/``. Evidence is opened
by handlers on their office computers, where a macro is the usual way in; a reporter can always save
the document without macros or as PDF. OLE objects embedded in an OOXML document (``oleObject*.bin``,
the Packager that can carry any file) are refused too, and so are program and script files anywhere
(``.exe``, ``.scr``, ``.hta``, ``.lnk``, ``.js``, ``.vbs``, …).
"""

from __future__ import annotations

import io
import mmap
import re
import struct
import zipfile
from typing import BinaryIO
from xml.etree import ElementTree

from integritas.vault.refused import Refused

MAX_ENTRIES = 2000
MAX_DIRECTORY_BYTES = 4 << 20
MAX_UNPACKED = 256 << 20
MAX_RATIO = 100  # overall, and for each member over 1 MiB (office XML deflates 5 to 30 times)
MAX_CONTENT_TYPES = 1 << 20
MAX_EMBEDDED = 8 << 20

ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet": "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "application/vnd.oasis.opendocument.presentation",
}
_OX = "application/vnd.openxmlformats-officedocument."
OOXML_TYPES = {
    f"{_OX}wordprocessingml.document.main+xml": f"{_OX}wordprocessingml.document",
    f"{_OX}wordprocessingml.template.main+xml": f"{_OX}wordprocessingml.document",
    f"{_OX}spreadsheetml.sheet.main+xml": f"{_OX}spreadsheetml.sheet",
    f"{_OX}spreadsheetml.template.main+xml": f"{_OX}spreadsheetml.sheet",
    f"{_OX}presentationml.presentation.main+xml": f"{_OX}presentationml.presentation",
    f"{_OX}presentationml.slideshow.main+xml": f"{_OX}presentationml.presentation",
    f"{_OX}presentationml.template.main+xml": f"{_OX}presentationml.presentation",
}
MACRO_CONTENT = re.compile(r"macroEnabled|vbaProject|vbaData|activeX|ms-office\.vba", re.I)
OLE_OBJECT_CONTENT = re.compile(r"oleObject", re.I)

PROGRAM_SUFFIXES = frozenset(
    ".exe .dll .scr .hta .lnk .js .jse .vbs .vbe .wsf .wsh .wsc .bat .cmd .ps1 .psm1 .psd1 .sh .bash .py .pyw "
    ".jar .class .msi .msp .mst .com .pif .cpl .reg .inf .chm .hlp .application .gadget .msc .scf .url "
    ".apk .elf .so .dylib .app .deb .rpm .iso .img .vhd .vhdx .ocx .sys .drv .action .workflow".split()
)
IMAGE_SUFFIXES = frozenset(
    ".png .jpg .jpeg .jpe .jfif .gif .bmp .dib .tif .tiff .emf .wmf .emz .wmz .svg .wdp .jxr .hdp .ico .pict .pct"
    .split()
)  # fmt: skip
# Sound and video a presentation plays (ppt/media/media1.mp4).
MEDIA_SUFFIXES = frozenset(".mp4 .m4v .mov .wmv .avi .mpg .mpeg .mp3 .m4a .wav .wma .aac".split())
XML_SUFFIXES = frozenset((".xml", ".rels", ".vml"))
OOXML_ROOTS = frozenset(("_rels", "docProps", "word", "xl", "ppt", "customXml", "_xmlsignatures"))
_PRINTER = re.compile(r"(word|xl|ppt)/printerSettings/printerSettings\d+\.bin")
_FONT = re.compile(r"(word|xl|ppt)/fonts/[^/]+\.(odttf|fntdata|ttf|otf)")
_THUMBNAIL = re.compile(r"docProps/thumbnail\.(jpeg|jpg|png|wmf|emf)")
_EMBEDDED = re.compile(r"(word|xl|ppt)/embeddings/[^/]+")


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    return base[base.rfind(".") :] if "." in base else ""


def _end_record(data: bytes | mmap.mmap) -> tuple[int, int, int]:
    """(entries, central directory size, its offset) from the end record (ZIP64 aware)."""
    size = len(data)
    tail_start = max(0, size - (65535 + 22))
    tail = data[tail_start:]
    at = tail.rfind(b"PK\x05\x06")
    if at == -1 or at + 22 > len(tail):
        raise Refused("file_damaged")
    _, _, _, entries, cd_size, cd_offset, comment = struct.unpack("<HHHHIIH", tail[at + 4 : at + 22])
    if at + 22 + comment != len(tail):
        raise Refused("file_hides_content")  # bytes after the archive
    if 0xFFFF in (entries,) or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator[:4] != b"PK\x06\x07":
            raise Refused("file_damaged")
        (record_at,) = struct.unpack("<Q", locator[8:16])
        record = data[record_at : record_at + 56]
        if record[:4] != b"PK\x06\x06" or len(record) < 56:
            raise Refused("file_damaged")
        entries, _, cd_size, cd_offset = struct.unpack("<QQQQ", record[24:56])
    if cd_offset + cd_size > size:
        raise Refused("file_damaged")
    return entries, cd_size, cd_offset


def check(source: BinaryIO, data: bytes | mmap.mmap, *, depth: int = 0) -> str:
    """The document type of a zip package, or Refused."""
    entries, cd_size, _ = _end_record(data)
    if entries > MAX_ENTRIES or cd_size > MAX_DIRECTORY_BYTES:
        raise Refused("archive_bomb")
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            return _check_archive(archive, depth)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError,
            RuntimeError, NotImplementedError, struct.error, UnicodeDecodeError) as exc:  # fmt: skip
        raise Refused("file_damaged") from exc
    finally:
        source.seek(0)


def _check_archive(archive: zipfile.ZipFile, depth: int) -> str:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Refused("archive_bomb")
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
        raise Refused("archive_bomb")
    if any(i.file_size > (1 << 20) and i.file_size > MAX_RATIO * max(1, i.compress_size) for i in infos):
        raise Refused("archive_bomb")
    seen = set()
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise Refused("file_damaged")  # encrypted members cannot be checked
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused("file_damaged")
        if name.startswith("/") or "\\" in name or ".." in name.split("/") or "\x00" in name:
            raise Refused("document_foreign_part", part=name[:80])
        if name.lower() in seen:
            raise Refused("file_damaged")  # the same part twice: readers disagree on which one counts
        seen.add(name.lower())
        if _suffix(name) in PROGRAM_SUFFIXES:
            raise Refused("document_program", part=name[:80])
    names = [i.filename for i in infos]
    if infos and infos[0].filename == "mimetype":
        return _check_odf(archive, infos)
    if "[Content_Types].xml" in names:
        return _check_ooxml(archive, infos, depth)
    raise Refused("file_type_unknown")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise Refused("archive_bomb")
    with archive.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise Refused("archive_bomb")
    return data


# ----------------------------------------------------------------------------------------------- ODF


def _check_odf(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    kind = _read_member(archive, infos[0], 100).strip().decode("ascii", "replace")
    if kind not in ODF_TYPES:
        raise Refused("file_type_unknown")
    for info in infos[1:]:
        name = info.filename
        if name.startswith(("Basic/", "Scripts/")):
            raise Refused("document_macros")
        suffix = _suffix(name)
        if name.endswith("/") or suffix in XML_SUFFIXES or suffix == ".rdf":
            continue
        if name.startswith("ObjectReplacements/") or name == "layout-cache":
            continue  # an embedded object's picture (StarView metafile, no suffix); a layout cache
        if name.startswith(("Pictures/", "Thumbnails/", "Configurations2/")) and suffix in IMAGE_SUFFIXES:
            continue
        raise Refused("document_foreign_part", part=name[:80])
    return ODF_TYPES[kind]


# --------------------------------------------------------------------------------------------- OOXML


def _content_types(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """(default content type by extension, content type by part name) from [Content_Types].xml."""
    raw = _read_member(archive, archive.getinfo("[Content_Types].xml"), MAX_CONTENT_TYPES)
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise Refused("file_damaged")  # no document type declarations (entity expansion)
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise Refused("file_damaged") from None
    defaults, overrides = {}, {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        content = element.get("ContentType", "")
        if tag == "Default":
            defaults[element.get("Extension", "").lower()] = content
        elif tag == "Override":
            overrides[element.get("PartName", "").lstrip("/")] = content
    return defaults, overrides


def _check_ooxml(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], depth: int) -> str:
    defaults, overrides = _content_types(archive)
    for content in list(defaults.values()) + list(overrides.values()):
        if MACRO_CONTENT.search(content):
            raise Refused("document_macros")
        if OLE_OBJECT_CONTENT.search(content):
            raise Refused("document_program", part=content[:80])
    kinds = {OOXML_TYPES[c] for c in overrides.values() if c in OOXML_TYPES}
    if len(kinds) != 1:
        raise Refused("file_type_unknown")
    main = [part for part, content in overrides.items() if content in OOXML_TYPES]
    present = {i.filename for i in infos}
    if not all(part in present for part in main):
        raise Refused("file_damaged")
    for info in infos:
        _check_ooxml_part(archive, info, depth)
    return kinds.pop()


def _check_ooxml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int) -> None:
    name = info.filename
    suffix = _suffix(name)
    base = name.rsplit("/", 1)[-1].lower()
    if name.endswith("/") or name == "[Content_Types].xml":
        return
    if base == "vbaproject.bin" or base.startswith("activex") or "/activex/" in name.lower():
        raise Refused("document_macros")
    if name.split("/", 1)[0] not in OOXML_ROOTS:
        raise Refused("document_foreign_part", part=name[:80])
    if suffix in XML_SUFFIXES or suffix == ".sigs":
        return
    if "/media/" in name and (suffix in IMAGE_SUFFIXES or suffix in MEDIA_SUFFIXES):
        return
    if _THUMBNAIL.fullmatch(name) or _PRINTER.fullmatch(name) or _FONT.fullmatch(name):
        return
    if _EMBEDDED.fullmatch(name):
        if suffix in IMAGE_SUFFIXES:
            return
        if suffix in (".docx", ".xlsx", ".pptx", ".doc", ".xls", ".ppt") and depth == 0:
            _check_embedded(archive, info, suffix)
            return
    raise Refused("document_foreign_part", part=name[:80])


def _check_embedded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, suffix: str) -> None:
    """An office document inside an office document (a chart's workbook): checked like an upload."""
    from integritas.vault import ole

    raw = _read_member(archive, info, MAX_EMBEDDED)
    if suffix in (".doc", ".xls", ".ppt"):
        ole.check(raw)
        return
    if not raw.startswith(b"PK\x03\x04"):
        raise Refused("document_foreign_part", part=info.filename[:80])
    check(io.BytesIO(raw), raw, depth=1)
