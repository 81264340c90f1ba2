"""Staff sign-in: argon2 passwords, lockout after repeated failures, TOTP, bearer tokens (hashed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integritas.audit.chain import record
from integritas.errors import NotAuthenticated, TooManyAttempts
from integritas.orgs import totp
from integritas.orgs.models import ApiToken, Holding, Person, TeamMembership, Unit
from integritas.security.throttle import password_account_throttle, password_address_throttle
from integritas.vault import crypto


def _hash(token: str) -> str:
    return hashlib.sha256(b"integritas-token:" + token.encode()).hexdigest()


def two_factor_required(person: Person) -> bool:
    """Policy `require_two_factor` of any unit where the person holds a position or sits on the team."""
    today = timezone.localdate()
    unit_ids = set(
        Holding.objects.active_on(today).filter(person=person).values_list("position__unit_id", flat=True)
    )
    unit_ids |= set(TeamMembership.objects.filter(person=person).values_list("unit_id", flat=True))
    return any(u.effective_policy.get("require_two_factor") for u in Unit.objects.filter(pk__in=unit_ids))


def totp_secret(person: Person) -> str | None:
    if not person.totp_sealed:
        return None
    return crypto.unseal_master(bytes(person.totp_sealed), f"totp:{person.pk}").decode()


def check_password(*, username: str, password: str, address: str) -> Person:
    """The person, or NotAuthenticated / TooManyAttempts. Failures count per account and per address."""
    account, by_address = password_account_throttle(), password_address_throttle()
    by_address.check(address)
    account.check(username.lower())
    person = None
    # Text no account can have (NUL characters, absurd lengths) never reaches the database.
    if 0 < len(username) <= 150 and len(password) <= 1024 and "\x00" not in username + password:
        person = authenticate(username=username, password=password)
    if person is None or not person.is_active:
        account.fail(username.lower())
        by_address.fail(address)
        record("auth.failed", actor=username[:150], data={"address": address})
        raise NotAuthenticated("Wrong username or password", code="bad_credentials")
    return person


def check_second_factor(person: Person, otp: str | None, *, address: str) -> None:
    if person.totp_enabled:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            counter = totp.verify(totp_secret(locked) or "", otp, last_counter=locked.totp_last_counter)
            if counter is None:
                password_account_throttle().fail(person.username.lower())
                record("auth.failed_otp", actor=person.username, data={"address": address})
                raise NotAuthenticated(
                    "Enter the 6-digit code from your authenticator app"
                    if not otp
                    else "Wrong or expired code",
                    code="otp_required" if not otp else "bad_otp",
                )
            Person.objects.filter(pk=person.pk).update(totp_last_counter=counter)
    elif two_factor_required(person):
        raise NotAuthenticated(
            "Your unit requires two-factor sign-in: set up an authenticator app first",
            code="two_factor_setup_required",
        )


def token_issue(
    *, username: str, password: str, otp: str | None = None, address: str = "unknown"
) -> tuple[str, dt.datetime]:
    person = check_password(username=username, password=password, address=address)
    check_second_factor(person, otp, address=address)
    password_account_throttle().reset(username.lower())
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=settings.INTEGRITAS["TOKEN_HOURS"])
    ApiToken.objects.create(person=person, key_hash=_hash(token), created_at=now, expires_at=expires)
    record("auth.signed_in", actor=person.username, data={"address": address, "via": "api"})
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


def unusable_password() -> str:
    """What Django stores for "no password yet" (``!`` + random), made without per-character work."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)


def end_all_sessions(people: list[Person]) -> None:
    """Revoke every API token of these accounts and end their web sessions (security finding 9).

    Web sessions carry a hash of the password and of ``session_epoch``; raising the epoch makes every
    session signed before it fail that check, even after a deactivated account is reactivated."""
    ids = [p.pk for p in people]
    if not ids:
        return
    ApiToken.objects.filter(person_id__in=ids, revoked_at__isnull=True).update(revoked_at=timezone.now())
    Person.objects.filter(pk__in=ids).update(session_epoch=F("session_epoch") + 1)
    for person in people:
        person.session_epoch += 1  # as stored (the update above added one)


def totp_begin(person: Person) -> str:
    """A new secret to enter in an authenticator app; active only once confirmed with a code."""
    secret = totp.new_secret()
    person.totp_sealed = crypto.seal_master(secret.encode(), f"totp:{person.pk}")
    person.totp_enabled = False
    person.totp_last_counter = -1
    person.save(update_fields=["totp_sealed", "totp_enabled", "totp_last_counter"])
    return secret


def totp_confirm(person: Person, otp: str | None) -> None:
    counter = totp.verify(totp_secret(person) or "", otp)
    if counter is None:
        raise NotAuthenticated("Wrong or expired code", code="bad_otp")
    person.totp_enabled = True
    person.totp_last_counter = counter
    person.save(update_fields=["totp_enabled", "totp_last_counter"])
    record("auth.two_factor_enabled", actor=person.username)


__all__ = ["TooManyAttempts"]
