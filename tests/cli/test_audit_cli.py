"""`integritas audit verify` (API.md §1): exit 0 on an intact chain, non-zero naming the first broken entry."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

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


def test_audit_verify_catches_the_two_attacks_of_the_security_report(env):
    """Finding 4: (a) delete the newest entry and move the head back; (b) rewrite an entry and recompute
    the chain with the public algorithm. Both passed as "intact" before the chain was keyed and anchored."""
    tool_json("populate", "AUD", env=env)
    assert "intact" in cli("audit", "verify", env=env).stdout
    anchor = Path(env["INTEGRITAS_DATA_DIR"]) / "audit-anchor.log"
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    newest = int(anchor.read_text().splitlines()[-1].split()[0])

    # (a) tail truncation
    tamper(env, "DELETE FROM audit_auditentry WHERE seq = ?", newest)
    tamper(env, "UPDATE audit_audithead SET seq = ?, hash = (SELECT hash FROM audit_auditentry WHERE seq = ?)",
           newest - 1, newest - 1)  # fmt: skip
    broken = cli("audit", "verify", env=env, ok=False)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"broken at entry #{newest}: missing" in broken.stderr and "cut" in broken.stderr, broken.stderr


def test_audit_verify_catches_a_recomputed_chain(env):
    tool_json("populate", "AUD", env=env)
    tool_json("audit-rewrite", "3", env=env)
    broken = cli("audit", "verify", env=env, ok=False)
    assert broken.returncode == 1 and "#3" in broken.stderr, broken.stderr


def test_audit_verify_checks_a_head_from_the_anchor_mail(env):
    tool_json("populate", "AUD", env=env)
    lines = (Path(env["INTEGRITAS_DATA_DIR"]) / "audit-anchor.log").read_text().splitlines()
    seq, digest = lines[-1].split()[:2]
    assert "1 anchor(s) given" in cli("audit", "verify", "--anchor", f"{seq}:{digest}", env=env).stdout
    wrong = cli("audit", "verify", "--anchor", f"{seq}:{'0' * 64}", env=env, ok=False)
    assert wrong.returncode == 1 and f"#{seq}" in wrong.stderr
    bad = cli("audit", "verify", "--anchor", "12:xyz", env=env, ok=False)
    assert bad.returncode == 2 and "NUMBER:HASH" in bad.stderr


def test_a_chain_from_before_the_upgrade_becomes_the_first_segment_of_the_keyed_chain(env):
    """Upgrade path: entries hashed the old way stay as they are; the migration marks them as the
    chain's unkeyed first segment, and the first keyed entry seals them."""
    tool_json("legacy-chain", "5", env=env)
    done = cli("audit", "verify", env=env)  # migrates (0002), then verifies
    assert "audit chain intact: 5 entries" in done.stdout and "before the chain was keyed" in done.stdout
    tool_json("populate", "UPG", env=env)  # keyed entries after them
    done = cli("audit", "verify", env=env)
    assert "entries #1-#5 were made before the chain was keyed" in done.stdout, done.stdout

    # Rewriting the old segment, even consistently with the old algorithm, breaks the first keyed entry.
    tool_json("audit-rewrite", "2", "5", env=env)
    broken = cli("audit", "verify", env=env, ok=False)
    assert broken.returncode == 1 and "#6" in broken.stderr and "does not follow" in broken.stderr, (
        broken.stderr
    )
