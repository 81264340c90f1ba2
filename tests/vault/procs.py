"""Data dirs for the real `integritas` command and the tests.vault.tool helper, in subprocesses.

Each data dir gets, in the PostgreSQL pass, a scratch database of its own (tests/server.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.server import cli_env, run_cli, scratch_database

REPO = Path(__file__).resolve().parents[2]


def run_tool(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.vault.tool", *args],
        env={**env, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tool_json(*args: str, env: dict[str, str]) -> dict:
    done = run_tool(*args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli(*args: str, env: dict[str, str], ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = run_cli(*args, env=env, timeout=180)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def data_dirs(tmp_path):
    """new(name, **env) -> (data dir, environment for the CLI)."""
    with ExitStack() as stack:

        def new(name: str, **extra: str) -> tuple[Path, dict[str, str]]:
            path = tmp_path / name
            path.mkdir()
            url = stack.enter_context(scratch_database())
            return path, cli_env(path, url, **extra)

        yield new
