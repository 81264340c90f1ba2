"""The lists of the back office: "my cases" (what waits for me) and every case my team oversees."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from integritas import timefmt
from integritas.cases import access, presenters
from integritas.cases import queue as queue_selector
from integritas.cases.deadlines import DeadlineCount, deadline_counts
from integritas.cases.models import (
    OPEN_STATUSES,
    TIMED_STATUSES,
    Case,
    CaseHandler,
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
# Above this many units below a team, the unit filter lists them all rather than probing each for
# cases (an inspectorate's 10,000 probes cost more than the page; nearly every unit there has cases).
PROBE_UNITS = 1000
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


def _zones(units: list[Unit]) -> dict[int, ZoneInfo]:
    """The time zone of each unit (inherited down the tree) with one query for all of them."""
    ids = {ancestor for unit in units for ancestor in unit.ancestor_ids()}
    own = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "timezone"))
    zones: dict[int, ZoneInfo] = {}
    for unit in units:
        chosen = next((own[a] for a in reversed(unit.ancestor_ids()) if own.get(a)), None)
        zones[unit.pk] = ZoneInfo(chosen or unit.timezone or "Asia/Jakarta")
    return zones


def _unit_choices(qs: QuerySet[Case], person: Person) -> list[tuple[str, str]]:
    units = Unit.objects.filter(Q(pk__in=qs.values("unit_id")) | Q(pk__in=access.team_unit_ids(person)))
    return [(u.code, u.name) for u in units.order_by("name", "code")]


def _team_unit_choices(person: Person) -> list[tuple[str, str]]:
    """The units the team list can be filtered by: the person's team units, the units below them that
    have cases (one index probe per unit of the subtree, never a pass over the cases; every unit of a
    subtree larger than ``PROBE_UNITS``), and the units of the cases the person has handled."""
    team_ids = access.team_unit_ids(person)
    paths = list(Unit.objects.filter(pk__in=team_ids).values_list("path", flat=True))
    handled_units = CaseHandler.objects.filter(person=person).values("case__unit_id")
    condition = Q(pk__in=team_ids) | Q(pk__in=handled_units)
    if paths:
        below = reduce(or_, (Q(path__startswith=path) for path in paths))
        if Unit.objects.filter(below).count() <= PROBE_UNITS:
            below &= Q(Exists(Case.objects.filter(unit=OuterRef("pk"))))
        condition |= below
    units = Unit.objects.filter(condition).order_by("name", "code").values_list("code", "name")
    return list(units)


def _filtered(qs: QuerySet[Case], form: forms_staff.CaseFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return qs
    if form.cleaned_data.get("state"):
        qs = qs.filter(status=form.cleaned_data["state"])
    if form.cleaned_data.get("unit"):
        unit = Unit.objects.filter(code=form.cleaned_data["unit"]).first()
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
    if form.cleaned_data.get("overdue"):
        qs = qs.filter(Q(overdue=True) | Q(status__in=TIMED_STATUSES, due_at__lt=timezone.now()))
    return qs


def _rows(cases: list[Case]) -> list[dict[str, Any]]:
    zones = _zones(list({c.unit_id: c.unit for c in cases}.values()))
    now = timezone.now()
    counts = deadline_counts(cases, now)
    return [
        {
            "reference": c.reference,
            "unit": c.unit.name,
            "state": Status(c.status).label,
            "level": c.level,
            "due": timefmt.short(c.due_at, zones[c.unit_id]),
            "overdue": presenters.is_overdue(c, now),
            "categories": [Category(row.code).label for row in c.category_rows.all()],
            "outcome": Outcome(c.outcome).label if c.outcome else "",
            **_waiting_columns(c, zones[c.unit_id], counts.get(c.pk)),
        }
        for c in cases
    ]


def _waiting_columns(case: Case, zone: ZoneInfo, count: DeadlineCount | None) -> dict[str, Any]:
    """The reported position, the day received, a new message from the reporter, the deadline's count."""
    return {
        "clock": count,
        "subject": case.subject_position.title if case.subject_position else "",
        "received": timefmt.day_short(case.created_at.astimezone(zone).date()),
        "unread": bool(getattr(case, "unread", False)),
    }


def _list_page(
    request: HttpRequest,
    base: QuerySet[Case],
    form: forms_staff.CaseFilterForm,
    template: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    qs = _filtered(base, form)
    ordered = qs.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")
    page = case_page(qs, presenters.summary_queryset(ordered), _page_number(request.GET.get("page")))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "rows": _rows(page.object_list),
        "page": page,
        "query": params.urlencode(),
        "filtered": any(params.get(k) for k in ("state", "unit", "overdue")),
        "summary_errors": summary_errors(form),
        **(extra or {}),
    }
    return render(request, template, context, status=400 if form.is_bound and not form.is_valid() else 200)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Cases waiting for me (``cases.queue.cases_waiting_for``), a new message from the reporter marked."""
    person = person_of(request)
    mine = queue_selector.unread_marked(queue_selector.cases_waiting_for(person), person)
    states = [(s.value, s.label) for s in Status if s in OPEN_STATUSES]
    form = forms_staff.CaseFilterForm(request.GET or None, units=_unit_choices(mine, person), states=states)
    return _list_page(request, mine, form, "web/staff/queue.html")


@staff_required
def team_cases(request: HttpRequest) -> HttpResponse:
    """Every case I may see: for a team member, all cases of the team's units and the units below."""
    person = person_of(request)
    visible = access.cases_visible_to(person)
    form = forms_staff.TeamFilterForm(
        request.GET or None, units=_team_unit_choices(person), states=Status.choices
    )
    return _list_page(
        request, visible, form, "web/staff/team_cases.html", {"teams": access.team_units(person)}
    )
