"""The public portal with Django's test client: home, reporting, the receipt shown once, tracking."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integritas.cases import services
from integritas.cases.models import Case, Evidence, Message, Sender, Via
from integritas.cases.receipts import receipt_hash
from tests.factories import make_org, pdf_upload, reload, submit
from tests.web.portal import form_data

pytestmark = pytest.mark.django_db

PKG = Path(__file__).resolve().parents[2] / "integritas"
TEMPLATES = PKG / "web" / "templates" / "web"
PUBLIC_TEMPLATES = [TEMPLATES / "home.html", *sorted((TEMPLATES / "public").glob("*.*"))]
PUBLIC_PY = [PKG / "web" / "views" / "public.py", PKG / "web" / "forms_public.py"]

# Words that must not appear on an English page, and English phrases that must not stay on an Indonesian one.
INDONESIAN = [
    "Laporan",
    "laporan",
    "Kirim",
    "Pantau",
    "Benturan",
    "benturan",
    "atasan",
    "hari kerja",
    "Pelapor",
    "wajib",
]
ENGLISH = [
    "Track a report",
    "Send the report",
    "conflict of interest",
    "Your name",
    "required",
    "Report number",
]


@pytest.fixture
def org():
    org = make_org(school_policy={"require_evidence": True, "allow_anonymous": False, "max_upload_mb": 5})
    org.school.name = "SMP Negeri 1 Mejayan"
    org.school.save()
    org.district.name = "Dinas Pendidikan Kabupaten Madiun"
    org.district.save()
    for person, name in (
        (org.teacher, "Tono Terlapor"),
        (org.vice, "Bambang Wicaksono"),
        (org.principal, "Ratna Kusuma"),
        (org.school_team, "Sri Tim"),
    ):
        person.name = name
        person.save()
    return org


def english(client: Client) -> None:
    response = client.post("/bahasa/", {"language": "en", "next": "/"})
    assert response.status_code == 302


def text_of(response) -> str:
    return response.content.decode()


def visible(response) -> str:
    """The page's text without tags (what a person reads)."""
    body = text_of(response)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def submit_form(client: Client, **overrides):
    return client.post("/lapor/SMPN1/", form_data(**overrides))


# ---------------------------------------------------------------- home


def test_home_is_indonesian_by_default(client, org):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    page = visible(response)
    for words in (
        "Apa itu benturan kepentingan?",
        "Lapor",
        "Pantau laporan",
        "Hubungan afiliasi",
        "Gratifikasi",
        "Pekerjaan tambahan",
        "Informasi orang dalam",
        "Kepentingan dalam pengadaan barang",
        "Tuntutan keluarga dan komunitas",
        "Kedudukan di organisasi lain",
        "Intervensi pada jabatan sebelumnya",
        "Perangkapan jabatan",
        "3 (tiga) hari kerja",
        "2 (dua) hari",
        "atasan langsung",
        "dan seterusnya",
        "Tim Penanganan Benturan Kepentingan",
        "tanda terima",
    ):
        assert words in page, words
    for words in ENGLISH:
        assert words not in page, words
    assert 'href="/lapor/"' in text_of(response) and 'href="/pantau/"' in text_of(response)


def test_home_in_english_after_the_switch(client, org):
    english(client)
    response = client.get("/")
    assert response["Content-Language"] == "en"
    page = visible(response)
    for words in (
        "What is a conflict of interest?",
        "Report",
        "Track a report",
        "Gratification",
        "Holding several positions at once",
        "3 working days",
        "direct superior",
        "receipt",
    ):
        assert words in page, words
    for words in INDONESIAN + ["Gratifikasi", "Lapor "]:
        assert words not in page, words


# ---------------------------------------------------------------- finding the unit and the form


def test_unit_search_lists_matches_as_links(client, org):
    response = client.get("/lapor/", {"q": "negeri 1"})
    assert response.status_code == 200
    assert 'href="/lapor/SMPN1/"' in text_of(response)
    assert "SMP Negeri 1 Mejayan" in visible(response)
    assert "/lapor/DISDIK/" not in text_of(response)

    by_code = client.get("/lapor/", {"q": "disdik"})
    assert 'href="/lapor/DISDIK/"' in text_of(by_code)

    nothing = client.get("/lapor/", {"q": "tidak-ada-sekolah-ini"})
    assert "Tidak ditemukan" in visible(nothing)
    assert client.get("/lapor/", {"q": "x" * 101}).status_code == 400


def test_small_deployment_lists_units_without_a_search(client, org):
    response = client.get("/lapor/")
    assert 'href="/lapor/SMPN1/"' in text_of(response) and 'href="/lapor/DISDIK/"' in text_of(response)


def test_form_lists_the_positions_of_the_unit_and_no_anonymity_unless_allowed(client, org):
    response = client.get("/lapor/SMPN1/")
    assert response.status_code == 200
    body = text_of(response)
    assert '<option value="GURU">Guru Matematika — Tono Terlapor</option>' in body
    assert '<option value="WAKA">Wakil Kepala Sekolah — Bambang Wicaksono</option>' in body
    assert "KABID" not in body  # a position of the district, not of this school
    assert '<option value="-">' in body  # "not in the list"
    assert 'name="subject_name"' in body and 'name="subject_description"' in body
    assert '<input type="file" id="f-evidence" name="evidence" multiple' in body
    assert "5 MB" in visible(response)
    assert "wajib, minimal satu berkas" in visible(response)  # evidence is required by this unit's policy
    for code in (
        "affiliation",
        "gratification",
        "side_job",
        "insider_information",
        "procurement",
        "family_community",
        "external_position",
        "previous_position",
        "concurrent_position",
        "other",
    ):
        assert f'name="categories" value="{code}"' in body
    for kind in ("admission", "procurement", "staffing", "grading", "school_fund", "other"):
        assert f'<option value="{kind}">' in body
    assert 'name="anonymous"' not in body
    assert 'name="good_faith"' in body

    org.school.policy = {**org.school.policy, "allow_anonymous": True, "require_evidence": False}
    org.school.save()
    allowed = client.get("/lapor/SMPN1/")
    assert 'name="anonymous"' in text_of(allowed)
    assert "wajib, minimal satu berkas" not in visible(allowed)

    assert client.get("/lapor/TIDAK-ADA/").status_code == 404


def test_form_in_english_has_no_indonesian_interface_words(client, org):
    english(client)
    page = visible(client.get("/lapor/SMPN1/"))
    assert "Send the report" in page and "Chronology" in page
    for words in ("Kirim", "Pelapor", "wajib", "Kronologi", "Gratifikasi", "Pilih"):
        assert words not in page, words


# ---------------------------------------------------------------- submitting


def test_full_submission_creates_one_case_and_shows_the_receipt(client, org):
    response = submit_form(client)
    assert response.status_code == 302
    assert response["Location"] == "/lapor/terkirim/"
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.unit == org.school and case.subject_position == org.p_teacher
    assert case.status == "examination" and case.handler_position == org.p_vice
    assert Evidence.objects.filter(case=case).count() == 1
    assert sorted(case.category_rows.values_list("code", flat=True)) == ["family_community", "procurement"]

    done = client.get("/lapor/terkirim/")
    assert done.status_code == 200
    page = visible(done)
    receipt = re.search(r'<p class="receipt" id="receipt">([^<]+)</p>', text_of(done)).group(1)
    assert case.receipt_hash == receipt_hash(receipt)
    assert case.reference in page
    assert "tidak pernah dikirim lewat e-mail" in page
    assert "WIB" in page and "Wakil Kepala Sekolah" in page
    assert "/lapor/terkirim/slip.txt" in text_of(done)
    assert 'name="language"' not in text_of(done)  # switching language would reload and lose it

    again = client.get("/lapor/terkirim/")  # a phone reloads the tab: the receipt is still there
    assert again.status_code == 200
    assert receipt in text_of(again)
    assert Case.objects.count() == 1
    assert receipt not in text_of(Client().get("/lapor/terkirim/"))  # another browser: nothing


def test_the_receipt_never_travels_in_a_url(client, org):
    response = submit_form(client)
    done = client.get(response["Location"])
    receipt = re.search(r'<p class="receipt" id="receipt">([^<]+)</p>', text_of(done)).group(1)
    assert receipt not in response["Location"]
    for href in re.findall(r'(?:href|action)="([^"]*)"', text_of(done)):
        assert receipt not in href and receipt.replace("-", "") not in href
    tracked = client.post("/pantau/", {"receipt": receipt})
    assert receipt not in tracked["Location"]
    # A receipt in the query string opens nothing.
    assert "BK-" not in visible(Client().get("/pantau/", {"receipt": receipt}))


def test_invalid_submission_keeps_every_value_and_names_the_fields(client, org):
    typed = {
        "position": "GURU",
        "decision_title": 'Keputusan "khusus" <b>PPDB</b> & zonasi',
        "decision_number": "800/77/2026",
        "decision_date": "2026-13-45",
        "decision_kind": "admission",
        "categories": [],
        "description": "Kronologi:\nAnak kepala sekolah diterima tanpa tes <script>x</script>.",
        "reporter_name": "Budi Ortu",
        "reporter_email": "bukan-email",
        "reporter_phone": "0812-3456-7890",
        "reporter_nik": "123",
        "reporter_relation": "orang tua siswa kelas 7",
    }
    data = form_data(**typed)
    data.pop("good_faith")
    response = client.post("/lapor/SMPN1/", data)
    assert response.status_code == 400
    assert Case.objects.count() == 0
    body = text_of(response)
    assert '<div class="errors" role="alert"' in body
    for anchor in (
        "#f-decision-date",
        "#cat-affiliation",
        "#f-reporter-email",
        "#f-reporter-nik",
        "#f-good-faith",
    ):
        assert f'href="{anchor}"' in body, anchor
    page = visible(response)
    assert "Pilih sekurang-kurangnya satu jenis benturan kepentingan." in page
    assert "Masukkan alamat e-mail yang benar" in page
    assert "NIK terdiri atas 16 angka." in page
    assert "iktikad baik" in page
    assert 'aria-invalid="true"' in body
    # Every typed value is still there (escaped, never as markup).
    for name in (
        "decision_title",
        "decision_number",
        "decision_date",
        "reporter_name",
        "reporter_email",
        "reporter_phone",
        "reporter_nik",
        "reporter_relation",
    ):
        assert f'value="{html.escape(typed[name])}"' in body, name
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x</script>" not in body
    assert ">" + html.escape(typed["description"]) + "</textarea>" in body
    assert '<option value="GURU" selected>' in body
    assert '<option value="admission" selected>' in body
    # The files cannot be re-filled by the browser: the page says so.
    assert "Pilih lagi berkas Anda" in page


def test_invalid_submission_keeps_categories_and_the_not_listed_subject(client, org):
    response = submit_form(
        client,
        position="-",
        subject_name="",
        subject_description="Bendahara BOS",
        categories=["gratification"],
        good_faith="",
    )
    assert response.status_code == 400
    body = text_of(response)
    assert 'value="gratification" checked' in body
    assert '<option value="-" selected>' in body
    assert "Bendahara BOS</textarea>" in body
    assert 'href="#f-subject-name"' in body


def test_missing_evidence_and_a_program_disguised_as_pdf_are_refused(client, org):
    response = submit_form(client, evidence=[])
    assert response.status_code == 400
    assert "wajib melampirkan bukti" in visible(response)
    assert "Pilih lagi berkas Anda" not in visible(response)  # nothing was chosen, nothing was lost

    program = SimpleUploadedFile("bukti.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    refused = submit_form(client, evidence=[program])
    assert refused.status_code == 400
    assert "bukti.pdf: jenis berkas ini tidak diterima" in visible(refused)
    assert Case.objects.count() == 0


def test_anonymous_report_where_the_policy_allows(client, org):
    org.school.policy = {**org.school.policy, "allow_anonymous": True}
    org.school.save()
    response = submit_form(
        client, anonymous="1", reporter_name="", reporter_email="", reporter_phone="", reporter_relation=""
    )
    assert response.status_code == 302
    assert Case.objects.get().anonymous is True


def test_not_listed_official_goes_to_triage(client, org):
    response = submit_form(
        client, position="-", subject_name="Bendahara sekolah", subject_description="Mengurus dana BOS"
    )
    assert response.status_code == 302
    assert Case.objects.get().status == "triage"
    page = visible(client.get("/lapor/terkirim/"))
    assert "Tim Penanganan Benturan Kepentingan SMP Negeri 1 Mejayan" in page


# ---------------------------------------------------------------- saving the receipt


def test_slip_download_while_the_browser_keeps_the_receipt(client, org):
    submit_form(client)
    done = client.get("/lapor/terkirim/")
    receipt = re.search(r'<p class="receipt" id="receipt">([^<]+)</p>', text_of(done)).group(1)
    slip = client.get("/lapor/terkirim/slip.txt")
    assert slip.status_code == 200
    assert slip["Content-Type"].startswith("text/plain")
    assert slip["Content-Disposition"].startswith("attachment;")
    case = Case.objects.get()
    assert case.reference in slip["Content-Disposition"] and receipt not in slip["Content-Disposition"]
    content = slip.content.decode()
    assert receipt in content and case.reference in content and "WIB" in content
    assert "SMP Negeri 1 Mejayan" in content and "/pantau/" in content
    assert slip["Cache-Control"] == "no-store"
    assert Client().get("/lapor/terkirim/slip.txt").status_code == 404  # another browser
    client.get("/lapor/terkirim/")  # a reload keeps it
    assert client.get("/lapor/terkirim/slip.txt").status_code == 200


def test_the_slip_expires_with_the_display(client, org):
    submit_form(client)
    client.get("/lapor/terkirim/")
    assert client.get("/lapor/terkirim/slip.txt").status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31), tick=False):
        assert client.get("/lapor/terkirim/slip.txt").status_code == 404


def test_i_have_saved_my_receipt_forgets_it(client, org):
    submit_form(client)
    client.get("/lapor/terkirim/")
    assert client.post("/lapor/terkirim/selesai/").status_code == 302
    assert client.get("/lapor/terkirim/slip.txt").status_code == 404


# ---------------------------------------------------------------- tracking


def open_report(client: Client, receipt: str):
    response = client.post("/pantau/", {"receipt": receipt})
    assert response.status_code == 302, text_of(response)
    assert response["Location"] == "/pantau/laporan/"
    return client.get("/pantau/laporan/")


def test_tracking_shows_status_timeline_due_date_and_messages_without_staff_names(client, org):
    submitted = submit(org.school, org.p_teacher)
    case = submitted.case
    services.case_message(
        via=Via.API, case=reload(case), actor=org.vice, text="Mohon kirim foto kuitansi pembelian."
    )
    # Typed in small letters without dashes: still the receipt.
    page_response = open_report(client, submitted.receipt.replace("-", "").lower())
    assert page_response.status_code == 200
    page = visible(page_response)
    assert case.reference in page
    assert "Sedang diperiksa oleh atasan langsung" in page
    assert "Laporan diterima." in page
    assert "Laporan diteruskan kepada Wakil Kepala Sekolah untuk diperiksa." in page
    assert "WIB" in page
    assert "Mohon kirim foto kuitansi pembelian." in page
    assert "bukti.pdf" in page
    for name in ("Bambang Wicaksono", "Tono Terlapor", "Ratna Kusuma", "Sri Tim", "vice", "schoolteam"):
        assert name not in page, name
    assert 'name="text"' in text_of(page_response) and 'name="evidence"' in text_of(page_response)


def test_tracking_in_english_renders_events_from_their_codes(client, org):
    submitted = submit(org.school, org.p_teacher)
    services.case_examine(
        via=Via.API,
        case=reload(submitted.case),
        actor=org.vice,
        conclusion="unfounded",
        findings="Toko itu bukan milik keluarga guru.",
    )
    english(client)
    page = visible(open_report(client, submitted.receipt))
    assert "Report received." in page
    assert "Report passed to Wakil Kepala Sekolah for examination." in page
    assert "Examination result: the report is not proven" in page
    assert "Toko itu bukan milik keluarga guru." in page  # what the examiner wrote, as written
    assert "The report was not proven" in page
    for words in ("Laporan diterima", "diteruskan", "Hasil pemeriksaan", "Sistem", "Pelapor", "Kirim"):
        assert words not in page, words


def test_reply_with_evidence_reaches_the_case(client, org):
    submitted = submit(org.school, org.p_teacher)
    open_report(client, submitted.receipt)
    response = client.post(
        "/pantau/laporan/", {"text": "Ini foto kuitansinya.", "evidence": [pdf_upload("kuitansi.pdf")]}
    )
    assert response.status_code == 302
    message = Message.objects.get(case=submitted.case, sender=Sender.REPORTER)
    assert Evidence.objects.filter(case=submitted.case, message=message).count() == 1
    page = visible(client.get(response["Location"]))
    assert "Pesan Anda telah dikirim" in page
    assert "Ini foto kuitansinya." in page and "kuitansi.pdf" in page


def test_reply_errors_keep_the_text(client, org):
    submitted = submit(org.school, org.p_teacher)
    open_report(client, submitted.receipt)
    empty = client.post("/pantau/laporan/", {"text": "  "})
    assert empty.status_code == 400
    assert "Tulis pesan atau lampirkan berkas." in visible(empty)
    program = SimpleUploadedFile("foto.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")
    refused = client.post("/pantau/laporan/", {"text": "Pesan saya", "evidence": [program]})
    assert refused.status_code == 400
    assert "Pesan saya</textarea>" in text_of(refused)
    assert "foto.jpg: jenis berkas ini tidak diterima" in visible(refused)
    assert Message.objects.filter(case=submitted.case, sender=Sender.REPORTER).count() == 0


def test_wrong_receipt_is_an_error_and_guessing_is_slowed_down(client, org, settings):
    settings.INTEGRITAS = {
        **settings.INTEGRITAS,
        "THROTTLE": {**settings.INTEGRITAS["THROTTLE"], "receipt": (3, 3600, 600)},
    }
    submitted = submit(org.school, org.p_teacher)
    empty = client.post("/pantau/", {"receipt": ""})
    assert empty.status_code == 400  # not a guess: not counted
    wrong = client.post("/pantau/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    assert wrong.status_code == 400
    assert "Tanda terima ini tidak membuka laporan mana pun" in visible(wrong)
    assert 'value="AAAA-BBBB-CCCC-DDDD-EEEE"' in text_of(wrong)  # kept, to correct one character
    assert client.post("/pantau/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEF"}).status_code == 400
    assert client.post("/pantau/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEG"}).status_code == 400
    locked = client.post("/pantau/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEH"})
    assert locked.status_code == 429
    assert "Terlalu banyak" in visible(locked)
    assert 'value="AAAA-BBBB-CCCC-DDDD-EEEH"' in text_of(locked)
    assert int(locked["Retry-After"]) > 0
    # The right receipt, from the same address, opens the report at once.
    assert client.post("/pantau/", {"receipt": submitted.receipt}).status_code == 302


def test_closed_case_takes_no_reply(client, org):
    submitted = submit(org.school, org.p_teacher)
    services.case_examine(
        via=Via.API,
        case=reload(submitted.case),
        actor=org.vice,
        conclusion="unfounded",
        findings="Tidak ada hubungan keluarga.",
    )
    response = open_report(client, submitted.receipt)
    page = visible(response)
    assert "Selesai" in page and "tidak terbukti" in page
    assert "Tidak ada hubungan keluarga." in page
    assert 'name="text"' not in text_of(response)
    assert "tidak lagi menerima pesan" in page
    refused = client.post("/pantau/laporan/", {"text": "Saya tidak setuju."})
    assert refused.status_code == 409
    assert Message.objects.filter(case=submitted.case).count() == 0


def test_tracking_page_needs_the_receipt_and_forgets_on_request(client, org):
    assert client.get("/pantau/laporan/")["Location"] == "/pantau/"
    submitted = submit(org.school, org.p_teacher)
    open_report(client, submitted.receipt)
    assert submitted.case.reference in visible(client.get("/pantau/"))  # "this device follows …"
    forget = client.post("/pantau/selesai/")
    assert forget.status_code == 302
    assert client.get("/pantau/laporan/").status_code == 302
    assert Client().get("/pantau/laporan/").status_code == 302


def test_timeline_of_a_founded_case_through_follow_up(client, org):
    submitted = submit(org.school, org.p_teacher)
    case = services.case_examine(
        via=Via.API,
        case=reload(submitted.case),
        actor=org.vice,
        conclusion="founded",
        findings="Catatan internal pemeriksa.",
    )
    case = services.case_review(
        via=Via.API,
        case=reload(case),
        actor=org.principal,
        decision="revoke",
        notes="Catatan internal peninjau.",
    )
    services.follow_up_add(
        via=Via.API,
        case=reload(case),
        actor=org.school_team,
        title="Ulangi pengadaan seragam",
        due_date=dt.date(2026, 9, 1),
    )
    page = visible(open_report(client, submitted.receipt))
    assert "Hasil pemeriksaan: laporan terbukti. Keputusan ditinjau kembali oleh Kepala Sekolah." in page
    assert "Hasil peninjauan: keputusan dicabut." in page
    assert "Tindak lanjut ditetapkan: Ulangi pengadaan seragam (paling lambat 1 September 2026)." in page
    assert "Catatan internal" not in page  # findings of a founded examination and review notes stay inside


# ---------------------------------------------------------------- weight, escaping, translations


def test_report_form_is_light(client, org):
    html_bytes = len(client.get("/lapor/SMPN1/").content)
    css_bytes = Path(finders.find("web/site.css")).stat().st_size
    total = html_bytes + css_bytes
    print(f"\nreport form: {html_bytes} B HTML + {css_bytes} B CSS = {total} B")
    # What a phone on a slow connection loads before the form shows (README: about 23 KB).
    assert total <= 30 * 1024, total


def test_pages_carry_the_strict_csp_and_no_inline_script_or_style(client, org):
    submitted = submit(org.school, org.p_teacher)
    pages = [
        client.get("/"),
        client.get("/lapor/"),
        client.get("/lapor/SMPN1/"),
        client.get("/pantau/"),
        open_report(client, submitted.receipt),
    ]
    for response in pages:
        assert "script-src 'self'" in response["Content-Security-Policy"]
        body = text_of(response)
        assert "<script" not in body and " style=" not in body and "onclick" not in body
