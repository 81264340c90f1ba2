"""The handling procedure of the SOP (part B), top to bottom.

B.1–B.2  case_submit     a report reaches the direct superior (case_route), or the team (triage)
B.3–B.4  case_examine    the direct superior examines within 3 working days: unfounded closes
B.5      case_review     the superior's superior reviews within 2 days: revoke, amend, reassign,
                         uphold, or case_escalate ("dan seterusnya")
C        case_recuse     a handler withdraws; the next one up takes over
B.6      follow_up_*     the team supervises the follow-up; case_close when every action is settled

Every service checks the state (409) and the actor (403), changes the rows, writes one Event row
(which signals audit and notifications inside the same transaction) and returns the case.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.cases import access, content, routing
from integritas.cases.evidence import CheckedFile, store_files
from integritas.cases.intake import ReportInput
from integritas.cases.models import (
    OPEN_STATUSES,
    OUTCOME_OF_DECISION,
    TIMED_STATUSES,
    Case,
    CaseCategory,
    CaseHandler,
    Conclusion,
    Event,
    FollowUp,
    Message,
    Outcome,
    Recusal,
    ReviewDecision,
    Sender,
    Status,
)
from integritas.cases.receipts import new_receipt, next_reference, receipt_hash
from integritas.cases.signals import case_event
from integritas.errors import Forbidden, Invalid, NotFound, WrongState
from integritas.orgs.calendar import deadline
from integritas.orgs.models import Person, Position
from integritas.vault import storage

MAX_NOTE = 20000
SUBMITTED = "submitted"  # recorded in history before the case is routed


@dataclass
class Submitted:
    case: Case
    receipt: str


# ---------------------------------------------------------------- helpers


def _local_today(case: Case, now: dt.datetime) -> dt.date:
    return now.astimezone(case.unit.tz).date()


def _due(case: Case, stage: str, start: dt.datetime) -> dt.datetime:
    """The case unit's policy and calendar govern every deadline, whoever handles it."""
    policy = case.unit.effective_policy
    return deadline(case.unit, start, int(policy[f"{stage}_days"]), str(policy[f"{stage}_day_kind"]))


def actor_title(person: Person | None, case: Case) -> str:
    """The title under which a person acts on a case (never their name: the reporter sees it)."""
    if person is None:
        return "Sistem"
    if case.handler_person_id == person.pk and case.handler_position is not None:
        return case.handler_position.title
    row = CaseHandler.objects.filter(case=case, person=person, position__isnull=False).select_related(
        "position"
    )
    last = row.order_by("-assigned_at").first()
    if last is not None and last.position is not None:
        return last.position.title
    if access.oversees(person, case):
        return "Tim Penanganan Benturan Kepentingan"
    return "Petugas"


def _event(
    case: Case,
    event: str,
    *,
    at: dt.datetime,
    actor: Person | None = None,
    from_status: str = "",
    note: str = "",
    public_note: str = "",
    public: bool = True,
    title: str | None = None,
    to_status: str | None = None,
) -> Event:
    row = Event.objects.create(
        case=case,
        at=at,
        event=event,
        actor=actor,
        actor_title=title if title is not None else actor_title(actor, case),
        from_status=from_status,
        to_status=to_status if to_status is not None else case.status,
        note=note,
        public_note=public_note,
        public=public,
    )
    case_event.send(sender=Case, case=case, event=row)
    return row


def _text(value: Any, field: str, *, required: bool = True, limit: int = MAX_NOTE) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid({field: "is required"})
        return ""
    if not isinstance(value, str):
        raise Invalid({field: "must be a string"})
    if "\x00" in value:
        raise Invalid({field: "must not contain NUL characters"})
    if len(value) > limit:
        raise Invalid({field: f"must be at most {limit} characters"})
    return value.strip()


def _require_state(case: Case, *allowed: str) -> None:
    if case.status not in allowed:
        raise WrongState(
            f"Case {case.reference} is in state '{case.status}'; this needs: {', '.join(allowed)}",
            code="wrong_state",
        )


def _require(person: Person, capability: str, case: Case, message: str) -> None:
    if not access.can(person, capability, case):
        raise Forbidden(message)


def _assign(case: Case, assignment: routing.Assignment, *, at: dt.datetime, stage: str) -> None:
    """Give the case to a handler with a fresh deadline for ``stage``."""
    case.handler_position = assignment.position
    case.handler_person = assignment.person
    case.handler_team = assignment.team
    case.stage_started_at = at
    case.due_at = _due(case, stage, at)
    case.overdue = False
    if assignment.person is not None:
        CaseHandler.objects.create(
            case=case,
            person=assignment.person,
            position=assignment.position,
            level=case.level,
            assigned_at=at,
        )


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock so that concurrent actions see each other."""
    fresh = (
        Case.objects.select_for_update(of=("self",))
        .select_related("unit", "subject_position", "handler_position", "handler_person", "handler_team")
        .get(pk=case.pk)
    )
    return fresh


# ---------------------------------------------------------------- PREVENTION SCREENING (issue 9)
# The one touch point of prevention in the handling procedure: routing's choice of handler is screened
# against that handler's own declarations (integritas.prevention.screening). Policy "skip": whoever's
# declarations name the subject's current holder is passed over (a Screening row keeps them out of
# later routings and out of the case) and routing chooses again; policy "warn": they keep the case,
# which shows "screening_warning". Both leave an internal history row the reporter never sees.


def _screened(case: Case, pick: Callable[[], routing.Assignment | None], now: dt.datetime):
    from integritas.prevention import screening

    today = _local_today(case, now)
    while True:
        assignment = pick()
        verdict = screening.judge_case(case, assignment, today)
        if verdict.skip:
            screening.record_case(case, verdict.people, skipped=True, at=now)
            _event(case, "screened", at=now, title="Sistem", from_status=case.status, public=False)
            continue
        if verdict.warn:
            screening.record_case(case, verdict.people, skipped=False, at=now)
            _event(case, "screening_warning", at=now, title="Sistem", from_status=case.status, public=False)
        return assignment


# ---------------------------------------------------------------- B.1–B.2 submission and routing


def case_submit(
    *,
    report: ReportInput,
    files: list[CheckedFile],
    reporter_person: Person | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    """File a report: reference, receipt, sealed content, evidence; then route it at once."""
    now = now or timezone.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            unit = report.unit
            year = now.astimezone(unit.tz).year
            receipt = new_receipt()
            case = Case(
                reference=next_reference(year),
                unit=unit,
                status=Status.TRIAGE,
                subject_position=report.subject_position,
                decision_kind=report.decision.get("kind", ""),
                decision_date=dt.date.fromisoformat(report.decision["date"])
                if report.decision.get("date")
                else None,
                anonymous=report.anonymous,
                receipt_hash=receipt_hash(receipt),
                created_at=now,
            )
            if reporter_person is None and report.reporter and report.reporter.get("email"):
                reporter_person = Person.objects.filter(
                    email__iexact=report.reporter["email"], is_active=True
                ).first()
            case.reporter_person = reporter_person
            key = content.new_case_key(case)
            content.seal_report(
                case,
                key,
                {
                    "description": report.description,
                    "reporter": report.reporter,
                    "decision": {k: report.decision.get(k, "") for k in ("title", "number", "date", "kind")},
                    "subject": report.subject_text,
                },
            )
            case.save()
            CaseCategory.objects.bulk_create(
                [CaseCategory(case=case, code=code) for code in report.categories]
            )
            _, written = store_files(case, files, sender=Sender.REPORTER, at=now)
            # "submitted" is the moment before routing, not a state a case rests in.
            _event(
                case,
                "submitted",
                at=now,
                title="Pelapor",
                to_status=SUBMITTED,
                public_note="Laporan diterima.",
            )
            if case.subject_position is not None:
                case_route(case=case, now=now, from_status=SUBMITTED)
            else:
                _to_triage(case, now=now, from_status=SUBMITTED)
            return Submitted(case=case, receipt=receipt)
    except BaseException:
        for name in written:
            with contextlib.suppress(Exception):
                storage.delete(name)
        raise


def _to_triage(case: Case, *, now: dt.datetime, from_status: str | None = None) -> None:
    assignment = routing.team_from(case.unit, routing.excluded_people(case, _local_today(case, now)))
    from_status = from_status if from_status is not None else case.status
    case.status = Status.TRIAGE
    case.level = 0
    if assignment is not None:
        _assign(case, assignment, at=now, stage="triage")
    case.save()
    _event(
        case,
        "triage",
        at=now,
        title="Sistem",
        from_status=from_status,
        public_note=f"Laporan diteruskan kepada {assignment.title if assignment else 'Tim Penanganan'} "
        "untuk menentukan pejabat yang berwenang.",
    )


def case_route(
    *, case: Case, now: dt.datetime | None = None, actor: Person | None = None, from_status: str | None = None
) -> Case:
    """Send the case to the direct superior of the subject's position (skipping whoever may not handle)."""
    now = now or timezone.now()
    from_status = from_status if from_status is not None else case.status
    assignment = _screened(case, lambda: routing.first_handler(case, _local_today(case, now)), now)
    if assignment is None:
        _to_triage(case, now=now, from_status=from_status)
        return case
    case.status = Status.EXAMINATION
    case.level = 1
    _assign(case, assignment, at=now, stage="examination")
    case.save()
    _event(
        case,
        "routed",
        at=now,
        actor=actor,
        from_status=from_status,
        title=actor_title(actor, case) if actor else "Sistem",
        public_note=f"Laporan diteruskan kepada {assignment.title} untuk diperiksa.",
    )
    return case


def case_triage(*, case: Case, actor: Person, position: Any, now: dt.datetime | None = None) -> Case:
    """The team names the subject's position of a report that could not be routed; then it is routed."""
    now = now or timezone.now()
    code = _text(position, "position", limit=64)
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.TRIAGE)
        _require(actor, access.CAN_TRIAGE, case, "Only the COI handling team can triage this case")
        chosen = Position.objects.filter(code=code).select_related("unit").first()
        if chosen is None or not chosen.unit.path.startswith(case.unit.path):
            raise Invalid({"position": "is not a position of this case's unit or a unit below it"})
        case.subject_position = chosen
        _event(
            case,
            "triaged",
            at=now,
            actor=actor,
            from_status=Status.TRIAGE,
            note=f"Terlapor: {chosen.title} ({chosen.code})",
            public_note="Tim menentukan pejabat yang berwenang memeriksa laporan.",
        )
        return case_route(case=case, now=now, actor=actor)


# ---------------------------------------------------------------- B.3–B.4 examination


def case_examine(
    *, case: Case, actor: Person, conclusion: Any, findings: Any, now: dt.datetime | None = None
) -> Case:
    now = now or timezone.now()
    if conclusion not in Conclusion.values:
        raise Invalid({"conclusion": "must be 'founded' or 'unfounded'"})
    findings_text = _text(findings, "findings")
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.EXAMINATION)
        _require(actor, access.CAN_EXAMINE, case, "Only the current handler can conclude the examination")
        title = actor_title(actor, case)
        case.conclusion = conclusion
        case.concluded_at = now
        if conclusion == Conclusion.UNFOUNDED:
            # B.4: the decision stays in force; the case closes with the reasons.
            case.status = Status.CLOSED
            case.outcome = Outcome.UNFOUNDED
            case.closed_at = now
            case.due_at = None
            case.overdue = False
            case.save()
            _event(
                case,
                "examined_unfounded",
                at=now,
                actor=actor,
                title=title,
                from_status=Status.EXAMINATION,
                note=findings_text,
                public_note="Hasil pemeriksaan: laporan tidak terbukti; keputusan tetap berlaku. "
                f"Alasan: {findings_text}",
            )
            return case
        # B.5: the superior of the direct superior reviews the decision.
        assignment = _screened(case, lambda: routing.next_up(case, _local_today(case, now)), now)
        if assignment is None:
            raise WrongState("No one above this handler can review the decision: the unit needs a team")
        case.status = Status.REVIEW
        case.level += 1
        _assign(case, assignment, at=now, stage="review")
        case.save()
        _event(
            case,
            "examined_founded",
            at=now,
            actor=actor,
            title=title,
            from_status=Status.EXAMINATION,
            note=findings_text,
            public_note=f"Hasil pemeriksaan: laporan terbukti. Keputusan ditinjau kembali oleh {assignment.title}.",
        )
        return case


# ---------------------------------------------------------------- B.5 review and escalation


def case_review(
    *, case: Case, actor: Person, decision: Any, notes: Any, now: dt.datetime | None = None
) -> Case:
    now = now or timezone.now()
    if decision not in ReviewDecision.values:
        raise Invalid({"decision": "must be one of: " + ", ".join(ReviewDecision.values)})
    notes_text = _text(notes, "notes")
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.REVIEW)
        _require(actor, access.CAN_REVIEW, case, "Only the current reviewer can decide")
        if decision == ReviewDecision.ESCALATE:
            return case_escalate(case=case, actor=actor, reason=notes_text, now=now)
        title = actor_title(actor, case)
        case.review_decision = decision
        case.reviewed_at = now
        case.status = Status.FOLLOW_UP
        case.due_at = None
        case.overdue = False
        case.save()
        label = {
            "revoke": "dicabut",
            "amend": "diubah",
            "reassign": "ditetapkan ulang oleh pejabat lain",
            "uphold": "tetap berlaku dengan mitigasi",
        }[decision]
        _event(
            case,
            f"reviewed_{decision}",
            at=now,
            actor=actor,
            title=title,
            from_status=Status.REVIEW,
            note=notes_text,
            public_note=f"Hasil peninjauan: keputusan {label}. Tindak lanjut diawasi oleh Tim Penanganan.",
        )
        return case


def case_escalate(
    *, case: Case, actor: Person | None, reason: str, now: dt.datetime | None = None, automatic: bool = False
) -> Case:
    """Move the case one level up with a fresh deadline for its stage. Caller holds the row lock."""
    now = now or timezone.now()
    if case.status not in TIMED_STATUSES:
        raise WrongState(f"Case {case.reference} in state '{case.status}' cannot be escalated")
    assignment = _screened(case, lambda: routing.next_up(case, _local_today(case, now)), now)
    if assignment is None:
        raise WrongState("There is no higher level to escalate to")
    title = actor_title(actor, case) if actor else "Sistem"
    stage = str(case.status)
    case.level += 1
    _assign(case, assignment, at=now, stage=stage)
    case.save()
    _event(
        case,
        "escalated_overdue" if automatic else "escalated",
        at=now,
        actor=actor,
        title=title,
        from_status=stage,
        note=reason,
        public_note=(
            "Batas waktu terlewati; laporan diteruskan kepada "
            if automatic
            else "Peninjauan diteruskan kepada "
        )
        + f"{assignment.title}.",
    )
    return case


# ---------------------------------------------------------------- C recusal


def case_recuse(*, case: Case, actor: Person, reason: Any, now: dt.datetime | None = None) -> Case:
    now = now or timezone.now()
    reason_text = _text(reason, "reason")
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, *TIMED_STATUSES)
        _require(actor, access.CAN_RECUSE, case, "Only the current handler can recuse from this case")
        title = actor_title(actor, case)
        old_position = case.handler_position_id
        old_team = case.handler_team_id
        Recusal.objects.create(
            case=case, person=actor, position=case.handler_position, reason=reason_text, at=now
        )
        assignment = _screened(case, lambda: routing.after_recusal(case, _local_today(case, now)), now)
        if assignment is None:
            raise WrongState("No one else can take over this case: the unit needs another handler or a team")
        moved = (assignment.position.pk if assignment.position else None) != old_position or (
            assignment.team.pk if assignment.team else None
        ) != old_team
        if moved:
            case.level += 1
        _assign(case, assignment, at=now, stage=str(case.status))
        case.save()
        _event(
            case,
            "recused",
            at=now,
            actor=actor,
            title=title,
            from_status=case.status,
            note=reason_text,
            public_note=f"Petugas menarik diri (penarikan diri); laporan ditangani oleh {assignment.title}.",
        )
        return case


def case_confirm_no_conflict(*, case: Case, actor: Person, now: dt.datetime | None = None) -> None:
    """A handler opening a case for the first time confirms they have no conflict with it."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = CaseHandler.objects.filter(case=case, person=actor, no_conflict_confirmed_at__isnull=True)
        if rows.update(no_conflict_confirmed_at=now):
            _event(case, "no_conflict_confirmed", at=now, actor=actor, public=False)


# ---------------------------------------------------------------- messages


def case_message(
    *,
    case: Case,
    actor: Person,
    text: Any,
    files: list[CheckedFile] | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """A handler or the team writes to the reporter."""
    now = now or timezone.now()
    body = _text(text, "text")
    _require_state(case, *OPEN_STATUSES)
    _require(
        actor, access.CAN_MESSAGE, case, "Only the current handler or the team can write to the reporter"
    )
    return _add_message(case, sender=Sender.HANDLER, author=actor, body=body, files=files or [], now=now)


def reporter_message(
    *, case: Case, text: Any, files: list[CheckedFile] | None = None, now: dt.datetime | None = None
) -> Message:
    """The reporter answers (with the receipt) and may add evidence."""
    now = now or timezone.now()
    files = files or []
    body = _text(text, "text", required=not files)
    return _add_message(case, sender=Sender.REPORTER, author=None, body=body, files=files, now=now)


def _add_message(
    case: Case, *, sender: str, author: Person | None, body: str, files: list[CheckedFile], now: dt.datetime
) -> Message:
    written: list[str] = []
    try:
        with transaction.atomic():
            message = Message.objects.create(
                case=case,
                at=now,
                sender=sender,
                author=author,
                author_title=actor_title(author, case) if author else "Pelapor",
                sealed=content.seal_text(case, body, "message"),
            )
            _, written = store_files(case, files, sender=sender, at=now, message=message)
            _event(
                case,
                "message_from_reporter" if sender == Sender.REPORTER else "message_to_reporter",
                at=now,
                actor=author,
                title=message.author_title,
                public=False,
            )
            return message
    except BaseException:
        for name in written:
            with contextlib.suppress(Exception):
                storage.delete(name)
        raise


# ---------------------------------------------------------------- B.6 follow-up and closing


def _parse_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise Invalid({field: "must be a date YYYY-MM-DD"})
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid({field: "must be a date YYYY-MM-DD"}) from None


def follow_up_add(
    *, case: Case, actor: Person, title: Any, due_date: Any, now: dt.datetime | None = None
) -> FollowUp:
    now = now or timezone.now()
    title_text = _text(title, "title", limit=500)
    due = _parse_date(due_date, "due_date")
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.FOLLOW_UP)
        _require(actor, access.CAN_MANAGE_FOLLOW_UP, case, "Only the COI handling team manages follow-up")
        item = FollowUp.objects.create(
            case=case, title=title_text, due_date=due, created_by=actor, created_at=now
        )
        _event(
            case,
            "follow_up_added",
            at=now,
            actor=actor,
            note=title_text,
            public_note=f"Tindak lanjut ditetapkan: {title_text} (paling lambat {due.isoformat()}).",
        )
        return item


def _follow_up_for(case: Case, follow_up_id: Any) -> FollowUp:
    try:
        pk = int(follow_up_id)
    except (TypeError, ValueError):
        raise NotFound("Follow-up action not found") from None
    item = FollowUp.objects.filter(case=case, pk=pk).first()
    if item is None:
        raise NotFound("Follow-up action not found")
    return item


def follow_up_done(
    *, case: Case, actor: Person, follow_up_id: Any, notes: Any, now: dt.datetime | None = None
) -> FollowUp:
    now = now or timezone.now()
    notes_text = _text(notes, "notes", required=False)
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.FOLLOW_UP)
        _require(actor, access.CAN_MANAGE_FOLLOW_UP, case, "Only the COI handling team manages follow-up")
        item = _follow_up_for(case, follow_up_id)
        if item.settled:
            raise WrongState("This follow-up action is already " + ("done" if item.done else "cancelled"))
        item.done, item.done_at, item.notes = True, now, notes_text
        item.save()
        _event(
            case,
            "follow_up_done",
            at=now,
            actor=actor,
            note=f"{item.title}: {notes_text}",
            public_note=f"Tindak lanjut selesai: {item.title}.",
        )
        return item


def follow_up_cancel(
    *, case: Case, actor: Person, follow_up_id: Any, reason: Any, now: dt.datetime | None = None
) -> FollowUp:
    now = now or timezone.now()
    reason_text = _text(reason, "reason")
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.FOLLOW_UP)
        _require(actor, access.CAN_MANAGE_FOLLOW_UP, case, "Only the COI handling team manages follow-up")
        item = _follow_up_for(case, follow_up_id)
        if item.settled:
            raise WrongState("This follow-up action is already " + ("done" if item.done else "cancelled"))
        item.cancelled, item.cancel_reason, item.done_at = True, reason_text, now
        item.save()
        _event(
            case,
            "follow_up_cancelled",
            at=now,
            actor=actor,
            note=f"{item.title}: {reason_text}",
            public_note=f"Tindak lanjut dibatalkan: {item.title}.",
        )
        return item


def case_close(*, case: Case, actor: Person, summary: Any, now: dt.datetime | None = None) -> Case:
    now = now or timezone.now()
    summary_text = _text(summary, "summary")
    with transaction.atomic():
        case = _lock(case)
        _require_state(case, Status.FOLLOW_UP)
        _require(actor, access.CAN_CLOSE, case, "Only the COI handling team can close the case")
        open_items = [f.title for f in FollowUp.objects.filter(case=case) if not f.settled]
        if open_items:
            raise WrongState(
                "Follow-up actions are still open: " + "; ".join(open_items), code="follow_up_open"
            )
        case.status = Status.CLOSED
        case.outcome = OUTCOME_OF_DECISION[ReviewDecision(case.review_decision)]
        case.closed_at = now
        case.due_at = None
        case.save()
        _event(
            case,
            "closed",
            at=now,
            actor=actor,
            from_status=Status.FOLLOW_UP,
            note=summary_text,
            public_note=f"Laporan selesai ditangani. {summary_text}",
        )
        return case
