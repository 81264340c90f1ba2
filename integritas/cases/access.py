"""The one gate: who sees a case, and who may act on it.

A case is visible to its current and past handlers and to the team of its unit and of every unit
above. Everyone else (the subject, administrators, other staff) is told it does not exist.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from integritas.cases.models import Case, CaseHandler, Recusal
from integritas.errors import NotFound
from integritas.orgs.models import Holding, Person, TeamMembership, Unit

REFERENCE_RE = re.compile(r"^BK-\d{4}-\d{6,}$")

# Capabilities, named once.
CAN_EXAMINE = "case.examine"
CAN_REVIEW = "case.review"
CAN_RECUSE = "case.recuse"
CAN_TRIAGE = "case.triage"
CAN_MESSAGE = "case.message"
CAN_MANAGE_FOLLOW_UP = "case.follow_up"
CAN_CLOSE = "case.close"


def team_unit_ids(person: Person) -> list[int]:
    cached = getattr(person, "_team_unit_ids", None)
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


def cases_visible_to(person: Person | None) -> QuerySet[Case]:
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


def get_case_for(person: Person | None, reference: str, *, for_update: bool = False) -> Case:
    """The case with this reference if ``person`` may see it; NotFound otherwise (never a hint)."""
    if not isinstance(reference, str) or not REFERENCE_RE.match(reference):
        raise NotFound("Case not found")
    qs = (
        cases_visible_to(person)
        .filter(reference=reference)
        .select_related("unit", "subject_position", "handler_position", "handler_person", "handler_team")
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.first()
    if case is None:
        raise NotFound("Case not found")
    return case


def oversees(person: Person, case: Case) -> bool:
    """Member of the team of the case's unit or of a unit above it."""
    return bool(set(team_unit_ids(person)) & set(case.unit.ancestor_ids()))


def has_recused(person: Person, case: Case) -> bool:
    return Recusal.objects.filter(case=case, person=person).exists()


def is_current_handler(person: Person, case: Case) -> bool:
    if case.handler_person_id is not None:
        return case.handler_person_id == person.pk
    if case.handler_team_id is not None:
        return case.handler_team_id in team_unit_ids(person) and not has_recused(person, case)
    return False


def can(person: Person, capability: str, case: Case) -> bool:
    if capability in (CAN_EXAMINE, CAN_REVIEW, CAN_RECUSE):
        return is_current_handler(person, case)
    if capability == CAN_TRIAGE:
        return oversees(person, case) and not has_recused(person, case)
    if capability == CAN_MESSAGE:
        return is_current_handler(person, case) or oversees(person, case)
    if capability in (CAN_MANAGE_FOLLOW_UP, CAN_CLOSE):
        return oversees(person, case)
    return False
