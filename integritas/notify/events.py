"""Who hears what (SPEC §8), decided inside the transaction of each case transition.

- The new handler, when a case reaches them (routing, triage, escalation, recusal, a founded
  examination sending it to review): the stage, the due time in the unit's local time, a link.
- The team of a unit, the first time a case enters that unit (the case's own unit at submission, the
  handler's unit when it moves up); the team overseeing the case when follow-up is due.
- On a missed deadline: the handler, the next superior (told by the assignment itself when the
  case is escalated to them at once) and the overseeing team.
- The reporter who left an address: the acknowledgement with the reference (never the receipt),
  each change of stage, each message from the handlers (a notice, never the text).
- The subject: nothing. Holders of the subject's position, the reporter and whoever recused are
  left out of every list of staff recipients.

Staff messages carry no identity and no chronology: only the reference, unit, stage, due time and
position titles. Each person hears about one event once, under the most specific kind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from integritas import batching
from integritas.cases import routing, timeline
from integritas.cases.models import HANDOVER_KINDS, REVIEWED_KINDS, Case, Event, EventKind, Status
from integritas.notify import outbox
from integritas.notify.models import Milestone, Role
from integritas.notify.render import (
    TRACK_PATH,
    case_path,
    format_local,
    in_language,
    language_of,
    public_url,
    speaking,
    stage_label,
)
from integritas.orgs.models import Person, Unit

ASSIGNING = HANDOVER_KINDS
# What the reporter is told about: every change of stage or of who handles the case.
REPORTER_UPDATES = frozenset(
    {
        EventKind.ROUTED,
        EventKind.TRIAGE,
        EventKind.EXAMINED_UNFOUNDED,
        EventKind.EXAMINED_FOUNDED,
        *REVIEWED_KINDS,
        EventKind.ESCALATED,
        EventKind.ESCALATED_OVERDUE,
        EventKind.RECUSED,
        EventKind.CLOSED,
    }
)


# ---------------------------------------------------------------- recipients


def local_today(case: Case, at: dt.datetime) -> dt.date:
    return at.astimezone(case.unit.tz).date()


def team_members(unit: Unit | None, excluded: set[int]) -> list[Person]:
    if unit is None:
        return []
    read = routing.team_of(unit, excluded)
    if read is not None:
        return read
    return list(
        Person.objects.filter(team_memberships__unit=unit, is_active=True)
        .exclude(pk__in=excluded)
        .order_by("username")
    )


def current_handlers(case: Case, excluded: set[int]) -> list[Person]:
    if case.handler_person is not None:
        return [] if case.handler_person.pk in excluded else [case.handler_person]
    return team_members(case.handler_team, excluded)


def overseeing_team(case: Case, excluded: set[int]) -> list[Person]:
    """The team of the case's unit, or the nearest team above it."""
    assignment = routing.team_from(case.unit, excluded)
    return team_members(assignment.team if assignment else None, excluded)


def handler_unit(case: Case) -> Unit | None:
    if case.handler_position is not None:
        return case.handler_position.unit
    return case.handler_team


def handler_title(case: Case) -> str:
    """The handler of the open case in the active language (a position's title, or a unit's team)."""
    return timeline.current_handler(case) or ""


def first_time(case: Case, key: str, at: dt.datetime) -> bool:
    """Record that ``key`` was announced for the case; False if it already was (by anyone).

    Outside a batch: one statement that inserts unless the unique (case, key) row exists, with no read
    first and no savepoint; a second sender's insert waits for the first one's transaction and then
    does nothing.
    """
    read = _batch_milestones(case)
    if read is not None:  # the batch holds the case's row lock: nobody else announces it meanwhile
        if key in read:
            return False
        read.add(key)
        batching.add(batching.Values(Milestone, case_id=case.pk, key=key, at=at))
        return True
    table, quote = Milestone._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({quote('case_id')}, {quote('key')}, {quote('at')}) "
            f"VALUES (%s, %s, %s) ON CONFLICT ({quote('case_id')}, {quote('key')}) DO NOTHING "
            f"RETURNING {quote('id')}",
            [case.pk, key, connection.ops.adapt_datetimefield_value(at)],
        )
        return cursor.fetchone() is not None


def _batch_milestones(case: Case) -> set[str] | None:
    """The keys announced for ``case`` when a batch (the sweep) read them for its locked cases."""
    current = routing.reads()
    if current is None or batching.current() is None:
        return None
    known: dict[int, set[str]] = current.extra.setdefault("milestones", {})
    return known.get(case.pk)


def none_announced(case: Case) -> None:
    """A case made in this batch's transaction has no milestone yet: ``first_time`` need not read them."""
    current = routing.reads()
    if current is not None:
        current.extra.setdefault("milestones", {})[case.pk] = set()


def read_milestones(cases: list[Case]) -> None:
    """Read the milestones of a batch's (locked) cases once, for ``first_time``."""
    current = routing.reads()
    if current is None:
        return
    known: dict[int, set[str]] = current.extra.setdefault("milestones", {})
    for case in cases:
        known[case.pk] = set()
    for case_id, key in Milestone.objects.filter(case_id__in=[c.pk for c in cases]).values_list(
        "case_id", "key"
    ):
        known[case_id].add(key)


class Recipients:
    """Staff recipients of one event: one message per person, the first (most specific) kind wins."""

    def __init__(self) -> None:
        self.items: dict[int, tuple[Person, str, str, dict[str, Any]]] = {}

    def add(self, people: list[Person], kind: str, role: str, **extra: Any) -> None:
        for person in people:
            self.items.setdefault(person.pk, (person, kind, role, extra))

    def send(self, case: Case, context: dict[str, Any], at: dt.datetime) -> None:
        # Dates and titles are written in the reader's language: the case's context and the extras
        # are resolved once per language (under one switch of it), and the recipients added together
        # who read the same language share one context (``queue_staff_many`` reads it once).
        items = []
        people = [(person, language_of(person.language), kind, role, extra)
                  for person, kind, role, extra in self.items.values()]  # fmt: skip
        wanted: dict[str, dict[int, dict[str, Any]]] = {}
        for _, language, _, _, extra in people:
            wanted.setdefault(language, {})[id(extra)] = extra
        contexts: dict[str, dict[str, Any]] = {}
        extras: dict[tuple[int, str], dict[str, Any]] = {}
        for language, distinct in wanted.items():
            with speaking(language):
                contexts[language] = _staff_context(case)
                for extra_id, extra in distinct.items():
                    extras[(extra_id, language)] = {k: in_language(v) for k, v in extra.items()}
        merged: dict[tuple[str, int, str], dict[str, Any]] = {}
        for person, language, kind, role, extra in people:
            shared = (language, id(extra), role)
            if shared not in merged:
                merged[shared] = {
                    **contexts[language],
                    **context,
                    "role": role,
                    **extras[(id(extra), language)],
                }
            items.append((person, kind, role, merged[shared]))
        outbox.queue_staff_many(items, case=case, at=at, defer=True)


def context_for(case: Case, language: str) -> dict[str, Any]:
    """What staff mail may say about a case: no identity, no chronology, no decision details."""
    with speaking(language):
        return _staff_context(case)


def _staff_context(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "unit_name": case.unit.name,
        "unit_code": case.unit.code,
        "stage": stage_label(case.status),
        "status": case.status,
        "due": format_local(case.due_at, case.unit.effective_timezone),
        "handler_title": handler_title(case),
        "link": public_url(case_path(case.reference)),
    }


def reporter_context(case: Case, event: Event | None, language: str) -> dict[str, Any]:
    with speaking(language):
        return _reporter_context(case, event)


def _reporter_context(case: Case, event: Event | None) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "stage": stage_label(case.status),
        "status": case.status,
        "due": format_local(case.due_at, case.unit.effective_timezone)
        if case.status in (Status.TRIAGE, Status.EXAMINATION, Status.REVIEW)
        else "",
        "handler_title": handler_title(case),
        # What an official wrote for the reporter (the reasons of an unfounded report, the closing
        # summary) stays in the tracking page, like their messages: the mail says only what happened.
        "note": timeline.notice_sentence(event) if event is not None else "",
        "written": bool(timeline.reporter_text(event)) if event is not None else False,
        "event": event.kind if event is not None else "",
        "link": public_url(TRACK_PATH),
    }


# ---------------------------------------------------------------- the dispatcher


def on_case_event(case: Case, event: Event) -> None:
    """Called by ``cases.history.record_event`` for every history row, in its transaction."""
    code = event.kind
    at = event.at
    excluded = routing.excluded_people(case, local_today(case, at))
    staff = Recipients()

    if code in ASSIGNING:
        staff.add(current_handlers(case, excluded), "assigned", Role.HANDLER, reason=code)
        units = [case.unit, handler_unit(case)]
        for unit in dict.fromkeys(u for u in units if u is not None):
            if first_time(case, f"entered:{unit.pk}", at):
                staff.add(team_members(unit, excluded), "team_entered", Role.TEAM, entered_unit=unit.name)

    elif code == EventKind.OVERDUE:
        above = routing.next_up(case, local_today(case, at))
        escalating = bool(case.unit.effective_policy.get("auto_escalate", True)) and above is not None
        missed = {"missed_title": lambda: handler_title(case), "escalating": escalating}
        staff.add(current_handlers(case, excluded), "overdue", Role.HANDLER, **missed)
        # When the sweep escalates at once, the next superior hears it from the assignment mail
        # (which says why); otherwise they are told here.
        if above is not None and not escalating:
            people = [above.person] if above.person is not None else team_members(above.team, excluded)
            staff.add(people, "overdue", Role.SUPERIOR, **missed)
        staff.add(overseeing_team(case, excluded), "overdue", Role.TEAM, **missed)

    elif code in REVIEWED_KINDS:
        staff.add(overseeing_team(case, excluded), "follow_up_needed", Role.TEAM)

    elif code == EventKind.MESSAGE_FROM_REPORTER:
        if case.status in (Status.TRIAGE, Status.EXAMINATION, Status.REVIEW):
            people = current_handlers(case, excluded)
        else:
            people = overseeing_team(case, excluded)
        staff.add(people, "reporter_replied", Role.HANDLER)

    staff.send(case, {"reason": code}, at)
    _tell_reporter(case, event)


def _tell_reporter(case: Case, event: Event) -> None:
    code = event.kind
    if code in (EventKind.ROUTED, EventKind.TRIAGE) and first_time(case, "reporter_ack", event.at):
        kind = "reporter_ack"
    elif code in REPORTER_UPDATES:
        kind = "reporter_status"
    elif code == EventKind.MESSAGE_TO_REPORTER:
        kind = "reporter_message"
    else:
        return
    address, _, language = outbox.reporter_contact(case)
    if address:
        outbox.queue_reporter(
            case=case, kind=kind, context=reporter_context(case, event, language), at=event.at, defer=True
        )
