"""A reported conflict of interest and everything that happens to it.

Plain metadata (unit, categories, dates, states) stays queryable for queues and statistics; what the
reporter wrote and who they are lives in sealed (encrypted) fields opened through ``cases.content``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from integritas.orgs.models import Position, Unit


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
        return str(CATEGORY_HELP[self.value])


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
DECISION_KIND_ALIASES = {"ppdb": "admission", "school-fund": "school_fund", "bos": "school_fund"}

CATEGORIES: tuple[str, ...] = tuple(Category.values)  # TRANSITIONAL (issue 8): use Category
DECISION_KINDS: tuple[str, ...] = tuple(DecisionKind.values)  # TRANSITIONAL (issue 8): use DecisionKind


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
    REVOKE = "revoke", _("Revoke")
    AMEND = "amend", _("Amend")
    REASSIGN = "reassign", _("Reassign")
    UPHOLD = "uphold", _("Uphold")
    ESCALATE = "escalate", _("Escalate")


class Outcome(models.TextChoices):
    UNFOUNDED = "unfounded", _("Unfounded")
    REVOKED = "revoked", _("Revoked")
    AMENDED = "amended", _("Amended")
    REASSIGNED = "reassigned", _("Reassigned")
    UPHELD = "upheld", _("Upheld")


OUTCOME_OF_DECISION = {
    ReviewDecision.REVOKE: Outcome.REVOKED,
    ReviewDecision.AMEND: Outcome.AMENDED,
    ReviewDecision.REASSIGN: Outcome.REASSIGNED,
    ReviewDecision.UPHOLD: Outcome.UPHELD,
}


class Case(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=16, choices=Status.choices)
    subject_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="subject_cases"
    )
    decision_kind = models.CharField(max_length=32, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    anonymous = models.BooleanField(default=False)
    reporter_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
    )
    # When the chain runs out (and in triage) the case is handled by a unit's team.
    handler_team = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="team_cases"
    )
    level = models.PositiveIntegerField(default=0)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)

    conclusion = models.CharField(max_length=16, choices=Conclusion.choices, blank=True)
    review_decision = models.CharField(max_length=16, choices=ReviewDecision.choices, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)

    created_at = models.DateTimeField(db_index=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["handler_person", "status", "due_at"], name="case_handler_queue"),
            models.Index(fields=["handler_team", "status"], name="case_team_queue"),
            models.Index(fields=["unit", "status"], name="case_unit_status"),
            models.Index(fields=["unit", "created_at"], name="case_unit_created"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseCategory(models.Model):
    """One row per category of a case: statistics group and filter by it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="category_rows")
    code = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="unique_case_category")]
        indexes = [models.Index(fields=["code", "case"], name="category_code_case")]


class CaseHandler(models.Model):
    """Everyone who has handled the case (current and past): they keep seeing it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handlers")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_roles")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    level = models.PositiveIntegerField(default=0)
    assigned_at = models.DateTimeField()
    no_conflict_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "case"], name="handler_person_case")]


class Recusal(models.Model):
    """Penarikan diri: this person never handles this case again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recusals")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField()


class Event(models.Model):
    """One row per transition: who, when, what and why. ``public_note`` is what the reporter sees."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    event = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_title = models.CharField(max_length=255, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    public_note = models.TextField(blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]


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


class FollowUp(models.Model):
    """A follow-up action supervised by the team (SOP B.6)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=500)
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

    class Meta:
        ordering = ["due_date", "id"]

    @property
    def settled(self) -> bool:
        return self.done or self.cancelled


class ReferenceCounter(models.Model):
    """Last sequence number of BK-YYYY-NNNNNN for a year; incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


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
