"""Administration pages (/kelola/): units, positions, people, teams, calendars and the org import.

Only administrators (``Person.is_admin``) get in. Separation of duties: nothing here reads or links to
cases; the pages show the organisation only. Every change goes through ``integritas.orgs.services``
(or the importer), which write the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

import holidays as holidays_lib
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from integritas.audit.models import AuditEntry
from integritas.errors import Invalid
from integritas.orgs import services
from integritas.orgs.calendar import UnitCalendar, national_days
from integritas.orgs.importer import ImportProblem, import_org
from integritas.orgs.models import Holding, Holiday, Person, Position, TeamMembership, Unit
from integritas.web import forms_manage as f

MAX_IMPORT_BYTES = 5 * 1024 * 1024
IMPORT_SESSION_KEY = "manage_import"
PEOPLE_PER_PAGE = 50
FIRST_YEAR, LAST_YEAR = 2000, 2100

View = Callable[..., HttpResponse]


def admin_only(view: View) -> View:
    """Anonymous visitors go to the sign-in page; signed-in people who are not administrators get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:login"))
        if not getattr(user, "is_admin", False):
            return render(request, "web/manage/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _failed_forms(context: dict[str, Any]) -> list[Form]:
    """Every bound form on the page that has errors, for the error summary at the top."""
    found: list[Form] = []
    for value in context.values():
        candidates = (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        )
        found.extend(c for c in candidates if isinstance(c, Form) and c.is_bound and c.errors)
    return found


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, section: str, status: int = 200
) -> HttpResponse:
    context = {"section": section, **context}
    context["error_forms"] = _failed_forms(context)
    return render(request, f"web/manage/{template}", context, status=status)


def _today() -> dt.date:
    return timezone.localdate()


def _active_position_ids(day: dt.date):
    return Holding.objects.active_on(day).values("position_id")


# --- overview ----------------------------------------------------------------------------------------


def action_label(action: str) -> str:
    labels = {
        "org.unit_created": _("Unit created"),
        "org.unit_changed": _("Unit changed"),
        "org.position_created": _("Position created"),
        "org.position_changed": _("Position changed"),
        "org.person_created": _("Person created"),
        "org.person_changed": _("Person changed"),
        "org.password_set": _("Password set"),
        "org.holding_added": _("Position assigned"),
        "org.holding_ended": _("Position ended"),
        "org.team_changed": _("Team changed"),
        "org.holiday_added": _("Day off added"),
        "org.holiday_removed": _("Day off removed"),
        "org.import": _("Org import file applied"),
    }
    return labels.get(action, action)


@admin_only
def home(request: HttpRequest) -> HttpResponse:
    today = _today()
    counts = {
        "units": Unit.objects.count(),
        "positions": Position.objects.count(),
        "vacant": Position.objects.exclude(pk__in=_active_position_ids(today)).count(),
        "people": Person.objects.filter(is_active=True).count(),
        "admins": Person.objects.filter(is_active=True, is_admin=True).count(),
        "team_members": TeamMembership.objects.count(),
        "teams": TeamMembership.objects.values("unit_id").distinct().count(),
        "holidays": Holiday.objects.filter(date__year=today.year).count(),
    }
    # Only the organisation's own entries: the audit log also holds case events, which are not ours.
    recent = [
        {"entry": e, "label": action_label(e.action)}
        for e in AuditEntry.objects.filter(action__startswith="org.").order_by("-seq")[:10]
    ]
    return _page(
        request,
        "home.html",
        {"counts": counts, "recent": recent, "year": today.year},
        section="home",
    )


# --- units -------------------------------------------------------------------------------------------


def _tree_rows(units: list[Unit]) -> list[dict[str, Any]]:
    """Nested-list events for the template: an item (with or without children), or the end of a level."""
    ordered = f.unit_tree(units)
    rows: list[dict[str, Any]] = []
    for i, (unit, depth) in enumerate(ordered):
        next_depth = ordered[i + 1][1] if i + 1 < len(ordered) else 0
        rows.append({"kind": "item", "unit": unit, "depth": depth, "has_children": next_depth > depth})
        rows.extend({"kind": "close"} for _level in range(depth - next_depth))
    return rows


@admin_only
def unit_list(request: HttpRequest) -> HttpResponse:
    units = list(
        Unit.objects.select_related("parent")
        .annotate(
            n_positions=Count("positions", distinct=True),
            n_team=Count("team_memberships", distinct=True),
        )
        .order_by("code")
    )
    return _page(
        request,
        "unit_list.html",
        {"rows": _tree_rows(units), "year": _today().year},
        section="units",
    )


def _unit_form_page(request: HttpRequest, unit: Unit | None) -> HttpResponse:
    if request.method == "POST":
        form = f.UnitForm(request.POST, unit=unit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved, changed = services.unit_save(
                    actor=request.user,
                    unit=unit,
                    code=data.get("code", ""),
                    name=data["name"],
                    parent=data["parent"],
                    timezone=data["timezone"],
                    work_week=data["work_week"],
                    policy=form.policy(),
                )
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                if changed:
                    messages.success(request, _("Unit %(code)s saved.") % {"code": saved.code})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("web:manage_unit", code=saved.code)
        status = 400
    else:
        form = f.UnitForm(
            unit=unit, initial={"parent": request.GET.get("induk", "")} if unit is None else None
        )
        status = 200
    context: dict[str, Any] = {"form": form, "unit": unit, "year": _today().year}
    if unit is not None:
        context["effective"] = {
            "timezone": f.timezone_label(unit.effective_timezone),
            "work_week": f.work_week_label(unit.effective_work_week),
        }
        context["children"] = unit.children.order_by("code")
    return _page(request, "unit_form.html", context, section="units", status=status)


@admin_only
def unit_create(request: HttpRequest) -> HttpResponse:
    return _unit_form_page(request, None)


@admin_only
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _unit_form_page(request, get_object_or_404(Unit.objects.select_related("parent"), code=code))


# --- positions ---------------------------------------------------------------------------------------


def _holders_by_position(positions: list[Position], day: dt.date) -> dict[int, list[Holding]]:
    holders: dict[int, list[Holding]] = {p.pk: [] for p in positions}
    for holding in (
        Holding.objects.active_on(day)
        .filter(position__in=positions)
        .select_related("person")
        .order_by("start")
    ):
        holders[holding.position_id].append(holding)
    return holders


@admin_only
def position_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    code = request.GET.get("unit", "").strip()
    if code:
        unit = get_object_or_404(Unit, code=code)
        positions = list(
            Position.objects.filter(unit=unit).select_related("reports_to__unit").order_by("code")
        )
        holders = _holders_by_position(positions, today)
        rows = [{"position": p, "holders": holders[p.pk]} for p in positions]
        return _page(
            request,
            "position_list.html",
            {"unit": unit, "rows": rows, "vacant": sum(1 for r in rows if not r["holders"])},
            section="positions",
        )
    vacant = dict(
        Position.objects.exclude(pk__in=_active_position_ids(today))
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    units = list(Unit.objects.annotate(n_positions=Count("positions")).order_by("code"))
    rows = [{"unit": u, "depth": d, "vacant": vacant.get(u.pk, 0)} for u, d in f.unit_tree(units)]
    return _page(request, "position_units.html", {"rows": rows}, section="positions")


def _position_form_page(request: HttpRequest, position: Position | None) -> HttpResponse:
    if request.method == "POST":
        form = f.PositionForm(request.POST, position=position)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved, changed = services.position_save(
                    actor=request.user,
                    position=position,
                    code=data.get("code", ""),
                    unit=data["unit"],
                    title=data["title"],
                    reports_to=data["reports_to"],
                )
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                if changed:
                    messages.success(request, _("Position %(code)s saved.") % {"code": saved.code})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("web:manage_position", code=saved.code)
        status = 400
    else:
        initial = {"unit": request.GET.get("unit", "")} if position is None else None
        form = f.PositionForm(position=position, initial=initial)
        status = 200
    context: dict[str, Any] = {"form": form, "position": position}
    if position is not None:
        today = _today()
        context["holdings"] = list(position.holdings.select_related("person").order_by("-start"))
        context["current"] = [
            h for h in context["holdings"] if h.start <= today and (h.end is None or h.end >= today)
        ]
        context["subordinates"] = list(
            position.subordinates.select_related("unit").order_by("unit__code", "code")
        )
        context["today"] = today
    return _page(request, "position_form.html", context, section="positions", status=status)


@admin_only
def position_create(request: HttpRequest) -> HttpResponse:
    return _position_form_page(request, None)


@admin_only
def position_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _position_form_page(
        request, get_object_or_404(Position.objects.select_related("unit", "reports_to"), code=code)
    )


# --- people ------------------------------------------------------------------------------------------


@admin_only
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people = Person.objects.order_by("name", "username")
    if query:
        people = people.filter(
            Q(username__icontains=query) | Q(name__icontains=query) | Q(email__icontains=query)
        )
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("halaman"))
    today = _today()
    held: dict[int, list[Holding]] = {}
    for holding in (
        Holding.objects.active_on(today)
        .filter(person__in=list(page.object_list))
        .select_related("position__unit")
    ):
        held.setdefault(holding.person_id, []).append(holding)
    rows = [{"person": p, "holdings": held.get(p.pk, [])} for p in page.object_list]
    return _page(request, "person_list.html", {"rows": rows, "page": page, "q": query}, section="people")


@admin_only
def person_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = f.PersonForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person, _changed = services.person_save(
                    actor=request.user,
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
        return _page(request, "person_create.html", {"form": form}, section="people", status=400)
    return _page(request, "person_create.html", {"form": f.PersonForm()}, section="people")


@admin_only
def person_edit(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(Person, username=username)
    today = _today()
    holdings = list(person.holdings.select_related("position__unit").order_by("-start", "pk"))
    forms: dict[str, Any] = {
        "details": f.PersonForm(person=person),
        "holding": f.HoldingForm(initial={"start": today}),
        "password": f.PasswordForm(person=person),
    }
    end_forms = {
        h.pk: f.HoldingEndForm(prefix=f"end{h.pk}", initial={"end": max(today, h.start)}) for h in holdings
    }
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        status = 400
        if which == "details":
            form = forms["details"] = f.PersonForm(request.POST, person=person)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    _person, changed = services.person_save(
                        actor=request.user,
                        person=person,
                        name=data["name"],
                        email=data["email"],
                        language=data["language"],
                        is_admin=data["is_admin"],
                        is_active=data["is_active"],
                    )
                except Invalid as error:
                    f.show_invalid(form, error)
                else:
                    messages.success(request, _("Saved.") if changed else _("Nothing changed."))
                    return redirect("web:manage_person", username=person.username)
        elif which == "holding":
            form = forms["holding"] = f.HoldingForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.holding_add(
                        actor=request.user,
                        person=person,
                        position=data["position"],
                        start=data["start"],
                        end=data["end"],
                        acting=data["acting"],
                    )
                except Invalid as error:
                    f.show_invalid(form, error)
                else:
                    messages.success(
                        request, _("%(position)s assigned.") % {"position": data["position"].title}
                    )
                    return redirect("web:manage_person", username=person.username)
        elif which == "end":
            holding = next((h for h in holdings if str(h.pk) == request.POST.get("holding")), None)
            if holding is None:
                raise Http404
            form = end_forms[holding.pk] = f.HoldingEndForm(request.POST, prefix=f"end{holding.pk}")
            if form.is_valid():
                try:
                    services.holding_end(actor=request.user, holding=holding, end=form.cleaned_data["end"])
                except Invalid as error:
                    f.show_invalid(form, error)
                else:
                    messages.success(request, _("%(position)s ended.") % {"position": holding.position.title})
                    return redirect("web:manage_person", username=person.username)
        elif which == "password":
            form = forms["password"] = f.PasswordForm(request.POST, person=person)
            if form.is_valid():
                try:
                    services.person_set_password(
                        actor=request.user, person=person, password=form.cleaned_data["password1"]
                    )
                except Invalid as error:
                    f.show_invalid(form, error)
                else:
                    if person.pk == request.user.pk:
                        update_session_auth_hash(request, Person.objects.get(pk=person.pk))
                    messages.success(request, _("Password set."))
                    return redirect("web:manage_person", username=person.username)
        else:
            status = 400
    rows = [
        {
            "holding": h,
            "current": h.start <= today and (h.end is None or h.end >= today),
            "future": h.start > today,
            "end_form": end_forms[h.pk],
        }
        for h in holdings
    ]
    return _page(
        request,
        "person_form.html",
        {
            "person": person,
            "forms": forms,
            "rows": rows,
            "end_forms": list(end_forms.values()),
            "teams": person.team_memberships.select_related("unit").order_by("unit__code"),
        },
        section="people",
        status=status,
    )


# --- teams -------------------------------------------------------------------------------------------


@admin_only
def team_list(request: HttpRequest) -> HttpResponse:
    units = list(Unit.objects.annotate(n_team=Count("team_memberships")).order_by("code"))
    members: dict[int, list[Person]] = {}
    for membership in TeamMembership.objects.select_related("person").order_by("person__name"):
        members.setdefault(membership.unit_id, []).append(membership.person)
    rows = [{"unit": u, "depth": d, "members": members.get(u.pk, [])} for u, d in f.unit_tree(units)]
    return _page(request, "team_list.html", {"rows": rows}, section="teams")


@admin_only
def team_edit(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(Unit, code=code)
    form = f.TeamAddForm()
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            person = get_object_or_404(Person, username=request.POST["remove"])
            _added, removed = services.team_set(actor=request.user, unit=unit, remove=[person])
            if removed:
                messages.success(
                    request, _("%(name)s removed from the team.") % {"name": person.display_name}
                )
            return redirect("web:manage_team", code=unit.code)
        form = f.TeamAddForm(request.POST)
        if form.is_valid():
            person = form.cleaned_data["person"]
            try:
                added, _removed = services.team_set(actor=request.user, unit=unit, add=[person])
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                if added:
                    messages.success(
                        request, _("%(name)s added to the team.") % {"name": person.display_name}
                    )
                else:
                    messages.info(
                        request, _("%(name)s is already in the team.") % {"name": person.display_name}
                    )
                return redirect("web:manage_team", code=unit.code)
        status = 400
    members = [
        m.person
        for m in TeamMembership.objects.filter(unit=unit).select_related("person").order_by("person__name")
    ]
    above = [
        {"unit": u, "count": TeamMembership.objects.filter(unit=u).count()}
        for u in unit.ancestors(include_self=False)
    ]
    return _page(
        request,
        "team_form.html",
        {"unit": unit, "members": members, "form": form, "above": above},
        section="teams",
        status=status,
    )


# --- the working-day calendar ------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _national_names(year: int, language: str) -> dict[dt.date, tuple[tuple[str, bool], ...]]:
    """Each national day off of a year: its names in the page's language and whether it is joint leave.

    The holidays library names joint leave "Cuti Bersama …" in Indonesian; that name decides the kind,
    and the English names (same days, same order) are only used for display.
    """
    indonesian = national_days(year)
    english: dict[dt.date, str] = {}
    if language == "en":
        english = dict(
            holidays_lib.country_holidays(
                "ID", years=year, categories=("public", "government"), language="en_US"
            ).items()
        )
    result = {}
    for day, names in indonesian.items():
        parts = [p.strip() for p in names.split(";")]
        shown = [p.strip() for p in english.get(day, "").split(";")] if day in english else parts
        if len(shown) != len(parts):
            shown = parts
        result[day] = tuple(
            (name, "cuti bersama" in part.lower()) for name, part in zip(shown, parts, strict=True)
        )
    return result


KIND_ORDER = ("national", "joint", "added", "weekend")


def _calendar_months(unit: Unit, year: int) -> tuple[list[dict[str, Any]], int]:
    days = UnitCalendar(unit).year(year)
    national = _national_names(year, "en" if get_language() == "en" else "id")
    added: dict[dt.date, list[Holiday]] = {}
    for holiday in Holiday.objects.filter(
        Q(unit__isnull=True) | Q(unit_id__in=[u.pk for u in unit.ancestors()]), date__year=year
    ).select_related("unit"):
        added.setdefault(holiday.date, []).append(holiday)
    weekdays = set(unit.working_weekdays)
    months: list[dict[str, Any]] = []
    for month in range(1, 13):
        cells: list[dict[str, Any] | None] = []
        named: list[dict[str, Any]] = []
        for info in (d for d in days if d.date.month == month):
            kinds = []
            names: list[tuple[str, str, Unit | None]] = []
            for name, joint in national.get(info.date, ()):
                kinds.append("joint" if joint else "national")
                names.append((name, "joint" if joint else "national", None))
            for holiday in added.get(info.date, []):
                kinds.append("added")
                names.append((holiday.name, "added", holiday.unit))
            if info.date.weekday() not in weekdays:
                kinds.append("weekend")
            kind = "working" if info.working else next((k for k in KIND_ORDER if k in kinds), "off")
            cell = {"date": info.date, "kind": kind, "working": info.working, "kinds": kinds}
            cells.append(cell)
            for name, name_kind, scope in names:
                named.append({"date": info.date, "name": name, "kind": name_kind, "unit": scope})
        lead = cells[0]["date"].weekday() if cells else 0
        padded: list[dict[str, Any] | None] = [None] * lead + cells
        padded += [None] * (-len(padded) % 7)
        weeks = [padded[i : i + 7] for i in range(0, len(padded), 7)]
        months.append(
            {
                "first": dt.date(year, month, 1),
                "weeks": weeks,
                "named": named,
                "working": sum(1 for c in cells if c and c["working"]),
            }
        )
    return months, sum(1 for d in days if d.working)


def _weekday_headers() -> list[dict[str, str]]:
    monday = dt.date(2024, 1, 1)  # a Monday
    return [{"day": monday + dt.timedelta(days=i)} for i in range(7)]


@admin_only
def calendar_index(request: HttpRequest) -> HttpResponse:
    if "unit" in request.GET:
        form = f.CalendarPickForm(request.GET)
        if form.is_valid():
            return redirect(
                "web:manage_calendar", code=form.cleaned_data["unit"].code, year=form.cleaned_data["year"]
            )
        return _page(request, "calendar_index.html", {"form": form}, section="calendar", status=400)
    form = f.CalendarPickForm(initial={"year": _today().year})
    return _page(request, "calendar_index.html", {"form": form}, section="calendar")


@admin_only
def calendar_view(request: HttpRequest, code: str, year: int) -> HttpResponse:
    unit = get_object_or_404(Unit, code=code)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    form = f.HolidayForm(
        initial={"date": dt.date(year, _today().month, 1) if year != _today().year else _today()}
    )
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            holiday = get_object_or_404(
                Holiday.objects.filter(Q(unit__isnull=True) | Q(unit=unit)), pk=request.POST["remove"]
            )
            services.holiday_remove(actor=request.user, holiday=holiday)
            messages.success(request, _("Day off %(name)s removed.") % {"name": holiday.name})
            return redirect("web:manage_calendar", code=unit.code, year=year)
        form = f.HolidayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = services.holiday_add(
                    actor=request.user,
                    date=data["date"],
                    name=data["name"],
                    unit=unit if data["scope"] == "unit" else None,
                )
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                messages.success(request, _("Day off %(name)s added.") % {"name": holiday.name})
                return redirect("web:manage_calendar", code=unit.code, year=holiday.date.year)
        status = 400
    months, working = _calendar_months(unit, year)
    ancestor_ids = [u.pk for u in unit.ancestors()]
    added = list(
        Holiday.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=ancestor_ids), date__year=year)
        .select_related("unit")
        .order_by("date", "unit__code")
    )
    return _page(
        request,
        "calendar.html",
        {
            "unit": unit,
            "year": year,
            "months": months,
            "working_total": working,
            "weekday_headers": _weekday_headers(),
            "added": added,
            "form": form,
            "previous": year - 1 if year > FIRST_YEAR else None,
            "next": year + 1 if year < LAST_YEAR else None,
            "timezone": f.timezone_label(unit.effective_timezone),
            "work_week": f.work_week_label(unit.effective_work_week),
        },
        section="calendar",
        status=status,
    )


# --- the org import file -----------------------------------------------------------------------------

IMPORT_KINDS = ("holidays", "units", "positions", "people", "holdings", "teams")


def _kind_label(kind: str) -> str:
    labels = {
        "holidays": _("Added days off"),
        "units": _("Units"),
        "positions": _("Positions"),
        "people": _("People"),
        "holdings": _("Position holdings"),
        "teams": _("Teams"),
    }
    return labels.get(kind, kind)


def _field_names(text: str) -> str:
    names = {
        "name": _("name"),
        "parent": _("parent unit"),
        "timezone": _("time zone"),
        "work_week": _("working week"),
        "policy": _("policy"),
        "title": _("title"),
        "unit": _("unit"),
        "email": _("e-mail address"),
        "is_admin": _("administrator"),
        "language": _("language"),
        "password": _("password"),
        "start": _("start"),
        "end": _("end"),
        "acting": _("acting (Plt)"),
    }
    return ", ".join(str(names.get(part.strip(), part.strip())) for part in text.split(","))


def change_text(line: str) -> str:
    """One line of the importer's summary (English, fixed shapes) in the page's language."""
    patterns: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (r"unit (\S+): created", lambda m: _("Unit %(code)s: created") % {"code": m[1]}),
        (r"unit (\S+): (.+) changed", lambda m: _("Unit %(code)s: %(fields)s changed") % {"code": m[1], "fields": _field_names(m[2])}),
        (r"position (\S+): created", lambda m: _("Position %(code)s: created") % {"code": m[1]}),
        (r"position (\S+): reports_to → (.*)", lambda m: _("Position %(code)s: now reports to %(target)s") % {"code": m[1], "target": m[2] if m[2] != "None" else "—"}),
        (r"position (\S+): (.+) changed", lambda m: _("Position %(code)s: %(fields)s changed") % {"code": m[1], "fields": _field_names(m[2])}),
        (r"person (\S+): created", lambda m: _("Person %(username)s: created") % {"username": m[1]}),
        (r"person (\S+): (.+) changed", lambda m: _("Person %(username)s: %(fields)s changed") % {"username": m[1], "fields": _field_names(m[2])}),
        (r"(\S+) holds (\S+) \(Plt\)", lambda m: _("%(username)s holds %(code)s as acting holder (Plt)") % {"username": m[1], "code": m[2]}),
        (r"(\S+) holds (\S+)", lambda m: _("%(username)s holds %(code)s") % {"username": m[1], "code": m[2]}),
        (r"(\S+) in (\S+): (.+) changed", lambda m: _("%(username)s in %(code)s: %(fields)s changed") % {"username": m[1], "code": m[2], "fields": _field_names(m[3])}),
        (r"(\S+) no longer holds (\S+)", lambda m: _("%(username)s no longer holds %(code)s") % {"username": m[1], "code": m[2]}),
        (r"team (\S+): (\d+) members", lambda m: ngettext("Team of %(code)s: %(n)s member", "Team of %(code)s: %(n)s members", int(m[2])) % {"code": m[1], "n": m[2]}),
        (r"holiday (\S+) (.+): added", lambda m: _("Day off %(date)s %(name)s: added") % {"date": m[1], "name": m[2]}),
        (r"holiday (\S+): renamed", lambda m: _("Day off %(date)s: renamed") % {"date": m[1]}),
    ]  # fmt: skip
    for pattern, render_line in patterns:
        if m := re.fullmatch(pattern, line):
            return render_line(m)
    return line


def _summary_context(summary: Any) -> dict[str, Any]:
    return {
        "counts": [
            {
                "label": _kind_label(k),
                "created": summary.created.get(k, 0),
                "updated": summary.updated.get(k, 0),
            }
            for k in IMPORT_KINDS
        ],
        "changes": [change_text(line) for line in summary.changes],
        "changed": summary.changed,
    }


def _read_import(upload: Any) -> tuple[Any, str | None]:
    if upload.size > MAX_IMPORT_BYTES:
        return None, _("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    raw = upload.read()
    try:
        return json.loads(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError:
        return None, _("The file is not UTF-8 text.")
    except json.JSONDecodeError as exc:
        return None, _("The file is not valid JSON (line %(line)s, column %(column)s).") % {
            "line": exc.lineno,
            "column": exc.colno,
        }


@admin_only
def import_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"form": f.ImportForm()}
    if request.method != "POST":
        return _page(request, "import.html", context, section="import")
    action = request.POST.get("action")
    if action == "cancel":
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.info(request, _("Import cancelled; nothing changed."))
        return redirect("web:manage_import")
    if action == "apply":
        stored = request.session.get(IMPORT_SESSION_KEY)
        token = request.POST.get("token", "")
        if not stored or not secrets.compare_digest(str(stored.get("token", "")), token):
            messages.error(request, _("This preview is no longer current; upload the file again."))
            return redirect("web:manage_import")
        try:
            summary = import_org(stored["data"], actor=request.user.username)
        except ImportProblem as problem:
            # The organisation changed since the preview in a way that makes the file invalid.
            request.session.pop(IMPORT_SESSION_KEY, None)
            context.update({"problems": problem.problems, "filename": stored.get("name", "")})
            return _page(request, "import.html", context, section="import", status=400)
        request.session.pop(IMPORT_SESSION_KEY, None)
        if summary.changed:
            messages.success(
                request,
                ngettext(
                    "Import applied: %(n)s change.", "Import applied: %(n)s changes.", len(summary.changes)
                )
                % {"n": len(summary.changes)},
            )
        else:
            messages.info(request, _("Nothing to change: the organisation is already up to date."))
        return redirect("web:manage_import")

    form = f.ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return _page(request, "import.html", context, section="import", status=400)
    upload = form.cleaned_data["file"]
    data, problem_text = _read_import(upload)
    if problem_text:
        form.add_error("file", problem_text)
        return _page(request, "import.html", context, section="import", status=400)
    try:
        summary = import_org(data, dry_run=True)
    except ImportProblem as problem:
        request.session.pop(IMPORT_SESSION_KEY, None)
        context.update({"problems": problem.problems, "filename": upload.name})
        return _page(request, "import.html", context, section="import", status=400)
    token = secrets.token_urlsafe(16)
    # Kept on the server (the session), not in the page: the file may hold first passwords.
    request.session[IMPORT_SESSION_KEY] = {
        "token": token,
        "data": data,
        "name": upload.name,
    }
    context.update(
        {
            "preview": _summary_context(summary),
            "token": token,
            "filename": upload.name,
            "form": f.ImportForm(),
        }
    )
    return _page(request, "import.html", context, section="import")
