"""Checks of what people type, shared by every service: one rule for text, one for dates.

Each raises :class:`integritas.errors.Invalid` naming the field with a problem code from the
catalogue (``required``, ``not_text``, ``nul_character``, ``too_long``, ``bad_date``).
"""

from __future__ import annotations

import datetime as dt
import re

from integritas.errors import Invalid, Problem

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def text_problem(value: object, *, required: bool, limit: int) -> Problem | None:
    """What is wrong with ``value`` as text of at most ``limit`` characters, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Problem("required") if required else None
    if not isinstance(value, str):
        return Problem("not_text")
    if "\x00" in value:
        return Problem("nul_character")
    if len(value) > limit:
        return Problem("too_long", limit=limit)
    return None


def clean_text(value: object, field: str, *, limit: int, required: bool = True) -> str:
    """The text stripped of surrounding blanks ("" when optional and empty), or Invalid."""
    problem = text_problem(value, required=required, limit=limit)
    if problem is not None:
        raise Invalid({field: problem})
    return value.strip() if isinstance(value, str) else ""


def parse_iso_date(value: object) -> dt.date | None:
    """A date written exactly YYYY-MM-DD (ASCII digits), or None."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def iso_date(value: object, field: str) -> dt.date:
    day = parse_iso_date(value)
    if day is None:
        raise Invalid({field: Problem("bad_date")})
    return day
