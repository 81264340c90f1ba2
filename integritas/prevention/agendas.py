"""Decision agendas (SOP "Menghindari Situasi Benturan Kepentingan": knowing the agenda of a decision
early, and withdrawing from it, *penarikan diri*): a decision-making meeting is published ahead with
its items, the parties concerned by each item, and its participants.

- Each participant states for each item, before the meeting, "no conflict" or recuses with a reason
  (409 once the meeting has started).
- Where a participant's declared related parties (any of their declarations) name-match an item's
  parties, a warning is shown to the team and to that participant (never to the others).
- The reason of a recusal is shown only to the team and the person who recused.
- The minutes list who recused from what (page and PDF, without reasons).

    agenda_create   publish an agenda (staff holding a position in the unit, or its team)
    agenda_state    a participant's statement on an item
    agenda_view     the agenda as the viewer may see it (API.md shape)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.cases.models import DECISION_KIND_ALIASES, DecisionKind
from integritas.errors import Forbidden, WrongState
from integritas.orgs.models import Person, Unit
from integritas.prevention import access, names, notices, screening, sealing
from integritas.prevention.common import audit
from integritas.prevention.inputs import MAX_NAME, Check
from integritas.prevention.models import Agenda, AgendaItem, AgendaParticipant, AgendaStatement

MAX_TITLE = 300
MAX_ITEMS = 100
MAX_PARTIES = 100
MAX_PARTICIPANTS = 300
MAX_REASON = 5000


@dataclass(frozen=True)
class Warning:
    person_id: int
    username: str
    item_id: int
    party: str
    declared_party: str
    relation: str


def _zone_of(code: Any) -> dt.tzinfo:
    unit = Unit.objects.filter(code=code).first() if isinstance(code, str) and "\x00" not in code else None
    return unit.tz if unit is not None else timezone.get_default_timezone()


def agenda_create(*, actor: Person, data: Any, now: dt.datetime | None = None) -> Agenda:
    now = now or timezone.now()
    check = Check()
    body = check.body(data)
    code = check.text(body, "unit", limit=64)
    unit = Unit.objects.filter(code=code).first() if code else None
    if code and unit is None:
        check.fail("unit", "unknown_code", value=code)
    title = check.text(body, "title", limit=MAX_TITLE)
    kind = check.choice(body, "kind", DecisionKind.values, aliases=DECISION_KIND_ALIASES)
    meets_at = check.instant(body, "meets_at", zone=unit.tz if unit else _zone_of(code))
    if meets_at is not None and meets_at <= now:
        check.fail("meets_at", "date_in_past")
    items: list[dict[str, Any]] = []
    raw_items = check.items(body, "items", limit=MAX_ITEMS)
    if not raw_items and check.ok("items"):
        check.fail("items", "empty_list")
    for i, raw in enumerate(raw_items):
        where = f"items.{i}"
        entry = check.obj(raw, where)
        item_title = check.text(entry, "title", field=f"{where}.title", limit=MAX_TITLE)
        parties: list[str] = []
        for j, party in enumerate(check.items(entry, "parties", field=f"{where}.parties", limit=MAX_PARTIES)):
            value = check.text({"v": party}, "v", field=f"{where}.parties.{j}", limit=MAX_NAME)
            if value:
                parties.append(value)
        items.append({"title": item_title, "parties": parties})
    usernames = check.items(body, "participants", limit=MAX_PARTICIPANTS)
    if not usernames and check.ok("participants"):
        check.fail("participants", "empty_list")
    wanted: list[str] = []
    for j, username in enumerate(usernames):
        if not isinstance(username, str) or not username.strip() or "\x00" in username or len(username) > 150:
            check.fail(f"participants.{j}", "not_text")
        elif username.strip() not in wanted:
            wanted.append(username.strip())
    people = {p.username: p for p in Person.objects.filter(username__in=wanted, is_active=True)}
    unknown = [u for u in wanted if u not in people]
    if unknown:
        check.fail("participants", "unknown_person", value=", ".join(unknown))
    check.done()
    assert unit is not None and meets_at is not None
    if not access.may_publish_agenda(actor, unit):
        raise Forbidden("agenda_publish_forbidden")
    with transaction.atomic():
        agenda = Agenda(
            unit=unit, title=title, kind=kind, meets_at=meets_at, created_by=actor, created_at=now
        )
        sealing.new_key(agenda)
        agenda.save()
        for order, entry in enumerate(items, start=1):
            item = AgendaItem(agenda=agenda, order=order)
            item.sealed = sealing.seal(item, "content", entry, key_row=agenda)
            item.save()
        AgendaParticipant.objects.bulk_create(
            [AgendaParticipant(agenda=agenda, person=people[u]) for u in wanted]
        )
        audit(
            "agenda_published",
            actor,
            unit=unit,
            at=now,
            agenda=agenda.pk,
            items=len(items),
            participants=len(wanted),
        )
        _announce(agenda, now)
        return agenda


def _announce(agenda: Agenda, now: dt.datetime) -> None:
    context = {
        "title": agenda.title,
        "unit": agenda.unit.name,
        "meets": agenda.meets_at,
        "zone": agenda.unit.effective_timezone,
    }
    path = f"/agenda/{agenda.pk}/"
    participants = [p.person for p in agenda.participants.select_related("person")]
    notices.tell(participants, "agenda_invited", role="participant", path=path, context=context, at=now)
    found = warnings(agenda)
    if not found:
        return
    warned = {w.person_id for w in found}
    notices.tell(
        [p for p in participants if p.pk in warned],
        "agenda_warning",
        role="participant",
        path=path,
        context={**context, "mine": True},
        at=now,
    )
    from integritas.prevention.gratifications import team_for

    notices.tell(
        team_for(agenda.unit, exclude=warned),
        "agenda_warning",
        role="team",
        path=path,
        context={**context, "mine": False},
        at=now,
    )


def items_of(agenda: Agenda) -> list[tuple[AgendaItem, dict[str, Any]]]:
    return [
        (item, sealing.unseal(item, "content", item.sealed, key_row=agenda) or {})
        for item in agenda.items.all().order_by("order", "id")
    ]


def warnings(agenda: Agenda, items: list[tuple[AgendaItem, dict[str, Any]]] | None = None) -> list[Warning]:
    """Each participant whose declared parties name-match an item's parties, with both names."""
    items = items if items is not None else items_of(agenda)
    seats = list(agenda.participants.select_related("person").order_by("id"))
    declared = screening.declared_parties([s.person_id for s in seats])
    found: list[Warning] = []
    for seat in seats:
        parties = declared.get(seat.person_id) or []
        if not parties:
            continue
        for item, content in items:
            for party in content.get("parties") or []:
                wanted = names.tokens(party)
                for mine in parties:
                    if names.same_tokens(names.tokens(mine.name), wanted):
                        found.append(
                            Warning(
                                person_id=seat.person_id,
                                username=seat.person.username,
                                item_id=item.pk,
                                party=party,
                                declared_party=mine.name,
                                relation=mine.relation,
                            )
                        )
    return found


def agenda_state(
    *, agenda: Agenda, item_id: Any, actor: Person, data: Any, now: dt.datetime | None = None
) -> AgendaStatement:
    """A participant's statement on one item: input (422), item (404), time (409), who (403)."""
    now = now or timezone.now()
    check = Check()
    body = check.body(data)
    conflict = check.boolean(body, "conflict")
    reason = check.text(body, "reason", required=conflict, limit=MAX_REASON) if conflict else ""
    check.done()
    item = access.get_row(AgendaItem.objects.filter(agenda=agenda), item_id, "agenda_item_not_found")
    with transaction.atomic():
        locked = Agenda.objects.select_for_update().get(pk=agenda.pk)
        if now >= locked.meets_at:
            raise WrongState("agenda_meeting_started")
        if not access.is_participant(actor, agenda):
            raise Forbidden("agenda_participants_only")
        statement, _ = AgendaStatement.objects.update_or_create(
            item=item,
            person=actor,
            defaults={
                "conflict": conflict,
                "sealed_reason": sealing.seal(AgendaStatement(), "reason", reason, key_row=agenda)
                if conflict
                else None,
                "at": now,
            },
        )
        audit(
            "agenda_statement",
            actor,
            unit=agenda.unit,
            at=now,
            agenda=agenda.pk,
            item=item.pk,
            conflict=conflict,
        )
        return statement


def sees_everything(viewer: Person, agenda: Agenda) -> bool:
    """The team of the agenda's unit or above sees every warning and every reason."""
    return access.oversees_unit(viewer, agenda.unit)


def agenda_view(agenda: Agenda, viewer: Person, *, audited: bool = True) -> dict[str, Any]:
    """The agenda as API.md shapes it, as far as the viewer may see it."""
    team = sees_everything(viewer, agenda)
    items = items_of(agenda)
    statements: dict[int, list[AgendaStatement]] = {}
    for row in (
        AgendaStatement.objects.filter(item__agenda=agenda).select_related("person").order_by("at", "id")
    ):
        statements.setdefault(row.item_id, []).append(row)
    seats = list(agenda.participants.select_related("person").order_by("person__name", "person__username"))
    zone = agenda.unit.tz
    found = [w for w in warnings(agenda, items) if team or w.person_id == viewer.pk]
    if audited:
        audit("agenda_viewed", viewer, unit=agenda.unit, agenda=agenda.pk)
    return {
        "id": agenda.pk,
        "unit": agenda.unit.code,
        "title": agenda.title,
        "kind": agenda.kind,
        "meets_at": agenda.meets_at.astimezone(zone).isoformat(),
        "items": [
            {
                "id": item.pk,
                "title": content.get("title") or "",
                "parties": list(content.get("parties") or []),
                "statements": [
                    {
                        "username": s.person.username,
                        "conflict": s.conflict,
                        "reason": sealing.unseal(AgendaStatement(), "reason", s.sealed_reason, key_row=agenda)
                        if s.conflict and (team or s.person_id == viewer.pk)
                        else None,
                        "at": s.at.astimezone(zone).isoformat(),
                    }
                    for s in statements.get(item.pk, [])
                ],
            }
            for item, content in items
        ],
        "participants": [{"username": s.person.username, "name": s.person.display_name} for s in seats],
        "warnings": [
            {
                "username": w.username,
                "item_id": w.item_id,
                "party": w.party,
                "declared_party": w.declared_party,
                "relation": w.relation,
            }
            for w in found
        ],
    }


def minutes(agenda: Agenda) -> dict[str, Any]:
    """Who recused from what, who stated no conflict, who said nothing: never the reasons."""
    items = items_of(agenda)
    seats = list(agenda.participants.select_related("person").order_by("person__name", "person__username"))
    by_item: dict[int, dict[int, AgendaStatement]] = {}
    for row in AgendaStatement.objects.filter(item__agenda=agenda):
        by_item.setdefault(row.item_id, {})[row.person_id] = row
    rows = []
    for item, content in items:
        stated = by_item.get(item.pk, {})
        rows.append(
            {
                "id": item.pk,
                "order": item.order,
                "title": content.get("title") or "",
                "recused": [
                    s.person for s in seats if s.person_id in stated and stated[s.person_id].conflict
                ],
                "no_conflict": [
                    s.person for s in seats if s.person_id in stated and not stated[s.person_id].conflict
                ],
                "silent": [s.person for s in seats if s.person_id not in stated],
            }
        )
    return {"agenda": agenda, "items": rows, "participants": [s.person for s in seats]}
