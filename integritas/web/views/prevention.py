"""Prevention pages (SOP part C): the hub, "my declarations" and the declaration form, the signed
statement as PDF, and the team's view of declaration compliance with its reminders.

Views are thin: visibility comes from ``prevention.access``, every change is one call to a
``prevention`` service, and domain errors come back onto the page (Invalid → field errors, 400;
WrongState → 409; Forbidden → 403; NotFound → 404). The helpers here are shared by the other
``prevention_*`` view modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from integritas.cases.access import team_unit_ids
from integritas.cases.models import Category
from integritas.errors import DomainError, Forbidden, Invalid, NotFound, WrongState
from integritas.http import file_response
from integritas.notify.render import format_date, format_local
from integritas.orgs.models import Person, Unit
from integritas.prevention import access, declarations, documents
from integritas.prevention.common import holdings_today, home_unit
from integritas.prevention.models import (
    AgendaParticipant,
    ConflictStatus,
    Declaration,
    DeclarationKind,
    Gratification,
    GratificationStatus,
)
from integritas.web.forms_staff import show_invalid
from integritas.web.views.common import login_url, person_of, summary_errors
from integritas.web.views.prevention_forms import ComplianceForm, DeclarationForm

R = TypeVar("R", bound=HttpResponseBase)
T = TypeVar("T")

# ---------------------------------------------------------------- shared helpers


def staff_only(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """Signed-in staff only; anyone else goes to the sign-in page and comes back here. A record the
    person may not see (``NotFound`` from ``prevention.access``) gets the same page as a missing one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
        if not request.user.is_authenticated:
            return redirect(login_url(request.get_full_path() if request.method == "GET" else request.path))
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return not_found(request)

    return wrapper


def me(request: HttpRequest) -> Person:
    return person_of(request)


def lang() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def when(value: dt.datetime | None, unit: Unit | None) -> str:
    """An instant in the unit's local time with its zone (WIB, WITA, WIT), in the page's language."""
    if value is None:
        return ""
    return format_local(value, unit.effective_timezone if unit else "Asia/Jakarta")


def day(value: dt.date | None) -> str:
    return format_date(value) if value else ""


def this_year(person: Person) -> tuple[Unit | None, int]:
    """The person's home unit, and the year it is there now (UTC without one)."""
    unit = home_unit(person)
    return unit, timezone.now().astimezone(unit.tz if unit else dt.UTC).year


def quiet(form: forms.Form) -> None:
    """A form posted back only to add a block or change a choice: keep what was typed, show no errors."""
    form.is_valid()
    form.errors.clear()


def outcome_of(error: DomainError) -> tuple[int, str]:
    """(status, message) for a refusal that is not about a field."""
    if isinstance(error, WrongState):
        return 409, error.message
    if isinstance(error, Forbidden):
        return 403, error.message
    if isinstance(error, NotFound):
        return 404, error.message
    return error.status, error.message


def submit(
    request: HttpRequest,
    form: forms.Form,
    run: Callable[[], T],
    then: Callable[[T], tuple[str, HttpResponse]],
    show: Callable[[int, str], HttpResponse],
    *,
    field_for: Callable[[str], str | None] | None = None,
    again: bool = False,
) -> HttpResponse:
    """A posted form to its one service call. When it worked, ``then`` gives the words of success
    and the answer (a redirect). Otherwise ``show(status, problem)`` draws the page again: 200 when
    nothing was posted, or when the form came back ``again`` only to add a block or change a choice
    (what was typed is kept, without errors); the service's field problems go onto the form
    (``field_for`` names the form field of a service field), other refusals become the problem."""
    if request.method != "POST" or again:
        if again:
            quiet(form)
        return show(200, "")
    status, problem = 400, ""
    if form.is_valid():
        try:
            result = run()
        except Invalid as error:
            show_invalid(form, error, field_for)
        except DomainError as error:
            status, problem = outcome_of(error)
        else:
            text, answer = then(result)
            messages.success(request, text)
            return answer
    return show(status, problem)


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/prevention/not_found.html", status=404)


def team_only(request: HttpRequest) -> HttpResponse:
    return render(request, "web/prevention/team_only.html", status=403)


UnitsView = Callable[[HttpRequest, Person, list[Unit]], HttpResponse]


def with_units(find: Callable[[Person], list[Unit]]) -> Callable[[UnitsView], Callable[..., HttpResponse]]:
    """A page about units: the view gets the person and the units ``find`` gives them (a unit's
    teams, or where they may publish); someone with none gets the page for the team only."""

    def decorate(view: UnitsView) -> Callable[..., HttpResponse]:
        @staff_only
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            person = me(request)
            units = find(person)
            return view(request, person, units) if units else team_only(request)

        return wrapper

    return decorate


def rupiah(value: int | None) -> str:
    """Rp1.500.000 in Indonesian, Rp1,500,000 in English."""
    if value is None:
        return ""
    text = f"{int(value):,}"
    return "Rp" + (text.replace(",", ".") if lang() == "id" else text)


def team_units_tree(person: Person) -> list[Unit]:
    """The units of the person's teams and every unit below them, in tree order."""
    paths = list(Unit.objects.filter(pk__in=team_unit_ids(person)).values_list("path", flat=True))
    if not paths:
        return []
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    condition = reduce(or_, (Q(path__startswith=p) for p in paths))
    return list(Unit.objects.filter(condition).order_by("path"))


def unit_choices(units: Iterable[Unit]) -> list[tuple[str, str]]:
    out = []
    for unit in units:
        depth = max(0, len(unit.ancestor_ids()) - 1)
        out.append((unit.code, ("— " * depth) + unit.name))
    return out


CATEGORY_LABELS = dict(Category.choices)


def interests_for_page(interests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "category": CATEGORY_LABELS.get(i.get("category") or "", i.get("category") or ""),
            "description": i.get("description") or "",
            "parties": i.get("parties") or [],
        }
        for i in interests
    ]


# ---------------------------------------------------------------- the hub


@staff_only
def hub(request: HttpRequest) -> HttpResponse:
    """Pencegahan benturan kepentingan: what needs the person's attention, and where everything is."""
    person = me(request)
    unit, year = this_year(person)
    annual = declarations.annual_for(person, year)
    now = timezone.now()
    seats = AgendaParticipant.objects.filter(person=person, agenda__meets_at__gt=now).select_related(
        "agenda__unit"
    )
    open_items = access.self_declarations_visible_to(person).filter(status=ConflictStatus.OPEN)
    to_decide = [
        item
        for item in open_items.select_related("handler_person", "handler_team").order_by("due_at")[:50]
        if access.is_current_handler(person, item)
    ]
    team = bool(team_unit_ids(person))
    context = {
        "year": year,
        "annual": annual,
        "annual_filed": when(annual.filed_at, unit) if annual else "",
        "holds_position": bool(holdings_today(person)),
        "agendas": [
            {"agenda": s.agenda, "meets": when(s.agenda.meets_at, s.agenda.unit)}
            for s in seats.order_by("agenda__meets_at")[:20]
        ],
        "to_decide": to_decide,
        "my_open_gratifications": Gratification.objects.filter(
            recipient=person, status=GratificationStatus.REPORTED
        ).count(),
        "team": team,
        "team_open_gratifications": access.gratifications_visible_to(person)
        .filter(status=GratificationStatus.REPORTED)
        .exclude(recipient=person)
        .count()
        if team
        else 0,
    }
    return render(request, "web/prevention/hub.html", {**context, "section": "hub"})


# ---------------------------------------------------------------- declarations


def _declaration_rows(rows: Iterable[Declaration], unit: Unit | None) -> list[dict[str, Any]]:
    return [
        {
            "row": d,
            "kind": DeclarationKind(d.kind).label,
            "filed": when(d.filed_at, unit),
        }
        for d in rows
    ]


@staff_only
def declaration_mine(request: HttpRequest) -> HttpResponse:
    person = me(request)
    unit, year = this_year(person)
    history = list(declarations.history_of(person)[:200])
    years = sorted({d.year for d in history if d.kind == DeclarationKind.ANNUAL}, reverse=True)
    context = {
        "year": year,
        "annual": declarations.annual_for(person, year),
        "rows": _declaration_rows(history, unit),
        "statement_years": years,
    }
    return render(request, "web/prevention/declarations.html", {**context, "section": "declarations"})


@staff_only
def declaration_new(request: HttpRequest) -> HttpResponse:
    person = me(request)
    _unit, year = this_year(person)
    posted = request.method == "POST"
    more = posted and "more" in request.POST
    form = DeclarationForm(request.POST if posted else None, year=year, more=more)

    def show(status: int, problem: str) -> HttpResponse:
        context = {
            "form": form,
            "problem": problem,
            "blocks": form.interest_blocks(),
            "summary_errors": summary_errors(form),
            "categories": [(c.label, c.help_text) for c in Category],
            "section": "declarations",
        }
        return render(request, "web/prevention/declaration_form.html", context, status=status)

    return submit(
        request,
        form,
        lambda: declarations.declaration_file(person=person, data=form.to_data()),
        lambda filed: (
            _("Your declaration is filed. Thank you."),
            redirect("web:prevention_declaration", declaration_id=filed.declaration.pk),
        ),
        show,
        field_for=DeclarationForm.field_for,
        again=more,
    )


@staff_only
def declaration_detail(request: HttpRequest, declaration_id: str) -> HttpResponse:
    person = me(request)
    row = access.get_declaration_for(person, declaration_id)
    interests = declarations.declaration_content(row, person)
    unit = home_unit(row.person)
    context = {
        "row": row,
        "kind": DeclarationKind(row.kind).label,
        "filed": when(row.filed_at, unit),
        "interests": interests_for_page(interests),
        "own": row.person_id == person.pk,
        "section": "declarations" if row.person_id == person.pk else "compliance",
    }
    return render(request, "web/prevention/declaration.html", context)


@staff_only
def declaration_statement(request: HttpRequest, year: str) -> HttpResponse:
    person = me(request)
    owner = person
    username = request.GET.get("person")
    if username and username != person.username:
        found = Person.objects.filter(username=username[:150]).first()
        if found is None or not access.oversees_person(person, found):
            return not_found(request)
        owner = found
    row = declarations.annual_for(owner, int(year))
    if row is None:
        return not_found(request)
    pdf = documents.statement_pdf(row, person)
    return file_response(pdf, "application/pdf", f"surat-pernyataan-{owner.username}-{year}.pdf")


@with_units(team_units_tree)
def compliance(request: HttpRequest, person: Person, units: list[Unit]) -> HttpResponse:
    """The team: who holds a position in a unit's subtree today and has not filed for the year."""
    default_year = timezone.now().astimezone(units[0].tz).year
    data = request.GET if request.GET else {"unit": units[0].code, "year": default_year}
    form = ComplianceForm(data, units=unit_choices(units))
    context: dict[str, Any] = {"form": form, "summary_errors": [], "section": "compliance"}
    if not form.is_valid():
        context["summary_errors"] = summary_errors(form)
        return render(request, "web/prevention/compliance.html", context, status=400)
    unit = Unit.objects.get(code=form.cleaned_data["unit"])
    year = form.cleaned_data["year"]
    if request.method == "POST":
        chosen = request.POST.getlist("person")
        try:
            sent = declarations.remind_missing(unit=unit, year=year, actor=person, usernames=chosen or None)
        except Invalid:
            messages.error(request, _("Some of the people chosen have filed meanwhile. Choose again."))
        else:
            if sent:
                messages.success(request, _("Reminders sent to %(count)s people.") % {"count": len(sent)})
            else:
                messages.info(request, _("Nobody was reminded: each person is reminded at most once a day."))
        return redirect(
            f"{reverse('web:prevention_compliance')}?{urlencode({'unit': unit.code, 'year': year})}"
        )
    report = declarations.compliance(unit=unit, year=year, viewer=person)
    context.update(
        {
            "unit": unit,
            "year": year,
            "report": report,
            "percent": round(100 * report.filed / report.people) if report.people else 100,
            "missing": report.missing,
        }
    )
    return render(request, "web/prevention/compliance.html", context)
