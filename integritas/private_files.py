"""Files only this user may read (keys, secrets), written so that no reader ever sees half of one.

Plain standard library: ``settings`` uses it before Django is set up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, text: str, *, replace: bool = False) -> None:
    """Write ``text`` (stripped, one line end) under a private name (0600), then link or rename it into place.

    Without ``replace`` a file already at ``path`` stays: of two concurrent writers the first wins and
    both read its text afterwards.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text.strip() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
    finally:
        tmp.unlink(missing_ok=True)
