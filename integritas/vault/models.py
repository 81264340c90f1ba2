"""What the vault keeps in the database besides the sealed fields of other apps."""

from __future__ import annotations

from django.db import models


class KeyCheck(models.Model):
    """One row, written on first start: the master key the stored data are encrypted under.

    Every command (and the web app) compares its master key with ``key_id`` and opens ``sealed``, so a
    wrong or missing key stops the process at start instead of producing errors (or new data under
    another key) later. ``integritas keys rotate`` moves it to the new key once every row is re-wrapped.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    key_id = models.CharField(max_length=16, help_text="hex of the master key's 8-byte key id")
    sealed = models.BinaryField(help_text="a known value sealed with that master key")
    created_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"master key {self.key_id}"
