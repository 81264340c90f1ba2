"""Every case transition lands in the audit chain, inside the transaction that makes it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from integritas.audit.chain import record
from integritas.cases.signals import case_event


@receiver(case_event)
def audit_case_event(sender: Any, case: Any, event: Any, **kwargs: Any) -> None:
    actor = (
        event.actor.username
        if event.actor_id
        else ("reporter" if event.actor_title == "Pelapor" else "system")
    )
    record(
        f"case.{event.event}",
        actor=actor,
        case_reference=case.reference,
        unit_code=case.unit.code,
        at=event.at,
        data={
            "from": event.from_status,
            "to": event.to_status,
            "level": case.level,
            "handler_position": case.handler_position.code if case.handler_position_id else None,
            "handler_team": case.handler_team.code if case.handler_team_id else None,
        },
    )
