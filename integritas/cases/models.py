"""A reported conflict of interest and everything that happens to it.

Plain metadata (unit, categories, dates, states) stays queryable for queues and statistics; what the
reporter wrote and who they are lives in sealed (encrypted) fields opened through ``cases.content``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from integritas.orgs.models import Position, Unit
from integritas.quickload import QuickLoad


class Category(models.TextChoices):
    """The COI categories of SOP part C ("perhatian khusus"), SPEC §4, plus ``other``."""

    AFFILIATION = "affiliation", _("Affiliation (personal or group)")
    GRATIFICATION = "gratification", _("Gratification")
    SIDE_JOB = "side_job", _("Additional work")
    INSIDER_INFORMATION = "insider_information", _("Insider information")
    PROCUREMENT = "procurement", _("Interest in the procurement of goods")
    FAMILY_COMMUNITY = "family_community", _("Family and community demands")
    EXTERNAL_POSITION = "external_position", _("Position in another organisation")
    PREVIOUS_POSITION = "previous_position", _("Intervention from a previous position")
    CONCURRENT_POSITION = "concurrent_position", _("Holding several positions at once")
    OTHER = "other", pgettext_lazy("category", "Other")

    @property
    def help_text(self) -> str:
        return str(CATEGORY_HELP[Category(self.value)])


CATEGORY_HELP = {
    Category.AFFILIATION: _("The official favours a relative, a friend or their own group."),
    Category.GRATIFICATION: _("A gift, money or a facility given because of the official's position."),
    Category.SIDE_JOB: _(
        "Another job or business that clashes with the official's duties, e.g. paid private "
        "lessons for their own pupils."
    ),
    Category.INSIDER_INFORMATION: _(
        "Information that is not public used for the official's own gain or someone else's."
    ),
    Category.PROCUREMENT: _(
        "The official or someone close to them gains from a purchase of goods or services."
    ),
    Category.FAMILY_COMMUNITY: _("Pressure from family or community to favour certain people."),
    Category.EXTERNAL_POSITION: _(
        "A role in another organisation (a foundation, a company, a committee) that affects the decision."
    ),
    Category.PREVIOUS_POSITION: _("Interference from, or on behalf of, the official's former position."),
    Category.CONCURRENT_POSITION: _("One person holds two positions that supervise or decide on each other."),
    Category.OTHER: _("Another kind of conflict of interest: explain it in the chronology."),
}


class DecisionKind(models.TextChoices):
    """The kind of decision or action a report (or a self-declaration, an agenda) concerns."""

    ADMISSION = "admission", _("Admission of new pupils (PPDB)")
    PROCUREMENT = "procurement", _("Procurement of goods or services")
    STAFFING = "staffing", _("Staffing (appointments, transfers, duties)")
    GRADING = "grading", _("Grading and assessment of pupils")
    SCHOOL_FUND = "school_fund", _("Use of school funds (e.g. BOS)")
    OTHER = "other", pgettext_lazy("decision kind", "Other")


# Other spellings integrators send for a decision kind.
DECISION_KIND_ALIASES = {
    "ppdb": "admission",
    "school-fund": "school_fund",
    "fund": "school_fund",
    "bos": "school_fund",
}


# Limits of what people type, in one place (services, forms and the report intake use them).
NOTE_MAX = 20000  # findings, notes, reasons, summaries, messages, the chronology
TITLE_MAX = 500  # a follow-up action's title, a decision's title, a name


class Status(models.TextChoices):
    TRIAGE = "triage", _("Triage")
    EXAMINATION = "examination", _("Examination")
    REVIEW = "review", _("Review")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.TRIAGE, Status.EXAMINATION, Status.REVIEW, Status.FOLLOW_UP)
TIMED_STATUSES = (Status.TRIAGE, Status.EXAMINATION, Status.REVIEW)


class Conclusion(models.TextChoices):
    FOUNDED = "founded", _("Founded")
    UNFOUNDED = "unfounded", _("Unfounded")


class ReviewDecision(models.TextChoices):
    REVOKE = "revoke", _("Revoked")
    AMEND = "amend", _("Amended")
    REASSIGN = "reassign", _("Reassigned")
    UPHOLD = "uphold", _("Upheld")
    ESCALATE = "escalate", _("Passed to the next superior up")


class Outcome(models.TextChoices):
    UNFOUNDED = "unfounded", _("Unfounded: the decision stays in force")
    REVOKED = "revoked", _("The decision was revoked")
    AMENDED = "amended", _("The decision was amended")
    REASSIGNED = "reassigned", _("The decision was reassigned")
    UPHELD = "upheld", _("The decision was upheld")


OUTCOME_OF_DECISION = {
    ReviewDecision.REVOKE: Outcome.REVOKED,
    ReviewDecision.AMEND: Outcome.AMENDED,
    ReviewDecision.REASSIGN: Outcome.REASSIGNED,
    ReviewDecision.UPHOLD: Outcome.UPHELD,
}


class EventKind(models.TextChoices):
    """What happened to a case: the ``event`` of the API's history and timeline items."""

    SUBMITTED = "submitted", _("Report received")
    TRIAGE = "triage", _("Sent to the COI handling team to name the official concerned")
    TRIAGED = "triaged", _("The team named the position of the reported official")
    ROUTED = "routed", _("Sent to the direct superior for examination")
    # Internal only (never in the reporter's timeline): routing passed over a handler whose declarations
    # name the reported official (data "outcome": "skipped"), or kept them with a warning ("warned").
    SCREENED = "screened", _("Screening: a handler's declarations name the reported official")
    NO_CONFLICT_CONFIRMED = "no_conflict_confirmed", _("Confirmed having no conflict of interest")
    EXAMINED_FOUNDED = "examined_founded", _("Examination: the report is founded")
    EXAMINED_UNFOUNDED = (
        "examined_unfounded",
        _("Examination: the report is unfounded; the decision stays in force"),
    )
    REVIEWED_REVOKE = "reviewed_revoke", _("Review: the decision is revoked")
    REVIEWED_AMEND = "reviewed_amend", _("Review: the decision is amended")
    REVIEWED_REASSIGN = (
        "reviewed_reassign",
        _("Review: the decision is reassigned to an official without the conflict"),
    )
    REVIEWED_UPHOLD = "reviewed_uphold", _("Review: the decision is upheld, with mitigation")
    ESCALATED = "escalated", _("The review was passed to the next superior up")
    OVERDUE = "overdue", _("Deadline missed")
    ESCALATED_OVERDUE = "escalated_overdue", _("Deadline missed: the case was passed to the next level up")
    RECUSED = "recused", _("A handler withdrew from the case (recusal)")
    MESSAGE_TO_REPORTER = "message_to_reporter", _("Message sent to the reporter")
    MESSAGE_FROM_REPORTER = "message_from_reporter", _("Message from the reporter")
    FOLLOW_UP_ADDED = "follow_up_added", _("Follow-up action set")
    FOLLOW_UP_DONE = "follow_up_done", _("Follow-up action done")
    FOLLOW_UP_CANCELLED = "follow_up_cancelled", _("Follow-up action cancelled")
    CLOSED = "closed", _("Case closed")
    IDENTITY_REQUESTED = "identity_requested", _("Request to see the reporter's identity")
    IDENTITY_APPROVED = "identity_approved", _("Request to see the reporter's identity approved")
    IDENTITY_REJECTED = "identity_rejected", _("Request to see the reporter's identity rejected")


REVIEW_KIND = {
    ReviewDecision.REVOKE: EventKind.REVIEWED_REVOKE,
    ReviewDecision.AMEND: EventKind.REVIEWED_AMEND,
    ReviewDecision.REASSIGN: EventKind.REVIEWED_REASSIGN,
    ReviewDecision.UPHOLD: EventKind.REVIEWED_UPHOLD,
}
REVIEWED_KINDS = frozenset(REVIEW_KIND.values())
# Events after which the case is with someone else (``to_position`` / ``to_team`` say who).
HANDOVER_KINDS = frozenset(
    {
        EventKind.TRIAGE,
        EventKind.ROUTED,
        EventKind.EXAMINED_FOUNDED,
        EventKind.ESCALATED,
        EventKind.ESCALATED_OVERDUE,
        EventKind.RECUSED,
    }
)
# What the reporter's timeline shows (never who, only positions and teams; never internal notes).
REPORTER_KINDS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.TRIAGE,
        EventKind.TRIAGED,
        EventKind.ROUTED,
        EventKind.EXAMINED_FOUNDED,
        EventKind.EXAMINED_UNFOUNDED,
        *REVIEWED_KINDS,
        EventKind.ESCALATED,
        EventKind.OVERDUE,
        EventKind.ESCALATED_OVERDUE,
        EventKind.RECUSED,
        EventKind.FOLLOW_UP_ADDED,
        EventKind.FOLLOW_UP_DONE,
        EventKind.FOLLOW_UP_CANCELLED,
        EventKind.CLOSED,
    }
)
# Events whose note (what a person wrote) the reporter reads: the reasons of an unfounded report and
# the closing summary. Every other note stays inside.
REPORTER_NOTES = frozenset({EventKind.EXAMINED_UNFOUNDED, EventKind.CLOSED})


class Stage(models.TextChoices):
    """A stage with a clock: the step that ends it is recorded with when the clock started and the
    deadline then in force (``Event.stage_started_at`` / ``stage_due_at``)."""

    TRIAGE = "triage", _("Triage")
    EXAMINATION = "examination", _("Examination")
    REVIEW = "review", _("Review")
    FOLLOW_UP = "follow_up", _("Follow-up")


class ActorRole(models.TextChoices):
    """In what capacity someone acted (the reporter never sees names, only these and titles)."""

    REPORTER = "reporter", _("Reporter")
    SYSTEM = "system", _("System")
    TEAM = "team", _("COI handling team")
    POSITION = "position", _("Position holder")


class Via(models.TextChoices):
    """Where a person acted from."""

    WEB = "web", _("Web pages")
    API = "api", _("API")


def team_title(unit_name: str) -> str:
    """The COI handling team of a unit ("Tim Penanganan Benturan Kepentingan <unit>")."""
    return _("the conflict-of-interest handling team of %(unit)s") % {"unit": unit_name}


class CaseQuerySet(models.QuerySet["Case"]):
    def with_handler(self) -> CaseQuerySet:
        return self.select_related(
            "unit", "subject_position", "handler_position", "handler_person", "handler_team"
        )

    def locked(self, case: Case) -> Case:
        """The case re-read under a row lock (inside a transaction), so concurrent actions see each other."""
        return self.with_handler().select_for_update(of=("self",)).get(pk=case.pk)

    def claim_overdue(self, pk: int, now: dt.datetime) -> Case | None:
        """The case if it is (still) past its deadline and not marked, under a row lock other
        claimers skip (inside a transaction); None when it is not, or someone else holds it."""
        qs = self.filter(pk=pk, status__in=TIMED_STATUSES, due_at__lt=now, overdue=False)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        return qs.with_handler().first()

    def claim_overdue_batch(self, now: dt.datetime, *, after: int, limit: int) -> list[Case]:
        """Up to ``limit`` cases past their deadline and not marked, with ids above ``after``, in id
        order, under row locks other claimers skip (inside a transaction)."""
        qs = self.filter(pk__gt=after, status__in=TIMED_STATUSES, due_at__lt=now, overdue=False)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        return list(qs.with_handler().order_by("pk")[:limit])


class Case(QuickLoad, models.Model):
    reference = models.CharField(max_length=20, unique=True)  # BK-YYYY-NNNNNN, number drawn at random
    # (unit, handler_person and handler_team are indexed as the first column of composite indexes.)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases", db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices)
    subject_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="subject_cases"
    )
    decision_kind = models.CharField(max_length=32, choices=DecisionKind.choices, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    anonymous = models.BooleanField(default=False)
    # Nothing reads cases by their reporter, and people are never deleted (they are deactivated).
    reporter_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    # Sealed content: reporter identity, description, decision details, free-text subject.
    wrapped_key = models.BinaryField()
    sealed = models.BinaryField()
    receipt_hash = models.CharField(max_length=64, unique=True)

    handler_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="handled_cases"
    )
    handler_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
        db_index=False,
    )
    # When the chain runs out (and in triage) the case is handled by a unit's team.
    handler_team = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="team_cases", db_index=False
    )
    level = models.PositiveIntegerField(default=0)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    # Which reminder of the current stage was sent: 0 none, 1 the day before, 2 the due day.
    reminded = models.PositiveSmallIntegerField(default=0, db_default=0)

    conclusion = models.CharField(max_length=16, choices=Conclusion.choices, blank=True)
    review_decision = models.CharField(max_length=16, choices=ReviewDecision.choices, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)

    created_at = models.DateTimeField(db_index=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["handler_person", "status", "due_at"], name="case_handler_queue"),
            # "My cases" (GET /cases?mine=true): a holder's open cases newest first, read from the index
            # and stopping after a page instead of sorting all of them (a district head holds thousands).
            models.Index(
                fields=["handler_person", "id"],
                condition=Q(status__in=TIMED_STATUSES),
                name="case_handler_open",
            ),
            models.Index(fields=["handler_team", "status"], name="case_team_queue"),
            # A team's list of one status (GET /cases?status=...) newest first: the ids of a page are
            # read from this index alone, backwards, the visibility rule checked on the included
            # columns (unit, the subject's position, the filing time), stopping after the page
            # (presenters.list_page); it read ~10,000 rows from the table for a district at 1M.
            models.Index(
                fields=["status", "id"],
                include=["unit", "subject_position", "created_at"],
                name="case_status_id_cover",
            ),
            # The team list counts its cases (up to 1,000) from this index alone: the columns of the
            # visibility rule (the subject's position, the filing time) and of its filters are included,
            # so PostgreSQL never reads the table for it (it read ~30,000 rows for a district at 1M).
            models.Index(
                fields=["unit", "status"],
                include=["subject_position", "overdue", "due_at", "created_at"],
                name="case_unit_status_cover",
            ),
            # The monitoring figures of a subtree and period read the case's state from this index
            # alone (an index-only scan on PostgreSQL; SQLite ignores the included columns).
            models.Index(
                fields=["unit", "created_at"],
                include=["status", "outcome", "overdue", "due_at", "id"],
                name="case_unit_created",
            ),
            # The reminder pass: open cases whose day-before reminder has not gone out, by deadline.
            models.Index(
                fields=["due_at"],
                condition=Q(reminded=0, overdue=False, status__in=TIMED_STATUSES),
                name="case_reminder_due",
            ),
            # ... and the deadlines of the day whose due-day reminder has not gone out.
            models.Index(
                fields=["due_at"],
                condition=Q(reminded__lt=2, overdue=False, status__in=TIMED_STATUSES),
                name="case_reminder_today",
            ),
            # The cases past their deadline now (monitoring's ``overdue_now``, never tallied: it depends
            # on the clock): two ranges of this index (marked overdue; not marked and past due), the
            # subtree and period read from the included columns.
            models.Index(
                fields=["overdue", "due_at"],
                include=["unit", "created_at"],
                condition=Q(status__in=TIMED_STATUSES),
                name="case_timed_late",
            ),
            # On PostgreSQL also case_list_order (due_at NULLS LAST, created_at DESC, id DESC), the order
            # of the team's list page, made by migration 0007 (SQLite has no NULLS LAST in an index).
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def stage_clock(self) -> tuple[str, dt.datetime | None, dt.datetime | None]:
        """(stage, when its clock started, the deadline in force) as the case stands now."""
        stage = self.status if self.status in Stage.values else ""
        return stage, self.stage_started_at, self.due_at


class CaseCategory(models.Model):
    """One row per category of a case: statistics group and filter by it. The case's unit and date
    are copied here so that counts by category over a subtree and a period need no join."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="category_rows")
    code = models.CharField(max_length=32, choices=Category.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="unique_case_category")]
        indexes = [
            models.Index(fields=["code", "case"], name="category_code_case"),
            models.Index(
                fields=["unit", "created_at"], include=["code", "case"], name="category_unit_created"
            ),
        ]


class CaseHandler(models.Model):
    """Everyone who has handled the case (current and past): they keep seeing it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handlers")
    # ``handler_person_case`` serves every read by person (and the PROTECT check); positions are
    # never deleted, so the position needs no index of its own.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_roles", db_index=False
    )
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    level = models.PositiveIntegerField(default=0)
    assigned_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "case"], name="handler_person_case")]


class NoConflictConfirmation(models.Model):
    """A person who sees a case's content (a handler, a member of an overseeing team) stated once,
    before seeing it, that they have no conflict of interest with it (SPEC §3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="no_conflict_confirmations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    via = models.CharField(max_length=8, choices=Via.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="unique_no_conflict_confirmation")
        ]


class Recusal(models.Model):
    """Penarikan diri: this person never handles this case again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recusals")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField()


class Event(models.Model):
    """One row per thing that happened to a case, as data: what (``kind``), who in which capacity,
    where the case went, which follow-up it concerns, parameters in ``data``. ``note`` holds only
    what a person wrote. Every interface renders the rows in its reader's language.

    A step that ends a stage's clock (examination, review, triage, a follow-up action done, the
    close) carries ``stage``, when that clock started and the deadline then in force, so that
    monitoring counts steps on time and their durations with aggregate queries alone.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_role = models.CharField(max_length=16, choices=ActorRole.choices)
    actor_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_team = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    # Where the case went (hand-over events).
    to_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    to_team = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    follow_up = models.ForeignKey(
        "FollowUp", null=True, blank=True, on_delete=models.SET_NULL, related_name="events", db_index=False
    )
    data = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        # One index: the history is read by case only (timelines, the steps' rebuild); monitoring
        # reads ``StageStep``. The people, positions, units and follow-ups it names are never
        # deleted (people are deactivated, organisations re-imported), so those references carry no
        # index of their own: every history row written (two per report, two per escalation) would
        # otherwise add an entry to eleven more.
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def event(self) -> str:
        """The API's name for the kind."""
        return self.kind


class StageStep(models.Model):
    """A copy of each history row that ends a stage's clock (``Event.stage`` set), with the case's
    unit and filing time beside it: monitoring counts steps on time and their durations for a subtree
    and period from one index, without reading the history or the cases. Written with the event
    (``history.record_event``, same transaction); ``cases.steps.rebuild`` writes them all again
    from the history. Neither the event's clock nor the case's unit and filing time ever change."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    case_created_at = models.DateTimeField()
    stage = models.CharField(max_length=16, choices=Stage.choices)
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # ``at - started_at`` in microseconds (None without a start): the medians order by it, and the
    # tallies' histogram of durations buckets it (``cases.tallies``).
    elapsed_us = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["stage", "elapsed_us", "event"],
                include=["kind", "unit", "case_created_at", "case", "started_at", "at"],
                name="step_stage_elapsed",
            ),
            models.Index(
                fields=["stage", "unit", "case_created_at"],
                include=["kind", "at", "started_at", "due_at", "case", "event"],
                name="step_stage_unit_created",
            ),
            models.Index(fields=["case"], name="step_case"),
        ]


class Sender(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    HANDLER = "handler", _("Handler")


class Message(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    at = models.DateTimeField()
    sender = models.CharField(max_length=16, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_title = models.CharField(max_length=255, blank=True)
    sealed = models.BinaryField()

    class Meta:
        ordering = ["at", "id"]


class Evidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    sender = models.CharField(max_length=16, choices=Sender.choices, default=Sender.REPORTER)
    sealed_name = models.BinaryField()
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=128)
    storage_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class CaseTally(models.Model):
    """Summary rows of the monitoring figures (``cases.tallies``): how many of something (``key``:
    ``s:<status>``, ``c:<category>``, ``d:<stage>`` …) the cases of an anchor unit's subtree filed in
    a month (the first day of the month, in the anchor's time zone) have. A case counts in its own unit
    and in every unit above it; ``slot`` spreads the rows concurrent intakes add to. Kept in the
    transaction of each change; ``cases.tallies.rebuild`` writes them all again."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    key = models.CharField(max_length=64)
    slot = models.SmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "key", "slot"], name="tally_unit_month_key_slot")
        ]
        # The keys of one kind (``key LIKE 's:%'``) of an anchor as a range, whatever the months: the
        # monthly figures of the root read a few hundred rows, not its 200,000 rows of every key.
        # (PostgreSQL; ``n`` stays out of every index, so adding to a row can remain a HOT update.)
        indexes = [
            models.Index(
                fields=["unit", "key", "month"],
                name="tally_unit_key_month",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
            # Every key but ``u:`` (they all sort before it), by anchor: what a period without bounds
            # reads besides the rows of every month together (``tallies.EVER``): at the root 7,700
            # rows of its 220,000 (the planner cannot tell how few from the key's statistics).
            models.Index(fields=["unit"], name="tally_unit_month_keys", condition=models.Q(key__lt="u:")),
        ]


class FollowUp(models.Model):
    """A follow-up action supervised by the team (SOP B.6)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=TITLE_MAX)
    due_date = models.DateField()
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    cancelled = models.BooleanField(default=False)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    # The case's unit and filing time, copied when the action is added (neither ever changes), so that
    # monitoring counts the actions of a subtree and period from one index without reading the cases.
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    case_created_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["unit", "case_created_at"],
                include=["done", "cancelled", "due_date", "case"],
                name="follow_up_unit_created",
            ),
            # The open actions past due now (monitoring, never tallied: it depends on the day).
            models.Index(
                fields=["unit", "case_created_at"],
                include=["due_date"],
                condition=Q(done=False, cancelled=False),
                name="follow_up_open_unit_created",
            ),
        ]

    @property
    def settled(self) -> bool:
        return self.done or self.cancelled


class IdentityRequest(models.Model):
    """Under policy identity_disclosure=on_request a handler asks, with a reason, to see the reporter's
    identity; a member of an overseeing team decides. Both steps are audited."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identity_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "requester", "state"], name="identity_request_lookup")]


class CaseRead(models.Model):
    """When a person last opened a case's content: "Kasus saya" marks a case whose reporter wrote since."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reads")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="unique_case_read")]
