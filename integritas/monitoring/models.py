"""What the team writes for a period (obstacles and solutions, evaluation, plans) and the evidence it
keeps on file for ZI-WBK assessors (the team's decree, socialisation records)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from integritas.orgs.models import Unit

NOTE_MAX = 20000


class EvaluationNote(models.Model):
    """The team-written sections of the evaluation report of a unit for a period (``2026-08``,
    ``2026-S2``, ``2026``)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="evaluation_notes")
    period = models.CharField(max_length=7)
    obstacles = models.TextField(blank=True)
    evaluation = models.TextField(blank=True)
    plans = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="unique_evaluation_note")]


class EvidenceKind(models.TextChoices):
    DECREE = "decree", _("Decree forming the COI handling team")
    SOCIALISATION = "socialisation", _("Socialisation record")


class EvidenceFile(models.Model):
    """A document the team keeps on file for the binder: the decree forming the team (with its number
    and date) or the record of a socialisation (with its date and attendance)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="monitoring_files")
    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    title = models.CharField(max_length=300)
    number = models.CharField(max_length=100, blank=True)
    date = models.DateField()
    attendance = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    # Encrypted at rest like a case's evidence (attendance lists name people): a data key per row,
    # wrapped by the master key (``monitoring.binder``).
    wrapped_key = models.BinaryField()
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["unit", "kind", "date"], name="monitoring_file_unit")]
