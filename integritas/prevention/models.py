"""Prevention (SOP part C, PermenPANRB 17/2024): the register of interests, gratification reports,
self-declared conflicts, decision agendas and the COI risk map.

As for cases, what a person wrote (interests and related parties, givers, descriptions, reasons) lives
in sealed fields with a data key per row wrapped by the master key (``prevention.sealing``); plain
columns hold only what lists, deadlines and statistics filter by (who, when, which kind, states).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from integritas.orgs.models import Position, Unit

# ---------------------------------------------------------------- the register of interests


class DeclarationKind(models.TextChoices):
    ANNUAL = "annual", _("Annual declaration")
    AD_HOC = "ad_hoc", _("Ad-hoc declaration")


class SealedRecord(models.Model):
    """A report someone files and someone else settles: its own data key (``prevention.sealing``),
    what the filer wrote sealed in ``sealed``, the settler's notes in ``sealed_notes``; newest first."""

    created_at = models.DateTimeField()
    wrapped_key = models.BinaryField()
    sealed = models.BinaryField()
    sealed_notes = models.BinaryField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class Declaration(models.Model):
    """One declaration of interests (or of having none). Interests and parties are sealed."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations"
    )
    kind = models.CharField(max_length=16, choices=DeclarationKind.choices)
    year = models.PositiveSmallIntegerField()
    none = models.BooleanField(default=False)
    interest_count = models.PositiveSmallIntegerField(default=0)
    filed_at = models.DateTimeField()
    wrapped_key = models.BinaryField()
    sealed = models.BinaryField()

    class Meta:
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["person", "kind", "year"], name="declaration_person_year"),
            models.Index(fields=["kind", "year", "person"], name="declaration_year_person"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} #{self.pk}"


class ReminderMark(models.Model):
    """What was announced once: a yearly declaration reminder, a gratification deadline notice, an
    overdue notice. The unique key makes a second worker's insert fail, so nobody is told twice."""

    key = models.CharField(max_length=160, unique=True)
    at = models.DateTimeField()

    @classmethod
    def claim(cls, key: str, at: dt.datetime) -> bool:
        """Record that ``key`` was announced; False if someone already did (another worker, earlier)."""
        try:
            with transaction.atomic():
                cls.objects.create(key=key, at=at)
            return True
        except IntegrityError:
            return False


class ReferenceCounter(models.Model):
    """Last number of GR-YYYY-NNNNNN / KK-YYYY-NNNNNN for a prefix and year (incremented under a lock)."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_prevention_counter")]


# ---------------------------------------------------------------- gratification reports


class Occasion(models.TextChoices):
    WEDDING = "wedding", _("Wedding or traditional ceremony")
    RELIGIOUS = "religious", _("Religious ceremony or holiday")
    COLLEAGUE = "colleague", _("From a colleague")
    OFFICIAL = "official", _("Related to the official's duties")
    OTHER = "other", pgettext_lazy("occasion", "Other")


class GratificationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    SETTLED = "settled", _("Settled")


class GratificationOutcome(models.TextChoices):
    FORWARDED_TO_KPK = "forwarded_to_kpk", _("Forwarded to the KPK")
    RETURNED = "returned", _("Returned to the giver")
    STATE_PROPERTY = "state_property", _("Handed over as state property")
    KEPT_ALLOWED = "kept_allowed", _("Kept, as the rules allow")


class GratificationThreshold(models.Model):
    """The value up to which a gift on an occasion need not be reported to the KPK, from a date on.

    Kept as data because the KPK changes it by regulation (PerKPK 2/2019, then PerKPK 1/2026); the row
    in force on the day a gift was received decides. Occasions without a row are always reportable.
    """

    occasion = models.CharField(max_length=16, choices=Occasion.choices)
    valid_from = models.DateField(null=True, blank=True, help_text="empty: since records began")
    max_value_idr = models.PositiveBigIntegerField(help_text="per giver, inclusive")
    yearly_max_idr = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="total from the same giver in a calendar year, inclusive"
    )
    non_cash_only = models.BooleanField(default=False, help_text="gifts of money are always reportable")
    source = models.CharField(max_length=500)

    class Meta:
        ordering = ["occasion", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["occasion", "valid_from"], name="unique_threshold_occasion_from")
        ]

    def __str__(self) -> str:
        return f"{self.occasion} ≤ {self.max_value_idr} from {self.valid_from or '…'}"


class Gratification(SealedRecord):
    reference = models.CharField(max_length=20, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gratifications"
    )
    # The recipient's unit and position when they reported: the calendar, the team, the export.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="gratifications")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_on = models.DateField()
    occasion = models.CharField(max_length=16, choices=Occasion.choices)
    value_idr = models.PositiveBigIntegerField()
    cash = models.BooleanField(default=False)
    rejected = models.BooleanField(default=False)
    reportable = models.BooleanField()
    threshold = models.ForeignKey(
        GratificationThreshold, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=GratificationStatus.choices)
    due_at = models.DateTimeField()
    outcome = models.CharField(max_length=24, choices=GratificationOutcome.choices, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # (SealedRecord) sealed: the giver (name, relation) and the description; notes: the team's, on
    # the outcome.

    class Meta(SealedRecord.Meta):
        indexes = [
            models.Index(fields=["status", "due_at"], name="gratification_status_due"),
            models.Index(fields=["unit", "status", "due_at"], name="gratification_unit_queue"),
            models.Index(fields=["recipient", "received_on"], name="gratification_recipient"),
        ]

    def __str__(self) -> str:
        return self.reference


class GratificationEvidence(models.Model):
    """A file sent with a gratification report (photo of the gift, invitation, receipt), encrypted."""

    gratification = models.ForeignKey(Gratification, on_delete=models.CASCADE, related_name="evidence")
    sealed_name = models.BinaryField()
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=128)
    storage_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


# ---------------------------------------------------------------- self-declared conflicts


class ConflictKind(models.TextChoices):
    ACTUAL = "actual", _("Actual conflict")
    POTENTIAL = "potential", _("Potential conflict")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Awaiting a measure")
    DECIDED = "decided", _("Measure decided")


class Measure(models.TextChoices):
    RECUSAL = "recusal", _("Recusal: the official withdraws from the decision")
    REASSIGNMENT = "reassignment", _("Reassignment: another official takes the decision")
    RESTRICTED_ACCESS = "restricted_access", _("Restricted access to information about the decision")
    DIVESTMENT = "divestment", _("Divestment: the official gives up the interest")
    NO_CONFLICT = "no_conflict", _("No conflict: the official may take the decision")


class SelfDeclaration(SealedRecord):
    """An official declares a conflict in a decision to their superior; the decision waits for a measure."""

    reference = models.CharField(max_length=20, unique=True)
    declarer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="self_declarations"
    )
    declarer_position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="self_declarations")
    kind = models.CharField(max_length=16, choices=ConflictKind.choices)
    decision_kind = models.CharField(max_length=32)
    decision_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ConflictStatus.choices)
    handler_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler_team = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveIntegerField(default=1)
    stage_started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    screening_warning = models.BooleanField(default=False)
    measure = models.CharField(max_length=24, choices=Measure.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # (SealedRecord) sealed: the decision's title and the description; notes: the handler's, on the
    # measure.

    class Meta(SealedRecord.Meta):
        indexes = [
            models.Index(fields=["status", "due_at"], name="selfdecl_status_due"),
            models.Index(fields=["handler_person", "status"], name="selfdecl_handler"),
            models.Index(fields=["handler_team", "status"], name="selfdecl_team"),
            models.Index(fields=["unit", "status"], name="selfdecl_unit"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def decision_suspended(self) -> bool:
        return self.status == ConflictStatus.OPEN


class SelfDeclarationHandler(models.Model):
    """Everyone who has handled it (current and past): they keep seeing it."""

    declaration = models.ForeignKey(SelfDeclaration, on_delete=models.CASCADE, related_name="handlers")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    level = models.PositiveIntegerField()
    assigned_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "declaration"], name="selfdecl_handler_person")]


class SelfDeclarationEvent(models.Model):
    """One row per transition. ``note`` is written by the system, never what a person typed."""

    declaration = models.ForeignKey(SelfDeclaration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    event = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_title = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


# ---------------------------------------------------------------- handler screening


class Screening(models.Model):
    """A handler whose declarations name the person concerned (the subject of a case, the declarer of
    a self-declaration): passed over (``skipped``, policy ``skip``) or kept with a warning (``warn``).
    A skipped person is left out of every later routing of the same case and never sees it."""

    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="screenings"
    )
    declaration = models.ForeignKey(
        SelfDeclaration, null=True, blank=True, on_delete=models.CASCADE, related_name="screenings"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skipped = models.BooleanField()
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["case", "person"], name="screening_case"),
            models.Index(fields=["declaration", "person"], name="screening_selfdecl"),
        ]


# ---------------------------------------------------------------- decision agendas


class Agenda(models.Model):
    """A decision-making meeting published ahead, with its items, parties concerned and participants."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="agendas")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=32)
    meets_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    wrapped_key = models.BinaryField()

    class Meta:
        ordering = ["-meets_at", "-id"]
        indexes = [models.Index(fields=["unit", "meets_at"], name="agenda_unit_meets")]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    # Sealed: {"title", "parties": [names]}.
    sealed = models.BinaryField()

    class Meta:
        ordering = ["order", "id"]


class AgendaParticipant(models.Model):
    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agenda_seats"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agenda", "person"], name="unique_agenda_participant")]
        indexes = [models.Index(fields=["person", "agenda"], name="agenda_participant_person")]


class AgendaStatement(models.Model):
    """A participant's statement on an item before the meeting: no conflict, or recusal with a reason."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="statements")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conflict = models.BooleanField()
    sealed_reason = models.BinaryField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="unique_agenda_statement")]


# ---------------------------------------------------------------- the COI risk map


class RiskRating(models.Model):
    """How likely and how harmful a conflict of interest is for a position taking a kind of decision."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="risk_ratings")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="risk_ratings")
    decision_kind = models.CharField(max_length=32)
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    mitigation = models.TextField(blank=True)
    review_on = models.DateField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["position__code", "decision_kind"]
        constraints = [
            models.UniqueConstraint(fields=["position", "decision_kind"], name="unique_risk_position_kind")
        ]
        indexes = [models.Index(fields=["unit", "review_on"], name="risk_unit_review")]

    @property
    def score(self) -> int:
        return int(self.likelihood) * int(self.impact)
