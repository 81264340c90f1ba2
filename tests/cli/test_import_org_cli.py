"""`integritas import-org FILE [--dry-run]` in a subprocess (API.md §1 and §3).

Each test gets a fresh data dir (and, in the PostgreSQL pass, a scratch database); the command
migrates by itself. The database is compared before and after through `django dumpdata`, so the
checks hold on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.server import cli_env, run_cli, scratch_database

pytestmark = pytest.mark.slow

PASSWORD = "Rahasia-Kuat-2026"

ORG: dict[str, Any] = {
    "holidays": [{"date": "2026-07-18", "name": "Hari Jadi Kabupaten Madiun", "unit": "DISDIK-MADIUN"}],
    "units": [
        {"code": "DISDIK-MADIUN", "name": "Dinas Pendidikan Kabupaten Madiun", "parent": None,
         "timezone": "Asia/Jakarta", "work_week": "mon-fri"},
        {"code": "SMPN1-MEJAYAN", "name": "SMP Negeri 1 Mejayan", "parent": "DISDIK-MADIUN",
         "work_week": "mon-sat", "policy": {"examination_days": 3, "allow_anonymous": False}},
    ],
    "positions": [
        {"code": "KABID-SMP", "unit": "DISDIK-MADIUN", "title": "Kepala Bidang SMP", "reports_to": None},
        {"code": "KS-SMPN1", "unit": "SMPN1-MEJAYAN", "title": "Kepala Sekolah", "reports_to": "KABID-SMP"},
        {"code": "WAKA-KUR", "unit": "SMPN1-MEJAYAN", "title": "Wakil Kepala Sekolah Bidang Kurikulum",
         "reports_to": "KS-SMPN1"},
    ],
    "people": [
        {"username": "budi", "name": "Budi Santoso", "email": "budi@example.org", "password": PASSWORD,
         "positions": ["KS-SMPN1"], "admin": False},
        {"username": "sri", "name": "Sri Rahayu", "email": "sri@example.org", "positions": ["WAKA-KUR"]},
    ],
    "teams": [{"unit": "SMPN1-MEJAYAN", "members": ["sri"]}],
}  # fmt: skip


@pytest.fixture
def env(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with scratch_database() as url:
        yield cli_env(data_dir, url, LANG="C.UTF-8", LC_ALL="", LC_MESSAGES="", INTEGRITAS_LANGUAGE="")


def write(tmp_path: Path, data: Any, name: str = "org.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def dump(env: dict[str, str]) -> list[dict[str, Any]]:
    """Every row of the child's database (the tables exist: any command migrated them)."""
    done = subprocess.run(
        [sys.executable, "-m", "django", "dumpdata", "--format", "json"],
        env=env,
        cwd=env["INTEGRITAS_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def rows(dumped: list[dict[str, Any]], model: str) -> list[dict[str, Any]]:
    return [row for row in dumped if row["model"] == model]


def test_import_creates_everything_and_a_second_import_changes_nothing(tmp_path, env):
    path = write(tmp_path, ORG)
    first = run_cli("import-org", path, env=env, timeout=180)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert out.startswith("Import done: holidays: 1 created"), out
    assert (
        "units: 2 created" in out and "positions: 3 created, 0 updated" in out and "people: 2 created" in out
    )
    assert "  Unit SMPN1-MEJAYAN: created" in out
    assert "  budi holds KS-SMPN1" in out
    after_first = dump(env)
    units = {row["fields"]["code"]: row for row in rows(after_first, "orgs.unit")}
    assert units["SMPN1-MEJAYAN"]["fields"]["parent"] == units["DISDIK-MADIUN"]["pk"]
    people = {row["fields"]["username"]: row["fields"] for row in rows(after_first, "orgs.person")}
    assert people["budi"]["password"].startswith("argon2$argon2id$")
    assert people["sri"]["password"].startswith("!")  # unusable until a reset
    assert len(rows(after_first, "orgs.holding")) == 2
    assert len(rows(after_first, "orgs.teammembership")) == 1

    second = run_cli("import-org", path, env=env, timeout=180)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "Import done: nothing to change (already up to date)"
    assert dump(env) == after_first  # same rows, same password hashes


def test_removing_a_position_in_a_later_file_ends_the_holding(tmp_path, env):
    assert run_cli("import-org", write(tmp_path, ORG), env=env, timeout=180).returncode == 0
    later = copy.deepcopy(ORG)
    later["people"][0]["positions"] = []
    done = run_cli("import-org", write(tmp_path, later, "later.json"), env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "budi no longer holds KS-SMPN1" in done.stdout
    holders = {row["fields"]["position"] for row in rows(dump(env), "orgs.holding")}
    assert len(holders) == 1  # only sri's; budi's (started today) is gone


def test_an_invalid_file_exits_non_zero_names_the_entries_and_changes_nothing(tmp_path, env):
    assert run_cli("import-org", write(tmp_path, ORG), env=env, timeout=180).returncode == 0
    before = dump(env)
    bad = copy.deepcopy(ORG)
    bad["units"][0]["name"] = "Renamed, must not be applied"
    bad["units"][1]["parent"] = "DISDIK-NGAWI"
    bad["units"][1]["policy"] = {"examination_days": "tiga"}
    bad["positions"][2]["reports_to"] = "KS-SMPN9"
    bad["teams"][0]["members"] = ["sri", "joko"]
    bad["holidays"][0]["date"] = "2026-13-01"
    bad["people"].append({"username": "baru", "name": "Orang Baru", "password": PASSWORD})
    done = run_cli("import-org", write(tmp_path, bad, "bad.json"), env=env, timeout=180)
    assert done.returncode != 0
    err = done.stderr
    assert "nothing was imported" in err, err
    assert "units[1] (code 'SMPN1-MEJAYAN'), parent: There is no unit with the code DISDIK-NGAWI" in err
    assert "units[1] (code 'SMPN1-MEJAYAN'), policy.examination_days: Enter a whole number" in err
    assert "positions[2] (code 'WAKA-KUR'), reports_to: There is no position with the code KS-SMPN9" in err
    assert "teams[0] (unit 'SMPN1-MEJAYAN'), members[1]: No such person: joko." in err
    assert (
        "holidays[0] (date '2026-13-01'), date: Enter a valid date: year-month-day, e.g. 2026-07-01." in err
    )
    assert "Traceback" not in err
    assert done.stdout == ""
    assert dump(env) == before


def test_a_cycle_on_an_empty_data_dir_writes_nothing(tmp_path, env):
    bad = copy.deepcopy(ORG)
    bad["units"][0]["parent"] = "SMPN1-MEJAYAN"
    done = run_cli("import-org", write(tmp_path, bad), env=env, timeout=180)
    assert done.returncode != 0
    assert "units[0] (code 'DISDIK-MADIUN'), parent: A unit cannot be placed under itself" in done.stderr, (
        done.stderr
    )
    dumped = dump(env)
    assert rows(dumped, "orgs.unit") == [] and rows(dumped, "orgs.person") == []


def test_dry_run_lists_the_changes_and_changes_nothing(tmp_path, env):
    done = run_cli("import-org", write(tmp_path, ORG), "--dry-run", env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Import preview (nothing changed): holidays: 1 created"), done.stdout
    assert "  Unit DISDIK-MADIUN: created" in done.stdout
    assert "  Position WAKA-KUR: created" in done.stdout
    assert "  Person budi: created" in done.stdout
    dumped = dump(env)
    assert rows(dumped, "orgs.unit") == [] and rows(dumped, "orgs.person") == []

    assert run_cli("import-org", write(tmp_path, ORG), env=env, timeout=180).returncode == 0
    before = dump(env)
    renamed = copy.deepcopy(ORG)
    renamed["units"][1]["name"] = "SMPN 1 Mejayan"
    done = run_cli("import-org", write(tmp_path, renamed, "renamed.json"), "--dry-run", env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "  Unit SMPN1-MEJAYAN: name changed" in done.stdout
    assert dump(env) == before


def test_a_file_that_is_not_json_fails_clearly(tmp_path, env):
    path = tmp_path / "org.json"
    path.write_text("{units: [}", encoding="utf-8")
    done = run_cli("import-org", str(path), env=env, timeout=180)
    assert done.returncode != 0
    assert "is not valid JSON" in done.stderr and "Traceback" not in done.stderr


def test_a_workbook_is_imported_and_the_organisation_exported(tmp_path, env):
    from openpyxl import Workbook, load_workbook

    assert run_cli("import-org", write(tmp_path, ORG), env=env, timeout=180).returncode == 0
    # The export, as JSON and as a workbook, imports back without a change.
    for name in ("org-export.json", "org-export.xlsx"):
        done = run_cli("export-org", str(tmp_path / name), env=env, timeout=180)
        assert done.returncode == 0, done.stderr
        assert "2 units, 3 positions, 2 people, 1 teams" in done.stdout
        again = run_cli("import-org", str(tmp_path / name), env=env, timeout=180)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == "Import done: nothing to change (already up to date)"
    exported = json.loads((tmp_path / "org-export.json").read_text())
    assert "password" not in json.dumps(exported)
    book = load_workbook(tmp_path / "org-export.xlsx")
    assert book.sheetnames == ["Petunjuk", "Unit", "Jabatan", "Pegawai", "Tim", "Hari libur"]

    # A new school from a workbook with Indonesian headers.
    book = Workbook()
    book.active.title = "Unit"
    book["Unit"].append(["Kode", "Nama", "Induk", "Minggu kerja"])
    book["Unit"].append(["SMPN2-MEJAYAN", "SMP Negeri 2 Mejayan", "DISDIK-MADIUN", "senin-sabtu"])
    book.create_sheet("Jabatan").append(["Kode", "Unit", "Nama jabatan", "Atasan"])
    book["Jabatan"].append(["KS-SMPN2", "SMPN2-MEJAYAN", "Kepala Sekolah", "KABID-SMP"])
    book.save(tmp_path / "sekolah.xlsx")
    done = run_cli("import-org", str(tmp_path / "sekolah.xlsx"), env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "  Unit SMPN2-MEJAYAN: created" in done.stdout and "  Position KS-SMPN2: created" in done.stdout

    # Its problems name the sheet, row and column, in Indonesian when the locale says so.
    book["Jabatan"]["D2"] = "TIDAK-ADA"
    book.save(tmp_path / "salah.xlsx")
    before = dump(env)
    done = run_cli(
        "import-org", str(tmp_path / "salah.xlsx"), env={**env, "LANG": "id_ID.UTF-8"}, timeout=180
    )
    assert done.returncode == 1
    assert "lembar Jabatan, baris 2, kolom D (Atasan): Tidak ada jabatan dengan kode TIDAK-ADA" in done.stderr
    assert dump(env) == before


def test_a_later_import_asks_the_team_and_an_administrator_joins_no_team(tmp_path, env):
    assert run_cli("import-org", write(tmp_path, ORG), env=env, timeout=180).returncode == 0
    later = copy.deepcopy(ORG)
    later["teams"][0]["members"] = ["sri", "budi"]
    done = run_cli("import-org", write(tmp_path, later, "later.json"), env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "1 change waits for approval" in done.stdout
    assert "Team of SMPN1-MEJAYAN: adding budi waits for approval" in done.stdout
    dumped = dump(env)
    assert len(rows(dumped, "orgs.teammembership")) == 1  # still only sri
    [pending] = rows(dumped, "orgs.pendingchange")
    assert pending["fields"]["kind"] == "team_add" and pending["fields"]["requested_by_name"] == "cli"

    admin = copy.deepcopy(later)
    admin["people"].append({"username": "rina", "name": "Rina", "admin": True})
    admin["teams"][0]["members"] = ["sri", "rina"]
    done = run_cli("import-org", write(tmp_path, admin, "admin.json"), env=env, timeout=180)
    assert done.returncode == 1
    assert "teams[0] (unit 'SMPN1-MEJAYAN'), members[1]: rina is an administrator" in done.stderr
    assert dump(env) == dumped
