"""`integritas backup FILE` / `integritas restore FILE` through the real command, in subprocesses."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from integritas.vault import crypto
from tests.vault.procs import REPO, cli, tool_json

pytestmark = pytest.mark.slow


def confidential(described: dict) -> dict:
    return {k: described[k] for k in ("cases", "totp", "people")}


def markers(tag: str) -> list[bytes]:
    found = [f"{tag}-description", f"{tag}-reporter", f"{tag}-message", f"{tag}-evidence", f"{tag}-ev-", "%PDF",
             "SMPN1", "Kepala Sekolah", "principal", "siti@example.net", "case.submitted", "db.jsonl"]  # fmt: skip
    return [m.encode() for m in found]


def test_backup_and_restore_into_a_fresh_data_dir_with_the_key_in_the_environment(tmp_path, data_dirs):
    key = crypto.generate_master_key_text()
    _, source = data_dirs("source", INTEGRITAS_MASTER_KEY=key)
    tool_json("populate", "BKP", env=source)
    before = tool_json("describe", env=source)
    backup = tmp_path / "integritas.backup"

    done = cli("backup", str(backup), env=source)
    assert "4 cases" in done.stdout and "5 files" in done.stdout, done.stdout
    assert (backup.stat().st_mode & 0o777) == 0o600
    blob = backup.read_bytes()
    for marker in markers("BKP"):
        assert marker not in blob, f"{marker!r} is readable in the backup"
    again = cli("backup", str(backup), env=source, ok=False)
    assert again.returncode == 1 and "already exists" in again.stderr

    target_dir, target = data_dirs("target", INTEGRITAS_MASTER_KEY=key)
    restored = cli("restore", str(backup), env=target)
    assert "4 cases" in restored.stdout and "5 files" in restored.stdout and "intact" in restored.stdout
    after = tool_json("describe", env=target)
    assert confidential(after) == confidential(before)  # descriptions, messages, evidence bytes, TOTP
    assert after["audit"][0] is True
    verified = cli("audit", "verify", env=target)
    assert "intact" in verified.stdout
    assert not (target_dir / "master_key").exists()

    # Into a data dir that now holds cases: refused, nothing changed.
    refused = cli("restore", str(backup), env=target, ok=False)
    assert (
        refused.returncode == 1
        and "refusing to restore" in refused.stderr
        and "4 cases.case" in refused.stderr
    )
    assert confidential(tool_json("describe", env=target)) == confidential(before)


def test_restore_with_a_copied_key_file_and_never_with_another_key(tmp_path, data_dirs):
    source_dir, source = data_dirs("source")
    tool_json("populate", "KEYF", env=source)
    before = tool_json("describe", env=source)
    backup = tmp_path / "b.igb"
    cli("backup", str(backup), env=source)
    kid = crypto.key_id(crypto.decode_master((source_dir / "master_key").read_text())).hex()
    head = backup.read_bytes()[:29]  # magic, format, key id, salt: the only bytes in clear
    assert head[:4] == b"IGBK" and head[5:13].hex() == kid

    # No key at all: refused, and no key is generated.
    bare_dir, bare = data_dirs("bare")
    refused = cli("restore", str(backup), env=bare, ok=False)
    assert refused.returncode == 1 and kid in refused.stderr and "no master key" in refused.stderr
    assert not (bare_dir / "master_key").exists()

    # Another key: refused naming the backup's key id.
    other = {**bare, "INTEGRITAS_MASTER_KEY": crypto.generate_master_key_text()}
    refused = cli("restore", str(backup), env=other, ok=False)
    assert refused.returncode == 1 and kid in refused.stderr

    # A tampered backup: refused, and nothing was restored.
    tampered = tmp_path / "tampered.igb"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    shutil.copy2(source_dir / "master_key", bare_dir / "master_key")
    refused = cli("restore", str(tampered), env=bare, ok=False)
    assert refused.returncode == 1 and "cannot be read" in refused.stderr, refused.stderr
    assert not [p for p in (bare_dir / "files").rglob("*") if p.is_file()], (
        "files of a refused restore remain"
    )

    # The key file copied over: everything comes back.
    cli("restore", str(backup), env=bare)
    assert confidential(tool_json("describe", env=bare)) == confidential(before)
    assert "intact" in cli("audit", "verify", env=bare).stdout


def test_a_backup_taken_while_reports_arrive_restores_consistently(tmp_path, data_dirs):
    key = crypto.generate_master_key_text()
    _, source = data_dirs("source", INTEGRITAS_MASTER_KEY=key)
    tool_json("populate", "LIVE", env=source)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.vault.tool", "write-loop", str(stop), "LIVE"],
        env={**source, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        first = writer.stdout.readline()  # the writer is running before the backup starts
        assert first.startswith("wrote"), first + (writer.stderr.read() if writer.stderr else "")
        backup = tmp_path / "live.igb"
        cli("backup", str(backup), env=source)
        time.sleep(0.3)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out.strip().splitlines()[-1].split()[1]) if out.strip() else 1
    assert written >= 2, "the writer did not overlap the backup"

    source_now = tool_json("describe", env=source)
    _, target = data_dirs("target", INTEGRITAS_MASTER_KEY=key)
    cli("restore", str(backup), env=target)
    restored = tool_json("describe", env=target)
    assert restored["audit"][0] is True, restored["audit"]
    by_ref = {c["reference"]: c for c in source_now["cases"]}
    assert 4 < len(restored["cases"]) < len(source_now["cases"])  # a cut in the middle of the writes
    for case in restored["cases"]:  # every restored case opens, with its files, as in the source
        assert case == by_ref[case["reference"]]
    refs = [c["reference"] for c in restored["cases"]]
    filed = [c["reference"] for c in source_now["cases"]]  # in the order they were filed
    assert refs == filed[: len(refs)], "the snapshot is not a prefix of the writes"
    assert "intact" in cli("audit", "verify", env=target).stdout


def anchor_lines(data_dir) -> list[str]:
    return [
        line for line in (data_dir / "audit-anchor.log").read_text().splitlines() if not line.startswith("#")
    ]


def test_restore_carries_the_anchor_and_keeps_a_newer_one_aside(tmp_path, data_dirs):
    """The backup holds the anchor lines written before its snapshot; the restored data dir's anchor
    starts with them. An anchor already in the target (the same server, its database lost) is renamed:
    it names entries the backup does not have, and the restore's audit entry says how far it went."""
    key = crypto.generate_master_key_text()
    source_dir, source = data_dirs("source", INTEGRITAS_MASTER_KEY=key)
    tool_json("populate", "ANC", env=source)
    backup = tmp_path / "anchored.igb"
    cli("backup", str(backup), env=source)
    in_backup = anchor_lines(source_dir)[:-1]  # the last line is the backup.created entry, made after
    cli("backup", str(tmp_path / "later.igb"), env=source)  # the server goes on: more entries

    target_dir, target = data_dirs("target", INTEGRITAS_MASTER_KEY=key)
    shutil.copy2(source_dir / "audit-anchor.log", target_dir / "audit-anchor.log")
    newest_before = int(anchor_lines(target_dir)[-1].split()[0])
    restored = cli("restore", str(backup), env=target)
    assert "the anchor file that was here is kept as" in restored.stdout and "intact" in restored.stdout
    kept = list(target_dir.glob("audit-anchor.log.replaced-*"))
    assert len(kept) == 1 and kept[0].read_text() == (source_dir / "audit-anchor.log").read_text()
    lines = anchor_lines(target_dir)
    assert lines[: len(in_backup)] == in_backup
    head_seq = len(in_backup)
    assert lines[len(in_backup)].split()[0] == str(head_seq)  # the restored head
    assert lines[-1].split()[0] == str(head_seq + 1)  # backup.restored, anchored as it committed
    verified = cli("audit", "verify", env=target)
    assert "intact" in verified.stdout and f"confirms the log up to entry #{head_seq + 1}" in verified.stdout
    described = tool_json("describe", env=target)
    assert described["audit"][0] is True
    trail = tool_json("audit-entry", "backup.restored", env=target)
    assert trail["previous_anchor"]["newest_seq"] == newest_before > head_seq


def test_restore_reports_a_chain_cut_before_the_backup(tmp_path, data_dirs):
    from tests.cli.test_audit_cli import tamper

    key = crypto.generate_master_key_text()
    source_dir, source = data_dirs("source", INTEGRITAS_MASTER_KEY=key)
    tool_json("populate", "CUT", env=source)
    newest = int(anchor_lines(source_dir)[-1].split()[0])
    tamper(source, "DELETE FROM audit_auditentry WHERE seq = ?", newest)
    tamper(source, "UPDATE audit_audithead SET seq = ?, hash = (SELECT hash FROM audit_auditentry WHERE seq = ?)",
           newest - 1, newest - 1)  # fmt: skip
    backup = tmp_path / "cut.igb"
    cli("backup", str(backup), env=source)

    _, target = data_dirs("target", INTEGRITAS_MASTER_KEY=key)
    restored = cli("restore", str(backup), env=target, ok=False)
    assert restored.returncode == 1, restored.stdout + restored.stderr
    assert "Restored" in restored.stdout
    assert f"WARNING: audit chain broken at entry #{newest}: missing" in restored.stderr, restored.stderr
    assert cli("audit", "verify", env=target, ok=False).returncode == 1
