"""Evidence and backups in S3-compatible object storage (issue 13 "Object storage"), against moto's
S3 server on 127.0.0.1, through the real command in subprocesses. What reaches the bucket is
ciphertext: the keys never leave the app."""

from __future__ import annotations

import pytest

from integritas.vault import crypto
from tests.s3 import s3_server  # noqa: F401 - fixture
from tests.vault.procs import cli, data_dirs, tool_json  # noqa: F401 - fixture
from tests.vault.test_backup import confidential, markers

pytestmark = pytest.mark.slow


def test_evidence_lives_encrypted_in_the_bucket_and_backup_restore_go_through_s3(s3_server, data_dirs):  # noqa: F811
    s3 = s3_server.client()
    for bucket in ("evidence-a", "evidence-b", "backups"):
        s3.create_bucket(Bucket=bucket)
    key = crypto.generate_master_key_text()

    source_dir, source = data_dirs("source", INTEGRITAS_MASTER_KEY=key, **s3_server.env("evidence-a"))
    tool_json("populate", "S3T", env=source)
    before = tool_json("describe", env=source)
    stored = s3_server.objects("evidence-a")
    # Five evidence files (tests/vault/tool.py populate), under the files/ prefix, none on local disk.
    assert len(stored) == 5 and all(name.startswith("files/") for name in stored), sorted(stored)
    assert not (source_dir / "files").exists() or not any((source_dir / "files").rglob("*.*"))
    for name, blob in stored.items():
        for marker in markers("S3T"):
            assert marker not in blob, f"{marker!r} is readable in s3://evidence-a/{name}"
    evidence = [e for case in before["cases"] for e in case["evidence"]]
    assert len(evidence) == 5 and all(e["size"] > 0 for e in evidence)

    # The clean-up walks the bucket: a file no row names (a crash between upload and commit) goes.
    s3.put_object(Bucket="evidence-a", Key="files/evidence/00/orphan", Body=b"left by a crash")
    cleaned = cli("cleanup", "--min-age-minutes", "0", env=source)
    assert "Removed 1 orphan" in cleaned.stdout, cleaned.stdout
    assert s3_server.objects("evidence-a").keys() == stored.keys()

    done = cli("backup", "s3://backups/2026/integritas-1.backup", env=source)
    assert "4 cases" in done.stdout and "5 files" in done.stdout, done.stdout
    assert "s3://backups/2026/integritas-1.backup" in done.stdout
    backups = s3_server.objects("backups")
    assert list(backups) == ["2026/integritas-1.backup"]
    for marker in markers("S3T"):
        assert marker not in backups["2026/integritas-1.backup"]
    again = cli("backup", "s3://backups/2026/integritas-1.backup", env=source, ok=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    # No backup is left behind in the data dir.
    assert not list(source_dir.glob(".remote-*"))

    _, target = data_dirs("target", INTEGRITAS_MASTER_KEY=key, **s3_server.env("evidence-b"))
    restored = cli("restore", "s3://backups/2026/integritas-1.backup", env=target)
    assert "4 cases" in restored.stdout and "5 files" in restored.stdout and "intact" in restored.stdout
    assert sorted(s3_server.objects("evidence-b")) == sorted(stored)
    after = tool_json("describe", env=target)
    assert confidential(after) == confidential(before)  # the evidence bytes came back from the bucket

    missing = cli("restore", "s3://backups/nothing-here", env=target, ok=False)
    assert missing.returncode == 1 and "no such object" in missing.stderr
    nowhere = cli("backup", "s3://no-such-bucket/b.backup", env=source, ok=False)
    assert nowhere.returncode == 1 and nowhere.stderr.startswith("error: s3://no-such-bucket/b.backup")
    wrong = cli("backup", "s3://backups", env=source, ok=False)
    assert wrong.returncode == 1 and "s3://BUCKET/NAME" in wrong.stderr
