"""The upload matrix: type by content, polyglots, zip bombs, size while streaming, metadata stripped."""

import io
import json
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integritas.cases.models import Case, Evidence
from integritas.security.uploads import (
    LimitedUploadHandler,
    UploadTooLarge,
    forget_limits,
    largest_limit_bytes,
)
from integritas.vault import scrub
from tests.factories import PASSWORD, report_data
from tests.security import samples
from tests.security.refusals import refusal_reason
from tests.vault.test_filetypes import ELF

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
    r = submit(Client(), org, [("notulen.docx", samples.ooxml("docx"))])
    assert r.status_code == 201, r.content


def assert_refused_with(response, code):
    assert_refused(response, 415)
    error = response.json()["error"]
    assert refusal_reason(error) == code, error
    assert error["fields"]["evidence"].startswith("bukti") or "evidence" in error["fields"]
    return error


FINDING_10 = [
    ("elf_as_mp3.mp3", samples.MP3_HEADER + ELF, "file_damaged"),
    ("shell_as_mp3.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00#!/bin/sh\nid\n" * 20, "file_damaged"),
    ("installer.msi.doc", samples.ole({"\u4840\u3f3f": bytes(5000)}, root_clsid=samples.MSI_CLSID), "ole_not_document"),
    ("smuggle.docx", samples.ooxml("docx", {"payload.scr": b"MZ", "run.hta": b"<script>", "x.lnk": b"L"}), "document_program"),
    ("pdf_launch_hex.pdf", samples.pdf(b"<</Type/Action/S/L#61unch/F(cmd.exe)>>"), "pdf_active_content"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "payload", "code"), FINDING_10, ids=[f[0] for f in FINDING_10])
def test_files_of_finding_10_are_refused_with_a_code_and_nothing_is_stored(org, name, payload, code):
    error = assert_refused_with(submit(Client(), org, [(name, payload)]), code)
    assert name in error["message"] and name in error["fields"]["evidence"]


def test_a_refusal_is_explained_in_indonesian_by_default(org):
    r = submit(Client(), org, [("surat.pdf", samples.pdf(b"<</S/L#61unch>>"))])
    assert r.status_code == 415
    error = r.json()["error"]
    assert refusal_reason(error) == "pdf_active_content"
    assert (
        error["message"].startswith("surat.pdf: PDF ini dapat menjalankan program")
        and "(Launch)" in error["message"]
    )


def test_the_report_form_says_that_documents_keep_their_metadata_and_shows_the_reason(org):
    client = Client()
    page = client.get("/lapor/SMPN1/").content.decode()
    assert "Dokumen (PDF, berkas perkantoran) tetap menyimpan informasinya sendiri" in page
    assert 'aria-describedby="f-evidence-hint f-evidence-metadata' in page
    client.cookies["integritas_language"] = "en"
    assert "Documents (PDF, office files) keep theirs" in client.get("/lapor/SMPN1/").content.decode()

    from tests.web.portal import form_data

    data = form_data()
    data["evidence"] = [SimpleUploadedFile("rapat.docx", samples.ooxml("docm"))]
    client.cookies["integritas_language"] = "id"
    refused = client.post("/lapor/SMPN1/", data)
    assert refused.status_code == 400
    assert "rapat.docx: dokumen yang berisi makro" in refused.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "payload", "kind"),
    [
        ("mpo_gps.jpg", samples.mpo_with_gps(), "image/jpeg"),
        ("video.mp4", samples.mp4()[0], "video/mp4"),
        ("anim.gif", samples.gif_with_comment_and_xmp(), "image/gif"),
    ],
)
def test_location_metadata_of_finding_6_is_gone_from_the_download(org, name, payload, kind):
    client = Client()
    r = submit(client, org, [(name, payload)])
    assert r.status_code == 201, r.content
    (got,) = download_all(client, r.json()["reference"])
    body = b"".join(got.streaming_content)
    assert got["Content-Type"] == kind
    for mark in (samples.GPS_MARK, b"Exif", samples.LOCATION.encode(), b"\xa9xyz", b"xmpmeta"):
        assert mark not in body, mark
    assert body != payload


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


def test_the_largest_limit_is_read_from_the_units_that_set_one(org):
    org.school.policy = {**org.school.policy, "max_upload_mb": 45}
    org.school.save()
    org.district.policy = {**org.district.policy, "max_upload_mb": True}  # not a number of MB
    org.district.save()
    forget_limits()
    try:
        assert largest_limit_bytes() == 45 * 1024 * 1024
    finally:
        forget_limits()
