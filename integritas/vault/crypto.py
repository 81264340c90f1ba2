"""Envelope encryption: a random data key per case, wrapped (AES-GCM) by the master key.

Confidential text and files never reach the database or the storage folder in clear; only the
master key (environment or the generated key file, mode 0600) can unwrap the data keys.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterable, Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEAL_VERSION = b"\x01"
WRAP_VERSION = b"\x01"
SEAL_MASTER_VERSION = b"\x02"
FILE_MAGIC = b"IGF1"
CHUNK = 64 * 1024


class VaultError(Exception):
    """The master key cannot open what was stored (wrong key, or tampered data)."""


def decode_master(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise VaultError("INTEGRITAS_MASTER_KEY is not valid base64") from exc
    if len(raw) != 32:
        raise VaultError("INTEGRITAS_MASTER_KEY must encode exactly 32 bytes (256 bits)")
    return raw


def generate_master_key_text() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def master_key() -> bytes:
    """The current master key (env or key file); older ones stay usable for unwrapping (vault.keyring)."""
    from integritas.vault.keyring import current_keyring

    return current_keyring().current()


def _master_for(kid: bytes) -> bytes:
    from integritas.vault.keyring import current_keyring

    key = current_keyring().find(kid)
    if key is None:
        raise VaultError(
            f"these data were encrypted under master key id {bytes(kid).hex()}, which this process does not "
            "have (set INTEGRITAS_MASTER_KEY, or INTEGRITAS_MASTER_KEY_PREVIOUS during a rotation)"
        )
    return key


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"integritas-key-id" + key).digest()[:8]


def new_data_key() -> tuple[bytes, bytes]:
    """(data key, data key wrapped by the master key)."""
    key = AESGCM.generate_key(bit_length=256)
    return key, wrap_key(key)


def new_row_key(row: Any) -> bytes:
    """Give a row (a case, a declaration…) a data key of its own: wrapped in ``row.wrapped_key``,
    kept in clear on the object only for as long as it lives."""
    key, wrapped = new_data_key()
    row.wrapped_key = wrapped
    row._data_key = key
    return key


def row_key(row: Any) -> bytes:
    """The data key of a row, unwrapped once and then kept on the object."""
    cached: bytes | None = getattr(row, "_data_key", None)
    if cached is None:
        cached = unwrap_key(bytes(row.wrapped_key))
        row._data_key = cached
    return cached


def wrap_key(key: bytes, master: bytes | None = None) -> bytes:
    master = master or master_key()
    nonce = os.urandom(12)
    return WRAP_VERSION + key_id(master) + nonce + AESGCM(master).encrypt(nonce, key, b"integritas-data-key")


def unwrap_key(wrapped: bytes, master: bytes | None = None) -> bytes:
    """Without ``master``, the key named by the wrapped key's id (current or previous master key)."""
    wrapped = bytes(wrapped)
    if wrapped[:1] != WRAP_VERSION or len(wrapped) < 1 + 8 + 12 + 16:
        raise VaultError("stored data key has an unknown format")
    master = master or _master_for(wrapped[1:9])
    if wrapped[1:9] != key_id(master):
        raise VaultError("the master key in use is not the one these data were encrypted with")
    try:
        return AESGCM(master).decrypt(wrapped[9:21], wrapped[21:], b"integritas-data-key")
    except InvalidTag as exc:
        raise VaultError("a stored data key could not be unwrapped (tampered?)") from exc


def seal_master(plaintext: bytes, purpose: str, master: bytes | None = None) -> bytes:
    """Seal directly with the (current) master key, naming its key id (re-sealed by `keys rotate`)."""
    master = master or master_key()
    nonce = os.urandom(12)
    return (
        SEAL_MASTER_VERSION
        + key_id(master)
        + nonce
        + AESGCM(master).encrypt(nonce, plaintext, purpose.encode())
    )


def unseal_master(blob: bytes, purpose: str, ring=None) -> bytes:
    """Open what :func:`seal_master` sealed (or a plain :func:`seal` with some master key, tried in turn)."""
    from integritas.vault.keyring import current_keyring

    ring = ring or current_keyring()
    blob = bytes(blob)
    if blob[:1] == SEAL_MASTER_VERSION:
        master = ring.find(blob[1:9])
        if master is None:
            raise VaultError(
                f"sealed value for {purpose} is under master key id {blob[1:9].hex()}, unknown here"
            )
        try:
            return AESGCM(master).decrypt(blob[9:21], blob[21:], purpose.encode())
        except InvalidTag as exc:
            raise VaultError(f"sealed value for {purpose} could not be opened (tampered?)") from exc
    for key in ring.keys():
        try:
            return unseal(key, blob, purpose)
        except VaultError:
            continue
    raise VaultError(f"sealed value for {purpose} opens with none of the master keys of this process")


def sealed_master_key_id(blob: bytes) -> bytes | None:
    """The key id a master-sealed value names (None for the older format without one)."""
    blob = bytes(blob)
    return blob[1:9] if blob[:1] == SEAL_MASTER_VERSION else None


def seal(key: bytes, plaintext: bytes, purpose: str) -> bytes:
    nonce = os.urandom(12)
    return SEAL_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, purpose.encode())


def unseal(key: bytes, blob: bytes, purpose: str) -> bytes:
    blob = bytes(blob)
    if blob[:1] != SEAL_VERSION:
        raise VaultError("sealed value has an unknown format")
    try:
        return AESGCM(key).decrypt(blob[1:13], blob[13:], purpose.encode())
    except InvalidTag as exc:
        raise VaultError(f"sealed value for {purpose} could not be opened (tampered?)") from exc


def encrypt_stream(key: bytes, chunks: Iterable[bytes], purpose: str) -> Iterator[bytes]:
    """Chunked AES-GCM: each chunk has its own nonce (prefix + counter) and says whether it is last."""
    prefix = os.urandom(8)
    aes = AESGCM(key)
    yield FILE_MAGIC + prefix
    buffer = b""
    index = 0
    pending: bytes | None = None
    for piece in chunks:
        buffer += piece
        while len(buffer) >= CHUNK:
            if pending is not None:
                yield _frame(aes, prefix, index, pending, False, purpose)
                index += 1
            pending, buffer = buffer[:CHUNK], buffer[CHUNK:]
    if buffer or pending is None:
        if pending is not None:
            yield _frame(aes, prefix, index, pending, False, purpose)
            index += 1
        pending = buffer
    yield _frame(aes, prefix, index, pending, True, purpose)


def _frame(aes: AESGCM, prefix: bytes, index: int, data: bytes, last: bool, purpose: str) -> bytes:
    nonce = prefix + struct.pack(">I", index)
    aad = purpose.encode() + struct.pack(">I?", index, last)
    body = aes.encrypt(nonce, data, aad)
    return struct.pack(">I?", len(body), last) + body


def decrypt_stream(key: bytes, read, purpose: str) -> Iterator[bytes]:
    """Decrypt what :func:`encrypt_stream` wrote; ``read(n)`` reads from the stored file."""
    head = read(12)
    if head[:4] != FILE_MAGIC or len(head) != 12:
        raise VaultError("stored file has an unknown format")
    prefix = head[4:]
    aes = AESGCM(key)
    index = 0
    while True:
        frame_head = read(5)
        if len(frame_head) != 5:
            raise VaultError("stored file is truncated")
        length, last = struct.unpack(">I?", frame_head)
        body = read(length)
        if len(body) != length:
            raise VaultError("stored file is truncated")
        nonce = prefix + struct.pack(">I", index)
        try:
            yield aes.decrypt(nonce, body, purpose.encode() + struct.pack(">I?", index, last))
        except InvalidTag as exc:
            raise VaultError("stored file could not be decrypted (tampered?)") from exc
        if last:
            return
        index += 1
