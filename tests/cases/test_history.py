"""History as data, and its effects: ``history.record_event`` writes the row, the audit entry and the
notifications in the transaction of the change, visibly (no signal receivers).

Each step that ends a stage's clock carries the stage, when the clock started and the deadline then
in force, so that monitoring counts steps, steps on time and durations with aggregate queries alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Avg, Count, F, Q

from integritas.audit.models import AuditEntry
from integritas.cases import history, services
from integritas.cases.models import ActorRole, Event, EventKind, Stage, Via
from integritas.notify.models import Notice
from tests.cases.chain import API, LATER, NOW, end_of_day, events, in_examination, in_follow_up, in_review
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db


def test_every_history_row_has_its_audit_entry_with_the_same_data(org):
    case = in_follow_up(org)
    rows = events(case)
    entries = list(AuditEntry.objects.filter(case_reference=case.reference).order_by("seq"))
    transitions = [e for e in entries if e.action != "case.identity_viewed"]
    assert [e.action for e in transitions] == [f"case.{row.kind}" for row in rows]
    for row, entry in zip(rows, transitions, strict=True):
        assert entry.at == row.at
        assert entry.data["role"] == row.actor_role
        assert entry.actor == (row.actor.username if row.actor else row.actor_role)
    routed = next(e for e in transitions if e.action == "case.routed")
    assert routed.actor == "system" and routed.data["to_position"] == "WAKA"
    submitted = transitions[0]
    assert submitted.actor == "reporter" and submitted.data["to"] == "submitted"


def test_the_effects_run_inside_the_change(org, monkeypatch):
    """If the audit entry cannot be written, the change does not happen (and nothing is notified)."""
    case = in_examination(org)
    notices = Notice.objects.count()

    def broken(event: Event) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(history, "record_case_event", broken)
    with pytest.raises(RuntimeError):
        services.case_examine(
            case=case, actor=org.vice, conclusion="founded", findings="x", via=Via.API, now=NOW
        )
    case = reload(case)
    assert case.status == "examination" and [e.kind for e in events(case)] == ["submitted", "routed"]
    assert Notice.objects.count() == notices


def test_notifications_are_queued_by_the_same_call(org):
    case = in_examination(org)
    assert Notice.objects.filter(person=org.vice, case=case, kind="assigned").count() == 1
    services.case_examine(case=case, actor=org.vice, conclusion="founded", findings="x", via=Via.API, now=NOW)
    assert Notice.objects.filter(person=org.principal, case=case, kind="assigned").count() == 1


def test_rows_hold_references_and_only_what_people_wrote(org):
    case = reload(submit(org.school, None, now=NOW).case)
    services.case_triage(case=case, actor=org.school_team, position="GURU", via=Via.API, now=NOW)
    services.case_examine(
        case=reload(case),
        actor=org.vice,
        conclusion="founded",
        findings="Toko milik adik.",
        via=Via.API,
        now=NOW,
    )
    services.case_review(
        case=reload(case), actor=org.principal, decision="amend", notes="Diubah.", via=Via.API, now=NOW
    )
    item = services.follow_up_add(
        case=reload(case),
        actor=org.school_team,
        title="Revisi SK",
        due_date=dt.date(2026, 8, 1),
        via=Via.API,
        now=NOW,
    )
    rows = {row.kind: row for row in events(case)}
    assert rows["submitted"].actor_role == ActorRole.REPORTER and rows["submitted"].actor is None
    assert rows["triage"].actor_role == ActorRole.SYSTEM and rows["triage"].to_team == org.school
    assert rows["triaged"].actor_role == ActorRole.TEAM and rows["triaged"].actor_team == org.school
    assert rows["triaged"].data == {"subject_position": org.p_teacher.pk} and rows["triaged"].note == ""
    assert rows["routed"].to_position == org.p_vice and rows["routed"].note == ""
    assert rows["examined_founded"].actor_position == org.p_vice
    assert rows["examined_founded"].to_position == org.p_principal
    assert rows["examined_founded"].note == "Toko milik adik."
    assert rows["reviewed_amend"].note == "Diubah."
    assert rows["follow_up_added"].follow_up == item and rows["follow_up_added"].note == ""


def test_steps_carry_the_clock_of_their_stage(org):
    case = in_examination(org)
    started, due = case.stage_started_at, case.due_at
    services.case_examine(
        case=case, actor=org.vice, conclusion="founded", findings="x", via=Via.API, now=LATER
    )
    step = Event.objects.get(case=case, kind=EventKind.EXAMINED_FOUNDED)
    assert (step.stage, step.stage_started_at, step.stage_due_at) == (Stage.EXAMINATION, started, due)
    # Rows that end no step carry no clock.
    for row in Event.objects.filter(case=case).exclude(kind=EventKind.EXAMINED_FOUNDED):
        assert (row.stage, row.stage_started_at, row.stage_due_at) == ("", None, None), row.kind


def test_a_recusal_restarts_the_clock_and_the_step_is_judged_by_the_deadline_then_in_force(org):
    case = in_examination(org)  # due Friday 10 July
    services.case_recuse(case=case, actor=org.vice, reason="Konflik", now=LATER)  # Thursday 9 July
    case = reload(case)
    assert case.due_at == end_of_day(2026, 7, 13)
    saturday = end_of_day(2026, 7, 11).replace(hour=10)  # late for the first deadline, not the second
    services.case_examine(
        case=case, actor=org.principal, conclusion="unfounded", findings="x", via=Via.API, now=saturday
    )
    recused = Event.objects.get(case=case, kind=EventKind.RECUSED)
    assert recused.stage == Stage.EXAMINATION and recused.stage_due_at == end_of_day(2026, 7, 10)
    step = Event.objects.get(case=case, kind=EventKind.EXAMINED_UNFOUNDED)
    assert step.stage_started_at == LATER and step.stage_due_at == end_of_day(2026, 7, 13)
    assert step.at <= step.stage_due_at


EXAMINED = [EventKind.EXAMINED_FOUNDED, EventKind.EXAMINED_UNFOUNDED]
REVIEWED = [
    EventKind.REVIEWED_REVOKE,
    EventKind.REVIEWED_AMEND,
    EventKind.REVIEWED_REASSIGN,
    EventKind.REVIEWED_UPHOLD,
    EventKind.ESCALATED,
]


def figures(stage: Stage, kinds: list[EventKind]) -> dict:
    """What monitoring computes, with one aggregate query over Event."""
    return Event.objects.filter(stage=stage, kind__in=kinds).aggregate(
        done=Count("id"),
        on_time=Count("id", filter=Q(at__lte=F("stage_due_at"))),
        duration=Avg(F("at") - F("stage_started_at")),
    )


def test_monitoring_counts_steps_on_time_and_durations_with_aggregates_alone(org):
    on_time = in_review(org)  # examined at NOW, the moment it arrived
    late, late_at = in_examination(org), end_of_day(2026, 7, 10) + dt.timedelta(hours=1)
    services.case_examine(
        case=late, actor=org.vice, conclusion="unfounded", findings="x", via=API, now=late_at
    )
    reviewed_at = NOW + dt.timedelta(days=1)
    services.case_review(
        case=on_time, actor=org.principal, decision="uphold", notes="x", via=API, now=reviewed_at
    )
    examination = figures(Stage.EXAMINATION, EXAMINED)
    assert (examination["done"], examination["on_time"]) == (2, 1)
    assert examination["duration"] == (late_at - NOW) / 2
    review = figures(Stage.REVIEW, REVIEWED)
    assert (review["done"], review["on_time"], review["duration"]) == (1, 1, dt.timedelta(days=1))


def test_follow_up_actions_and_the_close_carry_the_follow_up_clock(org):
    case = in_follow_up(org)
    item = services.follow_up_add(
        case=case, actor=org.school_team, title="Revisi", due_date=dt.date(2026, 7, 20), via=Via.API, now=NOW
    )
    services.follow_up_done(
        case=case, actor=org.school_team, follow_up=item, notes="", via=Via.API, now=LATER
    )
    services.case_close(case=case, actor=org.school_team, summary="Selesai", via=Via.API, now=LATER)
    case = reload(case)
    done = Event.objects.get(case=case, kind=EventKind.FOLLOW_UP_DONE)
    assert done.stage == Stage.FOLLOW_UP and done.stage_started_at == case.reviewed_at
    assert done.stage_due_at == end_of_day(2026, 7, 20)
    closed = Event.objects.get(case=case, kind=EventKind.CLOSED)
    assert (closed.stage, closed.stage_started_at, closed.stage_due_at) == (
        Stage.FOLLOW_UP,
        case.reviewed_at,
        None,
    )
