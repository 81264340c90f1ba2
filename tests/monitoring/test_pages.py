"""The monitoring pages through Django's test client: the dashboard (filters, links to the case list,
who may see it), the team's sections, the report files, the binder and the public transparency page."""

from __future__ import annotations

import io
import zipfile

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from integritas.cases.models import Category
from integritas.monitoring.models import EvaluationNote, EvidenceFile
from tests.factories import PDF_BYTES, add_team, make_unit, pdf_upload
from tests.monitoring.cases import build, wib

pytestmark = pytest.mark.django_db
NOW = wib(9, 2)


@pytest.fixture
def built(org):
    return build(org)


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_dashboard_of_the_district_lists_each_school(org, built):
    make_unit("SMPN2", parent=org.district)
    with time_machine.travel(NOW, tick=False):
        r = client_for(org.district_team).get("/pemantauan/", {"unit": "DISDIK", "period": "2026-08"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "<svg" in page and "<table" in page
    assert "/pemantauan/?unit=SMPN1&amp;period=2026-08" in page
    assert "/pemantauan/?unit=SMPN2&amp;period=2026-08" in page
    assert "/kasus/semua/?unit=DISDIK&amp;state=examination" in page
    assert "/kasus/semua/?unit=DISDIK&amp;overdue=on" in page
    assert "BK-2026" not in page and "Siti" not in page
    assert "<script" not in page


def test_dashboard_defaults_to_the_team_unit_and_this_year(org, built):
    with time_machine.travel(NOW, tick=False):
        r = client_for(org.school_team).get("/pemantauan/")
    assert r.status_code == 200
    assert r.context["unit"].code == "SMPN1" and r.context["period"].code == "2026"
    assert r.context["got"]["total"] == 4


def test_dashboard_of_the_subject_on_the_team_leaves_their_case_out(org, built):
    r = client_for(built.treasurer).get("/pemantauan/", {"unit": "SMPN1", "period": "2026"})
    assert r.context["got"]["total"] == 3


def test_dashboard_is_for_teams_of_the_unit_or_above(org, built):
    assert client_for(org.vice).get("/pemantauan/").status_code == 403
    r = client_for(org.school_team).get("/pemantauan/", {"unit": "DISDIK", "period": "2026"})
    assert r.status_code == 400  # not a unit they may pick
    assert Client().get("/pemantauan/").status_code == 302


def test_dashboard_bad_period_is_explained(org, built):
    r = client_for(org.school_team).get("/pemantauan/", {"unit": "SMPN1", "period": "2026-13"})
    assert r.status_code == 400 and "period" in r.context["form"].errors


def test_the_team_writes_its_sections_and_the_report_carries_them(org, built):
    client = client_for(org.school_team)
    query = "?unit=SMPN1&period=2026-08"
    assert client.get("/pemantauan/catatan/" + query).status_code == 200
    r = client.post(
        "/pemantauan/catatan/" + query,
        {"obstacles": "=1+1 Jaringan lambat", "evaluation": "Baik", "plans": "Sosialisasi"},
    )
    assert r.status_code == 302
    note = EvaluationNote.objects.get(unit=org.school, period="2026-08")
    assert note.obstacles == "=1+1 Jaringan lambat" and note.updated_by == org.school_team
    r = client.get("/pemantauan/laporan/" + query + "&format=xlsx")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    cell = load_workbook(io.BytesIO(r.content))["Kendala dan solusi"]["A3"]
    assert cell.value == "=1+1 Jaringan lambat" and cell.data_type == "s"
    assert client_for(org.vice).post("/pemantauan/catatan/" + query, {"obstacles": "x"}).status_code == 403


def test_binder_keeps_documents_and_zips_the_year(org, built):
    client = client_for(org.school_team)
    here = "/pemantauan/berkas-zi/?unit=SMPN1&year=2026"
    r = client.post(
        here,
        {"kind": "socialisation", "title": "Sosialisasi SOP", "date": "2026-08-10", "file": pdf_upload()},
    )
    assert r.status_code == 400 and "attendance" in r.context["form"].errors
    r = client.post(
        here,
        {
            "kind": "decree",
            "title": "SK Tim",
            "number": "800/12/2026",
            "date": "2026-01-05",
            "file": pdf_upload("sk.pdf"),
        },
    )
    assert r.status_code == 302, r.context and r.context["form"].errors
    r = client.post(
        here,
        {
            "kind": "socialisation",
            "title": "Sosialisasi SOP",
            "date": "2026-08-10",
            "attendance": "31",
            "file": pdf_upload("hadir.pdf"),
        },
    )
    assert r.status_code == 302
    assert EvidenceFile.objects.count() == 2
    assert all(b"%PDF" not in bytes(row.content) for row in EvidenceFile.objects.all())  # encrypted at rest
    r = client.get("/pemantauan/berkas-zi/unduh/?unit=SMPN1&year=2026")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = archive.namelist()
    assert len([n for n in names if n.startswith("01-laporan-bulanan/")]) == 12
    assert "02-laporan-tahunan/evaluasi-2026.pdf" in names and "00-indeks.pdf" in names
    decree = next(n for n in names if n.startswith("04-sk-tim/"))
    assert archive.read(decree) == PDF_BYTES
    index = load_workbook(io.BytesIO(archive.read("00-indeks.xlsx"))).active
    rows = {row[0]: row for row in index.iter_rows(min_row=2, values_only=True)}
    assert rows[decree][2] == "3" and "800/12/2026" in rows[decree][1]
    social = next(n for n in names if n.startswith("05-sosialisasi/"))
    assert rows[social][2] == "2" and "31 peserta" in rows[social][1]
    compliance = load_workbook(
        io.BytesIO(archive.read("03-kepatuhan-deklarasi/kepatuhan-deklarasi-2026.xlsx"))
    ).active
    assert any(
        row[2] == org.vice.display_name and row[3] == "Belum"
        for row in compliance.iter_rows(values_only=True)
    )
    # Another team's member neither sees the page nor downloads a document.
    outsider_team = make_unit("SMPN9", parent=org.district)
    add_team(outsider_team, org.outsider)
    other = client_for(org.outsider)
    assert other.get(here).status_code == 403
    assert other.get(f"/pemantauan/berkas-zi/dokumen/{EvidenceFile.objects.first().pk}/").status_code == 404


def test_binder_refuses_an_executable(org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client_for(org.school_team).post(
        "/pemantauan/berkas-zi/?unit=SMPN1&year=2026",
        {
            "kind": "decree",
            "title": "SK",
            "number": "1",
            "date": "2026-01-05",
            "file": SimpleUploadedFile("sk.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        },
    )
    assert r.status_code == 400 and "file" in r.context["form"].errors
    assert not EvidenceFile.objects.exists()


def test_transparency_page_suppresses_small_counts(org, built):
    with time_machine.travel(NOW, tick=False):
        r = Client().get("/transparansi/", {"year": "2026"})
    assert r.status_code == 200
    page = r.content.decode()
    # Four reports, one closed, one handled within every deadline: each shown as "< 5".
    assert r.context["total"] == "< 5" and r.context["closed"] == "< 5" and r.context["on_time"] == "< 5"
    assert "&lt; 5" in page
    categories = {str(label): n for label, n in r.context["categories"]}
    assert categories[str(Category.SIDE_JOB.label)] == "< 5" and categories[str(Category.OTHER.label)] == "0"
    assert "SMPN1" not in page and "Smpn1" not in page and "BK-2026" not in page


def test_transparency_shows_counts_of_five_and_more_and_zero(org):
    from tests.factories import submit

    for day in range(3, 9):
        submit(org.school, org.p_teacher, now=wib(8, day), categories=["procurement"])
    with time_machine.travel(NOW, tick=False):
        r = Client().get("/transparansi/")
    assert r.context["total"] == "6" and r.context["closed"] == "0"
    categories = {str(label): n for label, n in r.context["categories"]}
    assert list(categories.values()).count("6") == 1 and "< 5" not in categories.values()


def test_a_report_link_with_a_bad_period_or_format_names_the_field(org, built):
    client = client_for(org.school_team)
    r = client.get("/pemantauan/laporan/", {"unit": "SMPN1", "period": "2026-13", "format": "pdf"})
    assert r.status_code == 400 and "period" in r.context["form"].errors
    r = client.get("/pemantauan/laporan/", {"unit": "SMPN1", "period": "2026-08", "format": "docx"})
    assert r.status_code == 400 and "PDF" in " ".join(r.context["form"].non_field_errors())
    r = client.get("/pemantauan/catatan/", {"unit": "SMPN1", "period": "semester"})
    assert r.status_code == 400 and "period" in r.context["form"].errors
    # Someone who is on no team is still told the page is for teams.
    assert client_for(org.vice).get("/pemantauan/laporan/", {"period": "x"}).status_code == 403
