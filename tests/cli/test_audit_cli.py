"""`integritas audit verify` (API.md §1): exit 0 on an intact chain, non-zero naming the first broken entry."""

from __future__ import annotations

import sqlite3

import pytest

from tests.server import cli_env, scratch_database
from tests.vault.procs import cli, tool_json

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with scratch_database() as url:
        yield cli_env(data, url)


def tamper(env: dict[str, str], sql: str, *params: object) -> None:
    """Change the audit table behind the application's back, in whichever database the CLI uses."""
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute(sql.replace("?", "%s"), params).rowcount == 1
        return
    conn = sqlite3.connect(f"{env['INTEGRITAS_DATA_DIR']}/integritas.sqlite3", timeout=30)
    try:
        with conn:
            assert conn.execute(sql, params).rowcount == 1
    finally:
        conn.close()


def test_audit_verify_names_the_tampered_entry(env):
    tool_json("populate", "AUD", env=env)
    intact = cli("audit", "verify", env=env)
    assert "audit chain intact" in intact.stdout

    tamper(env, "UPDATE audit_auditentry SET actor = ? WHERE seq = ?", "somebody-else", 3)
    broken = cli("audit", "verify", env=env, ok=False)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "#3" in broken.stderr and "changed" in broken.stderr, broken.stderr


def test_audit_verify_names_a_removed_entry(env):
    tool_json("populate", "AUD", env=env)
    tamper(env, "DELETE FROM audit_auditentry WHERE seq = ?", 5)
    broken = cli("audit", "verify", env=env, ok=False)
    assert broken.returncode == 1 and "#5" in broken.stderr, broken.stderr
