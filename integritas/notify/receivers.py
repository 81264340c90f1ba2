"""Notifications for every case transition, written inside the transaction that makes it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from integritas.cases.signals import case_event
from integritas.notify.events import on_case_event


@receiver(case_event)
def notify_case_event(sender: Any, case: Any, event: Any, **kwargs: Any) -> None:
    on_case_event(case, event)
