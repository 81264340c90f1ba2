"""The one gate: who sees a case, who may act on it, and what each person can do on it now.

A case is visible to its current and past handlers and to the team of its unit and of every unit
above. Everyone else (the subject, administrators, other staff) is told it does not exist.
"""

from __future__ import annotations

import enum
import re
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from integritas.cases.models import (
    OPEN_STATUSES,
    TIMED_STATUSES,
    Case,
    CaseHandler,
    CaseQuerySet,
    Recusal,
    Status,
)
from integritas.errors import Forbidden, NotFound
from integritas.orgs.models import Holding, Person, TeamMembership, Unit

REFERENCE_RE = re.compile(r"^BK-[0-9]{4}-[0-9]{6,}$")


class Capability(enum.StrEnum):
    """What a person may do on a case they see, whatever its state (named once, a closed set)."""

    EXAMINE = "case.examine"
    REVIEW = "case.review"
    RECUSE = "case.recuse"
    TRIAGE = "case.triage"
    MESSAGE = "case.message"
    MANAGE_FOLLOW_UP = "case.follow_up"
    CLOSE = "case.close"


class Action(enum.StrEnum):
    """What a person can do on a case now: a capability in a state that allows it."""

    EXAMINE = "examine"
    REVIEW = "review"
    RECUSE = "recuse"
    TRIAGE = "triage"
    MESSAGE = "message"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    REQUEST_IDENTITY = "request_identity"
    DECIDE_IDENTITY = "decide_identity"


# Backwards-compatible names of the capabilities.
CAN_EXAMINE = Capability.EXAMINE
CAN_REVIEW = Capability.REVIEW
CAN_RECUSE = Capability.RECUSE
CAN_TRIAGE = Capability.TRIAGE
CAN_MESSAGE = Capability.MESSAGE
CAN_MANAGE_FOLLOW_UP = Capability.MANAGE_FOLLOW_UP
CAN_CLOSE = Capability.CLOSE

# Why a capability is refused: the reason of the Forbidden error (its words are in the catalogue).
REFUSAL = {
    Capability.EXAMINE: "handler_only",
    Capability.REVIEW: "handler_only",
    Capability.RECUSE: "handler_only",
    Capability.TRIAGE: "team_only",
    Capability.MESSAGE: "handler_or_team_only",
    Capability.MANAGE_FOLLOW_UP: "team_only",
    Capability.CLOSE: "team_only",
}


def team_unit_ids(person: Person) -> list[int]:
    cached: list[int] | None = getattr(person, "_team_unit_ids", None)
    if cached is None:
        cached = list(TeamMembership.objects.filter(person=person).values_list("unit_id", flat=True))
        person._team_unit_ids = cached  # type: ignore[attr-defined]
    return cached


def team_units(person: Person) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=team_unit_ids(person)))


def oversight_q(person: Person, prefix: str = "") -> Q | None:
    """Q for 'the unit is one of my team units or below them'."""
    paths = list(Unit.objects.filter(pk__in=team_unit_ids(person)).values_list("path", flat=True))
    if not paths:
        return None
    return reduce(or_, (Q(**{f"{prefix}unit__path__startswith": p}) for p in paths))


def cases_visible_to(person: Person | None) -> CaseQuerySet:
    if person is None or not person.is_authenticated or not person.is_active:
        return Case.objects.none()
    condition = Q(pk__in=CaseHandler.objects.filter(person=person).values("case_id"))
    team = oversight_q(person)
    if team is not None:
        condition |= team
    # The subject never sees the case, even from a team: whoever has held the subject's position
    # since the case was filed.
    is_subject = Holding.objects.filter(
        person=person, position=OuterRef("subject_position"), start__lte=timezone.localdate()
    ).filter(Q(end__isnull=True) | Q(end__gte=OuterRef("created_at__date")))
    # Whoever withdrew from a case (penarikan diri: typically because of a conflict) no longer sees it.
    recused = Recusal.objects.filter(case=OuterRef("pk"), person=person)
    # PREVENTION SCREENING (issue 9): nor does a handler passed over by screening (as if recused).
    from integritas.prevention.models import Screening

    screened = Screening.objects.filter(case=OuterRef("pk"), person=person, skipped=True)
    return (
        Case.objects.filter(condition)
        .exclude(Exists(is_subject))
        .exclude(Exists(recused))
        .exclude(Exists(screened))
    )


def cases_handled_by(person: Person) -> CaseQuerySet:
    """The open cases waiting for this person: one selector, ``cases.queue.cases_waiting_for``."""
    from integritas.cases.queue import cases_waiting_for

    return cases_waiting_for(person)


def get_case_for(person: Person | None, reference: str, *, for_update: bool = False) -> Case:
    """The case with this reference if ``person`` may see it; NotFound otherwise (never a hint)."""
    if not isinstance(reference, str) or not REFERENCE_RE.match(reference):
        raise NotFound(reason="case")
    qs = cases_visible_to(person).filter(reference=reference).with_handler()
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.first()
    if case is None:
        raise NotFound(reason="case")
    return case


def oversees_unit(person: Person, unit: Unit) -> bool:
    """Member of the team of this unit or of a unit above it."""
    return bool(set(team_unit_ids(person)) & set(unit.ancestor_ids()))


def oversees(person: Person, case: Case) -> bool:
    """Member of the team of the case's unit or of a unit above it."""
    return oversees_unit(person, case.unit)


def overseeing_team(person: Person, case: Case) -> Unit | None:
    """The nearest unit at or above the case's unit on whose team this person sits."""
    mine = set(team_unit_ids(person))
    nearest = next((pk for pk in reversed(case.unit.ancestor_ids()) if pk in mine), None)
    return Unit.objects.filter(pk=nearest).first() if nearest is not None else None


def has_recused(person: Person, case: Case) -> bool:
    return Recusal.objects.filter(case=case, person=person).exists()


def is_current_handler(person: Person, case: Case) -> bool:
    if case.handler_person_id is not None:
        return case.handler_person_id == person.pk
    if case.handler_team_id is not None:
        return case.handler_team_id in team_unit_ids(person) and not has_recused(person, case)
    return False


def can(person: Person, capability: Capability, case: Case) -> bool:
    match Capability(capability):
        case Capability.EXAMINE | Capability.REVIEW | Capability.RECUSE:
            return is_current_handler(person, case)
        case Capability.TRIAGE:
            return oversees(person, case) and not has_recused(person, case)
        case Capability.MESSAGE:
            return is_current_handler(person, case) or oversees(person, case)
        case Capability.MANAGE_FOLLOW_UP | Capability.CLOSE:
            return oversees(person, case)


def require(person: Person, capability: Capability, case: Case) -> None:
    """Forbidden (403) unless ``person`` has ``capability`` on ``case``."""
    if not can(person, capability, case):
        raise Forbidden(reason=REFUSAL[capability])


# What each action needs: the states that allow it and the capability.
_ACTION_RULES: dict[Action, tuple[tuple[str, ...], Capability]] = {
    Action.EXAMINE: ((Status.EXAMINATION,), Capability.EXAMINE),
    Action.REVIEW: ((Status.REVIEW,), Capability.REVIEW),
    Action.RECUSE: (TIMED_STATUSES, Capability.RECUSE),
    Action.TRIAGE: ((Status.TRIAGE,), Capability.TRIAGE),
    Action.MESSAGE: (OPEN_STATUSES, Capability.MESSAGE),
    Action.FOLLOW_UP: ((Status.FOLLOW_UP,), Capability.MANAGE_FOLLOW_UP),
    Action.CLOSE: ((Status.FOLLOW_UP,), Capability.CLOSE),
}


def available_actions(person: Person, case: Case) -> frozenset[Action]:
    """Everything ``person`` can do on ``case`` now (the pages offer exactly these; the services
    enforce the same rules)."""
    from integritas.cases import identity

    found = {
        action
        for action, (states, capability) in _ACTION_RULES.items()
        if case.status in states and can(person, capability, case)
    }
    if identity.may_request(person, case):
        found.add(Action.REQUEST_IDENTITY)
    if identity.may_decide(person, case):
        found.add(Action.DECIDE_IDENTITY)
    return frozenset(found)
