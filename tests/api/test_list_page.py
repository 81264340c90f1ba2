"""GET /cases chooses the ids of a page first, in a sub-select the database can read from an index
alone (``presenters.list_page``, issue 13): the same cases in the same order as the visibility rule
ordered newest first, page after page across the cursor, for a team below the root (its subtree by
unit ids) whose member also handled a case elsewhere, is the subject of some cases and withdrew from
one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from integritas.cases import access, presenters, services
from integritas.cases.models import Case, CaseHandler, Status
from tests.api.test_staff_api import Api
from tests.factories import add_team, make_position, make_unit, reload, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    """The vice principal sits on the school's team too. Cases: at the school about the teacher (the
    vice examines them), about the vice (hidden from them: the subject), without a subject (the
    team's triage), one the vice withdrew from (hidden), one in another district (outside the
    subtree), and one there the vice handled once (seen through the handler row)."""
    add_team(org.school, org.vice)
    elsewhere_root = make_unit("DISDIK2", timezone="Asia/Jakarta")
    elsewhere = make_unit("SMPN20", parent=elsewhere_root)
    stranger = make_position("GURU20", elsewhere, reports_to=None)
    cases: dict[str, Case] = {}
    for i in range(4):
        cases[f"exam{i}"] = submit(org.school, org.p_teacher).case
        cases[f"subject{i}"] = submit(org.school, org.p_vice).case
        cases[f"triage{i}"] = submit(org.school, None).case
        cases[f"outside{i}"] = submit(elsewhere, stranger).case
    withdrawn = submit(org.school, org.p_teacher).case
    services.case_recuse(case=reload(withdrawn), actor=org.vice, reason="Saudara kandung")
    cases["withdrawn"] = withdrawn
    handled = submit(elsewhere, stranger).case
    CaseHandler.objects.create(
        case=handled, person=org.vice, position=org.p_vice, level=0, assigned_at=timezone.now()
    )
    cases["handled"] = handled
    for i in range(4):
        cases[f"late{i}"] = submit(
            org.school, org.p_teacher, now=timezone.now() + dt.timedelta(minutes=i)
        ).case
    return org, cases


def visible_refs(person, status: str | None = None) -> list[str]:
    """The answer before ids were chosen first: the visibility rule ordered newest first."""
    qs = access.cases_visible_to(person)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-pk").values_list("reference", flat=True))


def api_refs(api: Api, who: str, **params: str) -> list[str]:
    """Every reference of the list, following ``next`` page after page (3 a page)."""
    refs: list[str] = []
    response = api.get("/cases", who, limit="3", **params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        refs += [item["reference"] for item in body["items"]]
        if body["next"] is None:
            return refs
        response = api.get(body["next"], who)


@pytest.mark.parametrize("status", [None, Status.EXAMINATION, Status.TRIAGE])
def test_the_pages_hold_the_visible_cases_newest_first_across_the_cursor(world, status):
    org, cases = world
    expected = visible_refs(org.vice, status)
    params = {"status": status} if status else {}
    assert api_refs(Api(), "vice", **params) == expected
    seen = set(expected)
    # The rule itself: the handled case elsewhere in, the rest elsewhere, the subject's and the
    # withdrawn case out.
    assert cases["outside0"].reference not in seen
    assert cases["subject0"].reference not in seen
    assert cases["withdrawn"].reference not in seen
    if status in (None, cases["handled"].status):
        assert cases["handled"].reference in seen
    assert len(expected) > 3  # more than one page


def test_list_page_after_a_cursor_is_the_rule_below_that_id(world):
    org, _ = world
    qs = access.cases_visible_to(org.vice)
    ordered = list(qs.order_by("-pk").values_list("pk", flat=True))
    cursor = ordered[2]
    page = list(presenters.list_page(qs, before=cursor, size=4).values_list("pk", flat=True))
    assert page == [pk for pk in ordered if pk < cursor][:4]
    assert list(presenters.list_page(qs, before=None, size=100).values_list("pk", flat=True)) == ordered


def test_my_queue_pages_are_the_queue_newest_first(world):
    org, _ = world
    from integritas.cases.queue import cases_waiting_for

    expected = list(cases_waiting_for(org.vice).order_by("-pk").values_list("reference", flat=True))
    assert len(expected) > 3
    assert api_refs(Api(), "vice", mine="true") == expected
