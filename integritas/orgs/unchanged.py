"""Leaving out of an import what it would not change.

Most imports repeat a file the organisation already holds (a nightly sync from the personnel system
changes a few entries, often none). The services would find that out too, but only after checking
each of a hundred thousand entries again and building a row for each. Here each table the file
names is read once, as plain tuples, and every entry equal to its row is dropped from the plan: the
services (the one write path) see only the entries that change, and a file that changes nothing
writes nothing, records nothing and hashes no password.

Dropping is conservative: an entry is dropped only when the services would do nothing for it, and
anything unusual (a person holding one position twice today, an administrator with positions) is
left for them to judge.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import is_password_usable

from integritas.orgs import services
from integritas.orgs.models import Holding, PendingChange, PendingKind, PendingState, Person, Position, Unit
from integritas.orgs.rules import clean_text

if TYPE_CHECKING:
    from integritas.orgs.importer import Plan


def changes_only(plan: Plan, *, today: dt.date, new_deployment: bool, me: Person | None) -> Plan:
    """The plan without the units, positions, people, holdings and first passwords that are already
    as the file says (one query per table)."""
    unit_rows = list(
        Unit.objects.order_by().values_list(
            "id", "code", "name", "parent_id", "timezone", "work_week", "policy"
        )
    )
    unit_code = {row[0]: row[1] for row in unit_rows}
    unit_of = {row[1]: row for row in unit_rows}
    units = [s for s in plan.units if not _same_unit(s, unit_of.get(s.code), unit_code)]

    positions = plan.positions
    position_code: dict[int, str] = {}
    if plan.positions or plan.holdings:
        position_rows = list(
            Position.objects.order_by().values_list("id", "code", "unit_id", "title", "reports_to_id")
        )
        position_code = {row[0]: row[1] for row in position_rows}
        stored = {
            code: (unit_code.get(unit_id), title, position_code.get(to) if to else None)
            for _pk, code, unit_id, title, to in position_rows
        }
        positions = [
            s
            for s in plan.positions
            if stored.get(s.code) != (s.unit, clean_text(s.title), s.reports_to or None)
        ]

    people, holdings = plan.people, plan.holdings
    if plan.people or plan.holdings:
        person_rows = {
            row[1]: row
            for row in Person.objects.order_by().values_list(
                "id", "username", "name", "email", "language", "is_admin"
            )
        }
        people = [s for s in plan.people if not _same_person(s, person_rows.get(s.username))]
        holdings = _holdings_that_change(plan.holdings, person_rows, position_code, today)

    return dataclasses.replace(
        plan,
        units=units,
        positions=positions,
        people=people,
        holdings=holdings,
        passwords=_first_passwords(plan.passwords, new_deployment=new_deployment, me=me),
    )


def _same_unit(spec: services.UnitSpec, row: tuple | None, code_of: dict[int, str]) -> bool:
    if row is None or not isinstance(spec.policy, dict | None):
        return False
    _pk, _code, name, parent_id, timezone, work_week, policy = row
    wanted_policy = {k: v for k, v in (spec.policy or {}).items() if v is not None}
    return (
        name == clean_text(spec.name)
        and code_of.get(parent_id) == (spec.parent or None)
        and timezone == (spec.timezone or None)
        and work_week == (spec.work_week or None)
        and (policy or {}) == wanted_policy
    )


def _same_person(spec: services.PersonSpec, row: tuple | None) -> bool:
    if row is None or spec.is_active is not None:
        return False
    _pk, _username, name, email, language, is_admin = row
    return (
        name == clean_text(spec.name)
        and email == clean_text(spec.email)
        and language == spec.language
        and is_admin == bool(spec.is_admin)
    )


def _holdings_that_change(
    wanted: dict[str, list[services.WantedHolding]],
    people: dict[str, tuple],
    position_code: dict[int, str],
    today: dt.date,
) -> dict[str, list[services.WantedHolding]]:
    """The people whose positions today differ from the listed ones (``services.holdings_sync``'s
    rule: a listed position held today is kept as it is, and nothing else is held today)."""
    if not wanted:
        return {}
    held: dict[int, dict[str, tuple]] = defaultdict(dict)
    twice: set[int] = set()
    rows = Holding.objects.order_by().values_list("person_id", "position_id", "start", "end", "acting")
    for person_id, position_id, start, end, acting in rows.filter(start__lte=today).exclude(end__lt=today):
        code = position_code.get(position_id, "")
        if code in held[person_id]:
            twice.add(person_id)
        held[person_id][code] = (start, end, acting)
    changing: dict[str, list[services.WantedHolding]] = {}
    for username, items in wanted.items():
        row = people.get(username)
        if row is None or row[0] in twice or (row[5] and items):
            changing[username] = items
            continue
        now = held.get(row[0], {})
        same = len(now) == len(items) and all(
            (h := now.get(item.position)) is not None
            and h[1] == item.end
            and h[2] == item.acting
            and (item.start is None or h[0] == item.start)
            for item in items
        )
        if not same:
            changing[username] = items
    return changing


def _first_passwords(
    passwords: list[Any], *, new_deployment: bool, me: Person | None
) -> list[tuple[str, str, Any]]:
    """The first passwords still to set or ask for: not for an account that has a usable password, nor,
    once a second person must approve, for one whose first password is already asked for."""
    if not passwords:
        return []
    names = [username for username, _password, _where in passwords]
    found = Person.objects.values_list("username", "id", "password")
    if len(names) <= services.LOOKUP_LIMIT:
        found = found.filter(username__in=names)
    waiting: set[int] = set()
    if not new_deployment:
        waiting = set(
            PendingChange.objects.filter(kind=PendingKind.PASSWORD, state=PendingState.PENDING).values_list(
                "person_id", flat=True
            )
        )
    usable: set[str] = set()
    for username, pk, hashed in found:
        guarded = not new_deployment and (me is None or pk != me.pk)
        if is_password_usable(hashed) or (guarded and pk in waiting):
            usable.add(username)
    return [item for item in passwords if item[0] not in usable]
