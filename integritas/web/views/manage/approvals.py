"""Approvals (/persetujuan/): changes that give someone access to cases wait here for a second person.

A member of the team concerned (or of a team above it) approves or refuses a change to the team's
membership or a new password for someone who reads cases; where no such member exists, another
administrator. The administrator who asked sees their requests and may withdraw them. Not an
administration page: team members use it, and it shows no case content either.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from integritas.errors import DomainError
from integritas.orgs import services
from integritas.orgs.models import PendingChange
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import failed_forms


def approvals(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("web:login"))
    person = person_of(request)
    if request.method == "POST":
        change_id = request.POST.get("change", "")
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.pending_approve(actor=person, change_id=change_id)
                messages.success(request, _("Approved: the change is in force, and the team has been told."))
            elif action in ("reject", "withdraw"):
                change = services.pending_reject(
                    actor=person, change_id=change_id, reason=request.POST.get("reason", "")[:500]
                )
                if change.state == "withdrawn":
                    messages.info(request, _("Request withdrawn: nothing changed."))
                else:
                    messages.info(request, _("Refused: nothing changed; the administrator has been told."))
            else:
                messages.error(request, _("Choose approve or refuse."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("web:approvals")
    waiting: list[PendingChange] = services.pending_for(person)
    rows = [
        {
            "change": change,
            "own": change.requested_by_id == person.pk,
        }
        for change in waiting
    ]
    context: dict[str, Any] = {"rows": rows, "section": "approvals"}
    context["error_forms"] = failed_forms(context)
    return render(request, "web/manage/approvals.html", context)
