"""The export of gratification reports the team uploads to the KPK's online gratification service
(GOL, *Gratifikasi Online*, gol.kpk.go.id), one row per report.

The columns follow the fields of the KPK's reporting form as far as they are known to us (the form of
PerKPK 2/2019: the reporter and their position, the date received and reported, the kind of event, what
was given and its estimated value in rupiah, the giver and their relation to the reporter, whether it was
refused), in Indonesian, in that order. Columns the KPK asks for that Integritas does not hold (national
ID number, address, place of receipt) are left for the team to fill in; the last columns carry what the
team recorded (outcome, notes).

Text people typed never becomes a formula: a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` is
written as a string with Excel's quote prefix, and characters a spreadsheet cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from integritas.orgs.models import Person, Unit
from integritas.prevention import sealing
from integritas.prevention.common import audit
from integritas.prevention.models import Gratification, GratificationOutcome, Occasion

FORMULA_STARTS = ("=", "+", "-", "@")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

COLUMNS = (
    ("No", 6),
    ("Nomor Laporan", 18),
    ("Nama Pelapor", 28),
    ("NIK/NIP Pelapor", 20),
    ("Jabatan", 28),
    ("Unit Kerja", 28),
    ("Instansi", 28),
    ("Tanggal Penerimaan", 14),
    ("Tanggal Lapor", 14),
    ("Batas Lapor ke KPK", 14),
    ("Jenis Peristiwa Penerimaan", 24),
    ("Uraian Gratifikasi", 40),
    ("Nilai Taksiran (Rp)", 16),
    ("Bentuk", 10),
    ("Nama Pemberi", 28),
    ("Hubungan dengan Pemberi", 22),
    ("Status Penerimaan", 14),
    ("Wajib Lapor ke KPK", 12),
    ("Tempat Penerimaan", 18),
    ("Alamat Pemberi", 24),
    ("Tindak Lanjut", 24),
    ("Catatan Tim", 30),
)
OCCASIONS_ID: dict[str, str] = {
    Occasion.WEDDING: "Pernikahan/upacara adat",
    Occasion.RELIGIOUS: "Upacara/hari raya keagamaan",
    Occasion.COLLEAGUE: "Pemberian sesama rekan kerja",
    Occasion.OFFICIAL: "Terkait kedinasan/jabatan",
    Occasion.OTHER: "Lainnya",
}
OUTCOMES_ID: dict[str, str] = {
    GratificationOutcome.FORWARDED_TO_KPK: "Diteruskan ke KPK",
    GratificationOutcome.RETURNED: "Dikembalikan kepada pemberi",
    GratificationOutcome.STATE_PROPERTY: "Diserahkan menjadi milik negara",
    GratificationOutcome.KEPT_ALLOWED: "Dimiliki penerima sesuai ketentuan",
}


def safe(value: Any) -> Any:
    """A cell value that stays what it is: numbers and dates as such, text never a formula."""
    if value is None or isinstance(value, bool | int | float | dt.date):
        return value
    return _ILLEGAL.sub("", str(value))


def put_cell(ws: Any, row: int, column: int, value: Any) -> None:
    """Write a cell that stays what it is: numbers and dates as such, text never a formula (API.md §2)."""
    cell = ws.cell(row=row, column=column)
    cell.value = safe(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    if isinstance(cell.value, dt.date):
        cell.number_format = "yyyy-mm-dd"


def gol_workbook(rows: QuerySet[Gratification] | list[Gratification], *, actor: Person, unit: Unit) -> bytes:
    """The XLSX file; opening every report's content is audited once per export."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Laporan Gratifikasi"
    for column, (title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=column, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    references: list[str] = []
    for number, row in enumerate(rows, start=1):
        content = sealing.unseal(row, "content", row.sealed) or {}
        notes = sealing.unseal(row, "notes", row.sealed_notes) or ""
        giver = content.get("giver") or {}
        top = row.unit.ancestors()[-1]
        values = [
            number,
            row.reference,
            row.recipient.display_name,
            "",
            row.position.title if row.position else "",
            row.unit.name,
            top.name,
            row.received_on,
            row.created_at.astimezone(row.unit.tz).date(),
            row.due_at.astimezone(row.unit.tz).date(),
            OCCASIONS_ID.get(row.occasion, row.occasion),
            content.get("description") or "",
            int(row.value_idr),
            "Uang" if row.cash else "Barang/lainnya",
            giver.get("name") or "",
            giver.get("relation") or "",
            "Ditolak" if row.rejected else "Diterima",
            "Ya" if row.reportable else "Tidak",
            "",
            "",
            OUTCOMES_ID.get(row.outcome, "") if row.outcome else "Belum ditindaklanjuti",
            notes,
        ]
        for column, value in enumerate(values, start=1):
            put_cell(ws, number + 1, column, value)
        ws.cell(row=number + 1, column=13).number_format = "#,##0"
        references.append(row.reference)
    out = io.BytesIO()
    wb.save(out)
    audit("gratifications_exported", actor, unit=unit, count=len(references), references=references[:500])
    return out.getvalue()
