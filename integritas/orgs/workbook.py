"""The org import as an XLSX workbook (openpyxl): reading it into the JSON shape of API.md §3, and
writing the template and the export of the current organisation in the same format.

One sheet per kind: ``Unit``, ``Jabatan``, ``Pegawai``, ``Tim``, ``Hari libur`` (the English names
``units``, ``positions``, ``people``, ``teams``, ``holidays`` are accepted too), plus an instructions
sheet (``Petunjuk``) that is ignored when reading. The first row of a sheet holds the column headers,
in Indonesian or as the JSON keys; case, spaces and punctuation do not matter. A person with several
positions takes one row per position (the person's own columns may repeat or stay empty on the
others); a team takes one row per member. ``docs/org-import.md`` describes every column.

Text written by the export never becomes a formula: every text cell is a string cell, and one that
starts with ``=``, ``+``, ``-`` or ``@`` is also marked as quoted text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from integritas.errors import Problem
from integritas.orgs.importer import ImportProblem, Issue, Where
from integritas.orgs.policy import KEYS

FORMULA_START = ("=", "+", "-", "@")
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Column:
    field: str  # the JSON key (policy keys as "policy.<key>")
    header: str  # the Indonesian header written by the template and the export
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text, int, bool, date, or a choice table name
    note: str = ""  # for the instructions sheet


@dataclass(frozen=True)
class Sheet:
    section: str
    title: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    key: str  # the column that identifies an entry (rows sharing it are one entry)
    note: str = ""

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


POLICY_HEADERS = {
    "examination_days": "Batas pemeriksaan (hari)",
    "examination_day_kind": "Jenis hari pemeriksaan",
    "review_days": "Batas peninjauan (hari)",
    "review_day_kind": "Jenis hari peninjauan",
    "triage_days": "Batas penelaahan (hari)",
    "triage_day_kind": "Jenis hari penelaahan",
    "auto_escalate": "Naik otomatis",
    "allow_anonymous": "Boleh anonim",
    "require_evidence": "Wajib bukti",
    "max_upload_mb": "Berkas maksimal (MB)",
    "identity_disclosure": "Identitas pelapor",
    "require_two_factor": "Wajib masuk dua langkah",
    "screening": "Penyaringan penangan",
    "self_declaration_days": "Batas pernyataan konflik (hari)",
    "gratification_days": "Batas laporan gratifikasi (hari)",
}


def _policy_columns() -> tuple[Column, ...]:
    columns = []
    for name, key in KEYS.items():
        kind = {"int": "int", "bool": "bool"}.get(key.kind, name)
        columns.append(
            Column(
                f"policy.{name}",
                POLICY_HEADERS.get(name, name),
                (name, f"policy_{name}", f"kebijakan_{name}"),
                kind=kind if key.kind != "choice" else ("day_kind" if "day_kind" in name else name),
            )
        )
    return tuple(columns)


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "units",
        "Unit",
        ("unit", "unit_kerja", "units"),
        (
            Column("code", "Kode", ("kode", "code", "kode_unit")),
            Column("name", "Nama", ("nama", "name", "nama_unit")),
            Column("parent", "Induk", ("induk", "parent", "kode_induk", "unit_induk")),
            Column("timezone", "Zona waktu", ("zona_waktu", "timezone", "zona"), kind="timezone"),
            Column(
                "work_week", "Minggu kerja", ("minggu_kerja", "work_week", "hari_kerja"), kind="work_week"
            ),
            *_policy_columns(),
        ),
        key="code",
    ),
    Sheet(
        "positions",
        "Jabatan",
        ("jabatan", "positions"),
        (
            Column("code", "Kode", ("kode", "code", "kode_jabatan")),
            Column("unit", "Unit", ("unit", "kode_unit", "unit_kerja")),
            Column("title", "Nama jabatan", ("nama_jabatan", "title", "nama")),
            Column("reports_to", "Atasan", ("atasan", "atasan_langsung", "reports_to", "melapor_kepada")),
        ),
        key="code",
    ),
    Sheet(
        "people",
        "Pegawai",
        ("pegawai", "people", "orang"),
        (
            Column("username", "Nama pengguna", ("nama_pengguna", "username", "pengguna")),
            Column("name", "Nama", ("nama", "name", "nama_lengkap")),
            Column("email", "E-mail", ("e_mail", "email", "surel", "alamat_email", "alamat_surel")),
            Column("password", "Kata sandi", ("kata_sandi", "password", "sandi")),
            Column("language", "Bahasa", ("bahasa", "language"), kind="language"),
            Column("admin", "Administrator", ("administrator", "admin"), kind="bool"),
            Column("positions.code", "Jabatan", ("jabatan", "kode_jabatan", "position", "positions")),
            Column("positions.start", "Mulai", ("mulai", "start", "tanggal_mulai"), kind="date"),
            Column("positions.end", "Selesai", ("selesai", "sampai", "end", "tanggal_selesai"), kind="date"),
            Column("positions.acting", "Plt", ("plt", "acting", "pelaksana_tugas"), kind="bool"),
        ),
        key="username",
    ),
    Sheet(
        "teams",
        "Tim",
        ("tim", "teams", "tim_penanganan"),
        (
            Column("unit", "Unit", ("unit", "kode_unit")),
            Column("members", "Anggota", ("anggota", "member", "members", "nama_pengguna", "username")),
        ),
        key="unit",
    ),
    Sheet(
        "holidays",
        "Hari libur",
        ("hari_libur", "holidays", "libur"),
        (
            Column("date", "Tanggal", ("tanggal", "date"), kind="date"),
            Column("name", "Nama", ("nama", "name", "keterangan")),
            Column("unit", "Unit", ("unit", "kode_unit")),
        ),
        key="date",
    ),
)
INSTRUCTIONS = ("petunjuk", "instructions", "readme", "read_me", "panduan")

# Words accepted in cells, by kind (compared after normalising); the value is what the JSON holds.
CHOICES: dict[str, dict[str, Any]] = {
    "bool": {
        "ya": True, "y": True, "yes": True, "true": True, "benar": True, "1": True,
        "tidak": False, "t": False, "no": False, "n": False, "false": False, "salah": False, "0": False,
    },
    "timezone": {
        "asia_jakarta": "Asia/Jakarta", "wib": "Asia/Jakarta",
        "asia_makassar": "Asia/Makassar", "wita": "Asia/Makassar",
        "asia_jayapura": "Asia/Jayapura", "wit": "Asia/Jayapura",
    },
    "work_week": {
        "mon_fri": "mon-fri", "senin_jumat": "mon-fri", "5_hari": "mon-fri", "lima_hari": "mon-fri",
        "mon_sat": "mon-sat", "senin_sabtu": "mon-sat", "6_hari": "mon-sat", "enam_hari": "mon-sat",
    },
    "day_kind": {"working": "working", "kerja": "working", "hari_kerja": "working",
                 "calendar": "calendar", "kalender": "calendar", "hari_kalender": "calendar"},
    "identity_disclosure": {
        "handlers": "handlers", "penangan": "handlers", "ditampilkan": "handlers",
        "on_request": "on_request", "atas_permintaan": "on_request", "permintaan": "on_request",
    },
    "language": {"id": "id", "indonesia": "id", "bahasa_indonesia": "id", "en": "en", "inggris": "en",
                 "english": "en"},
    "screening": {"skip": "skip", "lewati": "skip", "dilewati": "skip", "warn": "warn",
                  "peringatkan": "warn", "peringatan": "warn"},
}  # fmt: skip
# How the export writes a value of each kind (Indonesian words, read back by CHOICES).
WRITTEN: dict[str, dict[Any, str]] = {
    "bool": {True: "ya", False: "tidak"},
    "work_week": {"mon-fri": "senin-jumat", "mon-sat": "senin-sabtu"},
    "day_kind": {"working": "kerja", "calendar": "kalender"},
    "identity_disclosure": {"handlers": "penangan", "on_request": "atas permintaan"},
    "screening": {"skip": "lewati", "warn": "peringatkan"},
}


def normalise(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------- reading


@dataclass
class _Entry:
    values: dict[str, Any]
    row: int
    items: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_workbook(raw: bytes) -> tuple[dict[str, Any], dict[tuple[str, int], Where]]:
    """The workbook as the JSON shape, and where each entry is (sheet, row, columns)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ImportProblem([Issue(None, None, Problem("not_workbook"))]) from None
    issues: list[Issue] = []
    data: dict[str, Any] = {}
    places: dict[tuple[str, int], Where] = {}
    by_name = {normalise(s.title): s for s in SHEETS} | {a: s for s in SHEETS for a in s.aliases}
    seen: set[str] = set()
    try:
        for worksheet in book.worksheets:
            name = normalise(worksheet.title)
            if name in INSTRUCTIONS:
                continue
            sheet = by_name.get(name)
            if sheet is None:
                issues.append(
                    Issue(
                        None,
                        None,
                        Problem(
                            "unknown_sheet",
                            sheet=worksheet.title,
                            sheets=", ".join(s.title for s in SHEETS),
                        ),
                    )
                )
                continue
            if sheet.section in seen:
                issues.append(Issue(None, None, Problem("sheet_twice", sheet=worksheet.title)))
                continue
            seen.add(sheet.section)
            entries, sheet_places = _read_sheet(worksheet, sheet, issues)
            data[sheet.section] = entries
            places.update(sheet_places)
    finally:
        book.close()
    if issues:
        raise ImportProblem(issues)
    return data, places


def _read_sheet(worksheet: Any, sheet: Sheet, issues: list[Issue]) -> tuple[list[dict], dict]:
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None)
    title = worksheet.title
    if header is None:
        return [], {}
    by_header = {normalise(c.header): c for c in sheet.columns}
    by_header |= {normalise(a): c for c in sheet.columns for a in c.aliases}
    columns: dict[int, Column] = {}
    shown: dict[str, str] = {}
    for index, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        column = by_header.get(normalise(cell))
        if column is None:
            issues.append(
                Issue(
                    Where(sheet.section, 0, sheet=title, row=1),
                    None,
                    Problem(
                        "unknown_column",
                        column=f"{_column_letter(index)} ({cell})",
                        columns=", ".join(c.header for c in sheet.columns),
                    ),
                )
            )
            continue
        if column.field in shown:
            issues.append(
                Issue(
                    Where(sheet.section, 0, sheet=title, row=1),
                    None,
                    Problem("column_twice", column=str(cell)),
                )
            )
            continue
        columns[index] = column
        shown[column.field] = f"{_column_letter(index)} ({str(cell).strip()})"
    if sheet.key not in shown:
        issues.append(
            Issue(
                Where(sheet.section, 0, sheet=title, row=1),
                None,
                Problem("missing_column", column=sheet.column(sheet.key).header),
            )
        )
        return [], {}
    # Columns by the field names problems use (positions.start → start; policy.x stays).
    located = tuple(
        (f.split(".", 1)[1] if f.startswith("positions.") else f, text) for f, text in shown.items()
    )
    entries: dict[str, _Entry] = {}
    order: list[str] = []
    loose: list[_Entry] = []  # rows without a key: each its own entry (the check names the problem)
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            break
        cells = {columns[i].field: _cell(v, columns[i]) for i, v in enumerate(values) if i in columns}
        cells = {k: v for k, v in cells.items() if v is not None}
        if not cells:
            continue
        key = cells.get(sheet.key)
        own = {k: v for k, v in cells.items() if not k.startswith("positions.") and k != "members"}
        item = {k.split(".", 1)[1]: v for k, v in cells.items() if k.startswith("positions.")}
        if sheet.section == "teams" and "members" in cells:
            item = {"member": cells["members"]}
        if key is None or sheet.section not in ("people", "teams"):
            loose.append(_Entry(own, number, [(number, item)] if item else []))
            continue
        if key not in entries:
            entries[key] = _Entry(own, number)
            order.append(key)
        else:
            first = entries[key]
            for field_name, value in own.items():
                if field_name in first.values and first.values[field_name] != value:
                    issues.append(
                        Issue(
                            Where(sheet.section, 0, sheet=title, row=number, columns=located),
                            field_name,
                            Problem("row_conflict", row=first.row),
                        )
                    )
                else:
                    first.values.setdefault(field_name, value)
        if item:
            entries[key].items.append((number, item))
    if sheet.section in ("people", "teams"):
        ordered = [entries[k] for k in order] + loose
        ordered.sort(key=lambda e: e.row)
    else:
        ordered = loose
    result: list[dict] = []
    places: dict[tuple[str, int], Where] = {}
    for index, entry in enumerate(ordered):
        value = _as_json(sheet, entry)
        key = value.get(sheet.key) if sheet.section != "holidays" else value.get("date")
        places[(sheet.section, index)] = Where(
            sheet.section,
            index,
            key if isinstance(key, str) else None,
            sheet=title,
            row=entry.row,
            columns=located,
            item_rows=tuple(row for row, _item in entry.items),
        )
        result.append(value)
    return result, places


def _as_json(sheet: Sheet, entry: _Entry) -> dict[str, Any]:
    values = dict(entry.values)
    if sheet.section == "units":
        policy = {k.split(".", 1)[1]: values.pop(k) for k in list(values) if k.startswith("policy.")}
        values.setdefault("parent", None)
        if policy:
            values["policy"] = policy
    elif sheet.section == "people":
        positions = []
        for _row, item in entry.items:
            if "code" not in item:
                positions.append({k: v for k, v in item.items()})
                continue
            positions.append(item if set(item) != {"code"} else item["code"])
        values["positions"] = positions
    elif sheet.section == "teams":
        values["members"] = [item["member"] for _row, item in entry.items if "member" in item]
    elif sheet.section == "holidays":
        values.setdefault("unit", None)
    elif sheet.section == "positions":
        values.setdefault("reports_to", None)
    return values


def _cell(value: Any, column: Column) -> Any:
    """A cell as the JSON value for its column; what cannot be read stays as typed (the check names it)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    kind = column.kind
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value)
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if match:
            try:
                return dt.date(int(match[3]), int(match[2]), int(match[1])).isoformat()
            except ValueError:
                return text
        return text
    if kind == "int":
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\d{1,6}", value):
            return int(value)
        return value
    if kind in CHOICES:
        if isinstance(value, bool) and kind == "bool":
            return value
        if isinstance(value, int | float) and kind == "bool" and value in (0, 1):
            return bool(value)
        return CHOICES[kind].get(normalise(value), str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- writing


def _rows(sheet: Sheet, data: dict[str, Any]) -> Iterable[list[Any]]:
    entry: dict[str, Any]
    for entry in data.get(sheet.section) or []:
        if sheet.section == "units":
            policy = entry.get("policy") or {}
            row = [entry.get("code"), entry.get("name"), entry.get("parent"), entry.get("timezone")]
            row.append(WRITTEN["work_week"].get(entry.get("work_week"), entry.get("work_week")))
            for column in sheet.columns[5:]:
                name = column.field.split(".", 1)[1]
                value = policy.get(name)
                row.append(WRITTEN.get(column.kind, {}).get(value, value) if value is not None else None)
            yield row
        elif sheet.section == "positions":
            yield [entry.get("code"), entry.get("unit"), entry.get("title"), entry.get("reports_to")]
        elif sheet.section == "people":
            own = [
                entry.get("username"),
                entry.get("name"),
                entry.get("email") or None,
                None,  # passwords are never exported
                entry.get("language") if entry.get("language") not in (None, "id") else None,
                "ya" if entry.get("admin") else None,
            ]
            held = entry.get("positions") or []
            if not held:
                yield [*own, None, None, None, None]
            for item in held:
                spec = item if isinstance(item, dict) else {"code": item}
                yield [
                    *own,
                    spec.get("code"),
                    spec.get("start"),
                    spec.get("end"),
                    "ya" if spec.get("acting") else None,
                ]
        elif sheet.section == "teams":
            members = entry.get("members") or []
            if not members:
                yield [entry.get("unit"), None]
            for member in members:
                yield [entry.get("unit"), member]
        elif sheet.section == "holidays":
            yield [entry.get("date"), entry.get("name"), entry.get("unit")]


def _text_cell(worksheet: Any, value: Any, *, bold: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever it starts with
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_workbook(data: dict[str, Any] | None = None) -> bytes:
    """The workbook of ``data`` (the JSON shape), or the empty template when None."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    guide = book.create_sheet("Petunjuk")
    for line in instructions():
        guide.append([_text_cell(guide, part, bold=i == 0 and bold) for i, (part, bold) in enumerate(line)])
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet.title)
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns):
            worksheet.column_dimensions[_column_letter(index)].width = max(12, len(column.header) + 4)
        worksheet.append([_text_cell(worksheet, c.header, bold=True) for c in sheet.columns])
        for row in _rows(sheet, data or {}):
            worksheet.append([_text_cell(worksheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def instructions() -> list[list[tuple[str, bool]]]:
    """The instructions sheet: what each sheet and column holds (Indonesian: the users' language)."""
    lines: list[list[tuple[str, bool]]] = [
        [("Petunjuk pengisian berkas impor organisasi Integritas", True)],
        [("Isi lembar Unit, Jabatan, Pegawai, Tim dan Hari libur. Baris pertama setiap lembar adalah judul "
          "kolom: jangan diubah. Kolom yang kosong berarti \"tidak diisi\" (unit mewarisi dari induknya).", False)],
        [("Unggah berkas di halaman Pengelolaan › Impor, atau jalankan: integritas import-org berkas.xlsx. "
          "Pratinjau ditampilkan dulu; tidak ada yang berubah sebelum Anda menerapkannya. Mengimpor berkas "
          "yang sama dua kali tidak mengubah apa pun.", False)],
        [("Kesalahan disebutkan dengan nama lembar, nomor baris dan kolomnya.", False)],
        [],
    ]  # fmt: skip
    notes = {
        "units": "Satu baris per unit kerja. Induk: kode unit di atasnya (kosong untuk puncak pohon). "
        "Zona waktu: WIB, WITA atau WIT. Minggu kerja: senin-jumat atau senin-sabtu. "
        "Kolom kebijakan: kosongkan untuk mewarisi; ya/tidak; jenis hari: kerja atau kalender; "
        "identitas pelapor: penangan atau atas permintaan.",
        "positions": "Satu baris per jabatan. Unit: kode unit jabatan itu. Atasan: kode jabatan atasan "
        "langsung (boleh di unit lain); kosong untuk puncak rantai.",
        "people": "Satu baris per jabatan yang dipegang (ulangi nama pengguna untuk jabatan kedua). "
        "Mulai/Selesai: tanggal TTTT-BB-HH atau HH/BB/TTTT (kosong: mulai hari ini, tanpa batas). "
        "Plt: ya untuk pelaksana tugas. Kata sandi hanya untuk akun yang belum punya kata sandi. "
        "Administrator: ya (administrator tidak boleh memegang jabatan atau menjadi anggota tim).",
        "teams": "Satu baris per anggota Tim Penanganan Benturan Kepentingan. Daftar anggota sebuah unit "
        "menggantikan anggota yang ada; perubahan anggota tim menunggu persetujuan anggota tim.",
        "holidays": "Hari libur tambahan. Unit kosong: berlaku untuk seluruh unit.",
    }
    for sheet in SHEETS:
        lines.append([(f"Lembar {sheet.title}", True), (notes[sheet.section], False)])
        lines.append([("Kolom", True), (", ".join(c.header for c in sheet.columns), False)])
        lines.append([])
    lines.append(
        [("Judul kolom dalam bahasa Inggris (kunci JSON, misalnya code, parent) juga diterima.", False)]
    )
    return lines
