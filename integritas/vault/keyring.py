"""The master keys a process knows: the current one wraps new data keys, older ones only unwrap.

Where keys come from:
- env mode: ``INTEGRITAS_MASTER_KEY`` is the current key;
- file mode (no variable): ``INTEGRITAS_MASTER_KEY_FILE`` or ``<data dir>/master_key``, generated on
  first start (mode 0600); every command warns while the key sits inside the data dir;
- older keys, while a rotation runs: ``INTEGRITAS_MASTER_KEY_PREVIOUS`` (comma-separated) and, in file
  mode, ``<key file>.previous``.

``integritas keys rotate`` replaces the key file while servers run. A server notices it by the file's
inode and mtime before it wraps a new data key, and reloads its sources when it meets a wrapped key
whose key id it does not know, so it keeps working during and after a rotation without a restart.
Keys once loaded stay known to the process: a server never loses access to what it could open.
"""

from __future__ import annotations

import base64
import os
import threading
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from integritas.private_files import write_private
from integritas.vault.crypto import VaultError, decode_master, generate_master_key_text, key_id

KEY_FILE = "master_key"
PREVIOUS_FILE = "master_key.previous"


class NoMasterKey(VaultError):
    """Neither the variable nor the key file is there (and generating one was not allowed)."""


def env_name() -> str:
    return settings.MASTER_KEY_SETTING


def previous_env_name() -> str:
    return f"{settings.MASTER_KEY_SETTING}_PREVIOUS"


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def configured_key_file() -> Path | None:
    """``INTEGRITAS_MASTER_KEY_FILE``: a key file outside the data dir (generated there on first start)."""
    value = str(getattr(settings, "MASTER_KEY_FILE", "") or "").strip()
    return Path(value).expanduser().absolute() if value else None


def key_file(directory: Path | None = None) -> Path:
    return configured_key_file() or (directory or data_dir()) / KEY_FILE


def previous_file(directory: Path | None = None) -> Path:
    configured = configured_key_file()
    if configured is not None:
        return configured.with_name(configured.name + ".previous")
    return (directory or data_dir()) / PREVIOUS_FILE


def placement_warning(directory: Path | None = None) -> str | None:
    """Why the master key's placement defeats encryption at rest, or None.

    Whoever copies the data dir (a stolen laptop, a copied backup of the folder) must not find the key
    beside the data it opens.
    """
    directory = (directory or data_dir()).resolve()
    in_dir = directory / KEY_FILE
    advice = (
        f"keep it apart: give it as {env_name()} from the service manager, or as "
        f"INTEGRITAS_MASTER_KEY_FILE=<a file outside {directory}> (see SECURITY.md)"
    )
    path = None if env_key_text() else key_file(directory).resolve()
    if path is not None and (path == directory or directory in path.parents):
        return (
            f"the master key is stored inside the data dir ({path}): anyone with a copy of the data dir "
            f"can read every report; {advice}"
        )
    if in_dir.exists():
        return (
            f"a master key file is still in the data dir ({in_dir}) although the key in use is kept "
            "elsewhere: anyone with a copy of the data dir may hold a key to it; remove the file once "
            "it is not needed"
        )
    return None


def env_key_text() -> str:
    return os.environ.get(env_name(), "").strip()


_placement_warned = False


def placement_warning_once(directory: Path | None = None) -> str | None:
    """:func:`placement_warning`, the first time a process asks (serve starts the web app too)."""
    global _placement_warned
    if _placement_warned:
        return None
    _placement_warned = True
    return placement_warning(directory)


def key_source_exists(directory: Path | None = None) -> bool:
    return bool(env_key_text()) or key_file(directory).exists()


def decode_key(text: str, where: str) -> bytes:
    try:
        return decode_master(text)
    except VaultError as exc:
        raise VaultError(f"{where}: {str(exc).replace('INTEGRITAS_MASTER_KEY ', '')}") from None


def hex_id(key: bytes) -> str:
    return key_id(key).hex()


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def write_key_file(path: Path, text: str, *, replace: bool) -> None:
    """Write whole under a private name (0600), then link or rename into place: never half-written.

    Without ``replace`` the first of two concurrent writers wins and both read its key.
    """
    write_private(path, text, replace=replace)


def _read_stamped(path: Path) -> tuple[str, tuple[int, int, int]]:
    with open(path) as fh:
        st = os.fstat(fh.fileno())
        return fh.read(), (st.st_ino, st.st_mtime_ns, st.st_size)


class Keyring:
    def __init__(self, directory: Path | None = None, *, generate: bool = True):
        self.directory = Path(directory) if directory is not None else data_dir()
        self._lock = threading.RLock()
        self._known: dict[bytes, bytes] = {}
        self._current = b""
        self._stamp: tuple[int, int, int] | None = None
        self.load(generate=generate)

    @property
    def env_mode(self) -> bool:
        return bool(env_key_text())

    def load(self, *, generate: bool = False) -> None:
        """(Re)read every source. Raises NoMasterKey when there is no key and ``generate`` is off."""
        text = env_key_text()
        stamp = None
        previous: list[bytes] = []
        if text:
            current = decode_key(text, env_name())
        else:
            path = key_file(self.directory)
            if not path.exists():
                if not generate:
                    raise NoMasterKey(f"no master key: {env_name()} is not set and {path} does not exist")
                write_key_file(path, generate_master_key_text(), replace=False)
            raw, stamp = _read_stamped(path)
            current = decode_key(raw, str(path))
            old = previous_file(self.directory)
            if old.exists():
                previous.append(decode_key(old.read_text(), str(old)))
        for part in os.environ.get(previous_env_name(), "").split(","):
            if part.strip():
                previous.append(decode_key(part, previous_env_name()))
        with self._lock:
            for key in [current, *previous]:
                self._known[key_id(key)] = key
            self._current, self._stamp = current, stamp

    def current(self) -> bytes:
        """The key that wraps new data keys; a replaced key file is picked up here."""
        if self._stamp is not None:
            try:
                st = key_file(self.directory).stat()
            except FileNotFoundError:
                # Removed under us: keep the key in memory rather than fail every request.
                return self._current
            if (st.st_ino, st.st_mtime_ns, st.st_size) != self._stamp:
                self.load()
        return self._current

    def find(self, kid: bytes) -> bytes | None:
        """The key with this id, reloading the sources once if it is unknown (a rotation under way)."""
        key = self._known.get(bytes(kid))
        if key is None:
            try:
                self.load()
            except VaultError:
                return None
            key = self._known.get(bytes(kid))
        return key

    def keys(self) -> list[bytes]:
        """Every known key, the current one first."""
        current = self.current()
        return [current, *(k for k in self._known.values() if k != current)]

    def ids(self) -> list[str]:
        return [key_id(k).hex() for k in self.keys()]


@lru_cache(maxsize=1)
def current_keyring() -> Keyring:
    """This process's keyring (a running server keeps it; ``cache_clear()`` is a restart)."""
    return Keyring()
