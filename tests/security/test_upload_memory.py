"""Checking an upload costs a bounded amount of memory, whatever the file holds (finding 5 of the security
report: a 3 MB ODF-shaped upload made the server read a 500 MiB ``mimetype`` member, about 1 GB of RAM
per request, without authentication).

Measured with tracemalloc (every Python allocation, including the bytes zipfile and zlib hand back),
the peak while the file is checked and cleaned, the file itself sitting on disk as Django keeps every
upload above 2 MiB."""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integritas.cases.models import Case, Evidence
from integritas.vault import filetypes
from integritas.vault.refused import Refused
from tests.factories import report_data
from tests.security import samples as s
from tests.security.refusals import refusal_reason

MiB = 1 << 20
# What checking these files may cost at most: the largest buffers are 1 MiB pieces (the design allows
# 1 MiB of [Content_Types].xml, 8 MiB of an embedded document, 16 MiB of an MP4 index; none here).
BOUND = 4 * MiB


def compressible(size: int, *, ratio_noise: int = 6000) -> Callable[[zipfile.ZipFile, str], None]:
    """A member of ``size`` bytes that deflates about 170:1 (under the old 200:1 bomb check)."""

    def write(archive: zipfile.ZipFile, name: str) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        noise = os.urandom(ratio_noise)
        with archive.open(info, "w", force_zip64=True) as fh:
            block = bytes(MiB - len(noise)) + noise
            for _ in range(size // MiB):
                fh.write(block)

    return write


def odf_bomb(mimetype_size: int = 256 * MiB, noise: int = 6000) -> bytes:
    """The report's file: an ODF whose ``mimetype`` is hundreds of MiB, at a ratio the old check let pass."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        compressible(mimetype_size, ratio_noise=noise)(archive, "mimetype")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def many_entries(count: int = 60_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(count):
            archive.writestr(f"{i:x}", b"")
    return out.getvalue()


def ooxml_with(name: str, size: int, noise: int = 6000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(s.ooxml())) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            if info.filename != name:
                archive.writestr(info, source.read(info))
        compressible(size, ratio_noise=noise)(archive, name)
    return out.getvalue()


def pdf_inflating_to(size: int) -> bytes:
    squeezer = zlib.compressobj(9)
    payload = b"".join(squeezer.compress(bytes(MiB)) for _ in range(size // MiB)) + squeezer.flush()
    stream = b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode>>\nstream\n" + payload + b"\nendstream"
    return s.pdf(b"<</Type/Catalog>>", stream)


def big_jpeg(scan: int = 20 * MiB) -> bytes:
    original = s.jpeg()
    sos = original.index(b"\xff\xda")
    header_end = sos + 2 + struct.unpack(">H", original[sos + 2 : sos + 4])[0]
    return original[:header_end] + bytes((i % 250) + 1 for i in range(256)) * (scan // 256) + b"\xff\xd9"


def big_mp4(media: int = 20 * MiB) -> bytes:
    data, small = s.mp4()
    return data.replace(s.box(b"mdat", body=small), b"") + s.box(b"mdat", body=small + bytes(media))


HOSTILE = {
    "odf mimetype of 256 MiB at 170:1": (odf_bomb, "archive_bomb"),
    "odf mimetype of 128 MiB at 85:1": (lambda: odf_bomb(128 * MiB, 12000), "archive_bomb"),
    "zip declaring 60,000 members": (many_entries, "archive_bomb"),
    "docx with 64 MiB of content types": (lambda: ooxml_with("[Content_Types].xml", 64 * MiB, 12000), "archive_bomb"),
    "docx bomb (300 MiB document)": (lambda: ooxml_with("word/document2.xml", 300 * MiB), "archive_bomb"),
    "docx embedding a 300 MiB workbook": (lambda: ooxml_with("word/embeddings/Book1.xlsx", 300 * MiB), "archive_bomb"),
    "pdf object stream inflating to 1 GiB": (lambda: pdf_inflating_to(1024 * MiB), "pdf_unreadable"),
    "mp4 box declaring 2^62 bytes": (lambda: s.box(b"ftyp", body=b"isom" + bytes(4)) + struct.pack(">I4sQ", 1, b"mdat", 1 << 62), "file_damaged"),
    "ole declaring a huge FAT": (lambda: s.ole({"WordDocument": s.WORD_FIB})[:44] + struct.pack("<I", 1 << 30) + s.ole({"WordDocument": s.WORD_FIB})[48:], "file_damaged"),
}  # fmt: skip


def on_disk(data: bytes):
    fh = tempfile.TemporaryFile()
    fh.write(data)
    fh.seek(0)
    return fh


def peak_while(work: Callable[[], object]) -> tuple[int, object]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = work()
    except Refused as refused:
        result = refused
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, result


@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_files_are_refused_within_the_memory_bound(label):
    make, code = HOSTILE[label]
    with on_disk(make()) as fh:
        peak, result = peak_while(lambda: filetypes.inspect(fh))
    assert isinstance(result, Refused) and result.code == code, result
    assert peak < BOUND, f"{label}: {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("label", ["jpeg with 20 MiB of image data", "mp4 with 20 MiB of media data"])
def test_large_images_and_videos_are_cleaned_within_the_memory_bound(label):
    data = big_jpeg() if label.startswith("jpeg") else big_mp4()
    with on_disk(data) as fh:
        peak, result = peak_while(lambda: filetypes.inspect(fh))
    assert isinstance(result, filetypes.Inspected) and result.cleaned is not None
    with result.cleaned:
        result.cleaned.seek(0, 2)
        assert result.cleaned.tell() > 20 * MiB
    assert peak < BOUND, f"{label}: {peak / MiB:.1f} MiB"


@pytest.mark.django_db
def test_the_odf_bomb_over_http_is_refused_without_reading_the_member(org):
    """The report's request, end to end: a 1.5 MB upload, refused (415), nothing stored, and the whole
    request (multipart parsing included) peaks far below the 256 MiB the member declares."""
    payload = odf_bomb()
    assert len(payload) < 3 * MiB
    data = {
        "data": json.dumps(report_data(org.school, org.p_teacher)),
        "evidence": [SimpleUploadedFile("x.odt", payload)],
    }
    client = Client()
    peak, response = peak_while(lambda: client.post("/api/v1/reports", data=data))
    assert response.status_code == 415, response.content
    assert refusal_reason(response.json()["error"]) == "archive_bomb"
    assert Case.objects.count() == 0 and Evidence.objects.count() == 0
    assert peak < 24 * MiB, f"{peak / MiB:.1f} MiB"  # the 1.5 MB body, parsed and copied a few times
