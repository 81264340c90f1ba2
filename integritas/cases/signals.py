"""Sent inside the transaction of every case transition, so that audit entries and outbox messages
are written atomically with the change that causes them."""

from django.dispatch import Signal

# kwargs: case, event (cases.models.Event)
case_event = Signal()
