"""References (BK-YYYY-NNNNNN) and receipts (secret, ≥ 80 random bits, stored only as a hash).

The number of a reference is drawn at random, so that references say nothing about how many reports
there are or which exist (a hidden case leaves no gap between two visible ones), and no counter row
is locked while a report is filed. Uniqueness is the database's: ``Case.reference`` is unique, and
``case_submit`` draws again when a number is taken.
"""

from __future__ import annotations

import hashlib
import secrets

# No look-alikes: no 0/O, 1/I/L, no U/V pairs confusion.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
RECEIPT_LENGTH = 20  # 20 × log2(29) ≈ 97 bits
REFERENCE_DIGITS = 6


def new_receipt() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalise_receipt(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def receipt_hash(text: str) -> str:
    return hashlib.sha256(b"integritas-receipt:" + normalise_receipt(text).encode()).hexdigest()


def random_reference(year: int) -> str:
    """BK-<year>-<six random digits> (000001 to 999999); the caller makes sure it is free."""
    number = 1 + secrets.randbelow(10**REFERENCE_DIGITS - 1)
    return f"BK-{year:04d}-{number:0{REFERENCE_DIGITS}d}"
