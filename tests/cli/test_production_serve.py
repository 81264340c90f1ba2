"""`integritas serve` for production (issue 13 "Production serving", issue 12 item 16), through the
real command in subprocesses: several processes under gunicorn, e-mail links on the served address,
compressed pages, hashed static files, the favicon, and rate limits shared through Redis."""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.api.http import Http
from tests.cli.test_serve import ORG
from tests.factories import report_data
from tests.proxy import fetch
from tests.server import Served, cli_env, free_port, run_cli, scratch_database

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"


def _mails(folder: Path) -> list[str]:
    texts = []
    for path in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        texts.append(body.get_content() if body is not None else "")
    return texts


def test_serve_with_workers_runs_several_processes_and_mail_links_use_the_served_port(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with scratch_database() as url:
        env = cli_env(data, url, INTEGRITAS_SCHEDULER_INTERVAL="1")
        env.pop("INTEGRITAS_PUBLIC_URL", None)
        org_file = tmp_path / "org.json"
        org_file.write_text(json.dumps(ORG), encoding="utf-8")
        assert run_cli("import-org", str(org_file), env=env).returncode == 0

        port = free_port()
        with Served(env, tmp_path / "serve.log", port=port, args=("--workers", "2")) as server:
            server.wait_ready()
            # gunicorn's two workers and the scheduler's `integritas worker`, below the serving process.
            below = _children(server.proc.pid)
            assert len(below) >= 3, (below, server.output)
            assert "Booting worker" in server.output and "Integritas worker running" in server.output

            http = Http(server.base)
            filed = http.post("/api/v1/reports", report_data("SMPN-T", "GURU-T"))
            assert filed.status == 201, (filed.status, filed.body, server.output)
            deadline = time.monotonic() + 30
            texts: list[str] = []
            while time.monotonic() < deadline:
                texts = _mails(data / "mail")
                if any("http" in t for t in texts):
                    break
                time.sleep(0.3)
            links = [link for t in texts for link in re.findall(r"https?://[^\s>\"]+", t)]
            assert links, f"no mail with a link:\n{texts}\n{server.output}"
            assert all(link.startswith(f"http://127.0.0.1:{port}/") for link in links), links

            assert server.stop(signal.SIGTERM, timeout=30) == 0, server.output
        assert "Integritas stopped" in server.output
        time.sleep(0.5)
        left = [p for p in below if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        assert not left, f"processes left running after SIGTERM: {left}"


def test_pages_are_compressed_the_stylesheet_is_hashed_and_cached_and_there_is_a_favicon(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with scratch_database() as url, Served(cli_env(data, url), tmp_path / "serve.log") as server:
        server.wait_ready()
        page = fetch(server.port, "GET", "/", headers={"Accept-Encoding": "gzip"})
        assert page.status == 200 and page.header("Content-Encoding") == "gzip"
        html = gzip.decompress(page.body)
        css = re.search(rb'href="(/static/web/site\.[0-9a-f]{12}\.css)"', html)
        assert css, html[:800]
        icon_link = re.search(rb'rel="icon" href="(/static/web/favicon\.[0-9a-f]{12}\.ico)"', html)
        assert icon_link, html[:800]

        sheet = fetch(server.port, "GET", css.group(1).decode(), headers={"Accept-Encoding": "gzip"})
        assert sheet.status == 200 and sheet.header("Content-Encoding") == "gzip"
        assert b"--brand" in gzip.decompress(sheet.body)
        max_age = int(re.search(r"max-age=(\d+)", sheet.header("Cache-Control")).group(1))
        assert max_age >= 365 * 24 * 3600 and "immutable" in sheet.header("Cache-Control")

        for path in ("/favicon.ico", icon_link.group(1).decode()):
            icon = fetch(server.port, "GET", path)
            assert icon.status == 200, path
            assert icon.body[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert "Not Found: /favicon.ico" not in server.output
        assert server.stop() == 0


def _redis_url() -> str:
    """The local Redis on 127.0.0.1:6379, started when it is not running (CI must have it)."""

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", 6379), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    if not answers() and shutil.which("redis-server"):
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
             "--save", "", "--appendonly", "no"],
            check=False, capture_output=True,
        )  # fmt: skip
        for _ in range(50):
            if answers():
                break
            time.sleep(0.1)
    if not answers():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 and could not be started")
        pytest.skip("Redis is not running on 127.0.0.1:6379 (redis-server not installed)")
    return "redis://127.0.0.1:6379/0"


def test_two_app_servers_share_the_rate_limits_through_redis(tmp_path):
    redis_url = _redis_url()
    prefix = f"integritas-test-{secrets.token_hex(4)}"
    servers = []
    try:
        for name in ("a", "b"):
            data = tmp_path / name
            data.mkdir()
            env = cli_env(
                data,
                None,
                INTEGRITAS_REDIS_URL=redis_url,
                INTEGRITAS_CACHE_PREFIX=prefix,
                INTEGRITAS_RECEIPT_FAILURES="3",
            )
            servers.append(Served(env, tmp_path / f"{name}.log"))
        for server in servers:
            server.wait_ready()
        a, b = (Http(s.base) for s in servers)
        wrong = {"X-Receipt": "SALAH-SALAH-SALAH-SALAH"}
        assert [a.get("/api/v1/track", headers=wrong).status for _ in range(3)] == [401] * 3
        # The lock set through server A holds on server B: the counters live in Redis.
        locked = b.get("/api/v1/track", headers=wrong)
        assert locked.status == 429, (locked.status, locked.body)
        import redis

        keys = redis.Redis.from_url(redis_url).keys(f"{prefix}:*")
        assert keys, "nothing was written to Redis"
        for server in servers:
            assert server.stop() == 0, server.output
    finally:
        for server in servers:
            server.__exit__()
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)
