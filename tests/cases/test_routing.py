"""Routing up the chain (SPEC §2), triage, recusal and the handling state machine (SPEC §3).

Every service gets an explicit ``now`` on real 2026 dates; the school works Monday to Saturday and
July 2026 has no Indonesian holiday, so the deadlines below can be counted by hand.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from integritas.cases import access, services
from integritas.cases.models import Case, CaseHandler, Event, FollowUp, Recusal, Status
from integritas.cases.sweep import sweep
from integritas.errors import Forbidden, Invalid, WrongState
from integritas.orgs.models import Holding, Person, Position
from tests.factories import add_team, make_person, make_position, make_unit, reload, submit

WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 7, 7, 10, 0, tzinfo=WIB)  # Tuesday
LATER = dt.datetime(2026, 7, 9, 9, 0, tzinfo=WIB)  # Thursday
START = dt.date(2020, 1, 1)


def end_of_day(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=WIB)


# 3 working days (mon-sat) after Tuesday 7 July: Wed 8, Thu 9, Fri 10.
EXAM_DUE = end_of_day(2026, 7, 10)

NAMES = {
    "teacher": "Ahmad Fauzi",
    "vice": "Bambang Wijaya",
    "principal": "Budi Santoso",
    "kabid": "Sri Wahyuni",
    "kadis": "Hendra Gunawan",
    "schoolteam": "Dewi Lestari",
    "districtteam": "Rina Kartika",
    "outsider": "Joko Susilo",
    "admin": "Agus Salim",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # make_org hashes nine passwords; Argon2 makes that seconds per test and no test here signs in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    """The factory org with real names, so that a leaked name is easy to spot."""
    from tests.factories import make_org

    built = make_org()
    for username, name in NAMES.items():
        Person.objects.filter(username=username).update(name=name)
    for attr in (
        "teacher",
        "vice",
        "principal",
        "kabid",
        "kadis",
        "school_team",
        "district_team",
        "outsider",
        "admin",
    ):
        getattr(built, attr).refresh_from_db()
    return built


def vacate(person: Person, position: Position, *, end: dt.date = dt.date(2026, 6, 30)) -> None:
    Holding.objects.filter(person=person, position=position).update(end=end)


def hold(person: Person, position: Position, *, acting: bool = False, start: dt.date = START) -> Holding:
    return Holding.objects.create(person=person, position=position, acting=acting, start=start)


def events(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case).order_by("at", "id"))


def event_names(case: Case) -> list[str]:
    return [e.event for e in events(case)]


def in_review(org, now: dt.datetime = NOW) -> Case:
    """A case about the teacher, examined founded by the vice principal: the principal reviews."""
    case = submit(org.school, org.p_teacher, now=now).case
    services.case_examine(
        case=reload(case), actor=org.vice, conclusion="founded", findings="Terbukti", now=now
    )
    case = reload(case)
    assert case.status == Status.REVIEW and case.handler_person == org.principal
    return case


def assert_no_staff_names(case: Case) -> None:
    names = [n.lower() for n in Person.objects.exclude(name="").values_list("name", flat=True)]
    assert len(names) >= len(NAMES)
    for row in events(case):
        for text in (row.public_note, row.actor_title):
            for name in names:
                assert name not in text.lower(), f"{row.event}: staff name {name!r} in {text!r}"


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
    assert (recused.event, recused.from_status, recused.to_status) == (
        "recused",
        "examination",
        "examination",
    )
    assert recused.actor_title == org.p_vice.title
    # The recuser can no longer act on the case, nor see it (they withdrew because of a conflict).
    with pytest.raises(Forbidden):
        services.case_examine(case=case, actor=org.vice, conclusion="unfounded", findings="x", now=LATER)
    assert not access.cases_visible_to(org.vice).filter(pk=case.pk).exists()


def test_recuser_is_skipped_when_the_case_moves_up_after_a_founded_conclusion(org):
    # The vice principal is also acting head of division; the head of division has left.
    vacate(org.kabid, org.p_kabid)
    hold(org.vice, org.p_kabid, acting=True)
    case = submit(org.school, org.p_teacher, now=NOW).case
    services.case_recuse(case=reload(case), actor=org.vice, reason="Konflik", now=NOW)
    services.case_examine(
        case=reload(case), actor=org.principal, conclusion="founded", findings="Benar", now=LATER
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
        case=reload(case), actor=org.principal, conclusion="founded", findings="Benar", now=NOW
    )
    case = reload(case)
    assert case.handler_person == org.kabid and case.level == 3
    services.case_review(case=case, actor=org.kabid, decision="escalate", notes="Perlu pimpinan", now=LATER)
    case = reload(case)
    assert case.status == Status.REVIEW
    assert case.handler_team == org.district and case.handler_person is None
    assert case.level == 4


def test_recuser_is_skipped_on_automatic_escalation(org):
    vacate(org.kabid, org.p_kabid)
    hold(org.principal, org.p_kabid, acting=True)
    case = submit(org.school, org.p_teacher, now=NOW).case
    services.case_examine(case=reload(case), actor=org.vice, conclusion="founded", findings="Benar", now=NOW)
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
        services.case_triage(case=case, actor=org.school_team, position=org.p_teacher.code, now=LATER)


def test_only_the_current_handler_may_recuse(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(Forbidden):
        services.case_recuse(case=case, actor=org.principal, reason="x", now=NOW)
    with pytest.raises(Invalid):
        services.case_recuse(case=case, actor=org.vice, reason="  ", now=NOW)
    assert not Recusal.objects.filter(case=case).exists()


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
    services.case_triage(case=case, actor=getattr(org, who), position=org.p_teacher.code, now=LATER)
    case = reload(case)
    assert case.status == Status.EXAMINATION
    assert case.subject_position == org.p_teacher
    assert case.handler_person == org.vice and case.handler_position == org.p_vice
    assert case.handler_team is None
    assert case.level == 1
    assert case.stage_started_at == LATER and case.due_at == end_of_day(2026, 7, 13)
    assert event_names(case) == ["submitted", "triage", "triaged", "routed"]
    routed = events(case)[-1]
    assert (routed.from_status, routed.to_status) == ("triage", "examination")
    assert routed.actor == getattr(org, who)


def test_triage_to_a_position_of_a_unit_below(org):
    case = reload(submit(org.district, None, now=NOW).case)
    assert case.handler_team == org.district
    services.case_triage(case=case, actor=org.district_team, position="GURU", now=NOW)
    case = reload(case)
    assert case.handler_person == org.vice and case.status == Status.EXAMINATION


@pytest.mark.parametrize("code", ["KABID", "KADIS", "GURU-SMPN2", "NO-SUCH-POSITION", ""])
def test_triage_to_a_position_outside_the_unit_subtree_is_invalid(org, code):
    other = make_unit("SMPN2", parent=org.district)
    make_position("GURU-SMPN2", other, title="Guru", reports_to=org.p_kabid, holder=make_person("guru2"))
    case = reload(submit(org.school, None, now=NOW).case)
    with pytest.raises(Invalid) as raised:
        services.case_triage(case=case, actor=org.school_team, position=code, now=NOW)
    assert "position" in raised.value.fields
    case = reload(case)
    assert case.status == Status.TRIAGE and case.subject_position is None
    assert event_names(case) == ["submitted", "triage"]


@pytest.mark.parametrize("who", ["vice", "principal", "teacher", "outsider", "admin"])
def test_triage_by_someone_outside_the_teams_is_forbidden(org, who):
    case = reload(submit(org.school, None, now=NOW).case)
    with pytest.raises(Forbidden):
        services.case_triage(case=case, actor=getattr(org, who), position="GURU", now=NOW)
    assert reload(case).status == Status.TRIAGE


def test_triage_of_a_routed_case_is_wrong_state(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(WrongState):
        services.case_triage(case=case, actor=org.school_team, position="GURU", now=NOW)


# ---------------------------------------------------------------- the state machine


def test_unfounded_closes_case(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    services.case_examine(
        case=case, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", now=LATER
    )
    case = reload(case)
    assert case.status == Status.CLOSED
    assert case.conclusion == "unfounded" and case.outcome == "unfounded"
    assert case.closed_at == LATER and case.concluded_at == LATER
    assert case.due_at is None and not case.overdue
    last = events(case)[-1]
    assert (last.event, last.from_status, last.to_status) == ("examined_unfounded", "examination", "closed")
    with pytest.raises(WrongState):
        services.case_examine(case=case, actor=org.vice, conclusion="founded", findings="x", now=LATER)


def test_founded_goes_to_review_by_the_superior_of_the_superior(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    services.case_examine(case=case, actor=org.vice, conclusion="founded", findings="Terbukti", now=LATER)
    case = reload(case)
    assert case.status == Status.REVIEW and case.conclusion == "founded"
    assert case.handler_person == org.principal and case.level == 2
    # Review: 2 calendar days after Thursday 9 July.
    assert case.stage_started_at == LATER and case.due_at == end_of_day(2026, 7, 11)


@pytest.mark.parametrize(
    "decision, outcome",
    [("revoke", "revoked"), ("amend", "amended"), ("reassign", "reassigned"), ("uphold", "upheld")],
)
def test_review_decision_leads_to_follow_up_and_outcome_at_close(org, decision, outcome):
    case = in_review(org)
    services.case_review(case=case, actor=org.principal, decision=decision, notes="Catatan", now=LATER)
    case = reload(case)
    assert case.status == Status.FOLLOW_UP
    assert case.review_decision == decision and case.reviewed_at == LATER
    assert case.due_at is None and case.outcome == ""
    last = events(case)[-1]
    assert (last.event, last.from_status, last.to_status) == (f"reviewed_{decision}", "review", "follow_up")
    item = services.follow_up_add(
        case=case, actor=org.school_team, title="Tindakan", due_date="2026-08-01", now=LATER
    )
    services.follow_up_done(
        case=case, actor=org.school_team, follow_up_id=item.pk, notes="Selesai", now=LATER
    )
    services.case_close(case=case, actor=org.school_team, summary="Tuntas", now=LATER)
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == outcome and case.closed_at == LATER


def test_escalate_moves_review_to_the_next_level(org):
    case = in_review(org)
    services.case_review(
        case=case, actor=org.principal, decision="escalate", notes="Di luar kewenangan", now=LATER
    )
    case = reload(case)
    assert case.status == Status.REVIEW
    assert case.handler_person == org.kabid and case.handler_position == org.p_kabid
    assert case.level == 3
    assert case.review_decision == ""
    assert case.stage_started_at == LATER and case.due_at == end_of_day(2026, 7, 11)
    last = events(case)[-1]
    assert (last.event, last.from_status, last.to_status) == ("escalated", "review", "review")
    assert last.actor == org.principal and last.actor_title == org.p_principal.title
    with pytest.raises(Forbidden):
        services.case_review(case=case, actor=org.principal, decision="uphold", notes="x", now=LATER)


def test_escalate_at_the_top_is_wrong_state(org):
    case = in_review(org)
    for actor in (org.principal, org.kabid, org.kadis):
        services.case_review(case=reload(case), actor=actor, decision="escalate", notes="Naik", now=NOW)
    case = reload(case)
    assert case.handler_team == org.district and case.level == 5
    before = Event.objects.filter(case=case).count()
    with pytest.raises(WrongState):
        services.case_review(case=case, actor=org.district_team, decision="escalate", notes="Naik", now=LATER)
    case = reload(case)
    assert case.status == Status.REVIEW and case.handler_team == org.district and case.level == 5
    assert Event.objects.filter(case=case).count() == before
    # The team at the top decides instead.
    services.case_review(case=case, actor=org.district_team, decision="amend", notes="Diubah", now=LATER)
    assert reload(case).status == Status.FOLLOW_UP


def test_close_is_refused_while_a_follow_up_is_open(org):
    case = in_review(org)
    services.case_review(case=case, actor=org.principal, decision="revoke", notes="Dicabut", now=NOW)
    case = reload(case)
    first = services.follow_up_add(
        case=case, actor=org.school_team, title="Lelang ulang", due_date="2026-08-01", now=NOW
    )
    second = services.follow_up_add(
        case=case, actor=org.school_team, title="Sanksi", due_date="2026-08-15", now=NOW
    )
    services.follow_up_done(case=case, actor=org.school_team, follow_up_id=first.pk, notes="ok", now=NOW)
    with pytest.raises(WrongState) as raised:
        services.case_close(case=case, actor=org.school_team, summary="Selesai", now=LATER)
    assert raised.value.code == "follow_up_open"
    assert "Sanksi" in raised.value.message
    assert reload(case).status == Status.FOLLOW_UP
    with pytest.raises(Invalid):
        services.follow_up_cancel(
            case=case, actor=org.school_team, follow_up_id=second.pk, reason=" ", now=LATER
        )
    services.follow_up_cancel(
        case=case, actor=org.school_team, follow_up_id=second.pk, reason="Pegawai sudah pensiun", now=LATER
    )
    assert FollowUp.objects.get(pk=second.pk).cancel_reason == "Pegawai sudah pensiun"
    services.case_close(case=case, actor=org.school_team, summary="Selesai", now=LATER)
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == "revoked"


def test_follow_up_and_close_are_for_the_team_only(org):
    case = in_review(org)
    services.case_review(case=case, actor=org.principal, decision="uphold", notes="Mitigasi", now=NOW)
    case = reload(case)
    with pytest.raises(Forbidden):
        services.follow_up_add(case=case, actor=org.principal, title="x", due_date="2026-08-01", now=NOW)
    with pytest.raises(Forbidden):
        services.case_close(case=case, actor=org.principal, summary="x", now=NOW)
    services.case_close(case=case, actor=org.district_team, summary="Tanpa tindak lanjut", now=NOW)
    assert reload(case).outcome == "upheld"


@pytest.mark.parametrize(
    "action",
    [
        "examine_in_review",
        "review_in_examination",
        "close_in_examination",
        "recuse_in_follow_up",
        "follow_up_in_review",
    ],
)
def test_actions_in_the_wrong_state_are_refused(org, action):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(WrongState):
        if action == "examine_in_review":
            case = in_review(org)
            services.case_examine(case=case, actor=org.principal, conclusion="founded", findings="x", now=NOW)
        elif action == "review_in_examination":
            services.case_review(case=case, actor=org.vice, decision="uphold", notes="x", now=NOW)
        elif action == "close_in_examination":
            services.case_close(case=case, actor=org.school_team, summary="x", now=NOW)
        elif action == "recuse_in_follow_up":
            case = in_review(org)
            services.case_review(case=case, actor=org.principal, decision="amend", notes="x", now=NOW)
            services.case_recuse(case=reload(case), actor=org.school_team, reason="x", now=NOW)
        else:
            case = in_review(org)
            services.follow_up_add(
                case=case, actor=org.school_team, title="x", due_date="2026-08-01", now=NOW
            )


def test_wrong_actor_is_forbidden_and_nothing_changes(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    for actor in (org.teacher, org.principal, org.school_team, org.outsider, org.admin):
        with pytest.raises(Forbidden):
            services.case_examine(case=case, actor=actor, conclusion="unfounded", findings="x", now=NOW)
    assert reload(case).status == Status.EXAMINATION
    assert event_names(case) == ["submitted", "routed"]


def test_bad_input_is_invalid(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(Invalid):
        services.case_examine(case=case, actor=org.vice, conclusion="maybe", findings="x", now=NOW)
    with pytest.raises(Invalid):
        services.case_examine(case=case, actor=org.vice, conclusion="founded", findings="", now=NOW)
    review = in_review(org)
    with pytest.raises(Invalid):
        services.case_review(case=review, actor=org.principal, decision="ignore", notes="x", now=NOW)


def test_every_transition_writes_an_event_with_from_and_to_status(org):
    case = reload(submit(org.school, None, now=NOW).case)
    services.case_triage(case=case, actor=org.school_team, position="GURU", now=NOW)
    services.case_recuse(case=reload(case), actor=org.vice, reason="Konflik", now=NOW)
    services.case_examine(
        case=reload(case), actor=org.principal, conclusion="founded", findings="Benar", now=NOW
    )
    services.case_review(case=reload(case), actor=org.kabid, decision="escalate", notes="Naik", now=NOW)
    services.case_review(case=reload(case), actor=org.kadis, decision="reassign", notes="Ulang", now=NOW)
    item = services.follow_up_add(
        case=reload(case), actor=org.school_team, title="Ulang", due_date="2026-08-01", now=NOW
    )
    services.follow_up_done(
        case=reload(case), actor=org.school_team, follow_up_id=item.pk, notes="ok", now=NOW
    )
    services.case_close(case=reload(case), actor=org.school_team, summary="Selesai", now=NOW)

    rows = events(case)
    transitions = [(e.event, e.from_status, e.to_status) for e in rows if e.from_status]
    assert transitions == [
        ("triage", "submitted", "triage"),
        ("triaged", "triage", "triage"),
        ("routed", "triage", "examination"),
        ("recused", "examination", "examination"),
        ("examined_founded", "examination", "review"),
        ("escalated", "review", "review"),
        ("reviewed_reassign", "review", "follow_up"),
        ("closed", "follow_up", "closed"),
    ]
    assert all(e.to_status for e in rows)
    # The statuses chain: each event starts where the one before ended.
    for before, after in zip(rows, rows[1:], strict=False):
        if after.from_status:
            assert after.from_status == before.to_status, (before.event, after.event)
    assert rows[-1].to_status == reload(case).status == Status.CLOSED
    assert all(e.at == NOW for e in rows)
    actors = {e.event: e.actor for e in rows}
    assert actors["triaged"] == org.school_team and actors["examined_founded"] == org.principal
    assert actors["closed"] == org.school_team


def test_public_notes_never_name_staff(org):
    # Triage, recusal, founded, escalation, review, follow-up, close.
    case = reload(submit(org.school, None, now=NOW).case)
    services.case_triage(case=case, actor=org.school_team, position="GURU", now=NOW)
    services.case_recuse(case=reload(case), actor=org.vice, reason="Konflik", now=NOW)
    services.case_examine(
        case=reload(case), actor=org.principal, conclusion="founded", findings="Benar", now=NOW
    )
    services.case_review(case=reload(case), actor=org.kabid, decision="escalate", notes="Naik", now=NOW)
    services.case_review(case=reload(case), actor=org.kadis, decision="escalate", notes="Naik", now=NOW)
    services.case_review(
        case=reload(case), actor=org.district_team, decision="revoke", notes="Cabut", now=NOW
    )
    item = services.follow_up_add(
        case=reload(case), actor=org.school_team, title="Ulang", due_date="2026-08-01", now=NOW
    )
    services.follow_up_cancel(
        case=reload(case), actor=org.school_team, follow_up_id=item.pk, reason="Batal", now=NOW
    )
    services.case_close(case=reload(case), actor=org.district_team, summary="Selesai", now=NOW)
    assert reload(case).status == Status.CLOSED
    assert_no_staff_names(case)

    # Unfounded, and the automatic escalation of the sweep (to a team at the top).
    other = reload(submit(org.district, org.p_kabid, now=NOW).case)
    assert other.handler_person == org.kadis
    sweep(now=other.due_at + dt.timedelta(seconds=1))
    assert reload(other).handler_team == org.district
    assert event_names(other)[-2:] == ["overdue", "escalated_overdue"]
    assert_no_staff_names(other)
    third = reload(submit(org.school, org.p_teacher, now=NOW).case)
    services.case_examine(
        case=third, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", now=NOW
    )
    assert_no_staff_names(third)


def test_escalation_requires_the_row_lock_holder_to_pass_a_timed_state(org):
    case = in_review(org)
    services.case_review(case=case, actor=org.principal, decision="uphold", notes="x", now=NOW)
    with transaction.atomic(), pytest.raises(WrongState):
        services.case_escalate(case=reload(case), actor=None, reason="x", now=NOW, automatic=True)


def test_make_org_is_the_chain_the_tests_assume(org):
    chain = []
    position: Position | None = org.p_teacher
    while position is not None:
        chain.append(position.code)
        position = position.reports_to
    assert chain == ["GURU", "WAKA", "KS", "KABID", "KADIS"]
