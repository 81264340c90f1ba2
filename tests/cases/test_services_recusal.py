"""Recusal (penarikan diri, SOP C): the handler withdraws; another holder or the next one up takes over."""

from __future__ import annotations

import datetime as dt

import pytest

from integritas.cases import access, services
from integritas.cases.models import Recusal, Status, Via
from integritas.cases.sweep import sweep
from integritas.errors import Forbidden, Invalid
from tests.cases.chain import (
    LATER,
    NOW,
    end_of_day,
    events,
    hold,
    vacate,
)
from tests.factories import make_person, reload, submit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- recusal


def test_recusal_moves_up_with_fresh_deadline(org):
    case = submit(org.school, org.p_teacher, now=NOW).case
    services.case_recuse(case=reload(case), actor=org.vice, reason="Terlapor adik ipar saya", now=LATER)
    case = reload(case)
    assert case.status == Status.EXAMINATION
    assert case.handler_person == org.principal and case.handler_position == org.p_principal
    assert case.level == 2
    assert case.stage_started_at == LATER
    # Fri 10, Sat 11, Mon 13 after Thursday 9 July.
    assert case.due_at == end_of_day(2026, 7, 13)
    assert Recusal.objects.filter(case=case, person=org.vice, position=org.p_vice).count() == 1
    recused = events(case)[-1]
    assert (recused.kind, recused.from_status, recused.to_status) == (
        "recused",
        "examination",
        "examination",
    )
    assert recused.actor_position == org.p_vice
    # The recuser can no longer act on the case, nor see it (they withdrew because of a conflict).
    with pytest.raises(Forbidden):
        services.case_examine(
            via=Via.API, case=case, actor=org.vice, conclusion="unfounded", findings="x", now=LATER
        )
    assert not access.cases_visible_to(org.vice).filter(pk=case.pk).exists()


def test_recuser_is_skipped_when_the_case_moves_up_after_a_founded_conclusion(org):
    # The vice principal is also acting head of division; the head of division has left.
    vacate(org.kabid, org.p_kabid)
    hold(org.vice, org.p_kabid, acting=True)
    case = submit(org.school, org.p_teacher, now=NOW).case
    services.case_recuse(case=reload(case), actor=org.vice, reason="Konflik", now=NOW)
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.principal, conclusion="founded", findings="Benar", now=LATER
    )
    case = reload(case)
    assert case.status == Status.REVIEW
    assert case.handler_position == org.p_kadis and case.handler_person == org.kadis
    assert case.level == 3


def test_recuser_is_skipped_on_escalation(org):
    # The vice principal is also acting head of the district office.
    vacate(org.kadis, org.p_kadis)
    hold(org.vice, org.p_kadis, acting=True)
    case = submit(org.school, org.p_teacher, now=NOW).case
    services.case_recuse(case=reload(case), actor=org.vice, reason="Konflik", now=NOW)
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.principal, conclusion="founded", findings="Benar", now=NOW
    )
    case = reload(case)
    assert case.handler_person == org.kabid and case.level == 3
    services.case_review(
        via=Via.API, case=case, actor=org.kabid, decision="escalate", notes="Perlu pimpinan", now=LATER
    )
    case = reload(case)
    assert case.status == Status.REVIEW
    assert case.handler_team == org.district and case.handler_person is None
    assert case.level == 4


def test_recuser_is_skipped_on_automatic_escalation(org):
    vacate(org.kabid, org.p_kabid)
    hold(org.principal, org.p_kabid, acting=True)
    case = submit(org.school, org.p_teacher, now=NOW).case
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.vice, conclusion="founded", findings="Benar", now=NOW
    )
    services.case_recuse(case=reload(case), actor=org.principal, reason="Konflik", now=NOW)
    case = reload(case)
    # The principal held both the review post and the acting post above it: both skipped.
    assert case.handler_person == org.kadis and case.level == 3
    # Now the head of the district office misses the deadline: the team above takes it.
    sweep(now=case.due_at + dt.timedelta(seconds=1))
    case = reload(case)
    assert case.handler_team == org.district and case.level == 4
    assert case.handler_person is None


def test_recusal_by_another_holder_of_the_same_position(org):
    second = make_person("vice2", name="Yuni Rahayu")
    hold(second, org.p_vice)
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_person == org.vice  # same start date: the older holding first
    services.case_recuse(case=case, actor=org.vice, reason="Konflik", now=LATER)
    case = reload(case)
    assert case.handler_position == org.p_vice
    assert case.handler_person == second
    assert case.level == 1  # not a step up the chain
    assert case.stage_started_at == LATER and case.due_at == end_of_day(2026, 7, 13)
    # The second holder recuses too: the first never comes back.
    services.case_recuse(case=case, actor=second, reason="Konflik juga", now=LATER)
    case = reload(case)
    assert case.handler_person == org.principal and case.level == 2


def test_recusal_by_the_last_team_member_moves_to_the_team_above(org):
    case = reload(submit(org.school, None, now=NOW).case)
    assert case.status == Status.TRIAGE and case.handler_team == org.school
    services.case_recuse(case=case, actor=org.school_team, reason="Konflik", now=LATER)
    case = reload(case)
    assert case.status == Status.TRIAGE
    assert case.handler_team == org.district
    with pytest.raises(Forbidden):
        services.case_triage(
            via=Via.API, case=case, actor=org.school_team, position=org.p_teacher.code, now=LATER
        )


def test_only_the_current_handler_may_recuse(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(Forbidden):
        services.case_recuse(case=case, actor=org.principal, reason="x", now=NOW)
    with pytest.raises(Invalid):
        services.case_recuse(case=case, actor=org.vice, reason="  ", now=NOW)
    assert not Recusal.objects.filter(case=case).exists()
