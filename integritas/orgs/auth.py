"""Staff sign-in for the API: passwords (argon2) and bearer tokens stored only as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from integritas.errors import NotAuthenticated
from integritas.orgs.models import ApiToken, Person


def _hash(token: str) -> str:
    return hashlib.sha256(b"integritas-token:" + token.encode()).hexdigest()


def token_issue(*, username: str, password: str, otp: str | None = None) -> tuple[str, dt.datetime]:
    person = authenticate(username=username, password=password)
    if person is None or not person.is_active:
        raise NotAuthenticated("Wrong username or password", code="bad_credentials")
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=settings.INTEGRITAS["TOKEN_HOURS"])
    ApiToken.objects.create(person=person, key_hash=_hash(token), created_at=now, expires_at=expires)
    return token, expires


def token_person(token: str) -> Person | None:
    if not token or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("person")
        .filter(key_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.person.is_active:
        return None
    return row.person


def token_revoke(token: str) -> bool:
    return bool(
        ApiToken.objects.filter(key_hash=_hash(token), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
