"""People: the list with search, creating a person, and the person's page (details, positions held,
password), one small handler per form on that page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from integritas.errors import Invalid
from integritas.orgs import services
from integritas.orgs.models import Holding, PendingChange, PendingKind, PendingState, Person
from integritas.orgs.presenters import acting_title
from integritas.web import forms_manage as f
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import admin_only, page, today

PEOPLE_PER_PAGE = 50


@admin_only
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people = Person.objects.order_by("name", "username")
    if query:
        people = people.filter(
            Q(username__icontains=query) | Q(name__icontains=query) | Q(email__icontains=query)
        )
    listing = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("halaman"))
    held: dict[int, list[Holding]] = {}
    for holding in (
        Holding.objects.active_on(today())
        .filter(person__in=list(listing.object_list))
        .select_related("position__unit")
    ):
        held.setdefault(holding.person_id, []).append(holding)
    rows = [{"person": p, "holdings": [_held(h) for h in held.get(p.pk, [])]} for p in listing.object_list]
    return page(request, "person_list.html", {"rows": rows, "page": listing, "q": query}, section="people")


def _held(holding: Holding) -> dict[str, Any]:
    return {"holding": holding, "title": acting_title(holding.position.title, holding.acting)}


@admin_only
def person_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = f.PersonForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person, _changed = services.person_save(
                    actor=person_of(request),
                    username=data["username"],
                    name=data["name"],
                    email=data["email"],
                    language=data["language"],
                    is_admin=data["is_admin"],
                    is_active=data["is_active"],
                )
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s added. Set a password or let them reset it before they can sign in.")
                    % {"name": person.display_name},
                )
                return redirect("web:manage_person", username=person.username)
        return page(request, "person_create.html", {"form": form}, section="people", status=400)
    return page(request, "person_create.html", {"form": f.PersonForm()}, section="people")


Handler = Callable[[HttpRequest, Person, dict[str, Any]], HttpResponse | None]


def _details(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    form = forms["details"] = f.PersonForm(request.POST, person=person)
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        _person, changed = services.person_save(
            actor=person_of(request),
            person=person,
            name=data["name"],
            email=data["email"],
            language=data["language"],
            is_admin=data["is_admin"],
            is_active=data["is_active"],
        )
    except Invalid as error:
        f.show_invalid(form, error)
        return None
    messages.success(request, _("Saved.") if changed else _("Nothing changed."))
    return redirect("web:manage_person", username=person.username)


def _holding(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    form = forms["holding"] = f.HoldingForm(request.POST)
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        services.holding_add(
            actor=person_of(request),
            person=person,
            position=data["position"],
            start=data["start"],
            end=data["end"],
            acting=data["acting"],
        )
    except Invalid as error:
        f.show_invalid(form, error)
        return None
    messages.success(request, _("%(position)s assigned.") % {"position": data["position"].title})
    return redirect("web:manage_person", username=person.username)


def _end(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    holding = next((h for h in forms["holdings"] if str(h.pk) == request.POST.get("holding")), None)
    if holding is None:
        raise Http404
    form = forms["end"][holding.pk] = f.HoldingEndForm(request.POST, prefix=f"end{holding.pk}")
    if not form.is_valid():
        return None
    try:
        services.holding_end(actor=person_of(request), holding=holding, end=form.cleaned_data["end"])
    except Invalid as error:
        f.show_invalid(form, error)
        return None
    messages.success(request, _("%(position)s ended.") % {"position": holding.position.title})
    return redirect("web:manage_person", username=person.username)


def _password(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    form = forms["password"] = f.PasswordForm(request.POST, person=person)
    if not form.is_valid():
        return None
    try:
        outcome = services.person_set_password(
            actor=person_of(request), person=person, password=form.cleaned_data["password1"]
        )
    except Invalid as error:
        f.show_invalid(form, error)
        return None
    if outcome.pending is not None:
        messages.info(
            request,
            _(
                "The new password for %(name)s waits for a second person's approval (a member of their "
                "team, or another administrator); they have been told."
            )
            % {"name": person.display_name},
        )
    else:
        if person.pk == request.user.pk:
            update_session_auth_hash(request, Person.objects.get(pk=person.pk))
        messages.success(request, _("Password set."))
    return redirect("web:manage_person", username=person.username)


HANDLERS: dict[str, Handler] = {"details": _details, "holding": _holding, "end": _end, "password": _password}


@admin_only
def person_edit(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(Person, username=username)
    day = today()
    holdings = list(person.holdings.select_related("position__unit").order_by("-start", "pk"))
    forms: dict[str, Any] = {
        "details": f.PersonForm(person=person),
        "holding": f.HoldingForm(initial={"start": day}),
        "password": f.PasswordForm(person=person),
        "holdings": holdings,
        "end": {
            h.pk: f.HoldingEndForm(prefix=f"end{h.pk}", initial={"end": max(day, h.start)}) for h in holdings
        },
    }
    status = 200
    if request.method == "POST":
        handler = HANDLERS.get(request.POST.get("form", ""))
        if handler is not None and (response := handler(request, person, forms)) is not None:
            return response
        status = 400
    rows = [
        {
            "holding": h,
            "title": acting_title(h.position.title, h.acting),
            "current": h.start <= day and (h.end is None or h.end >= day),
            "future": h.start > day,
            "end_form": forms["end"][h.pk],
        }
        for h in holdings
    ]
    pending = PendingChange.objects.filter(person=person, state=PendingState.PENDING).select_related("unit")
    return page(
        request,
        "person_form.html",
        {
            "person": person,
            "forms": {k: forms[k] for k in ("details", "holding", "password")},
            "rows": rows,
            "end_forms": list(forms["end"].values()),
            "teams": person.team_memberships.select_related("unit").order_by("unit__code"),
            "pending": list(pending),
            "pending_kinds": PendingKind,
        },
        section="people",
        status=status,
    )
