"""Sample files for the upload tests: real encoders where we have them (Pillow for images, the standard
library's wave for WAV), and otherwise files built here to their specifications (MP3 frames, Ogg pages,
RIFF, EBML, ISO boxes, zip packages, OLE compound files, PDF object streams)."""

from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
import zlib

from PIL import Image, PngImagePlugin

GPS_LAT = (7.0, 33.0, 1.0)  # Mejayan
GPS_MARK = b"GPS-7.5503-111.6380-Mejayan"


# ------------------------------------------------------------------------------------------- images


def picture(seed: int = 1, size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size)
    image.putdata([((x * 7 + seed * 40) % 256, (y * 5 + seed) % 256, (x * y) % 256)
                   for y in range(size[1]) for x in range(size[0])])  # fmt: skip
    return image


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "S", 2: GPS_LAT, 3: "E", 4: (111.0, 38.0, 1.0)}
    return exif.tobytes()


def jpeg(seed: int = 1, *, exif: bool = True, comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    options = {"quality": 90}
    if exif:
        options["exif"] = gps_exif()
    if comment:
        options["comment"] = comment
    picture(seed).save(out, "JPEG", **options)
    return out.getvalue()


def mpo_with_gps() -> bytes:
    """The MPO/MPF layout of phones: a first image, then a second one with its own Exif and GPS."""
    out = io.BytesIO()
    picture(1).save(out, "MPO", save_all=True, append_images=[picture(2)], exif=gps_exif())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", GPS_MARK.decode())
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{GPS_MARK.decode()}</x:xmpmeta>")
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info, exif=gps_exif())
    return out.getvalue()


def webp_with_exif() -> bytes:
    out = io.BytesIO()
    picture().save(
        out, "WEBP", exif=gps_exif(), xmp=b"<x:xmpmeta>" + GPS_MARK + b"</x:xmpmeta>", lossless=True
    )
    return out.getvalue()


def gif_with_comment_and_xmp() -> bytes:
    """An animation (NETSCAPE2.0 loop) with a comment and an XMP application extension."""
    out = io.BytesIO()
    frames = [picture(i).convert("P") for i in range(3)]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=0, duration=100,
                   comment=b"taken at " + GPS_MARK)  # fmt: skip
    data = out.getvalue()
    xmp = b"<x:xmpmeta>" + GPS_MARK + b"</x:xmpmeta>"
    blocks = b"".join(bytes((len(xmp[i : i + 255]),)) + xmp[i : i + 255] for i in range(0, len(xmp), 255))
    extension = b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00"
    # After the header, the logical screen descriptor and the global colour table.
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    return data[:at] + extension + data[at:]


# -------------------------------------------------------------------------------------------- audio

MP3_HEADER = b"\xff\xfb\x90\x64"  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes


def mp3(frames: int = 40, *, id3: bool = True) -> bytes:
    body = b"".join(MP3_HEADER + bytes((i * 13 + k) % 251 for k in range(413)) for i in range(frames))
    if not id3:
        return body
    tag = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00\x03Rapat"
    return b"ID3\x04\x00\x00" + bytes((0, 0, 0, len(tag))) + tag + body


def wav(seconds: float = 0.2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) for i in range(int(8000 * seconds)))
        )
    return out.getvalue()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(body: bytes, *, seq: int, flags: int = 0, granule: int = 0) -> bytes:
    segments = [255] * (len(body) // 255) + [len(body) % 255]
    header = struct.pack("<4sBBqIII", b"OggS", 0, flags, granule, 0x1234, seq, 0) + bytes((len(segments),))
    page = header + bytes(segments) + body
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_opus() -> bytes:
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    tags = b"OpusTags\x08\x00\x00\x00Integrit\x00\x00\x00\x00"
    return (
        ogg_page(head, seq=0, flags=2)
        + ogg_page(tags, seq=1)
        + ogg_page(b"\xfc" * 60, seq=2, flags=4, granule=960)
    )


def riff(form: bytes, chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(cid + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) & 1 else b"")
                    for cid, data in chunks)  # fmt: skip
    return b"RIFF" + struct.pack("<I", len(body) + 4) + form + body


def avi() -> bytes:
    hdrl = b"hdrl" + b"avih" + struct.pack("<I", 56) + bytes(56)
    movi = b"movi" + b"00dc" + struct.pack("<I", 4) + b"\x00\x01\x02\x03"
    return riff(b"AVI ", [(b"LIST", hdrl), (b"LIST", movi), (b"idx1", bytes(16))])


def _ebml(element: int, payload: bytes) -> bytes:
    ident = element.to_bytes((element.bit_length() + 7) // 8, "big")
    return ident + _size(len(payload)) + payload


def _size(n: int) -> bytes:
    return (0x0100000000000000 | n).to_bytes(8, "big")


def webm(doctype: bytes = b"webm") -> bytes:
    header = _ebml(0x4286, b"\x01") + _ebml(0x42F7, b"\x01") + _ebml(0x4282, doctype)
    segment = _ebml(0x1549A966, _ebml(0x2AD7B1, b"\x0f\x42\x40"))
    return _ebml(0x1A45DFA3, header) + _ebml(0x18538067, segment)


# -------------------------------------------------------------------------------------- MP4 (boxes)


def box(kind: bytes, *children: bytes, body: bytes = b"") -> bytes:
    payload = body + b"".join(children)
    return struct.pack(">I4s", len(payload) + 8, kind) + payload


def full(kind: bytes, body: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, body=bytes((version,)) + flags.to_bytes(3, "big") + body)


LOCATION = "+07.6278+111.6380/"


def udta_xyz(text: str = LOCATION) -> bytes:
    """A QuickTime user-data text atom as phones write it: size of the text, language, text."""
    raw = text.encode()
    return box(b"udta", box(b"\xa9xyz", body=struct.pack(">HH", len(raw), 0x15C7) + raw))


def apple_location_meta() -> bytes:
    key = b"com.apple.quicktime.location.ISO6709"
    keys = full(b"keys", struct.pack(">I", 1) + struct.pack(">I", len(key) + 8) + b"mdta" + key)
    value = box(b"data", body=struct.pack(">II", 1, 0) + LOCATION.encode())
    return box(
        b"meta",
        full(b"hdlr", bytes(4) + b"mdta" + bytes(13)),
        keys,
        box(b"ilst", box(struct.pack(">I", 1), value)),
    )


def mp4(
    *, moov_first: bool = True, wide: bool = False, brand: bytes = b"isom", samples: int = 6
) -> tuple[bytes, bytes]:
    """(file, media data): an MP4 with one audio track whose chunks sit in mdat, with location in
    moov/udta (©xyz), moov/meta (Apple's key), trak/udta, and a top-level XMP uuid box."""
    media = bytes((i * 31 + 7) % 256 for i in range(samples * 400))
    ftyp = box(b"ftyp", body=brand + struct.pack(">I", 0) + b"isommp41")
    xmp = box(
        b"uuid",
        body=bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + b"<x:xmpmeta>" + GPS_MARK + b"</x:xmpmeta>",
    )

    def build(chunk_base: int) -> bytes:
        offsets = [chunk_base + i * 400 for i in range(samples)]
        table = (full(b"co64", struct.pack(">I", samples) + b"".join(struct.pack(">Q", o) for o in offsets))
                 if wide else full(b"stco", struct.pack(">I", samples) + b"".join(struct.pack(">I", o) for o in offsets)))  # fmt: skip
        esds = full(b"esds", bytes.fromhex("03190000000411400000000000000000000000000502121006010102"))
        mp4a = box(
            b"mp4a",
            esds,
            body=bytes(6) + struct.pack(">H", 1) + bytes(8) + struct.pack(">HHHHI", 1, 16, 0, 0, 44100 << 16),
        )
        stbl = box(
            b"stbl",
            full(b"stsd", struct.pack(">I", 1) + mp4a),
            full(b"stts", struct.pack(">III", 1, samples, 1024)),
            full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1)),
            full(b"stsz", struct.pack(">II", 400, samples)),
            table,
        )
        minf = box(
            b"minf",
            full(b"smhd", bytes(4)),
            box(b"dinf", full(b"dref", struct.pack(">I", 1) + full(b"url ", b"", flags=1))),
            stbl,
        )
        mdia = box(b"mdia", full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 44100, samples * 1024, 0x15C7, 0)),
                   full(b"hdlr", bytes(4) + b"soun" + bytes(12) + b"Sound\x00"), minf)  # fmt: skip
        tkhd = full(b"tkhd", struct.pack(">IIIII", 0, 0, 1, 0, samples * 1024) + bytes(8) + struct.pack(">HHHH", 0, 0, 0x0100, 0)
                    + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000) + bytes(8), flags=7)  # fmt: skip
        trak = box(b"trak", tkhd, mdia, udta_xyz("+07.0000+111.0000/"))
        mvhd = full(b"mvhd", struct.pack(">IIII", 0, 0, 44100, samples * 1024) + struct.pack(">IH", 0x10000, 0x0100) + bytes(10)
                    + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000) + bytes(24) + struct.pack(">I", 2))  # fmt: skip
        return box(b"moov", mvhd, trak, udta_xyz(), apple_location_meta())

    mdat_header = 8
    if moov_first:
        moov_len = len(build(0))
        base = len(ftyp) + len(xmp) + moov_len + mdat_header
        return ftyp + xmp + build(base) + box(b"mdat", body=media), media
    base = len(ftyp) + len(xmp) + mdat_header
    return ftyp + xmp + box(b"mdat", body=media) + build(base), media


# --------------------------------------------------------------------------------- office documents

_OX = "application/vnd.openxmlformats-officedocument"
MAIN = {
    "docx": ("word/document.xml", f"{_OX}.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", f"{_OX}.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", f"{_OX}.presentationml.presentation.main+xml"),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def ooxml(
    kind: str = "docx", extra: dict[str, bytes] | None = None, defaults: dict[str, str] | None = None
) -> bytes:
    part, content = MAIN[kind]
    extra = extra or {}
    default_xml = "".join(f'<Default Extension="{e}" ContentType="{c}"/>' for e, c in {
        "rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml",
        "png": "image/png", **(defaults or {})}.items())  # fmt: skip
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'{default_xml}<Override PartName="/{part}" ContentType="{content}"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{part}"/>'
        "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr(part, "<document><body><p>Notulen rapat komite sekolah</p></body></document>")
        archive.writestr("docProps/core.xml", "<coreProperties><creator>Siti</creator></coreProperties>")
        for name, data in extra.items():
            archive.writestr(name, data)
    return out.getvalue()


def odf(
    mimetype: bytes = b"application/vnd.oasis.opendocument.text", extra: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        archive.writestr("content.xml", "<office:document-content>Notulen</office:document-content>")
        archive.writestr("meta.xml", "<office:document-meta/>")
        archive.writestr("Pictures/1000000000.png", b"\x89PNG\r\n\x1a\n")
        archive.writestr("Thumbnails/thumbnail.png", b"\x89PNG\r\n\x1a\n")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


# ----------------------------------------------------------------------- OLE compound files (CFB v3)

WORD_FIB = b"\xec\xa5\xc1\x00" + bytes(4092)
EXCEL_BOF = struct.pack("<HHHH", 0x0809, 16, 0x0600, 0x0005) + bytes(4088)
POWERPOINT = struct.pack("<HHI", 0x000F, 0x03E8, 4088) + bytes(4088)
MSI_CLSID = bytes.fromhex("84100c0000000000c000000000000046")


def ole(streams: dict[str, bytes], *, storages: tuple[str, ...] = (), root_clsid: bytes = bytes(16)) -> bytes:
    """A compound file with these streams (each at least 4096 bytes: regular sectors) under the root."""
    sector = 512
    entries = [("Root Entry", 5, root_clsid, 0xFFFFFFFE, 0)]
    body_sectors: list[bytes] = []
    chains: list[tuple[int, int]] = []
    next_sector = 0  # relative to the first stream sector
    for name, data in streams.items():
        data = data.ljust(max(4096, len(data)), b"\x00")
        count = (len(data) + sector - 1) // sector
        entries.append((name, 2, bytes(16), next_sector, len(data)))
        chains.append((next_sector, count))
        body_sectors += [data[i * sector : (i + 1) * sector].ljust(sector, b"\x00") for i in range(count)]
        next_sector += count
    entries += [(name, 1, bytes(16), 0xFFFFFFFE, 0) for name in storages]
    dir_bytes = b""
    for index, (name, kind, clsid, start, size) in enumerate(entries):
        encoded = (name + "\x00").encode("utf-16-le")
        child = 1 if index == 0 and len(entries) > 1 else 0xFFFFFFFF
        right = index + 1 if 0 < index < len(entries) - 1 else 0xFFFFFFFF
        dir_bytes += (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
                      + struct.pack("<III", 0xFFFFFFFF, right, child) + clsid + bytes(4 + 16)
                      + struct.pack("<IQ", start, size))  # fmt: skip
    dir_bytes = dir_bytes.ljust(((len(dir_bytes) + sector - 1) // sector) * sector, b"\x00")
    dir_count = len(dir_bytes) // sector
    # Layout: [FAT sector] [directory sectors] [stream sectors]
    first_dir, first_body = 1, 1 + dir_count
    fat = [0xFFFFFFFD]
    fat += [first_dir + i + 1 for i in range(dir_count - 1)] + [0xFFFFFFFE]
    for start, count in chains:
        absolute = first_body + start
        fat += [absolute + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
    if len(fat) > sector // 4:
        raise ValueError("sample too large for one FAT sector")
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [0xFFFFFFFF] * (sector // 4 - len(fat))))
    entries_fixed = dir_bytes
    # Stream start sectors were relative: make them absolute in the directory.
    fixed = bytearray(entries_fixed)
    for index, (_, kind, _, start, _) in enumerate(entries):
        if kind == 2:
            struct.pack_into("<I", fixed, index * 128 + 116, first_body + start)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, first_dir, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<109I", 0, *([0xFFFFFFFF] * 108)))  # fmt: skip
    assert len(header) == 512
    return header + fat_sector + bytes(fixed) + b"".join(body_sectors)


# ---------------------------------------------------------------------------------------------- PDF


def pdf(*objects: bytes) -> bytes:
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    for number, obj in enumerate(objects or (b"<</Type/Catalog>>",), start=1):
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    return body + b"trailer\n<</Root 1 0 R>>\n%%EOF\n"


def object_stream(*objects: bytes, filters: bytes = b"/FlateDecode", compress: bool = True) -> bytes:
    offsets, data = [], b""
    for number, obj in enumerate(objects, start=10):
        offsets.append(f"{number} {len(data)}".encode())
        data += obj + b"\n"
    head = b" ".join(offsets) + b"\n"
    raw = head + data
    payload = zlib.compress(raw) if compress else raw
    dictionary = b"<</Type/ObjStm/N %d/First %d/Length %d/Filter %s>>" % (
        len(objects),
        len(head),
        len(payload),
        filters,
    )
    return dictionary + b"\nstream\n" + payload + b"\nendstream"
