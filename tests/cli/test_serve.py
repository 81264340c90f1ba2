"""The real `integritas` command in subprocesses (API.md §1): serve, its scheduler, and the other commands.

Every process gets a fresh data dir; in the PostgreSQL pass (DATABASE_URL set) it also gets a
scratch database of its own (tests/server.py), never the run's database.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import stat
import sys
import threading
import time

import pytest

from tests.api.http import Http
from tests.factories import report_data
from tests.server import Served, cli_env, run_cli, scratch_database

pytestmark = pytest.mark.slow

PASSWORD = "Kuat-Sekali-2026!"

ORG = {
    "holidays": [],
    "units": [
        {
            "code": "DISDIK-T",
            "name": "Dinas Pendidikan Uji",
            "parent": None,
            "timezone": "Asia/Jakarta",
            "work_week": "mon-fri",
        },
        {
            "code": "SMPN-T",
            "name": "SMP Negeri Uji",
            "parent": "DISDIK-T",
            "work_week": "mon-sat",
            "policy": {"require_evidence": False},
        },
    ],
    "positions": [
        {"code": "KABID-T", "unit": "DISDIK-T", "title": "Kepala Bidang SMP", "reports_to": None},
        {"code": "KS-T", "unit": "SMPN-T", "title": "Kepala Sekolah", "reports_to": "KABID-T"},
        {"code": "WAKA-T", "unit": "SMPN-T", "title": "Wakil Kepala Sekolah", "reports_to": "KS-T"},
        {"code": "GURU-T", "unit": "SMPN-T", "title": "Guru Matematika", "reports_to": "WAKA-T"},
    ],
    "people": [
        {"username": "kabid", "name": "Kabid", "email": "kabid@example.org", "password": PASSWORD,
         "positions": ["KABID-T"], "admin": False},
        {"username": "principal", "name": "Kepala", "email": "ks@example.org", "password": PASSWORD,
         "positions": ["KS-T"], "admin": False},
        {"username": "vice", "name": "Wakil", "email": "waka@example.org", "password": PASSWORD,
         "positions": ["WAKA-T"], "admin": False},
        {"username": "teacher", "name": "Guru", "email": "guru@example.org", "password": PASSWORD,
         "positions": ["GURU-T"], "admin": False},
        {"username": "schoolteam", "name": "Tim Sekolah", "email": "tim@example.org", "password": PASSWORD,
         "positions": [], "admin": False},
    ],
    "teams": [{"unit": "SMPN-T", "members": ["schoolteam"]}],
}  # fmt: skip


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def database_url():
    with scratch_database() as url:
        yield url


@pytest.fixture
def env(data_dir, database_url):
    return cli_env(data_dir, database_url)


@pytest.fixture(scope="module")
def shared_env(tmp_path_factory):
    """One data dir (and scratch database) for the quick commands that do not need an empty one."""
    data = tmp_path_factory.mktemp("shared-data")
    with scratch_database() as url:
        yield cli_env(data, url)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_serve_on_an_empty_data_dir_generates_keys_once_and_stops_on_sigterm_and_sigint(
    tmp_path, data_dir, database_url, env
):
    with Served(env, tmp_path / "serve1.log") as server:
        server.wait_ready()
        keys = {name: data_dir / name for name in ("secret_key", "master_key")}
        for name, path in keys.items():
            assert path.is_file(), f"{name} was not generated into the data dir"
            assert _mode(path) == 0o600, f"{name} has mode {oct(_mode(path))}"
            assert len(path.read_text().strip()) >= 40
        first = {name: path.read_text() for name, path in keys.items()}
        sqlite_file = data_dir / "integritas.sqlite3"
        # On PostgreSQL the data dir holds the keys but no database file.
        assert sqlite_file.is_file() is (database_url is None)

        http = Http(server.base)
        assert http.get("/api/v1/openapi.json").json()["paths"]
        docs = http.get("/api/v1/docs")
        assert docs.status == 200 and b"<html" in docs.body.lower()

        started = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0, server.output
        assert time.monotonic() - started < 10
        out = server.output
        assert "serving on http://127.0.0.1:" in out
        assert "Integritas stopped" in out.splitlines()[-1], out

    # The second start reuses the keys (and the migrated database); SIGINT stops it as cleanly.
    with Served(env, tmp_path / "serve2.log") as server:
        server.wait_ready()
        assert {name: path.read_text() for name, path in keys.items()} == first
        assert all(_mode(path) == 0o600 for path in keys.values())
        assert Http(server.base).get("/api/v1/docs").status == 200
        started = time.monotonic()
        assert server.stop(signal.SIGINT) == 0, server.output
        assert time.monotonic() - started < 10
        assert "Integritas stopped" in server.output.splitlines()[-1], server.output
        assert "Traceback" not in server.output


# `integritas serve` with its WSGI app wrapped: a request to /api/v1/openapi.json?slow touches the marker
# file, then takes 2 s before the app answers it.
SLOW_SERVE = """
import sys, time
from pathlib import Path

import waitress.server

marker = Path(sys.argv.pop(1))
real_create_server = waitress.server.create_server


def create_server(application, **kwargs):
    def slow(environ, start_response):
        if environ.get("QUERY_STRING") == "slow":
            marker.touch()
            time.sleep(2)
        return application(environ, start_response)

    return real_create_server(slow, **kwargs)


waitress.server.create_server = create_server
from integritas.cli import main

raise SystemExit(main())
"""


def test_sigterm_while_a_request_is_answered_lets_it_finish_then_stops_cleanly(tmp_path, env):
    launcher = tmp_path / "slow_serve.py"
    launcher.write_text(SLOW_SERVE, encoding="utf-8")
    marker = tmp_path / "in-request"
    answered: list = []
    with Served(env, tmp_path / "serve.log", program=(sys.executable, str(launcher), str(marker))) as server:
        server.wait_ready()

        def ask() -> None:
            try:
                answered.append(Http(server.base).get("/api/v1/openapi.json?slow"))
            except OSError as exc:  # the connection dropped: the request was not answered
                answered.append(exc)

        client = threading.Thread(target=ask)
        client.start()
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < deadline, f"the slow request never reached the app:\n{server.output}"
            time.sleep(0.05)
        assert server.stop(signal.SIGTERM) == 0, server.output
        client.join(timeout=15)
    # The request under way when the signal came was answered in full, and the server said so last.
    assert len(answered) == 1, server.output
    assert not isinstance(answered[0], OSError), f"{answered[0]!r}\n{server.output}"
    assert answered[0].status == 200 and answered[0].json()["paths"]
    out = server.output
    assert out.splitlines()[-1] == "Integritas stopped", out
    assert "Traceback" not in out and "ERROR" not in out, out


def _make_overdue(reference: str, database_url: str | None, data_dir) -> None:
    """Move the case's deadline into the past behind the running server's back (deadlines are ≥ 1 day)."""
    if database_url:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            cur = conn.execute(
                "UPDATE cases_case SET due_at = %s WHERE reference = %s",
                ("2020-01-01 00:00:00+00:00", reference),
            )
            assert cur.rowcount == 1
        return
    conn = sqlite3.connect(data_dir / "integritas.sqlite3", timeout=30)
    try:
        (stored,) = conn.execute("SELECT due_at FROM cases_case WHERE reference = ?", (reference,)).fetchone()
        # Django keeps aware datetimes on SQLite as naive UTC text: "YYYY-MM-DD HH:MM:SS[.ffffff]".
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?", stored), stored
        with conn:
            cur = conn.execute(
                "UPDATE cases_case SET due_at = ? WHERE reference = ?", ("2020-01-01 00:00:00", reference)
            )
            assert cur.rowcount == 1
    finally:
        conn.close()


def test_the_in_process_scheduler_escalates_an_overdue_case(tmp_path, data_dir, database_url):
    env = cli_env(data_dir, database_url, INTEGRITAS_SCHEDULER_INTERVAL="1")
    org_file = tmp_path / "org.json"
    org_file.write_text(json.dumps(ORG), encoding="utf-8")
    imported = run_cli("import-org", str(org_file), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "Import done" in imported.stdout

    with Served(env, tmp_path / "serve.log") as server:
        server.wait_ready()
        http = Http(server.base)
        r = http.post("/api/v1/reports", report_data("SMPN-T", "GURU-T"))
        assert r.status == 201, (r.status, r.body, server.output)
        filed = r.json()
        assert filed["handler_title"] == "Wakil Kepala Sekolah"
        ref = filed["reference"]

        principal = http.token("principal", PASSWORD)
        vice = http.token("vice", PASSWORD)
        before = http.get(f"/api/v1/cases/{ref}", token=vice).json()
        assert before["level"] == 1 and before["handler"]["position"] == "WAKA-T"
        assert before["overdue"] is False

        _make_overdue(ref, database_url, data_dir)

        deadline = time.monotonic() + 15
        case = before
        while time.monotonic() < deadline:
            r = http.get(f"/api/v1/cases/{ref}", token=principal)
            if r.status == 200 and r.json()["level"] == 2:
                case = r.json()
                break
            time.sleep(0.3)
        assert case["level"] == 2, f"not escalated by the scheduler:\n{server.output}"
        assert case["handler"]["position"] == "KS-T"
        assert case["handler"]["username"] == "principal"
        assert case["status"] == "examination"
        events = [h["event"] for h in case["history"]]
        assert "escalated_overdue" in events, events
        assert server.stop() == 0, server.output
    assert "sweep: 1 overdue, 1 escalated" in server.output


def test_help_lists_the_five_commands(data_dir):
    done = run_cli("--help", env=cli_env(data_dir))
    assert done.returncode == 0, done.stderr
    for command in ("serve", "import-org", "sweep", "demo", "audit"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.M), done.stdout
    assert list(data_dir.iterdir()) == []  # --help touches nothing


def test_audit_verify_on_a_fresh_data_dir_reports_an_intact_chain(shared_env):
    # The brief for this module expected the placeholder (exit 3, "arrives with the security work");
    # the security work has since landed integritas.audit.chain, so this checks the real command.
    done = run_cli("audit", "verify", env=shared_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intact" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


def test_sweep_on_an_empty_data_dir_migrates_and_exits_0(data_dir, env):
    done = run_cli("sweep", env=env)
    assert done.returncode == 0, done.stderr
    assert "Sweep: 0 overdue, 0 escalated" in done.stdout
    assert (data_dir / "secret_key").is_file()


def test_import_org_of_a_missing_file_fails_clearly(tmp_path, shared_env):
    missing = tmp_path / "nope.json"
    done = run_cli("import-org", str(missing), env=shared_env)
    assert done.returncode != 0
    assert "nope.json" in done.stderr and "no such file" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
