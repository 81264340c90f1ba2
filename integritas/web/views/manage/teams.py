"""Teams: every unit's COI handling team, and one team's page with a search for people to add.

Separation of duties: adding or removing a member is a request that a second person approves
(``orgs.services.teams_change``); the page shows what waits. The search lists people who hold a
position (or sit on a team) in the unit or below it, never administrators; anyone else is added by
typing their exact user name.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from integritas.errors import Invalid
from integritas.orgs import services
from integritas.orgs.models import Holding, PendingChange, PendingState, Person, TeamMembership, Unit
from integritas.web import forms_manage as f
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import admin_only, page, today

SEARCH_RESULTS = 20
# A unit with at most this many people lists them all, without a search.
LIST_ALL = 30


@admin_only
def team_list(request: HttpRequest) -> HttpResponse:
    units = list(Unit.objects.annotate(n_team=Count("team_memberships")).order_by("code"))
    members: dict[int, list[Person]] = {}
    for membership in TeamMembership.objects.select_related("person").order_by("person__name"):
        members.setdefault(membership.unit_id, []).append(membership.person)
    rows = [{"unit": u, "depth": d, "members": members.get(u.pk, [])} for u, d in f.unit_tree(units)]
    return page(request, "team_list.html", {"rows": rows}, section="teams")


def people_of(unit: Unit, query: str = "") -> QuerySet[Person]:
    """Active people who are not administrators and hold a position today (or sit on a team) in the
    unit or a unit below it; with ``query``, only those whose name or user name contains it."""
    below = Q(position__unit__path__startswith=unit.path)
    holders = Holding.objects.active_on(today()).filter(below).values("person_id")
    seated = TeamMembership.objects.filter(unit__path__startswith=unit.path).values("person_id")
    people = Person.objects.filter(is_active=True, is_admin=False).filter(
        Q(pk__in=holders) | Q(pk__in=seated)
    )
    if query:
        people = people.filter(Q(name__icontains=query) | Q(username__icontains=query))
    return people.order_by("name", "username")


def _request(request: HttpRequest, unit: Unit, person: Person, *, add: bool) -> HttpResponse | None:
    try:
        outcome = services.team_set(
            actor=person_of(request), unit=unit, add=[person] if add else [], remove=[] if add else [person]
        )
    except Invalid as error:
        messages.error(request, "; ".join(problem.text for problem in error.fields.values()))
        return None
    name = person.display_name
    if outcome.applied:
        text = _("%(name)s added to the team.") if add else _("%(name)s removed from the team.")
        messages.success(request, text % {"name": name})
    elif outcome.pending:
        text = (
            _("Adding %(name)s waits for approval by a member of this team (or of a team above it).")
            if add
            else _("Removing %(name)s waits for approval by a member of this team (or of a team above it).")
        )
        messages.info(request, text % {"name": name})
    else:
        messages.info(
            request, _("Nothing changed: %(name)s is already asked for, or already so.") % {"name": name}
        )
    return redirect("web:manage_team", code=unit.code)


@admin_only
def team_edit(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(Unit, code=code)
    form = f.TeamAddForm()
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            person = get_object_or_404(Person, username=request.POST["remove"])
            if (response := _request(request, unit, person, add=False)) is not None:
                return response
            status = 400
        elif "add" in request.POST:  # a button in the search results
            person = get_object_or_404(Person, username=request.POST["add"])
            if (response := _request(request, unit, person, add=True)) is not None:
                return response
            status = 400
        else:
            form = f.TeamAddForm(request.POST)
            if form.is_valid():
                if (response := _request(request, unit, form.cleaned_data["person"], add=True)) is not None:
                    return response
            status = 400
    members = [
        m.person
        for m in TeamMembership.objects.filter(unit=unit).select_related("person").order_by("person__name")
    ]
    search = f.TeamSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    people = people_of(unit, query)
    if query:
        candidates = list(people[: SEARCH_RESULTS + 1])
        listing, more = True, len(candidates) > SEARCH_RESULTS
    else:
        listing = people.count() <= LIST_ALL
        candidates, more = (list(people) if listing else []), False
    member_ids = {p.pk for p in members}
    counts = dict(
        TeamMembership.objects.filter(unit_id__in=unit.ancestor_ids())
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    above = [
        {"unit": u, "count": counts.get(u.pk, 0)}
        for u in sorted(
            Unit.objects.filter(pk__in=unit.ancestor_ids()[:-1]), key=lambda u: len(u.path), reverse=True
        )
    ]
    pending = list(
        PendingChange.objects.filter(unit=unit, state=PendingState.PENDING)
        .select_related("person")
        .order_by("requested_at")
    )
    return page(
        request,
        "team_form.html",
        {
            "unit": unit,
            "members": members,
            "form": form,
            "search": search,
            "query": query,
            "candidates": [p for p in candidates[:SEARCH_RESULTS] if p.pk not in member_ids],
            "more": more,
            "needs_search": not listing,
            "above": above,
            "pending": pending,
        },
        section="teams",
        status=status,
    )
