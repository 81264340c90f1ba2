"""The current organisation as an org import file (API.md §3), to edit and import again.

Importing the export changes nothing: units come parents first with their own settings (not the
inherited ones), people with the positions they hold today or will hold (with their dates), teams
with all their members, and the days off added by administrators. Passwords are never exported.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils import timezone

from integritas.orgs.models import Holding, Holiday, Person, Position, TeamMembership, Unit
from integritas.orgs.tree import order_top_down


def export_data(*, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    units = order_top_down(Unit.objects.order_by("code"))
    code_of = {u.pk: u.code for u in units}
    unit_rows = []
    for unit in units:
        parent = code_of.get(unit.parent_id) if unit.parent_id else None
        row: dict[str, Any] = {"code": unit.code, "name": unit.name, "parent": parent}
        if unit.timezone:
            row["timezone"] = unit.timezone
        if unit.work_week:
            row["work_week"] = unit.work_week
        if unit.policy:
            row["policy"] = dict(unit.policy)
        unit_rows.append(row)

    positions = list(
        Position.objects.order_by("unit__code", "code").values(
            "id", "code", "unit_id", "title", "reports_to_id"
        )
    )
    position_code = {p["id"]: p["code"] for p in positions}
    position_rows = [
        {
            "code": p["code"],
            "unit": code_of[p["unit_id"]],
            "title": p["title"],
            "reports_to": position_code.get(p["reports_to_id"]),
        }
        for p in positions
    ]

    held: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for holding in (
        Holding.objects.filter(Q(end__isnull=True) | Q(end__gte=today))
        .order_by("person_id", "start", "id")
        .values("person_id", "position_id", "start", "end", "acting")
        .iterator(chunk_size=20000)
    ):
        held[holding["person_id"]].append(
            {
                "code": position_code[holding["position_id"]],
                "start": holding["start"].isoformat(),
                "end": holding["end"].isoformat() if holding["end"] else None,
                "acting": holding["acting"],
            }
        )
    people_rows = []
    for person in (
        Person.objects.order_by("username")
        .values("id", "username", "name", "email", "language", "is_admin")
        .iterator(chunk_size=20000)
    ):
        row = {"username": person["username"], "name": person["name"] or person["username"]}
        if person["email"]:
            row["email"] = person["email"]
        if person["language"] != "id":
            row["language"] = person["language"]
        if person["is_admin"]:
            row["admin"] = True
        row["positions"] = held.get(person["id"], [])
        people_rows.append(row)

    members: dict[int, list[str]] = defaultdict(list)
    for unit_id, username in TeamMembership.objects.order_by("person__username").values_list(
        "unit_id", "person__username"
    ):
        members[unit_id].append(username)
    team_rows = [{"unit": code_of[u.pk], "members": members[u.pk]} for u in units if members.get(u.pk)]

    holiday_rows = [
        {"date": h["date"].isoformat(), "name": h["name"], "unit": code_of.get(h["unit_id"])}
        for h in Holiday.objects.order_by("date", "unit__code").values("date", "name", "unit_id")
    ]
    return {
        "holidays": holiday_rows,
        "units": unit_rows,
        "positions": position_rows,
        "people": people_rows,
        "teams": team_rows,
    }
