"""The evaluation report: the PDF's text (pypdf), the XLSX's cells (openpyxl), the team's sections,
text that looks like a formula, and the same file from the API and the command line."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from integritas.monitoring import report, services
from integritas.monitoring.periods import parse_period
from tests.monitoring.cases import build, wib

NOW = wib(9, 2)


@pytest.fixture
def built(org):
    return build(org)


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def sheet_rows(body: bytes, sheet: str) -> list[tuple]:
    wb = load_workbook(io.BytesIO(body))
    return [
        tuple(c for c in row if c is not None) for row in wb[sheet].iter_rows(values_only=True) if any(row)
    ]


def test_periods_are_parsed_and_refused_with_the_field_named():
    assert (parse_period("2026-08").start.day, parse_period("2026-08").end.day) == (1, 31)
    assert parse_period("2026-S2").months()[0] == "2026-07" and len(parse_period("2026").months()) == 12
    assert parse_period("2026-02").end.day == 28 and parse_period("2026-12").end.month == 12
    for bad in ("2026-13", "2026-S3", "26", "2026-8", "", None, "２０２６"):
        with pytest.raises(Exception) as caught:
            parse_period(bad)
        assert caught.value.fields["period"].code == "period_format"  # type: ignore[attr-defined]


def test_pdf_of_a_month_says_what_happened(org, built):
    body = report.to_pdf(report.build(org.school, parse_period("2026-08"), org.school_team, now=NOW))
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert "LAPORAN PEMANTAUAN DAN EVALUASI" in text  # the style sets titles in capitals
    assert "Agustus 2026" in text and "Smpn1" in text
    assert "Rekapitulasi laporan menurut jenis" in text
    assert "Tidak ada laporan gratifikasi pada periode ini." in text
    assert "Peta risiko belum disusun." in text
    assert "Belum diisi oleh Tim Penanganan Benturan Kepentingan." in text
    # No reporter's words and no reference leave the case.
    assert "BK-2026" not in text and "Siti" not in text and "adik" not in text


def test_xlsx_cells_for_a_known_period(org, built):
    body = report.to_xlsx(report.build(org.school, parse_period("2026-S2"), org.district_team, now=NOW))
    recap = sheet_rows(body, "Rekap per bulan")
    assert recap[0][0].startswith("B. Rekapitulasi")
    head = next(row for row in recap if row[0] == "Jenis")
    assert head[1:] == ("Jul 2026", "Agu 2026", "Sep 2026", "Okt 2026", "Nov 2026", "Des 2026", "Jumlah")
    procurement = next(row for row in recap if row[0] == "Kepentingan dalam pengadaan barang")
    assert procurement[1:] == (1, 1, 0, 0, 0, 0, 2)
    assert next(row for row in recap if row[0] == "Jumlah laporan")[1:] == (1, 3, 0, 0, 0, 0, 4)
    deadlines = sheet_rows(body, "Ketepatan waktu")
    examination = next(row for row in deadlines if str(row[0]).startswith("Pemeriksaan"))
    assert examination[1:] == (2, 1, "50%", "3,0")
    summary = dict(row for row in sheet_rows(body, "Ringkasan") if len(row) == 2)
    assert summary["Laporan diterima"] == 4 and summary["Penarikan diri (penanganan)"] == 1


def test_the_subject_on_the_team_reads_a_report_without_their_case(org, built):
    body = report.to_xlsx(report.build(org.school, parse_period("2026-08"), built.treasurer, now=NOW))
    summary = dict(row for row in sheet_rows(body, "Ringkasan") if len(row) == 2)
    assert summary["Laporan diterima"] == 2  # B and C; D is about them and A is from July


def test_the_team_sections_and_formula_looking_text_stay_text(org, built):
    period = parse_period("2026-08")
    services.note_save(
        unit=org.school,
        period=period,
        actor=org.school_team,
        obstacles='=HYPERLINK("http://x")',
        evaluation="+Penanganan tepat waktu membaik",
        plans="@Sosialisasi ulang\n-Rapat guru",
        now=NOW,
    )
    built_report = report.build(org.school, period, org.school_team, now=NOW)
    wb = load_workbook(io.BytesIO(report.to_xlsx(built_report)))
    cell = wb["Kendala dan solusi"]["A3"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    assert wb["Evaluasi"]["A3"].data_type == "s" and wb["Rencana"]["A3"].value.startswith("@Sosialisasi")
    text = pdf_text(report.to_pdf(built_report))
    assert "=HYPERLINK" in text and "Sosialisasi ulang" in text


def test_notes_are_kept_by_the_team_only(org, built):
    from integritas.errors import Forbidden

    with pytest.raises(Forbidden):
        services.note_save(
            unit=org.school,
            period=parse_period("2026"),
            actor=org.vice,
            obstacles="x",
            evaluation="",
            plans="",
        )
    with pytest.raises(Forbidden):
        services.note_save(
            unit=org.district,
            period=parse_period("2026"),
            actor=org.school_team,
            obstacles="x",
            evaluation="",
            plans="",
        )


def test_district_year_pdf_for_the_benchmark(org, built):
    body = report.district_year_pdf("DISDIK", 2026, now=NOW)
    text = pdf_text(body)
    assert "Tahun 2026" in text and "Laporan per unit" in text


def test_the_progress_bar_runs_on_a_terminal_only(capsys):
    from integritas.monitoring.command import STEPS, _progress

    with _progress(False) as step:
        step("angka")
    assert capsys.readouterr() == ("", "")
    with _progress(True) as step:
        for name in STEPS:
            step(name)
    assert capsys.readouterr().out == ""  # the bar goes to stderr; stdout keeps the summary line alone
