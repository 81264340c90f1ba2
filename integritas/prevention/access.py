"""The one gate per object type: who sees a declaration, a gratification report, a self-declaration,
an agenda or a unit's risk map, and who may act on them.

Like ``cases.access``: lists and details go through ``*_visible_to`` / ``get_*_for``; anything a person
may not see is "not found" (404, never a hint that it exists); a visible thing they may not act on is
"forbidden" (403), decided by ``can_*``.

- Declarations: the declarant; the COI handling team of a unit where the declarant holds a position
  today, or of a unit above it (the team runs the register).
- Gratification reports: the recipient; the team of the recipient's unit or above.
- Self-declarations: the declarer; current and past handlers; the team of the unit or above. A handler
  passed over by screening never sees it.
- Agendas: the participants, whoever published it, the team of the unit or above.
- The risk map of a unit: the team of that unit or above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from integritas.cases.access import oversight_q, team_unit_ids
from integritas.errors import NotFound
from integritas.orgs.models import Holding, Person, Unit
from integritas.prevention.models import (
    Agenda,
    AgendaParticipant,
    Declaration,
    Gratification,
    Screening,
    SelfDeclaration,
    SelfDeclarationHandler,
)

M = TypeVar("M", bound=Model)


def _staff(person: Person | None) -> bool:
    return person is not None and person.is_authenticated and person.is_active


def oversees_unit(person: Person, unit: Unit) -> bool:
    """Member of the team of ``unit`` or of a unit above it."""
    return bool(set(team_unit_ids(person)) & set(unit.ancestor_ids()))


def team_paths(person: Person) -> list[str]:
    return list(Unit.objects.filter(pk__in=team_unit_ids(person)).values_list("path", flat=True))


def units_of(person: Person, today: dt.date | None = None) -> list[Unit]:
    """The units where the person holds a position today (their place in the organisation)."""
    today = today or timezone.localdate()
    ids = Holding.objects.active_on(today).filter(person=person).values("position__unit_id")
    return list(Unit.objects.filter(pk__in=ids))


def _own_or_overseen(model: type[M], person: Person | None, own: Callable[[Person], Q]) -> QuerySet[M]:
    """Rows of ``model`` that are the person's own (``own``) or in the units their team oversees;
    nothing for an anonymous or inactive visitor."""
    if not _staff(person):
        return model._default_manager.none()
    assert person is not None
    condition = own(person)
    team = oversight_q(person)
    if team is not None:
        condition |= team
    return model._default_manager.filter(condition)


def _found(row: M | None, missing: str) -> M:
    """The row, or "not found" (also when it exists but is not the person's to see)."""
    if row is None:
        raise NotFound(missing)
    return row


def get_row(rows: QuerySet[M], row_id: object, missing: str) -> M:
    """One of ``rows`` by the id a request gave (a path segment, a form or JSON value), or "not
    found" with the code ``missing``: a malformed id finds nothing, like someone else's row."""
    pk = _as_int(row_id)
    return _found(rows.filter(pk=pk).first() if pk else None, missing)


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


# ---------------------------------------------------------------- declarations


def people_overseen(person: Person, today: dt.date | None = None) -> QuerySet[Holding]:
    """Holdings today in the units of the person's teams and below."""
    today = today or timezone.localdate()
    paths = team_paths(person)
    if not paths:
        return Holding.objects.none()
    condition = reduce(or_, (Q(position__unit__path__startswith=p) for p in paths))
    return Holding.objects.active_on(today).filter(condition)


def declarations_visible_to(person: Person | None) -> QuerySet[Declaration]:
    if not _staff(person):
        return Declaration.objects.none()
    assert person is not None
    condition = Q(person=person)
    overseen = people_overseen(person)
    if team_unit_ids(person):
        condition |= Q(person_id__in=overseen.values("person_id"))
    return Declaration.objects.filter(condition)


def get_declaration_for(person: Person | None, declaration_id: object) -> Declaration:
    pk = _as_int(declaration_id)
    found = declarations_visible_to(person).filter(pk=pk).select_related("person").first() if pk else None
    return _found(found, "declaration_not_found")


def oversees_person(viewer: Person, person: Person, today: dt.date | None = None) -> bool:
    return viewer.pk == person.pk or people_overseen(viewer, today).filter(person=person).exists()


# ---------------------------------------------------------------- gratification reports


def gratifications_visible_to(person: Person | None) -> QuerySet[Gratification]:
    return _own_or_overseen(Gratification, person, lambda me: Q(recipient=me))


def get_gratification_for(person: Person | None, reference: object) -> Gratification:
    if not isinstance(reference, str) or len(reference) > 20:
        raise NotFound("gratification_not_found")
    found = (
        gratifications_visible_to(person)
        .filter(reference=reference)
        .select_related("unit", "recipient", "position", "settled_by", "threshold")
        .first()
    )
    return _found(found, "gratification_not_found")


def can_settle(person: Person, item: Gratification) -> bool:
    """The team of the recipient's unit or above; never the recipient themselves."""
    return item.recipient_id != person.pk and oversees_unit(person, item.unit)


# ---------------------------------------------------------------- self-declarations


def self_declarations_visible_to(person: Person | None) -> QuerySet[SelfDeclaration]:
    visible = _own_or_overseen(
        SelfDeclaration,
        person,
        lambda me: (
            Q(declarer=me)
            | Q(pk__in=SelfDeclarationHandler.objects.filter(person=me).values("declaration_id"))
        ),
    )
    if not _staff(person):
        return visible
    passed_over = Screening.objects.filter(declaration=OuterRef("pk"), person=person, skipped=True)
    return visible.exclude(Exists(passed_over))


def get_self_declaration_for(person: Person | None, reference: object) -> SelfDeclaration:
    if not isinstance(reference, str) or len(reference) > 20:
        raise NotFound("self_declaration_not_found")
    found = (
        self_declarations_visible_to(person)
        .filter(reference=reference)
        .select_related(
            "unit", "declarer", "declarer_position", "handler_position", "handler_person", "handler_team"
        )
        .first()
    )
    return _found(found, "self_declaration_not_found")


def is_current_handler(person: Person, item: SelfDeclaration) -> bool:
    if person.pk == item.declarer_id:
        return False
    if item.handler_person_id is not None:
        return item.handler_person_id == person.pk
    if item.handler_team_id is not None:
        skipped = Screening.objects.filter(declaration=item, person=person, skipped=True).exists()
        return item.handler_team_id in team_unit_ids(person) and not skipped
    return False


# ---------------------------------------------------------------- agendas


def agendas_visible_to(person: Person | None) -> QuerySet[Agenda]:
    return _own_or_overseen(
        Agenda,
        person,
        lambda me: (
            Q(created_by=me) | Q(pk__in=AgendaParticipant.objects.filter(person=me).values("agenda_id"))
        ),
    )


def get_agenda_for(person: Person | None, agenda_id: object) -> Agenda:
    pk = _as_int(agenda_id)
    found = (
        agendas_visible_to(person).filter(pk=pk).select_related("unit", "created_by").first() if pk else None
    )
    return _found(found, "agenda_not_found")


def is_participant(person: Person, agenda: Agenda) -> bool:
    return AgendaParticipant.objects.filter(agenda=agenda, person=person).exists()


def may_publish_agenda(person: Person, unit: Unit, today: dt.date | None = None) -> bool:
    """Staff holding a position in the unit today, or the team of the unit or above."""
    today = today or timezone.localdate()
    holds = Holding.objects.active_on(today).filter(person=person, position__unit=unit).exists()
    return holds or oversees_unit(person, unit)


# ---------------------------------------------------------------- the risk map


def may_keep_risk_map(person: Person, unit: Unit) -> bool:
    return _staff(person) and oversees_unit(person, unit)
