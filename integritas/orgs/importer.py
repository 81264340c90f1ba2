"""The org import file (API.md §3): units, positions, people, teams, policies and holidays.

Idempotent (keys are the codes and usernames) and all-or-nothing: every entry is checked first and
any problem aborts the whole import with messages naming the entry. ``dry_run`` reports what would
change without changing it (the preview of the administration page).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integritas.audit.chain import record
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

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,150}$")


def password_problem(password: Any, entry: dict) -> str | None:
    """Why a password may not be used (the deployment's password policy), or None."""
    if not isinstance(password, str) or "\x00" in password:
        return "must be a text"
    candidate = Person(
        username=str(entry.get("username") or ""),
        name=str(entry.get("name") or ""),
        email=str(entry.get("email") or ""),
    )
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        return "is too weak: " + " ".join(str(m) for m in exc.messages)
    return None


class ImportProblem(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def note(self, kind: str, created: bool, text: str) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1
        self.changes.append(text)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def as_text(self) -> str:
        kinds = ("holidays", "units", "positions", "people", "holdings", "teams")
        parts = [f"{k}: {self.created.get(k, 0)} created, {self.updated.get(k, 0)} updated" for k in kinds]
        head = "Import preview (nothing changed)" if self.dry_run else "Import done"
        if not self.changed:
            return f"{head}: nothing to change (already up to date)"
        return f"{head}: " + "; ".join(parts)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, text: str) -> None:
        self.items.append(f"{where}: {text}")


def _entry_name(kind: str, index: int, entry: Any, key: str) -> str:
    if isinstance(entry, dict) and isinstance(entry.get(key), str):
        return f"{kind}[{index}] ({key} {entry[key]!r})"
    return f"{kind}[{index}]"


def _str(entry: dict, key: str, where: str, p: _Problems, *, required: bool, limit: int = 255) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            p.add(where, f"'{key}' is required")
        return None
    if not isinstance(value, str) or not value.strip() or "\x00" in value or len(value) > limit:
        p.add(where, f"'{key}' must be a non-empty text of at most {limit} characters")
        return None
    return value.strip()


def _date(value: Any, where: str, key: str, p: _Problems) -> dt.date | None:
    if value is None:
        return None
    try:
        # fromisoformat alone also takes week dates such as "2026-W01-1"
        if not isinstance(value, str) or not DATE_RE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        p.add(where, f"'{key}' must be a date YYYY-MM-DD")
        return None


def _list(data: dict, key: str, p: _Problems) -> list:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        p.add(key, "must be a list")
        return []
    return value


def validate(data: Any) -> None:
    """Raise ImportProblem listing every invalid entry (nothing is written)."""
    p = _Problems()
    if not isinstance(data, dict):
        raise ImportProblem(
            ["the file must hold a JSON object with holidays, units, positions, people, teams"]
        )
    unknown = set(data) - {"holidays", "units", "positions", "people", "teams"}
    for key in sorted(unknown):
        p.add(key, "unknown section")

    units = _list(data, "units", p)
    unit_codes: dict[str, dict] = {}
    for i, u in enumerate(units):
        where = _entry_name("units", i, u, "code")
        if not isinstance(u, dict):
            p.add(where, "must be an object")
            continue
        code = _str(u, "code", where, p, required=True, limit=64)
        if code and not CODE_RE.match(code):
            p.add(where, "'code' may hold letters, digits, '.', '_' and '-' only")
        elif code in unit_codes:
            p.add(where, "the code appears twice in the file")
        elif code:
            unit_codes[code] = u
        _str(u, "name", where, p, required=True)
        if u.get("timezone") is not None and u.get("timezone") not in TIMEZONES:
            p.add(where, "'timezone' must be one of " + ", ".join(TIMEZONES))
        if u.get("work_week") is not None and (
            not isinstance(u["work_week"], str) or u["work_week"] not in WORK_WEEKS
        ):
            p.add(where, "'work_week' must be one of " + ", ".join(WORK_WEEKS))
        if u.get("policy") is not None:
            for key, problem in validate_policy(u["policy"]).items():
                p.add(where, f"policy {key!r} {problem}" if key else f"'policy' {problem}")
        parent = u.get("parent")
        if parent is not None and (not isinstance(parent, str) or parent == code):
            p.add(where, "'parent' must be the code of another unit or null")
    existing_units = set(
        Unit.objects.filter(
            code__in=[
                u.get("parent") for u in units if isinstance(u, dict) and isinstance(u.get("parent"), str)
            ]
        ).values_list("code", flat=True)
    )
    for i, u in enumerate(units):
        if isinstance(u, dict) and isinstance(u.get("parent"), str):
            if u["parent"] not in unit_codes and u["parent"] not in existing_units:
                p.add(
                    _entry_name("units", i, u, "code"),
                    f"parent {u['parent']!r} is not a unit in the file or the database",
                )
    db_parents = dict(Unit.objects.values_list("code", "parent__code")) if unit_codes else {}
    _report_cycles("units", units, "parent", db_parents, p, "parents form a cycle")

    def unit_known(code: Any) -> bool:
        return isinstance(code, str) and (code in unit_codes or Unit.objects.filter(code=code).exists())

    positions = _list(data, "positions", p)
    pos_codes: dict[str, dict] = {}
    for i, pos in enumerate(positions):
        where = _entry_name("positions", i, pos, "code")
        if not isinstance(pos, dict):
            p.add(where, "must be an object")
            continue
        code = _str(pos, "code", where, p, required=True, limit=64)
        if code and not CODE_RE.match(code):
            p.add(where, "'code' may hold letters, digits, '.', '_' and '-' only")
        elif code in pos_codes:
            p.add(where, "the code appears twice in the file")
        elif code:
            pos_codes[code] = pos
        _str(pos, "title", where, p, required=True)
        if not unit_known(pos.get("unit")):
            p.add(where, f"unit {pos.get('unit')!r} is not a unit in the file or the database")
    for i, pos in enumerate(positions):
        if not isinstance(pos, dict):
            continue
        target = pos.get("reports_to")
        if target is None:
            continue
        where = _entry_name("positions", i, pos, "code")
        if not isinstance(target, str) or target == pos.get("code"):
            p.add(where, "'reports_to' must be the code of another position or null")
        elif target not in pos_codes and not Position.objects.filter(code=target).exists():
            p.add(where, f"reports_to {target!r} is not a position in the file or the database")
    db_superiors = dict(Position.objects.values_list("code", "reports_to__code")) if pos_codes else {}
    _report_cycles("positions", positions, "reports_to", db_superiors, p, "reports_to forms a cycle")

    def position_known(code: Any) -> bool:
        return isinstance(code, str) and (code in pos_codes or Position.objects.filter(code=code).exists())

    people = _list(data, "people", p)
    usernames: set[str] = set()
    for i, person in enumerate(people):
        where = _entry_name("people", i, person, "username")
        if not isinstance(person, dict):
            p.add(where, "must be an object")
            continue
        username = _str(person, "username", where, p, required=True, limit=150)
        if username and not USERNAME_RE.match(username):
            p.add(where, "'username' may hold letters, digits and . _ @ + - only")
        elif username in usernames:
            p.add(where, "the username appears twice in the file")
        elif username:
            usernames.add(username)
        _str(person, "name", where, p, required=True)
        email = _str(person, "email", where, p, required=False, limit=254)
        if email and "@" not in email:
            p.add(where, "'email' is not an e-mail address")
        if person.get("password") is not None:
            problem = password_problem(person["password"], person)
            if problem:
                p.add(where, f"'password' {problem}")
        if not isinstance(person.get("admin", False), bool):
            p.add(where, "'admin' must be true or false")
        if person.get("language") is not None and person.get("language") not in ("id", "en"):
            p.add(where, "'language' must be 'id' or 'en'")
        held = person.get("positions", [])
        if not isinstance(held, list):
            p.add(where, "'positions' must be a list of position codes")
            continue
        for item in held:
            code = item.get("code") if isinstance(item, dict) else item
            if not position_known(code):
                p.add(where, f"position {code!r} is not a position in the file or the database")
            if isinstance(item, dict):
                start = _date(item.get("start"), where, "start", p)
                end = _date(item.get("end"), where, "end", p)
                if start and end and end < start:
                    p.add(where, f"position {code!r}: 'end' is before 'start'")
                if not isinstance(item.get("acting", False), bool):
                    p.add(where, "'acting' must be true or false")

    def person_known(username: Any) -> bool:
        return isinstance(username, str) and (
            username in usernames or Person.objects.filter(username=username).exists()
        )

    team_units: set[str] = set()
    for i, team in enumerate(_list(data, "teams", p)):
        where = _entry_name("teams", i, team, "unit")
        if not isinstance(team, dict):
            p.add(where, "must be an object")
            continue
        # Two entries for one unit would replace each other's members on every import.
        if isinstance(team.get("unit"), str):
            if team["unit"] in team_units:
                p.add(where, "the unit has a team entry twice in the file; list all members in one entry")
            team_units.add(team["unit"])
        if not unit_known(team.get("unit")):
            p.add(where, f"unit {team.get('unit')!r} is not a unit in the file or the database")
        members = team.get("members")
        if not isinstance(members, list):
            p.add(where, "'members' must be a list of usernames")
            continue
        for member in members:
            if not person_known(member):
                p.add(where, f"member {member!r} is not a person in the file or the database")

    holiday_keys: set[tuple[dt.date, Any]] = set()
    for i, day in enumerate(_list(data, "holidays", p)):
        where = f"holidays[{i}]"
        if not isinstance(day, dict):
            p.add(where, "must be an object")
            continue
        where = _entry_name("holidays", i, day, "date")
        date = _date(day.get("date"), where, "date", p)
        if date is None and day.get("date") is None:
            p.add(where, "'date' is required")
        if date is not None and isinstance(day.get("unit"), str | None):
            # Two names for one day would rename it back and forth on every import.
            if (date, day.get("unit")) in holiday_keys:
                p.add(where, "the date appears twice for the same unit")
            holiday_keys.add((date, day.get("unit")))
        _str(day, "name", where, p, required=True)
        if day.get("unit") is not None and not unit_known(day.get("unit")):
            p.add(where, f"unit {day.get('unit')!r} is not a unit in the file or the database")

    if p.items:
        raise ImportProblem(p.items)


def _report_cycles(
    kind: str, entries: list, link: str, db_links: dict[str, str | None], p: _Problems, text: str
) -> None:
    """Report each cycle once, at its first entry; links come from the file over the database."""
    links: dict[str, Any] = dict(db_links)
    first_index: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            target = entry.get(link)
            links[entry["code"]] = target if isinstance(target, str) else None
            first_index.setdefault(entry["code"], i)
    reported: set[str] = set()
    for code, i in first_index.items():
        walk: list[str] = []
        node: Any = code
        while isinstance(node, str) and node not in walk:
            walk.append(node)
            node = links.get(node)
        if node == code and code not in reported:
            reported.update(walk)
            p.add(_entry_name(kind, i, entries[i], "code"), f"{text}: " + " → ".join([*walk, code]))


def _update(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = []
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(key)
    return changed


class _DryRun(Exception):
    pass


def import_org(
    data: Any, *, dry_run: bool = False, today: dt.date | None = None, actor: str = "system"
) -> ImportSummary:
    validate(data)
    summary = ImportSummary(dry_run=dry_run)
    try:
        with transaction.atomic():
            _apply(data, summary, today or timezone.localdate())
            if dry_run:
                raise _DryRun
            if summary.changed:
                # In the same transaction: the audit entry exists if and only if the changes do.
                record(
                    "org.import",
                    actor=actor,
                    data={"created": summary.created, "updated": summary.updated, "changes": summary.changes},
                )
    except _DryRun:
        pass
    return summary


def _sorted_units(units: list[dict]) -> list[dict]:
    by_code = {u["code"]: u for u in units}
    done: set[str] = set()
    ordered: list[dict] = []

    def visit(code: str) -> None:
        if code in done or code not in by_code:
            return
        done.add(code)
        parent = by_code[code].get("parent")
        if parent:
            visit(parent)
        ordered.append(by_code[code])

    for code in by_code:
        visit(code)
    return ordered


def _apply(data: dict, summary: ImportSummary, today: dt.date) -> None:
    for u in _sorted_units(data.get("units") or []):
        parent = Unit.objects.get(code=u["parent"]) if u.get("parent") else None
        values = {
            "name": u["name"].strip(),
            "parent": parent,
            "timezone": u.get("timezone"),
            "work_week": u.get("work_week"),
            "policy": u.get("policy") or {},
        }
        unit = Unit.objects.filter(code=u["code"]).first()
        if unit is None:
            Unit.objects.create(code=u["code"], **values)
            summary.note("units", True, f"unit {u['code']}: created")
        else:
            changed = _update(unit, values)
            if changed:
                unit.save()
                summary.note("units", False, f"unit {u['code']}: {', '.join(changed)} changed")

    positions = data.get("positions") or []
    noted: set[str] = set()  # created or updated already: counted once
    for pos in positions:
        values = {"unit": Unit.objects.get(code=pos["unit"]), "title": pos["title"].strip()}
        obj = Position.objects.filter(code=pos["code"]).first()
        if obj is None:
            Position.objects.create(code=pos["code"], **values)
            summary.note("positions", True, f"position {pos['code']}: created")
            noted.add(pos["code"])
        else:
            changed = _update(obj, values)
            if changed:
                obj.save()
                summary.note("positions", False, f"position {pos['code']}: {', '.join(changed)} changed")
                noted.add(pos["code"])
    for pos in positions:  # second pass: every target exists now
        obj = Position.objects.get(code=pos["code"])
        target = Position.objects.get(code=pos["reports_to"]) if pos.get("reports_to") else None
        if obj.reports_to_id != (target.pk if target else None):
            obj.reports_to = target
            obj.save(update_fields=["reports_to"])
            text = f"position {pos['code']}: reports_to → {pos.get('reports_to')}"
            if pos["code"] in noted:
                summary.changes.append(text)
            else:
                summary.note("positions", False, text)

    for person in data.get("people") or []:
        _apply_person(person, summary, today)

    for team in data.get("teams") or []:
        unit = Unit.objects.get(code=team["unit"])
        wanted = set(Person.objects.filter(username__in=team["members"]).values_list("pk", flat=True))
        current = set(TeamMembership.objects.filter(unit=unit).values_list("person_id", flat=True))
        for pk in wanted - current:
            TeamMembership.objects.create(unit=unit, person_id=pk)
        removed = TeamMembership.objects.filter(unit=unit).exclude(person_id__in=wanted)
        if current - wanted:
            removed.delete()
        if wanted != current:
            summary.note("teams", not current, f"team {unit.code}: {len(wanted)} members")

    for day in data.get("holidays") or []:
        unit = Unit.objects.get(code=day["unit"]) if day.get("unit") else None
        date = dt.date.fromisoformat(day["date"])
        obj = Holiday.objects.filter(date=date, unit=unit).first()
        if obj is None:
            Holiday.objects.create(date=date, unit=unit, name=day["name"].strip())
            summary.note("holidays", True, f"holiday {date} {day['name']}: added")
        elif obj.name != day["name"].strip():
            obj.name = day["name"].strip()
            obj.save()
            summary.note("holidays", False, f"holiday {date}: renamed")


def _apply_person(entry: dict, summary: ImportSummary, today: dt.date) -> None:
    username = entry["username"]
    values = {
        "name": entry["name"].strip(),
        "email": (entry.get("email") or "").strip(),
        "is_admin": bool(entry.get("admin", False)),
        "language": entry.get("language") or "id",
    }
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = Person(username=username, **values)
        if entry.get("password"):
            person.set_password(entry["password"])
        else:
            person.set_unusable_password()
        person.save()
        summary.note("people", True, f"person {username}: created")
    else:
        changed = _update(person, values)
        # A password in the file sets the first password only; changing it is the person's business.
        if entry.get("password") and not person.has_usable_password():
            person.set_password(entry["password"])
            changed.append("password")
        if changed:
            person.save()
            summary.note("people", False, f"person {username}: {', '.join(changed)} changed")

    wanted: dict[str, dict] = {}
    for item in entry.get("positions", []):
        spec = item if isinstance(item, dict) else {"code": item}
        wanted[spec["code"]] = spec
    active = {
        h.position.code: h
        for h in Holding.objects.active_on(today).filter(person=person).select_related("position")
    }
    for code, spec in wanted.items():
        start = dt.date.fromisoformat(spec["start"]) if spec.get("start") else None
        end = dt.date.fromisoformat(spec["end"]) if spec.get("end") else None
        acting = bool(spec.get("acting", False))
        holding = active.get(code)
        if holding is None:
            holding = Holding.objects.filter(person=person, position__code=code, start=start or today).first()
        if holding is None:
            Holding.objects.create(
                person=person,
                position=Position.objects.get(code=code),
                start=start or today,
                end=end,
                acting=acting,
            )
            summary.note("holdings", True, f"{username} holds {code}" + (" (Plt)" if acting else ""))
        else:
            values = {"end": end, "acting": acting}
            if start:
                values["start"] = start
            changed = _update(holding, values)
            if changed:
                holding.save()
                summary.note("holdings", False, f"{username} in {code}: {', '.join(changed)} changed")
    for code, holding in active.items():
        if code not in wanted:
            if holding.start >= today:
                holding.delete()
            else:
                holding.end = today - dt.timedelta(days=1)
                holding.save()
            summary.note("holdings", False, f"{username} no longer holds {code}")
