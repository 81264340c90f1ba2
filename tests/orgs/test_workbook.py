"""The org import as an XLSX workbook: the template, the export, reading Indonesian or English headers,
problems named by sheet, row and column in Indonesian, and text that never becomes a formula."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from integritas.orgs.export import export_data
from integritas.orgs.importer import ImportProblem, import_org, read_file
from integritas.orgs.models import Holding, Holiday, Person, Position, TeamMembership, Unit
from integritas.orgs.workbook import SHEETS, write_workbook

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 7, 1)


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SCHOOL = {
    "Unit": [
        ["Kode", "Nama", "Induk", "Zona waktu", "Minggu kerja", "Batas pemeriksaan (hari)", "Boleh anonim"],
        ["DISDIK", "Dinas Pendidikan", None, "WIB", "senin-jumat", None, None],
        ["SMPN1", "SMP Negeri 1", "DISDIK", None, "senin-sabtu", 4, "ya"],
    ],
    "Jabatan": [
        ["Kode", "Unit", "Nama jabatan", "Atasan"],
        ["KABID", "DISDIK", "Kepala Bidang SMP", None],
        ["KS", "SMPN1", "Kepala Sekolah", "KABID"],
        ["GURU", "SMPN1", "Guru Matematika", "KS"],
    ],
    "Pegawai": [
        ["Nama pengguna", "Nama", "E-mail", "Jabatan", "Mulai", "Selesai", "Plt"],
        ["budi", "Budi Santoso", "budi@example.org", "KS", dt.datetime(2026, 1, 5), None, None],
        ["budi", None, None, "KABID", "05/01/2026", None, "ya"],
        ["sri", "Sri Rahayu", "sri@example.org", "GURU", None, None, None],
        ["rina", "Rina (admin)", None, None, None, None, None],
    ],
    "Tim": [["Unit", "Anggota"], ["SMPN1", "sri"], ["DISDIK", "budi"]],
    "Hari libur": [["Tanggal", "Nama", "Unit"], [dt.date(2026, 7, 20), "Hari Jadi Sekolah", "SMPN1"]],
}


def test_a_workbook_with_indonesian_headers_is_imported():
    data, places = read_file(workbook(SCHOOL), "organisasi.xlsx")
    summary = import_org(data, places=places, today=TODAY)
    assert summary.created == {
        "units": 2,
        "positions": 3,
        "people": 3,
        "holdings": 3,
        "teams": 2,
        "holidays": 1,
    }
    school = Unit.objects.get(code="SMPN1")
    assert school.effective_work_week == "mon-sat" and school.policy == {
        "examination_days": 4,
        "allow_anonymous": True,
    }
    assert Unit.objects.get(code="DISDIK").timezone == "Asia/Jakarta"
    held = {(h.position.code, h.start, h.acting) for h in Holding.objects.filter(person__username="budi")}
    assert held == {("KS", dt.date(2026, 1, 5), False), ("KABID", dt.date(2026, 1, 5), True)}
    assert Holding.objects.get(person__username="sri").start == TODAY
    assert Holiday.objects.get().unit == school
    assert not import_org(read_file(workbook(SCHOOL))[0], today=TODAY).changed


def test_english_headers_and_sheet_names_are_accepted_too():
    english = {
        "units": [["code", "name", "parent", "timezone", "work_week", "examination_days"],
                  ["U1", "Sekolah", None, "Asia/Makassar", "mon-fri", 3]],
        "positions": [["code", "unit", "title", "reports_to"], ["P1", "U1", "Kepala", None]],
        "people": [["username", "name", "email", "positions", "acting"], ["ani", "Ani", "ani@example.org", "P1", "no"]],
        "teams": [["unit", "members"], ["U1", "ani"]],
        "Petunjuk": [["ignored: the instructions sheet"]],
    }  # fmt: skip
    data, places = read_file(workbook(english), "org.xlsx")
    import_org(data, places=places, today=TODAY)
    assert Unit.objects.get(code="U1").effective_timezone == "Asia/Makassar"
    assert TeamMembership.objects.filter(person__username="ani", unit__code="U1").exists()


def problems_in_indonesian(sheets: dict) -> list[str]:
    with translation.override("id"), pytest.raises(ImportProblem) as problem:
        data, places = read_file(workbook(sheets), "salah.xlsx")
        import_org(data, places=places, today=TODAY)
    with translation.override("id"):
        return problem.value.problems


def test_problems_name_the_sheet_row_and_column_in_indonesian():
    sheets = copy.deepcopy(SCHOOL)
    sheets["Pegawai"][3][2] = "sri@"  # row 4 of the sheet, column C
    sheets["Jabatan"][3][3] = "WAKA"  # row 4, column D: not a position
    sheets["Unit"][2][5] = 0  # row 3, column F: out of range
    sheets["Tim"].append(["SMPN1", "joko"])  # row 4: nobody
    assert problems_in_indonesian(sheets) == [
        "lembar Unit, baris 3, kolom F (Batas pemeriksaan (hari)): Isi bilangan bulat dari 1 sampai 60.",
        "lembar Jabatan, baris 4, kolom D (Atasan): Tidak ada jabatan dengan kode WAKA "
        "(di berkas maupun di organisasi).",
        "lembar Pegawai, baris 4, kolom C (E-mail): Masukkan alamat e-mail yang benar, misalnya nama@contoh.id.",
        "lembar Tim, baris 4, kolom B (Anggota): Pegawai tidak ditemukan: joko.",
    ]
    assert not Unit.objects.exists()


def test_structural_problems_of_a_workbook():
    sheets = {"Unit": [["Kode", "Nama", "Induk", "Warna"]], "Pegawaii": [["Nama pengguna"]]}
    problems = problems_in_indonesian(sheets)
    assert problems[0].startswith("lembar Unit, baris 1: Kolom D (Warna) tidak dikenal")
    assert problems[1].startswith("Lembar Pegawaii tidak dikenal (lembar yang ada: Unit, Jabatan, Pegawai")
    conflict = {"Pegawai": [["Nama pengguna", "Nama"], ["budi", "Budi"], ["budi", "Budi Lain"]]}
    assert problems_in_indonesian(conflict) == [
        "lembar Pegawai, baris 3, kolom B (Nama): Isinya berbeda dengan baris 2 untuk orang yang sama."
    ]
    with translation.override("id"), pytest.raises(ImportProblem) as problem:
        read_file(b"PK\x03\x04 not really a workbook", "rusak.xlsx")
    with translation.override("id"):
        assert problem.value.problems == [
            "Buku kerja tidak dapat dibaca: simpan sebagai buku kerja Excel (.xlsx)."
        ]


def test_the_template_has_an_instructions_sheet_and_every_kind():
    book = load_workbook(io.BytesIO(write_workbook(None)))
    assert book.sheetnames == ["Petunjuk", "Unit", "Jabatan", "Pegawai", "Tim", "Hari libur"]
    assert "Petunjuk pengisian" in book["Petunjuk"]["A1"].value
    for sheet in SHEETS:
        header = [c.value for c in book[sheet.title][1]]
        assert header == [c.header for c in sheet.columns] and book[sheet.title].max_row == 1
    data, places = read_file(write_workbook(None), "templat.xlsx")
    assert not import_org(data, places=places).changed  # the empty template imports as nothing


def test_the_export_imports_back_unchanged_as_xlsx_and_as_json(org):
    Holding.objects.create(person=org.vice, position=org.p_principal, start=dt.date(2026, 8, 1), acting=True)
    Holiday.objects.create(date=dt.date(2026, 7, 18), name="Hari Jadi", unit=org.district)
    org.school.policy = {"examination_days": 4, "identity_disclosure": "on_request"}
    org.school.save()
    exported = export_data()
    data, places = read_file(write_workbook(exported), "ekspor.xlsx")
    assert data["units"] == exported["units"] and data["positions"] == exported["positions"]
    for fresh in (data, json.loads(json.dumps(exported))):
        summary = import_org(fresh, places=places if fresh is data else None)
        assert not summary.changed, [c for c in summary.changes]
    assert {p["username"]: p.get("admin", False) for p in exported["people"]}["admin"] is True
    assert all("password" not in p for p in exported["people"])


def test_exported_text_never_becomes_a_formula(org):
    Unit.objects.filter(pk=org.school.pk).update(name='=HYPERLINK("http://evil.example","klik")')
    Person.objects.filter(pk=org.teacher.pk).update(name="+62 812 3456", email="")
    Position.objects.filter(pk=org.p_vice.pk).update(title="@SUM(A1:A9)")
    Position.objects.filter(pk=org.p_kadis.pk).update(title="-1+1")
    raw = write_workbook(export_data())
    xml = b"".join(
        zipfile.ZipFile(io.BytesIO(raw)).read(n) for n in zipfile.ZipFile(io.BytesIO(raw)).namelist()
    )
    assert b"<f>" not in xml  # no formula anywhere
    book = load_workbook(io.BytesIO(raw))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    risky = [c for c in cells if str(c.value).startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= {
        '=HYPERLINK("http://evil.example","klik")',
        "+62 812 3456",
        "@SUM(A1:A9)",
        "-1+1",
    }
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    # And the export still imports back as it was.
    data, places = read_file(raw, "ekspor.xlsx")
    assert not import_org(data, places=places).changed
