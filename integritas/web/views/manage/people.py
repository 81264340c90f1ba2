"""People: the list with search, creating a person, and the person's page (details, positions held,
password), one small handler per form on that page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import Form
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
T = TypeVar("T")


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


PERSON_FIELDS = ("name", "email", "language", "is_admin", "is_active")


def _apply(
    form: Form, run: Callable[[dict[str, Any]], T], then: Callable[[T], HttpResponse]
) -> HttpResponse | None:
    """A form of these pages to its one service call: what ``then`` answers when it worked, None
    when the form or the service refused it (the problems are then on the form)."""
    if not form.is_valid():
        return None
    try:
        result = run(form.cleaned_data)
    except Invalid as error:
        f.show_invalid(form, error)
        return None
    return then(result)


def _back(request: HttpRequest, person: Person, text: str, *, info: bool = False) -> HttpResponse:
    (messages.info if info else messages.success)(request, text)
    return redirect("web:manage_person", username=person.username)


@admin_only
def person_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return page(request, "person_create.html", {"form": f.PersonForm()}, section="people")
    form = f.PersonForm(request.POST)
    answer = _apply(
        form,
        lambda data: services.person_save(
            actor=person_of(request), username=data["username"], **{k: data[k] for k in PERSON_FIELDS}
        )[0],
        lambda person: _back(
            request,
            person,
            _("%(name)s added. Set a password or let them reset it before they can sign in.")
            % {"name": person.display_name},
        ),
    )
    return answer or page(request, "person_create.html", {"form": form}, section="people", status=400)


Handler = Callable[[HttpRequest, Person, dict[str, Any]], HttpResponse | None]


def _details(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    forms["details"] = f.PersonForm(request.POST, person=person)
    return _apply(
        forms["details"],
        lambda data: services.person_save(
            actor=person_of(request), person=person, **{k: data[k] for k in PERSON_FIELDS}
        )[1],
        lambda changed: _back(request, person, _("Saved.") if changed else _("Nothing changed.")),
    )


def _holding(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    forms["holding"] = f.HoldingForm(request.POST)
    return _apply(
        forms["holding"],
        lambda data: services.holding_add(
            actor=person_of(request),
            person=person,
            position=data["position"],
            start=data["start"],
            end=data["end"],
            acting=data["acting"],
        ),
        lambda held: _back(request, person, _("%(position)s assigned.") % {"position": held.position.title}),
    )


def _end(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    holding = next((h for h in forms["holdings"] if str(h.pk) == request.POST.get("holding")), None)
    if holding is None:
        raise Http404
    forms["end"][holding.pk] = f.HoldingEndForm(request.POST, prefix=f"end{holding.pk}")
    return _apply(
        forms["end"][holding.pk],
        lambda data: services.holding_end(actor=person_of(request), holding=holding, end=data["end"]),
        lambda _ended: _back(
            request, person, _("%(position)s ended.") % {"position": holding.position.title}
        ),
    )


def _password(request: HttpRequest, person: Person, forms: dict[str, Any]) -> HttpResponse | None:
    forms["password"] = f.PasswordForm(request.POST, person=person)
    return _apply(
        forms["password"],
        lambda data: services.person_set_password(
            actor=person_of(request), person=person, password=data["password1"]
        ),
        lambda outcome: _password_set(request, person, waits=outcome.pending is not None),
    )


def _password_set(request: HttpRequest, person: Person, *, waits: bool) -> HttpResponse:
    if waits:
        text = _(
            "The new password for %(name)s waits for a second person's approval (a member of their "
            "team, or another administrator); they have been told."
        )
        return _back(request, person, text % {"name": person.display_name}, info=True)
    if person.pk == request.user.pk:
        update_session_auth_hash(request, Person.objects.get(pk=person.pk))
    return _back(request, person, _("Password set."))


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
