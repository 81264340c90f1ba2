"""Private files (secrets, keys): written whole, 0600, and the first writer wins unless told to replace."""

from __future__ import annotations

import stat

from integritas.private_files import write_private


def test_a_private_file_is_one_stripped_line_only_its_owner_reads(tmp_path):
    path = tmp_path / "deeper" / "secret_key"
    write_private(path, "  s3cret \n")
    assert path.read_text() == "s3cret\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left


def test_the_first_writer_wins_unless_the_file_is_replaced(tmp_path):
    path = tmp_path / "master_key"
    write_private(path, "first")
    write_private(path, "second")
    assert path.read_text() == "first\n"
    write_private(path, "third", replace=True)
    assert path.read_text() == "third\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master_key"]
