"""The gate: what each person can do on a case now (``access.available_actions``: the pages offer
exactly these, the services enforce the same rules) and which cases wait for whom
(``access.cases_handled_by``, the queue of the pages and ``GET /cases?mine=true``)."""

from __future__ import annotations

import pytest

from integritas.cases import access, services
from integritas.cases.access import Action, Capability
from integritas.cases.models import Via
from tests.cases.chain import NOW, in_examination, in_follow_up, in_review
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db

NONE: frozenset[Action] = frozenset()


def actions(case, person) -> frozenset[Action]:
    return access.available_actions(person, reload(case))


def test_actions_in_examination(org):
    case = in_examination(org)
    assert actions(case, org.vice) == {Action.EXAMINE, Action.RECUSE, Action.MESSAGE}
    assert actions(case, org.school_team) == {Action.MESSAGE}
    assert actions(case, org.district_team) == {Action.MESSAGE}
    for person in (org.principal, org.teacher, org.outsider, org.admin):
        assert actions(case, person) == NONE


def test_actions_in_review_and_follow_up(org):
    case = in_review(org)
    assert actions(case, org.principal) == {Action.REVIEW, Action.RECUSE, Action.MESSAGE}
    assert actions(case, org.vice) == NONE  # a past handler only reads
    case = in_follow_up(org)
    for member in (org.school_team, org.district_team):
        assert actions(case, member) == {Action.FOLLOW_UP, Action.CLOSE, Action.MESSAGE}
    # The reviewer still answers the reporter's questions while the team supervises the follow-up.
    assert actions(case, org.principal) == {Action.MESSAGE}


def test_actions_in_triage_and_when_closed(org):
    case = reload(submit(org.school, None, now=NOW).case)
    assert actions(case, org.school_team) == {Action.TRIAGE, Action.RECUSE, Action.MESSAGE}
    assert actions(case, org.district_team) == {Action.TRIAGE, Action.MESSAGE}
    closed = in_examination(org)
    services.case_examine(
        case=closed, actor=org.vice, conclusion="unfounded", findings="x", via=Via.API, now=NOW
    )
    for person in (org.vice, org.school_team):
        assert actions(closed, person) == NONE


def test_capabilities_are_a_closed_set():
    with pytest.raises(ValueError):
        access.can(None, "case.anything", None)  # type: ignore[arg-type]
    assert {c.value for c in Capability} == {
        "case.examine",
        "case.review",
        "case.recuse",
        "case.triage",
        "case.message",
        "case.follow_up",
        "case.close",
    }


def handled(person) -> set[str]:
    return set(access.cases_handled_by(person).values_list("reference", flat=True))


def test_cases_handled_by_follow_the_stage(org):
    examination = in_examination(org)
    review = in_review(org)
    follow_up = in_follow_up(org)
    triage = reload(submit(org.school, None, now=NOW).case)
    assert handled(org.vice) == {examination.reference}
    assert handled(org.principal) == {review.reference}  # not the follow-up it reviewed
    assert handled(org.school_team) == {triage.reference, follow_up.reference}
    assert handled(org.district_team) == set()  # oversees all of them, handles none
    services.case_recuse(case=triage, actor=org.school_team, reason="Konflik", now=NOW)
    assert triage.reference not in handled(org.school_team)
    assert triage.reference in handled(org.district_team)
