"""The notification jobs of the scheduler and of `integritas worker`: reminders, then delivery."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from integritas.notify.outbox import DeliveryResult, deliver
from integritas.notify.reminders import ReminderResult, send_reminders

log = logging.getLogger(__name__)


def run_notifications(now: dt.datetime | None = None) -> tuple[ReminderResult, DeliveryResult]:
    reminders = send_reminders(now or timezone.now())
    sent = len(reminders.before) + len(reminders.at_deadline) + len(reminders.follow_ups)
    if sent:
        log.info(
            "reminders: %d before a deadline, %d at a deadline, %d follow-up",
            len(reminders.before),
            len(reminders.at_deadline),
            len(reminders.follow_ups),
        )
    delivery = deliver(now)
    if delivery.sent or delivery.retried or delivery.failed:
        log.info("outbox: %d sent, %d to retry, %d failed", delivery.sent, delivery.retried, delivery.failed)
    return reminders, delivery
