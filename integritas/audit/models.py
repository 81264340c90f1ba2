"""The append-only, keyed hash chain of the audit log.

Each entry holds the hash of the previous entry and an HMAC of its own content (with that previous
hash), keyed with a secret derived from the master key: the database never holds the key in clear,
so someone who can write to the database cannot recompute the chain after changing an entry. The
head row keeps the number and hash of the last entry; an anchor outside the database (a file in the
data dir, and e-mail) keeps past heads, so cutting the newest entries is caught too.
"""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=64)  # indexed in Meta: equal and prefix (admin trail) reads
    actor = models.CharField(max_length=150, blank=True, help_text="username, 'reporter' or 'system'")
    case_reference = models.CharField(max_length=20, blank=True)  # indexed in Meta (equal reads only)
    unit_code = models.CharField(max_length=64, blank=True)  # never searched
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    key_id = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="id of the master key whose derived audit key made the hash; empty: made before the "
        "chain was keyed (unkeyed SHA-256, only up to AuditHead.legacy_seq)",
    )

    class Meta:
        ordering = ["seq"]
        # Two indexes besides ``seq``: a case's trail by its reference, and the action (equal, and the
        # prefixes of the administrators' trail: a pattern index on PostgreSQL serves both). Every
        # audit entry written enters them, so there is no other.
        indexes = [
            models.Index(fields=["case_reference"], name="audit_case_reference"),
            models.Index(fields=["action"], name="audit_action", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """A single row: the last sequence number and hash (also the lock that serialises appends)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    key_id = models.CharField(max_length=16, blank=True, default="", help_text="key id of the last entry")
    legacy_seq = models.PositiveBigIntegerField(
        default=0, help_text="entries up to this number were written before the chain was keyed"
    )

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditKey(models.Model):
    """The audit key derived from each master key that made entries, sealed with the current master key.

    A master key is gone after a rotation; its audit key stays here (re-sealed by `keys rotate` like
    every master-sealed value), so entries made under it still verify.
    """

    key_id = models.CharField(max_length=16, primary_key=True, help_text="hex id of the master key")
    sealed = models.BinaryField(help_text="the derived audit key, sealed with the current master key")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"audit key {self.key_id}"
