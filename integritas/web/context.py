"""What every page needs to draw the menu: is the visitor staff, on a team, an administrator?"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu_staff": False}
    from integritas.cases.access import team_unit_ids
    from integritas.orgs.models import PendingChange, PendingState

    team = bool(team_unit_ids(user))
    # Team members and administrators approve (or asked for) changes to teams and passwords.
    approvals = (team or user.is_admin) and PendingChange.objects.filter(state=PendingState.PENDING).exists()
    return {
        "menu_staff": True,
        "menu_team": team,
        "menu_admin": bool(user.is_admin),
        "menu_approvals": approvals,
    }
