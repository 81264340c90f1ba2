"""EXPLAIN ANALYZE of the queries behind the figures, on the benchmark data (`python -m bench explain`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from bench.build import load_state


def plan(title: str, qs: QuerySet[Any] | tuple[str, list[Any]]) -> None:
    sql, params = qs if isinstance(qs, tuple) else qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        rows = [row[0] for row in cursor.fetchall()]
    print(f"\n### {title}\n")
    print("```")
    print("\n".join(rows))
    print("```")


def explain(only: set[str]) -> None:
    from integritas.cases import access, presenters
    from integritas.cases.models import TIMED_STATUSES, Case
    from integritas.notify.reminders import _candidates
    from integritas.orgs.models import Person

    accounts = load_state()["accounts"]
    people = {role: Person.objects.get(username=name) for role, name in accounts.items()}
    now = timezone.now()
    figures: list[tuple[str, Any]] = [
        # GET /cases: the page as the API reads it (presenters.list_page, one row more than the page).
        ("mine_principal", lambda: presenters.list_page(access.cases_handled_by(people["principal"]),
         before=None, size=51)[:51]),
        ("mine_head", lambda: presenters.list_page(access.cases_handled_by(people["district_head"]),
         before=None, size=51)[:51]),
        ("exam_district", lambda: presenters.list_page(access.cases_visible_to(people["district_team"])
         .filter(status="examination"), before=None, size=51)[:51]),
        ("list_district", lambda: presenters.list_page(access.cases_visible_to(people["district_team"]),
         before=None, size=51)[:51]),
        ("page_district", lambda: access.cases_visible_to(people["district_team"])
         .order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")[:50]),
        ("page_root", lambda: access.cases_visible_to(people["root_team"])
         .order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")[:50]),
        ("count_district", lambda: _count(access.cases_visible_to(people["district_team"]))),
        ("sweep", lambda: Case.objects.filter(status__in=TIMED_STATUSES, due_at__lt=now, overdue=False)
         .order_by("pk").values_list("pk", flat=True)[:500]),
        ("reminders", lambda: _candidates(now)),
    ]  # fmt: skip
    for name, make in figures:
        if not only or name in only:
            plan(name, make())
    from integritas.monitoring import figures as monitoring
    from integritas.orgs.models import Unit

    district, root = Unit.objects.get(code="DISDIK-01"), Unit.objects.get(code="ITJEN")
    team = people["district_team"]
    year = now.astimezone(district.tz).year
    period = {"date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)}

    def dashboard() -> None:  # what the page /pemantauan/ reads for the district's year
        s = monitoring.scope(district, team, **period)
        monitoring.stats(district, team, now=now, within=s, **period)
        monitoring.by_child(s)

    whole: list[tuple[str, Callable[[], Any]]] = [
        ("stats_district", lambda: monitoring.stats(district, team, now=now)),
        ("stats_root", lambda: monitoring.stats(root, people["root_team"], now=now)),
        ("dashboard_district", dashboard),
    ]
    for name, run in whole:
        if not only or name in only:
            for n, query in enumerate(_statements(run), 1):
                plan(f"{name} #{n}", query)


def _statements(run: Callable[[], Any]) -> list[tuple[str, list[Any]]]:
    """The SELECT statements ``run`` sends, with their parameters (each then explained on its own)."""
    seen: list[tuple[str, list[Any]]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen


def _count(qs: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = qs.values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) counted", list(params)
