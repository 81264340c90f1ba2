"""Read-only views of prevention for other parts (monitoring, evaluation reports, pages).

They check no permission: callers (the API, the pages, monitoring's own gate) decide who may ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from integritas.cases.models import DecisionKind
from integritas.orgs.models import Unit
from integritas.prevention.models import (
    ConflictStatus,
    Gratification,
    GratificationStatus,
    RiskRating,
    SelfDeclaration,
)
from integritas.prevention.riskmap import level_of


@dataclass(frozen=True)
class RiskRow:
    id: int
    unit_code: str
    unit_name: str
    position_code: str
    position_title: str
    decision_kind: str
    likelihood: int
    impact: int
    score: int
    level: str
    mitigation: str
    review_on: dt.date
    review_due: bool
    updated_at: dt.datetime


def risk_map(unit: Unit, *, today: dt.date | None = None) -> list[RiskRow]:
    """Every rating in the unit's subtree, highest score first (one query)."""
    today = today or timezone.now().astimezone(unit.tz).date()
    rows = (
        RiskRating.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit", "position")
        .order_by("position__unit__code", "position__code", "decision_kind")
    )
    found = [
        RiskRow(
            id=r.pk,
            unit_code=r.unit.code,
            unit_name=r.unit.name,
            position_code=r.position.code,
            position_title=r.position.title,
            decision_kind=r.decision_kind,
            likelihood=r.likelihood,
            impact=r.impact,
            score=r.score,
            level=level_of(r.score),
            mitigation=r.mitigation,
            review_on=r.review_on,
            review_due=r.review_on <= today,
            updated_at=r.updated_at,
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: (-r.score, r.position_code, r.decision_kind))


def heat_counts(rows: list[RiskRow]) -> dict[tuple[int, int], int]:
    """How many ratings fall in each (likelihood, impact) cell of the 5×5 map."""
    counts: dict[tuple[int, int], int] = {}
    for row in rows:
        counts[(row.likelihood, row.impact)] = counts.get((row.likelihood, row.impact), 0) + 1
    return counts


def decision_kind_label(code: str) -> str:
    try:
        return str(DecisionKind(code).label)
    except ValueError:
        return code


def figures(unit: Unit, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Counts for monitoring: gratification reports and self-declarations of the subtree."""
    now = now or timezone.now()
    subtree = Q(unit__path__startswith=unit.path)
    gratifications = Gratification.objects.filter(subtree).aggregate(
        total=Count("pk"),
        settled=Count("pk", filter=Q(status=GratificationStatus.SETTLED)),
        overdue=Count("pk", filter=Q(status=GratificationStatus.REPORTED, due_at__lt=now)),
    )
    declarations = SelfDeclaration.objects.filter(subtree).aggregate(
        total=Count("pk"), decided=Count("pk", filter=Q(status=ConflictStatus.DECIDED))
    )
    return {"gratifications": gratifications, "self_declarations": declarations}
