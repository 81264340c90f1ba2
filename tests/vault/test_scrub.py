"""Metadata removal without re-encoding (finding 6 of the security report): no location or other
metadata survives, the pixel, audio and video data are byte for byte the same, and the results still
open in independent parsers (Pillow, mutagen)."""

from __future__ import annotations

import io
import struct

from mutagen.mp4 import MP4, Atoms
from PIL import Image

from integritas.vault import filetypes
from tests.security import samples as s

LOCATION_MARKS = (s.GPS_MARK, b"GPS", b"Exif", s.LOCATION.encode(), b"+07.0000", b"\xa9xyz", b"location.ISO6709",
                  b"xmpmeta", b"PhoneMaker")  # fmt: skip


def clean(data: bytes) -> tuple[str, bytes]:
    inspected = filetypes.inspect(io.BytesIO(data))
    assert inspected.cleaned is not None
    return inspected.content_type, inspected.cleaned.read()


def assert_no_metadata(data: bytes) -> None:
    for mark in LOCATION_MARKS:
        assert mark not in data, mark


def pixels(data: bytes, frame: int = 0) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.seek(frame)
    return image.convert("RGBA").tobytes()


def jpeg_scan(data: bytes, start: int = 0) -> bytes:
    """The entropy-coded image data of the JPEG starting at ``start``: from its first SOS to its EOI."""
    sos = data.index(b"\xff\xda", start)
    return data[sos : data.index(b"\xff\xd9", sos) + 2]


def test_jpeg_exif_gps_and_comment_removed_pixels_kept():
    original = s.jpeg(comment=b"taken by Budi at home " + s.GPS_MARK)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    kind, cleaned = clean(original)
    assert kind == "image/jpeg"
    assert_no_metadata(cleaned)
    assert not Image.open(io.BytesIO(cleaned)).getexif()
    assert jpeg_scan(cleaned) == jpeg_scan(original)
    assert pixels(cleaned) == pixels(original)


def test_mpo_keeps_the_first_image_and_drops_the_embedded_ones_with_their_gps():
    """Finding 6: the second image of the MPO/MPF layout kept its Exif GPS (file identical)."""
    original = s.mpo_with_gps()
    second = original.index(b"\xff\xd8", 2)
    mpo = Image.open(io.BytesIO(original))
    assert mpo.format == "MPO" and mpo.n_frames == 2
    mpo.seek(1)
    assert mpo.getexif().get_ifd(0x8825), "the sample's second image has GPS"

    kind, cleaned = clean(original)
    assert kind == "image/jpeg"
    assert_no_metadata(cleaned)
    assert b"MPF" not in cleaned and cleaned.count(b"\xff\xd8") == 1
    assert cleaned.endswith(jpeg_scan(original))  # the first image's data, to its EOI
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1
    assert pixels(cleaned) == pixels(original[:second])


def test_png_text_xmp_and_exif_removed_image_data_kept():
    original = s.png_with_text()
    kind, cleaned = clean(original)
    assert kind == "image/png"
    assert_no_metadata(cleaned)
    for chunk in (b"tEXt", b"iTXt", b"eXIf"):
        assert chunk not in cleaned
    idat = original[original.index(b"IDAT") - 4 : original.index(b"IEND") - 4]
    assert idat in cleaned
    assert pixels(cleaned) == pixels(original)


def test_webp_exif_and_xmp_removed_and_flags_cleared():
    original = s.webp_with_exif()
    assert b"EXIF" in original and b"XMP " in original
    kind, cleaned = clean(original)
    assert kind == "image/webp"
    assert_no_metadata(cleaned)
    assert b"EXIF" not in cleaned and b"XMP " not in cleaned
    assert struct.unpack("<I", cleaned[4:8])[0] == len(cleaned) - 8
    image_chunk = original[original.index(b"VP8L") :]
    image_chunk = image_chunk[: 8 + struct.unpack("<I", image_chunk[4:8])[0]]
    assert image_chunk in cleaned
    assert pixels(cleaned) == pixels(original)


def test_gif_comment_and_xmp_removed_loop_and_frames_kept():
    original = s.gif_with_comment_and_xmp()
    assert b"\x21\xfe" in original and b"XMP DataXMP" in original and b"NETSCAPE2.0" in original
    kind, cleaned = clean(original)
    assert kind == "image/gif"
    assert_no_metadata(cleaned)
    assert b"XMP DataXMP" not in cleaned and b"taken at" not in cleaned
    assert b"NETSCAPE2.0" in cleaned
    image = Image.open(io.BytesIO(cleaned))
    assert image.n_frames == 3 and image.info.get("loop") == 0 and "comment" not in image.info
    for frame in range(3):
        assert pixels(cleaned, frame) == pixels(original, frame)
    # Every image block (descriptor and LZW data) is in the copy as it was.
    first_image = original.index(b"\x2c\x00\x00\x00\x00")
    assert original[first_image : first_image + 200] in cleaned


def sample_bytes(data: bytes, count: int, size: int = 400) -> list[bytes]:
    """The samples as the file's own chunk offset table points to them (read with mutagen's atom parser)."""
    atoms = Atoms(io.BytesIO(data))
    stbl = atoms.path(b"moov", b"trak", b"mdia", b"minf", b"stbl")[-1]
    table = next(child for child in stbl.children if child.name in (b"stco", b"co64"))
    raw = data[table.offset + 8 : table.offset + table.length]
    (entries,) = struct.unpack(">I", raw[4:8])
    fmt = f">{entries}{'Q' if table.name == b'co64' else 'I'}"
    offsets = struct.unpack(fmt, raw[8:])
    assert len(offsets) == count
    return [data[o : o + size] for o in offsets]


def check_mp4(moov_first: bool, wide: bool, brand: bytes = b"isom") -> None:
    original, media = s.mp4(moov_first=moov_first, wide=wide, brand=brand)
    expected = [media[i * 400 : (i + 1) * 400] for i in range(6)]
    assert sample_bytes(original, 6) == expected
    tags_before = MP4(io.BytesIO(original))
    assert tags_before.info.length > 0

    kind, cleaned = clean(original)
    assert kind == ("video/3gpp" if brand.startswith(b"3g") else "video/mp4")
    assert_no_metadata(cleaned)
    for atom in (b"udta", b"uuid", b"meta", b"keys"):
        assert atom not in cleaned, atom
    assert media in cleaned  # the media data, untouched
    assert sample_bytes(cleaned, 6) == expected  # every chunk offset still points at its samples
    parsed = MP4(io.BytesIO(cleaned))  # an independent parser reads the result
    assert parsed.info.length == tags_before.info.length and not parsed.tags
    assert len(cleaned) < len(original)


def test_mp4_location_atoms_removed_chunk_offsets_moved_when_moov_comes_first():
    check_mp4(moov_first=True, wide=False)


def test_mp4_with_64_bit_chunk_offsets():
    check_mp4(moov_first=True, wide=True)


def test_mp4_with_moov_after_the_media_data():
    check_mp4(moov_first=False, wide=False)


def test_3gp_is_cleaned_the_same_way():
    check_mp4(moov_first=True, wide=False, brand=b"3gp4")


def test_documents_and_audio_are_kept_as_uploaded():
    for data in (s.pdf(), s.ooxml(), s.mp3(), s.wav(), s.ogg_opus(), s.webm()):
        assert filetypes.inspect(io.BytesIO(data)).cleaned is None
