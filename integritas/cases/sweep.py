"""The deadline sweep: overdue cases are marked and (policy ``auto_escalate``) moved one level up.

Safe to run twice at the same instant (an escalated case has a fresh deadline; a marked one is
skipped) and from several processes at once: each case is claimed under a row lock that other
sweeps skip, and re-checked after the lock is taken (``services.case_deadline_missed``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from integritas.cases import services
from integritas.cases.models import TIMED_STATUSES, Case

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepResult:
    marked: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def sweep(now: dt.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    last_pk = 0
    while True:
        batch = list(
            Case.objects.filter(status__in=TIMED_STATUSES, due_at__lt=now, overdue=False, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return result
        last_pk = batch[-1]
        for pk in batch:
            try:
                missed = services.case_deadline_missed(case_id=pk, now=now)
            except Exception:  # one broken case must not stop the sweep of the others
                log.exception("sweep failed for case id %s", pk)
                continue
            if missed is not None:
                result.marked.append(missed.reference)
                if missed.escalated:
                    result.escalated.append(missed.reference)
