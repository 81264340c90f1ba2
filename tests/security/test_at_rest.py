"""Encryption at rest (SPEC §4): what a reporter writes never lands anywhere in clear.

A report with unique markers in the reporter's name, the description, messages both ways and an
evidence file goes through the real server; the handler reads every marker back through the API;
then the database file (and its WAL), the storage folder, logs and everything else in the data dir,
or a pg_dump of the database, hold none of them: not raw, not hex, not base64.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.api.http import Http
from tests.server import Served, cli_env, run_cli, scratch_database

PASSWORD = "Kuat-Sekali-2026!"
ORG = {
    "holidays": [],
    "units": [
        {"code": "DIS-AR", "name": "Dinas Uji", "parent": None, "timezone": "Asia/Jakarta", "work_week": "mon-fri"},
        {"code": "SMP-AR", "name": "SMP Uji", "parent": "DIS-AR", "work_week": "mon-sat",
         "policy": {"require_evidence": False}},
    ],
    "positions": [
        {"code": "KS-AR", "unit": "SMP-AR", "title": "Kepala Sekolah", "reports_to": None},
        {"code": "GURU-AR", "unit": "SMP-AR", "title": "Guru", "reports_to": "KS-AR"},
    ],
    "people": [
        {"username": "kepala", "name": "Kepala", "email": "ks@example.org", "password": PASSWORD,
         "positions": ["KS-AR"], "admin": False},
        {"username": "guru", "name": "Guru", "email": "guru@example.org", "password": PASSWORD,
         "positions": ["GURU-AR"], "admin": False},
    ],
    "teams": [],
}  # fmt: skip


def new_markers() -> dict[str, str]:
    tag = secrets.token_hex(6).upper()
    return {
        part: f"ZQX{part.upper()}{tag}"
        for part in ("name", "email", "description", "tomessage", "frommessage", "file")
    }


def encodings(marker: str) -> list[bytes]:
    """The marker raw, in hex (how bytea prints) and inside base64 at each of the three alignments."""
    raw = marker.encode()
    found = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        found.append(encoded[4 if shift else 0 : -4])
    return found


def leaks(blob: bytes, markers: dict[str, str]) -> list[str]:
    return [name for name, marker in markers.items() if any(form in blob for form in encodings(marker))]


def pdf_with(marker: str) -> bytes:
    return b"%PDF-1.4\n% " + marker.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def report_json(unit: str, position: str, markers: dict[str, str]) -> dict:
    return {
        "unit": unit,
        "subject": {"position": position},
        "decision": {"title": "Pengadaan seragam", "number": "1/2026", "date": "2026-07-01", "kind": "procurement"},
        "categories": ["procurement"],
        "description": f"Kronologi: {markers['description']} di ruang guru.",
        "reporter": {"name": markers["name"], "email": f"{markers['email']}@example.net", "phone": None, "nik": None,
                     "relation": "orang tua siswa"},
        "anonymous": False,
        "good_faith": True,
    }  # fmt: skip


def file_and_handle(http: Http, markers: dict[str, str], unit: str, position: str, handler: str) -> None:
    """Report, messages both ways; the handler sees every marker through the API."""
    evidence = pdf_with(markers["file"])
    r = http.multipart(
        "/api/v1/reports", report_json(unit, position, markers), [("bukti.pdf", evidence, "application/pdf")]
    )
    assert r.status == 201, r.body
    ref, receipt = r.json()["reference"], r.json()["receipt"]
    r = http.post("/api/v1/track/messages", {"text": markers["frommessage"]}, headers={"X-Receipt": receipt})
    assert r.status == 201, r.body
    token = http.token(handler, PASSWORD)
    r = http.post(f"/api/v1/cases/{ref}/messages", {"text": markers["tomessage"]}, token=token)
    assert r.status == 201, r.body

    case = http.get(f"/api/v1/cases/{ref}", token=token).json()
    assert markers["description"] in case["description"]
    assert case["reporter"]["name"] == markers["name"]
    texts = json.dumps(case["messages"])
    assert markers["frommessage"] in texts and markers["tomessage"] in texts
    (item,) = case["evidence"]
    download = http.get(f"/api/v1/cases/{ref}/evidence/{item['id']}", token=token)
    assert download.status == 200 and download.body == evidence
    tracked = http.get("/api/v1/track", headers={"X-Receipt": receipt}).json()
    assert markers["tomessage"] in json.dumps(tracked["messages"])


def grep_tree(root: Path, markers: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            hits = leaks(path.read_bytes(), markers)
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def pg_dump(url: str) -> bytes:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    done = subprocess.run(
        ["pg_dump", "--no-owner", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
         "-U", parsed.username or "postgres", parsed.path.lstrip("/")],
        env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert b"COPY public.cases_case" in done.stdout
    return done.stdout


@pytest.mark.slow
def test_nothing_confidential_in_the_data_dir_database_or_logs(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    markers = new_markers()
    with scratch_database() as url:
        env = cli_env(data, url, INTEGRITAS_SCHEDULER_INTERVAL="1", INTEGRITAS_LOG_LEVEL="DEBUG")
        org = tmp_path / "org.json"
        org.write_text(json.dumps(ORG), encoding="utf-8")
        assert run_cli("import-org", str(org), env=env).returncode == 0
        log = tmp_path / "serve.log"
        with Served(env, log) as server:
            server.wait_ready()
            file_and_handle(Http(server.base), markers, "SMP-AR", "GURU-AR", "kepala")
            time.sleep(2.5)  # the scheduler has run: the outbox was delivered
            live = grep_tree(data, markers)  # while running: the WAL holds the latest pages
            assert server.stop() == 0, server.output
        assert (data / "files").is_dir() and any((data / "files").rglob("*"))
        if url is None:
            assert (data / "integritas.sqlite3").is_file()
        # Mail to the reporter went to the embedded file sink: without their name or address.
        assert any((data / "mail").glob("*.eml"))
        assert live == {}, f"markers in clear while serving: {live}"
        assert grep_tree(data, markers) == {}
        assert leaks(log.read_bytes(), markers) == []
        if url is not None:
            assert leaks(pg_dump(url), markers) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nothing_confidential_in_a_pg_dump_of_the_database(org, client):
    from django.db import connection

    assert shutil.which("pg_dump"), "pg_dump is not installed"
    markers = new_markers()
    report = report_json(org.school.code, org.p_teacher.code, markers)
    evidence = pdf_with(markers["file"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        "/api/v1/reports",
        {
            "data": json.dumps(report),
            "evidence": SimpleUploadedFile("bukti.pdf", evidence, "application/pdf"),
        },
    )
    assert r.status_code == 201, r.content
    ref, receipt = r.json()["reference"], r.json()["receipt"]
    r = client.post("/api/v1/track/messages", {"text": markers["frommessage"]}, content_type="application/json",
                    HTTP_X_RECEIPT=receipt)  # fmt: skip
    assert r.status_code == 201, r.content
    token = client.post(
        "/api/v1/auth/token",
        {"username": "vice", "password": "Kuat-Sekali-2026!"},
        content_type="application/json",
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.post(
        f"/api/v1/cases/{ref}/messages",
        {"text": markers["tomessage"]},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201, r.content
    case = client.get(f"/api/v1/cases/{ref}", **auth).json()
    assert markers["description"] in case["description"] and case["reporter"]["name"] == markers["name"]
    assert markers["frommessage"] in json.dumps(case["messages"])
    download = client.get(f"/api/v1/cases/{ref}/evidence/{case['evidence'][0]['id']}", **auth)
    assert b"".join(download.streaming_content) == evidence

    settings_dict = connection.settings_dict
    url = (
        f"postgresql://{settings_dict['USER'] or 'postgres'}:{settings_dict['PASSWORD'] or ''}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    dump = pg_dump(url)
    assert markers["description"].encode() not in dump
    assert leaks(dump, markers) == []
