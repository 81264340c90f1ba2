"""The deadline sweep (SPEC §3 "missed deadlines"): overdue marking, auto-escalation, idempotence,
the `integritas sweep` command, and two sweeps racing each other.

Real dates: the school works Monday to Saturday; Monday 17 August 2026 is Independence Day.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from integritas.audit import chain
from integritas.audit.models import AuditEntry
from integritas.cases import services, timeline
from integritas.cases.models import ActorRole, Case, CaseHandler, Event, Status, Via
from integritas.cases.sweep import sweep
from integritas.notify.models import Notice, OutboxMessage
from integritas.orgs.models import Holding
from tests.factories import make_org, reload, submit

WIB = ZoneInfo("Asia/Jakarta")
SUBMITTED = dt.datetime(2026, 8, 11, 10, 0, tzinfo=WIB)  # Tuesday
# 3 working days after Tuesday 11 August: Wed 12, Thu 13, Fri 14.
DUE = dt.datetime(2026, 8, 14, 23, 59, 59, tzinfo=WIB)
SWEEP_AT = dt.datetime(2026, 8, 15, 9, 30, tzinfo=WIB)  # Saturday morning
# A fresh 3 working days from Saturday 15: Sunday off, Monday 17 is Independence Day: Tue 18, Wed 19, Thu 20.
FRESH_DUE = dt.datetime(2026, 8, 20, 23, 59, 59, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # make_org hashes nine passwords; Argon2 makes that seconds per test and no test here signs in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def snapshot(case: Case) -> tuple:
    case = reload(case)
    return (
        case.status,
        case.level,
        case.handler_position_id,
        case.handler_person_id,
        case.handler_team_id,
        case.stage_started_at,
        case.due_at,
        case.overdue,
    )


def counts() -> tuple[int, int]:
    return Event.objects.count(), CaseHandler.objects.count()


def event_names(case: Case) -> list[str]:
    return list(Event.objects.filter(case=case).order_by("at", "id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_overdue_case_is_escalated_one_level_with_a_fresh_deadline(org):
    with time_machine.travel(SUBMITTED, tick=False):
        case = reload(submit(org.school, org.p_teacher).case)
    assert case.handler_person == org.vice and case.due_at == DUE

    with time_machine.travel(SWEEP_AT, tick=False):
        result = sweep()
    assert result.marked == [case.reference]
    assert result.escalated == [case.reference]

    case = reload(case)
    assert case.status == Status.EXAMINATION
    assert case.handler_person == org.principal and case.handler_position == org.p_principal
    assert case.level == 2
    assert case.stage_started_at == SWEEP_AT
    assert case.due_at == FRESH_DUE
    assert case.overdue is False  # the new handler starts on time
    overdue, escalated = Event.objects.filter(case=case).order_by("at", "id")[2:]
    assert (overdue.kind, overdue.from_status, overdue.to_status, overdue.at) == (
        "overdue",
        "examination",
        "examination",
        SWEEP_AT,
    )
    assert (escalated.kind, escalated.from_status, escalated.to_status, escalated.at) == (
        "escalated_overdue",
        "examination",
        "examination",
        SWEEP_AT,
    )
    assert overdue.actor is None and escalated.actor is None
    assert escalated.actor_role == ActorRole.SYSTEM and escalated.actor is None
    assert escalated.to_position == org.p_principal
    assert org.p_principal.title in timeline.reporter_note(escalated)
    assert CaseHandler.objects.filter(case=case, person=org.principal, level=2).count() == 1


@pytest.mark.django_db
def test_review_stage_is_escalated_with_a_review_deadline(org):
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    services.case_examine(
        via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="Terbukti", now=SUBMITTED
    )
    case = reload(case)
    # Review: 2 calendar days after Tuesday 11 August.
    assert case.handler_person == org.principal and case.due_at == dt.datetime(
        2026, 8, 13, 23, 59, 59, tzinfo=WIB
    )
    sweep(now=SWEEP_AT)
    case = reload(case)
    assert case.status == Status.REVIEW
    assert case.handler_person == org.kabid and case.level == 3
    # 2 calendar days from Saturday 15 (holidays count: they are calendar days).
    assert case.due_at == dt.datetime(2026, 8, 17, 23, 59, 59, tzinfo=WIB)


@pytest.mark.django_db
def test_without_auto_escalate_the_case_is_only_marked():
    org = make_org(school_policy={"auto_escalate": False})
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    result = sweep(now=SWEEP_AT)
    assert result.marked == [case.reference] and result.escalated == []
    case = reload(case)
    assert case.overdue is True
    assert case.handler_person == org.vice and case.level == 1 and case.due_at == DUE
    assert case.status == Status.EXAMINATION
    assert event_names(case) == ["submitted", "routed", "overdue"]

    # Later sweeps leave a marked case alone: the overdue event is written once.
    before = snapshot(case), counts()
    assert sweep(now=SWEEP_AT).marked == []
    assert sweep(now=SWEEP_AT + dt.timedelta(days=3)).marked == []
    assert (snapshot(case), counts()) == before
    assert event_names(case).count("overdue") == 1

    # The handler can still conclude; the next stage starts on time.
    services.case_examine(
        via=Via.API,
        case=case,
        actor=org.vice,
        conclusion="founded",
        findings="Terbukti",
        now=SWEEP_AT + dt.timedelta(days=3),
    )
    case = reload(case)
    assert case.status == Status.REVIEW and case.overdue is False


@pytest.mark.django_db
def test_policy_of_the_case_unit_decides_not_the_handlers(org):
    # The district turns auto-escalation off for itself; the school's own setting wins for its cases.
    org.district.policy = {**org.district.policy, "auto_escalate": False}
    org.district.save()
    org.school.policy = {"auto_escalate": True}
    org.school.save()
    school_case = reload(submit(org.school, org.p_principal, now=SUBMITTED).case)
    assert school_case.handler_person == org.kabid
    district_case = reload(submit(org.district, org.p_kabid, now=SUBMITTED).case)
    result = sweep(now=SWEEP_AT)
    assert sorted(result.marked) == sorted([school_case.reference, district_case.reference])
    assert result.escalated == [school_case.reference]
    assert reload(school_case).handler_person == org.kadis
    assert reload(district_case).handler_person == org.kadis and reload(district_case).overdue


@pytest.mark.django_db
def test_second_sweep_at_the_same_instant_changes_nothing(org):
    escalating = submit(org.school, org.p_teacher, now=SUBMITTED).case
    at_top = submit(org.district, org.p_kadis, now=SUBMITTED).case
    not_due = submit(org.school, org.p_teacher, now=SWEEP_AT - dt.timedelta(hours=1)).case
    in_triage = submit(org.school, None, now=SUBMITTED).case

    first = sweep(now=SWEEP_AT)
    assert sorted(first.marked) == sorted([escalating.reference, at_top.reference, in_triage.reference])
    assert sorted(first.escalated) == sorted([escalating.reference, in_triage.reference])
    cases = (escalating, at_top, not_due, in_triage)
    before = [snapshot(c) for c in cases], counts()

    second = sweep(now=SWEEP_AT)
    assert second.marked == [] and second.escalated == []
    assert ([snapshot(c) for c in cases], counts()) == before
    # The triage case went to the district's team, one level up.
    triage = reload(in_triage)
    assert triage.status == Status.TRIAGE and triage.handler_team == org.district and triage.level == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offset, touched",
    [
        (dt.timedelta(hours=-12), False),
        (dt.timedelta(seconds=-1), False),
        (dt.timedelta(0), False),  # due at 23:59:59 means still on time at 23:59:59
        (dt.timedelta(seconds=1), True),
    ],
)
def test_case_is_untouched_until_its_due_time_has_passed(org, offset, touched):
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    before = snapshot(case), counts()
    with time_machine.travel(DUE + offset, tick=False):
        result = sweep()
    assert bool(result.marked) is touched
    if touched:
        assert reload(case).handler_person == org.principal
    else:
        assert (snapshot(case), counts()) == before


@pytest.mark.django_db
def test_closed_and_follow_up_cases_are_never_swept(org):
    closed = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    services.case_examine(
        via=Via.API, case=closed, actor=org.vice, conclusion="unfounded", findings="Tidak", now=SUBMITTED
    )
    follow = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    services.case_examine(
        via=Via.API, case=follow, actor=org.vice, conclusion="founded", findings="Ya", now=SUBMITTED
    )
    services.case_review(
        via=Via.API, case=reload(follow), actor=org.principal, decision="revoke", notes="x", now=SUBMITTED
    )
    before = snapshot(closed), snapshot(follow), counts()
    assert sweep(now=SWEEP_AT + dt.timedelta(days=60)).marked == []
    assert (snapshot(closed), snapshot(follow), counts()) == before


@pytest.mark.django_db
def test_overdue_at_the_top_of_the_chain_stays_marked(org):
    case = reload(submit(org.district, org.p_kadis, now=SUBMITTED).case)
    assert case.handler_team == org.district
    result = sweep(now=SWEEP_AT)
    assert result.marked == [case.reference] and result.escalated == []
    case = reload(case)
    assert case.overdue is True
    assert case.handler_team == org.district and case.level == 1 and case.due_at == DUE
    assert event_names(case) == ["submitted", "routed", "overdue"]
    before = snapshot(case), counts()
    sweep(now=SWEEP_AT + dt.timedelta(days=1))
    assert (snapshot(case), counts()) == before


@pytest.mark.django_db
def test_overdue_case_climbs_to_the_team_when_the_chain_runs_out(org):
    case = reload(submit(org.district, org.p_kabid, now=SUBMITTED).case)
    assert case.handler_person == org.kadis
    sweep(now=SWEEP_AT)
    case = reload(case)
    assert case.handler_team == org.district and case.handler_person is None and case.level == 2
    assert case.overdue is False
    # When the team misses the fresh deadline too, nobody is above it: marked and kept.
    result = sweep(now=case.due_at + dt.timedelta(seconds=1))
    assert result.escalated == [] and result.marked == [case.reference]
    assert reload(case).overdue is True and reload(case).handler_team == org.district


@pytest.mark.django_db
def test_automatic_escalation_skips_people_who_recused(org):
    # The vice principal is also acting head of division (the head of division left).
    Holding.objects.filter(person=org.kabid).update(end=dt.date(2026, 7, 31))
    Holding.objects.create(person=org.vice, position=org.p_kabid, acting=True, start=dt.date(2026, 8, 1))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    services.case_recuse(case=case, actor=org.vice, reason="Terlapor kerabat saya", now=SUBMITTED)
    case = reload(case)
    assert case.handler_person == org.principal and case.level == 2 and case.due_at == DUE
    sweep(now=SWEEP_AT)
    case = reload(case)
    # One level up the chain is the acting head of division, who recused: the head of the office.
    assert case.handler_position == org.p_kadis and case.handler_person == org.kadis
    assert case.level == 3 and case.due_at == FRESH_DUE


@pytest.mark.django_db
def test_overdue_event_is_public_without_names(org):
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    sweep(now=SWEEP_AT)
    names = [n for n in (org.vice.name, org.principal.name, org.vice.username, org.principal.username) if n]
    rows = list(timeline.events_for_reporter(case).filter(kind__in=["overdue", "escalated_overdue"]))
    assert [row.kind for row in rows] == ["overdue", "escalated_overdue"]
    for row in rows:
        for language in ("id", "en"):
            with translation.override(language):
                line = timeline.reporter_note(row)
            assert line
            for name in names:
                assert name.lower() not in line.lower()


def test_cli_sweep_exits_0_on_an_empty_data_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["INTEGRITAS_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "integritas", "sweep"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Sweep: 0 overdue, 0 escalated" in done.stdout
    assert (tmp_path / "data" / "integritas.sqlite3").exists()


# ---------------------------------------------------------------- concurrent sweeps


def make_overdue_cases(count: int) -> tuple[object, list[Case]]:
    org = make_org()
    cases = [submit(org.school, org.p_teacher, now=SUBMITTED).case for _ in range(count)]
    return org, cases


def run_sweeps_in_threads(
    threads: int, now: dt.datetime, batch: int = 500
) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            outcome = sweep(now=now, batch=batch)
            with lock:
                results.append(outcome)
        except BaseException as exc:  # reported to the test thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "a sweep thread hung"
    return results, errors


def assert_escalated_exactly_once(org, cases: list[Case], results: list, caplog) -> None:
    escalated = [ref for outcome in results for ref in outcome.escalated]
    assert sorted(escalated) == sorted(c.reference for c in cases)  # each once, by one sweep or another
    for case in cases:
        fresh = reload(case)
        assert fresh.level == 2 and fresh.handler_person == org.principal, fresh.reference
        assert fresh.due_at == FRESH_DUE and fresh.overdue is False
        assert event_names(case).count("escalated_overdue") == 1
        assert event_names(case).count("overdue") == 1
        assert CaseHandler.objects.filter(case=case, person=org.principal).count() == 1
        # Each mail once: the new handler's, the reporter's; each audit entry once.
        assert OutboxMessage.objects.filter(case=case, kind="assigned", recipient=org.principal).count() == 1
        assert Notice.objects.filter(case=case, kind="assigned", person=org.principal).count() == 1
        assert OutboxMessage.objects.filter(case=case, kind="reporter_status").count() == 1
        assert (
            AuditEntry.objects.filter(case_reference=case.reference, action="case.escalated_overdue").count()
            == 1
        )
    assert chain.verify(anchor_file=False)[0]
    failures = [
        r for r in caplog.records if r.name == "integritas.cases.sweep" and r.levelno >= logging.ERROR
    ]
    assert failures == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads, batch", [(2, 500), (4, 500), (3, 4)])
def test_concurrent_sweeps_escalate_each_case_exactly_once(caplog, threads, batch):
    org, cases = make_overdue_cases(20)
    results, errors = run_sweeps_in_threads(threads, SWEEP_AT, batch)
    assert errors == []
    assert len(results) == threads
    assert_escalated_exactly_once(org, cases, results, caplog)


# The embedded mode: a SQLite file in WAL mode, transactions BEGIN IMMEDIATE with a 30 s busy timeout.
# The test database of the suite is an in-memory shared-cache SQLite, where a writer meets "table is
# locked" at once instead of waiting, so this race runs in a child process on a real data dir.
EMBEDDED_RACE = """
import datetime as dt, json, logging, sys, threading
from zoneinfo import ZoneInfo
from integritas.cli import migrate, setup

setup()
migrate()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.db import connection
from integritas.cases.models import Case, Event
from integritas.cases.sweep import sweep
from tests.factories import make_org, submit

WIB = ZoneInfo("Asia/Jakarta")
threads = int(sys.argv[1])
org = make_org()
refs = [submit(org.school, org.p_teacher, now=dt.datetime(2026, 8, 11, 10, tzinfo=WIB)).case.reference
        for _ in range(int(sys.argv[2]))]
connection.close()

failures = []
class Collect(logging.Handler):
    def emit(self, record):
        failures.append(self.format(record))
logging.getLogger("integritas.cases.sweep").addHandler(Collect(level=logging.ERROR))

barrier = threading.Barrier(threads)
escalated, errors = [], []
def work():
    try:
        barrier.wait(timeout=30)
        escalated.extend(sweep(now=dt.datetime(2026, 8, 15, 9, 30, tzinfo=WIB)).escalated)
    except BaseException as exc:
        errors.append(repr(exc))
    finally:
        connection.close()
workers = [threading.Thread(target=work) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print(json.dumps({
    "refs": refs,
    "escalated": escalated,
    "errors": errors,
    "failures": failures,
    "levels": {c.reference: c.level for c in Case.objects.all()},
    "handlers": sorted({c.handler_person.username for c in Case.objects.select_related("handler_person")}),
    "escalated_events": Event.objects.filter(kind="escalated_overdue").count(),
    "overdue_events": Event.objects.filter(kind="overdue").count(),
    "again": sweep(now=dt.datetime(2026, 8, 15, 9, 30, tzinfo=WIB)).marked,
}))
"""


@pytest.mark.parametrize("threads", [2, 3])
def test_threaded_sweeps_on_embedded_sqlite_escalate_each_case_exactly_once(tmp_path, threads):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["INTEGRITAS_DATA_DIR"] = str(tmp_path / "data")
    count = 12
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED_RACE, str(threads), str(count)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and report["failures"] == []
    assert sorted(report["escalated"]) == sorted(report["refs"])  # each case once, by one sweep or another
    assert len(report["refs"]) == count
    assert set(report["levels"].values()) == {2}
    assert report["handlers"] == ["principal"]
    assert report["escalated_events"] == count and report["overdue_events"] == count
    assert report["again"] == []
