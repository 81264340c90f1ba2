"""Run the real `integritas` command in subprocesses: environment, scratch database, served process.

The subprocesses never share the test run's database: each gets a fresh data dir (SQLite file and
generated keys) and, in the PostgreSQL pass, a scratch database of its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

# Settings the child must not inherit from the test run: it generates its own keys into its data dir.
_NOT_INHERITED = ("DATABASE_URL", "INTEGRITAS_SECRET_KEY", "INTEGRITAS_MASTER_KEY", "INTEGRITAS_DATA_DIR")


def cli_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        INTEGRITAS_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="integritas.settings",
        PYTHONUNBUFFERED="1",
        INTEGRITAS_LOG_LEVEL="INFO",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "integritas", *args],
        env=env,
        cwd=env["INTEGRITAS_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def scratch_database() -> Iterator[str | None]:
    """None on SQLite runs; in the PostgreSQL pass the URL of a fresh database, dropped afterwards.

    The served process must never touch the run's own database (`test` in dev.py), nor the
    test database pytest-django made from it.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield None
        return
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = f"integritas_serve_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunparse(parsed._replace(path="/" + name))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class Served:
    """`integritas serve` in a subprocess, its output in a log file."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        port: int | None = None,
        args: tuple[str, ...] = (),
        program: tuple[str, ...] = (sys.executable, "-m", "integritas"),
    ):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                *program,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *args,
            ],
            env=env,
            cwd=env["INTEGRITAS_DATA_DIR"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, path: str = "/api/v1/openapi.json", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited with {self.proc.returncode}:\n{self.output}")
            try:
                # A loaded machine may take seconds to answer the first request: wait for it.
                with urllib.request.urlopen(self.base + path, timeout=10) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        # Not left running behind a failed test (callers that do not use ``with`` would leak it).
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"serve did not answer {path} within {timeout} s:\n{self.output}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send the signal and wait; the exit code (the process is killed if it does not stop)."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signum)
                try:
                    return self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    raise AssertionError(
                        f"serve did not stop within {timeout} s of signal {signum}:\n{self.output}"
                    ) from None
            return self.proc.returncode
        finally:
            self._log.close()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self._log.closed:
            self._log.close()
