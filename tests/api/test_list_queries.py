"""GET /cases reads a fixed number of queries whatever the number of cases (issue 13): every shape of
the list the benchmark times (nothing to return, a holder's queue, a head's long queue, a team's
list with and without a state) is counted with a few cases and with many more, through the test
client, and must stay the same and within its bound (no query per row: the page's units, handlers
and categories come with the page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integritas.cases import services
from integritas.cases.models import Case, CaseHandler, Via
from tests.api.test_staff_api import Api
from tests.factories import add_team, make_person, make_position, make_unit, reload, submit

pytestmark = pytest.mark.django_db

# (who, query, most queries): the token; the person's teams (with their place in the tree), held
# positions and withdrawals, in one query; for a team below the root the units under it and, for the
# whole list, the ids of the cases the person handled; the page; its categories.
SHAPES: list[tuple[str, dict[str, str], int]] = [
    ("outsider", {"mine": "true"}, 3),  # nothing to return
    ("vice", {"mine": "true"}, 4),  # a holder's examinations
    ("principal", {"mine": "true"}, 4),  # a holder's reviews
    ("kabid", {"mine": "true"}, 4),  # a head holding the cases of two schools
    ("districtteam", {}, 4),  # a root unit's team: every case
    ("districtteam", {"status": "examination"}, 4),
    ("schoolteam", {}, 6),  # a team below the root: its subtree by unit ids
    ("schoolteam", {"status": "examination"}, 6),
    ("schoolteam", {"mine": "true"}, 5),  # a team's triage and follow-up
]


def add_cases(org: Any, other_school: Any, other_subject: Any, n: int) -> None:
    """``n`` cases in each state a list shows: examination (vice), review (principal), triage
    (school team), follow-up (school team) and, at another school, examination by the head."""
    for _ in range(n):
        submit(org.school, org.p_teacher)
        submit(org.school, None)
        submit(other_school, other_subject)
        reviewed = submit(org.school, org.p_teacher).case
        services.case_examine(via=Via.API, case=reviewed, actor=org.vice, conclusion="founded", findings="Ya")
    for _ in range(n):
        case = reload(submit(org.school, org.p_teacher).case)
        services.case_examine(via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="Ya")
        services.case_review(
            via=Via.API, case=reload(case), actor=org.principal, decision="uphold", notes="Setuju"
        )


def count(api: Api, who: str, params: dict[str, str]) -> tuple[int, int]:
    """(queries, items) of one list request (the token is issued before counting)."""
    api.token(who)
    with CaptureQueriesContext(connection) as seen:
        response = api.get("/cases", who, **params)
    assert response.status_code == 200, response.content
    return len(seen.captured_queries), len(response.json()["items"])


@pytest.fixture
def world(org):
    other_school = make_unit("SMPN9", parent=org.district)
    make_person("guru9")
    other_subject = make_position("GURU9", other_school, reports_to=org.p_kabid)
    add_team(org.school, make_person("schoolteam2"))
    return org, other_school, other_subject


def test_a_list_reads_the_same_queries_for_3_cases_as_for_30(world):
    org, other_school, other_subject = world
    api = Api()
    add_cases(org, other_school, other_subject, 1)
    few = {(who, tuple(params.items())): count(api, who, params) for who, params, _ in SHAPES}
    add_cases(org, other_school, other_subject, 9)
    for who, params, bound in SHAPES:
        before_queries, before_items = few[(who, tuple(params.items()))]
        queries, items = count(api, who, params)
        shape = f"{who} {params}"
        assert queries == before_queries, (
            f"{shape}: {before_queries} queries with few cases, {queries} with more"
        )
        assert queries <= bound, f"{shape}: {queries} queries (at most {bound})"
        if who != "outsider":
            assert items > before_items, f"{shape}: the larger data set shows more cases"
    assert count(api, "outsider", {"mine": "true"})[1] == 0


def test_a_page_of_a_long_list_reads_as_many_queries_as_a_short_one(world):
    """The next pages (``cursor``) and a smaller ``limit`` read the same queries as the first page."""
    org, other_school, other_subject = world
    api = Api()
    add_cases(org, other_school, other_subject, 3)
    for who, params in (("kabid", {"mine": "true"}), ("schoolteam", {}), ("districtteam", {})):
        first_queries, _ = count(api, who, params)
        body = api.get("/cases", who, limit="2", **params).json()
        assert body["next"], who
        with CaptureQueriesContext(connection) as seen:
            response = api.get(body["next"], who)
        assert response.status_code == 200 and response.json()["items"], who
        assert len(seen.captured_queries) == first_queries, who


def test_the_head_sees_exactly_the_cases_waiting_for_them(world):
    """The head's queue is read by the open-case index newest first; it holds what they handle now
    and nothing they only oversee or handled before."""
    org, other_school, other_subject = world
    api = Api()
    waiting = [submit(other_school, other_subject).case.reference for _ in range(3)]
    passed_on = submit(other_school, other_subject).case
    services.case_examine(via=Via.API, case=passed_on, actor=org.kabid, conclusion="founded", findings="Ya")
    body = api.get("/cases", "kabid", mine="true", limit="2").json()
    refs = [item["reference"] for item in body["items"]]
    while body["next"]:
        body = api.client.get(body["next"], HTTP_AUTHORIZATION=f"Bearer {api.token('kabid')}").json()
        refs += [item["reference"] for item in body["items"]]
    assert refs == list(reversed(waiting))  # newest first
    assert passed_on.reference not in refs


def test_every_current_handler_has_a_handler_row(world):
    """The queue counts its holder among the case's handlers without reading the handler rows
    (``access.cases_visible_to(probe_handled=True)``): that holds because every assignment of a
    person writes one, through each step of the procedure."""
    org, other_school, other_subject = world
    add_cases(org, other_school, other_subject, 2)
    held = Case.objects.filter(handler_person__isnull=False)
    assert held.count() >= 8
    for case in held:
        assert CaseHandler.objects.filter(case=case, person_id=case.handler_person_id).exists(), case
