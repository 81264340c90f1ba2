"""A district-scale organisation for the org import, in the shape of the scale review (§1):

1 inspectorate ``ITJEN`` → 30 district offices ``DISDIK-01..30`` (three time zones) → 333 schools
each: 10,021 units; 10 positions per unit with their chains (school: teachers → vice principals →
principal → the district's head of the SMP division); one person per position, without passwords;
teams of 3 people at the root, 3 per district and 2 per school.

``python -m tests.orgs.bigorg FILE.json [DISTRICTS SCHOOLS]`` writes the file (the benchmark reads it
with ``integritas import-org``); ``big_org(districts, schools)`` returns it for tests.
"""

from __future__ import annotations

import json
import sys
from typing import Any

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def _unit_positions(suffix: str, titles: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    return [
        {"code": f"{code}.{suffix}", "unit": suffix, "title": title, "reports_to": boss}
        for code, title, boss in titles
    ]


def big_org(districts: int = 30, schools: int = 333) -> dict[str, Any]:
    units: list[dict[str, Any]] = [
        {"code": "ITJEN", "name": "Inspektorat Jenderal", "parent": None, "timezone": "Asia/Jakarta",
         "work_week": "mon-fri"}
    ]  # fmt: skip
    positions = _unit_positions(
        "ITJEN",
        [("IRJEN", "Inspektur Jenderal", None), ("SESITJEN", "Sekretaris Itjen", "IRJEN.ITJEN")]
        + [(f"IRBAN-{i}", f"Inspektur Wilayah {i}", "IRJEN.ITJEN") for i in range(1, 5)]
        + [(f"AUDITOR-{i}", f"Auditor {i}", f"IRBAN-{i}.ITJEN") for i in range(1, 5)],
    )
    teams = [{"unit": "ITJEN", "members": []}]
    for d in range(1, districts + 1):
        district = f"DISDIK-{d:02d}"
        units.append(
            {"code": district, "name": f"Dinas Pendidikan Kabupaten {d:02d}", "parent": "ITJEN",
             "timezone": ZONES[(d - 1) % 3], "work_week": "mon-fri", "policy": {"review_days": 2 + d % 2}}
        )  # fmt: skip
        positions += _unit_positions(
            district,
            [
                ("KADIS", "Kepala Dinas", f"IRBAN-{1 + d % 4}.ITJEN"),
                ("SEKDIS", "Sekretaris Dinas", f"KADIS.{district}"),
                ("KABID-SMP", "Kepala Bidang Pembinaan SMP", f"KADIS.{district}"),
                ("KABID-SD", "Kepala Bidang Pembinaan SD", f"KADIS.{district}"),
            ]
            + [(f"KASI-{i}", f"Kepala Seksi {i}", f"KABID-SMP.{district}") for i in range(1, 7)],
        )
        teams.append({"unit": district, "members": []})
        for s in range(1, schools + 1):
            school = f"SMP-{d:02d}-{s:03d}"
            units.append(
                {"code": school, "name": f"SMP Negeri {s} Kabupaten {d:02d}", "parent": district,
                 "work_week": "mon-sat" if s % 2 else None}
            )  # fmt: skip
            positions += _unit_positions(
                school,
                [
                    ("KS", "Kepala Sekolah", f"KABID-SMP.{district}"),
                    ("WAKA-KUR", "Wakil Kepala Sekolah Bidang Kurikulum", f"KS.{school}"),
                    ("WAKA-KES", "Wakil Kepala Sekolah Bidang Kesiswaan", f"KS.{school}"),
                ]
                + [
                    (f"GURU-{i}", f"Guru {i}", f"WAKA-KUR.{school}" if i <= 4 else f"WAKA-KES.{school}")
                    for i in range(1, 8)
                ],
            )
            teams.append({"unit": school, "members": []})
    people = []
    team_of = {t["unit"]: t for t in teams}
    seats = {"ITJEN": 3}
    for position in positions:
        username = position["code"].lower()
        people.append(
            {"username": username, "name": f"Pegawai {position['code']}", "email": f"{username}@example.org",
             "positions": [position["code"]]}
        )  # fmt: skip
        unit = position["unit"]
        wanted = seats.get(unit, 3 if unit.startswith("DISDIK") else 2)
        # Team members: the holders of the last positions of each unit (not the heads).
        if (
            position["code"].startswith(("AUDITOR-", "KASI-", "GURU-6", "GURU-7"))
            and len(team_of[unit]["members"]) < wanted
        ):
            team_of[unit]["members"].append(username)
    holidays = [
        {"date": "2026-03-23", "name": "Cuti bersama Idul Fitri (tambahan)", "unit": None},
        {"date": "2026-07-18", "name": "Hari Jadi Kabupaten 01", "unit": "DISDIK-01" if districts else None},
    ]
    return {"holidays": holidays, "units": units, "positions": positions, "people": people, "teams": teams}


def main(argv: list[str]) -> int:
    path = argv[0]
    districts, schools = (int(argv[1]), int(argv[2])) if len(argv) > 2 else (30, 333)
    data = big_org(districts, schools)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
    counts = {k: len(v) for k, v in data.items()}
    members = sum(len(t["members"]) for t in data["teams"])
    print(f"wrote {path}: {counts}, team members: {members}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
