"""The deadline sweep: overdue cases are marked and (policy ``auto_escalate``) moved one level up.

Safe to run twice at the same instant (an escalated case has a fresh deadline; a marked one is
skipped) and from several processes at once: each case is claimed under a row lock that other
sweeps skip, and re-checked after the lock is taken.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from integritas.cases import routing, services
from integritas.cases.models import TIMED_STATUSES, Case

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepResult:
    marked: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def _claim(pk: int, now: dt.datetime) -> Case | None:
    qs = Case.objects.filter(pk=pk, status__in=TIMED_STATUSES, due_at__lt=now, overdue=False)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_related(
        "unit", "subject_position", "handler_position", "handler_person", "handler_team"
    ).first()


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
                _sweep_one(pk, now, result)
            except Exception:  # one broken case must not stop the sweep of the others
                log.exception("sweep failed for case id %s", pk)


def _sweep_one(pk: int, now: dt.datetime, result: SweepResult) -> None:
    with transaction.atomic():
        case = _claim(pk, now)
        if case is None:
            return  # handled meanwhile by another sweep, or being handled right now
        stage = str(case.status)
        old_title = case.handler_position.title if case.handler_position else "Tim Penanganan"
        case.overdue = True
        case.save(update_fields=["overdue"])
        services._event(
            case,
            "overdue",
            at=now,
            title="Sistem",
            from_status=stage,
            note=f"Batas waktu {old_title} terlewati ({case.due_at.isoformat() if case.due_at else ''}).",
            public_note="Batas waktu penanganan terlewati.",
        )
        result.marked.append(case.reference)
        if not case.unit.effective_policy.get("auto_escalate", True):
            return
        if routing.next_up(case, now.astimezone(case.unit.tz).date()) is None:
            return  # nobody above: stays marked overdue for the team to see
        services.case_escalate(case=case, actor=None, reason="Batas waktu terlewati", now=now, automatic=True)
        result.escalated.append(case.reference)
