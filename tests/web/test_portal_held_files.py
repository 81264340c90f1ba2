"""Issue 12 item 7: valid files are held, sealed, for the retry of a form that came back with an error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integritas.cases import content
from integritas.cases.models import Case, Evidence
from integritas.web.models import HeldFile
from integritas.web.sessions import purge_expired
from tests.factories import PDF_BYTES, pdf_upload
from tests.web.portal import form_data, portal_org, text_of, visible

pytestmark = pytest.mark.django_db
MARKED_PDF = PDF_BYTES + b"%ZQXHELD-MARKER\n"


@pytest.fixture
def org():
    return portal_org()


def new_form(client) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', text_of(client.get("/lapor/SMPN1/"))).group(1)


def held_ids(response) -> list[str]:
    return re.findall(r'name="keep_file" value="([0-9a-f]+)" checked', text_of(response))


def test_a_valid_file_is_kept_for_the_retry_and_sent_with_it(client, org):
    token = new_form(client)
    first = client.post(
        "/lapor/SMPN1/",
        form_data(form_token=token, good_faith="", evidence=[pdf_upload("kuitansi-rahasia.pdf", MARKED_PDF)]),
    )
    assert first.status_code == 400
    page = visible(first)
    assert "kuitansi-rahasia.pdf" in page
    assert "tidak perlu memilihnya lagi" in page
    assert "Pilih lagi berkas Anda" not in page
    ids = held_ids(first)
    assert len(ids) == 1
    # Held sealed: neither the name nor the content is readable at rest.
    row = HeldFile.objects.get()
    assert b"kuitansi-rahasia" not in bytes(row.sealed)
    with default_storage.open(row.storage_name, "rb") as fh:
        assert b"ZQXHELD-MARKER" not in fh.read()

    second = client.post("/lapor/SMPN1/", form_data(form_token=token, keep_file=ids, evidence=[]))
    assert second.status_code == 302, visible(second)
    evidence = Evidence.objects.get(case=Case.objects.get())
    assert b"".join(content.read_file(evidence)) == MARKED_PDF
    assert content.evidence_name(evidence, evidence.case) == "kuitansi-rahasia.pdf"
    assert not HeldFile.objects.exists()
    assert not default_storage.exists(row.storage_name)


def test_only_the_refused_file_must_be_chosen_again(client, org):
    token = new_form(client)
    program = SimpleUploadedFile("program.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = client.post(
        "/lapor/SMPN1/", form_data(form_token=token, evidence=[pdf_upload("baik.pdf"), program])
    )
    assert response.status_code == 400
    page = visible(response)
    assert "program.pdf: jenis berkas ini tidak diterima" in page
    assert "baik.pdf" in page and len(held_ids(response)) == 1
    assert "Pilih lagi berkas lainnya" in page
    # Sent again with the held file only (the program left out): one report, one file.
    again = client.post(
        "/lapor/SMPN1/", form_data(form_token=token, keep_file=held_ids(response), evidence=[])
    )
    assert again.status_code == 302
    assert Evidence.objects.count() == 1


def test_an_unticked_file_is_left_out(client, org):
    token = new_form(client)
    response = client.post("/lapor/SMPN1/", form_data(form_token=token, good_faith=""))
    assert held_ids(response)
    again = client.post("/lapor/SMPN1/", form_data(form_token=token, evidence=[]))  # box unticked
    assert again.status_code == 400
    assert "wajib melampirkan bukti" in visible(again)


def test_held_files_belong_to_their_form(client, org):
    token = new_form(client)
    ids = held_ids(client.post("/lapor/SMPN1/", form_data(form_token=token, good_faith="")))
    other = new_form(client)
    refused = client.post("/lapor/SMPN1/", form_data(form_token=other, keep_file=ids, evidence=[]))
    assert refused.status_code == 400
    assert "wajib melampirkan bukti" in visible(refused)
    assert Case.objects.count() == 0


def test_held_files_are_purged_after_half_an_hour(client, org):
    token = new_form(client)
    client.post("/lapor/SMPN1/", form_data(form_token=token, good_faith=""))
    row = HeldFile.objects.get()
    assert purge_expired() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        assert purge_expired() >= 1
    assert not HeldFile.objects.exists()
    assert not default_storage.exists(row.storage_name)


def test_a_reply_keeps_its_valid_files_when_another_is_refused(client, org):
    from integritas.cases.models import Message, Sender
    from tests.factories import submit

    submitted = submit(org.school, org.p_teacher)
    client.post("/pantau/", {"receipt": submitted.receipt})
    program = SimpleUploadedFile("foto.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")
    response = client.post(
        "/pantau/laporan/", {"text": "Ini kuitansinya.", "evidence": [pdf_upload("kuitansi.pdf"), program]}
    )
    assert response.status_code == 400
    assert "foto.jpg: jenis berkas ini tidak diterima" in visible(response)
    ids = held_ids(response)
    assert len(ids) == 1 and "kuitansi.pdf" in visible(response)
    sent = client.post("/pantau/laporan/", {"text": "Ini kuitansinya.", "keep_file": ids})
    assert sent.status_code == 302
    message = Message.objects.get(case=submitted.case, sender=Sender.REPORTER)
    assert Evidence.objects.filter(message=message).count() == 1
    assert not HeldFile.objects.exists()
