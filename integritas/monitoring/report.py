"""The periodic evaluation report of a unit's subtree for a month, a semester or a year (SOP part D),
in Indonesian, as PDF (WeasyPrint) and XLSX (openpyxl), fit to hand to ZI-WBK assessors.

Both files are drawn from one :class:`Report` (a list of sections, each with its tables and texts),
so they say the same; the PDF's charts are the SVGs of the dashboard. Figures come from
``monitoring.figures`` over the cases the viewer may see (``viewer=None``: the command line, all).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from integritas import timefmt
from integritas.cases.models import Category, Outcome, Status
from integritas.monitoring import charts, figures
from integritas.monitoring.models import EvaluationNote
from integritas.monitoring.periods import Period, month_label_id
from integritas.orgs.models import Person, Unit

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"pdf": PDF, "xlsx": XLSX}
TITLE = "Laporan Pemantauan dan Evaluasi Penanganan Benturan Kepentingan"
STAGES_ID = {"examination": "Pemeriksaan (atasan langsung)", "review": "Peninjauan (atasan dari atasan)"}
NOT_WRITTEN = "Belum diisi oleh Tim Penanganan Benturan Kepentingan."

Progress = Callable[[str], None]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Section:
    title: str
    sheet: str  # the XLSX sheet's name (at most 31 characters)
    texts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[SafeString] = field(default_factory=list)


@dataclass
class Report:
    unit: Unit
    period: Period
    printed: str
    sections: list[Section]

    @property
    def filename_stem(self) -> str:
        return f"evaluasi-{self.unit.code}-{self.period.code}"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}".replace(".", ",")


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _printed(now: dt.datetime, unit: Unit) -> str:
    with translation.override("id"):
        return timefmt.spoken(now, unit.tz)


def build(
    unit: Unit,
    period: Period,
    viewer: Person | None,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Report:
    now = now or timezone.now()
    step = progress or (lambda _name: None)
    with translation.override("id"):
        step("angka")
        s = figures.scope(unit, viewer, date_from=period.start, date_to=period.end)
        got = figures.stats(unit, viewer, date_from=period.start, date_to=period.end, now=now, within=s)
        per_category = figures.by_category_month(s)
        children = figures.by_child(s) if unit.children.exists() else []
        step("peta risiko")
        from integritas.prevention.selectors import risk_map

        risks = risk_map(unit, today=period.end)
        note = EvaluationNote.objects.filter(unit=unit, period=period.code).first()
        step("bagian")
        sections = _sections(unit, period, got, per_category, children, risks, note)
        return Report(unit=unit, period=period, printed=_printed(now, unit), sections=sections)


def _sections(
    unit: Unit,
    period: Period,
    got: dict[str, Any],
    per_category: dict[str, dict[str, int]],
    children: list[tuple[Unit, int]],
    risks: list[Any],
    note: EvaluationNote | None,
) -> list[Section]:
    from integritas.prevention.selectors import decision_kind_label

    months = period.months()
    closed = got["by_status"][Status.CLOSED]
    summary = Section(
        "A. Ringkasan",
        "Ringkasan",
        texts=[
            f"Unit: {unit.name} ({unit.code}) beserta unit di bawahnya. Periode: {period.label_id()} "
            f"({period.start:%d-%m-%Y} s.d. {period.end:%d-%m-%Y}, waktu setempat)."
        ],
        tables=[
            Table(
                ["Uraian", "Jumlah"],
                [
                    ["Laporan diterima", got["total"]],
                    ["Laporan selesai (ditutup)", closed],
                    ["Laporan masih diproses", got["total"] - closed],
                    ["Melewati tenggat saat ini", got["overdue_now"]],
                    ["Penarikan diri (penanganan)", got["recusals"]],
                ],
            )
        ],
    )

    category_rows = []
    for code, label in Category.choices:
        counts = per_category.get(code, {})
        category_rows.append([str(label), *[counts.get(m, 0) for m in months], sum(counts.values())])
    totals = ["Jumlah laporan", *[got["by_month"].get(m, 0) for m in months], got["total"]]
    recap = Section(
        "B. Rekapitulasi laporan menurut jenis benturan kepentingan per bulan",
        "Rekap per bulan",
        texts=[
            "Satu laporan dapat menyebut lebih dari satu jenis benturan kepentingan; baris terakhir "
            "menghitung laporan."
        ],
        tables=[Table(["Jenis", *[month_label_id(m) for m in months], "Jumlah"], [*category_rows, totals])],
        charts=[
            charts.bars(
                [(month_label_id(m), got["by_month"].get(m, 0)) for m in months], "Laporan diterima per bulan"
            ),
            charts.horizontal(
                [(str(label), got["by_category"].get(code, 0)) for code, label in Category.choices],
                "Laporan menurut jenis benturan kepentingan",
            ),
        ],
    )

    follow = got["follow_ups"]
    outcome_rows = [[str(label), got["by_outcome"].get(code, 0)] for code, label in Outcome.choices]
    follow_up = Section(
        "C. Tindak lanjut dan hasil penanganan",
        "Tindak lanjut",
        tables=[
            Table(
                ["Tahap", "Jumlah"], [[str(label), got["by_status"][code]] for code, label in Status.choices]
            ),
            Table(["Hasil penanganan (laporan selesai)", "Jumlah"], outcome_rows),
            Table(
                ["Tindakan tindak lanjut", "Jumlah"],
                [
                    ["Ditetapkan", follow["total"]],
                    ["Selesai", follow["done"]],
                    ["Dibatalkan dengan alasan", follow["cancelled"]],
                    ["Masih berjalan", follow["open"]],
                    ["Melewati tanggal target", follow["overdue"]],
                ],
            ),
        ],
        texts=[
            f"Penyelesaian tindakan tindak lanjut: {_percent(follow['done'] + follow['cancelled'], follow['total'])}."
        ],
    )

    deadline_rows = []
    share_items = []
    for stage, stage_label in STAGES_ID.items():
        kept = got["within_deadline"][stage]
        deadline_rows.append(
            [
                stage_label,
                kept["done"],
                kept["on_time"],
                _percent(kept["on_time"], kept["done"]),
                _days(got["median_working_days"][stage]),
            ]
        )
        share_items.append((stage_label.split(" ")[0], kept["done"], kept["on_time"]))
    deadlines = Section(
        "D. Ketepatan waktu penanganan",
        "Ketepatan waktu",
        texts=[
            "Langkah tepat waktu: diselesaikan paling lambat pada tenggat yang berlaku saat langkah itu "
            "diambil. Median dihitung dalam hari kerja unit."
        ],
        tables=[
            Table(["Tahap", "Diselesaikan", "Tepat waktu", "Persentase", "Median hari kerja"], deadline_rows)
        ],
        charts=[charts.shares(share_items, "Persentase langkah yang tepat waktu per tahap")],
    )

    sections = [summary, recap, follow_up, deadlines]
    if children:
        sections.append(
            Section(
                "E. Laporan per unit",
                "Per unit",
                tables=[Table(["Unit", "Kode", "Laporan"], [[u.name, u.code, n] for u, n in children])],
            )
        )

    declarations = got["declarations"]
    gratifications = got["gratifications"]
    conflicts = got["self_declarations"]
    prevention_texts = []
    if not gratifications["total"]:
        prevention_texts.append("Tidak ada laporan gratifikasi pada periode ini.")
    if not conflicts["total"]:
        prevention_texts.append(
            "Tidak ada pernyataan benturan kepentingan (deklarasi mandiri) pada periode ini."
        )
    if not declarations["people"]:
        prevention_texts.append("Tidak ada pejabat yang wajib menyampaikan deklarasi kepentingan.")
    prevention = Section(
        "F. Kepatuhan deklarasi kepentingan dan rekap gratifikasi",
        "Deklarasi dan gratifikasi",
        texts=prevention_texts,
        tables=[
            Table(
                [f"Deklarasi kepentingan tahunan {declarations['year']}", "Jumlah"],
                [
                    ["Pejabat yang wajib", declarations["people"]],
                    ["Sudah menyampaikan", declarations["filed"]],
                    ["Persentase kepatuhan", _percent(declarations["filed"], declarations["people"])],
                ],
            ),
            Table(
                ["Laporan gratifikasi", "Jumlah"],
                [
                    ["Diterima", gratifications["total"]],
                    ["Selesai ditindaklanjuti", gratifications["settled"]],
                    ["Melewati tenggat", gratifications["overdue"]],
                ],
            ),
            Table(
                ["Deklarasi mandiri benturan kepentingan", "Jumlah"],
                [["Diterima", conflicts["total"]], ["Sudah diputuskan tindakannya", conflicts["decided"]]],
            ),
        ],
    )
    risk = Section(
        "G. Peta risiko benturan kepentingan",
        "Peta risiko",
        texts=[] if risks else ["Peta risiko belum disusun."],
        tables=[
            Table(
                ["Unit", "Jabatan", "Jenis keputusan", "Kemungkinan", "Dampak", "Skor", "Mitigasi"],
                [
                    [
                        r.unit_name,
                        r.position_title,
                        decision_kind_label(r.decision_kind),
                        r.likelihood,
                        r.impact,
                        r.score,
                        r.mitigation,
                    ]
                    for r in risks
                ],
            )
        ]
        if risks
        else [],
    )
    written = [
        ("H. Kendala dan solusi", "Kendala dan solusi", note.obstacles if note else ""),
        ("I. Evaluasi", "Evaluasi", note.evaluation if note else ""),
        ("J. Rencana tindak lanjut", "Rencana", note.plans if note else ""),
    ]
    team = [Section(title, sheet, texts=[text.strip() or NOT_WRITTEN]) for title, sheet, text in written]
    return [*sections, prevention, risk, *team]


# ---------------------------------------------------------------- the files


def to_pdf(report: Report) -> bytes:
    from integritas.prevention.documents import to_pdf as html_to_pdf

    html = render_to_string(
        "monitoring/pdf/evaluation.html", {"report": report, "title": TITLE, "unit": report.unit}
    )
    return html_to_pdf(html)


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from integritas.prevention.exports import put_cell

    wb = Workbook()
    cover = wb.active
    cover.title = "Sampul"
    for row, value in enumerate(
        [
            TITLE,
            f"{report.unit.name} ({report.unit.code})",
            f"Periode: {report.period.label_id()}",
            f"Dicetak dari Integritas pada {report.printed}",
        ],
        start=1,
    ):
        put_cell(cover, row, 1, value)
    cover["A1"].font = Font(bold=True, size=14)
    cover.column_dimensions["A"].width = 90
    for section in report.sections:
        ws = wb.create_sheet(section.sheet[:31])
        put_cell(ws, 1, 1, section.title)
        ws["A1"].font = Font(bold=True, size=12)
        row = 3
        for text in section.texts:
            put_cell(ws, row, 1, text)
            ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        for table in section.tables:
            row += 1
            for column, header in enumerate(table.headers, start=1):
                put_cell(ws, row, column, header)
                ws.cell(row=row, column=column).font = Font(bold=True)
            for values in table.rows:
                row += 1
                for column, value in enumerate(values, start=1):
                    put_cell(ws, row, column, value)
            row += 1
        ws.column_dimensions["A"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render(report: Report, fmt: str) -> bytes:
    return to_pdf(report) if fmt == "pdf" else to_xlsx(report)


def filename(report: Report, fmt: str) -> str:
    return f"{report.filename_stem}.{fmt}"


def district_year_pdf(unit_code: str, year: int, *, now: dt.datetime | None = None) -> bytes:
    """The year PDF of a unit's whole subtree, as the command line writes it (for the benchmark)."""
    from integritas.monitoring.periods import parse_period

    unit = Unit.objects.get(code=unit_code)
    return to_pdf(build(unit, parse_period(str(year)), None, now=now))
