"""TOTP two-factor codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP = 30
DIGITS = 6


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def code_at(secret: str, counter: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def now_code(secret: str, at: float | None = None) -> str:
    return code_at(secret, int((at if at is not None else time.time()) // STEP))


def verify(secret: str, code: str | None, *, at: float | None = None, last_counter: int = -1) -> int | None:
    """The accepted time step (±1 step of drift), or None. A step already used is refused (no replay)."""
    if not code or not secret:
        return None
    code = code.strip().replace(" ", "")
    # ASCII digits only: "١٢٣٤٥٦" and "１２３４５６" are digits to str.isdigit, but no code.
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    current = int((at if at is not None else time.time()) // STEP)
    for counter in (current - 1, current, current + 1):
        if counter > last_counter and hmac.compare_digest(code_at(secret, counter), code):
            return counter
    return None


def provisioning_uri(secret: str, username: str, issuer: str = "Integritas") -> str:
    return f"otpauth://totp/{quote(issuer)}:{quote(username)}?secret={secret}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP}"
