"""The one gate: who sees a case, who may act on it, and what each person can do on it now.

A case is visible to its current and past handlers and to the team of its unit and of every unit
above. Everyone else (the subject, administrators, other staff) is told it does not exist.
"""

from __future__ import annotations

import enum
import re
from functools import reduce
from operator import or_

from django.db.models import CharField, DateField, Exists, IntegerField, OuterRef, Q, QuerySet, Value
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


def team_tree(person: Person) -> list[tuple[int, str, int | None]]:
    """(unit id, path, parent id) of each unit on whose team the person sits: one query, kept on the
    person object for the rest of the request."""
    cached: list[tuple[int, str, int | None]] | None = getattr(person, "_team_tree", None)
    if cached is None:
        cached = list(
            TeamMembership.objects.filter(person=person)
            .order_by("unit_id")
            .values_list("unit_id", "unit__path", "unit__parent_id")
        )
        person._team_tree = cached  # type: ignore[attr-defined]
    return cached


def team_unit_ids(person: Person) -> list[int]:
    return [unit_id for unit_id, _, _ in team_tree(person)]


def team_units(person: Person) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=team_unit_ids(person)))


def oversight_q(person: Person, prefix: str = "") -> Q | None:
    """Q for 'the unit is one of my team units or below them'."""
    paths = list(Unit.objects.filter(pk__in=team_unit_ids(person)).values_list("path", flat=True))
    if not paths:
        return None
    return reduce(or_, (Q(**{f"{prefix}unit__path__startswith": p}) for p in paths))


# Up to this many cases handled by one person are named by id in the visibility condition: the
# database can then combine that set with the unit subtree by index (a bitmap OR) instead of
# testing every case against a sub-select. Beyond it the sub-select is kept.
HANDLED_INLINE = 2000


def cases_visible_to(person: Person | None, *, probe_handled: bool = False) -> CaseQuerySet:
    """Cases this person may see. Shaped for the indexes: the handled cases by id (or a sub-select),
    OR the case's unit among the ids of the team's subtree (nothing at all for the team of a root
    unit: every case), minus the cases where the person is the subject, recused or was screened out,
    each as a condition on the case's own columns (left out when it cannot apply).

    ``probe_handled``: the handled cases as the case's current handler or a probe of each row (EXISTS
    on the handler rows) instead of their ids read first; for a list another index drives (my queue),
    where the database then checks only the rows of the page instead of reading every case the person
    ever handled."""
    if person is None or not person.is_authenticated or not person.is_active:
        return Case.objects.none()
    # (Read first: it brings the team units too.)
    subject, withdrawn = _exclusions(person)
    team_units = _oversight_unit_ids(person)
    if team_units is None:
        qs = Case.objects.all()
    else:
        condition = _handled_probe(person) if probe_handled else _handled_q(person)
        if team_units:
            condition |= Q(unit_id__in=team_units)
        qs = Case.objects.filter(condition)
    # The subject never sees the case, even from a team: whoever has held the subject's position
    # since the case was filed.
    if subject is not None:
        qs = qs.exclude(subject)
    # Whoever withdrew from a case (penarikan diri: typically because of a conflict) no longer sees it;
    # PREVENTION SCREENING (issue 9): nor does a handler passed over by screening (as if recused).
    if withdrawn:
        qs = qs.exclude(pk__in=withdrawn)
    return qs


def hidden_case_ids(person: Person, among: QuerySet[Case]) -> list[int]:
    """Ids of the cases of ``among`` this person may not see although a team of theirs oversees them:
    the subject's, and those they withdrew from or were screened out of (the exclusions of
    :func:`cases_visible_to`, read as the few ids they are)."""
    hidden, withdrawn = _exclusions(person)
    if withdrawn:
        hidden = Q(pk__in=withdrawn) if hidden is None else hidden | Q(pk__in=withdrawn)
    if hidden is None:
        return []
    return list(among.filter(hidden).order_by().values_list("pk", flat=True))


def _oversight_unit_ids(person: Person) -> list[int] | None:
    """Ids of the units in the subtrees of the person's teams; None when one of them is a root unit
    (the team sees every unit)."""
    roots = [(path, parent) for _, path, parent in team_tree(person)]
    if not roots:
        return []
    if any(parent is None for _, parent in roots):
        return None
    under = reduce(or_, (Q(path__startswith=path) for path, _ in roots))
    return list(Unit.objects.filter(under).values_list("pk", flat=True))


def _handled_q(person: Person) -> Q:
    """Every case this person has handled (current and past)."""
    ids = list(
        CaseHandler.objects.filter(person=person).values_list("case_id", flat=True)[: HANDLED_INLINE + 1]
    )
    if len(ids) <= HANDLED_INLINE:
        return Q(pk__in=set(ids)) if ids else Q(pk__in=[])
    return Q(pk__in=CaseHandler.objects.filter(person=person).values("case_id"))


def _handled_probe(person: Person) -> Q:
    """Every case this person handles or has handled: the current handler (every assignment of a
    person also writes a handler row, services._assign), else a probe of the handler rows
    (index handler_person_case). As an OR the database checks it row by row, on the rows the list's
    own index gives, and stops at the first that holds."""
    return Q(handler_person=person) | Q(
        Exists(CaseHandler.objects.filter(case=OuterRef("pk"), person=person))
    )


# The rows of _exclusions: a unit on whose team the person sits (with its path and parent), a
# position the person held (with the end of the holding), or a case they withdrew from or were
# screened out of.
_TEAM, _HELD, _WITHDRAWN = 0, 1, 2


def _exclusions(person: Person) -> tuple[Q | None, set[int]]:
    """What hides a case from this person although they would see it, read with one query that also
    brings the person's team units (kept for the request, :func:`team_tree`):

    - as a condition, the cases whose subject position the person has held since the case was filed;
    - the ids of the cases they withdrew from (recusal) or were passed over by screening (issue 9).
    """
    from integritas.prevention.models import Screening

    no_date = Value(None, output_field=DateField())
    no_path = Value(None, output_field=CharField())
    no_id = Value(None, output_field=IntegerField())
    teams = TeamMembership.objects.filter(person=person).values_list(
        Value(_TEAM), "unit_id", no_date, "unit__path", "unit__parent_id"
    )
    held = Holding.objects.filter(person=person, start__lte=timezone.localdate()).values_list(
        Value(_HELD), "position_id", "end", no_path, no_id
    )
    recused = Recusal.objects.filter(person=person).values_list(
        Value(_WITHDRAWN), "case_id", no_date, no_path, no_id
    )
    screened = Screening.objects.filter(person=person, skipped=True).values_list(
        Value(_WITHDRAWN), "case_id", no_date, no_path, no_id
    )
    rows = teams.order_by().union(held.order_by(), recused.order_by(), screened.order_by(), all=True)
    tree: list[tuple[int, str, int | None]] = []
    parts: list[Q] = []
    withdrawn: set[int] = set()
    for kind, key, end, path, parent in rows:
        if kind == _TEAM:
            tree.append((key, path, parent))
        elif kind == _WITHDRAWN:
            withdrawn.add(key)
        else:
            part = Q(subject_position_id=key)
            if end is not None:
                part &= Q(created_at__date__lte=end)
            parts.append(part)
    person._team_tree = sorted(tree)  # type: ignore[attr-defined]
    return (reduce(or_, parts) if parts else None), withdrawn


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
