"""`integritas worker`: the real command in subprocesses, delivering to a real SMTP server, and
stopping cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.server import cli_env, run_cli, scratch_database

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with scratch_database() as url:
        yield cli_env(data, url)


def test_worker_once_delivers_the_outbox_then_has_nothing_left(env, smtp):
    env = {**env, "INTEGRITAS_EMAIL_URL": smtp.url}
    demo = run_cli("demo", env=env, timeout=120)
    assert demo.returncode == 0, demo.stderr
    done = run_cli("worker", "--once", env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    received = smtp.received
    assert received, done.stdout
    assert max(Counter(r.message_id for r in received).values()) == 1
    assert "outbox: " in done.stdout and " sent" in done.stdout

    again = run_cli("worker", "--once", env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(smtp.received) == len(received)


def test_worker_without_a_mail_server_keeps_the_mail_and_writes_files_by_default(env):
    done = run_cli("worker", "--once", env=env, timeout=120)
    assert done.returncode == 0, done.stderr  # an empty data dir: migrates, nothing to send
    demo = run_cli("demo", env=env, timeout=120)
    assert demo.returncode == 0, demo.stderr
    done = run_cli("worker", "--once", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    mail_dir = Path(env["INTEGRITAS_DATA_DIR"]) / "mail"
    assert list(mail_dir.glob("*.eml"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_loop_stops_cleanly_on_a_signal(env, tmp_path, signum):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "integritas", "worker", "--interval", "0.2"],
            env=env,
            cwd=env["INTEGRITAS_DATA_DIR"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while "worker running" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
            time.sleep(0.5)  # a few runs
            proc.send_signal(signum)
            assert proc.wait(20) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert "Integritas worker stopped" in log.read_text()
