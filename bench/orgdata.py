"""The benchmark organisation: 1 inspectorate → N district offices → M schools each, 10 positions per
unit with real chains (teacher → vice-principal → principal → head of the district's SMP division),
one person per position, handling teams at every level. Returned as the JSON of `import-org`."""

from __future__ import annotations

from typing import Any

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
ROOT = "ITJEN"
START = "2024-01-02"


def district_code(d: int) -> str:
    return f"DISDIK-{d:02d}"


def school_code(d: int, s: int) -> str:
    return f"SMP-{d:02d}-{s:03d}"


# Ten positions per unit: (local code prefix, title, reports to (prefix) — None = the unit above's).
ROOT_POSITIONS = [("IRJEN", "Inspektur Jenderal", "")] + [
    (f"AUD-{i}", "Auditor", "IRJEN") for i in range(1, 10)
]
DISTRICT_POSITIONS = [
    ("KADIS", "Kepala Dinas Pendidikan", None),
    ("KABID-SMP", "Kepala Bidang Pembinaan SMP", "KADIS"),
    ("KABID-SD", "Kepala Bidang Pembinaan SD", "KADIS"),
    ("SEKDIS", "Sekretaris Dinas", "KADIS"),
] + [(f"PENGAWAS-{i}", "Pengawas Sekolah", "KABID-SMP") for i in range(1, 7)]
SCHOOL_POSITIONS = [
    ("KS", "Kepala Sekolah", None),
    ("WAKA-KUR", "Wakil Kepala Sekolah Bidang Kurikulum", "KS"),
    ("WAKA-KES", "Wakil Kepala Sekolah Bidang Kesiswaan", "KS"),
    ("KTU", "Kepala Tata Usaha", "KS"),
] + [(f"GURU-{i}", "Guru", "WAKA-KUR" if i <= 3 else "WAKA-KES") for i in range(1, 7)]


def pcode(prefix: str, unit: str) -> str:
    return f"{prefix}.{unit}"


def username(prefix: str, unit: str) -> str:
    return f"{prefix}.{unit}".lower()


def build(districts: int = 30, schools: int = 333) -> dict[str, Any]:
    units: list[dict[str, Any]] = [
        {
            "code": ROOT,
            "name": "Inspektorat Jenderal",
            "parent": None,
            "timezone": ZONES[0],
            "work_week": "mon-fri",
        }
    ]
    positions: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    teams: list[dict[str, Any]] = []

    def add_positions(unit: str, spec: list[tuple[str, str, str | None]], above: str | None) -> None:
        for prefix, title, reports in spec:
            code = pcode(prefix, unit)
            if reports is None:
                to = above
            elif reports == "":
                to = None
            else:
                to = pcode(reports, unit)
            positions.append({"code": code, "unit": unit, "title": title, "reports_to": to})
            people.append(
                {
                    "username": username(prefix, unit),
                    "name": f"{title} {unit}",
                    "email": f"{username(prefix, unit)}@bench.example.org",
                    "positions": [{"code": code, "start": START}],
                }
            )

    add_positions(ROOT, ROOT_POSITIONS, None)
    teams.append({"unit": ROOT, "members": [username(f"AUD-{i}", ROOT) for i in (1, 2, 3)]})
    for d in range(1, districts + 1):
        dc = district_code(d)
        units.append(
            {
                "code": dc,
                "name": f"Dinas Pendidikan Kabupaten {d:02d}",
                "parent": ROOT,
                "timezone": ZONES[d % 3],
            }
        )
        add_positions(dc, DISTRICT_POSITIONS, pcode("IRJEN", ROOT))
        teams.append({"unit": dc, "members": [username(f"PENGAWAS-{i}", dc) for i in (1, 2, 3)]})
        for s in range(1, schools + 1):
            sc = school_code(d, s)
            units.append(
                {
                    "code": sc,
                    "name": f"SMP Negeri {s} Kabupaten {d:02d}",
                    "parent": dc,
                    "work_week": "mon-sat",
                }
            )
            add_positions(sc, SCHOOL_POSITIONS, pcode("KABID-SMP", dc))
            teams.append({"unit": sc, "members": [username("GURU-5", sc), username("GURU-6", sc)]})
    return {"units": units, "positions": positions, "people": people, "teams": teams, "holidays": []}
