"""EXPLAIN ANALYZE of the queries behind the figures, on the benchmark data (`python -m bench explain`)."""

from __future__ import annotations

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
        ("mine_principal", lambda: access.cases_handled_by(people["principal"]).order_by("-pk")[:51]),
        ("mine_head", lambda: access.cases_handled_by(people["district_head"]).order_by("-pk")[:51]),
        ("exam_district", lambda: access.cases_visible_to(people["district_team"]).filter(status="examination")
         .order_by("-pk")[:51]),
        ("list_district", lambda: presenters.summary_queryset(access.cases_visible_to(people["district_team"])
         .order_by("-pk"))[:51]),
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


def _count(qs: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = qs.values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) counted", list(params)
