"""Public figures for the whole deployment and a year (SOP principle A.2): counts only, never a
reference, a name, a text or a unit below the top level. The page shows counts under 5 as "< 5"."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q

from integritas.cases.models import Case, CaseCategory, Category, Event, Outcome, Status
from integritas.monitoring.figures import DONE_KINDS
from integritas.orgs.models import DEFAULT_TIMEZONE, Unit

SUPPRESS_BELOW = 5


def deployment_zone() -> ZoneInfo:
    """The zone of the top of the tree (the first top-level unit): the deployment's year boundaries."""
    top = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    return top.tz if top is not None else ZoneInfo(DEFAULT_TIMEZONE)


def year_figures(year: int) -> dict[str, Any]:
    zone = deployment_zone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    cases = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    steps = Event.objects.filter(
        case=OuterRef("pk"),
        stage__in=list(DONE_KINDS),
        kind__in=[kind for kinds in DONE_KINDS.values() for kind in kinds],
        stage_due_at__isnull=False,
    )
    counts = cases.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        # Cases whose steps were all taken by the deadline then in force (at least one step taken).
        handled_within_deadline=Count(
            "pk",
            filter=Q(Exists(steps)) & ~Q(Exists(steps.filter(at__gt=F("stage_due_at")))),
        ),
    )
    categories = dict(
        CaseCategory.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("code")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("code", "n")
    )
    outcomes = dict(
        cases.exclude(outcome="")
        .values("outcome")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("outcome", "n")
    )
    return {
        "year": year,
        "total": counts["total"],
        "by_category": {code: categories.get(code, 0) for code in Category.values},
        "by_outcome": {code: outcomes.get(code, 0) for code in Outcome.values},
        "closed": counts["closed"],
        "handled_within_deadline": counts["handled_within_deadline"],
    }


def shown(value: int) -> str:
    """A count as the public page shows it: under 5 (and above 0) as "< 5"."""
    return f"< {SUPPRESS_BELOW}" if 0 < value < SUPPRESS_BELOW else str(value)
