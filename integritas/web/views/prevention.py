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
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from integritas.cases.access import team_unit_ids
from integritas.cases.models import Category
from integritas.errors import DomainError, Forbidden, Invalid, NotFound, WrongState
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
from integritas.web.views.prevention_forms import ComplianceForm, DeclarationForm

R = TypeVar("R", bound=HttpResponseBase)

# ---------------------------------------------------------------- shared helpers


def staff_only(view: Callable[..., R]) -> Callable[..., R | HttpResponseRedirect]:
    """Signed-in staff only; anyone else goes to the sign-in page and comes back here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponseRedirect:
        if not request.user.is_authenticated:
            target = request.get_full_path() if request.method == "GET" else request.path
            return redirect(f"{reverse('web:login')}?{urlencode({'next': target})}")
        return view(request, *args, **kwargs)

    return wrapper


def me(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


def lang() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def when(value: dt.datetime | None, unit: Unit | None) -> str:
    """An instant in the unit's local time with its zone (WIB, WITA, WIT), in the page's language."""
    if value is None:
        return ""
    return format_local(value, unit.effective_timezone if unit else "Asia/Jakarta")


def day(value: dt.date | None) -> str:
    return format_date(value) if value else ""


def summary_errors(*bound: forms.Form | None) -> list[dict[str, str]]:
    """The error summary at the top of a page: each error links to its field."""
    found: list[dict[str, str]] = []
    for form in bound:
        if form is None or not form.is_bound:
            continue
        for name, errors in form.errors.items():
            if name == NON_FIELD_ERRORS:
                found += [{"text": str(e), "href": ""} for e in errors]
                continue
            field = form[name]
            target = field.auto_id + ("_0" if isinstance(field.field.widget, forms.RadioSelect) else "")
            found += [{"text": f"{field.label}: {e}", "href": f"#{target}"} for e in errors]
    return found


def put_errors(form: forms.Form, error: Invalid, field_for: Callable[[str], str | None]) -> None:
    """A service's problems onto the form's fields (or the form itself), in the page's language."""
    for name, problem in error.fields.items():
        target = field_for(name)
        text = str(problem.params.get("detail") or problem.text)
        form.add_error(target if target in form.fields else None, text)


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


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/prevention/not_found.html", status=404)


def rupiah(value: int | None) -> str:
    """Rp1.500.000 in Indonesian, Rp1,500,000 in English."""
    if value is None:
        return ""
    text = f"{int(value):,}"
    return "Rp" + (text.replace(",", ".") if lang() == "id" else text)


def attachment(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
    unit = home_unit(person)
    year = timezone.now().astimezone(unit.tz if unit else dt.UTC).year
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
    unit = home_unit(person)
    year = timezone.now().astimezone(unit.tz if unit else dt.UTC).year
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
    unit = home_unit(person)
    year = timezone.now().astimezone(unit.tz if unit else dt.UTC).year
    posted = request.method == "POST"
    more = posted and "more" in request.POST
    form = DeclarationForm(request.POST if posted else None, year=year, more=more)
    status = 200
    if more:
        quiet(form)
    if posted and not more:
        if form.is_valid():
            try:
                filed = declarations.declaration_file(person=person, data=form.to_data())
            except Invalid as error:
                put_errors(form, error, DeclarationForm.field_for)
            else:
                messages.success(request, _("Your declaration is filed. Thank you."))
                return redirect("web:prevention_declaration", declaration_id=filed.declaration.pk)
        status = 400
    context = {
        "form": form,
        "blocks": form.interest_blocks(),
        "summary_errors": summary_errors(form),
        "categories": [(c.label, c.help_text) for c in Category],
        "section": "declarations",
    }
    return render(request, "web/prevention/declaration_form.html", context, status=status)


@staff_only
def declaration_detail(request: HttpRequest, declaration_id: str) -> HttpResponse:
    person = me(request)
    try:
        row = access.get_declaration_for(person, declaration_id)
    except NotFound:
        return not_found(request)
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
    return attachment(pdf, "application/pdf", f"surat-pernyataan-{owner.username}-{year}.pdf")


@staff_only
def compliance(request: HttpRequest) -> HttpResponse:
    """The team: who holds a position in a unit's subtree today and has not filed for the year."""
    person = me(request)
    units = team_units_tree(person)
    if not units:
        return render(request, "web/prevention/team_only.html", status=403)
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
