"""What the reporter sees on the tracking pages (web): the case a receipt opens, and its timeline as
structured items (event code, who acted by position title, to whom it went, free text people wrote),
so that the pages render every label in the visitor's language. The API keeps
``presenters.for_reporter``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from integritas.cases.models import Case, CaseHandler, Event, FollowUp
from integritas.cases.receipts import receipt_hash
from integritas.errors import NotAuthenticated
from integritas.security.throttle import receipt_throttle

TEAM_PREFIX = "Tim Penanganan Benturan Kepentingan"
# Events whose public note names the handler the case went to.
HANDOVER_EVENTS = {"triage", "routed", "examined_founded", "escalated", "escalated_overdue", "recused"}
_TEAM_IN_NOTE = re.compile(re.escape(TEAM_PREFIX) + r" (?P<unit>.+?)(?: untuk |\.$)")


@dataclass(frozen=True)
class Handler:
    """A position title, or the COI handling team of a unit (``team`` True, ``title`` the unit name)."""

    title: str
    team: bool = False


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    event: str
    actor_title: str  # a position title, or "Sistem" / "Pelapor" / the team (as stored)
    handler: Handler | None  # who the case went to (hand-over events)
    text: str | None  # free text people wrote that the reporter may read (findings, summary)
    follow_up_title: str | None = None
    follow_up_due: dt.date | None = None


def case_for_receipt(receipt: str | None, address: str) -> Case:
    """The case a receipt opens. Raises TooManyAttempts while the address is locked out, and
    NotAuthenticated (counted as a failure) for a receipt that opens nothing."""
    if not receipt or not receipt.strip():
        raise NotAuthenticated("Enter the receipt", code="receipt_required")
    throttle = receipt_throttle()
    throttle.check(address)
    case = None
    if len(receipt) <= 100 and "\x00" not in receipt:
        case = (
            Case.objects.select_related("unit", "handler_position", "handler_team")
            .filter(receipt_hash=receipt_hash(receipt))
            .first()
        )
    if case is None:
        throttle.fail(address)
        raise NotAuthenticated("Receipt not recognised", code="bad_receipt")
    return case


def current_handler(case: Case) -> Handler | None:
    if not case.is_open:
        return None
    if case.handler_position is not None:
        return Handler(case.handler_position.title)
    if case.handler_team is not None:
        return Handler(case.handler_team.name, team=True)
    return None


def _handler_from_note(note: str) -> Handler | None:
    match = _TEAM_IN_NOTE.search(note or "")
    return Handler(match.group("unit"), team=True) if match else None


def reporter_timeline(case: Case) -> list[TimelineItem]:
    """The public events of the case, oldest first, without names of people or internal notes."""
    events = list(Event.objects.filter(case=case, public=True).order_by("at", "id"))
    assigned = {
        row.assigned_at: row.position.title
        for row in CaseHandler.objects.filter(case=case, position__isnull=False).select_related("position")
    }
    follow_ups = list(FollowUp.objects.filter(case=case))
    items: list[TimelineItem] = []
    for ev in events:
        handler: Handler | None = None
        text: str | None = None
        fu_title: str | None = None
        fu_due: dt.date | None = None
        if ev.event in HANDOVER_EVENTS:
            title = assigned.get(ev.at)
            handler = Handler(title) if title else _handler_from_note(ev.public_note)
        if ev.event in ("examined_unfounded", "closed"):
            text = ev.note or None  # the findings / the summary: the reporter is told the reasons
        elif ev.event == "follow_up_added":
            match = next((f for f in follow_ups if f.created_at == ev.at and f.title == ev.note), None)
            fu_title = ev.note or None
            fu_due = match.due_date if match else None
        elif ev.event in ("follow_up_done", "follow_up_cancelled"):
            done = ev.event == "follow_up_done"
            match = next(
                (f for f in follow_ups if f.done_at == ev.at and (f.done if done else f.cancelled)), None
            )
            fu_title = match.title if match else None
        items.append(
            TimelineItem(
                at=ev.at,
                event=ev.event,
                actor_title=ev.actor_title,
                handler=handler,
                text=text,
                follow_up_title=fu_title,
                follow_up_due=fu_due,
            )
        )
    return items
