"""Handler screening (SPEC §6, API.md "Handler screening"): before a case (or a self-declaration)
reaches a handler, the handler's own declarations are compared with the name of the person concerned
(the current holder of the subject's position; the declarer). Under the unit's policy ``screening``:

- ``skip`` (default): the handler is passed over as if they had recused: a :class:`Screening` row
  (``skipped``) keeps them out of every later routing of the same case, and out of its sight;
- ``warn``: the handler keeps the case, marked ``screening_warning``.

Routing asks one question, :func:`conflicted`; the rest of this module is bookkeeping around it.

Declarations are sealed: the names are read by opening the declarations of the few people routing is
about to choose (a chain has a handful of positions; a team a handful of members), never by scanning
the register. Opening one declaration is an AES-GCM unwrap and decrypt, tens of microseconds; at
100,000 staff a routing still opens only its candidates' declarations, so no name index is kept
(a keyed-hash index could not find one-letter variants anyway, and would be one more copy of
personal data to protect).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from integritas.orgs.models import Holding, Person, Position, TeamMembership
from integritas.prevention import names, sealing
from integritas.prevention.models import Declaration, Screening

if TYPE_CHECKING:
    from integritas.cases.models import Case

SKIP, WARN = "skip", "warn"


@dataclass(frozen=True)
class Party:
    person_id: int
    name: str
    relation: str
    category: str
    declaration_id: int


def interests_of(declaration: Declaration) -> list[dict[str, Any]]:
    data = sealing.unseal(declaration, "content", declaration.sealed) or {}
    return list(data.get("interests") or [])


def declared_parties(person_ids: Iterable[int]) -> dict[int, list[Party]]:
    """Every related party each person has declared (any of their declarations: relatives stay
    relatives), opened one by one."""
    ids = sorted(set(person_ids))
    known = _batch_parties()
    if known is not None:  # a batch (the sweep) opens each person's declarations once
        missing = [pk for pk in ids if pk not in known]
        if missing:
            known.update(_declared_parties(missing))
        return {pk: known[pk] for pk in ids}
    return _declared_parties(ids)


def _batch_parties() -> dict[int, list[Party]] | None:
    from integritas.cases import routing

    current = routing.reads()
    if current is None:
        return None
    parties: dict[int, list[Party]] = current.extra.setdefault("parties", {})
    return parties


def _declared_parties(ids: list[int]) -> dict[int, list[Party]]:
    found: dict[int, list[Party]] = {pk: [] for pk in ids}
    if not ids:
        return found
    rows = Declaration.objects.filter(person_id__in=ids, none=False)
    for declaration in rows.order_by("filed_at", "pk"):
        for interest in interests_of(declaration):
            for party in interest.get("parties") or []:
                name = str(party.get("name") or "")
                if name:
                    found[declaration.person_id].append(
                        Party(
                            person_id=declaration.person_id,
                            name=name,
                            relation=str(party.get("relation") or ""),
                            category=str(interest.get("category") or ""),
                            declaration_id=declaration.pk,
                        )
                    )
    return found


def conflicted(person_ids: Iterable[int], subject_holder_names: Iterable[str], today: dt.date) -> set[int]:
    """The people among ``person_ids`` whose declarations name-match one of ``subject_holder_names``."""
    wanted = [names.tokens(n) for n in subject_holder_names if n]
    wanted = [w for w in wanted if w]
    if not wanted:
        return set()
    hits: set[int] = set()
    for person_id, parties in declared_parties(person_ids).items():
        for party in parties:
            declared = names.tokens(party.name)
            if any(names.same_tokens(declared, w) for w in wanted):
                hits.add(person_id)
                break
    return hits


def holder_names(position: Position | None, today: dt.date) -> list[str]:
    """Names of whoever holds the position today (definitive and acting holders)."""
    if position is None:
        return []
    from integritas.cases import routing

    read = routing.holders_of(position, today)
    if read is not None:
        return list(dict.fromkeys(p.display_name for p in read))
    people = Person.objects.filter(
        pk__in=Holding.objects.active_on(today).filter(position=position).values("person_id")
    )
    return [p.display_name for p in people]


def policy_of(unit: Any) -> str:
    value = unit.effective_policy.get("screening", SKIP)
    return value if value in (SKIP, WARN) else SKIP


@dataclass
class Verdict:
    """Whom of an assignment's handlers the declarations conflict, and what the policy does about it."""

    policy: str
    people: set[int] = field(default_factory=set)

    @property
    def skip(self) -> bool:
        return bool(self.people) and self.policy == SKIP

    @property
    def warn(self) -> bool:
        return bool(self.people) and self.policy == WARN


def candidates(assignment: Any, excluded: set[int]) -> list[int]:
    """The people an assignment would give the case to: its person, or the members of its team."""
    if assignment is None:
        return []
    if getattr(assignment, "person", None) is not None:
        return [assignment.person.pk]
    team = getattr(assignment, "team", None)
    if team is None:
        return []
    from integritas.cases import routing

    read = routing.team_of(team, excluded)
    if read is not None:
        return [p.pk for p in read]
    return list(
        TeamMembership.objects.filter(unit=team, person__is_active=True)
        .exclude(person_id__in=excluded)
        .values_list("person_id", flat=True)
    )


def judge(*, unit: Any, assignment: Any, concerned: list[str], excluded: set[int], today: dt.date) -> Verdict:
    people = candidates(assignment, excluded)
    return Verdict(policy=policy_of(unit), people=conflicted(people, concerned, today) if people else set())


# ---------------------------------------------------------------- cases (the router's touch point)


def judge_case(case: Case, assignment: Any, today: dt.date) -> Verdict:
    """Screen the handler(s) routing chose for ``case`` against the subject's current holder."""
    from integritas.cases import routing  # the router calls us; import lazily

    concerned = holder_names(case.subject_position, today)
    if not concerned:
        return Verdict(policy=policy_of(case.unit))
    return judge(
        unit=case.unit,
        assignment=assignment,
        concerned=concerned,
        excluded=routing.excluded_people(case, today),
        today=today,
    )


def record_case(case: Case, people: Iterable[int], *, skipped: bool, at: dt.datetime) -> None:
    from integritas import batching
    from integritas.cases import routing

    chosen = sorted(set(people))
    rows = [Screening(case=case, person_id=pk, skipped=skipped, at=at) for pk in chosen]
    current = routing.reads()
    if skipped and current is not None and case.pk in current.screened:
        current.screened[case.pk].update(chosen)  # what the batch read stays what the database says
    if not batching.add_all(rows):
        Screening.objects.bulk_create(rows)


def passed_over(case: Case) -> set[int]:
    """People screened out of this case (policy ``skip``): routing leaves them out from now on."""
    if case.pk is None:
        return set()
    return set(Screening.objects.filter(case=case, skipped=True).values_list("person_id", flat=True))


def warned(case: Case) -> bool:
    """True when the case's current handler was kept under policy ``warn``."""
    if case.pk is None or not case.is_open:
        return False
    rows = Screening.objects.filter(case=case, skipped=False)
    if case.handler_person_id is not None:
        return rows.filter(person_id=case.handler_person_id).exists()
    if case.handler_team_id is not None:
        members = TeamMembership.objects.filter(unit_id=case.handler_team_id).values("person_id")
        return rows.filter(Q(person_id__in=members)).exists()
    return False
