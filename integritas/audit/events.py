"""The audit entry of a case event: called by ``cases.history.record_event`` for every row."""

from __future__ import annotations

from typing import Any

from integritas.audit.chain import record
from integritas.audit.models import AuditEntry
from integritas.cases.models import Event


def record_case_event(event: Event) -> AuditEntry:
    case = event.case
    data: dict[str, Any] = {
        "from": event.from_status,
        "to": event.to_status,
        "level": case.level,
        "handler_position": case.handler_position.code if case.handler_position else None,
        "handler_team": case.handler_team.code if case.handler_team else None,
        "role": event.actor_role,
    }
    if event.actor_position_id:
        data["actor_position"] = event.actor_position.code if event.actor_position else None
    if event.to_position_id or event.to_team_id:
        data["to_position"] = event.to_position.code if event.to_position else None
        data["to_team"] = event.to_team.code if event.to_team else None
    if event.follow_up_id:
        data["follow_up"] = event.follow_up_id
    data.update(event.data)
    return record(
        f"case.{event.kind}",
        actor=event.actor.username if event.actor is not None else str(event.actor_role),
        case_reference=case.reference,
        unit_code=case.unit.code,
        at=event.at,
        data=data,
    )
