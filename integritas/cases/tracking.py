"""What the reporter sees: the case a receipt opens, and one view of it (status, who handles it, the
timeline, messages both ways, evidence) that the tracking page and ``GET /track`` both render.

Words are in the active language: the view is built per request. It never names a member of staff:
positions and teams only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from integritas.cases import content, timeline
from integritas.cases.models import ActorRole, Case, Evidence, Message, Sender, Status
from integritas.cases.receipts import receipt_hash
from integritas.errors import NotAuthenticated
from integritas.security.throttle import receipt_guard

MAX_RECEIPT = 100


def case_for_receipt(receipt: str | None, address: str) -> Case:
    """The case a receipt opens. Raises NotAuthenticated (counted as a failure) for a receipt that opens
    nothing, and TooManyAttempts while this address may not try receipts that begin like this one
    (``ReceiptGuard``: other people's mistakes never hold up a correct receipt)."""
    if not receipt or not receipt.strip():
        raise NotAuthenticated("receipt_required")
    guard = receipt_guard()
    guard.check(address, receipt)
    case = None
    if len(receipt) <= MAX_RECEIPT and "\x00" not in receipt:
        case = (
            Case.objects.select_related("unit", "handler_position", "handler_team")
            .filter(receipt_hash=receipt_hash(receipt))
            .first()
        )
    if case is None:
        guard.fail(address, receipt)
        raise NotAuthenticated("bad_receipt")
    return case


@dataclass(frozen=True)
class FileLine:
    id: int
    name: str
    size: int
    content_type: str
    sender: str
    at: dt.datetime
    message_id: int | None


@dataclass(frozen=True)
class TimelineLine:
    at: dt.datetime
    event: str
    sentence: str
    text: str | None  # what a person wrote that the reporter reads (reasons, summary)
    actor: str  # the position or team that acted; "" for the system and the reporter

    @property
    def note(self) -> str:
        return f"{self.sentence} {self.text}" if self.text else self.sentence


@dataclass(frozen=True)
class MessageLine:
    id: int
    at: dt.datetime
    sender: str
    author: str  # the position that wrote ("" for the reporter)
    text: str
    files: list[FileLine] = field(default_factory=list)


@dataclass(frozen=True)
class ReporterView:
    case: Case
    handler: str | None
    timeline: list[TimelineLine]
    messages: list[MessageLine]
    evidence: list[FileLine]

    @property
    def report_files(self) -> list[FileLine]:
        """The files sent with the report itself (not with a message)."""
        return [f for f in self.evidence if f.message_id is None]

    @property
    def due_at(self) -> dt.datetime | None:
        """The deadline of the stage the reporter waits for (none in follow-up or once closed)."""
        return self.case.due_at if self.case.is_open and self.case.status != Status.FOLLOW_UP else None


def reporter_view(case: Case) -> ReporterView:
    files = [
        FileLine(
            id=e.pk,
            name=content.evidence_name(e, case),
            size=e.size,
            content_type=e.content_type,
            sender=e.sender,
            at=e.created_at,
            message_id=e.message_id,
        )
        for e in Evidence.objects.filter(case=case).order_by("created_at", "id")
    ]
    messages = [
        MessageLine(
            id=m.pk,
            at=m.at,
            sender=m.sender,
            author=m.author_title if m.sender == Sender.HANDLER else "",
            text=content.message_text(m, case),
            files=[f for f in files if f.message_id == m.pk],
        )
        for m in Message.objects.filter(case=case).order_by("at", "id")
    ]
    lines = [
        TimelineLine(
            at=ev.at,
            event=ev.kind,
            sentence=timeline.sentence(ev),
            text=timeline.reporter_text(ev),
            actor=timeline.actor_label(ev) if ev.actor_role in (ActorRole.POSITION, ActorRole.TEAM) else "",
        )
        for ev in timeline.events_for_reporter(case)
    ]
    return ReporterView(
        case=case, handler=timeline.current_handler(case), timeline=lines, messages=messages, evidence=files
    )
