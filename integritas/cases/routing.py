"""Walking the chain of positions up from the subject (SPEC §2).

Vacant positions are skipped, and so are the subject, the reporter (when staff) and anyone who
recused. When the chain runs out, the team of the highest unit on the chain takes the case; above a
team, the next team up the unit tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from integritas.cases.models import Case, Recusal, team_title
from integritas.orgs.models import Holding, Person, Position, TeamMembership, Unit


@dataclass(frozen=True)
class Assignment:
    position: Position | None = None
    person: Person | None = None
    team: Unit | None = None

    @property
    def title(self) -> str:
        """The position's title, or the team's in the active language."""
        if self.position is not None:
            return self.position.title
        if self.team is not None:
            return team_title(self.team.name)
        return ""


# Within one step that adds no recusal and no screening (the sweep's mark-and-escalate), who may not
# handle a case is read once instead of at every routing question (``reusing_exclusions``).
_EXCLUSIONS: ContextVar[dict[tuple[int, dt.date], frozenset[int]] | None] = ContextVar(
    "routing_exclusions", default=None
)


@contextmanager
def reusing_exclusions() -> Iterator[None]:
    token = _EXCLUSIONS.set({})
    try:
        yield
    finally:
        _EXCLUSIONS.reset(token)


def forget_exclusions() -> None:
    """Someone was just excluded (a screening skip): read the exclusions again."""
    cache = _EXCLUSIONS.get()
    if cache is not None:
        cache.clear()


def excluded_people(case: Case, today: dt.date) -> set[int]:
    cache = _EXCLUSIONS.get()
    if cache is None:
        return _excluded_people(case, today)
    key = (case.pk, today)
    if key not in cache:
        cache[key] = frozenset(_excluded_people(case, today))
    return set(cache[key])


def _excluded_people(case: Case, today: dt.date) -> set[int]:
    excluded = set(Recusal.objects.filter(case=case).values_list("person_id", flat=True))
    if case.subject_position_id:
        excluded |= set(
            Holding.objects.active_on(today)
            .filter(position_id=case.subject_position_id)
            .values_list("person_id", flat=True)
        )
    if case.reporter_person_id:
        excluded.add(case.reporter_person_id)
    # PREVENTION SCREENING (issue 9): handlers passed over because their declarations name the subject.
    from integritas.prevention.screening import passed_over

    excluded |= passed_over(case)
    return excluded


def holder_for(position: Position, excluded: set[int], today: dt.date) -> Person | None:
    """The current holder who may handle: the definitive holder before an acting one (Plt)."""
    holdings = (
        Holding.objects.active_on(today)
        .filter(position=position, person__is_active=True)
        .exclude(person_id__in=excluded)
        .select_related("person")
        .order_by("acting", "-start", "id")
    )
    first = holdings.first()
    return first.person if first else None


def walk_up(
    start: Position, excluded: set[int], today: dt.date, *, include_start: bool = False
) -> Assignment | None:
    """First eligible holder from ``start`` upward; the team of the top unit when the chain runs out."""
    position: Position | None = start if include_start else start.reports_to
    top_unit = start.unit
    seen: set[int] = {start.pk} if not include_start else set()
    while position is not None and position.pk not in seen:
        seen.add(position.pk)
        top_unit = position.unit
        person = holder_for(position, excluded, today)
        if person is not None:
            return Assignment(position=position, person=person)
        position = position.reports_to
    return team_from(top_unit, excluded)


def team_from(unit: Unit | None, excluded: set[int]) -> Assignment | None:
    """The nearest team at or above ``unit`` with a member who may handle the case."""
    node = unit
    while node is not None:
        members = TeamMembership.objects.filter(unit=node, person__is_active=True).exclude(
            person_id__in=excluded
        )
        if members.exists():
            return Assignment(team=node)
        node = node.parent
    return None


def next_up(case: Case, today: dt.date) -> Assignment | None:
    """The handler one step above the current one (escalation, missed deadline)."""
    excluded = excluded_people(case, today)
    if case.handler_position is not None:
        return walk_up(case.handler_position, excluded, today)
    if case.handler_team is not None:
        return team_from(case.handler_team.parent, excluded)
    return None


def after_recusal(case: Case, today: dt.date) -> Assignment | None:
    """Who takes over when the current handler recuses (another holder of the same position first)."""
    excluded = excluded_people(case, today)
    if case.handler_position is not None:
        return walk_up(case.handler_position, excluded, today, include_start=True)
    if case.handler_team is not None:
        return team_from(case.handler_team, excluded)
    return None


def first_handler(case: Case, today: dt.date) -> Assignment | None:
    """The direct superior of the subject's position (or the next eligible one up)."""
    assert case.subject_position is not None
    return walk_up(case.subject_position, excluded_people(case, today), today)
