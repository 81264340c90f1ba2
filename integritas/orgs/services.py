"""Editing the organisation: the one write path for the pages, the API and the org import.

Every service takes keyword-only arguments and a *batch* of items, checks the batch set-wise (one
query per kind, whatever the batch size), then writes in bulk (``orgs.bulk``) inside one transaction
and notes ``Change`` records on the active change set (``orgs.changes``): one audit entry per change
set, whether an administrator typed one change on a page or imported a file of a hundred thousand. The single-item services the pages call (``unit_save``, ``holding_add``…) are a
batch of one, so the rules (reserved codes, cycles, separation of duties) are the same everywhere.

Problems are codes: a batch raises :class:`BatchInvalid` naming each item (by the ``ref`` the caller
gave it) and field; a single-item service raises :class:`~integritas.errors.Invalid` by field.

Separation of duties (SECURITY.md): an administrator holds no position and sits on no team; a holder
or team member is not made an administrator; a change of a team's membership and a new password set
for someone else take effect only when a second person approves them (``PendingChange``), except
while the deployment is still being set up (no team member and no case yet).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from integritas.errors import Forbidden, Invalid, NotFound, Problem, WrongState
from integritas.orgs import auth as org_auth
from integritas.orgs import bulk, notices, tree
from integritas.orgs.changes import change_set
from integritas.orgs.models import (
    TIMEZONES,
    WORK_WEEKS,
    Holding,
    Holiday,
    PendingChange,
    PendingKind,
    PendingState,
    Person,
    Position,
    TeamMembership,
    Unit,
)
from integritas.orgs.policy import validate_policy
from integritas.orgs.rules import (
    LANGUAGES,
    clean_text,
    code_problem,
    email_problem,
    password_problem,
    text_problem,
)

Actor = Person | str
# Up to this many items a batch looks rows up by key; above it, it reads the whole table once.
LOOKUP_LIMIT = 500


# --- problems ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemProblem:
    ref: Any  # the caller's handle on the item (a form, an entry of a file)
    field: str
    problem: Problem


class BatchInvalid(Invalid):
    """Invalid items of a batch; nothing was written. ``problems`` name each item and field."""

    def __init__(self, problems: list[ItemProblem]) -> None:
        super().__init__({f"{i}.{p.field}": p.problem for i, p in enumerate(problems)})
        self.problems = problems

    def single(self) -> Invalid:
        """As the problems of one form: by field (the first problem of each field)."""
        fields: dict[str, Problem] = {}
        for item in self.problems:
            fields.setdefault(item.field, item.problem)
        return Invalid(fields)


class _Problems:
    def __init__(self) -> None:
        self.items: list[ItemProblem] = []

    def add(self, ref: Any, field_name: str, problem: Problem | None) -> bool:
        if problem is not None:
            self.items.append(ItemProblem(ref, field_name, problem))
            return True
        return False

    def check(self) -> None:
        if self.items:
            raise BatchInvalid(self.items)


def _one(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a batch service for a single item; its problems come back by field."""
    try:
        return call(*args, **kwargs)
    except BatchInvalid as error:
        raise error.single() from None


@dataclass(frozen=True)
class Saved:
    key: str  # the code, user name or date of what was saved
    created: bool
    changed: bool


def _actor_name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.username


def _person_of(actor: Actor) -> Person | None:
    return actor if isinstance(actor, Person) else None


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the values on obj; {field: [old, new]} for those that differ."""
    changed: dict[str, list[Any]] = {}
    for key, new in values.items():
        old = getattr(obj, key)
        if old != new:
            changed[key] = [old, new]
            setattr(obj, key, new)
    return changed


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _by_key(model: Any, key: str, values: Iterable[str], *, only: Sequence[str] = ()) -> dict[str, Any]:
    """Rows of ``model`` by ``key`` for the given values: one query (by key, or the whole table)."""
    wanted = {v for v in values if isinstance(v, str) and v}
    if not wanted:
        return {}
    qs = model.objects.all()
    if only:
        qs = qs.only(*only)
    if len(wanted) <= LOOKUP_LIMIT:
        qs = qs.filter(**{f"{key}__in": wanted})
    return {getattr(row, key): row for row in qs.iterator(chunk_size=5000) if getattr(row, key) in wanted}


def _rows_by_key(
    model: Any, key: str, values: Iterable[str], fields: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Like ``_by_key``, as plain dicts of ``fields`` (cheap for a whole district's rows)."""
    wanted = {v for v in values if isinstance(v, str) and v}
    if not wanted:
        return {}
    qs = model.objects.values(key, *fields)
    if len(wanted) <= LOOKUP_LIMIT:
        qs = qs.filter(**{f"{key}__in": wanted})
    return {row[key]: row for row in qs.iterator(chunk_size=20000) if row[key] in wanted}


def _levels(items: dict[str, Any], link: Any) -> Iterable[list[Any]]:
    """Items (by code) in dependency order, a level at a time: an item comes after the item its
    ``link`` names, when that is among them. A batch with cycles never gets here (refused first)."""
    waiting = dict(items)
    while waiting:
        level = [item for key, item in waiting.items() if link(item) not in waiting]
        if not level:
            raise RuntimeError("cycle in a batch that was checked for cycles")
        for item in level:
            del waiting[item.code]
        yield level


def _taken_ignoring_case(model: Any, key: str, values: Iterable[str]) -> dict[str, str]:
    """For each value, an existing key equal to it ignoring case (one query)."""
    wanted = {v.upper(): v for v in values if isinstance(v, str) and v}
    if not wanted:
        return {}
    if len(wanted) <= LOOKUP_LIMIT:
        rows = (
            model.objects.annotate(_upper=Upper(key))
            .filter(_upper__in=list(wanted))
            .values_list(key, flat=True)
        )
    else:
        rows = model.objects.values_list(key, flat=True).iterator(chunk_size=20000)
    found: dict[str, str] = {}
    for existing in rows:
        original = wanted.get(existing.upper())
        if original is not None:
            found[original] = existing
    return found


def deployment_is_new() -> bool:
    """Still being set up: nobody sits on a team and no case exists, so nobody can be asked to approve
    and there is nothing to read. Team changes and passwords then take effect directly."""
    case_model = apps.get_model("cases", "Case")
    return not TeamMembership.objects.exists() and not case_model.objects.exists()


# --- units ------------------------------------------------------------------------------------------


def _code_unusable(p: _Problems, spec: Any, seen: set[str]) -> bool:
    """Clean a spec's code and note what is wrong with it (malformed, reserved, twice in the batch);
    True when it cannot be used at all, so nothing else about the spec is checked."""
    spec.code = clean_text(spec.code) if isinstance(spec.code, str) else spec.code
    if spec.mode != "update" and p.add(spec.ref, "code", code_problem(spec.code)):
        return True
    if spec.code.upper() in seen:  # codes differ by more than case
        p.add(spec.ref, "code", Problem("duplicate_code", value=spec.code))
    seen.add(spec.code.upper())
    return False


def _check_existing(p: _Problems, spec: Any, row: Any, *, taken_as: str | None, not_found: str) -> None:
    """A spec against the stored rows: a create needs its code free (also of a code differing only
    in case, ``taken_as``), an update needs its row (``not_found``: the error's code when it is missing)."""
    if spec.mode == "create" and row is not None:
        p.add(spec.ref, "code", Problem("code_taken", value=spec.code))
    elif spec.mode == "update" and row is None:
        raise NotFound(not_found)
    elif row is None and taken_as is not None:
        p.add(spec.ref, "code", Problem("code_taken", value=taken_as))


@dataclass
class UnitSpec:
    code: str
    name: str
    parent: str | None = None  # a unit code
    timezone: str | None = None
    work_week: str | None = None
    policy: dict[str, Any] | None = None  # the unit's own keys (replaces them); None: none
    ref: Any = None
    mode: str = "upsert"  # create, update or upsert


def units_save(*, actor: Actor, specs: Sequence[UnitSpec], via: str = "page") -> list[Saved]:
    """Create or edit units; time zone, week and policy left empty are inherited from the parent."""
    p = _Problems()
    seen: set[str] = set()
    for spec in specs:
        if _code_unusable(p, spec, seen):
            continue
        p.add(spec.ref, "name", text_problem(spec.name))
        spec.timezone = spec.timezone or None
        if spec.timezone is not None and spec.timezone not in TIMEZONES:
            p.add(spec.ref, "timezone", Problem("choice", choices=", ".join(TIMEZONES)))
        spec.work_week = spec.work_week or None
        if spec.work_week is not None and spec.work_week not in WORK_WEEKS:
            p.add(spec.ref, "work_week", Problem("choice", choices=", ".join(WORK_WEEKS)))
        policy = spec.policy if spec.policy is not None else {}
        if isinstance(policy, dict):
            policy = {k: v for k, v in policy.items() if v is not None}
        for key, problem in validate_policy(policy).items():
            p.add(spec.ref, f"policy_{key}" if key else "policy", problem)
        spec.policy = policy if isinstance(policy, dict) else {}
        if spec.parent is not None and (not isinstance(spec.parent, str) or spec.parent == spec.code):
            p.add(spec.ref, "parent", Problem("parent_self"))
    p.check()

    units = list(Unit.objects.all())
    by_code = {u.code: u for u in units}
    by_upper = {u.code.upper(): u.code for u in units}
    in_batch = {s.code for s in specs}
    for spec in specs:
        unit = by_code.get(spec.code)
        other = by_upper.get(spec.code.upper())
        _check_existing(
            p, spec, unit, taken_as=other if other != spec.code else None, not_found="unit_not_found"
        )
        if spec.parent and spec.parent not in in_batch and spec.parent not in by_code:
            p.add(spec.ref, "parent", Problem("unknown_unit_code", value=spec.parent))
    p.check()

    # Parents as they will be: the database, then the batch. A cycle is reported at its first item.
    code_of_id: dict[int | None, str] = {u.pk: u.code for u in units}
    parent_of = {u.code: code_of_id.get(u.parent_id) for u in units}
    for spec in specs:
        parent_of[spec.code] = spec.parent
    for spec, cycle in _cycles([s.code for s in specs], parent_of, {s.code: s for s in specs}):
        p.add(spec.ref, "parent", Problem("unit_cycle", path=" → ".join(cycle)))
    p.check()

    results: list[Saved] = []
    with change_set(actor=_actor_name(actor), via=via) as rec:
        # New units a level at a time (parents first), so each row is written with its parent.
        new_units: list[Unit] = []
        fresh = {s.code: s for s in specs if s.code not in by_code}
        for level in _levels(fresh, lambda spec: spec.parent):
            rows = [
                Unit(
                    code=s.code,
                    name=clean_text(s.name),
                    parent_id=by_code[s.parent].pk if s.parent else None,
                    timezone=s.timezone,
                    work_week=s.work_week,
                    policy=s.policy or {},
                )
                for s in level
            ]
            bulk.insert_objects(rows, key="code")
            for unit in rows:
                by_code[unit.code] = unit
            new_units += rows
        units += new_units
        created = set(fresh)
        edited: list[Unit] = []
        edited_fields: set[str] = set()
        for spec in specs:
            unit = by_code[spec.code]
            parent = by_code[spec.parent] if spec.parent else None
            if spec.code in created:
                rec.note(
                    "unit_created",
                    unit.code,
                    {
                        "name": unit.name,
                        "parent": spec.parent,
                        "timezone": unit.timezone,
                        "work_week": unit.work_week,
                        "policy": unit.policy,
                    },
                    unit=unit.code,
                )
                results.append(Saved(unit.code, True, True))
                continue
            old_parent = code_of_id.get(unit.parent_id)
            changes = _diff(
                unit,
                {
                    "name": clean_text(spec.name),
                    "timezone": spec.timezone,
                    "work_week": spec.work_week,
                    "policy": spec.policy or {},
                },
            )
            if old_parent != spec.parent:
                unit.parent_id = parent.pk if parent else None
                changes["parent"] = [old_parent, spec.parent]
            if changes:
                edited.append(unit)
                edited_fields |= {"parent" if k == "parent" else k for k in changes}
                rec.note("unit_changed", unit.code, changes, unit=unit.code)
            results.append(Saved(unit.code, False, bool(changes)))
        # Paths and inherited settings, for the new units and everything below a changed one.
        moved = tree.resolve(units)
        if edited:
            bulk.update(edited, sorted(edited_fields))
        bulk.update(moved, sorted(tree.DERIVED_FIELDS))
        tree.follow_tallies(moved)  # moved units, or another time zone: their tallies again
    return results


def _cycles(
    starts: list[str], link: dict[str, str | None], items: dict[str, Any]
) -> list[tuple[Any, list[str]]]:
    """Each cycle through ``link`` that passes through a start, once, with the walk that shows it."""
    found: list[tuple[Any, list[str]]] = []
    done: set[str] = set()  # known to reach the top
    reported: set[str] = set()
    for start in starts:
        walk: list[str] = []
        on_walk: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_walk:
            walk.append(node)
            on_walk.add(node)
            node = link.get(node)
        if node is not None and node in on_walk:
            cycle = walk[walk.index(node) :]
            if not reported & set(cycle):
                reported |= set(cycle)
                first = next(c for c in starts if c in set(cycle)) if set(cycle) & set(starts) else start
                found.append(
                    (items[first], [*cycle, cycle[0]] if first == cycle[0] else _rotate(cycle, first))
                )
            done |= on_walk - set(cycle)
        else:
            done |= on_walk
    return found


def _rotate(cycle: list[str], first: str) -> list[str]:
    i = cycle.index(first)
    turned = cycle[i:] + cycle[:i]
    return [*turned, first]


def unit_save(
    *,
    actor: Actor,
    unit: Unit | None = None,
    code: str = "",
    name: str,
    parent: Unit | None,
    timezone: str | None,
    work_week: str | None,
    policy: dict[str, Any],
    via: str = "page",
) -> tuple[Unit, bool]:
    """Create (``unit`` None) or edit one unit. Returns the unit and whether anything changed."""
    spec = UnitSpec(
        code=unit.code if unit is not None else code,
        name=name,
        parent=parent.code if parent is not None else None,
        timezone=timezone,
        work_week=work_week,
        policy=policy,
        mode="update" if unit is not None else "create",
    )
    [saved] = _one(units_save, actor=actor, specs=[spec], via=via)
    return Unit.objects.get(code=saved.key), saved.changed


# --- positions --------------------------------------------------------------------------------------


@dataclass
class PositionSpec:
    code: str
    unit: str  # a unit code
    title: str
    reports_to: str | None = None  # a position code
    ref: Any = None
    mode: str = "upsert"


def positions_save(*, actor: Actor, specs: Sequence[PositionSpec], via: str = "page") -> list[Saved]:
    """Create or edit positions; ``reports_to`` may be in any unit but may not lead back."""
    p = _Problems()
    seen: set[str] = set()
    for spec in specs:
        if _code_unusable(p, spec, seen):
            continue
        p.add(spec.ref, "title", text_problem(spec.title))
        if spec.reports_to is not None and (
            not isinstance(spec.reports_to, str) or spec.reports_to == spec.code
        ):
            p.add(spec.ref, "reports_to", Problem("reports_to_self"))
        if not isinstance(spec.unit, str) or not spec.unit:
            p.add(spec.ref, "unit", Problem("required"))
    p.check()

    codes = {s.code for s in specs}
    targets = {s.reports_to for s in specs if s.reports_to}
    existing = _rows_by_key(Position, "code", codes | targets, ("id", "unit_id", "title", "reports_to_id"))
    taken = _taken_ignoring_case(Position, "code", [s.code for s in specs if s.code not in existing])
    units = _rows_by_key(Unit, "code", {s.unit for s in specs}, ("id",))
    for spec in specs:
        position = existing.get(spec.code)
        _check_existing(p, spec, position, taken_as=taken.get(spec.code), not_found="position_not_found")
        if spec.unit not in units:
            p.add(spec.ref, "unit", Problem("unknown_unit_code", value=spec.unit))
        if spec.reports_to and spec.reports_to not in codes and spec.reports_to not in existing:
            p.add(spec.ref, "reports_to", Problem("unknown_position_code", value=spec.reports_to))
    p.check()

    # Cycles over the whole graph of superiors, read once (only when a superior changes).
    id_of = {code: row["id"] for code, row in existing.items()}
    moving = [
        s
        for s in specs
        if s.code not in existing
        or existing[s.code]["reports_to_id"] != (id_of.get(s.reports_to) if s.reports_to else None)
    ]
    if any(s.reports_to for s in moving):
        graph = dict(Position.objects.values_list("id", "reports_to_id").iterator(chunk_size=20000))
        key_of: dict[int, str] = {pk: f"#{pk}" for pk in graph}
        key_of.update({pk: code for code, pk in id_of.items()})
        link: dict[str, str | None] = {
            key_of[pk]: (key_of.get(target) if target else None) for pk, target in graph.items()
        }
        for spec in specs:
            link[spec.code] = spec.reports_to
        needed = _position_codes(link)
        for spec, cycle in _cycles([s.code for s in moving], link, {s.code: s for s in specs}):
            names = [needed.get(c, c) for c in cycle]
            p.add(spec.ref, "reports_to", Problem("position_cycle", path=" → ".join(names)))
        p.check()

    results: list[Saved] = []
    with change_set(actor=_actor_name(actor), via=via) as rec:
        # New positions a level at a time (superiors first), each written with its superior.
        fresh = {s.code: s for s in specs if s.code not in existing}
        for level in _levels(fresh, lambda spec: spec.reports_to):
            rows = [
                {
                    "code": s.code,
                    "unit_id": units[s.unit]["id"],
                    "title": clean_text(s.title),
                    "reports_to_id": id_of[s.reports_to] if s.reports_to else None,
                }
                for s in level
            ]
            id_of.update(bulk.insert_rows(Position, rows, key="code"))
            for spec, row in zip(level, rows, strict=True):
                rec.note(
                    "position_created",
                    spec.code,
                    {"unit": spec.unit, "title": row["title"], "reports_to": spec.reports_to},
                    unit=spec.unit,
                )
        unit_code_of = {row["id"]: code for code, row in units.items()}
        code_of = {pk: code for code, pk in id_of.items()} if len(fresh) < len(specs) else {}
        edited: list[Position] = []
        edited_fields: set[str] = set()
        for spec in specs:
            if spec.code in fresh:
                results.append(Saved(spec.code, True, True))
                continue
            row = existing[spec.code]
            target = id_of[spec.reports_to] if spec.reports_to else None
            title = clean_text(spec.title)
            unit_id = units[spec.unit]["id"]
            changes: dict[str, list[Any]] = {}
            if row["unit_id"] != unit_id:
                changes["unit"] = [_unit_code(row["unit_id"], unit_code_of), spec.unit]
                edited_fields.add("unit")
            if row["title"] != title:
                changes["title"] = [row["title"], title]
                edited_fields.add("title")
            if row["reports_to_id"] != target:
                changes["reports_to"] = [_position_code(row["reports_to_id"], code_of), spec.reports_to]
                edited_fields.add("reports_to")
            if changes:
                edited.append(
                    Position(pk=row["id"], code=spec.code, unit_id=unit_id, title=title, reports_to_id=target)
                )
                rec.note("position_changed", spec.code, changes, unit=spec.unit)
            results.append(Saved(spec.code, False, bool(changes)))
        if edited:
            bulk.update(edited, sorted(edited_fields))
    return results


def _unit_code(unit_id: int | None, known: dict[int, str]) -> str | None:
    if unit_id is None:
        return None
    return known.get(unit_id) or Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first()


def _position_code(position_id: int | None, known: dict[int, str]) -> str | None:
    if position_id is None:
        return None
    return (
        known.get(position_id)
        or Position.objects.filter(pk=position_id).values_list("code", flat=True).first()
    )


def _position_codes(link: dict[str, str | None]) -> dict[str, str]:
    """Codes for the graph keys read by id ("#12") that a cycle message may need."""
    ids = [int(k[1:]) for k in link if k.startswith("#")]
    if not ids or len(ids) > LOOKUP_LIMIT * 10:
        return {}
    return {
        f"#{pk}": code for pk, code in Position.objects.filter(pk__in=ids[:5000]).values_list("id", "code")
    }


def position_save(
    *,
    actor: Actor,
    position: Position | None = None,
    code: str = "",
    unit: Unit,
    title: str,
    reports_to: Position | None,
    via: str = "page",
) -> tuple[Position, bool]:
    """Create or edit one position."""
    spec = PositionSpec(
        code=position.code if position is not None else code,
        unit=unit.code,
        title=title,
        reports_to=reports_to.code if reports_to is not None else None,
        mode="update" if position is not None else "create",
    )
    [saved] = _one(positions_save, actor=actor, specs=[spec], via=via)
    return Position.objects.select_related("unit", "reports_to").get(code=saved.key), saved.changed


# --- people -----------------------------------------------------------------------------------------


@dataclass
class PersonSpec:
    username: str
    name: str
    email: str = ""
    language: str = "id"
    is_admin: bool = False
    is_active: bool | None = None  # None: unchanged (active when created)
    ref: Any = None
    mode: str = "upsert"


def has_case_roles(person_ids: Iterable[int], *, today: dt.date | None = None) -> set[int]:
    """Of these people, who holds a position today or later, sits on a team or is asked to join one."""
    ids = list(person_ids)
    if not ids:
        return set()
    today = today or timezone.localdate()
    found = set(
        Holding.objects.filter(person_id__in=ids)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .values_list("person_id", flat=True)
    )
    found |= set(TeamMembership.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
    found |= set(
        PendingChange.objects.filter(
            person_id__in=ids, kind=PendingKind.TEAM_ADD, state=PendingState.PENDING
        ).values_list("person_id", flat=True)
    )
    return found


def people_save(*, actor: Actor, specs: Sequence[PersonSpec], via: str = "page") -> list[Saved]:
    """Create or edit members of staff. A new person has no usable password until one is set.

    An administrator cannot take away their own administration right or deactivate themselves; nobody
    who holds a position or sits on a team becomes an administrator.
    """
    p = _Problems()
    me = _person_of(actor)
    seen: set[str] = set()
    for spec in specs:
        spec.username = clean_text(spec.username) if isinstance(spec.username, str) else spec.username
        if spec.mode != "update" and p.add(spec.ref, "username", code_problem(spec.username, username=True)):
            continue
        if spec.username.upper() in seen:
            p.add(spec.ref, "username", Problem("duplicate_username", value=spec.username))
        seen.add(spec.username.upper())
        p.add(spec.ref, "name", text_problem(spec.name))
        spec.email = clean_text(spec.email)
        if spec.language not in LANGUAGES:
            p.add(spec.ref, "language", Problem("choice", choices=", ".join(LANGUAGES)))
    p.check()

    existing = _rows_by_key(
        Person,
        "username",
        [s.username for s in specs],
        ("id", "name", "email", "language", "is_admin", "is_active"),
    )
    taken = _taken_ignoring_case(
        Person, "username", [s.username for s in specs if s.username not in existing]
    )
    becoming_admin = [
        existing[s.username]["id"]
        for s in specs
        if s.is_admin and s.username in existing and not existing[s.username]["is_admin"]
    ]
    with_roles = has_case_roles(becoming_admin)
    for spec in specs:
        person = existing.get(spec.username)
        if spec.mode == "create" and person is not None:
            p.add(spec.ref, "username", Problem("username_taken", value=spec.username))
        elif spec.mode == "update" and person is None:
            raise NotFound("person_not_found")
        elif person is None and spec.username in taken:
            p.add(spec.ref, "username", Problem("username_taken", value=taken[spec.username]))
        if person is None or person["email"] != spec.email:  # an address is checked when it changes
            p.add(spec.ref, "email", email_problem(spec.email))
        if person is not None and me is not None and person["id"] == me.pk:
            if not spec.is_admin:
                p.add(spec.ref, "is_admin", Problem("own_admin_right"))
            if spec.is_active is False:
                p.add(spec.ref, "is_active", Problem("own_deactivation"))
        if person is not None and person["id"] in with_roles:
            p.add(spec.ref, "is_admin", Problem("holder_cannot_be_admin", username=spec.username))
    p.check()

    results: list[Saved] = []
    with change_set(actor=_actor_name(actor), via=via) as rec:
        new_people = [
            {
                "username": spec.username,
                "name": clean_text(spec.name),
                "email": spec.email,
                "language": spec.language,
                "is_admin": bool(spec.is_admin),
                "is_active": spec.is_active is not False,
                "password": org_auth.unusable_password(),
            }
            for spec in specs
            if spec.username not in existing
        ]
        bulk.insert_rows(Person, new_people, key=None)
        created = {person["username"]: person for person in new_people}
        edited: list[Person] = []
        edited_fields: set[str] = set()
        cut_off: list[Person] = []
        for spec in specs:
            if spec.username in created:
                new = created[spec.username]
                rec.note(
                    "person_created",
                    spec.username,
                    {k: new[k] for k in ("name", "email", "language", "is_admin", "is_active")},
                )
                results.append(Saved(spec.username, True, True))
                continue
            row = existing[spec.username]
            values: dict[str, Any] = {
                "name": clean_text(spec.name),
                "email": spec.email,
                "language": spec.language,
                "is_admin": bool(spec.is_admin),
            }
            if spec.is_active is not None:
                values["is_active"] = bool(spec.is_active)
            changes = {k: [row[k], v] for k, v in values.items() if row[k] != v}
            if changes:
                changed_person = Person(pk=row["id"], username=spec.username, **{k: row[k] for k in values})
                for key, (_old, new) in changes.items():
                    setattr(changed_person, key, new)
                edited.append(changed_person)
                edited_fields |= set(changes)
                rec.note("person_changed", spec.username, changes)
                if "is_active" in changes:
                    cut_off.append(changed_person)  # deactivated, or reactivated: old sessions never return
            results.append(Saved(spec.username, False, bool(changes)))
        if edited:
            bulk.update(edited, sorted(edited_fields))
        if cut_off:
            org_auth.end_all_sessions(cut_off)
    return results


def person_save(
    *,
    actor: Actor,
    person: Person | None = None,
    username: str = "",
    name: str,
    email: str,
    language: str,
    is_admin: bool,
    is_active: bool,
    via: str = "page",
) -> tuple[Person, bool]:
    """Create or edit one member of staff."""
    spec = PersonSpec(
        username=person.username if person is not None else username,
        name=name,
        email=email or "",
        language=language,
        is_admin=is_admin,
        is_active=is_active,
        mode="update" if person is not None else "create",
    )
    [saved] = _one(people_save, actor=actor, specs=[spec], via=via)
    return Person.objects.get(username=saved.key), saved.changed


# --- passwords --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordOutcome:
    person: Person
    pending: PendingChange | None  # None: the password is in force

    @property
    def applied(self) -> bool:
        return self.pending is None


def can_be_approved(person_ids: Iterable[int], *, requester: Person | None) -> set[int]:
    """Of these people, those for whom a second person exists to approve a new password."""
    drafts = [
        PendingChange(pk=-n, kind=PendingKind.PASSWORD, person_id=pid, requested_by=requester)
        for n, pid in enumerate(sorted(set(person_ids)), start=1)
    ]
    allowed = _approver_ids(drafts)
    return {draft.person_id for draft in drafts if allowed[draft.pk]}


def person_set_password(
    *, actor: Actor, person: Person, password: str, via: str = "page", new_deployment: bool | None = None
) -> PasswordOutcome:
    """A new password for someone else: it waits for a second person's approval (once the deployment is
    set up). One's own password takes effect at once."""
    problem = password_problem(password, username=person.username, name=person.name, email=person.email)
    if problem is not None:
        raise Invalid({"password": problem})
    [outcome] = _one(
        passwords_set,
        actor=actor,
        items=[(person, make_password(password))],
        via=via,
        new_deployment=new_deployment,
    )
    return outcome


def passwords_set(
    *,
    actor: Actor,
    items: Sequence[tuple[Person, str]],
    via: str,
    new_deployment: bool | None = None,
    first_only: bool = False,
    refs: dict[int, Any] | None = None,
) -> list[PasswordOutcome]:
    """Set password hashes (already checked against the policy and hashed), or ask for approval.

    ``first_only``: only for accounts without a usable password yet (the org import's rule)."""
    if not items:
        return []
    if new_deployment is None:
        new_deployment = deployment_is_new()
    me = _person_of(actor)
    # Someone else's new password waits for a second person: whoever sets it could otherwise sign in
    # as that person (and read what they read, or will read once appointed). One's own does not.
    guarded = set() if new_deployment else {p.pk for p, _ in items if me is None or p.pk != me.pk}
    approvable = can_be_approved(guarded, requester=me)
    problems = _Problems()
    for person, _hashed in items:
        if (
            person.pk in guarded
            and person.pk not in approvable
            and not (first_only and person.has_usable_password())
        ):
            problems.add(
                (refs or {}).get(person.pk), "password", Problem("no_second_person", username=person.username)
            )
    problems.check()
    outcomes: list[PasswordOutcome] = []
    with change_set(actor=_actor_name(actor), via=via) as rec:
        direct: list[Person] = []
        waiting: list[PendingChange] = []
        now = timezone.now()
        open_requests = {
            c.person_id: c
            for c in PendingChange.objects.filter(
                person_id__in=[p.pk for p, _ in items], kind=PendingKind.PASSWORD, state=PendingState.PENDING
            )
        }
        for person, hashed in items:
            if first_only and person.has_usable_password():
                continue
            if person.pk in guarded:
                if first_only and person.pk in open_requests:
                    continue  # asked for already (a second import of the same file)
                earlier = open_requests.get(person.pk)
                if earlier is not None:
                    earlier.state, earlier.decided_at, earlier.reason = (
                        PendingState.WITHDRAWN,
                        now,
                        "replaced",
                    )
                    earlier.save(update_fields=["state", "decided_at", "reason"])
                change = PendingChange(
                    kind=PendingKind.PASSWORD,
                    person=person,
                    password_hash=hashed,
                    requested_by=me,
                    requested_by_name=_actor_name(actor),
                    requested_at=now,
                    via=via,
                )
                waiting.append(change)
                outcomes.append(PasswordOutcome(person, change))
                continue
            person.password = hashed
            direct.append(person)
            rec.note("password_set", person.username)
            outcomes.append(PasswordOutcome(person, None))
        if direct:
            bulk.update(direct, ["password"])
            org_auth.end_all_sessions(direct)
        if waiting:
            bulk.insert(waiting)
            for change in waiting:
                rec.note("password_requested", change.person.username, {"request": change.pk})
            notices.pending_requested(waiting)
    return outcomes


# --- holdings ---------------------------------------------------------------------------------------


@dataclass
class HoldingSpec:
    username: str
    position: str  # a position code
    start: dt.date
    end: dt.date | None = None
    acting: bool = False
    ref: Any = None


def _overlaps(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None) -> bool:
    return (a_end is None or a_end >= b_start) and (b_end is None or b_end >= a_start)


def holdings_add(*, actor: Actor, specs: Sequence[HoldingSpec], via: str = "page") -> list[Holding]:
    """People hold positions from ``start`` to ``end`` (inclusive; None: until further notice)."""
    p = _Problems()
    for spec in specs:
        if spec.end is not None and spec.end < spec.start:
            p.add(spec.ref, "end", Problem("end_before_start", start=spec.start.isoformat()))
    people = _by_key(Person, "username", [s.username for s in specs])
    positions = _by_key(Position, "code", [s.position for s in specs])
    for spec in specs:
        person = people.get(spec.username)
        if person is None:
            p.add(spec.ref, "person", Problem("unknown_person", value=spec.username))
        elif person.is_admin:
            p.add(spec.ref, "position", Problem("admin_holds_no_position", username=person.username))
        if spec.position not in positions:
            p.add(spec.ref, "position", Problem("unknown_position_code", value=spec.position))
    p.check()
    existing: dict[tuple[int, int], list[Holding]] = defaultdict(list)
    for holding in Holding.objects.filter(
        person_id__in={people[s.username].pk for s in specs},
        position_id__in={positions[s.position].pk for s in specs},
    ):
        existing[(holding.person_id, holding.position_id)].append(holding)
    batch: dict[tuple[int, int], list[HoldingSpec]] = defaultdict(list)
    for spec in specs:
        key = (people[spec.username].pk, positions[spec.position].pk)
        clash = any(_overlaps(spec.start, spec.end, h.start, h.end) for h in existing[key])
        clash = clash or any(_overlaps(spec.start, spec.end, o.start, o.end) for o in batch[key])
        if clash:
            p.add(spec.ref, "position", Problem("holding_overlap", value=spec.position))
        batch[key].append(spec)
    p.check()

    with change_set(actor=_actor_name(actor), via=via) as rec:
        rows = [
            Holding(
                person=people[s.username],
                position=positions[s.position],
                start=s.start,
                end=s.end,
                acting=s.acting,
            )
            for s in specs
        ]
        bulk.insert(rows)
        unit_codes = _unit_codes_of_positions(positions.values())
        for spec, row in zip(specs, rows, strict=True):
            rec.note(
                "holding_added",
                f"{spec.username}/{spec.position}",
                {"start": _iso(spec.start), "end": _iso(spec.end), "acting": spec.acting},
                unit=unit_codes.get(row.position.unit_id, ""),
            )
        _warn_second_holders(rec, [positions[s.position] for s in specs], unit_codes)
    return rows


def _unit_codes_of_positions(positions: Iterable[Position]) -> dict[int, str]:
    unit_ids = {p.unit_id for p in positions}
    if not unit_ids:
        return {}
    if len(unit_ids) > LOOKUP_LIMIT:
        return dict(Unit.objects.values_list("id", "code"))
    return dict(Unit.objects.filter(pk__in=unit_ids).values_list("id", "code"))


def _warn_second_holders(rec: Any, positions: Iterable[Position], unit_codes: dict[int, str]) -> None:
    """Warn where a position touched by this change set has more than one holder today."""
    ids = {p.pk for p in positions}
    if not ids:
        return
    today = timezone.localdate()
    rows = Holding.objects.active_on(today)
    rows = rows.filter(position_id__in=ids) if len(ids) <= LOOKUP_LIMIT else rows
    holders: dict[int, list[str]] = defaultdict(list)
    for position_id, username in rows.values_list("position_id", "person__username").iterator(
        chunk_size=20000
    ):
        if position_id in ids:
            holders[position_id].append(username)
    codes = {p.pk: p.code for p in positions}
    for position_id, names in sorted(holders.items()):
        if len(names) > 1:
            rec.warn("second_holder", codes[position_id], position=codes[position_id], holders=sorted(names))


def holding_add(
    *,
    actor: Actor,
    person: Person,
    position: Position,
    start: dt.date,
    end: dt.date | None = None,
    acting: bool = False,
    via: str = "page",
) -> Holding:
    spec = HoldingSpec(username=person.username, position=position.code, start=start, end=end, acting=acting)
    [holding] = _one(holdings_add, actor=actor, specs=[spec], via=via)
    return holding


def holding_end(*, actor: Actor, holding: Holding, end: dt.date, via: str = "page") -> Holding:
    """The holding ends on ``end`` (the last day it is held)."""
    if end < holding.start:
        raise Invalid({"end": Problem("end_before_start", start=holding.start.isoformat())})
    with change_set(actor=_actor_name(actor), via=via) as rec:
        holding = (
            Holding.objects.select_for_update().select_related("person", "position__unit").get(pk=holding.pk)
        )
        if holding.end == end:
            return holding
        old = holding.end
        holding.end = end
        holding.save(update_fields=["end"])
        rec.note(
            "holding_ended",
            f"{holding.person.username}/{holding.position.code}",
            {"start": _iso(holding.start), "end": [_iso(old), _iso(end)]},
            unit=holding.position.unit.code,
        )
    return holding


@dataclass
class WantedHolding:
    position: str
    start: dt.date | None = None
    end: dt.date | None = None
    acting: bool = False
    ref: Any = None


def holdings_sync(
    *,
    actor: Actor,
    wanted: dict[str, list[WantedHolding]],
    today: dt.date,
    via: str = "import",
    refs: dict[str, Any] | None = None,
) -> None:
    """Make each listed person hold exactly the listed positions from today (the org import's rule).

    A listed position already held today is kept (its end, acting flag and a given start updated); a
    new one starts on its ``start`` or today; a position held today but no longer listed ends
    yesterday (or disappears, when it only started today or later). Past holdings stay as history.
    """
    refs = refs or {}
    p = _Problems()
    people = _rows_by_key(Person, "username", wanted, ("id", "is_admin"))
    for username, items in wanted.items():
        person = people.get(username)
        if person is None:
            p.add(refs.get(username), "username", Problem("unknown_person", value=username))
        elif person["is_admin"] and items:
            p.add(items[0].ref, "code", Problem("admin_holds_no_position", username=username))
    p.check()
    person_ids = {people[u]["id"] for u in wanted}
    positions_needed = {item.position for items in wanted.values() for item in items}
    positions = _rows_by_key(Position, "code", positions_needed, ("id", "unit_id"))
    for items in wanted.values():
        for item in items:
            if item.position not in positions:
                p.add(item.ref, "code", Problem("unknown_position_code", value=item.position))
            if item.start and item.end and item.end < item.start:
                p.add(item.ref, "end", Problem("end_before_start", start=item.start.isoformat()))
    p.check()
    # Every holding of the listed people, as plain rows (one query).
    current: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    same_start: dict[tuple[int, str, dt.date], dict[str, Any]] = {}
    rows: Any = Holding.objects.values(
        "id", "person_id", "start", "end", "acting", "position__code", "position__unit_id"
    )
    if len(person_ids) <= LOOKUP_LIMIT:
        rows = rows.filter(person_id__in=person_ids)
    row: dict[str, Any]
    for row in rows.iterator(chunk_size=20000):
        if row["person_id"] not in person_ids:
            continue
        code = row["position__code"]
        if row["start"] <= today and (row["end"] is None or row["end"] >= today):
            current[row["person_id"]][code] = row
        if code in positions_needed:
            same_start[(row["person_id"], code, row["start"])] = row

    with change_set(actor=_actor_name(actor), via=via) as rec:
        unit_codes = _unit_codes(
            {p["unit_id"] for p in positions.values()}
            | {r["position__unit_id"] for held in current.values() for r in held.values()}
        )
        new_rows: list[dict[str, Any]] = []
        updated: list[Holding] = []
        updated_fields: set[str] = set()
        ended: list[Holding] = []
        deleted: list[int] = []
        touched: set[int] = set()
        for username, items in wanted.items():
            person_id = people[username]["id"]
            active = current.get(person_id, {})
            listed = {item.position for item in items}
            for item in items:
                position = positions[item.position]
                unit = unit_codes.get(position["unit_id"], "")
                key = f"{username}/{item.position}"
                found = active.get(item.position) or same_start.get(
                    (person_id, item.position, item.start or today)
                )
                if found is None:
                    start = item.start or today
                    new_rows.append(
                        {
                            "person_id": person_id,
                            "position_id": position["id"],
                            "start": start,
                            "end": item.end,
                            "acting": item.acting,
                        }
                    )
                    touched.add(position["id"])
                    rec.note(
                        "holding_added",
                        key,
                        {"start": _iso(start), "end": _iso(item.end), "acting": item.acting},
                        unit=unit,
                    )
                    continue
                values: dict[str, Any] = {"end": item.end, "acting": item.acting}
                if item.start:
                    values["start"] = item.start
                changes = {k: [found[k], v] for k, v in values.items() if found[k] != v}
                if changes:
                    holding = Holding(
                        pk=found["id"], start=found["start"], end=found["end"], acting=found["acting"]
                    )
                    for name, (_old, new) in changes.items():
                        setattr(holding, name, new)
                    updated.append(holding)
                    updated_fields |= set(changes)
                    touched.add(position["id"])
                    rec.note(
                        "holding_changed",
                        key,
                        {k: [_jsonable_day(v[0]), _jsonable_day(v[1])] for k, v in changes.items()},
                        unit=unit,
                    )
            for code, row in active.items():
                if code in listed:
                    continue
                unit = unit_codes.get(row["position__unit_id"]) or ""
                if row["start"] >= today:
                    deleted.append(row["id"])
                    rec.note(
                        "holding_removed", f"{username}/{code}", {"start": _iso(row["start"])}, unit=unit
                    )
                else:
                    end = today - dt.timedelta(days=1)
                    ended.append(Holding(pk=row["id"], end=end))
                    rec.note(
                        "holding_ended",
                        f"{username}/{code}",
                        {"start": _iso(row["start"]), "end": [_iso(row["end"]), _iso(end)]},
                        unit=unit,
                    )
        bulk.insert_rows(Holding, new_rows)
        bulk.update(updated, sorted(updated_fields))
        bulk.update(ended, ["end"])
        if deleted:
            Holding.objects.filter(pk__in=deleted).delete()
        codes = {row["id"]: code for code, row in positions.items()}
        _warn_second_holders(rec, [Position(pk=pk, code=codes[pk]) for pk in touched], unit_codes)


def _unit_codes(unit_ids: set[int]) -> dict[int, str]:
    if not unit_ids:
        return {}
    if len(unit_ids) > LOOKUP_LIMIT:
        return dict(Unit.objects.values_list("id", "code"))
    return dict(Unit.objects.filter(pk__in=unit_ids).values_list("id", "code"))


def _jsonable_day(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- teams --------------------------------------------------------------------------------------------


@dataclass
class TeamChange:
    unit: str  # a unit code
    username: str
    add: bool = True
    ref: Any = None


@dataclass
class TeamOutcome:
    applied: list[TeamChange] = field(default_factory=list)  # in force now
    pending: list[PendingChange] = field(default_factory=list)  # waiting for a second person
    unchanged: list[TeamChange] = field(default_factory=list)  # nothing to do (or asked already)


def teams_change(
    *,
    actor: Actor,
    changes: Sequence[TeamChange],
    via: str = "page",
    new_deployment: bool | None = None,
) -> TeamOutcome:
    """Ask for members to join or leave teams.

    While the deployment is new (:func:`deployment_is_new`) the changes take effect at once; after
    that each one waits for a second person (:func:`approvers`). An administrator never joins a team.
    """
    p = _Problems()
    units = _by_key(Unit, "code", [c.unit for c in changes], only=("id", "code", "name", "path"))
    people = _by_key(
        Person,
        "username",
        [c.username for c in changes],
        only=("id", "username", "name", "is_admin", "is_active"),
    )
    for change in changes:
        if change.unit not in units:
            p.add(change.ref, "unit", Problem("unknown_unit_code", value=change.unit))
        person = people.get(change.username)
        if person is None:
            p.add(change.ref, "person", Problem("unknown_person", value=change.username))
        elif change.add and person.is_admin:
            p.add(change.ref, "person", Problem("admin_sits_on_no_team", username=person.username))
        elif change.add and not person.is_active:
            p.add(change.ref, "person", Problem("inactive_person", username=person.username))
    p.check()
    if new_deployment is None:
        new_deployment = deployment_is_new()
    unit_ids = {units[c.unit].pk for c in changes}
    members: set[tuple[int, int]] = set(
        TeamMembership.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "person_id")
    )
    asked: set[tuple[str, int, int]] = set(
        PendingChange.objects.filter(
            state=PendingState.PENDING,
            unit_id__in=unit_ids,
            kind__in=[PendingKind.TEAM_ADD, PendingKind.TEAM_REMOVE],
        ).values_list("kind", "unit_id", "person_id")
    )
    outcome = TeamOutcome()
    me = _person_of(actor)
    now = timezone.now()
    if not new_deployment:
        _check_team_approvers(changes, units, people, me)
    with change_set(actor=_actor_name(actor), via=via) as rec:
        new_members: list[dict[str, int]] = []
        gone: list[tuple[int, int]] = []
        waiting: list[PendingChange] = []
        for change in changes:
            unit, person = units[change.unit], people[change.username]
            key = (unit.pk, person.pk)
            kind = PendingKind.TEAM_ADD if change.add else PendingKind.TEAM_REMOVE
            if (key in members) == change.add or (kind, *key) in asked:
                outcome.unchanged.append(change)
                continue
            if new_deployment:
                if change.add:
                    new_members.append({"unit_id": unit.pk, "person_id": person.pk})
                    members.add(key)
                else:
                    gone.append(key)
                    members.discard(key)
                rec.note(
                    "team_member_added" if change.add else "team_member_removed",
                    f"{unit.code}/{person.username}",
                    unit=unit.code,
                )
                outcome.applied.append(change)
                continue
            pending = PendingChange(
                kind=kind,
                unit=unit,
                person=person,
                requested_by=me,
                requested_by_name=_actor_name(actor),
                requested_at=now,
                via=via,
            )
            asked.add((kind, *key))
            waiting.append(pending)
            outcome.pending.append(pending)
        bulk.insert_rows(TeamMembership, new_members)
        if gone:
            condition = Q()
            for unit_id, person_id in gone:
                condition |= Q(unit_id=unit_id, person_id=person_id)
            TeamMembership.objects.filter(condition).delete()
        if waiting:
            bulk.insert(waiting)
            for pending in waiting:
                unit_code = _unit_of(pending)
                rec.note(
                    f"{pending.kind}_requested",
                    f"{unit_code}/{pending.person.username}",
                    {"request": pending.pk},
                    unit=unit_code,
                )
            notices.pending_requested(waiting)
    return outcome


def _check_team_approvers(
    changes: Sequence[TeamChange], units: dict[str, Unit], people: dict[str, Person], me: Person | None
) -> None:
    """Refuse at once a team change that nobody could approve (no member of the team or of a team above
    it other than the person concerned, and no other administrator), rather than let it wait for ever."""
    drafts = [
        PendingChange(
            pk=-n,
            kind=PendingKind.TEAM_ADD if change.add else PendingKind.TEAM_REMOVE,
            unit_id=units[change.unit].pk,
            person_id=people[change.username].pk,
            requested_by=me,
        )
        for n, change in enumerate(changes, start=1)
    ]
    allowed = _approver_ids(drafts)
    p = _Problems()
    for change, draft in zip(changes, drafts, strict=True):
        if not allowed[draft.pk]:
            p.add(change.ref, "person", Problem("team_no_second_person", unit=change.unit))
    p.check()


def team_set(
    *,
    actor: Actor,
    unit: Unit,
    add: Iterable[Person] = (),
    remove: Iterable[Person] = (),
    via: str = "page",
    new_deployment: bool | None = None,
) -> TeamOutcome:
    """Add people to and remove people from the COI handling team of one unit (see ``teams_change``)."""
    changes = [TeamChange(unit.code, p.username, True) for p in add]
    changes += [TeamChange(unit.code, p.username, False) for p in remove]
    return _one(teams_change, actor=actor, changes=changes, via=via, new_deployment=new_deployment)


def teams_sync(
    *,
    actor: Actor,
    wanted: dict[str, list[str]],
    via: str = "import",
    refs: dict[str, Any] | None = None,
    new_deployment: bool | None = None,
) -> TeamOutcome:
    """Make each listed unit's team exactly the listed members (the org import's rule)."""
    refs = refs or {}
    units = _by_key(Unit, "code", wanted, only=("id", "code"))
    current: dict[str, set[str]] = defaultdict(set)
    rows = TeamMembership.objects.values_list("unit__code", "person__username")
    if len(units) <= LOOKUP_LIMIT:
        rows = rows.filter(unit_id__in=[u.pk for u in units.values()])
    for unit_code, username in rows.iterator(chunk_size=20000):
        if unit_code in wanted:
            current[unit_code].add(username)
    changes: list[TeamChange] = []
    for unit_code, usernames in wanted.items():
        listed = list(dict.fromkeys(usernames))
        ref = refs.get(unit_code)
        changes += [
            TeamChange(unit_code, u, True, refs.get(f"{unit_code}/{u}", ref))
            for u in listed
            if u not in current[unit_code]
        ]
        changes += [TeamChange(unit_code, u, False, ref) for u in sorted(current[unit_code] - set(listed))]
    if not changes:
        return TeamOutcome()
    return teams_change(actor=actor, changes=changes, via=via, new_deployment=new_deployment)


# --- approvals ----------------------------------------------------------------------------------------


def _approver_ids(changes: Sequence[PendingChange]) -> dict[int, set[int]]:
    """For each change, who may approve it (person ids): active members of the team concerned or of a
    team above it (they already oversee every case that team sees) — for a password, the teams of the
    units where the person holds or held a position or sits on a team — other than the requester and
    the person concerned; where there is no such member, the other active administrators.
    A few queries, whatever the number of changes."""
    if not changes:
        return {}
    people = {c.person_id for c in changes if c.unit_id is None}
    held: dict[int, set[int]] = defaultdict(set)
    if people:
        for person_id, unit_id in Holding.objects.filter(person_id__in=people).values_list(
            "person_id", "position__unit_id"
        ):
            held[person_id].add(unit_id)
        for person_id, unit_id in TeamMembership.objects.filter(person_id__in=people).values_list(
            "person_id", "unit_id"
        ):
            held[person_id].add(unit_id)
    concerned = {c.pk: ({c.unit_id} if c.unit_id else held[c.person_id]) for c in changes}
    paths = dict(Unit.objects.filter(pk__in=set().union(*concerned.values())).values_list("id", "path"))
    above = {
        pk: {int(part) for unit in units for part in paths.get(unit, "").strip("/").split("/") if part}
        for pk, units in concerned.items()
    }
    members: dict[int, set[int]] = defaultdict(set)
    for unit_id, person_id in TeamMembership.objects.filter(
        unit_id__in=set().union(*above.values()), person__is_active=True
    ).values_list("unit_id", "person_id"):
        members[unit_id].add(person_id)
    admins = set(Person.objects.filter(is_admin=True, is_active=True).values_list("id", flat=True))
    result: dict[int, set[int]] = {}
    for change in changes:
        excluded = {change.person_id, change.requested_by_id}
        team = set().union(*(members[u] for u in above[change.pk])) - excluded
        result[change.pk] = team or (admins - excluded)
    return result


def approvers(change: PendingChange) -> list[Person]:
    """Who may approve the change (see :func:`_approver_ids`)."""
    ids = _approver_ids([change])[change.pk]
    return list(Person.objects.filter(pk__in=ids).order_by("username"))


def may_approve(person: Person, change: PendingChange) -> bool:
    return person.pk in _approver_ids([change])[change.pk]


def pending_for(person: Person) -> list[PendingChange]:
    """Changes waiting for this person's decision, and (for an administrator) those they asked for."""
    waiting = list(
        PendingChange.objects.filter(state=PendingState.PENDING)
        .select_related("unit", "person", "requested_by")
        .order_by("requested_at", "id")
    )
    allowed = _approver_ids(waiting)
    return [c for c in waiting if c.requested_by_id == person.pk or person.pk in allowed[c.pk]]


def _unit_of(change: PendingChange) -> str:
    """The code of the team's unit a change is about ("" for a password)."""
    return change.unit.code if change.unit is not None else ""


def _open_change(change_id: Any) -> PendingChange:
    try:
        pk = int(change_id)
    except (TypeError, ValueError):
        raise NotFound("change_not_found") from None
    change = (
        PendingChange.objects.select_for_update(of=("self",))
        .select_related("unit", "person", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if change is None:
        raise NotFound("change_not_found")
    return change


def pending_approve(*, actor: Person, change_id: Any, via: str = "page") -> PendingChange:
    """A second person approves: the change takes effect now (and the team hears of it)."""
    with transaction.atomic():
        change = _open_change(change_id)
        if not (change.requested_by_id == actor.pk or may_approve(actor, change)):
            raise NotFound("change_not_found")  # someone else's business does not exist for you
        if change.state != PendingState.PENDING:
            raise WrongState("change_decided", state=change.state)
        if change.requested_by_id == actor.pk:
            raise Forbidden("own_request")
        person = Person.objects.select_for_update().get(pk=change.person_id)
        if change.kind == PendingKind.TEAM_ADD and (person.is_admin or not person.is_active):
            raise WrongState("cannot_join_now", username=person.username)
        with change_set(actor=actor.username, via="approval") as rec:
            unit_code = _unit_of(change)
            key = f"{unit_code}/{person.username}" if unit_code else person.username
            detail = {"request": change.pk, "requested_by": change.requested_by_name}
            if change.kind == PendingKind.TEAM_ADD:
                TeamMembership.objects.get_or_create(unit=change.unit, person=person)
                rec.note("team_member_added", key, detail, unit=unit_code)
            elif change.kind == PendingKind.TEAM_REMOVE:
                TeamMembership.objects.filter(unit=change.unit, person=person).delete()
                rec.note("team_member_removed", key, detail, unit=unit_code)
            else:
                person.password = change.password_hash
                person.save(update_fields=["password"])
                org_auth.end_all_sessions([person])
                rec.note("password_set", key, detail)
            change.state, change.decided_by, change.decided_at = PendingState.APPROVED, actor, timezone.now()
            change.password_hash = ""  # in force now (or never): the copy goes
            change.save(update_fields=["state", "decided_by", "decided_at", "password_hash"])
            notices.pending_decided(change)
    return change


def pending_reject(*, actor: Person, change_id: Any, reason: str = "", via: str = "page") -> PendingChange:
    """The second person refuses (or the requester withdraws): nothing changes."""
    if problem := text_problem(reason, limit=500, required=False):
        raise Invalid({"reason": problem})
    with transaction.atomic():
        change = _open_change(change_id)
        own = change.requested_by_id == actor.pk
        if not (own or may_approve(actor, change)):
            raise NotFound("change_not_found")
        if change.state != PendingState.PENDING:
            raise WrongState("change_decided", state=change.state)
        with change_set(actor=actor.username, via=via) as rec:
            change.state = PendingState.WITHDRAWN if own else PendingState.REJECTED
            change.decided_by, change.decided_at = actor, timezone.now()
            change.reason = clean_text(reason)
            change.password_hash = ""
            change.save(update_fields=["state", "decided_by", "decided_at", "reason", "password_hash"])
            unit_code = _unit_of(change)
            key = f"{unit_code}/{change.person.username}" if unit_code else change.person.username
            rec.note(
                f"{change.kind}_{change.state}",
                key,
                {"request": change.pk, "requested_by": change.requested_by_name, "reason": change.reason},
                unit=unit_code,
            )
            notices.pending_decided(change)
    return change


# --- added holidays -----------------------------------------------------------------------------------


@dataclass
class HolidaySpec:
    date: dt.date
    name: str
    unit: str | None = None  # a unit code; None: the whole deployment
    ref: Any = None
    mode: str = "upsert"  # create (refuse a day already added) or upsert (rename it)


def holidays_save(*, actor: Actor, specs: Sequence[HolidaySpec], via: str = "page") -> list[Saved]:
    """Days off for the whole deployment (``unit`` None) or for one unit and the units below it."""
    p = _Problems()
    seen: set[tuple[dt.date, str | None]] = set()
    for spec in specs:
        p.add(spec.ref, "name", text_problem(spec.name))
        if (spec.date, spec.unit) in seen:
            p.add(spec.ref, "date", Problem("holiday_twice", date=spec.date.isoformat()))
        seen.add((spec.date, spec.unit))
    units = _by_key(Unit, "code", [s.unit for s in specs if s.unit], only=("id", "code"))
    for spec in specs:
        if spec.unit and spec.unit not in units:
            p.add(spec.ref, "unit", Problem("unknown_unit_code", value=spec.unit))
    p.check()
    dates = {s.date for s in specs}
    rows = Holiday.objects.filter(date__in=dates) if len(dates) <= LOOKUP_LIMIT else Holiday.objects.all()
    existing = {(h.date, h.unit_id): h for h in rows}
    for spec in specs:
        unit_id = units[spec.unit].pk if spec.unit else None
        if spec.mode == "create" and (spec.date, unit_id) in existing:
            p.add(spec.ref, "date", Problem("holiday_exists", date=spec.date.isoformat()))
    p.check()
    results: list[Saved] = []
    with change_set(actor=_actor_name(actor), via=via) as rec:
        new_rows: list[Holiday] = []
        renamed: list[Holiday] = []
        for spec in specs:
            unit_id = units[spec.unit].pk if spec.unit else None
            key = f"{spec.date.isoformat()}/{spec.unit or '*'}"
            holiday = existing.get((spec.date, unit_id))
            name = clean_text(spec.name)
            if holiday is None:
                holiday = Holiday(date=spec.date, name=name, unit_id=unit_id)
                new_rows.append(holiday)
                rec.note("holiday_added", key, {"name": name}, unit=spec.unit or "")
                results.append(Saved(key, True, True))
            elif holiday.name != name:
                rec.note("holiday_renamed", key, {"name": [holiday.name, name]}, unit=spec.unit or "")
                holiday.name = name
                renamed.append(holiday)
                results.append(Saved(key, False, True))
            else:
                results.append(Saved(key, False, False))
        bulk.insert(new_rows)
        if renamed:
            bulk.update(renamed, ["name"])
    return results


def holiday_add(*, actor: Actor, date: dt.date, name: str, unit: Unit | None, via: str = "page") -> Holiday:
    spec = HolidaySpec(date=date, name=name, unit=unit.code if unit else None, mode="create")
    _one(holidays_save, actor=actor, specs=[spec], via=via)
    return Holiday.objects.select_related("unit").get(date=date, unit=unit)


def holiday_remove(*, actor: Actor, holiday: Holiday, via: str = "page") -> None:
    with change_set(actor=_actor_name(actor), via=via) as rec:
        unit_code = holiday.unit.code if holiday.unit is not None else None
        deleted, _rows = Holiday.objects.filter(pk=holiday.pk).delete()
        if deleted:
            rec.note(
                "holiday_removed",
                f"{holiday.date.isoformat()}/{unit_code or '*'}",
                {"name": holiday.name},
                unit=unit_code or "",
            )
