"""Routing up the chain (SPEC §2) when a report is filed, and triage by the team."""

from __future__ import annotations

import datetime as dt

import pytest

from integritas.cases import access, services
from integritas.cases.models import CaseHandler, Status, Via
from integritas.errors import Forbidden, Invalid, WrongState
from integritas.orgs.models import Holding, Person, Position
from tests.cases.chain import (
    EXAM_DUE,
    LATER,
    NOW,
    START,
    WIB,
    end_of_day,
    event_names,
    events,
    hold,
    vacate,
)
from tests.factories import add_team, make_person, make_position, make_unit, reload, submit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the chain


def test_direct_superior_examines_at_level_1(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.status == Status.EXAMINATION
    assert case.handler_position == org.p_vice
    assert case.handler_person == org.vice
    assert case.handler_team is None
    assert case.level == 1
    assert case.stage_started_at == NOW
    assert case.due_at == EXAM_DUE
    assert list(CaseHandler.objects.filter(case=case).values_list("person_id", "level")) == [(org.vice.pk, 1)]
    assert access.is_current_handler(org.vice, case)
    assert not access.is_current_handler(org.principal, case)


@pytest.mark.parametrize("how", ["holding_ended", "no_holding", "holding_starts_later"])
def test_vacant_superior_is_skipped(org, how):
    if how == "holding_ended":
        vacate(org.vice, org.p_vice, end=dt.date(2026, 7, 6))
    elif how == "no_holding":
        Holding.objects.filter(position=org.p_vice).delete()
    else:
        Holding.objects.filter(position=org.p_vice).update(start=dt.date(2026, 7, 8))
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_position == org.p_principal
    assert case.handler_person == org.principal
    assert case.level == 1
    assert case.due_at == EXAM_DUE


def test_holding_that_ends_today_still_counts(org):
    vacate(org.vice, org.p_vice, end=NOW.date())
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_person == org.vice


def test_acting_holder_is_used(org):
    vacate(org.vice, org.p_vice)
    plt = make_person("plt", name="Yuni Rahayu")
    hold(plt, org.p_vice, acting=True, start=dt.date(2026, 7, 1))
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_position == org.p_vice
    assert case.handler_person == plt
    assert case.level == 1


def test_definitive_holder_preferred_over_acting_one(org):
    # The acting holder started later and was created later: only `acting` makes the difference.
    plt = make_person("plt", name="Yuni Rahayu")
    hold(plt, org.p_vice, acting=True, start=dt.date(2026, 7, 1))
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_person == org.vice


def test_inactive_person_is_skipped(org):
    Person.objects.filter(pk=org.vice.pk).update(is_active=False)
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_person == org.principal


def test_principal_as_subject_goes_to_district_office(org):
    friday = dt.datetime(2026, 7, 10, 10, 0, tzinfo=WIB)
    case = reload(submit(org.school, org.p_principal, now=friday).case)
    assert case.status == Status.EXAMINATION
    assert case.handler_position == org.p_kabid
    assert case.handler_person == org.kabid
    assert case.level == 1
    # The case's unit (the school, Monday to Saturday) sets the calendar, not the district's:
    # Sat 11, Mon 13, Tue 14 (the district's Monday-to-Friday week would give Wed 15).
    assert case.due_at == end_of_day(2026, 7, 14)


def test_subject_at_top_of_chain_goes_to_team_of_highest_unit(org):
    case = reload(submit(org.district, org.p_kadis, now=NOW).case)
    assert case.status == Status.EXAMINATION
    assert case.handler_team == org.district
    assert case.handler_position is None and case.handler_person is None
    assert case.level == 1
    assert access.is_current_handler(org.district_team, case)
    assert not access.is_current_handler(org.school_team, case)
    assert not access.is_current_handler(org.kadis, case)


def test_vacant_top_positions_go_to_team_of_highest_unit_on_chain(org):
    for position in (org.p_vice, org.p_principal, org.p_kabid, org.p_kadis):
        Holding.objects.filter(position=position).delete()
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    # The chain climbed into the district office: its team, not the school's.
    assert case.handler_team == org.district
    assert case.handler_person is None
    assert case.status == Status.EXAMINATION and case.level == 1


def test_chain_inside_the_school_runs_out_to_the_school_team(org):
    treasurer = make_position("BENDAHARA", org.school, title="Bendahara Sekolah", holder=org.teacher)
    case = reload(submit(org.school, treasurer, now=NOW).case)
    assert case.handler_team == org.school
    assert access.is_current_handler(org.school_team, case)


def test_team_is_skipped_when_its_only_member_is_excluded(org):
    # The district team's only member is the subject: the case goes to the next team up.
    ministry = make_unit("KEMENDIKDASMEN", timezone="Asia/Jakarta", work_week="mon-fri")
    org.district.parent = ministry
    org.district.save()
    inspector = make_person("inspector", name="Wulan Sari")
    add_team(ministry, inspector)
    Holding.objects.create(person=org.district_team, position=org.p_kadis, start=START)
    Holding.objects.filter(person=org.kadis).delete()
    case = reload(submit(org.district, org.p_kadis, now=NOW).case)
    assert case.handler_team == ministry


def test_reporter_who_is_staff_is_skipped(org):
    reporter = {
        "name": "Bambang",
        "email": "VICE@Example.org",
        "phone": None,
        "nik": None,
        "relation": "rekan",
    }
    case = reload(submit(org.school, org.p_teacher, reporter=reporter, now=NOW).case)
    assert case.reporter_person == org.vice
    assert case.handler_person == org.principal
    assert case.level == 1


def test_outside_reporter_is_not_linked(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.reporter_person is None
    assert case.handler_person == org.vice


def test_subject_holding_the_superior_position_as_acting_is_skipped(org):
    # The teacher is also Plt of the vice principal's post (and the vice principal left).
    vacate(org.vice, org.p_vice)
    hold(org.teacher, org.p_vice, acting=True)
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    assert case.handler_person == org.principal


# ---------------------------------------------------------------- triage


def test_free_text_subject_goes_to_triage_by_the_school_team(org):
    case = reload(submit(org.school, None, now=NOW).case)
    assert case.status == Status.TRIAGE
    assert case.subject_position is None
    assert case.handler_team == org.school
    assert case.handler_person is None and case.handler_position is None
    assert case.level == 0
    assert case.due_at == EXAM_DUE  # triage: 3 working days as well
    assert event_names(case) == ["submitted", "triage"]


@pytest.mark.parametrize("who", ["school_team", "district_team"])
def test_team_triages_to_a_position_and_the_case_is_routed_to_its_superior(org, who):
    case = reload(submit(org.school, None, now=NOW).case)
    services.case_triage(
        via=Via.API, case=case, actor=getattr(org, who), position=org.p_teacher.code, now=LATER
    )
    case = reload(case)
    assert case.status == Status.EXAMINATION
    assert case.subject_position == org.p_teacher
    assert case.handler_person == org.vice and case.handler_position == org.p_vice
    assert case.handler_team is None
    assert case.level == 1
    assert case.stage_started_at == LATER and case.due_at == end_of_day(2026, 7, 13)
    # Through the API the team's first action records its statement of no conflict.
    assert event_names(case) == ["submitted", "triage", "no_conflict_confirmed", "triaged", "routed"]
    routed = events(case)[-1]
    assert (routed.from_status, routed.to_status) == ("triage", "examination")
    assert routed.actor == getattr(org, who)


def test_triage_to_a_position_of_a_unit_below(org):
    case = reload(submit(org.district, None, now=NOW).case)
    assert case.handler_team == org.district
    services.case_triage(via=Via.API, case=case, actor=org.district_team, position="GURU", now=NOW)
    case = reload(case)
    assert case.handler_person == org.vice and case.status == Status.EXAMINATION


@pytest.mark.parametrize("code", ["KABID", "KADIS", "GURU-SMPN2", "NO-SUCH-POSITION", ""])
def test_triage_to_a_position_outside_the_unit_subtree_is_invalid(org, code):
    other = make_unit("SMPN2", parent=org.district)
    make_position("GURU-SMPN2", other, title="Guru", reports_to=org.p_kabid, holder=make_person("guru2"))
    case = reload(submit(org.school, None, now=NOW).case)
    with pytest.raises(Invalid) as raised:
        services.case_triage(via=Via.API, case=case, actor=org.school_team, position=code, now=NOW)
    assert "position" in raised.value.fields
    case = reload(case)
    assert case.status == Status.TRIAGE and case.subject_position is None
    assert event_names(case) == ["submitted", "triage"]


@pytest.mark.parametrize("who", ["vice", "principal", "teacher", "outsider", "admin"])
def test_triage_by_someone_outside_the_teams_is_forbidden(org, who):
    case = reload(submit(org.school, None, now=NOW).case)
    with pytest.raises(Forbidden):
        services.case_triage(via=Via.API, case=case, actor=getattr(org, who), position="GURU", now=NOW)
    assert reload(case).status == Status.TRIAGE


def test_triage_of_a_routed_case_is_wrong_state(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(WrongState):
        services.case_triage(via=Via.API, case=case, actor=org.school_team, position="GURU", now=NOW)


def test_make_org_is_the_chain_the_tests_assume(org):
    chain = []
    position: Position | None = org.p_teacher
    while position is not None:
        chain.append(position.code)
        position = position.reports_to
    assert chain == ["GURU", "WAKA", "KS", "KABID", "KADIS"]
