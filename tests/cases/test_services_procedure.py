"""The handling state machine (SPEC §3): examination, review, escalation, follow-up and closing."""

from __future__ import annotations

import datetime as dt

import pytest

from integritas.cases import services
from integritas.cases.models import Case, Event, FollowUp, Status, Via
from integritas.cases.sweep import sweep
from integritas.errors import Forbidden, Invalid, WrongState
from tests.cases.chain import (
    API,
    LATER,
    NOW,
    assert_no_staff_names,
    end_of_day,
    event_names,
    events,
    in_examination,
    in_follow_up,
    in_review,
)
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the state machine


def test_unfounded_closes_case(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    services.case_examine(
        via=Via.API, case=case, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", now=LATER
    )
    case = reload(case)
    assert case.status == Status.CLOSED
    assert case.conclusion == "unfounded" and case.outcome == "unfounded"
    assert case.closed_at == LATER and case.concluded_at == LATER
    assert case.due_at is None and not case.overdue
    last = events(case)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("examined_unfounded", "examination", "closed")
    with pytest.raises(WrongState):
        services.case_examine(
            via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="x", now=LATER
        )


def test_founded_goes_to_review_by_the_superior_of_the_superior(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    services.case_examine(
        via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="Terbukti", now=LATER
    )
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
    services.case_review(
        via=Via.API, case=case, actor=org.principal, decision=decision, notes="Catatan", now=LATER
    )
    case = reload(case)
    assert case.status == Status.FOLLOW_UP
    assert case.review_decision == decision and case.reviewed_at == LATER
    assert case.due_at is None and case.outcome == ""
    last = events(case)[-1]
    assert (last.kind, last.from_status, last.to_status) == (f"reviewed_{decision}", "review", "follow_up")
    item = services.follow_up_add(
        via=Via.API,
        case=case,
        actor=org.school_team,
        title="Tindakan",
        due_date=dt.date(2026, 8, 1),
        now=LATER,
    )
    services.follow_up_done(
        via=Via.API, case=case, actor=org.school_team, follow_up=item, notes="Selesai", now=LATER
    )
    services.case_close(via=Via.API, case=case, actor=org.school_team, summary="Tuntas", now=LATER)
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == outcome and case.closed_at == LATER


def test_escalate_moves_review_to_the_next_level(org):
    case = in_review(org)
    services.case_review(
        via=Via.API,
        case=case,
        actor=org.principal,
        decision="escalate",
        notes="Di luar kewenangan",
        now=LATER,
    )
    case = reload(case)
    assert case.status == Status.REVIEW
    assert case.handler_person == org.kabid and case.handler_position == org.p_kabid
    assert case.level == 3
    assert case.review_decision == ""
    assert case.stage_started_at == LATER and case.due_at == end_of_day(2026, 7, 11)
    last = events(case)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("escalated", "review", "review")
    assert last.actor == org.principal and last.actor_position == org.p_principal
    with pytest.raises(Forbidden):
        services.case_review(
            via=Via.API, case=case, actor=org.principal, decision="uphold", notes="x", now=LATER
        )


def test_escalate_at_the_top_is_wrong_state(org):
    case = in_review(org)
    for actor in (org.principal, org.kabid, org.kadis):
        services.case_review(
            via=Via.API, case=reload(case), actor=actor, decision="escalate", notes="Naik", now=NOW
        )
    case = reload(case)
    assert case.handler_team == org.district and case.level == 5
    before = Event.objects.filter(case=case).count()
    with pytest.raises(WrongState):
        services.case_review(
            via=Via.API, case=case, actor=org.district_team, decision="escalate", notes="Naik", now=LATER
        )
    case = reload(case)
    assert case.status == Status.REVIEW and case.handler_team == org.district and case.level == 5
    assert Event.objects.filter(case=case).count() == before
    # The team at the top decides instead.
    services.case_review(
        via=Via.API, case=case, actor=org.district_team, decision="amend", notes="Diubah", now=LATER
    )
    assert reload(case).status == Status.FOLLOW_UP


def test_close_is_refused_while_a_follow_up_is_open(org):
    case = in_review(org)
    services.case_review(
        via=Via.API, case=case, actor=org.principal, decision="revoke", notes="Dicabut", now=NOW
    )
    case = reload(case)
    first = services.follow_up_add(
        via=Via.API,
        case=case,
        actor=org.school_team,
        title="Lelang ulang",
        due_date=dt.date(2026, 8, 1),
        now=NOW,
    )
    second = services.follow_up_add(
        via=Via.API, case=case, actor=org.school_team, title="Sanksi", due_date=dt.date(2026, 8, 15), now=NOW
    )
    services.follow_up_done(
        via=Via.API, case=case, actor=org.school_team, follow_up=first, notes="ok", now=NOW
    )
    with pytest.raises(WrongState) as raised:
        services.case_close(via=Via.API, case=case, actor=org.school_team, summary="Selesai", now=LATER)
    assert raised.value.code == "follow_up_open"
    assert "Sanksi" in raised.value.message
    assert reload(case).status == Status.FOLLOW_UP
    with pytest.raises(Invalid):
        services.follow_up_cancel(
            via=Via.API, case=case, actor=org.school_team, follow_up=second, reason=" ", now=LATER
        )
    services.follow_up_cancel(
        via=Via.API,
        case=case,
        actor=org.school_team,
        follow_up=second,
        reason="Pegawai sudah pensiun",
        now=LATER,
    )
    assert FollowUp.objects.get(pk=second.pk).cancel_reason == "Pegawai sudah pensiun"
    services.case_close(via=Via.API, case=case, actor=org.school_team, summary="Selesai", now=LATER)
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == "revoked"


def test_follow_up_and_close_are_for_the_team_only(org):
    case = in_review(org)
    services.case_review(
        via=Via.API, case=case, actor=org.principal, decision="uphold", notes="Mitigasi", now=NOW
    )
    case = reload(case)
    with pytest.raises(Forbidden):
        services.follow_up_add(
            via=Via.API, case=case, actor=org.principal, title="x", due_date=dt.date(2026, 8, 1), now=NOW
        )
    with pytest.raises(Forbidden):
        services.case_close(via=Via.API, case=case, actor=org.principal, summary="x", now=NOW)
    services.case_close(
        via=Via.API, case=case, actor=org.district_team, summary="Tanpa tindak lanjut", now=NOW
    )
    assert reload(case).outcome == "upheld"


# Each row: the state the case is put in (outside the check), and the action tried there.
WRONG_STATE = {
    "examine_in_review": (
        "review",
        lambda org, case: services.case_examine(
            case=case, actor=org.principal, conclusion="founded", findings="x", via=Via.API, now=NOW
        ),
    ),
    "review_in_examination": (
        "examination",
        lambda org, case: services.case_review(
            case=case, actor=org.vice, decision="uphold", notes="x", via=Via.API, now=NOW
        ),
    ),
    "close_in_examination": (
        "examination",
        lambda org, case: services.case_close(
            case=case, actor=org.school_team, summary="x", via=Via.API, now=NOW
        ),
    ),
    "recuse_in_follow_up": (
        "follow_up",
        lambda org, case: services.case_recuse(case=case, actor=org.school_team, reason="x", now=NOW),
    ),
    "follow_up_in_review": (
        "review",
        lambda org, case: services.follow_up_add(
            case=case, actor=org.school_team, title="x", due_date=dt.date(2026, 8, 1), via=Via.API, now=NOW
        ),
    ),
}
SETUP = {"examination": in_examination, "review": in_review, "follow_up": in_follow_up}


@pytest.mark.parametrize("action", list(WRONG_STATE))
def test_actions_in_the_wrong_state_are_refused(org, action):
    state, act = WRONG_STATE[action]
    case = SETUP[state](org)
    before = (reload(case).status, Event.objects.filter(case=case).count())
    with pytest.raises(WrongState) as refused:
        act(org, reload(case))
    assert refused.value.code == "wrong_state" and refused.value.status == 409
    assert (reload(case).status, Event.objects.filter(case=case).count()) == before


def test_wrong_actor_is_forbidden_and_nothing_changes(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    for actor in (org.teacher, org.principal, org.school_team, org.outsider, org.admin):
        with pytest.raises(Forbidden):
            services.case_examine(
                via=Via.API, case=case, actor=actor, conclusion="unfounded", findings="x", now=NOW
            )
    assert reload(case).status == Status.EXAMINATION
    assert event_names(case) == ["submitted", "routed"]


def test_bad_input_is_invalid(org):
    case = reload(submit(org.school, org.p_teacher, now=NOW).case)
    with pytest.raises(Invalid):
        services.case_examine(
            via=Via.API, case=case, actor=org.vice, conclusion="maybe", findings="x", now=NOW
        )
    with pytest.raises(Invalid):
        services.case_examine(
            via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="", now=NOW
        )
    review = in_review(org)
    with pytest.raises(Invalid):
        services.case_review(
            via=Via.API, case=review, actor=org.principal, decision="ignore", notes="x", now=NOW
        )


def the_long_way(org) -> Case:
    """Triage, recusal, a founded examination, two escalations, a review by the team at the top,
    two follow-up actions (one done, one cancelled), the close: every transition there is."""
    case = reload(submit(org.school, None, now=NOW).case)
    steps = [
        lambda c: services.case_triage(case=c, actor=org.school_team, position="GURU", via=API, now=NOW),
        lambda c: services.case_recuse(case=c, actor=org.vice, reason="Konflik", now=NOW),
        lambda c: services.case_examine(
            case=c, actor=org.principal, conclusion="founded", findings="Benar", via=API, now=NOW
        ),
        lambda c: services.case_review(
            case=c, actor=org.kabid, decision="escalate", notes="Naik", via=API, now=NOW
        ),
        lambda c: services.case_review(
            case=c, actor=org.kadis, decision="escalate", notes="Naik", via=API, now=NOW
        ),
        lambda c: services.case_review(
            case=c, actor=org.district_team, decision="reassign", notes="Ulang", via=API, now=NOW
        ),
    ]
    for step in steps:
        step(reload(case))
    for settle in (services.follow_up_done, services.follow_up_cancel):
        item = services.follow_up_add(
            case=reload(case),
            actor=org.school_team,
            title="Ulang",
            due_date=dt.date(2026, 8, 1),
            via=API,
            now=NOW,
        )
        words = {"notes": "ok"} if settle is services.follow_up_done else {"reason": "Batal"}
        settle(case=reload(case), actor=org.school_team, follow_up=item, via=API, now=NOW, **words)
    services.case_close(case=reload(case), actor=org.district_team, summary="Selesai", via=API, now=NOW)
    return reload(case)


def test_every_transition_writes_an_event_with_from_and_to_status(org):
    case = the_long_way(org)
    rows = events(case)
    transitions = [(e.kind, e.from_status, e.to_status) for e in rows if e.from_status]
    assert transitions == [
        ("triage", "submitted", "triage"),
        ("triaged", "triage", "triage"),
        ("routed", "triage", "examination"),
        ("recused", "examination", "examination"),
        ("examined_founded", "examination", "review"),
        ("escalated", "review", "review"),
        ("escalated", "review", "review"),
        ("reviewed_reassign", "review", "follow_up"),
        ("closed", "follow_up", "closed"),
    ]
    assert all(e.to_status for e in rows)
    # The statuses chain: each event starts where the one before ended.
    for before, after in zip(rows, rows[1:], strict=False):
        if after.from_status:
            assert after.from_status == before.to_status, (before.kind, after.kind)
    assert rows[-1].to_status == case.status == Status.CLOSED
    assert all(e.at == NOW for e in rows)
    actors = {e.kind: e.actor for e in rows}
    assert actors["triaged"] == org.school_team and actors["examined_founded"] == org.principal
    assert actors["closed"] == org.district_team


def test_public_notes_never_name_staff(org):
    case = the_long_way(org)
    assert case.status == Status.CLOSED
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
        via=Via.API, case=third, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", now=NOW
    )
    assert_no_staff_names(third)
