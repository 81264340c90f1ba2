"""The handling procedure of the SOP (part B), top to bottom.

B.1–B.2  case_submit     a report reaches the direct superior (routing), or the team (triage)
         case_triage     the team names the subject's position of a report that could not be routed
B.3–B.4  case_examine    the direct superior examines within 3 working days: unfounded closes
B.5      case_review     the superior's superior reviews within 2 days: revoke, amend, reassign,
                         uphold, or escalate ("dan seterusnya")
C        case_recuse     a handler withdraws; the next one up takes over
         case_confirm_no_conflict   whoever sees the content first states having no conflict
B.6      follow_up_*     the team supervises the follow-up; case_close when every action is settled
         case_message, reporter_message   the handlers and the reporter write to each other
         case_deadline_missed             the sweep: a missed deadline is marked, the case moves up

Every service follows one pattern: a transaction; the case re-read under a row lock; the guards (the
state → 409, then the actor → 403, then the no-conflict statement); the change; one history entry
through ``history.record_event``, which writes the audit entry and queues the notifications in the
same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from integritas import batching
from integritas.audit.chain import appended_at_end
from integritas.cases import access, conflict, content, queue, routing, tallies
from integritas.cases.access import Capability
from integritas.cases.evidence import CheckedFile, store_files
from integritas.cases.history import REPORTER, SYSTEM, Actor, Clock, actor_of, clock_of, record_event
from integritas.cases.intake import ReportInput
from integritas.cases.models import (
    NOTE_MAX,
    OPEN_STATUSES,
    OUTCOME_OF_DECISION,
    REVIEW_KIND,
    TIMED_STATUSES,
    TITLE_MAX,
    Case,
    CaseCategory,
    CaseHandler,
    Conclusion,
    EventKind,
    FollowUp,
    Message,
    Outcome,
    Recusal,
    ReviewDecision,
    Sender,
    Stage,
    Status,
    Via,
)
from integritas.cases.receipts import new_receipt, random_reference, receipt_hash
from integritas.errors import Invalid, NotFound, Problem, WrongState
from integritas.notify.events import none_announced
from integritas.orgs.calendar import deadline
from integritas.orgs.models import Person, Position
from integritas.validation import clean_text
from integritas.vault import storage

SUBMITTED = "submitted"  # recorded in history before the case is routed
REFERENCE_ATTEMPTS = 20  # rounds of drawing
REFERENCE_CANDIDATES = 8  # numbers drawn per round, checked against the taken ones in one query
# A report's history rows: nothing refers to them once written (``batching.write``: COPY on
# PostgreSQL); the handler rows and screenings are written so for every batch (``WITHOUT_IDS``).
SUBMITTED_WITHOUT_IDS = frozenset({"cases.Event"})


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
    days, kind = int(policy[f"{stage}_days"]), str(policy[f"{stage}_day_kind"])
    return deadline(case.unit, start, days, kind, calendar=routing.calendar_of(case.unit))


def _require_state(case: Case, *allowed: str) -> None:
    if case.status not in allowed:
        raise WrongState(reason="case", state=Status(case.status).label)


def _guarded(
    case: Case,
    actor: Person,
    *,
    states: tuple[str, ...],
    capability: Capability,
    via: Via,
    now: dt.datetime,
) -> tuple[Case, Actor, Clock | None]:
    """The guards of every action (inside its transaction): the case re-read under a row lock, the
    state (409), the actor (403), the no-conflict statement. The locked case, who acts as what, and
    the clock of the stage before the change."""
    case = Case.objects.locked(case)
    _require_state(case, *states)
    access.require(actor, capability, case)
    conflict.require(case, actor, via=via, now=now)
    return case, actor_of(actor, case), clock_of(case)


def _choice(value: str, choices: type[Conclusion] | type[ReviewDecision], field: str) -> None:
    if value not in choices.values:
        raise Invalid({field: Problem("choice", choices=choices.values)})


def _assign(case: Case, assignment: routing.Assignment, *, at: dt.datetime, stage: str) -> None:
    """Give the case to a handler with a fresh deadline for ``stage``."""
    case.handler_position = assignment.position
    case.handler_person = assignment.person
    case.handler_team = assignment.team
    case.stage_started_at = at
    case.due_at = _due(case, stage, at)
    case.overdue = False
    case.reminded = 0  # a new stage has reminders of its own (notify/reminders.py)
    if assignment.person is not None:
        values = {
            "case_id": case.pk,
            "person_id": assignment.person.pk,
            "position_id": assignment.position.pk if assignment.position is not None else None,
            "level": case.level,
            "assigned_at": at,
        }
        if not batching.add(batching.Values(CaseHandler, **values)):  # a batch (the sweep) inserts together
            CaseHandler(**values).save(force_insert=True)


def _stop_clock(case: Case) -> None:
    case.due_at = None
    case.overdue = False


def _follow_up_clock(case: Case, item: FollowUp) -> Clock:
    """A follow-up action's clock: from the start of the follow-up stage to the end of its due date."""
    due = dt.datetime.combine(item.due_date, dt.time(23, 59, 59), tzinfo=case.unit.tz)
    return Clock(Stage.FOLLOW_UP, case.reviewed_at, due)


def _discard(names: list[str]) -> None:
    """Files written for a change that did not happen."""
    for name in names:
        with contextlib.suppress(Exception):
            storage.delete(name)


# ---------------------------------------------------------------- PREVENTION SCREENING (issue 9)
# The one touch point of prevention in the handling procedure: routing's choice of handler is screened
# against that handler's own declarations (integritas.prevention.screening). Policy "skip": whoever's
# declarations name the subject's current holder is passed over (a Screening row keeps them out of
# later routings and out of the case) and routing chooses again; policy "warn": they keep the case,
# which shows "screening_warning". Both leave an internal history row the reporter never sees.


def _screened(
    case: Case, pick: Callable[[], routing.Assignment | None], now: dt.datetime
) -> routing.Assignment | None:
    from integritas.prevention import screening

    today = _local_today(case, now)
    while True:
        assignment = pick()
        verdict = screening.judge_case(case, assignment, today)
        if verdict.skip:
            screening.record_case(case, verdict.people, skipped=True, at=now)
            routing.forget_exclusions(case)
            record_event(
                case, EventKind.SCREENED, at=now, actor=SYSTEM, from_status=case.status,
                data={"outcome": "skipped"},
            )  # fmt: skip
            continue
        if verdict.warn:
            screening.record_case(case, verdict.people, skipped=False, at=now)
            record_event(
                case, EventKind.SCREENED, at=now, actor=SYSTEM, from_status=case.status,
                data={"outcome": "warned"},
            )  # fmt: skip
        return assignment


# ---------------------------------------------------------------- B.1–B.2 submission and routing


def case_submit(
    *,
    report: ReportInput,
    files: list[CheckedFile],
    reporter_person: Person | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    """File a report: reference, receipt, sealed content, evidence; then route it at once.

    The reference's number is drawn at random (no counter is locked while reports come in); a number
    already taken is drawn again. The rows the report makes after the case itself (history, handler,
    screenings, milestones, notices, mails, tallies) are kept and written together at the end of its
    transaction (``batching``, as the sweep does), and its audit entries are chained in one step after
    them, so reports filed at once wait on the audit head only for that.
    """
    now = now or timezone.now()
    written: list[str] = []
    try:
        # A screening skip forgets the exclusions read so far (_screened).
        with transaction.atomic(), routing.reading() as reads, batching.gathering() as pending:
            unit = report.unit
            receipt = new_receipt()
            if reporter_person is None and report.reporter and report.reporter.get("email"):
                reporter_person = Person.objects.filter(
                    email__iexact=report.reporter["email"], is_active=True
                ).first()
            case = Case(
                unit=unit,
                status=Status.TRIAGE,
                subject_position=report.subject_position,
                decision_kind=report.decision_kind,
                decision_date=report.decision_date,
                anonymous=report.anonymous,
                reporter_person=reporter_person,
                receipt_hash=receipt_hash(receipt),
                created_at=now,
            )
            content.new_case_key(case)
            _save_with_a_free_reference(case, report, year=now.astimezone(unit.tz).year)
            # Nothing names the new case yet: no recusal, screening or announcement to read.
            reads.read_new_case(case)
            none_announced(case)
            CaseCategory.objects.bulk_create(
                [CaseCategory(case=case, code=code, unit=unit, created_at=now) for code in report.categories]
            )
            tallies.add(
                case, Counter([f"{tallies.UNIT_KEY}{unit.pk}", *(f"c:{code}" for code in report.categories)])
            )
            _, written = store_files(case, files, sender=Sender.REPORTER, at=now)
            # "submitted" is the moment before routing, not a state a case rests in: the history
            # chains submitted → triage or examination.
            case.status = SUBMITTED
            record_event(case, EventKind.SUBMITTED, at=now, actor=REPORTER, from_status="")
            if case.subject_position is not None:
                _route(case, now=now, actor=SYSTEM)
            else:
                _to_triage(case, now=now, actor=SYSTEM)
            batching.write(pending, audit_last=True, without_ids=SUBMITTED_WITHOUT_IDS)
            return Submitted(case=case, receipt=receipt)
    except BaseException:
        _discard(written)
        raise


def _save_with_a_free_reference(case: Case, report: ReportInput, *, year: int) -> None:
    sealed = {
        "description": report.description,
        "reporter": report.reporter,
        "decision": {k: report.decision.get(k, "") for k in ("title", "number", "date", "kind")},
        "subject": report.subject_text,
    }
    for _ in range(REFERENCE_ATTEMPTS):
        for reference in _untaken_references(year):
            case.reference = reference
            content.seal_report(case, sealed)  # the reference is bound into the sealed content
            try:
                with transaction.atomic():
                    case.save()
                return
            except IntegrityError:  # taken meanwhile by a report filed at the same time
                if not Case.objects.filter(reference=case.reference).exists():
                    raise  # another constraint than the reference's
    raise RuntimeError("no free reference number found; widen REFERENCE_DIGITS")


def _untaken_references(year: int) -> list[str]:
    """A few numbers drawn at random, without those already taken (one indexed query).

    When a year's numbers fill up, most draws are taken; checking several at once costs one query
    instead of a refused insert (and the sealing before it) for each taken number.
    """
    drawn = list(dict.fromkeys(random_reference(year) for _ in range(REFERENCE_CANDIDATES)))
    taken = set(Case.objects.filter(reference__in=drawn).values_list("reference", flat=True))
    return [reference for reference in drawn if reference not in taken]


# What routing changes on a case (``_assign``, the state and the level): all it writes of the row. Its
# callers (a report just inserted, a triage with the case re-read under its lock and its subject saved)
# have no other change to the row to write.
ROUTING_FIELDS = (
    "status",
    "level",
    "handler_position",
    "handler_person",
    "handler_team",
    "stage_started_at",
    "due_at",
    "overdue",
    "reminded",
)


def _to_triage(case: Case, *, now: dt.datetime, actor: Actor) -> None:
    """The team of the case's unit (or the nearest above) names the official concerned."""
    assignment = routing.team_from(case.unit, routing.excluded_people(case, _local_today(case, now)))
    from_status = case.status
    case.status = Status.TRIAGE
    case.level = 0
    if assignment is not None:
        _assign(case, assignment, at=now, stage=Stage.TRIAGE)
    case.save(update_fields=ROUTING_FIELDS)
    record_event(case, EventKind.TRIAGE, at=now, actor=actor, from_status=from_status, to=assignment)


def _route(case: Case, *, now: dt.datetime, actor: Actor) -> None:
    """Send the case to the direct superior of the subject's position (skipping whoever may not
    handle); to triage when nobody can. The caller holds the row lock and has checked the actor."""
    from_status = case.status
    assignment = _screened(case, lambda: routing.first_handler(case, _local_today(case, now)), now)
    if assignment is None:
        _to_triage(case, now=now, actor=actor)
        return
    case.status = Status.EXAMINATION
    case.level = 1
    _assign(case, assignment, at=now, stage=Stage.EXAMINATION)
    case.save(update_fields=ROUTING_FIELDS)
    record_event(case, EventKind.ROUTED, at=now, actor=actor, from_status=from_status, to=assignment)


def case_triage(
    *, case: Case, actor: Person, position: str, via: Via, now: dt.datetime | None = None
) -> Case:
    """The team names the subject's position (a code) of a report that could not be routed; then it is
    routed to that position's superior."""
    now = now or timezone.now()
    code = clean_text(position, "position", limit=64)
    with transaction.atomic():
        case, who, clock = _guarded(
            case, actor, states=(Status.TRIAGE,), capability=Capability.TRIAGE, via=via, now=now
        )
        chosen = Position.objects.filter(code=code).select_related("unit").first()
        if chosen is None or not chosen.unit.path.startswith(case.unit.path):
            raise Invalid({"position": Problem("position_outside_unit")})
        case.subject_position = chosen
        case.save(update_fields=["subject_position"])
        record_event(
            case,
            EventKind.TRIAGED,
            at=now,
            actor=who,
            from_status=Status.TRIAGE,
            data={"subject_position": chosen.pk},
            clock=clock,
        )
        _route(case, now=now, actor=who)
        return case


# ---------------------------------------------------------------- B.3–B.4 examination


def case_examine(
    *,
    case: Case,
    actor: Person,
    conclusion: Conclusion,
    findings: str,
    via: Via,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    _choice(conclusion, Conclusion, "conclusion")
    findings_text = clean_text(findings, "findings", limit=NOTE_MAX)
    with transaction.atomic():
        case, who, clock = _guarded(
            case, actor, states=(Status.EXAMINATION,), capability=Capability.EXAMINE, via=via, now=now
        )
        case.conclusion = conclusion
        case.concluded_at = now
        if conclusion == Conclusion.UNFOUNDED:
            # B.4: the decision stays in force; the case closes with the reasons.
            case.status = Status.CLOSED
            case.outcome = Outcome.UNFOUNDED
            case.closed_at = now
            _stop_clock(case)
            case.save()
            record_event(
                case,
                EventKind.EXAMINED_UNFOUNDED,
                at=now,
                actor=who,
                from_status=Status.EXAMINATION,
                note=findings_text,
                clock=clock,
            )
            return case
        # B.5: the superior of the direct superior reviews the decision.
        assignment = _screened(case, lambda: routing.next_up(case, _local_today(case, now)), now)
        if assignment is None:
            raise WrongState("no_higher_level")
        case.status = Status.REVIEW
        case.level += 1
        _assign(case, assignment, at=now, stage=Stage.REVIEW)
        case.save()
        record_event(
            case,
            EventKind.EXAMINED_FOUNDED,
            at=now,
            actor=who,
            from_status=Status.EXAMINATION,
            to=assignment,
            note=findings_text,
            clock=clock,
        )
        return case


# ---------------------------------------------------------------- B.5 review and escalation


def case_review(
    *,
    case: Case,
    actor: Person,
    decision: ReviewDecision,
    notes: str,
    via: Via,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    _choice(decision, ReviewDecision, "decision")
    notes_text = clean_text(notes, "notes", limit=NOTE_MAX)
    with transaction.atomic():
        case, who, clock = _guarded(
            case, actor, states=(Status.REVIEW,), capability=Capability.REVIEW, via=via, now=now
        )
        if decision == ReviewDecision.ESCALATE:
            _escalate(case, actor=who, note=notes_text, now=now, kind=EventKind.ESCALATED)
            return case
        case.review_decision = decision
        case.reviewed_at = now
        case.status = Status.FOLLOW_UP
        _stop_clock(case)
        case.save()
        record_event(
            case,
            REVIEW_KIND[ReviewDecision(decision)],
            at=now,
            actor=who,
            from_status=Status.REVIEW,
            note=notes_text,
            clock=clock,
        )
        return case


def _escalate(case: Case, *, actor: Actor, note: str, now: dt.datetime, kind: EventKind) -> None:
    """Move the case one level up with a fresh deadline for its stage ("dan seterusnya"). The caller
    holds the row lock and has checked the state and the actor."""
    assignment = _screened(case, lambda: routing.next_up(case, _local_today(case, now)), now)
    if assignment is None:
        raise WrongState("no_higher_level")
    clock = clock_of(case)
    stage = str(case.status)
    case.level += 1
    _assign(case, assignment, at=now, stage=stage)
    batching.save(case, ESCALATION_FIELDS)  # or kept for the sweep's update of its batch
    record_event(case, kind, at=now, actor=actor, from_status=stage, to=assignment, note=note, clock=clock)


# What an escalation changes on the case (``_assign`` and the level), and the sweep updates per batch.
ESCALATION_FIELDS = (
    "overdue", "level", "handler_position", "handler_person", "handler_team", "stage_started_at", "due_at",
    "reminded",
)  # fmt: skip


@dataclass(frozen=True)
class Missed:
    reference: str
    escalated: bool


def case_deadline_missed(*, case_id: int, now: dt.datetime) -> Missed | None:
    """The sweep's step for one case past its deadline: mark it overdue and, under policy
    ``auto_escalate``, move it one level up with a fresh deadline.

    The case is claimed under a row lock that other sweeps skip and re-checked after the lock is
    taken, so running the sweep twice, or in two processes, acts once. None when there is nothing to do.
    The sweep claims its cases a batch at a time and takes the same step for each (``deadline_missed``).
    """
    with transaction.atomic(), routing.reading(), appended_at_end(), tallies.gathered():
        case = Case.objects.claim_overdue(case_id, now)
        if case is None:
            return None  # handled meanwhile by another sweep, or being handled right now
        return deadline_missed(case, now=now)


def deadline_missed(case: Case, *, now: dt.datetime) -> Missed:
    """Mark ``case`` (claimed by the caller, under its row lock) overdue and escalate it if its policy
    says so and someone is above its handler."""
    clock = clock_of(case)
    case.overdue = True
    record_event(case, EventKind.OVERDUE, at=now, actor=SYSTEM, from_status=case.status, clock=clock)
    escalating = bool(case.unit.effective_policy.get("auto_escalate", True))
    if escalating and routing.next_up(case, _local_today(case, now)) is not None:
        _escalate(case, actor=SYSTEM, note="", now=now, kind=EventKind.ESCALATED_OVERDUE)
        return Missed(case.reference, escalated=True)
    # Not escalated (policy, or nobody above: the team sees it marked).
    batching.save(case, ("overdue",))
    return Missed(case.reference, escalated=False)


# ---------------------------------------------------------------- C recusal and the no-conflict statement


def case_recuse(*, case: Case, actor: Person, reason: str, now: dt.datetime | None = None) -> Case:
    """The handler withdraws (penarikan diri); another holder of the position or the next one up takes
    over with a fresh deadline. No no-conflict statement is needed: this is the other answer to it."""
    now = now or timezone.now()
    reason_text = clean_text(reason, "reason", limit=NOTE_MAX)
    with transaction.atomic():
        case = Case.objects.locked(case)
        _require_state(case, *TIMED_STATUSES)
        access.require(actor, Capability.RECUSE, case)
        who, clock = actor_of(actor, case), clock_of(case)
        old_position = case.handler_position_id
        old_team = case.handler_team_id
        first = not Recusal.objects.filter(case=case).exists()
        Recusal.objects.create(
            case=case, person=actor, position=case.handler_position, reason=reason_text, at=now
        )
        assignment = _screened(case, lambda: routing.after_recusal(case, _local_today(case, now)), now)
        if assignment is None:
            raise WrongState("no_one_to_take_over")
        moved = (assignment.position.pk if assignment.position else None) != old_position or (
            assignment.team.pk if assignment.team else None
        ) != old_team
        if moved:
            case.level += 1
        _assign(case, assignment, at=now, stage=str(case.status))
        case.save()
        record_event(
            case,
            EventKind.RECUSED,
            at=now,
            actor=who,
            from_status=case.status,
            to=assignment,
            note=reason_text,
            clock=clock,
            tally={"r:n": 1, "r:cases": int(first)},
        )
        return case


def case_confirm_no_conflict(*, case: Case, actor: Person, via: Via, now: dt.datetime | None = None) -> bool:
    """The person opening a case they see states having no conflict with it (once; True when now)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.locked(case)
        return conflict.confirm(case=case, actor=actor, via=via, now=now)


def case_open(*, case: Case, actor: Person, via: Via, now: dt.datetime | None = None) -> Case:
    """Every read of a case's content by staff: the no-conflict guard (recorded now through the API)."""
    now = now or timezone.now()
    with transaction.atomic():
        conflict.require(case, actor, via=via, now=now)
        queue.case_read(case=case, person=actor, now=now)
    return case


# ---------------------------------------------------------------- messages


def case_message(
    *,
    case: Case,
    actor: Person,
    text: str,
    files: list[CheckedFile] | None = None,
    via: Via,
    now: dt.datetime | None = None,
) -> Message:
    """A handler or the team writes to the reporter (who reads it with the receipt)."""
    now = now or timezone.now()
    body = clean_text(text, "text", limit=NOTE_MAX)
    written: list[str] = []
    try:
        with transaction.atomic():
            case, who, _ = _guarded(
                case, actor, states=OPEN_STATUSES, capability=Capability.MESSAGE, via=via, now=now
            )
            message, written = _add_message(
                case, sender=Sender.HANDLER, actor=who, body=body, files=files or [], now=now
            )
            return message
    except BaseException:
        _discard(written)
        raise


def reporter_message(
    *, case: Case, text: str, files: list[CheckedFile] | None = None, now: dt.datetime | None = None
) -> Message:
    """The reporter answers (with the receipt) and may add evidence, while the case is open."""
    now = now or timezone.now()
    files = files or []
    if not files and (not isinstance(text, str) or not text.strip()):
        raise Invalid({"text": Problem("message_or_file")})
    body = clean_text(text, "text", limit=NOTE_MAX, required=False)
    written: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.locked(case)
            if case.status not in OPEN_STATUSES:
                raise WrongState("case_closed")
            message, written = _add_message(
                case, sender=Sender.REPORTER, actor=REPORTER, body=body, files=files, now=now
            )
            return message
    except BaseException:
        _discard(written)
        raise


def _add_message(
    case: Case, *, sender: Sender, actor: Actor, body: str, files: list[CheckedFile], now: dt.datetime
) -> tuple[Message, list[str]]:
    message = Message.objects.create(
        case=case,
        at=now,
        sender=sender,
        author=actor.person,
        author_title=actor.position.title if actor.position else "",
        sealed=content.seal_message(case, body),
    )
    _, written = store_files(case, files, sender=sender, at=now, message=message)
    kind = EventKind.MESSAGE_FROM_REPORTER if sender == Sender.REPORTER else EventKind.MESSAGE_TO_REPORTER
    record_event(case, kind, at=now, actor=actor, data={"message": message.pk})
    return message, written


# ---------------------------------------------------------------- B.6 follow-up and closing


def follow_up_for(case: Case, follow_up_id: str | int) -> FollowUp:
    """A follow-up action of this case by its id as it comes in a path, or NotFound."""
    text = str(follow_up_id)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound(reason="follow_up")
    item = FollowUp.objects.filter(case=case, pk=int(text)).first()
    if item is None:
        raise NotFound(reason="follow_up")
    return item


def follow_up_add(
    *,
    case: Case,
    actor: Person,
    title: str,
    due_date: dt.date,
    via: Via,
    now: dt.datetime | None = None,
) -> FollowUp:
    now = now or timezone.now()
    title_text = clean_text(title, "title", limit=TITLE_MAX)
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise Invalid({"due_date": Problem("bad_date")})
    with transaction.atomic():
        case, who, _ = _guarded(
            case, actor, states=(Status.FOLLOW_UP,), capability=Capability.MANAGE_FOLLOW_UP, via=via, now=now
        )
        item = FollowUp.objects.create(
            case=case,
            title=title_text,
            due_date=due_date,
            created_by=actor,
            created_at=now,
            unit_id=case.unit_id,
            case_created_at=case.created_at,
        )
        record_event(
            case,
            EventKind.FOLLOW_UP_ADDED,
            at=now,
            actor=who,
            follow_up=item,
            tally={"f:total": 1, "f:open": 1},
        )
        return item


def _settle(
    case: Case, actor: Person, follow_up: FollowUp, *, via: Via, now: dt.datetime
) -> tuple[Case, Actor, FollowUp]:
    """The guards of marking a follow-up action done or cancelled; the case and the action, locked."""
    case, who, _ = _guarded(
        case, actor, states=(Status.FOLLOW_UP,), capability=Capability.MANAGE_FOLLOW_UP, via=via, now=now
    )
    item = FollowUp.objects.select_for_update().filter(case=case, pk=follow_up.pk).first()
    if item is None:
        raise NotFound(reason="follow_up")
    if item.settled:
        raise WrongState("follow_up_settled")
    return case, who, item


def follow_up_done(
    *,
    case: Case,
    actor: Person,
    follow_up: FollowUp,
    notes: str = "",
    via: Via,
    now: dt.datetime | None = None,
) -> FollowUp:
    now = now or timezone.now()
    notes_text = clean_text(notes, "notes", limit=NOTE_MAX, required=False)
    with transaction.atomic():
        case, who, item = _settle(case, actor, follow_up, via=via, now=now)
        item.done, item.done_at, item.notes = True, now, notes_text
        item.save()
        record_event(
            case,
            EventKind.FOLLOW_UP_DONE,
            at=now,
            actor=who,
            follow_up=item,
            note=notes_text,
            clock=_follow_up_clock(case, item),
            tally={"f:done": 1, "f:open": -1},
        )
        return item


def follow_up_cancel(
    *,
    case: Case,
    actor: Person,
    follow_up: FollowUp,
    reason: str,
    via: Via,
    now: dt.datetime | None = None,
) -> FollowUp:
    now = now or timezone.now()
    reason_text = clean_text(reason, "reason", limit=NOTE_MAX)
    with transaction.atomic():
        case, who, item = _settle(case, actor, follow_up, via=via, now=now)
        item.cancelled, item.cancel_reason, item.done_at = True, reason_text, now
        item.save()
        record_event(
            case,
            EventKind.FOLLOW_UP_CANCELLED,
            at=now,
            actor=who,
            follow_up=item,
            note=reason_text,
            tally={"f:cancelled": 1, "f:open": -1},
        )
        return item


def case_close(*, case: Case, actor: Person, summary: str, via: Via, now: dt.datetime | None = None) -> Case:
    now = now or timezone.now()
    summary_text = clean_text(summary, "summary", limit=NOTE_MAX)
    with transaction.atomic():
        case, who, _ = _guarded(
            case, actor, states=(Status.FOLLOW_UP,), capability=Capability.CLOSE, via=via, now=now
        )
        open_items = [
            f.title for f in FollowUp.objects.filter(case=case).order_by("due_date", "pk") if not f.settled
        ]
        if open_items:
            raise WrongState("follow_up_open", open=len(open_items), titles=open_items)
        clock = Clock(Stage.FOLLOW_UP, case.reviewed_at, None)
        case.status = Status.CLOSED
        case.outcome = OUTCOME_OF_DECISION[ReviewDecision(case.review_decision)]
        case.closed_at = now
        _stop_clock(case)
        case.save()
        record_event(
            case,
            EventKind.CLOSED,
            at=now,
            actor=who,
            from_status=Status.FOLLOW_UP,
            note=summary_text,
            clock=clock,
        )
        return case
