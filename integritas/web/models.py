"""What the pages keep between requests: sessions (by hashed key) and one-time report-form tokens.

Neither table holds a bearer secret: a copy of the database opens no session and no receipt.
"""

from __future__ import annotations

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class WebSession(AbstractBaseSession):
    """A session row; its key is the SHA-256 of the cookie's value (``integritas.web.sessions``)."""

    session_key = models.CharField(max_length=64, primary_key=True)

    class Meta:
        db_table = "web_session"

    @classmethod
    def get_session_store_class(cls):
        from integritas.web.sessions import SessionStore

        return SessionStore


class ReportToken(models.Model):
    """A report form's one-time token, once that form was sent: the second post of the same form
    (a double tap) shows the first report's receipt instead of filing a second case.

    Kept by the token's hash, with the receipt sealed under a key bound to the token itself (which
    only the browser holds); purged after half an hour."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, related_name="+")
    sealed_receipt = models.BinaryField(null=True)
    created_at = models.DateTimeField(db_index=True)


class HeldFile(models.Model):
    """A valid evidence file from a form that came back with an error, kept encrypted so that the
    visitor need not choose it again (``integritas.web.held``). Its name and data key are sealed to
    the form (its one-time token, or the tracking session's key), which only the browser holds;
    removed once used, or after half an hour."""

    id = models.CharField(max_length=32, primary_key=True)
    owner_hash = models.CharField(max_length=64, db_index=True)
    sealed = models.BinaryField()
    storage_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(db_index=True)
