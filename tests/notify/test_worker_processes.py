"""Several `integritas worker` processes at once over one database (issue 13): every message is sent
once and every overdue case escalated once, whichever process gets there first. On PostgreSQL in its
pass (a scratch database), on SQLite otherwise (one file, the processes queue for the write lock)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.server import cli_env, run_cli, scratch_database
from tests.vault.procs import tool_json

pytestmark = pytest.mark.slow

WORKERS = 3


class Db:
    def __init__(self, url: str | None, data_dir):
        self.url, self.path = url, data_dir / "integritas.sqlite3"

    def rows(self, sql: str) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s")).fetchall()
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def run(self, sql: str, *params) -> None:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(sql.replace("?", "%s"), params)
            return
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()


def test_three_worker_processes_send_each_message_once_and_escalate_each_case_once(tmp_path, smtp):
    data = tmp_path / "data"
    data.mkdir()
    with scratch_database() as url:
        env = cli_env(
            data, url, INTEGRITAS_EMAIL_URL=smtp.url, INTEGRITAS_PUBLIC_URL="https://wbs.example.id"
        )
        assert run_cli("sweep", env=env).returncode == 0  # migrated
        tool_json("populate", "WRK", env=env)  # cases at every stage, mail queued (tests/vault/tool.py)
        db = Db(url, data)
        # Every open case at its first level misses its deadline behind the workers' backs.
        open_cases = db.rows("SELECT id FROM cases_case WHERE status = 'examination'")
        assert open_cases, "populate made cases under examination"
        db.run("UPDATE cases_case SET due_at = ? WHERE status = 'examination'", "2020-01-01 00:00:00+00:00")
        queued = db.rows("SELECT COUNT(*) FROM notify_outboxmessage WHERE state = 'queued'")[0][0]
        assert queued > 0

        logs, procs = [], []
        for n in range(WORKERS):
            log = (tmp_path / f"worker{n}.log").open("w")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "integritas", "worker", "--interval", "0.3"],
                    env=env,
                    cwd=str(data),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            # Until the outbox is empty and nothing new happened to the cases for a few runs of each.
            deadline, last, quiet = time.monotonic() + 120, None, 0
            while time.monotonic() < deadline and quiet < 6:
                left = db.rows(
                    "SELECT COUNT(*) FROM notify_outboxmessage WHERE state IN ('queued', 'sending')"
                )
                events = db.rows("SELECT COUNT(*) FROM cases_event")[0][0]
                quiet = quiet + 1 if (left[0][0] == 0 and events == last) else 0
                last = events
                time.sleep(0.5)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(30) for proc in procs]
            for log in logs:
                log.close()
        output = "\n".join((tmp_path / f"worker{n}.log").read_text() for n in range(WORKERS))
        assert codes == [0] * WORKERS, output
        assert "Traceback" not in output, output

        escalated = Counter(
            case_id
            for (case_id,) in db.rows("SELECT case_id FROM cases_event WHERE kind = 'escalated_overdue'")
        )
        assert escalated, f"no case was escalated:\n{output}"
        assert max(escalated.values()) == 1, escalated
        assert set(escalated) <= {case_id for (case_id,) in open_cases}
        ids = Counter(r.message_id for r in smtp.received)
        assert len(ids) >= queued and max(ids.values()) == 1, ids.most_common(3)
        sent = db.rows("SELECT COUNT(*) FROM notify_outboxmessage WHERE state = 'sent'")[0][0]
        assert sent == len(ids)
        busy = [n for n in range(WORKERS) if " sent" in (tmp_path / f"worker{n}.log").read_text()]
        assert busy, output
