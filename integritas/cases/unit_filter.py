"""The units a team's case list can be narrowed to, and finding one of them from what a person typed.

A person's units are the units of their teams and every unit below them (for the inspectorate's team
10,000 of them), and the units of the cases they have handled. The list page cannot offer 10,000
choices, so a unit is typed (its code, or its name the way people write it: the public unit search,
``orgs.search``) and found among the person's units only; a unit outside them is answered as one that
does not exist. When there are few units they are all offered at once (``short_list``), and the units
just below the one shown are offered as a short list to step down the tree (``children``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from integritas.cases import access
from integritas.cases.models import CaseHandler
from integritas.orgs import search
from integritas.orgs.models import Person, Unit

# Up to this many units, the filter offers every one of them in a select.
SHORT_LIST = 30
# Up to this many units just below the one shown are listed as links; more are typed.
CHILDREN_SHOWN = 40
# A search that finds several units shows this many of them to choose from.
CANDIDATES = 10


@dataclass
class UnitScope:
    """The units one person's team list covers: ``teams`` and everything below them, and the units
    of the cases the person has handled."""

    person: Person
    teams: list[Unit]
    _handled: set[int] | None = field(default=None, repr=False)

    @property
    def everything(self) -> bool:
        """A team of a root unit: every unit (as ``access.cases_visible_to`` has it)."""
        return any(unit.parent_id is None for unit in self.teams)

    def _below_q(self) -> Q | None:
        if not self.teams:
            return None
        return reduce(or_, (Q(path__startswith=unit.path) for unit in self.teams))

    def _handled_units(self) -> Q:
        return Q(pk__in=CaseHandler.objects.filter(person=self.person).values("case__unit_id"))

    def units_q(self) -> Q:
        """Every unit of the scope, as one condition on the units."""
        if self.everything:
            return Q()
        below = self._below_q()
        return self._handled_units() if below is None else below | self._handled_units()

    def covers(self, unit: Unit) -> bool:
        """Is ``unit`` one of this person's units? (One query only for a unit outside the teams.)"""
        if self.everything or any(unit.path.startswith(team.path) for team in self.teams):
            return True
        return Unit.objects.filter(self._handled_units(), pk=unit.pk).exists()

    def team_of(self, unit: Unit) -> bool:
        return any(unit.pk == team.pk for team in self.teams)

    def below_teams(self, unit: Unit) -> bool:
        return any(unit.path.startswith(team.path) and unit.pk != team.pk for team in self.teams)


def scope_of(person: Person) -> UnitScope:
    """The person's units: one query for the team units (the teams are read once per request)."""
    teams = list(Unit.objects.filter(pk__in=access.team_unit_ids(person)).order_by("name", "code"))
    return UnitScope(person, teams)


def short_list(scope: UnitScope) -> list[tuple[str, str]] | None:
    """(code, name) of every unit of the scope by name when there are at most ``SHORT_LIST``; None
    when there are more (one query that stops after ``SHORT_LIST`` + 1 rows: sorted here, not by
    the database, which would sort all 10,000 units of an inspectorate first)."""
    rows = list(Unit.objects.filter(scope.units_q()).order_by().values_list("code", "name")[: SHORT_LIST + 1])
    if len(rows) > SHORT_LIST:
        return None
    return sorted(rows, key=lambda row: (row[1], row[0]))


@dataclass(frozen=True)
class Children:
    """The units just below ``parents`` (at most ``CHILDREN_SHOWN``); ``more``: there are more."""

    units: list[Unit]
    more: bool


def children(parents: list[Unit]) -> Children:
    """The units just below ``parents`` by name (one query, at most ``CHILDREN_SHOWN`` + 1 rows)."""
    if not parents:
        return Children([], False)
    rows = list(
        Unit.objects.filter(parent_id__in=[p.pk for p in parents])
        .order_by("name", "code")
        .only("id", "code", "name", "parent_id", "path")[: CHILDREN_SHOWN + 1]
    )
    return Children(rows[:CHILDREN_SHOWN], len(rows) > CHILDREN_SHOWN)


class NoSuchUnit(Exception):
    """Nothing among the person's units matches what was typed."""


class SeveralUnits(Exception):
    """Several of the person's units match: ``candidates`` are the best of them."""

    def __init__(self, candidates: list[Unit]):
        super().__init__(candidates)
        self.candidates = candidates


def find(scope: UnitScope, typed: str) -> Unit:
    """The unit of the scope that ``typed`` names: its code (any case), or else the one unit whose
    name matches the way the public search matches. NoSuchUnit when none does (a unit outside the
    scope is not told apart from one that does not exist); SeveralUnits when more than one does."""
    text = typed.strip()
    by_code = [
        u
        for u in Unit.objects.filter(code__in={text, text.upper()}).only(
            "id", "code", "name", "parent_id", "path"
        )
        if scope.covers(u)
    ]
    if by_code:
        return by_code[0]
    within = (
        None if scope.everything else set(Unit.objects.filter(scope.units_q()).values_list("pk", flat=True))
    )
    found = search.search(text, limit=CANDIDATES + 1, within=within)
    if not found:
        raise NoSuchUnit(text)
    exact = [u for u in found if search.words(u.name) == search.words(text)]
    if len(found) == 1 or len(exact) == 1:
        return exact[0] if exact else found[0]
    raise SeveralUnits(found[:CANDIDATES])
