"""Who reads which part of the audit log: teams the entries of the cases they oversee,
administrators the changes to the organisation, keys, backups and the audit anchor (never case
entries)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from integritas.audit.models import AuditEntry
from integritas.cases import access
from integritas.cases.models import Case
from integritas.errors import Forbidden
from integritas.orgs.models import Person

ADMIN_PREFIXES = ("org.", "keys.", "backup.", "audit.")


def case_entries(person: Person, case: Case) -> QuerySet[AuditEntry]:
    if not access.oversees(person, case):
        raise Forbidden(reason="audit_team_only")
    return AuditEntry.objects.filter(case_reference=case.reference).order_by("seq")


def admin_entries(person: Person) -> QuerySet[AuditEntry]:
    if not person.is_admin:
        raise Forbidden(reason="admin_only")
    condition = Q()
    for prefix in ADMIN_PREFIXES:
        condition |= Q(action__startswith=prefix)
    return AuditEntry.objects.filter(condition).order_by("-seq")


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "action": entry.action,
        "actor": entry.actor,
        "case": entry.case_reference or None,
        "unit": entry.unit_code or None,
        "data": entry.data,
        "hash": entry.hash,
    }
