"""The benchmark harness at a small size (it must not rot): `python -m bench build` and `run` end to end
on a scratch PostgreSQL database. No timing is asserted: speed is measured in the benchmark itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.server import cli_env, free_port, scratch_database

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def bench(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_build_and_run_a_small_data_set(tmp_path):
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("the benchmark runs on PostgreSQL")
    with scratch_database() as url:
        assert url is not None
        env = cli_env(tmp_path, url, INTEGRITAS_LOG_LEVEL="WARNING")
        built = bench("build", "--cases", "1500", "--districts", "2", "--schools", "8", env=env)
        assert built.returncode == 0, built.stdout + built.stderr
        assert "import-org of 19 units" in built.stdout
        assert "ready: 1,500 cases" in built.stdout
        # Each case's reminder hint says which of its current stage's milestones the builder wrote, so
        # the first scheduler tick after a build has nothing to catch up on.
        with psycopg.connect(url) as conn:
            wrong = conn.execute(
                """SELECT count(*) FROM cases_case c WHERE c.reminded <> (
                     SELECT count(*) FROM notify_milestone m WHERE m.case_id = c.id AND m.key IN (
                       'deadline_soon:' || to_char(c.stage_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00',
                       'deadline_today:' || to_char(c.stage_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'))"""
            ).fetchone()
            reminded = conn.execute("SELECT count(*) FROM cases_case WHERE reminded > 0").fetchone()
            # and so did the open follow-up actions already due.
            unheard = conn.execute(
                """SELECT count(*) FROM cases_followup f JOIN cases_case c ON c.id = f.case_id
                   WHERE NOT f.done AND NOT f.cancelled AND c.status = 'follow_up' AND f.due_date < CURRENT_DATE
                   AND NOT EXISTS (SELECT 1 FROM notify_milestone m
                                   WHERE m.case_id = f.case_id AND m.key = 'follow_up_due:' || f.id)"""
            ).fetchone()
            heard = conn.execute(
                "SELECT count(*) FROM notify_milestone WHERE key LIKE 'follow_up_due:%'"
            ).fetchone()
        assert unheard == (0,) and heard is not None and heard[0] > 0, (unheard, heard)
        assert wrong == (0,) and reminded is not None and reminded[0] > 0, (wrong, reminded)

        ran = bench("run", "--requests", "2", "--intake", "4", "--port", str(free_port()), env=env)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        table = ran.stdout
        for figure in (
            "floor: GET /bench/floor",
            "GET /cases?mine=true, a principal",
            "GET /cases?status=examination, district team",
            "GET /stats?unit=ITJEN",
            "page /kasus/semua/, inspectorate team",
            "page /pemantauan/, DISDIK-01 this year",
            "evaluation PDF, DISDIK-01 year",
            "intake POST /reports, 100 KB PDF, concurrency 16",
            "sweep tick, nothing overdue",
        ):
            assert figure in table, table
        # The sweep marked (and where it could, escalated) every case moved past its deadline.
        overdue = next(line for line in table.splitlines() if line.startswith("sweep: mark/escalate"))
        *_, marked, of, total, handled = overdue.split()
        assert (of, handled) == ("of", "handled") and marked == total != "0", overdue

        # The same sweep shared by two processes started together: every case handled, none twice.
        split = bench("sweep", "--processes", "2", env=env)
        assert split.returncode == 0, split.stdout + split.stderr
        line = next(line for line in split.stdout.splitlines() if line.startswith("sweep: the same"))
        assert "2 processes" in line, line
        words = line.split()
        shares = words[-1].strip("()").split("+")
        handled_by_two, total_again = words[words.index("handled") - 3], words[words.index("handled") - 1]
        assert handled_by_two == total_again == total, line
        assert len(shares) == 2 and sum(map(int, shares)) == int(total), line
