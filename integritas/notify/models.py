"""The outbox (e-mail waiting to go out), in-app notices, and the ledger of what was sent once.

Outbox rows are written in the transaction of the change that causes them, so a message exists if
and only if the change does. A row addressed to a reporter holds their address and name: it is
sealed with the case's data key, and wiped once delivered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HANDLER = "handler", _("Handler")
    SUPERIOR = "superior", _("Next superior")
    TEAM = "team", _("Team")
    REPORTER = "reporter", _("Reporter")


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


def new_message_id() -> str:
    return uuid.uuid4().hex


class OutboxMessage(models.Model):
    kind = models.CharField(max_length=32)
    recipient_role = models.CharField(max_length=16, choices=Role.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    language = models.CharField(max_length=8, default="id")
    # Staff mail in clear (it carries no identity); reporter mail only in ``sealed``.
    to_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    sealed = models.BinaryField(null=True, blank=True)
    # Staff mail queued to be rendered when sent: what its template needs (no identity, like the
    # body it stands for); wiped with the body once delivered. Reporter mail keeps it in ``sealed``.
    context = models.JSONField(null=True, blank=True)
    # The same Message-ID on every attempt: a receiving server may recognise a repeat.
    message_id = models.CharField(max_length=64, default=new_message_id)  # unique: Meta.constraints

    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claim: who is sending it, and until when; an expired lease means the sender died.
    claim_token = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # A row enters the primary key, case, recipient, message id and ``outbox_due`` only. The
        # rows being sent (a few batches at most) are found in ``outbox_due`` by their state: the
        # claimed rows by their token, those whose lease ran out by its end. The message id is
        # unique without a second, pattern-matching index (nothing searches it).
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]
        constraints = [models.UniqueConstraint(fields=["message_id"], name="outbox_message_id_unique")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_role} ({self.state})"


class Notice(models.Model):
    """An in-app notice for a member of staff (never for a reporter: they are not accounts)."""

    # ``notice_inbox`` (person first) serves every read by person and the cascade.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices", db_index=False
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at", "created_at"], name="notice_inbox")]


class Milestone(models.Model):
    """What has been announced once per case: a reminder for one stage (the key holds the stage's
    start), a case entering a unit, an acknowledgement. The unique key makes a second sender's
    insert fail, so two workers never remind twice."""

    # ``unique_case_milestone`` (case first) serves every read by case and the cascade.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="milestones", db_index=False
    )
    key = models.CharField(max_length=128)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="unique_case_milestone")]
