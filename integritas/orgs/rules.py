"""The small rules every write to the organisation shares: what a code, a user name, a name, an e-mail
address and a password may be. Each answers with a :class:`~integritas.errors.Problem` (a code) or
None; the words are in ``integritas.messages.orgs``."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from integritas.errors import Problem

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,150}$")
# Addresses of the administration pages use these words for "new": a code equal to one would be hidden.
RESERVED_CODES = frozenset({"baru"})
LANGUAGES = ("id", "en")
NAME_LIMIT = 255
EMAIL_LIMIT = 254


def text_problem(value: Any, *, limit: int = NAME_LIMIT, required: bool = True) -> Problem | None:
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return Problem("required") if required else None
        if "\x00" in value:
            return Problem("nul_character")
        return Problem("too_long", limit=limit) if len(stripped) > limit else None
    if value is None:
        return Problem("required") if required else None
    return Problem("not_text")


def code_problem(value: Any, *, username: bool = False) -> Problem | None:
    """A unit or position code (or a user name): its shape and the reserved words."""
    if not isinstance(value, str) or not value.strip():
        return Problem("required") if value is None or isinstance(value, str) else Problem("not_text")
    if not (USERNAME_RE if username else CODE_RE).match(value):
        return Problem("bad_username" if username else "bad_code")
    if value.lower() in RESERVED_CODES:
        return Problem("reserved_code", value=value)
    return None


# Plain ASCII addresses that Django's validator always accepts: checked without it (an import reads a
# hundred thousand); anything else goes through ``validate_email``.
PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)


def email_problem(value: Any) -> Problem | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or "\x00" in value or len(value) > EMAIL_LIMIT:
        return Problem("bad_email")
    if PLAIN_EMAIL.fullmatch(value):
        return None
    try:
        validate_email(value.strip())
    except ValidationError:
        return Problem("bad_email")
    return None


def password_problem(password: Any, *, username: str = "", name: str = "", email: str = "") -> Problem | None:
    """The deployment's password policy; the reasons are Django's own (translated) words."""
    if not isinstance(password, str) or not password or "\x00" in password or len(password) > 1024:
        return Problem("not_text")
    from integritas.orgs.models import Person

    candidate = Person(username=username, name=name, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        return Problem("weak_password", reasons=" ".join(str(m) for m in exc.messages))
    return None


def clean_text(value: str | None) -> str:
    return (value or "").strip()
