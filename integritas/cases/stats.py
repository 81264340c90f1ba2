"""Figures for a unit's subtree: each is one aggregate query over indexed columns (no per-case work)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from integritas.cases.models import TIMED_STATUSES, Case, CaseCategory, Status
from integritas.orgs.models import Unit


def figures(
    unit: Unit, *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict[str, Any]:
    tz = unit.tz
    period = Q(unit__path__startswith=unit.path)
    if date_from:
        period &= Q(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        period &= Q(
            created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    qs = Case.objects.filter(period)
    now = timezone.now()
    by_status = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id")).order_by()}
    by_outcome = {
        row["outcome"]: row["n"]
        for row in qs.exclude(outcome="").values("outcome").annotate(n=Count("id")).order_by()
    }
    by_category = {
        row["code"]: row["n"]
        # The unit and date of each case are copied onto its category rows: no join with the cases.
        for row in CaseCategory.objects.filter(period).values("code").annotate(n=Count("id")).order_by()
    }
    by_month = {
        row["month"].astimezone(tz).strftime("%Y-%m")
        if row["month"].tzinfo
        else row["month"].strftime("%Y-%m"): row["n"]
        for row in qs.annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    }
    by_unit = {
        row["unit__code"]: row["n"] for row in qs.values("unit__code").annotate(n=Count("id")).order_by()
    }
    overdue_now = qs.filter(Q(overdue=True) | Q(due_at__lt=now), status__in=TIMED_STATUSES).count()
    return {
        "unit": unit.code,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "total": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in Status.values},
        "by_outcome": by_outcome,
        "by_category": by_category,
        "by_month": by_month,
        "by_unit": by_unit,
        "overdue_now": overdue_now,
        "recusals": qs.filter(recusals__isnull=False).distinct().count(),
    }
