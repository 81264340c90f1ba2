"""References (BK-YYYY-NNNNNN) and receipts (secret, ≥ 80 random bits, stored only as a hash)."""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import F

from integritas.cases.models import ReferenceCounter

# No look-alikes: no 0/O, 1/I/L, no U/V pairs confusion.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
RECEIPT_LENGTH = 20  # 20 × log2(29) ≈ 97 bits


def new_receipt() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalise_receipt(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def receipt_hash(text: str) -> str:
    return hashlib.sha256(b"integritas-receipt:" + normalise_receipt(text).encode()).hexdigest()


def next_reference(year: int) -> str:
    """Allocate the next number of the year; runs inside the caller's transaction (row lock)."""
    ReferenceCounter.objects.get_or_create(year=year)
    ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(year=year).last
    return f"BK-{year:04d}-{number:06d}"
