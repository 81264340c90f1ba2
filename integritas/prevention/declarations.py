"""The register of interests (SPEC §6, PermenPANRB 17/2024): every member of staff files a yearly
declaration of their interests by COI category, each with its related parties (relatives with the
relation, businesses, organisations, outside jobs), or declares that they have none; ad-hoc
declarations at any time. The team of a unit sees who in its subtree has not filed for the year and
sends reminders; a yearly reminder goes out by itself in January.

    declaration_file      a person files a declaration (annual or ad hoc) for themselves
    declaration_content   the interests, opened for someone allowed to see them (audited)
    compliance            who holds a position in a subtree today and has filed for the year
    remind_missing        the team reminds those who have not filed (once a day each)
    send_yearly_reminders the scheduler's January job: once per person per year, safe under workers

What a declaration says (interests, descriptions, related parties and relations) is personal data:
it is sealed with the declaration's own data key, wrapped by the master key, like a case's content.
Only who filed, which kind, which year, "none" and the number of interests stay plain, which is all
compliance needs (one indexed query for a subtree of 100,000 staff). Names are compared by opening the
declarations of the few people concerned at that moment (``screening``, ``agendas``), never by a
name index at rest: see ``integritas.prevention.screening``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from integritas.cases.models import Category
from integritas.errors import Forbidden, Invalid, Problem
from integritas.orgs.models import Holding, Person, Unit
from integritas.prevention import access, notices, sealing
from integritas.prevention.common import audit, home_unit
from integritas.prevention.inputs import MAX_NAME, Check
from integritas.prevention.models import Declaration, DeclarationKind, ReminderMark

MAX_INTERESTS = 50
MAX_PARTIES = 50
MAX_RELATION = 200
MAX_DESCRIPTION = 5000
FIRST_YEAR = 2000
# A batch of the January job: later ticks take the rest (100,000 staff are reminded over some minutes).
YEARLY_BATCH = 1000


@dataclass(frozen=True)
class Filed:
    declaration: Declaration
    interests: list[dict[str, Any]]


def _interests(check: Check, data: Any, none: bool) -> list[dict[str, Any]]:
    raw = check.items(data, "interests", limit=MAX_INTERESTS)
    if not check.ok("none"):
        return []
    if none:
        if raw:
            check.fail("interests", "interests_with_none")
        return []
    if not raw and check.ok("interests"):
        check.fail("interests", "interests_required")
        return []
    clean: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        where = f"interests.{i}"
        entry = check.obj(item, where)
        if not check.ok(where):
            continue
        category = check.choice(entry, "category", Category.values, field=f"{where}.category")
        description = check.text(
            entry, "description", field=f"{where}.description", required=False, limit=MAX_DESCRIPTION
        )
        parties: list[dict[str, str]] = []
        for j, party in enumerate(check.items(entry, "parties", field=f"{where}.parties", limit=MAX_PARTIES)):
            at = f"{where}.parties.{j}"
            value = check.obj(party, at)
            if not check.ok(at):
                continue
            name = check.text(value, "name", field=f"{at}.name", limit=MAX_NAME)
            relation = check.text(
                value, "relation", field=f"{at}.relation", required=False, limit=MAX_RELATION
            )
            parties.append({"name": name, "relation": relation})
        if (
            not description
            and not parties
            and check.ok(f"{where}.description")
            and check.ok(f"{where}.parties")
        ):
            check.fail(f"{where}.description", "interest_empty")
        clean.append({"category": category, "description": description, "parties": parties})
    return clean


def declaration_file(*, person: Person, data: Any, now: dt.datetime | None = None) -> Filed:
    """A person files a declaration for themselves. Everything is checked before anything is stored."""
    now = now or timezone.now()
    check = Check()
    body = check.body(data)
    unit = home_unit(person)
    this_year = now.astimezone(unit.tz if unit else dt.UTC).year
    kind = check.choice(body, "kind", DeclarationKind.values)
    year = check.integer(body, "year", required=False, minimum=FIRST_YEAR, maximum=this_year + 1)
    none = check.boolean(body, "none", default=False)
    interests = _interests(check, body, none)
    check.done()
    if year is None:
        year = this_year
    with transaction.atomic():
        row = Declaration(
            person=person,
            kind=kind,
            year=year,
            none=none,
            interest_count=len(interests),
            filed_at=now,
        )
        sealing.new_key(row)
        row.sealed = sealing.seal(row, "content", {"interests": interests})
        row.save()
        audit(
            "declaration_filed",
            person,
            unit=unit,
            at=now,
            declaration=row.pk,
            kind=kind,
            year=year,
            none=none,
            interests=len(interests),
        )
    return Filed(row, interests)


def declaration_content(declaration: Declaration, viewer: Person, *, now: dt.datetime | None = None) -> list:
    """The interests of a declaration the viewer may see (the gate ran before); each view is audited."""
    interests = sealing.unseal(declaration, "content", declaration.sealed) or {}
    audit(
        "declaration_viewed",
        viewer,
        at=now,
        declaration=declaration.pk,
        owner=declaration.person.username if declaration.person_id != viewer.pk else "self",
    )
    return list(interests.get("interests") or [])


def history_of(person: Person) -> QuerySet[Declaration]:
    return Declaration.objects.filter(person=person).order_by("-filed_at", "-pk")


def annual_for(person: Person, year: int) -> Declaration | None:
    """The latest annual declaration of the year (a later one corrects an earlier one)."""
    return (
        Declaration.objects.filter(person=person, kind=DeclarationKind.ANNUAL, year=year)
        .order_by("-filed_at", "-pk")
        .first()
    )


# ---------------------------------------------------------------- compliance


@dataclass
class Compliance:
    unit: Unit
    year: int
    people: int
    filed: int
    missing: list[Person]


def _held(unit: Unit, today: dt.date) -> QuerySet[Holding]:
    """The positions of the unit's subtree held today."""
    held = Holding.objects.active_on(today)
    # The only root's subtree is every unit: no condition on the units (nor positions) at all.
    # Any other subtree's units by id: the positions are then found by their unit index, not by a
    # scan of every position joined to the units.
    if unit.parent_id is not None or Unit.objects.filter(parent__isnull=True).exclude(pk=unit.pk).exists():
        units = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        held = held.filter(position__unit_id__in=units)
    return held


def _holders(unit: Unit, today: dt.date) -> QuerySet[Person]:
    return Person.objects.filter(is_active=True, pk__in=_held(unit, today).values("person_id"))


def compliance(*, unit: Unit, year: int, viewer: Person, today: dt.date | None = None) -> Compliance:
    """People holding a position in the unit's subtree today, and who of them has no annual
    declaration for ``year``. One query for the counts and one for the names, whatever the size."""
    if not access.oversees_unit(viewer, unit):
        raise Forbidden("compliance_team_only")
    today = today or timezone.now().astimezone(unit.tz).date()
    filed = Declaration.objects.filter(person=OuterRef("pk"), kind=DeclarationKind.ANNUAL, year=year)
    people = _holders(unit, today).annotate(has_filed=Exists(filed))
    total = people.count()
    missing: list[Person] = list(people.filter(has_filed=False).order_by("name", "username"))
    return Compliance(unit=unit, year=year, people=total, filed=total - len(missing), missing=missing)


def compliance_figures(unit: Unit, year: int, today: dt.date | None = None) -> dict[str, int]:
    """{"people", "filed"} for monitoring (no permission check: callers have done theirs)."""
    today = today or timezone.now().astimezone(unit.tz).date()
    # Counted from the holdings alone, each holder once (``DISTINCT`` over the person index), less the
    # few inactive accounts (the partial index ``person_inactive``), rather than by reading every
    # person; "among those who filed" as one set (``IN``, hashed once, not probed per holder).
    filers = Declaration.objects.filter(kind=DeclarationKind.ANNUAL, year=year).values("person_id")
    inactive = Person.objects.filter(pk=OuterRef("person_id"), is_active=False)
    holders = _held(unit, today).filter(~Exists(inactive)).values("person_id").distinct()
    counted = holders.aggregate(
        people=Count("person_id"), filed=Count("person_id", filter=Q(person_id__in=filers))
    )
    return {"people": counted["people"], "filed": counted["filed"]}


def _remind(person: Person, year: int, at: dt.datetime) -> None:
    notices.tell(
        [person],
        "declaration_reminder",
        role="staff",
        path="/deklarasi/baru/",
        context={"year": str(year)},
        at=at,
    )


def remind_missing(
    *,
    unit: Unit,
    year: int,
    actor: Person,
    usernames: list[str] | None = None,
    now: dt.datetime | None = None,
) -> list[Person]:
    """The team reminds who has not filed (all of them, or the ones named); once a day per person."""
    now = now or timezone.now()
    report = compliance(unit=unit, year=year, viewer=actor, today=now.astimezone(unit.tz).date())
    targets = report.missing
    if usernames is not None:
        wanted = set(usernames)
        unknown = wanted - {p.username for p in targets}
        if unknown:
            raise Invalid({"usernames": Problem("not_missing", value=", ".join(sorted(unknown)))})
        targets = [p for p in targets if p.username in wanted]
    day = now.astimezone(unit.tz).date().isoformat()
    reminded: list[Person] = []
    for person in targets:
        with transaction.atomic():
            if not ReminderMark.claim(f"declaration:manual:{year}:{person.pk}:{day}", now):
                continue
            _remind(person, year, now)
            reminded.append(person)
    audit("declaration_reminders_sent", actor, unit=unit, at=now, year=year, people=len(reminded))
    return reminded


def send_yearly_reminders(now: dt.datetime | None = None, *, batch: int = YEARLY_BATCH) -> int:
    """In January, everyone holding a position who has not filed for the year is reminded once.

    Candidates are found with one query (no reminder mark yet, no declaration yet); each is claimed by
    inserting its mark in the transaction that queues the message, so of two workers only one sends.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.month != 1:
        return 0
    year = local.year
    today = local.date()
    filed = Declaration.objects.filter(person=OuterRef("pk"), kind=DeclarationKind.ANNUAL, year=year)
    marks = ReminderMark.objects.filter(key=_yearly_key(year, OuterRef("pk")))
    held = Holding.objects.active_on(today).values("person_id")
    candidates = (
        Person.objects.filter(is_active=True, pk__in=held)
        .annotate(has_filed=Exists(filed), reminded=Exists(marks))
        .filter(has_filed=False, reminded=False)
        .order_by("pk")[:batch]
    )
    sent = 0
    for person in list(candidates):
        with transaction.atomic():
            if not ReminderMark.claim(f"declaration:yearly:{year}:{person.pk}", now):
                continue
            _remind(person, year, now)
            sent += 1
    return sent


def _yearly_key(year: int, person_ref: Any) -> Any:
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return Concat(Value(f"declaration:yearly:{year}:"), Cast(person_ref, CharField()))
