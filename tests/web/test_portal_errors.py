"""Issue 12 items 1 and 5: bodies the server refuses and error pages, answered in the site's layout."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from integritas.cases.models import Case, Message, Sender
from integritas.security import uploads
from tests.factories import PDF_BYTES, pdf_upload, submit
from tests.web.portal import form_data, portal_org, text_of, visible

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return portal_org()


def big_pdf(mb: float, name: str = "besar-21mb.pdf"):
    size = int(mb * 1024 * 1024)
    return pdf_upload(name, PDF_BYTES + b"%" + b"0" * (size - len(PDF_BYTES) - 1))


def assert_site_page(response, *, lang: str = "id") -> None:
    body = text_of(response)
    assert f'<html lang="{lang}">' in body
    assert 'name="viewport"' in body and "site.css" in body
    assert 'href="/"' in body  # a way back
    assert "Bad Request" not in body and "Not Found" not in body and "DEBUG" not in body


# ---------------------------------------------------------------- 12.1 a file over the limit


def test_a_file_over_the_limit_gives_the_form_again_with_the_typed_text(client, org, caplog):
    caplog.set_level(logging.INFO)
    data = form_data(evidence=[big_pdf(21)], description="Kronologi yang panjang.\nBaris kedua.")
    response = client.post("/lapor/SMPN1/", data)
    assert response.status_code == 413
    assert_site_page(response)
    page = visible(response)
    assert "besar-21mb.pdf lebih besar dari batas 5 MB." in page
    body = text_of(response)
    assert 'href="#f-evidence"' in body  # the summary links to the evidence field
    assert 'id="f-evidence-error"' in body
    assert ">Kronologi yang panjang.\nBaris kedua.</textarea>" in body
    assert 'value="Siti Aminah"' in body and 'value="siti@example.net"' in body
    assert 'value="1" checked' in body or "checked" in body  # the good-faith box stays ticked
    assert "Pilih lagi berkas Anda" in page
    assert Case.objects.count() == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback in the log
    assert not [r for r in caplog.records if r.exc_info]


def test_a_file_over_the_limit_among_valid_ones_names_that_file(client, org, monkeypatch):
    monkeypatch.setattr(uploads, "largest_limit_bytes", lambda: 1024 * 1024)
    data = form_data(evidence=[pdf_upload("kecil.pdf"), big_pdf(1.5, "video.pdf")])
    response = client.post("/lapor/SMPN1/", data)
    assert response.status_code == 413
    assert "video.pdf lebih besar dari" in visible(response)


def test_a_reply_with_a_file_over_the_limit_keeps_the_text(client, org, monkeypatch):
    monkeypatch.setattr(uploads, "largest_limit_bytes", lambda: 1024 * 1024)
    submitted = submit(org.school, org.p_teacher)
    assert client.post("/pantau/", {"receipt": submitted.receipt}).status_code == 302
    response = client.post("/pantau/laporan/", {"text": "Ini videonya.", "evidence": [big_pdf(1.5, "v.pdf")]})
    assert response.status_code == 413
    assert "Ini videonya.</textarea>" in text_of(response)
    assert "v.pdf lebih besar dari" in visible(response)
    assert not Message.objects.filter(case=submitted.case, sender=Sender.REPORTER).exists()


def test_a_body_too_large_as_a_whole_is_a_page_with_a_way_back(client, org, monkeypatch):
    monkeypatch.setattr(uploads, "largest_limit_bytes", lambda: 10 * 1024)
    monkeypatch.setattr(uploads, "MAX_FILES", 1)
    response = client.post("/lapor/SMPN1/", form_data(evidence=[big_pdf(1.5)]))
    assert response.status_code == 413
    assert_site_page(response)
    assert "terlalu besar" in visible(response)
    assert 'href="/lapor/SMPN1/"' in text_of(response)


def test_too_many_files_is_a_page_not_a_bare_400(client, org):
    files = [pdf_upload(f"b{i}.pdf") for i in range(21)]
    response = client.post("/lapor/SMPN1/", form_data(evidence=files))
    assert response.status_code == 413
    assert_site_page(response)


def test_the_api_still_answers_json_for_a_body_too_large(client, org, monkeypatch):
    monkeypatch.setattr(uploads, "largest_limit_bytes", lambda: 1024 * 1024)
    response = client.post(
        "/api/v1/reports", {"data": "{}", "evidence": [big_pdf(1.5)]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


# ---------------------------------------------------------------- 12.5 error pages


def test_a_code_typed_in_small_letters_opens_the_form(client, org):
    response = client.get("/lapor/smpn1/")
    assert response.status_code == 302 and response["Location"] == "/lapor/SMPN1/"
    assert client.get(response["Location"]).status_code == 200
    # A post to the small-letter address files the report as well.
    assert client.post("/lapor/smpn1/", form_data()).status_code == 302
    assert Case.objects.get().unit == org.school


def test_unknown_unit_and_unknown_page_are_indonesian_pages_with_a_way_back(client, org):
    for path in ("/lapor/SMPN9-MEJAYAN/", "/tidak-ada/"):
        response = client.get(path)
        assert response.status_code == 404
        assert_site_page(response)
        page = visible(response)
        assert "Halaman tidak ditemukan" in page
        assert 'action="/lapor/"' in text_of(response)  # search for the school from here


def test_error_page_in_english_after_the_switch(client, org):
    client.post("/bahasa/", {"language": "en", "next": "/"})
    response = client.get("/tidak-ada/")
    assert_site_page(response, lang="en")
    assert "Page not found" in visible(response)


def test_api_404_stays_json(client, org):
    response = client.get("/api/v1/tidak-ada")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_server_error_page(org, settings):
    from integritas.web.views import errors

    request = Client().get("/").wsgi_request
    response = errors.server_error(request)
    assert response.status_code == 500
    assert "Terjadi kesalahan" in visible(response)
    assert_site_page(response)


def test_forbidden_and_bad_request_pages(org):
    from integritas.web.views import errors

    request = Client().get("/").wsgi_request
    for view, status in ((errors.forbidden, 403), (errors.bad_request, 400)):
        response = view(request, None)
        assert response.status_code == status
        assert_site_page(response)


def test_csrf_failure_on_the_report_form_brings_the_typed_text_back(org):
    client = Client(enforce_csrf_checks=True)
    client.get("/lapor/SMPN1/")
    client.cookies.clear()  # a cleaner app or private mode cleared the cookies
    data = form_data(description="Apa yang saya ketik tetap ada.")
    response = client.post("/lapor/SMPN1/", data)
    assert response.status_code == 403
    assert_site_page(response)
    page = visible(response)
    assert "Laporan Anda belum terkirim" in page and "kuki" in page
    assert "DEBUG" not in page and "CSRF" not in page
    body = text_of(response)
    assert "Apa yang saya ketik tetap ada.</textarea>" in body
    assert 'value="Siti Aminah"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert Case.objects.count() == 0
    # The form that came back works.
    token = body.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    data["csrfmiddlewaretoken"] = token
    data["evidence"] = [pdf_upload()]
    assert client.post("/lapor/SMPN1/", data).status_code == 302
    assert Case.objects.count() == 1


def test_csrf_failure_elsewhere_is_a_plain_page(org):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/masuk/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert_site_page(response)
    assert "Formulir sudah kedaluwarsa" in visible(response)
    tracked = client.post("/pantau/", {"receipt": "ABCD-EFGH"})
    assert tracked.status_code == 403
    assert 'value="ABCD-EFGH"' in text_of(tracked)
