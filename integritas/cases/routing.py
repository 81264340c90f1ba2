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
from dataclasses import dataclass, field
from typing import Any

from integritas.cases.models import Case, Recusal, team_title
from integritas.orgs.calendar import UnitCalendar
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


# A batch of steps that add no recusal (the sweep) reads who may handle its cases once, in a few
# queries for the whole batch (``Reads``, set up by ``reading``), instead of at every routing question.
# Whatever the batch did not read is read as outside one. Each answer is the one the queries below give.


@dataclass
class Reads:
    exclusions: dict[tuple[int, dt.date], frozenset[int]] = field(default_factory=dict)
    positions: dict[int, Position] = field(default_factory=dict)  # with their unit
    # Every holding of a position (any dates), with its person, in the order ``holder_for`` reads them.
    holdings: dict[int, list[Holding]] = field(default_factory=dict)
    units: dict[int, Unit] = field(default_factory=dict)
    members: dict[int, list[Person]] = field(default_factory=dict)  # team members by unit, by username
    recusals: dict[int, set[int]] = field(default_factory=dict)  # by case
    screened: dict[int, set[int]] = field(default_factory=dict)  # passed over by screening, by case
    extra: dict[str, Any] = field(default_factory=dict)  # what other modules keep for the batch

    def parent_position(self, position: Position) -> Position | None:
        if position.reports_to_id is None:
            return None
        found = self.positions.get(position.reports_to_id)
        return found if found is not None else position.reports_to

    def parent_unit(self, unit: Unit) -> Unit | None:
        if unit.parent_id is None:
            return None
        found = self.units.get(unit.parent_id)
        return found if found is not None else unit.parent

    def position_unit(self, position: Position) -> Unit:
        return self.units.get(position.unit_id) or position.unit

    def read_new_case(self, case: Case) -> None:
        """What routing asks first about a case filed in this transaction, in one query: nobody has
        recused from it or been screened out of it (no row can name it before it exists), and the
        holdings, with their people, of its subject's position and of the position above it (the
        subject's holders are excluded and screened against; the one above is asked first)."""
        self.recusals[case.pk], self.screened[case.pk] = set(), set()
        subject = case.subject_position
        if subject is None:
            return
        wanted = [p for p in (subject.pk, subject.reports_to_id) if p is not None and p not in self.holdings]
        if not wanted:
            return
        for position_id in wanted:
            self.holdings[position_id] = []
        holdings = (
            Holding.objects.filter(position_id__in=wanted)
            .select_related("person")
            .order_by("acting", "-start", "id")
        )
        for holding in holdings:
            self.holdings[holding.position_id].append(holding)

    def read(self, cases: list[Case]) -> None:
        """What routing may ask about ``cases``: the chains of positions above their handlers and
        subjects with their holders, the units above them with their team members, their recusals and
        screenings."""
        from integritas.prevention.models import Screening

        ids = [c.pk for c in cases]
        for case_id in ids:
            self.recusals[case_id], self.screened[case_id] = set(), set()
        for case_id, person_id in Recusal.objects.filter(case_id__in=ids).values_list("case_id", "person_id"):
            self.recusals[case_id].add(person_id)
        screened = Screening.objects.filter(case_id__in=ids, skipped=True).values_list("case_id", "person_id")
        for case_id, person_id in screened:
            self.screened[case_id].add(person_id)
        wanted = {p for c in cases for p in (c.handler_position_id, c.subject_position_id) if p is not None}
        while wanted:
            found = list(Position.objects.filter(pk__in=wanted).order_by())
            self.positions.update((p.pk, p) for p in found)
            wanted = {p.reports_to_id for p in found if p.reports_to_id is not None} - set(self.positions)
        holdings = (
            Holding.objects.filter(position_id__in=self.positions)
            .select_related("person")
            .order_by("acting", "-start", "id")
        )
        for position_id in self.positions:
            self.holdings[position_id] = []
        for holding in holdings:
            self.holdings[holding.position_id].append(holding)
        unit_ids: set[int] = set()
        for unit in [*(c.unit for c in cases), *(c.handler_team for c in cases if c.handler_team)]:
            unit_ids.update(unit.ancestor_ids())
        unit_ids.update(p.unit_id for p in self.positions.values())
        self.units.update((u.pk, u) for u in Unit.objects.filter(pk__in=unit_ids).order_by())
        for unit in list(self.units.values()):  # the units of positions, and above them
            unit_ids.update(unit.ancestor_ids())
        missing = unit_ids - set(self.units)
        if missing:
            self.units.update((u.pk, u) for u in Unit.objects.filter(pk__in=missing).order_by())
        for position in self.positions.values():
            if position.unit_id in self.units:
                position.unit = self.units[position.unit_id]
        for unit_id in self.units:
            self.members[unit_id] = []
        memberships = (
            TeamMembership.objects.filter(unit_id__in=self.units)
            .select_related("person")
            .order_by("person__username", "person_id")
        )
        for membership in memberships:
            self.members[membership.unit_id].append(membership.person)


_READS: ContextVar[Reads | None] = ContextVar("routing_reads", default=None)


@contextmanager
def reading(cases: list[Case] | None = None) -> Iterator[Reads]:
    """Routing questions inside this block are answered from reads made once (``cases``: for them)."""
    reads = Reads()
    if cases:
        reads.read(cases)
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def reads() -> Reads | None:
    return _READS.get()


def calendar_of(unit: Unit) -> UnitCalendar | None:
    """The unit's working-day calendar when the batch has read it."""
    current = _READS.get()
    if current is None:
        return None
    calendars: dict[int, UnitCalendar] = current.extra.get("calendars", {})
    return calendars.get(unit.pk)


def forget_exclusions(case: Case, *, undone: bool = False) -> None:
    """Someone was just excluded from ``case`` (a screening skip: ``screening.record_case`` has added
    them to what the batch read), or its step was ``undone``: work its exclusions out again."""
    current = _READS.get()
    if current is not None:
        if undone:
            current.screened.pop(case.pk, None)
        for key in [k for k in current.exclusions if k[0] == case.pk]:
            del current.exclusions[key]


def excluded_people(case: Case, today: dt.date) -> set[int]:
    current = _READS.get()
    if current is None:
        return _excluded_people(case, today, None)
    key = (case.pk, today)
    if key not in current.exclusions:
        current.exclusions[key] = frozenset(_excluded_people(case, today, current))
    return set(current.exclusions[key])


def _active(holding: Holding, today: dt.date) -> bool:
    return holding.start <= today and (holding.end is None or holding.end >= today)


def _excluded_people(case: Case, today: dt.date, current: Reads | None) -> set[int]:
    if current is not None and case.pk in current.recusals:
        excluded = set(current.recusals[case.pk])
    else:
        excluded = set(Recusal.objects.filter(case=case).values_list("person_id", flat=True))
    if case.subject_position_id:
        if current is not None and case.subject_position_id in current.holdings:
            excluded |= {h.person_id for h in current.holdings[case.subject_position_id] if _active(h, today)}
        else:
            excluded |= set(
                Holding.objects.active_on(today)
                .filter(position_id=case.subject_position_id)
                .values_list("person_id", flat=True)
            )
    if case.reporter_person_id:
        excluded.add(case.reporter_person_id)
    # PREVENTION SCREENING (issue 9): handlers passed over because their declarations name the subject.
    if current is not None and case.pk in current.screened:
        excluded |= current.screened[case.pk]
    else:
        from integritas.prevention.screening import passed_over

        excluded |= passed_over(case)
    return excluded


def holder_for(position: Position, excluded: set[int], today: dt.date) -> Person | None:
    """The current holder who may handle: the definitive holder before an acting one (Plt)."""
    current = _READS.get()
    if current is not None and position.pk in current.holdings:
        for holding in current.holdings[position.pk]:
            if _active(holding, today) and holding.person.is_active and holding.person_id not in excluded:
                return holding.person
        return None
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
    current = _READS.get() or Reads()
    position: Position | None = start if include_start else current.parent_position(start)
    top_unit = current.position_unit(start)
    seen: set[int] = {start.pk} if not include_start else set()
    while position is not None and position.pk not in seen:
        seen.add(position.pk)
        top_unit = current.position_unit(position)
        person = holder_for(position, excluded, today)
        if person is not None:
            return Assignment(position=position, person=person)
        position = current.parent_position(position)
    return team_from(top_unit, excluded)


def team_from(unit: Unit | None, excluded: set[int]) -> Assignment | None:
    """The nearest team at or above ``unit`` with a member who may handle the case."""
    current = _READS.get() or Reads()
    node = unit
    while node is not None:
        if node.pk in current.members:
            found = any(p.is_active and p.pk not in excluded for p in current.members[node.pk])
        else:
            found = (
                TeamMembership.objects.filter(unit=node, person__is_active=True)
                .exclude(person_id__in=excluded)
                .exists()
            )
        if found:
            return Assignment(team=node)
        node = current.parent_unit(node)
    return None


def team_of(unit: Unit, excluded: set[int]) -> list[Person] | None:
    """The active members of ``unit``'s team who may handle, by username, when the batch has read
    them; None otherwise (the caller reads them)."""
    current = _READS.get()
    if current is None or unit.pk not in current.members:
        return None
    return [p for p in current.members[unit.pk] if p.is_active and p.pk not in excluded]


def holders_of(position: Position, today: dt.date) -> list[Person] | None:
    """Whoever holds ``position`` on ``today`` when the batch has read it; None otherwise."""
    current = _READS.get()
    if current is None or position.pk not in current.holdings:
        return None
    return [h.person for h in current.holdings[position.pk] if _active(h, today)]


def next_up(case: Case, today: dt.date) -> Assignment | None:
    """The handler one step above the current one (escalation, missed deadline)."""
    excluded = excluded_people(case, today)
    if case.handler_position is not None:
        return walk_up(case.handler_position, excluded, today)
    if case.handler_team is not None:
        return team_from((_READS.get() or Reads()).parent_unit(case.handler_team), excluded)
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
