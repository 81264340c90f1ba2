"""Self-declared conflicts (SPEC §6; PermenPANRB 17/2024): an official who faces an actual or potential
conflict of interest in a decision declares it to their direct superior; the decision is suspended
until the superior decides a control measure (recusal, reassignment, restricted access, divestment,
or that there is no conflict) within the deadline (policy ``self_declaration_days``, 7 working days).

The same rules as a case: the chain walks up from the declarer's position (vacant positions skipped,
crossing into other units, the team of the top unit when the chain runs out), handlers whose own
declarations name the declarer are screened (policy ``screening``), the unit's calendar sets the
deadline, and the sweep moves a missed one one level up, once per missed deadline.

    self_declaration_file     the official declares; it is routed at once
    self_declaration_decide   the current handler decides the measure (409 once decided)
    sweep                     overdue marking and escalation (the scheduler runs it)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from integritas.cases import routing
from integritas.cases.access import team_unit_ids
from integritas.cases.models import DECISION_KIND_ALIASES, DecisionKind
from integritas.errors import Forbidden, WrongState
from integritas.orgs.calendar import deadline
from integritas.orgs.models import Person
from integritas.prevention import access, notices, screening, sealing
from integritas.prevention.common import audit, holdings_today, local_today, next_reference
from integritas.prevention.inputs import Check
from integritas.prevention.models import (
    ConflictKind,
    ConflictStatus,
    Measure,
    Screening,
    SelfDeclaration,
    SelfDeclarationEvent,
    SelfDeclarationHandler,
)

log = logging.getLogger(__name__)
MAX_TITLE = 500
MAX_TEXT = 20000
BATCH = 500
SYSTEM = "Sistem"
TEAM_TITLE = "Tim Penanganan Benturan Kepentingan"


# ---------------------------------------------------------------- routing, as for cases


def excluded_people(item: SelfDeclaration) -> set[int]:
    """The declarer never handles their own declaration; nor does anyone screening passed over."""
    skipped = Screening.objects.filter(declaration=item, skipped=True).values_list("person_id", flat=True)
    return {item.declarer_id, *skipped}


def _first(item: SelfDeclaration, today: dt.date) -> routing.Assignment | None:
    return routing.walk_up(item.declarer_position, excluded_people(item), today)


def _next(item: SelfDeclaration, today: dt.date) -> routing.Assignment | None:
    excluded = excluded_people(item)
    if item.handler_position is not None:
        return routing.walk_up(item.handler_position, excluded, today)
    if item.handler_team is not None:
        return routing.team_from(item.handler_team.parent, excluded)
    return None


def _screened(
    item: SelfDeclaration, pick: Callable[[], routing.Assignment | None], now: dt.datetime
) -> routing.Assignment | None:
    """Routing's choice, minus handlers whose declarations name the declarer (policy ``screening``)."""
    today = local_today(item.unit, now)
    concerned = [item.declarer.display_name]
    while True:
        assignment = pick()
        verdict = screening.judge(
            unit=item.unit,
            assignment=assignment,
            concerned=concerned,
            excluded=excluded_people(item),
            today=today,
        )
        item.screening_warning = verdict.warn
        if not verdict.people:
            return assignment
        Screening.objects.bulk_create(
            [
                Screening(declaration=item, person_id=pk, skipped=verdict.skip, at=now)
                for pk in sorted(verdict.people)
            ]
        )
        if verdict.warn:
            _event(item, "screening_warning", at=now)
            return assignment
        _event(item, "screened", at=now)


def _assign(item: SelfDeclaration, assignment: routing.Assignment, *, at: dt.datetime) -> None:
    item.handler_position = assignment.position
    item.handler_person = assignment.person
    item.handler_team = assignment.team
    item.stage_started_at = at
    days = int(item.unit.effective_policy.get("self_declaration_days", 7))
    item.due_at = deadline(item.unit, at, days, "working")
    item.overdue = False
    if assignment.person is not None:
        SelfDeclarationHandler.objects.create(
            declaration=item,
            person=assignment.person,
            position=assignment.position,
            level=item.level,
            assigned_at=at,
        )


def current_handlers(item: SelfDeclaration) -> list[Person]:
    if item.handler_person is not None:
        return [item.handler_person]
    if item.handler_team_id is None:
        return []
    return list(
        Person.objects.filter(team_memberships__unit_id=item.handler_team_id, is_active=True)
        .exclude(pk__in=excluded_people(item))
        .order_by("username")
    )


def overseeing_team(item: SelfDeclaration) -> list[Person]:
    assignment = routing.team_from(item.unit, excluded_people(item))
    if assignment is None or assignment.team is None:
        return []
    return list(
        Person.objects.filter(team_memberships__unit=assignment.team, is_active=True)
        .exclude(pk__in=excluded_people(item))
        .order_by("username")
    )


def handler_title(item: SelfDeclaration) -> str:
    if item.handler_position is not None:
        return item.handler_position.title
    if item.handler_team is not None:
        return f"{TEAM_TITLE} {item.handler_team.name}"
    return ""


def _actor_title(person: Person | None, item: SelfDeclaration) -> str:
    if person is None:
        return SYSTEM
    if person.pk == item.declarer_id:
        return item.declarer_position.title
    if item.handler_person_id == person.pk and item.handler_position is not None:
        return item.handler_position.title
    if item.handler_team_id and item.handler_team_id in team_unit_ids(person):
        return TEAM_TITLE
    return "Petugas"


def _event(
    item: SelfDeclaration, event: str, *, at: dt.datetime, actor: Person | None = None, note: str = ""
) -> None:
    SelfDeclarationEvent.objects.create(
        declaration=item,
        at=at,
        event=event,
        actor=actor,
        actor_title=_actor_title(actor, item),
        note=note[:500],
    )
    audit(
        f"self_declaration_{event}",
        actor,
        unit=item.unit,
        reference=item.reference,
        at=at,
        level=item.level,
        handler_position=item.handler_position.code if item.handler_position else None,
        handler_team=item.handler_team.code if item.handler_team else None,
    )


def _tell_handlers(item: SelfDeclaration, *, reason: str, at: dt.datetime) -> None:
    notices.tell(
        current_handlers(item),
        "conflict_assigned",
        role="handler",
        path=f"/konflik/{item.reference}/",
        context={
            "reference": item.reference,
            "decision_kind": DecisionKind(item.decision_kind).label,
            "due": item.due_at,
            "zone": item.unit.effective_timezone,
            "reason": reason,
        },
        at=at,
    )


# ---------------------------------------------------------------- filing


@dataclass(frozen=True)
class ConflictInput:
    kind: str
    title: str
    decision_kind: str
    decision_date: dt.date | None
    description: str
    position: Any


def validate(data: Any, *, declarer: Person, today: dt.date) -> ConflictInput:
    check = Check()
    body = check.body(data)
    kind = check.choice(body, "kind", ConflictKind.values)
    decision: Any = body.get("decision")
    if decision is None:
        check.fail("decision", "required")
    decision = check.obj(decision, "decision") if check.ok("decision") else {}
    title, decision_kind, decision_date = "", "", None
    if check.ok("decision"):
        title = check.text(decision, "title", field="decision.title", limit=MAX_TITLE)
        decision_kind = check.choice(
            decision, "kind", DecisionKind.values, field="decision.kind", aliases=DECISION_KIND_ALIASES
        )
        decision_date = check.date(decision, "date", field="decision.date", required=False)
    description = check.text(body, "description", limit=MAX_TEXT)
    code = check.text(body, "position", required=False, limit=64)
    held = holdings_today(declarer, today)
    position = None
    if code:
        position = next((h.position for h in held if h.position.code == code), None)
        if position is None:
            check.fail("position", "not_your_position", value=code)
    elif held:
        position = held[0].position
    else:
        check.fail("position", "no_position")
    check.done()
    return ConflictInput(kind, title, decision_kind, decision_date, description, position)


def self_declaration_file(*, declarer: Person, data: Any, now: dt.datetime | None = None) -> SelfDeclaration:
    now = now or timezone.now()
    declared = validate(data, declarer=declarer, today=timezone.localdate())
    unit = declared.position.unit
    with transaction.atomic():
        item = SelfDeclaration(
            reference=next_reference("KK", now.astimezone(unit.tz).year),
            declarer=declarer,
            declarer_position=declared.position,
            unit=unit,
            kind=declared.kind,
            decision_kind=declared.decision_kind,
            decision_date=declared.decision_date,
            status=ConflictStatus.OPEN,
            level=1,
            stage_started_at=now,
            created_at=now,
        )
        sealing.new_key(item)
        item.sealed = sealing.seal(
            item, "content", {"title": declared.title, "description": declared.description}
        )
        item.save()
        _event(item, "filed", at=now, actor=declarer)
        assignment = _screened(item, lambda: _first(item, local_today(unit, now)), now)
        if assignment is None:
            raise WrongState("self_declaration_no_handler")
        _assign(item, assignment, at=now)
        item.save()
        _event(item, "routed", at=now, note=assignment.title)
        _tell_handlers(item, reason="routed", at=now)
        return item


# ---------------------------------------------------------------- the measure


def _lock(item: SelfDeclaration) -> SelfDeclaration:
    return (
        SelfDeclaration.objects.select_for_update(of=("self",))
        .select_related(
            "unit", "declarer", "declarer_position", "handler_position", "handler_person", "handler_team"
        )
        .get(pk=item.pk)
    )


def self_declaration_decide(
    *, item: SelfDeclaration, actor: Person, measure: Any, notes: Any, now: dt.datetime | None = None
) -> SelfDeclaration:
    """The current handler decides the control measure: input (422), state (409), who (403)."""
    now = now or timezone.now()
    check = Check()
    body = {"measure": measure, "notes": notes}
    chosen = check.choice(body, "measure", Measure.values)
    text = check.text(body, "notes", required=False, limit=MAX_TEXT)
    check.done()
    with transaction.atomic():
        item = _lock(item)
        if item.status != ConflictStatus.OPEN:
            raise WrongState("self_declaration_decided")
        if not access.is_current_handler(actor, item):
            raise Forbidden("self_declaration_handler_only")
        title = _actor_title(actor, item)
        item.status = ConflictStatus.DECIDED
        item.measure = chosen
        item.decided_at = now
        item.decided_by = actor
        item.due_at = None
        item.overdue = False
        item.sealed_notes = sealing.seal(item, "notes", text) if text else None
        item.save()
        SelfDeclarationEvent.objects.create(
            declaration=item, at=now, event="decided", actor=actor, actor_title=title, note=chosen
        )
        audit(
            "self_declaration_decided",
            actor,
            unit=item.unit,
            reference=item.reference,
            at=now,
            measure=chosen,
            level=item.level,
        )
        notices.tell(
            [item.declarer],
            "conflict_decided",
            role="declarant",
            path=f"/konflik/{item.reference}/",
            context={"reference": item.reference, "measure": Measure(chosen).label},
            at=now,
        )
        return item


def content(item: SelfDeclaration, viewer: Person, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The decision's title, the description and the measure's notes (the gate ran before; audited)."""
    data = sealing.unseal(item, "content", item.sealed) or {}
    audit("self_declaration_viewed", viewer, unit=item.unit, reference=item.reference, at=now)
    return {
        "title": data.get("title") or "",
        "description": data.get("description") or "",
        "notes": sealing.unseal(item, "notes", item.sealed_notes),
    }


# ---------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    marked: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def _claim(pk: int, now: dt.datetime) -> SelfDeclaration | None:
    qs = SelfDeclaration.objects.filter(pk=pk, status=ConflictStatus.OPEN, due_at__lt=now, overdue=False)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_related(
        "unit", "declarer", "declarer_position", "handler_position", "handler_person", "handler_team"
    ).first()


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Mark missed deadlines and move each one level up with a fresh deadline: once per missed
    deadline, whatever the number of workers (rows claimed under a lock the others skip)."""
    now = now or timezone.now()
    result = SweepResult()
    last_pk = 0
    while True:
        batch = list(
            SelfDeclaration.objects.filter(
                status=ConflictStatus.OPEN, due_at__lt=now, overdue=False, pk__gt=last_pk
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return result
        last_pk = batch[-1]
        for pk in batch:
            try:
                _sweep_one(pk, now, result)
            except Exception:  # one broken row must not stop the others
                log.exception("self-declaration sweep failed for id %s", pk)


def _sweep_one(pk: int, now: dt.datetime, result: SweepResult) -> None:
    with transaction.atomic():
        item = _claim(pk, now)
        if item is None:
            return
        missed_due = item.due_at
        item.overdue = True
        item.save(update_fields=["overdue"])
        _event(item, "overdue", at=now, note=handler_title(item))
        result.marked.append(item.reference)
        above = None
        if item.unit.effective_policy.get("auto_escalate", True):
            above = _screened(item, lambda: _next(item, local_today(item.unit, now)), now)
        escalating = above is not None
        context = {
            "reference": item.reference,
            "due": missed_due,
            "zone": item.unit.effective_timezone,
            "escalating": escalating,
        }
        path = f"/konflik/{item.reference}/"
        notices.tell(
            current_handlers(item), "conflict_overdue", role="handler", path=path, context=context, at=now
        )
        notices.tell(
            overseeing_team(item), "conflict_overdue", role="team", path=path, context=context, at=now
        )
        if above is None:
            return
        item.level += 1
        _assign(item, above, at=now)
        item.save()
        _event(item, "escalated_overdue", at=now, note=above.title)
        _tell_handlers(item, reason="escalated_overdue", at=now)
        result.escalated.append(item.reference)
