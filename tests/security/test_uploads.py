"""The upload matrix: type by content, polyglots, zip bombs, size while streaming, metadata stripped."""

import io
import json
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integritas.cases.models import Case, Evidence
from integritas.security.uploads import LimitedUploadHandler, UploadTooLarge, forget_limits
from integritas.vault import scrub
from tests.factories import PASSWORD, report_data

pytestmark = pytest.mark.django_db

GPS_MARK = b"GPSLatitude-7.5503-Mejayan"


def jpeg_with_gps() -> bytes:
    def seg(marker: int, payload: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload

    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + GPS_MARK
    return (
        b"\xff\xd8"
        + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + seg(0xE1, exif)
        + seg(0xFE, b"taken by Budi at home")
        + seg(0xDB, b"\x00" + bytes(range(64)))
        + seg(0xC0, b"\x08\x00\x10\x00\x10\x01\x01\x11\x00")
        + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x12\x34\x56\x78" * 64
        + b"\xff\xd9"
    )


def png_with_text() -> bytes:
    ihdr = scrub.png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    text = scrub.png_chunk(b"tEXt", b"Comment\x00" + GPS_MARK)
    idat = scrub.png_chunk(b"IDAT", b"x\x9cc`\x00\x00\x00\x02\x00\x01")
    return b"\x89PNG\r\n\x1a\n" + ihdr + text + idat + scrub.png_chunk(b"IEND", b"")


def submit(client, org, files, **policy):
    if policy:
        org.school.policy = policy
        org.school.save()
        forget_limits()
    data = {"data": json.dumps(report_data(org.school, org.p_teacher))}
    data["evidence"] = [SimpleUploadedFile(name, payload) for name, payload in files]
    return client.post("/api/v1/reports", data=data)


def download_all(client, reference):
    token = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "vice", "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    case = client.get(f"/api/v1/cases/{reference}", **auth).json()
    return [client.get(f"/api/v1/cases/{reference}/evidence/{e['id']}", **auth) for e in case["evidence"]]


def assert_refused(response, status):
    assert response.status_code == status, response.content
    assert "evidence" in response.json()["error"].get("fields", {})
    assert Case.objects.count() == 0 and Evidence.objects.count() == 0


def test_jpeg_gps_and_comments_are_stripped_pixels_kept(org):
    client = Client()
    original = jpeg_with_gps()
    r = submit(client, org, [("foto.jpg", original)])
    assert r.status_code == 201, r.content
    (got,) = download_all(client, r.json()["reference"])
    body = b"".join(got.streaming_content)
    assert GPS_MARK not in body and b"taken by Budi" not in body
    assert body.startswith(b"\xff\xd8") and body.endswith(b"\xff\xd9")
    scan = original.index(b"\xff\xda")
    assert body.endswith(original[scan:])  # the image data itself is untouched


def test_png_text_chunks_are_stripped(org):
    client = Client()
    r = submit(client, org, [("layar.png", png_with_text())])
    assert r.status_code == 201
    (got,) = download_all(client, r.json()["reference"])
    body = b"".join(got.streaming_content)
    assert GPS_MARK not in body and b"IDAT" in body and body.endswith(scrub.png_chunk(b"IEND", b""))


def test_pdf_is_kept_byte_identical(org):
    client = Client()
    pdf = b"%PDF-1.7\n% Info: Author Siti\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = submit(client, org, [("surat.pdf", pdf)])
    (got,) = download_all(client, r.json()["reference"])
    assert b"".join(got.streaming_content) == pdf


def test_executable_renamed_pdf_is_refused(org):
    assert_refused(submit(Client(), org, [("bukti.pdf", b"MZ\x90\x00" + b"\x00" * 200)]), 415)


def test_polyglot_image_with_an_archive_appended_is_refused(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.sh", "#!/bin/sh\necho owned\n")
    assert_refused(submit(Client(), org, [("foto.jpg", jpeg_with_gps() + buffer.getvalue())]), 415)


def test_gif_with_script_is_refused(org):
    payload = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>"
    assert_refused(submit(Client(), org, [("animasi.gif", payload)]), 415)


def test_pdf_that_launches_programs_is_refused(org):
    payload = b"%PDF-1.4\n1 0 obj<</Type/Action/S/Launch/F(cmd.exe)>>endobj\n%%EOF\n"
    assert_refused(submit(Client(), org, [("surat.pdf", payload)]), 415)


def test_zip_bomb_dressed_as_a_document_is_refused(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))
    assert len(buffer.getvalue()) < 200 * 1024
    assert_refused(submit(Client(), org, [("laporan.docx", buffer.getvalue())]), 415)


def test_real_office_document_is_accepted(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Notulen rapat</w:document>")
    r = submit(Client(), org, [("notulen.docx", buffer.getvalue())])
    assert r.status_code == 201


def test_empty_file_is_refused(org):
    assert_refused(submit(Client(), org, [("kosong.pdf", b"")]), 422)


def test_file_over_the_unit_limit_gets_413(org):
    payload = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    assert_refused(submit(Client(), org, [("besar.pdf", payload)], max_upload_mb=1), 413)


def test_size_is_checked_while_streaming_before_the_file_is_read_whole(org):
    handler = LimitedUploadHandler()
    handler.handle_raw_input(None, {}, 1000, b"x")
    handler.new_file("evidence", "besar.pdf", "application/pdf", None)
    chunk = b"0" * (64 * 1024)
    received = 0
    with pytest.raises(UploadTooLarge):
        for _ in range(10_000):
            handler.receive_data_chunk(chunk, received)
            received += len(chunk)
    assert received == handler.limit  # stopped at the first chunk past the limit, not at the end


def test_request_announcing_a_huge_body_is_refused_before_reading(org):
    handler = LimitedUploadHandler()
    with pytest.raises(UploadTooLarge):
        handler.handle_raw_input(None, {}, 10 * 1024**3, b"x")


def test_oversize_upload_over_http_gets_413(org):
    payload = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
    r = submit(Client(), org, [("besar.pdf", payload)])
    assert r.status_code == 413
    assert Case.objects.count() == 0
