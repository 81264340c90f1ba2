"""Staff sign-in: argon2 passwords, lockout after repeated failures, TOTP, bearer tokens (hashed).

The whole flow lives here, and so does every call to the throttles: the pages and the API only ask
for the next step (:func:`sign_in_password` → :func:`sign_in_code` or :func:`two_factor_confirm` →
:func:`signed_in`), so both count failures the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integritas.audit.chain import record
from integritas.errors import NotAuthenticated
from integritas.orgs import totp
from integritas.orgs.models import ApiToken, Holding, Person, TeamMembership, Unit
from integritas.security.throttle import password_account_throttle, password_address_throttle
from integritas.vault import crypto

MAX_USERNAME = 150
MAX_PASSWORD = 1024


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


def _check_throttles(person_or_username: Person | str, address: str) -> None:
    """TooManyAttempts while the address or the account is locked out."""
    username = person_or_username if isinstance(person_or_username, str) else person_or_username.username
    password_address_throttle().check(address)
    password_account_throttle().check(username.lower())


def _fail_code(person: Person, address: str) -> None:
    """A wrong one-time code counts against the account, like a wrong password."""
    password_account_throttle().fail(person.username.lower())
    record("auth.failed_otp", actor=person.username, data={"address": address})


def check_password(*, username: str, password: str, address: str) -> Person:
    """The person, or NotAuthenticated / TooManyAttempts. Failures count per account and per address."""
    _check_throttles(username, address)
    person = None
    # Text no account can have (NUL characters, absurd lengths) never reaches the database.
    if (
        0 < len(username) <= MAX_USERNAME
        and len(password) <= MAX_PASSWORD
        and "\x00" not in username + password
    ):
        person = authenticate(username=username, password=password)
    if person is None or not person.is_active:
        password_account_throttle().fail(username.lower())
        password_address_throttle().fail(address)
        record("auth.failed", actor=username[:MAX_USERNAME], data={"address": address})
        raise NotAuthenticated("bad_credentials")
    assert isinstance(person, Person)
    return person


def check_second_factor(person: Person, otp: str | None, *, address: str) -> None:
    """The one-time code of a person who has two-factor sign-in (a failure counts), or
    ``two_factor_setup_required`` when their unit requires it and they have none yet."""
    if person.totp_enabled:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            counter = totp.verify(totp_secret(locked) or "", otp, last_counter=locked.totp_last_counter)
            if counter is not None:
                Person.objects.filter(pk=person.pk).update(totp_last_counter=counter)
        if counter is None:  # recorded outside the transaction above, so that it stays
            _fail_code(person, address)
            raise NotAuthenticated("otp_required" if not otp else "bad_otp")
    elif two_factor_required(person):
        raise NotAuthenticated("two_factor_setup_required")


class Step(enum.StrEnum):
    """What a person who gave the right password still has to do."""

    DONE = "done"
    CODE = "code"  # enter the code of their authenticator app
    SETUP = "setup"  # their unit requires two-factor sign-in: set up an app first


@dataclass(frozen=True)
class PasswordChecked:
    person: Person
    next: Step


def sign_in_password(*, username: str, password: str, address: str) -> PasswordChecked:
    """The first step of signing in on the pages: the password, then what is still needed."""
    person = check_password(username=username, password=password, address=address)
    if person.totp_enabled:
        return PasswordChecked(person, Step.CODE)
    if two_factor_required(person):
        return PasswordChecked(person, Step.SETUP)
    return PasswordChecked(person, Step.DONE)


def sign_in_code(*, person: Person, otp: str | None, address: str) -> None:
    """The second step: the one-time code (failures count; locked accounts and addresses wait)."""
    _check_throttles(person, address)
    check_second_factor(person, otp, address=address)


def signed_in(person: Person, *, address: str, via: str) -> None:
    """The person is in: the failure count of the account starts again; the sign-in is audited."""
    password_account_throttle().reset(person.username.lower())
    record("auth.signed_in", actor=person.username, data={"address": address, "via": via})


def token_issue(
    *, username: str, password: str, otp: str | None = None, address: str = "unknown"
) -> tuple[str, dt.datetime]:
    person = check_password(username=username, password=password, address=address)
    check_second_factor(person, otp, address=address)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=cast(int, settings.INTEGRITAS["TOKEN_HOURS"]))
    ApiToken.objects.create(person=person, key_hash=_hash(token), created_at=now, expires_at=expires)
    signed_in(person, address=address, via="api")
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
    """Switch two-factor sign-in on with a first code (no throttling: see two_factor_confirm)."""
    counter = totp.verify(totp_secret(person) or "", otp)
    if counter is None:
        raise NotAuthenticated("bad_otp")
    person.totp_enabled = True
    person.totp_last_counter = counter
    person.save(update_fields=["totp_enabled", "totp_last_counter"])
    record("auth.two_factor_enabled", actor=person.username)


def two_factor_confirm(*, person: Person, otp: str | None, address: str) -> None:
    """Confirm a new authenticator app with a code, from the pages or the API: a wrong code counts
    against the account like a wrong password, and locked accounts and addresses wait."""
    _check_throttles(person, address)
    try:
        totp_confirm(person, otp)
    except NotAuthenticated:
        _fail_code(person, address)
        raise
