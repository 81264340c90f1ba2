"""What every page needs to draw the menu: is the visitor staff, on a team, an administrator?"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu_staff": False}
    from integritas.cases.access import team_unit_ids

    return {"menu_staff": True, "menu_team": bool(team_unit_ids(user)), "menu_admin": bool(user.is_admin)}
