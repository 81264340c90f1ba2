"""The history of a case, and the effects of each entry, in one visible place.

Every service that changes a case ends by calling :func:`record_event`: it writes the Event row
(data, never prose), then, in the same transaction, appends the audit entry
(:func:`integritas.audit.events.record_case_event`) and queues who must hear about it
(:func:`integritas.notify.events.on_case_event`). There are no signal receivers: what happens is
what this function calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from integritas import batching
from integritas.audit.events import record_case_event
from integritas.cases import access, tallies
from integritas.cases.models import (
    ActorRole,
    Case,
    CaseHandler,
    Event,
    EventKind,
    FollowUp,
    Stage,
)
from integritas.cases.routing import Assignment
from integritas.cases.steps import record_step
from integritas.notify.events import on_case_event
from integritas.orgs.models import Person, Position, Unit


@dataclass(frozen=True)
class Clock:
    """A stage's clock as it stood when a step was taken: the step is on time when done by ``due_at``."""

    stage: Stage
    started_at: dt.datetime | None
    due_at: dt.datetime | None


_STAGES = frozenset(Stage.values)


def clock_of(case: Case) -> Clock | None:
    """The clock of the stage the case is in now (None when closed)."""
    if case.status not in _STAGES:
        return None
    return Clock(Stage(case.status), case.stage_started_at, case.due_at)


@dataclass(frozen=True)
class Actor:
    """Who acted, as the history shows it: a role, and the position or team acted for."""

    role: ActorRole
    person: Person | None = None
    position: Position | None = None
    team: Unit | None = None


SYSTEM = Actor(ActorRole.SYSTEM)
REPORTER = Actor(ActorRole.REPORTER)


def actor_of(person: Person | None, case: Case) -> Actor:
    """The capacity in which ``person`` acts on ``case`` (never their name: the reporter sees it)."""
    if person is None:
        return SYSTEM
    if case.handler_person_id == person.pk and case.handler_position is not None:
        return Actor(ActorRole.POSITION, person, position=case.handler_position)
    if case.handler_team_id is not None and case.handler_team_id in access.team_unit_ids(person):
        return Actor(ActorRole.TEAM, person, team=case.handler_team)
    row = (
        CaseHandler.objects.filter(case=case, person=person, position__isnull=False)
        .select_related("position")
        .order_by("-assigned_at", "-pk")
        .first()
    )
    if row is not None and row.position is not None:
        return Actor(ActorRole.POSITION, person, position=row.position)
    team = access.overseeing_team(person, case)
    if team is not None:
        return Actor(ActorRole.TEAM, person, team=team)
    return Actor(ActorRole.POSITION, person)


def record_event(
    case: Case,
    kind: EventKind,
    *,
    at: dt.datetime,
    actor: Actor,
    from_status: str = "",
    to: Assignment | None = None,
    follow_up: FollowUp | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    clock: Clock | None = None,
    tally: dict[str, int] | None = None,
) -> Event:
    """Write one history row for ``case`` (already changed and saved), audit it and notify.

    ``from_status`` is the state before a transition (``case.status`` is the state after it), empty
    for an entry that moves nothing (a message, a statement, a follow-up action);
    ``to`` where the case went; ``note`` only what a person wrote; ``clock`` the clock of the
    stage this step ended (monitoring counts steps on time with it); ``tally`` what else the change
    adds to the monitoring tallies (``cases.tallies``: follow-up actions, recusals), beside the state,
    outcome and step counted here.
    """
    event = batching.made(
        Event,
        case=case,
        at=at,
        kind=kind,
        actor=actor.person,
        actor_role=actor.role,
        actor_position=actor.position,
        actor_team=actor.team,
        from_status=from_status,
        to_status=case.status,
        to_position=to.position if to else None,
        to_team=to.team if to else None,
        follow_up=follow_up,
        note=note,
        data=data or {},
        stage=clock.stage if clock else "",
        stage_started_at=clock.started_at if clock else None,
        stage_due_at=clock.due_at if clock else None,
    )
    if not batching.add(event):  # a batch (the sweep) inserts its rows together
        event.save(force_insert=True)
    record_step(case, event)
    keys = tallies.status_keys(from_status, case)
    if event.stage:
        keys.update(tallies.step_keys(event.stage, kind, at, event.stage_started_at, event.stage_due_at))
    keys.update(tally or {})
    tallies.add(case, keys)  # one statement with the row (or kept for the batch or the intake's end)
    # The effects, in this transaction: the audit entry exists iff the change does, and so do the
    # outbox rows (they are sent after commit by the outbox workers).
    record_case_event(event)
    on_case_event(case, event)
    return event
