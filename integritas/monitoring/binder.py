"""The ZI-WBK evidence binder of a unit and a year: one ZIP with the twelve monthly evaluation
reports, the year report (PDF and XLSX), the declarations compliance list, the documents the team
keeps on file (the decree forming the team, socialisation records) and an index (PDF and XLSX)
mapping each file to the assessment item it supports.

The items are those of the ZI-WBK self-assessment sheet (LKE, PermenPANRB 90/2021), area
*Penguatan Pengawasan*, sub-area *Penanganan Benturan Kepentingan*.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from integritas.audit.chain import record
from integritas.cases import access
from integritas.cases.evidence import Upload, check_files
from integritas.errors import Forbidden, Invalid, Problem
from integritas.monitoring import report
from integritas.monitoring.models import EvidenceFile, EvidenceKind
from integritas.monitoring.periods import MONTHS_ID, parse_period
from integritas.orgs.models import Holding, Person, Unit
from integritas.validation import clean_text
from integritas.vault import crypto

ITEMS = {
    "1": "Telah terdapat identifikasi/pemetaan benturan kepentingan dalam tugas fungsi utama",
    "2": "Penanganan benturan kepentingan telah disosialisasikan/diinternalisasikan ke seluruh layanan",
    "3": "Penanganan benturan kepentingan telah diimplementasikan",
    "4": "Telah dilakukan evaluasi atas penanganan benturan kepentingan",
    "5": "Hasil evaluasi atas penanganan benturan kepentingan telah ditindaklanjuti",
}
MAX_UPLOAD_MB = 20
PURPOSE = "monitoring:evidencefile:content"


def content_of(row: EvidenceFile) -> bytes:
    """The file as uploaded (decrypted with the row's data key)."""
    return crypto.unseal(crypto.row_key(row), bytes(row.content), PURPOSE)


@dataclass
class Entry:
    path: str
    description: str
    items: tuple[str, ...]


def evidence_add(
    *,
    unit: Unit,
    actor: Person,
    kind: str,
    title: str,
    date: dt.date,
    upload: Upload,
    number: str = "",
    attendance: int | None = None,
    now: dt.datetime | None = None,
) -> EvidenceFile:
    """Keep a document on file for the binder (the team of the unit or above; typed by its content)."""
    now = now or timezone.now()
    if not access.oversees_unit(actor, unit):
        raise Forbidden(reason="monitoring_team_only")
    if kind not in EvidenceKind.values:
        raise Invalid({"kind": Problem("choice", choices=", ".join(EvidenceKind.values))})
    title_text = clean_text(title, "title", limit=300)
    number_text = clean_text(number, "number", limit=100, required=kind == EvidenceKind.DECREE)
    if kind == EvidenceKind.SOCIALISATION and (attendance is None or attendance < 1):
        raise Invalid({"attendance": Problem("attendance_required")})
    (checked,) = check_files([upload], max_upload_mb=MAX_UPLOAD_MB, field="file")
    source = checked.cleaned or checked.upload
    source.seek(0)
    key, wrapped = crypto.new_data_key()
    content = crypto.seal(key, source.read(), PURPOSE)
    with transaction.atomic():
        row = EvidenceFile.objects.create(
            unit=unit,
            kind=kind,
            title=title_text,
            number=number_text,
            date=date,
            attendance=attendance if kind == EvidenceKind.SOCIALISATION else None,
            name=checked.name,
            content_type=checked.content_type,
            wrapped_key=wrapped,
            content=content,
            uploaded_by=actor,
            uploaded_at=now,
        )
        record(
            "monitoring.evidence_added",
            actor=actor.username,
            unit_code=unit.code,
            data={"file": row.pk, "kind": kind},
            at=now,
        )
    return row


def files_of(unit: Unit, year: int | None = None) -> list[EvidenceFile]:
    """The documents on file for the unit and the units above it (a district's decree covers its
    schools), without their content; of a year when given (a decree stays in force: all of them)."""
    rows = (
        EvidenceFile.objects.filter(unit_id__in=unit.ancestor_ids()).defer("content").select_related("unit")
    )
    found = list(rows.order_by("kind", "date", "pk"))
    if year is None:
        return found
    return [f for f in found if f.kind == EvidenceKind.DECREE or f.date.year == year]


def compliance_rows(unit: Unit, year: int, today: dt.date) -> list[list[Any]]:
    """Everyone holding a position in the subtree today and whether they filed the annual declaration
    of ``year`` (one query)."""
    from integritas.prevention.models import Declaration, DeclarationKind

    filed = Declaration.objects.filter(person=OuterRef("person_id"), kind=DeclarationKind.ANNUAL, year=year)
    holdings = (
        Holding.objects.active_on(today)
        .filter(position__unit__path__startswith=unit.path, person__is_active=True)
        .annotate(filed=Exists(filed))
        .select_related("person", "position__unit")
        .order_by("position__unit__name", "position__title", "person__name")
    )
    return [
        [
            h.position.unit.name,
            h.position.title,
            h.person.display_name,
            "Sudah" if h.filed else "Belum",  # type: ignore[attr-defined]
        ]
        for h in holdings
    ]


def _workbook(sheet: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from integritas.prevention.exports import put_cell

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    for column, header in enumerate(headers, start=1):
        put_cell(ws, 1, column, header)
        ws.cell(row=1, column=column).font = Font(bold=True)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            put_cell(ws, number, column, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _slug(text: str) -> str:
    kept = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(part for part in kept.split("-") if part)[:60] or "berkas"


def binder_zip(
    unit: Unit,
    year: int,
    viewer: Person | None,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> bytes:
    now = now or timezone.now()
    step = progress or (lambda _name: None)
    entries: list[Entry] = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(path: str, body: bytes, description: str, items: tuple[str, ...]) -> None:
            archive.writestr(path, body)
            entries.append(Entry(path, description, items))

        for month in range(1, 13):
            step(f"{month:02d}")
            period = parse_period(f"{year}-{month:02d}")
            built = report.build(unit, period, viewer, now=now)
            put(
                f"01-laporan-bulanan/{month:02d}-{MONTHS_ID[month - 1].lower()}-{year}.pdf",
                report.to_pdf(built),
                f"Laporan pemantauan dan evaluasi bulan {MONTHS_ID[month - 1]} {year}",
                ("3", "4"),
            )
        step("tahunan")
        built = report.build(unit, parse_period(str(year)), viewer, now=now)
        described = (
            f"Laporan pemantauan dan evaluasi tahun {year} (termasuk peta risiko, evaluasi dan rencana)"
        )
        put(f"02-laporan-tahunan/evaluasi-{year}.pdf", report.to_pdf(built), described, ("1", "3", "4", "5"))
        put(
            f"02-laporan-tahunan/evaluasi-{year}.xlsx", report.to_xlsx(built), described, ("1", "3", "4", "5")
        )
        today = min(now.astimezone(unit.tz).date(), dt.date(year, 12, 31))
        put(
            f"03-kepatuhan-deklarasi/kepatuhan-deklarasi-{year}.xlsx",
            _workbook(
                "Kepatuhan deklarasi",
                ["Unit", "Jabatan", "Nama", f"Deklarasi tahunan {year}"],
                compliance_rows(unit, year, today),
            ),
            f"Daftar kepatuhan deklarasi kepentingan tahunan {year}",
            ("3",),
        )
        for row in EvidenceFile.objects.filter(pk__in=[f.pk for f in files_of(unit, year)]).order_by(
            "kind", "date"
        ):
            if row.kind == EvidenceKind.DECREE:
                folder, items = "04-sk-tim", ("3",)
                description = f"SK Tim Penanganan Benturan Kepentingan nomor {row.number}, {row.date:%d-%m-%Y}: {row.title}"
            else:
                folder, items = "05-sosialisasi", ("2",)
                description = f"Sosialisasi {row.date:%d-%m-%Y} ({row.attendance} peserta): {row.title}"
            put(
                f"{folder}/{row.date:%Y%m%d}-{row.pk}-{_slug(row.name)}",
                content_of(row),
                description,
                items,
            )
        step("indeks")
        index_rows = [
            [entry.path, entry.description, ", ".join(entry.items), "; ".join(ITEMS[i] for i in entry.items)]
            for entry in entries
        ]
        headers = ["Berkas", "Keterangan", "Butir", "Butir penilaian yang didukung"]
        archive.writestr("00-indeks.xlsx", _workbook("Indeks", headers, index_rows))
        html = render_to_string(
            "monitoring/pdf/binder_index.html",
            {"unit": unit, "year": year, "entries": entries, "items": ITEMS, "printed": built.printed},
        )
        from integritas.prevention.documents import to_pdf

        archive.writestr("00-indeks.pdf", to_pdf(html))
    if viewer is not None:
        record(
            "monitoring.binder_downloaded",
            actor=viewer.username,
            unit_code=unit.code,
            data={"year": year},
            at=now,
        )
    return out.getvalue()
