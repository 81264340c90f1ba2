"""A server killed (SIGKILL) in the middle of concurrent submissions with evidence leaves either the
whole change or none of it: after a restart every accepted report is complete, no case lacks its
evidence, no history row lacks its state, and no stored file lacks its case."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from tests.api.http import Http
from tests.factories import PASSWORD, report_data
from tests.server import Served, cli_env, run_cli, scratch_database

pytestmark = pytest.mark.slow

ORG = {
    "units": [
        {
            "code": "DISDIK",
            "name": "Dinas Pendidikan",
            "parent": None,
            "timezone": "Asia/Jakarta",
            "work_week": "mon-fri",
        },
        {"code": "SMPN1", "name": "SMP Negeri 1", "parent": "DISDIK", "work_week": "mon-sat"},
    ],
    "positions": [
        {"code": "KABID", "unit": "DISDIK", "title": "Kepala Bidang SMP", "reports_to": None},
        {"code": "KS", "unit": "SMPN1", "title": "Kepala Sekolah", "reports_to": "KABID"},
        {"code": "GURU", "unit": "SMPN1", "title": "Guru Matematika", "reports_to": "KS"},
    ],
    "people": [
        {
            "username": "kabid",
            "name": "Kabid",
            "email": "kabid@example.org",
            "password": PASSWORD,
            "positions": ["KABID"],
        },
        {
            "username": "ks",
            "name": "Kepala",
            "email": "ks@example.org",
            "password": PASSWORD,
            "positions": ["KS"],
        },
        {
            "username": "guru",
            "name": "Guru",
            "email": "guru@example.org",
            "password": PASSWORD,
            "positions": ["GURU"],
        },
    ],
    "teams": [{"unit": "SMPN1", "members": ["kabid"]}],
}

CHECK = r"""
import json, django
django.setup()
from django.core.files.storage import default_storage
from integritas.cases.models import Case, Evidence, Event
from integritas.cases import content
from integritas.vault.gc import _walk
problems = []
for case in Case.objects.select_related("unit"):
    rows = list(Evidence.objects.filter(case=case))
    if not rows:
        problems.append(f"{case.reference}: no evidence")
    for row in rows:
        if not default_storage.exists(row.storage_name):
            problems.append(f"{case.reference}: evidence file missing")
        else:
            row.case = case
            if len(b"".join(content.read_file(row))) != row.size:
                problems.append(f"{case.reference}: evidence incomplete")
    last = Event.objects.filter(case=case).order_by("-at", "-id").first()
    if last is None or last.to_status != case.status:
        problems.append(f"{case.reference}: history does not end in the case's state")
    content.report(case)
named = set(Evidence.objects.values_list("storage_name", flat=True))
files = set(_walk("evidence"))
print(json.dumps({"cases": Case.objects.count(), "problems": problems,
                  "orphans": sorted(files - named), "references": list(Case.objects.values_list("reference", flat=True))}))
"""


def submit_loop(http: Http, accepted: list, stop: threading.Event, seed: int) -> None:
    pdf = b"%PDF-1.4\n" + bytes([48 + seed % 10]) * (256 * 1024) + b"\n%%EOF\n"
    while not stop.is_set():
        try:
            r = http.multipart(
                "/api/v1/reports", report_data("SMPN1", "GURU"), [("bukti.pdf", pdf, "application/pdf")]
            )
        except Exception:  # the server died under us
            return
        if r.status == 201:
            accepted.append(r.json())


def test_sigkill_during_concurrent_submissions_leaves_only_whole_reports(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (tmp_path / "org.json").write_text(json.dumps(ORG))
    with scratch_database() as database_url:
        env = cli_env(data_dir, database_url)
        assert run_cli("import-org", str(tmp_path / "org.json"), env=env).returncode == 0
        accepted: list[dict] = []
        with Served(env, tmp_path / "serve1.log") as server:
            server.wait_ready()
            http = Http(server.base)
            stop = threading.Event()
            threads = [threading.Thread(target=submit_loop, args=(http, accepted, stop, i)) for i in range(6)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 30
            while len(accepted) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            server.proc.kill()  # SIGKILL, mid-flight
            server.proc.wait()
            stop.set()
            for t in threads:
                t.join(timeout=30)
        assert len(accepted) >= 8

        # Restart: every accepted report is there and whole.
        with Served(env, tmp_path / "serve2.log") as server:
            server.wait_ready()
            http = Http(server.base)
            for item in accepted:
                r = http.get("/api/v1/track", headers={"X-Receipt": item["receipt"]})
                assert r.status == 200, r.body
                tracked = r.json()
                assert tracked["reference"] == item["reference"]
                assert tracked["status"] == "examination"
                assert len(tracked["evidence"]) == 1
            server.stop()

        assert run_cli("cleanup", "--min-age-minutes", "0", env=env).returncode == 0
        out = subprocess.run(
            [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        state = json.loads(out.stdout.strip().splitlines()[-1])
        assert state["problems"] == []
        assert state["orphans"] == []
        assert {a["reference"] for a in accepted} <= set(state["references"])
