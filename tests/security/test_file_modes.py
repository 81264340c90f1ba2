"""Finding 12 of the security report: the data dir was 0755 and the database 0644, readable by every local
user, with the master key beside them. Now the data dir is 0700 and every file 0600; every command warns
while the master key sits inside the data dir, and INTEGRITAS_MASTER_KEY_FILE keeps it elsewhere."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from integritas.vault import crypto
from tests.server import cli_env, scratch_database
from tests.vault.procs import cli, tool_json

pytestmark = pytest.mark.slow

WARNING = "the master key is stored inside the data dir"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh(tmp_path):
    """A data dir the command creates itself (nothing there yet)."""
    with scratch_database() as url:
        yield tmp_path / "srv" / "integritas", cli_env(tmp_path / "srv" / "integritas", url)


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "integritas", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return done


def test_a_new_data_dir_is_private_to_its_owner(fresh, tmp_path):
    data, env = fresh
    done = run("sweep", env=env, cwd=tmp_path)
    assert mode(data) == 0o700
    tool_json("populate", "MODE", env=env)
    backup = tmp_path / "b.igb"
    run("backup", str(backup), env=env, cwd=tmp_path)
    files = all_files(data)
    names = {p.name for p in files}
    assert {"master_key", "secret_key", "audit-anchor.log"} <= names, names
    if "DATABASE_URL" not in env:
        assert "integritas.sqlite3" in names
    assert any(p.parts[-3:-2] == ("evidence",) or "evidence" in p.parts for p in files), names
    loose = {str(p.relative_to(data)): oct(mode(p)) for p in files if mode(p) & 0o077}
    assert not loose, loose
    dirs = {str(p.relative_to(data)): oct(mode(p)) for p in data.rglob("*") if p.is_dir() and mode(p) & 0o077}
    assert not dirs, dirs
    assert mode(backup) == 0o600
    # One clear warning line, on stderr (stdout stays what scripts read).
    assert done.stderr.count(WARNING) == 1, done.stderr
    assert WARNING not in done.stdout


def test_an_older_loose_data_dir_is_tightened(data_dirs):
    data, env = data_dirs("data")
    cli("sweep", env=env)
    data.chmod(0o755)
    database = data / "integritas.sqlite3"
    if database.exists():
        database.chmod(0o644)
    cli("sweep", env=env)
    assert mode(data) == 0o700
    if database.exists():
        assert mode(database) == 0o600


def test_no_warning_with_the_key_from_the_environment(data_dirs):
    _, env = data_dirs("data", INTEGRITAS_MASTER_KEY=crypto.generate_master_key_text())
    done = cli("sweep", env=env)
    assert "master key" not in done.stderr, done.stderr


def test_a_key_file_outside_the_data_dir(data_dirs, tmp_path):
    keys = tmp_path / "etc-integritas"
    keys.mkdir(mode=0o700)
    key = keys / "master_key"
    data, env = data_dirs("data", INTEGRITAS_MASTER_KEY_FILE=str(key))
    done = cli("sweep", env=env)
    assert "master key" not in done.stderr, done.stderr
    assert mode(key) == 0o600 and not (data / "master_key").exists()
    tool_json("populate", "KEYF", env=env)
    assert "intact" in cli("audit", "verify", env=env).stdout
    rotated = cli("keys", "rotate", "--grace", "0", env=env)
    assert "Rotated" in rotated.stdout and not (data / "master_key").exists()
    assert not (keys / "master_key.previous").exists()
    assert "intact" in cli("audit", "verify", env=env).stdout

    # The same file given inside the data dir: warned about.
    inside = {**env, "INTEGRITAS_MASTER_KEY_FILE": str(data / "key.txt")}
    (data / "key.txt").write_text(key.read_text())
    assert WARNING in cli("sweep", env=inside).stderr


def test_the_worker_logs_the_warning_once(data_dirs):
    _, env = data_dirs("data")
    done = cli("worker", "--once", env=env)
    log = done.stdout + done.stderr
    assert log.count(WARNING) == 1, log
    assert "WARNING" in done.stdout  # a log line, with the worker's log


def test_a_key_file_left_in_the_data_dir_after_moving_the_key_is_warned_about(data_dirs, tmp_path):
    data, env = data_dirs("data")
    cli("sweep", env=env)
    moved = tmp_path / "master_key"
    moved.write_text((data / "master_key").read_text())
    for apart in (
        {"INTEGRITAS_MASTER_KEY_FILE": str(moved)},
        {"INTEGRITAS_MASTER_KEY": moved.read_text().strip()},
    ):
        done = cli("sweep", env={**env, **apart})
        assert "a master key file is still in the data dir" in done.stderr, done.stderr
    (data / "master_key").unlink()
    assert "master key" not in cli("sweep", env={**env, "INTEGRITAS_MASTER_KEY_FILE": str(moved)}).stderr
