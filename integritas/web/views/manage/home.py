"""The overview: counts, changes waiting for approval, and the recent changes to the organisation."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse

from integritas.orgs.models import (
    Holding,
    Holiday,
    OrgChange,
    PendingChange,
    PendingState,
    Person,
    Position,
    TeamMembership,
    Unit,
)
from integritas.orgs.presenters import actor_label, change_text, kind_label, via_label
from integritas.web.views.manage.common import admin_only, page, today

RECENT = 10


@admin_only
def home(request: HttpRequest) -> HttpResponse:
    day = today()
    counts = {
        "units": Unit.objects.count(),
        "positions": Position.objects.count(),
        "vacant": Position.objects.exclude(
            pk__in=Holding.objects.active_on(day).values("position_id")
        ).count(),
        "people": Person.objects.filter(is_active=True).count(),
        "admins": Person.objects.filter(is_active=True, is_admin=True).count(),
        "team_members": TeamMembership.objects.count(),
        "teams": TeamMembership.objects.values("unit_id").distinct().count(),
        "holidays": Holiday.objects.filter(date__year=day.year).count(),
        "pending": PendingChange.objects.filter(state=PendingState.PENDING).count(),
    }
    # The organisation's own change records: the audit log also holds case events, which are not ours.
    recent = [
        {
            "at": row.change_set.at,
            "label": kind_label(row.kind),
            "text": change_text(row),
            "unit": row.unit_code,
            "actor": actor_label(row.change_set.actor),
            "via": via_label(row.change_set.via),
        }
        for row in OrgChange.objects.select_related("change_set").order_by("-id")[:RECENT]
    ]
    by_kind = dict(
        PendingChange.objects.filter(state=PendingState.PENDING).values_list("kind").annotate(n=Count("id"))
    )
    return page(
        request,
        "home.html",
        {"counts": counts, "recent": recent, "year": day.year, "pending_by_kind": by_kind},
        section="home",
    )
