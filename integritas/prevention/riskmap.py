"""The COI risk map (SPEC §6): the team rates, per position and per kind of decision it takes
(admission, procurement, staffing, grading, school funds…), how likely a conflict of interest is and how
much harm it would do (1–5 each), records the mitigation, and reviews each rating by a date.

    risk_rate     create or change the rating of a position for a decision kind (team of the unit or above)
    risk_remove   remove a rating
    level_of      the band of a score: low (1–4), medium (5–9), high (10–14), very high (15–25)

Reading the map is :func:`integritas.prevention.selectors.risk_map`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.cases.models import DECISION_KIND_ALIASES, DecisionKind
from integritas.errors import Forbidden, NotFound
from integritas.orgs.models import Person, Position
from integritas.prevention import access
from integritas.prevention.common import audit
from integritas.prevention.inputs import Check
from integritas.prevention.models import RiskRating

MAX_MITIGATION = 5000
LEVELS = ((4, "low"), (9, "medium"), (14, "high"), (25, "very_high"))


def level_of(score: int) -> str:
    for limit, name in LEVELS:
        if score <= limit:
            return name
    return "very_high"


def risk_rate(*, actor: Person, data: Any, now: dt.datetime | None = None) -> RiskRating:
    """Create or replace the rating of (position, decision kind); the team of the position's unit or
    above keeps it. Input (422) before permission (403)."""
    now = now or timezone.now()
    check = Check()
    body = check.body(data)
    code = check.text(body, "position", limit=64)
    position = Position.objects.filter(code=code).select_related("unit").first() if code else None
    if code and position is None:
        check.fail("position", "unknown_code", value=code)
    kind = check.choice(body, "decision_kind", DecisionKind.values, aliases=DECISION_KIND_ALIASES)
    likelihood = check.integer(body, "likelihood", minimum=1, maximum=5)
    impact = check.integer(body, "impact", minimum=1, maximum=5)
    mitigation = check.text(body, "mitigation", required=False, limit=MAX_MITIGATION)
    review_on = check.date(body, "review_on")
    zone = position.unit.tz if position is not None else timezone.get_default_timezone()
    if review_on is not None and review_on < now.astimezone(zone).date():
        check.fail("review_on", "date_in_past")
    check.done()
    assert position is not None
    if not access.may_keep_risk_map(actor, position.unit):
        raise Forbidden("risk_map_team_only")
    with transaction.atomic():
        rating, created = RiskRating.objects.update_or_create(
            position=position,
            decision_kind=kind,
            defaults={
                "unit": position.unit,
                "likelihood": likelihood,
                "impact": impact,
                "mitigation": mitigation,
                "review_on": review_on,
                "updated_by": actor,
                "updated_at": now,
            },
        )
        audit(
            "risk_rated",
            actor,
            unit=position.unit,
            at=now,
            position=position.code,
            decision_kind=kind,
            likelihood=likelihood,
            impact=impact,
            created=created,
        )
        return rating


def get_rating_for(actor: Person, rating_id: Any) -> RiskRating:
    rating = access.get_row(
        RiskRating.objects.select_related("unit", "position"), rating_id, "risk_rating_not_found"
    )
    if not access.may_keep_risk_map(actor, rating.unit):
        raise NotFound("risk_rating_not_found")
    return rating


def risk_remove(*, rating: RiskRating, actor: Person, now: dt.datetime | None = None) -> None:
    with transaction.atomic():
        audit(
            "risk_removed",
            actor,
            unit=rating.unit,
            at=now,
            position=rating.position.code,
            decision_kind=rating.decision_kind,
        )
        rating.delete()
