"""Who hears about changes that touch case access (SECURITY.md, "Separation of duties").

- A change to a team's membership is asked for: the team itself hears of it (or, while it has no
  member, the nearest team above it), so a stranger cannot be slipped in unseen; they can approve it.
- A new password is asked for someone: the nearest team of each unit where that person holds a
  position or sits on a team (the people who may approve it); for someone without either, the other
  administrators.
- A change is approved: the team and the person concerned hear of it; a new password: the person.
- A change is refused: the administrator who asked.

Every message is an in-app notice plus an e-mail through the outbox (``notify.outbox.queue_staff``),
written in the transaction of the change, in each reader's language. It names people and units only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from integritas.orgs.models import (
    Holding,
    PendingChange,
    PendingKind,
    PendingState,
    Person,
    TeamMembership,
    Unit,
)

APPROVALS_PATH = "/persetujuan/"
MAX_LISTED = 20


def _nearest_team(unit_ids: Iterable[int]) -> dict[int, list[Person]]:
    """For each unit, the active members of its own team, or of the nearest team above it."""
    units = list(Unit.objects.filter(pk__in=set(unit_ids)).only("id", "path"))
    chain_ids = {a for u in units for a in u.ancestor_ids()}
    members: dict[int, list[Person]] = defaultdict(list)
    for membership in (
        TeamMembership.objects.filter(unit_id__in=chain_ids, person__is_active=True)
        .select_related("person")
        .order_by("person__username")
    ):
        members[membership.unit_id].append(membership.person)
    found: dict[int, list[Person]] = {}
    for unit in units:
        for ancestor in reversed(unit.ancestor_ids()):
            if members.get(ancestor):
                found[unit.pk] = members[ancestor]
                break
    return found


def _item(change: PendingChange) -> dict[str, Any]:
    unit = change.unit
    return {
        "kind": change.kind,
        "unit_name": unit.name if unit is not None else "",
        "unit_code": unit.code if unit is not None else "",
        "person_name": change.person.display_name,
        "username": change.person.username,
        "requested_by": change.requested_by_name,
        "reason": change.reason,
    }


def _send(person: Person, kind: str, context: dict[str, Any]) -> None:
    from integritas.notify.models import Role
    from integritas.notify.outbox import queue_staff
    from integritas.notify.render import public_url

    queue_staff(
        person=person,
        kind=kind,
        role=Role.TEAM,
        context={"link": public_url(APPROVALS_PATH), **context},
    )


def pending_requested(changes: list[PendingChange]) -> None:
    """Tell the people who may approve (one message each per batch of requests)."""
    if not changes:
        return
    unit_of: dict[int, list[int]] = {}
    person_ids = [c.person_id for c in changes if c.unit_id is None]
    held: dict[int, set[int]] = defaultdict(set)
    if person_ids:
        for person_id, unit_id in Holding.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "position__unit_id"
        ):
            held[person_id].add(unit_id)
        for person_id, unit_id in TeamMembership.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "unit_id"
        ):
            held[person_id].add(unit_id)
    for change in changes:
        unit_of[id(change)] = [change.unit_id] if change.unit_id else sorted(held[change.person_id])
    teams = _nearest_team({u for units in unit_of.values() for u in units})
    by_reader: dict[int, tuple[Person, list[PendingChange]]] = {}
    admins: list[Person] | None = None
    for change in changes:
        readers = [r for unit_id in unit_of[id(change)] for r in teams.get(unit_id, [])]
        if not readers:  # nobody on a team reads this person's cases: another administrator approves
            if admins is None:
                admins = list(Person.objects.filter(is_admin=True, is_active=True).order_by("username"))
            readers = admins
        for reader in readers:
            if reader.pk in (change.person_id, change.requested_by_id):
                continue
            by_reader.setdefault(reader.pk, (reader, []))[1].append(change)
    for reader, items in by_reader.values():
        unique = list({c.pk: c for c in items}.values())
        _send(
            reader,
            "org_change_requested",
            {
                "items": [_item(c) for c in unique[:MAX_LISTED]],
                "count": len(unique),
                "more": len(unique) > MAX_LISTED,
            },
        )


def pending_decided(change: PendingChange) -> None:
    item = _item(change)
    decided_by = change.decided_by.display_name if change.decided_by is not None else ""
    if change.state == PendingState.APPROVED:
        if change.kind == PendingKind.PASSWORD:
            _send(change.person, "password_changed", {"item": item, "decided_by": decided_by})
            return
        readers = {
            m.person.pk: m.person
            for m in TeamMembership.objects.filter(unit=change.unit, person__is_active=True).select_related(
                "person"
            )
        }
        readers.setdefault(change.person.pk, change.person)
        for reader in readers.values():
            _send(reader, "team_changed", {"item": item, "decided_by": decided_by})
    elif change.state == PendingState.REJECTED and change.requested_by is not None:
        _send(change.requested_by, "org_change_rejected", {"item": item, "decided_by": decided_by})
