"""Sessions whose keys are stored hashed (``SESSION_ENGINE``), and their clean-up on a schedule.

The cookie holds a random key; the database row is found by the SHA-256 of that key. A copy of the
database therefore holds no key that works as a cookie (a staff session that passed two-factor, or a
reporter's tracking session). Secrets that a session must carry for a while (the receipt shown after a
report) are sealed with a key bound to the raw session key and the master key (``seal_for_session``),
so neither a database copy nor the master key alone opens them.

Expired rows are deleted by the scheduler (``purge_expired``, called from ``integritas.scheduler``).
A session may ask for a short idle life on the server too (``set_idle``): its row then expires that
long after the last request that changed it, whatever the cookie's age.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

log = logging.getLogger(__name__)

IDLE_KEY = "_integritas_idle"  # seconds: the row expires this long after the last save


def hashed(session_key: str) -> str:
    return hashlib.sha256(b"integritas-session:" + session_key.encode()).hexdigest()


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from integritas.web.models import WebSession

        return WebSession

    def _get_session_from_db(self):
        if not self.session_key:
            return None
        try:
            return self.model.objects.get(
                session_key=hashed(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return self.model.objects.filter(session_key=hashed(session_key)).exists()

    def create_model_instance(self, data: dict[str, Any]):
        expire = self.get_expiry_date()
        idle = data.get(IDLE_KEY)
        if isinstance(idle, int) and idle > 0:
            expire = min(expire, timezone.now() + dt.timedelta(seconds=idle))
        return self.model(
            session_key=hashed(self._get_or_create_session_key()),  # type: ignore[attr-defined]
            session_data=self.encode(data),
            expire_date=expire,
        )

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=hashed(session_key)).delete()

    # The pages run under WSGI; the async variants are not used and must not reach the raw key.
    async def _aget_session_from_db(self):  # pragma: no cover
        raise NotImplementedError("integritas sessions are synchronous")

    async def aexists(self, session_key):  # pragma: no cover
        raise NotImplementedError("integritas sessions are synchronous")

    async def acreate_model_instance(self, data):  # pragma: no cover
        raise NotImplementedError("integritas sessions are synchronous")

    async def adelete(self, session_key=None):  # pragma: no cover
        raise NotImplementedError("integritas sessions are synchronous")

    @classmethod
    def clear_expired(cls) -> None:
        purge_expired()


def set_idle(session: Any, seconds: int) -> None:
    """A browser-session cookie, and a row that expires ``seconds`` after the last use."""
    session.set_expiry(0)
    session[IDLE_KEY] = int(seconds)


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete expired sessions, and report-form tokens and held files past their half hour."""
    from integritas.web.models import ReportToken, WebSession

    now = now or timezone.now()
    removed, _ = WebSession.objects.filter(expire_date__lte=now).delete()
    tokens, _ = ReportToken.objects.filter(created_at__lte=now - dt.timedelta(seconds=TOKEN_SECONDS)).delete()
    from integritas.web import held

    files = held.purge_expired(now)
    if removed or tokens or files:
        log.info("purged %d expired sessions, %d report-form tokens, %d held files", removed, tokens, files)
    return removed + tokens + files


TOKEN_SECONDS = 1800


# ---------------------------------------------------------------- sealed values bound to a secret


def seal_bound(value: str, *, purpose: str, secret: str) -> str:
    """``value`` sealed with the master key, bound to a secret that is not stored (a session key, a
    form token): opening needs both. Text (base64), for JSON session data."""
    from integritas.vault.crypto import seal_master

    aad = purpose + ":" + hashlib.sha256(secret.encode()).hexdigest()
    return base64.b64encode(seal_master(value.encode(), aad)).decode()


def open_bound(sealed: str | bytes | None, *, purpose: str, secret: str) -> str | None:
    """What :func:`seal_bound` sealed, or None when it does not open (other secret, tampered, key gone)."""
    from integritas.vault.crypto import VaultError, unseal_master

    if not sealed or not secret:
        return None
    aad = purpose + ":" + hashlib.sha256(secret.encode()).hexdigest()
    try:
        blob = base64.b64decode(sealed) if isinstance(sealed, str) else bytes(sealed)
        return unseal_master(blob, aad).decode()
    except (VaultError, ValueError, UnicodeDecodeError):
        return None
