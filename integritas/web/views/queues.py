"""The lists of the back office: "my cases" (what waits for me) and every case my team oversees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from integritas import timefmt
from integritas.cases import access, presenters, unit_filter
from integritas.cases import queue as queue_selector
from integritas.cases.deadlines import DeadlineCount, deadline_counts
from integritas.cases.models import (
    OPEN_STATUSES,
    TIMED_STATUSES,
    Case,
    CaseCategory,
    Category,
    Outcome,
    Status,
)
from integritas.orgs.models import Person, Unit
from integritas.web import forms_staff
from integritas.web.views.common import person_of, staff_required, summary_errors

PAGE_SIZE = 50
# The lists are never counted in full (a team above many schools sees up to a million cases, and a
# COUNT reads every one of them on every view): a row more than the page says whether another page
# follows, and the total is counted only up to this many ("more than 1000" beyond).
COUNT_LIMIT = 1000
# A page number beyond this is past the end of any list (and would overflow the database's OFFSET).
MAX_PAGE = 100_000


@dataclass(frozen=True)
class CasePage:
    """One page of a case list, numbered from 1, with what the links under the table need."""

    object_list: list[Case]
    number: int
    has_next: bool
    total: int | None  # None: more than ``COUNT_LIMIT``
    count_limit: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the total is known."""
        return None if self.total is None else max(1, -(-self.total // PAGE_SIZE))


def _page_number(value: str | None) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def case_page(qs: QuerySet[Case], ordered: QuerySet[Case], number: int) -> CasePage:
    """Page ``number`` of ``ordered`` (``qs`` in its order, with what the rows show): the page and one
    row more; past the end, the first page. The total is counted only when it is cheap: known from
    the last page, or counted up to ``COUNT_LIMIT``."""
    start = (number - 1) * PAGE_SIZE
    rows = list(ordered[start : start + PAGE_SIZE + 1])
    if not rows and number > 1:
        number, start = 1, 0
        rows = list(ordered[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    total: int | None = start + len(rows)
    if has_next:
        if start + PAGE_SIZE >= COUNT_LIMIT:
            total = None
        else:
            counted = qs.order_by()[: COUNT_LIMIT + 1].count()
            total = counted if counted <= COUNT_LIMIT else None
    return CasePage(rows, number, has_next, total, COUNT_LIMIT)


def _unit_choices(qs: QuerySet[Case], person: Person) -> list[tuple[str, str]]:
    units = Unit.objects.filter(Q(pk__in=qs.values("unit_id")) | Q(pk__in=access.team_unit_ids(person)))
    return [(u.code, u.name) for u in units.order_by("name", "code")]


def _filtered(qs: QuerySet[Case], form: forms_staff.CaseFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return qs
    if form.cleaned_data.get("state"):
        qs = qs.filter(status=form.cleaned_data["state"])
    if form.cleaned_data.get("unit"):
        unit = Unit.objects.filter(code=form.cleaned_data["unit"]).first()
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
    return qs


def _overdue_now() -> Q:
    return Q(overdue=True) | Q(status__in=TIMED_STATUSES, due_at__lt=timezone.now())


def _rows(cases: list[Case]) -> list[dict[str, Any]]:
    """What each row shows, worked out here once (the template only writes it out): the unit's zone is
    the one resolved on the unit's row, the case's address is built from one reversed address."""
    now = timezone.now()
    counts = deadline_counts(cases, now)
    placeholder = "BK-0000-000000"
    case_url = reverse("web:case", args=[placeholder])
    rows = []
    for c in cases:
        zone = c.unit.tz
        rows.append(
            {
                "reference": c.reference,
                "href": case_url.replace(placeholder, c.reference),
                "unit": c.unit.name,
                "state": Status(c.status).label,
                "level": c.level,
                "due": timefmt.short(c.due_at, zone),
                "overdue": presenters.is_overdue(c, now),
                "categories": ", ".join(str(Category(row.code).label) for row in c.category_rows.all()),
                "outcome": Outcome(c.outcome).label if c.outcome else "",
                **_waiting_columns(c, zone, counts.get(c.pk)),
            }
        )
    return rows


def _waiting_columns(case: Case, zone: ZoneInfo, count: DeadlineCount | None) -> dict[str, Any]:
    """The reported position, the day received, a new message from the reporter, the deadline's count."""
    return {
        "clock": count,
        "subject": case.subject_position.title if case.subject_position else "",
        "received": timefmt.day_short(case.created_at.astimezone(zone).date()),
        "unread": bool(getattr(case, "unread", False)),
    }


def _row_queryset(ordered: QuerySet[Case]) -> QuerySet[Case]:
    """The rows of a list with what they show: the unit and the reported position joined (no other
    join: each costs the planner time), the categories prefetched, and not the sealed content (the
    largest columns of a case)."""
    return (
        ordered.select_related("unit", "subject_position")
        .defer("sealed", "wrapped_key", "receipt_hash")
        .prefetch_related(Prefetch("category_rows", queryset=CaseCategory.objects.order_by("id")))
    )


def _labels() -> dict[str, str]:
    """The column headings (also written beside each cell on a narrow screen) and the words of the
    cells: translated once a page, not once a row."""
    return {
        "reference": gettext("Reference"),
        "unit": gettext("Unit"),
        "subject": gettext("Reported position"),
        "received": gettext("Received"),
        "state": gettext("State"),
        "level": gettext("Level"),
        "deadline": gettext("Deadline"),
        "categories": gettext("Categories"),
        "unread": gettext("New message from the reporter"),
        "undetermined": gettext("not yet determined"),
        "no_deadline": gettext("none"),
        "overdue": gettext("Overdue"),
    }


def _list_page(
    request: HttpRequest,
    qs: QuerySet[Case],
    form: forms.Form,
    template: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    ordered = qs.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")
    page = case_page(qs, _row_queryset(ordered), _page_number(request.GET.get("page")))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "rows": _rows(page.object_list),
        "labels": _labels(),
        "page": page,
        "query": params.urlencode(),
        "filtered": any(params.get(k) for k in ("state", "unit", "overdue")),
        "summary_errors": summary_errors(form),
        **(extra or {}),
    }
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Cases waiting for me (``cases.queue.cases_waiting_for``), a new message from the reporter marked."""
    person = person_of(request)
    mine = queue_selector.unread_marked(queue_selector.cases_waiting_for(person), person)
    states = [(s.value, s.label) for s in Status if s in OPEN_STATUSES]
    form = forms_staff.CaseFilterForm(request.GET or None, units=_unit_choices(mine, person), states=states)
    return _list_page(request, _filtered(mine, form), form, "web/staff/queue.html")


@staff_required
def team_cases(request: HttpRequest) -> HttpResponse:
    """Every case I may see: for a team member, all cases of the team's units and the units below.
    The unit is typed (code or name) and found among my units only (``cases.unit_filter``), or chosen
    from a select when I have only a few; the units just below the one shown are links."""
    person = person_of(request)
    qs: QuerySet[Case] = access.cases_visible_to(person)
    scope = unit_filter.scope_of(person)
    few = unit_filter.short_list(scope)
    form = forms_staff.TeamFilterForm(request.GET or None, units=few, states=Status.choices)
    chosen: Unit | None = None
    candidates: list[Unit] = []
    if form.is_valid() and form.cleaned_data["unit"]:
        typed = form.cleaned_data["unit"]
        try:
            chosen = unit_filter.find(scope, typed)
        except unit_filter.NoSuchUnit:
            message = gettext("No unit of your team has this code or name: “%(typed)s”.")
            form.add_error("unit", message % {"typed": typed})
        except unit_filter.SeveralUnits as several:
            message = gettext("Several units match “%(typed)s”: choose one of them below.")
            form.add_error("unit", message % {"typed": typed})
            candidates = several.candidates
    if form.is_bound and not form.errors:
        if form.cleaned_data["state"]:
            qs = qs.filter(status=form.cleaned_data["state"])
        if chosen is not None:
            qs = qs.filter(unit__path__startswith=chosen.path)
        if form.cleaned_data["overdue"]:
            qs = qs.filter(_overdue_now())
    extra = {"teams": scope.teams, **_unit_nav(request, scope, few, chosen, candidates)}
    return _list_page(request, qs, form, "web/staff/team_cases.html", extra)


def _unit_link(request: HttpRequest, unit: Unit | None) -> str:
    """The list's address with ``unit`` chosen (None: every unit), the other filters kept."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("unit", None)
    if unit is not None:
        params["unit"] = unit.code
    return f"?{params.urlencode()}"


def _unit_nav(
    request: HttpRequest,
    scope: unit_filter.UnitScope,
    few: list[tuple[str, str]] | None,
    chosen: Unit | None,
    candidates: list[Unit],
) -> dict[str, Any]:
    """Beside a typed unit filter: the unit shown, the unit above it (when it is one of mine), the
    units just below it (or below the teams) as links, and the units a search found to choose from."""
    nav: dict[str, Any] = {
        "chosen": chosen,
        "candidates": [{"unit": u, "href": _unit_link(request, u)} for u in candidates],
        "unit_nav": few is None,
    }
    if few is not None:
        return nav
    if chosen is not None and chosen.parent_id is not None and scope.below_teams(chosen):
        parent = Unit.objects.only("id", "code", "name").get(pk=chosen.parent_id)
        nav["up"] = {"unit": parent, "href": _unit_link(request, parent)}
    below = unit_filter.children([chosen] if chosen is not None else scope.teams)
    nav["children"] = [{"unit": u, "href": _unit_link(request, u)} for u in below.units]
    nav["more_children"] = below.more
    nav["everything"] = _unit_link(request, None)
    return nav
