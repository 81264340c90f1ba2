"""Who may see the monitoring of a unit, and the team-written sections of the evaluation report."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from integritas.audit.chain import record
from integritas.cases import access
from integritas.errors import Forbidden, Invalid, NotFound, Problem
from integritas.monitoring.models import NOTE_MAX, EvaluationNote
from integritas.monitoring.periods import Period
from integritas.orgs.models import Person, Unit
from integritas.validation import clean_text


def unit_for(viewer: Person, code: object) -> Unit:
    """The unit named ``code`` if ``viewer`` sits on the team of it or of a unit above it: 404 for an
    unknown unit, 403 for one the viewer does not oversee."""
    if not isinstance(code, str) or not code or len(code) > 64 or "\x00" in code:
        raise Invalid({"unit": Problem("unknown_unit")})
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(reason="unit")
    if not access.oversees_unit(viewer, unit):
        raise Forbidden(reason="monitoring_team_only")
    return unit


def note_of(unit: Unit, period: Period) -> EvaluationNote | None:
    return EvaluationNote.objects.filter(unit=unit, period=period.code).first()


def note_save(
    *,
    unit: Unit,
    period: Period,
    actor: Person,
    obstacles: str,
    evaluation: str,
    plans: str,
    now: dt.datetime | None = None,
) -> EvaluationNote:
    """Keep what the team wrote for the period (the gate: the team of the unit or above)."""
    now = now or timezone.now()
    if not access.oversees_unit(actor, unit):
        raise Forbidden(reason="monitoring_team_only")
    texts = {
        name: clean_text(value, name, limit=NOTE_MAX, required=False)
        for name, value in (("obstacles", obstacles), ("evaluation", evaluation), ("plans", plans))
    }
    with transaction.atomic():
        note, _created = EvaluationNote.objects.update_or_create(
            unit=unit, period=period.code, defaults={**texts, "updated_by": actor, "updated_at": now}
        )
        record(
            "monitoring.evaluation_note_saved",
            actor=actor.username,
            unit_code=unit.code,
            data={"period": period.code},
            at=now,
        )
    return note
