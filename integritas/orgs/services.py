"""Editing the organisation: units, positions, people, holdings, teams and added holidays.

Each service takes keyword-only arguments, checks its input (raising ``Invalid`` with a message per
field), changes the rows and appends one audit entry ``org.<what>`` in the same transaction, so the
entry exists if and only if the change does. Nothing is recorded when nothing changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from integritas.audit.chain import record
from integritas.errors import Invalid
from integritas.orgs.importer import CODE_RE, USERNAME_RE
from integritas.orgs.models import (
    TIMEZONES,
    WORK_WEEKS,
    Holding,
    Holiday,
    Person,
    Position,
    TeamMembership,
    Unit,
)
from integritas.orgs.policy import validate_policy

# Addresses of the administration pages use these words for "new": a code equal to one would be hidden.
RESERVED_CODES = frozenset({"baru"})
LANGUAGES = ("id", "en")


def _code_problem(
    code: str, *, taken: bool, pattern: re.Pattern[str] = CODE_RE, taken_text: str | None = None
) -> str | None:
    if not code:
        return _("Enter a code.")
    if not pattern.match(code):
        if pattern is USERNAME_RE:
            return _("Use letters, digits and . _ @ + - only.")
        return _("Use letters, digits, '.', '_' and '-' only, starting with a letter or digit (at most 64).")
    if code.lower() in RESERVED_CODES:
        return _("This word is reserved; choose another.")
    if taken:
        return taken_text or _("This code is already in use.")
    return None


def _text_problem(value: str, *, limit: int = 255) -> str | None:
    if not value.strip():
        return _("This field is required.")
    if "\x00" in value or len(value) > limit:
        return _("Enter at most %(limit)d characters.") % {"limit": limit}
    return None


def policy_problem_text(text: str) -> str:
    """``validate_policy`` speaks English; its few message shapes, in the page's language."""
    if m := re.fullmatch(r"must be a whole number from (\d+) to (\d+)", text):
        return _("Enter a whole number from %(low)s to %(high)s.") % {"low": m[1], "high": m[2]}
    if m := re.fullmatch(r"must be one of: (.*)", text):
        return _("Choose one of: %(options)s.") % {"options": m[1]}
    if text == "must be true or false":
        return _("Choose yes or no.")
    if text.startswith("unknown policy key"):
        return _("This is not a policy setting.")
    return text


def _changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the values on obj; return {field: [old, new]} for those that differ."""
    changed: dict[str, list[Any]] = {}
    for key, new in values.items():
        old = getattr(obj, key)
        if old != new:
            changed[key] = [old, new]
            setattr(obj, key, new)
    return changed


def _unit_label(unit: Unit | None) -> str | None:
    return unit.code if unit else None


def _position_label(position: Position | None) -> str | None:
    return position.code if position else None


# --- units ------------------------------------------------------------------------------------------


def unit_save(
    *,
    actor: Person,
    unit: Unit | None = None,
    code: str = "",
    name: str,
    parent: Unit | None,
    timezone: str | None,
    work_week: str | None,
    policy: dict[str, Any],
) -> tuple[Unit, bool]:
    """Create (``unit`` None) or edit a unit; None / missing policy keys mean "inherit from the parent".

    Returns the unit and whether anything changed.
    """
    problems: dict[str, str] = {}
    if unit is None:
        code = code.strip()
        problem = _code_problem(code, taken=Unit.objects.filter(code__iexact=code).exists())
        if problem:
            problems["code"] = problem
    if problem := _text_problem(name):
        problems["name"] = problem
    if parent is not None and unit is not None and unit.pk in {u.pk for u in parent.ancestors()}:
        problems["parent"] = _("A unit cannot be placed under itself or under one of its own units.")
    timezone = timezone or None
    if timezone is not None and timezone not in TIMEZONES:
        problems["timezone"] = _("Choose one of the time zones offered.")
    work_week = work_week or None
    if work_week is not None and work_week not in WORK_WEEKS:
        problems["work_week"] = _("Choose one of the working weeks offered.")
    policy = {key: value for key, value in (policy or {}).items() if value is not None}
    for key, text in validate_policy(policy).items():
        problems[f"policy_{key}" if key else "policy"] = policy_problem_text(text)
    if problems:
        raise Invalid(problems)

    values = {
        "name": name.strip(),
        "parent": parent,
        "timezone": timezone,
        "work_week": work_week,
        "policy": policy,
    }
    with transaction.atomic():
        if unit is None:
            unit = Unit.objects.create(code=code, **values)
            data = {key: value for key, value in values.items() if key != "parent"}
            data["parent"] = _unit_label(parent)
            record("org.unit_created", actor=actor.username, unit_code=unit.code, data=data)
            return unit, True
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        changed = _changes(unit, values)
        if not changed:
            return unit, False
        unit.save()
        if "parent" in changed:
            changed["parent"] = [_unit_label(u) for u in changed["parent"]]
        record("org.unit_changed", actor=actor.username, unit_code=unit.code, data={"changes": changed})
        return unit, True


# --- positions --------------------------------------------------------------------------------------


def _would_cycle(position: Position, reports_to: Position | None) -> bool:
    node, seen = reports_to, set()
    while node is not None and node.pk not in seen:
        if node.pk == position.pk:
            return True
        seen.add(node.pk)
        node = node.reports_to
    return False


def position_save(
    *,
    actor: Person,
    position: Position | None = None,
    code: str = "",
    unit: Unit,
    title: str,
    reports_to: Position | None,
) -> tuple[Position, bool]:
    """Create or edit a position; ``reports_to`` may be in any unit but may not lead back to it."""
    problems: dict[str, str] = {}
    if position is None:
        code = code.strip()
        problem = _code_problem(code, taken=Position.objects.filter(code__iexact=code).exists())
        if problem:
            problems["code"] = problem
    if problem := _text_problem(title):
        problems["title"] = problem
    if position is not None and reports_to is not None:
        if reports_to.pk == position.pk:
            problems["reports_to"] = _("A position cannot report to itself.")
        elif _would_cycle(position, reports_to):
            problems["reports_to"] = _(
                "%(target)s already reports (directly or further up) to this position: that would be a cycle."
            ) % {"target": reports_to.code}
    if problems:
        raise Invalid(problems)

    values = {"unit": unit, "title": title.strip(), "reports_to": reports_to}
    with transaction.atomic():
        if position is None:
            position = Position.objects.create(code=code, **values)
            record(
                "org.position_created",
                actor=actor.username,
                unit_code=unit.code,
                data={"code": code, "title": values["title"], "reports_to": _position_label(reports_to)},
            )
            return position, True
        position = Position.objects.select_for_update().get(pk=position.pk)
        # Re-checked under the lock: another edit may have closed a loop meanwhile.
        if reports_to is not None and _would_cycle(position, Position.objects.get(pk=reports_to.pk)):
            raise Invalid({"reports_to": _("That would be a cycle.")})
        changed = _changes(position, values)
        if not changed:
            return position, False
        position.save()
        if "unit" in changed:
            changed["unit"] = [_unit_label(u) for u in changed["unit"]]
        if "reports_to" in changed:
            changed["reports_to"] = [_position_label(p) for p in changed["reports_to"]]
        record(
            "org.position_changed",
            actor=actor.username,
            unit_code=position.unit.code,
            data={"code": position.code, "changes": changed},
        )
        return position, True


# --- people -----------------------------------------------------------------------------------------


def person_save(
    *,
    actor: Person,
    person: Person | None = None,
    username: str = "",
    name: str,
    email: str,
    language: str,
    is_admin: bool,
    is_active: bool,
) -> tuple[Person, bool]:
    """Create or edit a member of staff. A new person has no usable password until one is set.

    An administrator cannot take away their own administration right or deactivate themselves, so
    that a deployment is never left without anybody able to manage it by a slip of the hand.
    """
    problems: dict[str, str] = {}
    if person is None:
        username = username.strip()
        problem = _code_problem(
            username,
            taken=Person.objects.filter(username__iexact=username).exists(),
            pattern=USERNAME_RE,
            taken_text=_("This user name is taken."),
        )
        if problem:
            problems["username"] = problem
    if problem := _text_problem(name):
        problems["name"] = problem
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254):
        problems["email"] = _("Enter a valid e-mail address.")
    if language not in LANGUAGES:
        problems["language"] = _("Choose Indonesian or English.")
    if person is not None and person.pk == actor.pk:
        if not is_admin:
            problems["is_admin"] = _("You cannot remove your own administration right.")
        if not is_active:
            problems["is_active"] = _("You cannot deactivate your own account.")
    if problems:
        raise Invalid(problems)

    values = {
        "name": name.strip(),
        "email": email,
        "language": language,
        "is_admin": bool(is_admin),
        "is_active": bool(is_active),
    }
    with transaction.atomic():
        if person is None:
            person = Person(username=username, **values)
            person.set_unusable_password()
            person.save()
            record("org.person_created", actor=actor.username, data={"username": username, **values})
            return person, True
        person = Person.objects.select_for_update().get(pk=person.pk)
        changed = _changes(person, values)
        if not changed:
            return person, False
        person.save()
        record(
            "org.person_changed", actor=actor.username, data={"username": person.username, "changes": changed}
        )
        return person, True


def password_problems(password: str, person: Person) -> list[str]:
    """The deployment's password policy, as messages (empty when the password may be used)."""
    try:
        validate_password(password, user=person)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def person_set_password(*, actor: Person, person: Person, password: str) -> Person:
    if problems := password_problems(password, person):
        raise Invalid({"password": " ".join(problems)})
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        person.set_password(password)
        person.save(update_fields=["password"])
        # The password itself never goes into the log.
        record("org.password_set", actor=actor.username, data={"username": person.username})
    return person


# --- holdings ---------------------------------------------------------------------------------------


def holding_add(
    *,
    actor: Person,
    person: Person,
    position: Position,
    start: dt.date,
    end: dt.date | None = None,
    acting: bool = False,
) -> Holding:
    """The person holds the position from ``start`` to ``end`` (inclusive; None: until further notice)."""
    if end is not None and end < start:
        raise Invalid({"end": _("The end date is before the start date.")})
    with transaction.atomic():
        overlapping = Holding.objects.filter(person=person, position=position)
        overlapping = overlapping.filter(end__isnull=True) | overlapping.filter(end__gte=start)
        if end is not None:
            overlapping = overlapping.filter(start__lte=end)
        if overlapping.exists():
            raise Invalid({"position": _("This person already holds this position for part of that period.")})
        holding = Holding.objects.create(
            person=person, position=position, start=start, end=end, acting=acting
        )
        record(
            "org.holding_added",
            actor=actor.username,
            unit_code=position.unit.code,
            data={
                "username": person.username,
                "position": position.code,
                "start": start.isoformat(),
                "end": end.isoformat() if end else None,
                "acting": acting,
            },
        )
    return holding


def holding_end(*, actor: Person, holding: Holding, end: dt.date) -> Holding:
    """The holding ends on ``end`` (the last day it is held)."""
    if end < holding.start:
        raise Invalid(
            {"end": _("The end date is before the start date (%(start)s).") % {"start": holding.start}}
        )
    with transaction.atomic():
        holding = (
            Holding.objects.select_for_update().select_related("person", "position__unit").get(pk=holding.pk)
        )
        if holding.end == end:
            return holding
        old = holding.end
        holding.end = end
        holding.save(update_fields=["end"])
        record(
            "org.holding_ended",
            actor=actor.username,
            unit_code=holding.position.unit.code,
            data={
                "username": holding.person.username,
                "position": holding.position.code,
                "start": holding.start.isoformat(),
                "end": [old.isoformat() if old else None, end.isoformat()],
            },
        )
    return holding


# --- teams ------------------------------------------------------------------------------------------


def team_set(
    *, actor: Person, unit: Unit, add: Iterable[Person] = (), remove: Iterable[Person] = ()
) -> tuple[list[str], list[str]]:
    """Add people to and remove people from the COI handling team of a unit.

    Returns the usernames actually added and removed (adding a member twice changes nothing).
    """
    add, remove = list(add), list(remove)
    inactive = [p.username for p in add if not p.is_active]
    if inactive:
        raise Invalid({"person": _("%(name)s is not active.") % {"name": ", ".join(inactive)}})
    with transaction.atomic():
        current = set(TeamMembership.objects.filter(unit=unit).values_list("person_id", flat=True))
        added = [p for p in add if p.pk not in current]
        removed = [p for p in remove if p.pk in current]
        for person in added:
            TeamMembership.objects.create(unit=unit, person=person)
        if removed:
            TeamMembership.objects.filter(unit=unit, person__in=removed).delete()
        if added or removed:
            record(
                "org.team_changed",
                actor=actor.username,
                unit_code=unit.code,
                data={"added": [p.username for p in added], "removed": [p.username for p in removed]},
            )
    return [p.username for p in added], [p.username for p in removed]


# --- added holidays ---------------------------------------------------------------------------------


def holiday_add(*, actor: Person, date: dt.date, name: str, unit: Unit | None) -> Holiday:
    """A day off for the whole deployment (``unit`` None) or for one unit and the units below it."""
    if problem := _text_problem(name):
        raise Invalid({"name": problem})
    with transaction.atomic():
        if Holiday.objects.filter(date=date, unit=unit).exists():
            raise Invalid({"date": _("A day off is already added on this date for this scope.")})
        holiday = Holiday.objects.create(date=date, name=name.strip(), unit=unit)
        record(
            "org.holiday_added",
            actor=actor.username,
            unit_code=unit.code if unit else "",
            data={"date": date.isoformat(), "name": holiday.name, "unit": _unit_label(unit)},
        )
    return holiday


def holiday_remove(*, actor: Person, holiday: Holiday) -> None:
    with transaction.atomic():
        unit = holiday.unit
        data = {"date": holiday.date.isoformat(), "name": holiday.name, "unit": _unit_label(unit)}
        deleted, _rows = Holiday.objects.filter(pk=holiday.pk).delete()
        if deleted:
            record(
                "org.holiday_removed", actor=actor.username, unit_code=unit.code if unit else "", data=data
            )
