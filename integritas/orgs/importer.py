"""The org import (API.md §3): a JSON file or an XLSX workbook (``orgs.workbook``) of units, positions,
people, teams, policies and holidays.

The importer only reads the file: it checks each entry's shape (types, formats, choices, the policy
keys, e-mail addresses, the password policy, duplicates in the file, references to codes that are
neither in the file nor in the organisation) and lists every problem at once, each naming where it
is (``units[1] (code 'X')``, or the sheet, row and column of a workbook). Then it calls the services
(``orgs.services``) in one transaction, which apply the rules of the organisation (reserved codes,
cycles, separation of duties) exactly as they do for the pages. A dry run is the same, rolled back.

Idempotent (keys are the codes and user names): importing the same file twice changes nothing the
second time. All-or-nothing: any problem and nothing changes. Team changes and first passwords wait
for a second person's approval once the deployment is set up (``services.deployment_is_new``;
SECURITY.md, "Separation of duties").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from integritas.errors import Invalid, Problem
from integritas.orgs import services
from integritas.orgs.changes import Caution, Change, change_set
from integritas.orgs.models import TIMEZONES, WORK_WEEKS, Person, Position, Unit
from integritas.orgs.policy import validate_policy
from integritas.orgs.rules import LANGUAGES, code_problem, email_problem, password_problem, text_problem
from integritas.orgs.unchanged import changes_only

SECTIONS = ("holidays", "units", "positions", "people", "teams")
KEY_OF = {"units": "code", "positions": "code", "people": "username", "teams": "unit", "holidays": "date"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_BYTES = 50 * 1024 * 1024


# ---------------------------------------------------------------- where a problem is


@dataclass(frozen=True)
class Where:
    """An entry of the file: a JSON list item, or the rows of a workbook sheet that hold it."""

    section: str
    index: int
    key: str | None = None  # the entry's code, user name, unit or date, when it has one
    sheet: str | None = None  # workbook only
    row: int | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (field, column letter and header)
    item: str | None = None  # a list item inside the entry ("positions[1]", "members[0]")
    item_rows: tuple[int, ...] = ()  # workbook: the row of each list item

    def at(self, item: str, row: int | None = None) -> Where:
        return Where(self.section, self.index, self.key, self.sheet, row or self.row, self.columns, item)

    def describe(self, field_name: str | None) -> str:
        if self.sheet is not None:
            if field_name:
                column = dict(self.columns).get(_column_field(field_name))
            else:  # a member of a team is the whole cell
                column = (
                    dict(self.columns).get("members") if (self.item or "").startswith("members") else None
                )
            if column:
                return _("sheet %(sheet)s, row %(row)s, column %(column)s") % {
                    "sheet": self.sheet,
                    "row": self.row,
                    "column": column,
                }
            return _("sheet %(sheet)s, row %(row)s") % {"sheet": self.sheet, "row": self.row}
        entry = f"{self.section}[{self.index}]"
        if self.key is not None:
            entry = _("%(entry)s (%(key_name)s '%(key)s')") % {
                "entry": entry,
                "key_name": _key_word(KEY_OF[self.section]),
                "key": self.key,
            }
        name = ".".join(part for part in (self.item, field_name) if part)
        return f"{entry}, {name}" if name else entry


def _column_field(field_name: str) -> str:
    """positions[2].start → start; policy.examination_days → policy.examination_days."""
    return field_name.rsplit("].", 1)[-1] if "]." in field_name else field_name


def _key_word(key: str) -> str:
    words = {"code": _("code"), "username": _("username"), "unit": _("unit"), "date": _("date")}
    return words.get(key, key)


@dataclass(frozen=True)
class Issue:
    where: Where | None
    field: str | None
    problem: Problem

    @property
    def text(self) -> str:
        if self.where is None:
            place = self.field or ""
        else:
            place = self.where.describe(self.field)
        if not place:
            return self.problem.text
        return _("%(where)s: %(problem)s") % {"where": place, "problem": self.problem.text}

    def __str__(self) -> str:
        return self.text


class ImportProblem(Invalid):
    """The file cannot be imported; nothing was changed. ``issues`` say where and what."""

    code = "import_invalid"

    def __init__(self, issues: list[Issue]) -> None:
        fields: dict[str, Problem] = {}
        for issue in issues:
            place = issue.where.describe(issue.field) if issue.where else (issue.field or "file")
            name, n = place, 1
            while name in fields:
                n += 1
                name = f"{place} ({n})"
            fields[name] = issue.problem
        super().__init__(fields, count=len(issues))
        self.issues = issues

    @property
    def problems(self) -> list[str]:
        """Each issue in words (the active language)."""
        return [issue.text for issue in self.issues]

    def __str__(self) -> str:
        return "; ".join(self.problems)


# ---------------------------------------------------------------- the summary


# Change kinds by section, and whether they create (True) or update (False) something (a first password
# is listed with the changes but counted as neither).
SECTION_OF = {
    "unit_created": ("units", True),
    "unit_changed": ("units", False),
    "position_created": ("positions", True),
    "position_changed": ("positions", False),
    "person_created": ("people", True),
    "person_changed": ("people", False),
    "holding_added": ("holdings", True),
    "holding_changed": ("holdings", False),
    "holding_ended": ("holdings", False),
    "holding_removed": ("holdings", False),
    "team_member_added": ("teams", True),
    "team_member_removed": ("teams", False),
    "holiday_added": ("holidays", True),
    "holiday_renamed": ("holidays", False),
}
REQUEST_KINDS = ("team_add_requested", "team_remove_requested", "password_requested")
KINDS = ("holidays", "units", "positions", "people", "holdings", "teams")


@dataclass
class ImportSummary:
    changes: list[Change] = field(default_factory=list)
    warnings: list[Caution] = field(default_factory=list)
    dry_run: bool = False

    @property
    def created(self) -> dict[str, int]:
        return self._count(True)

    @property
    def updated(self) -> dict[str, int]:
        return self._count(False)

    def _count(self, created: bool) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for change in self.changes:
            section = SECTION_OF.get(change.kind)
            if section and section[1] == created:
                counts[section[0]] += 1
        return dict(counts)

    @property
    def requests(self) -> list[Change]:
        """Changes asked for that wait for a second person's approval."""
        return [c for c in self.changes if c.kind in REQUEST_KINDS]

    @property
    def applied(self) -> list[Change]:
        return [c for c in self.changes if c.kind not in REQUEST_KINDS]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def as_text(self) -> str:
        """The head line of the summary, in the active language."""
        head = _("Import preview (nothing changed)") if self.dry_run else _("Import done")
        if not self.changed:
            return _("%(head)s: nothing to change (already up to date)") % {"head": head}
        created, updated = self.created, self.updated
        parts = [
            _("%(kind)s: %(created)s created, %(updated)s updated")
            % {"kind": kind_label(k), "created": created.get(k, 0), "updated": updated.get(k, 0)}
            for k in KINDS
        ]
        text = f"{head}: " + "; ".join(parts)
        if self.requests:
            text += "; " + ngettext(
                "%(n)s change waits for approval",
                "%(n)s changes wait for approval",
                len(self.requests),
            ) % {"n": len(self.requests)}
        return text


KIND_LABELS = {
    "holidays": gettext_lazy("holidays"),
    "units": gettext_lazy("units"),
    "positions": gettext_lazy("positions"),
    "people": gettext_lazy("people"),
    "holdings": gettext_lazy("holdings"),
    "teams": gettext_lazy("teams"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# ---------------------------------------------------------------- reading a file


def read_json(raw: bytes) -> Any:
    """The file's JSON value, or ImportProblem naming the line and column of a syntax error."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportProblem([Issue(None, None, Problem("not_utf8"))]) from None
    except json.JSONDecodeError as exc:
        raise ImportProblem(
            [Issue(None, None, Problem("not_json", line=exc.lineno, column=exc.colno))]
        ) from None
    except RecursionError:
        raise ImportProblem([Issue(None, None, Problem("not_json", line=1, column=1))]) from None


def read_file(raw: bytes, name: str = "") -> tuple[Any, dict[tuple[str, int], Where]]:
    """A JSON file or an XLSX workbook (told apart by content), as the JSON value and the places of
    its entries."""
    if len(raw) > MAX_BYTES:
        raise ImportProblem([Issue(None, None, Problem("import_too_large", mb=MAX_BYTES // (1024 * 1024)))])
    if raw[:4] == b"PK\x03\x04":
        from integritas.orgs.workbook import read_workbook

        return read_workbook(raw)
    if name.lower().endswith((".xlsx", ".xls", ".ods", ".csv")) and raw.lstrip()[:1] not in (b"{", b"["):
        raise ImportProblem([Issue(None, None, Problem("not_org_file"))])
    return read_json(raw), {}


# ---------------------------------------------------------------- checking the shape


@dataclass
class Plan:
    """The file, checked and typed: what to ask the services for."""

    units: list[services.UnitSpec] = field(default_factory=list)
    positions: list[services.PositionSpec] = field(default_factory=list)
    people: list[services.PersonSpec] = field(default_factory=list)
    holdings: dict[str, list[services.WantedHolding]] = field(default_factory=dict)
    passwords: list[tuple[str, str, Ref]] = field(default_factory=list)
    teams: dict[str, list[str]] = field(default_factory=dict)
    holidays: list[services.HolidaySpec] = field(default_factory=list)
    refs: dict[tuple[str, str], Ref] = field(default_factory=dict)
    places: dict[tuple[str, int], Where] = field(default_factory=dict)


# Where an entry is, as the services carry it (cheap: a Where is made only for a problem):
# (section, index, key, item, item index).
Ref = tuple[str, int, str | None, str | None, int | None]


def place(ref: Any, places: dict[tuple[str, int], Where]) -> Where | None:
    """The Where of a reference: the workbook's rows and columns, or the JSON entry."""
    if isinstance(ref, Where) or ref is None:
        return ref
    section, index, key, item, item_index = ref
    base = places.get((section, index)) or Where(section, index, key)
    if item is None:
        return base
    rows = base.item_rows
    return base.at(item, rows[item_index] if item_index is not None and item_index < len(rows) else None)


class _Checker:
    def __init__(self, places: dict[tuple[str, int], Where]) -> None:
        self.issues: list[Issue] = []
        self.places = places

    def where(self, section: str, index: int, entry: Any) -> Ref:
        key = entry.get(KEY_OF[section]) if isinstance(entry, dict) else None
        return (section, index, key if isinstance(key, str) else None, None, None)

    @staticmethod
    def at(ref: Ref, item: str, index: int) -> Ref:
        return (ref[0], ref[1], ref[2], item, index)

    def add(self, where: Ref | None, field_name: str | None, problem: Problem | None) -> bool:
        if problem is not None:
            self.issues.append(Issue(place(where, self.places), field_name, problem))
            return True
        return False

    def entries(self, section: str, entries: list) -> Iterator[tuple[Ref, dict]]:
        """The entries of a section that are objects, each with its place (the others are problems)."""
        for i, entry in enumerate(entries):
            where = self.where(section, i, entry)
            if isinstance(entry, dict):
                yield where, entry
            else:
                self.add(where, None, Problem("not_object"))

    def key(self, entry: dict, name: str, where: Ref, seen: set[str]) -> str | None:
        """The entry's code or user name, when well formed and not already in the file."""
        value = entry.get(name)
        if self.add(where, name, code_problem(value, username=name == "username")):
            return None
        assert isinstance(value, str)  # code_problem found none
        return value if self.once(value, seen, where, name, "duplicate_in_file") else None

    def once(self, value: str, seen: set[str], where: Ref, field_name: str, problem: str) -> bool:
        """Whether ``value`` is new to ``seen`` (and now in it); a problem if not."""
        if value in seen:
            self.add(where, field_name, Problem(problem, value=value))
            return False
        seen.add(value)
        return True

    def named(self, value: Any, where: Ref, field_name: str) -> str | None:
        """A code or user name another entry refers to: text, not empty."""
        if isinstance(value, str) and value:
            return value
        self.add(where, field_name, Problem("required") if value is None else Problem("not_text"))
        return None

    def text(self, entry: dict, key: str, where: Ref, *, required: bool, limit: int = 255) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if self.add(where, key, text_problem(value, limit=limit, required=required)):
            return None
        return value.strip() if isinstance(value, str) else None

    def date(self, value: Any, where: Ref, key: str) -> dt.date | None:
        if value is None:
            return None
        try:
            # fromisoformat alone also takes week dates such as "2026-W01-1"
            if not isinstance(value, str) or not DATE_RE.match(value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.add(where, key, Problem("bad_date"))
            return None


def _section(data: dict, key: str, c: _Checker) -> list:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(None, key, Problem("not_list"))
        return []
    return value


def check(data: Any, places: dict[tuple[str, int], Where] | None = None) -> Plan:
    """The plan for a file, or ImportProblem listing every entry that is wrong (nothing is written)."""
    c = _Checker(places or {})
    if not isinstance(data, dict):
        raise ImportProblem([Issue(None, None, Problem("not_org_object"))])
    for key in sorted(set(data) - set(SECTIONS), key=str):
        c.add(None, str(key), Problem("unknown_section", sections=", ".join(SECTIONS)))
    plan = Plan(places=c.places)
    sections = {key: _section(data, key, c) for key in SECTIONS}

    unit_codes: set[str] = set()
    for where, entry in c.entries("units", sections["units"]):
        code = c.key(entry, "code", where, unit_codes)
        name = c.text(entry, "name", where, required=True)
        tz = entry.get("timezone")
        if tz is not None and tz not in TIMEZONES:
            c.add(where, "timezone", Problem("choice", choices=", ".join(TIMEZONES)))
        week = entry.get("work_week")
        if week is not None and (not isinstance(week, str) or week not in WORK_WEEKS):
            c.add(where, "work_week", Problem("choice", choices=", ".join(WORK_WEEKS)))
        policy = entry.get("policy")
        if policy is not None:
            for key, problem in validate_policy(policy).items():
                c.add(where, f"policy.{key}" if key else "policy", problem)
        parent = entry.get("parent")
        if parent is not None and (not isinstance(parent, str) or parent == code):
            c.add(where, "parent", Problem("parent_self"))
            parent = None
        if code and name is not None:
            plan.units.append(
                services.UnitSpec(
                    code=code,
                    name=name,
                    parent=parent,
                    timezone=tz if isinstance(tz, str) else None,
                    work_week=week if isinstance(week, str) else None,
                    policy=policy if isinstance(policy, dict) else {},
                    ref=where,
                )
            )

    position_codes: set[str] = set()
    for where, entry in c.entries("positions", sections["positions"]):
        code = c.key(entry, "code", where, position_codes)
        title = c.text(entry, "title", where, required=True)
        unit = c.named(entry.get("unit"), where, "unit")
        target = entry.get("reports_to")
        if target is not None and (not isinstance(target, str) or target == code):
            c.add(where, "reports_to", Problem("reports_to_self"))
            target = None
        if code and title is not None and unit:
            plan.positions.append(
                services.PositionSpec(code=code, unit=unit, title=title, reports_to=target, ref=where)
            )

    usernames: set[str] = set()
    for where, entry in c.entries("people", sections["people"]):
        username = c.key(entry, "username", where, usernames)
        name = c.text(entry, "name", where, required=True)
        email = entry.get("email")
        if email is not None and not c.add(where, "email", text_problem(email, limit=254, required=False)):
            c.add(where, "email", email_problem(email.strip()))
        admin = entry.get("admin", False)
        if not isinstance(admin, bool):
            c.add(where, "admin", Problem("not_boolean"))
        language = entry.get("language")
        if language is not None and language not in LANGUAGES:
            c.add(where, "language", Problem("choice", choices=", ".join(LANGUAGES)))
        password = entry.get("password")
        if password is not None:
            c.add(
                where,
                "password",
                password_problem(
                    password,
                    username=str(username or ""),
                    name=str(entry.get("name") or ""),
                    email=str(email or ""),
                ),
            )
        held = entry.get("positions", [])
        items: list[services.WantedHolding] = []
        if held is None:
            held = []
        if not isinstance(held, list):
            c.add(where, "positions", Problem("not_list"))
            held = []
        seen_codes: set[str] = set()
        for j, item in enumerate(held):
            spot = c.at(where, f"positions[{j}]", j)
            spec = item if isinstance(item, dict) else {"code": item}
            if not isinstance(item, dict | str):
                c.add(spot, None, Problem("not_position_item"))
                continue
            code = c.named(spec.get("code"), spot, "code")
            if code is None or not c.once(code, seen_codes, spot, "code", "duplicate_in_file"):
                continue
            start = c.date(spec.get("start"), spot, "start")
            end = c.date(spec.get("end"), spot, "end")
            if start and end and end < start:
                c.add(spot, "end", Problem("end_before_start", start=start.isoformat()))
            acting = spec.get("acting", False)
            if not isinstance(acting, bool):
                c.add(spot, "acting", Problem("not_boolean"))
                acting = False
            items.append(services.WantedHolding(code, start, end, acting, ref=spot))
        if username and name is not None:
            plan.people.append(
                services.PersonSpec(
                    username=username,
                    name=name,
                    email=email.strip() if isinstance(email, str) else "",
                    language=language if isinstance(language, str) and language in LANGUAGES else "id",
                    is_admin=admin is True,
                    ref=where,
                )
            )
            plan.holdings[username] = items
            plan.refs[("people", username)] = where
            if isinstance(password, str) and password:
                plan.passwords.append((username, password, where))

    team_units: set[str] = set()
    for where, entry in c.entries("teams", sections["teams"]):
        unit = c.named(entry.get("unit"), where, "unit")
        # Two entries for one unit would replace each other's members on every import.
        if unit is None or not c.once(unit, team_units, where, "unit", "team_twice"):
            continue
        members = entry.get("members")
        if not isinstance(members, list):
            c.add(where, "members", Problem("not_list") if members is not None else Problem("required"))
            continue
        listed: list[str] = []
        for j, member in enumerate(members):
            spot = c.at(where, f"members[{j}]", j)
            if not isinstance(member, str) or not member:
                c.add(spot, None, Problem("not_text"))
            else:
                listed.append(member)
                plan.refs[("member", f"{unit}/{member}")] = spot
        plan.teams[unit] = listed
        plan.refs[("teams", unit)] = where

    holiday_keys: set[tuple[dt.date, Any]] = set()
    for where, entry in c.entries("holidays", sections["holidays"]):
        day = c.date(entry.get("date"), where, "date")
        if day is None and entry.get("date") is None:
            c.add(where, "date", Problem("required"))
        name = c.text(entry, "name", where, required=True)
        unit = entry.get("unit")
        if unit is not None and (not isinstance(unit, str) or not unit):
            c.add(where, "unit", Problem("not_text"))
            continue
        if day is not None:
            # Two names for one day would rename it back and forth on every import.
            if (day, unit) in holiday_keys:
                c.add(where, "date", Problem("holiday_twice", date=day.isoformat()))
                continue
            holiday_keys.add((day, unit))
        if day is not None and name is not None:
            plan.holidays.append(services.HolidaySpec(date=day, name=name, unit=unit, ref=where))

    _check_references(plan, sections, c)
    if c.issues:
        raise ImportProblem(c.issues)
    return plan


# The name this function had before the import went through the services.
validate = check


def _check_references(plan: Plan, sections: dict[str, list], c: _Checker) -> None:
    """Codes named by an entry must be in the file or in the organisation (one query per kind)."""
    in_file_units = {s.code for s in plan.units}
    in_file_positions = {s.code for s in plan.positions}
    in_file_people = {s.username for s in plan.people}
    wanted_units = {s.parent for s in plan.units if s.parent} | {s.unit for s in plan.positions}
    wanted_units |= set(plan.teams) | {s.unit for s in plan.holidays if s.unit}
    known_units = _existing(Unit, "code", wanted_units - in_file_units) | in_file_units
    targets = {s.reports_to for s in plan.positions if s.reports_to}
    targets |= {item.position for items in plan.holdings.values() for item in items}
    known_positions = _existing(Position, "code", targets - in_file_positions) | in_file_positions
    members = {m for listed in plan.teams.values() for m in listed}
    known_people = _existing(Person, "username", members - in_file_people) | in_file_people
    for spec in plan.units:
        if spec.parent and spec.parent not in known_units:
            c.add(spec.ref, "parent", Problem("unknown_unit_code", value=spec.parent))
    for position in plan.positions:
        if position.unit not in known_units:
            c.add(position.ref, "unit", Problem("unknown_unit_code", value=position.unit))
        if position.reports_to and position.reports_to not in known_positions:
            c.add(position.ref, "reports_to", Problem("unknown_position_code", value=position.reports_to))
    for items in plan.holdings.values():
        for item in items:
            if item.position not in known_positions:
                c.add(item.ref, "code", Problem("unknown_position_code", value=item.position))
    for unit, listed in plan.teams.items():
        if unit not in known_units:
            c.add(plan.refs[("teams", unit)], "unit", Problem("unknown_unit_code", value=unit))
        for member in listed:
            if member not in known_people:
                c.add(
                    plan.refs[("member", f"{unit}/{member}")], None, Problem("unknown_person", value=member)
                )
    for holiday in plan.holidays:
        if holiday.unit and holiday.unit not in known_units:
            c.add(holiday.ref, "unit", Problem("unknown_unit_code", value=holiday.unit))
    c.issues.sort(key=_order)


SECTION_ORDER = {name: i for i, name in enumerate(("units", "positions", "people", "teams", "holidays"))}


def _order(issue: Issue) -> tuple:
    if issue.where is None:
        return (-1, 0, 0)
    return (SECTION_ORDER.get(issue.where.section, 9), issue.where.index, issue.where.row or 0)


def _existing(model: Any, key: str, values: set[str]) -> set[str]:
    if not values:
        return set()
    if len(values) <= services.LOOKUP_LIMIT:
        return set(model.objects.filter(**{f"{key}__in": values}).values_list(key, flat=True))
    return {v for v in model.objects.values_list(key, flat=True).iterator(chunk_size=20000) if v in values}


# ---------------------------------------------------------------- applying


class _DryRun(Exception):
    pass


# Service fields → the file's field names.
FIELD_IN_FILE: dict[str, str | None] = {"is_admin": "admin", "person": None}


def _issues_of(error: services.BatchInvalid, places: dict[tuple[str, int], Where]) -> list[Issue]:
    issues = []
    for item in error.problems:
        field_name = item.field
        if field_name.startswith("policy_"):
            field_name = "policy." + field_name[len("policy_") :]
        name = FIELD_IN_FILE.get(field_name, field_name)
        issues.append(
            Issue(
                place(item.ref, places) if isinstance(item.ref, tuple | Where) else None, name, item.problem
            )
        )
    return issues


def import_org(
    data: Any,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    actor: Person | str = "system",
    via: str = "import",
    places: dict[tuple[str, int], Where] | None = None,
) -> ImportSummary:
    """Check the file, then apply it through the services in one transaction (rolled back for a dry
    run). Returns the change records; raises ImportProblem (nothing changed) on any problem."""
    plan = check(data, places)
    today = today or timezone.localdate()
    summary = ImportSummary(dry_run=dry_run)
    actor_name = actor if isinstance(actor, str) else actor.username
    try:
        with transaction.atomic(), change_set(actor=actor_name, via=via) as rec:
            _apply(plan, actor, via, today)
            summary.changes = list(rec.changes)
            summary.warnings = list(rec.warnings)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except services.BatchInvalid as error:
        raise ImportProblem(_issues_of(error, plan.places)) from None
    return summary


def _apply(plan: Plan, actor: Person | str, via: str, today: dt.date) -> None:
    new_deployment = services.deployment_is_new()
    me = actor if isinstance(actor, Person) else None
    plan = changes_only(plan, today=today, new_deployment=new_deployment, me=me)
    if plan.units:
        services.units_save(actor=actor, specs=plan.units, via=via)
    if plan.positions:
        services.positions_save(actor=actor, specs=plan.positions, via=via)
    if plan.people:
        services.people_save(actor=actor, specs=plan.people, via=via)
    if plan.holdings:
        person_refs = {u: plan.refs[("people", u)] for u in plan.holdings}
        services.holdings_sync(actor=actor, wanted=plan.holdings, today=today, via=via, refs=person_refs)
    if plan.teams:
        team_refs: dict[str, Any] = {u: plan.refs[("teams", u)] for u in plan.teams}
        team_refs.update({key: where for (kind, key), where in plan.refs.items() if kind == "member"})
        services.teams_sync(
            actor=actor, wanted=plan.teams, via=via, refs=team_refs, new_deployment=new_deployment
        )
    if plan.passwords:
        _first_passwords(plan, actor, via, new_deployment)
    if plan.holidays:
        services.holidays_save(actor=actor, specs=plan.holidays, via=via)


def _first_passwords(plan: Plan, actor: Person | str, via: str, new_deployment: bool) -> None:
    """Hash and set (or ask for) the first passwords of accounts that have none yet."""
    people = {p.username: p for p in Person.objects.filter(username__in=[u for u, _, _ in plan.passwords])}
    wanted = [(people[username], password, where) for username, password, where in plan.passwords]
    services.passwords_set(
        actor=actor,
        items=[(person, make_password(password)) for person, password, _where in wanted],
        via=via,
        new_deployment=new_deployment,
        first_only=True,
        refs={person.pk: where for person, _password, where in wanted},
    )
