"""Reminders a working day before a deadline and on the due day, once each, on real 2026 dates;
follow-up actions falling due.

2026: Monday 17 August is Independence Day; Eid al-Fitr with joint leave (cuti bersama) and Nyepi
close Wednesday 18 to Tuesday 24 March.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from integritas.cases import services
from integritas.cases.models import Via
from integritas.notify.models import Milestone, OutboxMessage
from integritas.notify.outbox import deliver
from integritas.notify.reminders import send_reminders
from tests.factories import make_org, reload, submit

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=WIB)


def reminded(now: dt.datetime) -> tuple[list[str], list[str]]:
    result = send_reminders(now)
    return result.before, result.at_deadline


def test_reminder_on_the_working_day_before_a_deadline_after_independence_day(smtp):
    org = make_org(school_week="mon-fri")
    # Wednesday 12 August: Thu 13, Fri 14, (weekend, Mon 17 Independence Day) Tue 18.
    case = reload(submit(org.school, org.p_teacher, now=at(2026, 8, 12, 10)).case)
    assert case.due_at == dt.datetime(2026, 8, 18, 23, 59, 59, tzinfo=WIB)
    deliver()
    smtp.clear()
    ref = case.reference

    assert reminded(at(2026, 8, 13, 20)) == ([], [])
    assert reminded(at(2026, 8, 14, 6, 59)) == ([], [])
    # The working day before Tuesday 18 is Friday 14, not the holiday on Monday.
    assert reminded(at(2026, 8, 14, 7, 30)) == ([ref], [])
    for later in (at(2026, 8, 14, 12), at(2026, 8, 15, 9), at(2026, 8, 17, 8)):
        assert reminded(later) == ([], [])
    deliver()
    (soon,) = smtp.received
    assert soon.to == ["vice@example.org"]
    assert soon.subject == f"[Integritas] Pengingat: batas waktu laporan {ref} hari kerja berikutnya"
    assert "Selasa, 18 Agustus 2026 pukul 23.59 WIB" in soon.text
    assert f"/kasus/{ref}/" in soon.text
    smtp.clear()

    # On the due day, once.
    assert reminded(at(2026, 8, 18, 6)) == ([], [])
    assert reminded(at(2026, 8, 18, 7, 5)) == ([], [ref])
    assert reminded(at(2026, 8, 18, 15)) == ([], [])
    deliver()
    (today,) = smtp.received
    assert today.to == ["vice@example.org"]
    assert today.subject == f"[Integritas] Batas waktu laporan {ref} hari ini"
    # Past the deadline, reminders stop (the sweep takes over).
    assert reminded(at(2026, 8, 19, 8)) == ([], [])
    assert OutboxMessage.objects.filter(kind__startswith="deadline_").count() == 2


def test_six_day_school_is_reminded_on_saturday(smtp, org):
    # Thursday 13 August at a Monday-to-Saturday school: Fri 14, Sat 15, (Sun, Mon 17) Tue 18.
    case = reload(submit(org.school, org.p_teacher, now=at(2026, 8, 13, 10)).case)
    assert case.due_at == dt.datetime(2026, 8, 18, 23, 59, 59, tzinfo=WIB)
    assert reminded(at(2026, 8, 14, 9)) == ([], [])
    assert reminded(at(2026, 8, 15, 7)) == ([case.reference], [])


def test_reminder_before_a_deadline_after_the_eid_joint_leave(smtp):
    org = make_org(school_week="mon-fri")
    # Friday 13 March: Mon 16, Tue 17, (Wed 18 – Tue 24 joint leave, Nyepi, Eid) Wed 25.
    case = reload(submit(org.school, org.p_teacher, now=at(2026, 3, 13, 10)).case)
    assert case.due_at == dt.datetime(2026, 3, 25, 23, 59, 59, tzinfo=WIB)
    assert reminded(at(2026, 3, 16, 12)) == ([], [])
    assert reminded(at(2026, 3, 17, 7)) == ([case.reference], [])
    assert reminded(at(2026, 3, 24, 7)) == ([], [])
    assert reminded(at(2026, 3, 25, 7)) == ([], [case.reference])


def test_a_stage_that_starts_after_the_day_before_gets_only_the_due_day_reminder(smtp, org):
    case = submit(org.school, org.p_teacher, now=at(2026, 8, 11, 10)).case
    # Founded on Tuesday: review is 2 calendar days (due Thursday 13); the day before is Wednesday.
    services.case_examine(
        via=Via.API,
        case=reload(case),
        actor=org.vice,
        conclusion="founded",
        findings="x",
        now=at(2026, 8, 12, 9),
    )
    case = reload(case)
    assert case.due_at == dt.datetime(2026, 8, 14, 23, 59, 59, tzinfo=WIB)
    assert reminded(at(2026, 8, 12, 10)) == ([], [])  # Wednesday 07:00 was before the stage began
    assert reminded(at(2026, 8, 13, 7)) == ([case.reference], [])
    deliver()
    assert [r.to for r in smtp.received if "Pengingat" in r.subject] == [["principal@example.org"]]


def test_an_escalated_case_gets_reminders_for_its_new_stage(smtp, org):
    case = submit(org.school, org.p_teacher, now=at(2026, 8, 11, 10)).case
    assert reminded(at(2026, 8, 13, 7)) == ([case.reference], [])
    services.case_recuse(case=reload(case), actor=org.vice, reason="Kerabat", now=at(2026, 8, 13, 8))
    case = reload(case)
    assert case.handler_person == org.principal
    # Fresh deadline: Fri 14, Sat 15, (Sun, Mon 17) Tue 18; the day before is Saturday 15.
    assert case.due_at == dt.datetime(2026, 8, 18, 23, 59, 59, tzinfo=WIB)
    assert reminded(at(2026, 8, 15, 7)) == ([case.reference], [])
    deliver()
    reminders = [r for r in smtp.received if "Pengingat" in r.subject]
    assert [r.to for r in reminders] == [["vice@example.org"], ["principal@example.org"]]
    assert Milestone.objects.filter(case=case, key__startswith="deadline_soon:").count() == 2


def test_a_team_handling_a_case_is_reminded(smtp, org):
    case = submit(org.school, None, now=at(2026, 8, 11, 10)).case  # triage: the school's team
    assert reminded(at(2026, 8, 13, 7)) == ([case.reference], [])
    deliver()
    reminders = [r for r in smtp.received if "Pengingat" in r.subject]
    assert [r.to for r in reminders] == [["schoolteam@example.org"]]


def test_follow_up_action_due_reminds_the_team_once(smtp, org):
    case = submit(org.school, org.p_teacher, now=at(2026, 11, 2, 9)).case
    services.case_examine(
        via=Via.API,
        case=reload(case),
        actor=org.vice,
        conclusion="founded",
        findings="x",
        now=at(2026, 11, 2, 10),
    )
    services.case_review(
        via=Via.API,
        case=reload(case),
        actor=org.principal,
        decision="revoke",
        notes="x",
        now=at(2026, 11, 2, 11),
    )
    first = services.follow_up_add(
        via=Via.API,
        case=reload(case),
        actor=org.school_team,
        title="Lelang ulang",
        due_date=dt.date(2026, 12, 1),
    )
    services.follow_up_add(
        via=Via.API, case=reload(case), actor=org.school_team, title="Teguran", due_date=dt.date(2026, 12, 3)
    )
    deliver()
    smtp.clear()

    assert send_reminders(at(2026, 11, 30, 8)).follow_ups == []
    assert send_reminders(at(2026, 12, 1, 6)).follow_ups == []
    assert send_reminders(at(2026, 12, 1, 7, 10)).follow_ups == [case.reference]
    assert send_reminders(at(2026, 12, 2, 7, 10)).follow_ups == []
    deliver()
    (mail,) = smtp.received
    assert mail.to == ["schoolteam@example.org"]
    assert "Lelang ulang" in mail.text and "1 Desember 2026" in mail.text

    services.follow_up_done(
        via=Via.API, case=reload(case), actor=org.school_team, follow_up=first, notes="ok"
    )
    assert send_reminders(at(2026, 12, 3, 7, 10)).follow_ups == [case.reference]
    assert send_reminders(at(2026, 12, 4, 7, 10)).follow_ups == []


@pytest.mark.parametrize("minute_fraction", [0, 123456])
def test_a_tick_reads_only_the_cases_with_a_reminder_due(smtp, minute_fraction):
    """The candidates are chosen in SQL: a case whose deadline is far off, or whose reminders for the
    current stage were sent (Case.reminded), is not read at all; a new stage has reminders again."""
    from integritas.cases.models import Case
    from integritas.notify.reminders import _candidates

    org = make_org(school_week="mon-fri")
    start = at(2026, 8, 12, 10).replace(microsecond=minute_fraction)
    case = reload(submit(org.school, org.p_teacher, now=start).case)
    assert case.stage_started_at == start
    ids = lambda now: set(_candidates(now).values_list("pk", flat=True))  # noqa: E731

    assert ids(at(2026, 8, 12, 12)) == set()  # due Tuesday 18: nothing due before Friday 14
    assert ids(at(2026, 8, 14, 7, 30)) == {case.pk}
    assert reminded(at(2026, 8, 14, 7, 30)) == ([case.reference], [])
    assert ids(at(2026, 8, 14, 12)) == set()  # the day-before reminder is sent
    assert ids(at(2026, 8, 18, 8)) == {case.pk}
    assert reminded(at(2026, 8, 18, 8)) == ([], [case.reference])
    assert ids(at(2026, 8, 18, 9)) == set()
    assert Milestone.objects.filter(case=case).count() >= 2
    assert Case.objects.filter(pk=case.pk, overdue=False).exists()


def _queries_of_a_tick(now: dt.datetime, batch: int) -> tuple[list[str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        sent = send_reminders(now, batch=batch).before
    return sent, len(queries)


def test_many_reminders_due_at_once_are_sent_in_batches(smtp, org):
    """After a weekend many reminders fall due together: they are sent a batch per transaction, with
    the same number of queries for 2 cases as for 6 (nothing per case), each once, to its handler."""
    two = [submit(org.school, org.p_teacher, now=at(2026, 8, 11, 10)).case.reference for _ in range(2)]
    six = [submit(org.school, org.p_teacher, now=at(2026, 8, 19, 10)).case.reference for _ in range(6)]
    deliver()
    smtp.clear()

    sent, few = _queries_of_a_tick(at(2026, 8, 13, 7), batch=500)  # due Friday 14
    assert sorted(sent) == sorted(two)
    sent, many = _queries_of_a_tick(at(2026, 8, 21, 7), batch=500)  # due Saturday 22
    assert sorted(sent) == sorted(six)
    assert many == few
    # Smaller batches: the same reminders, a few queries more per batch, never one per case.
    more = [submit(org.school, org.p_teacher, now=at(2026, 8, 25, 10)).case.reference for _ in range(6)]
    sent, batched = _queries_of_a_tick(at(2026, 8, 27, 7), batch=3)
    assert sorted(sent) == sorted(more)
    assert few < batched < 2 * few
    assert send_reminders(at(2026, 8, 27, 9)).before == []  # once
    deliver()
    reminders = [m.to for m in smtp.received if "Pengingat" in m.subject]
    assert reminders == [["vice@example.org"]] * 14
    assert Milestone.objects.filter(key__startswith="deadline_soon:").count() == 14


def test_a_reminder_that_fails_does_not_stop_the_others_in_its_batch(smtp, org, monkeypatch):
    from integritas.notify import events

    refs = [submit(org.school, org.p_teacher, now=at(2026, 8, 11, 10)).case.reference for _ in range(3)]
    deliver()
    smtp.clear()
    broken = refs[1]
    real = events.current_handlers

    def failing(case, excluded):
        if case.reference == broken:
            raise RuntimeError("broken case")
        return real(case, excluded)

    monkeypatch.setattr(events, "current_handlers", failing)
    assert sorted(reminded(at(2026, 8, 13, 7))[0]) == sorted(r for r in refs if r != broken)
    # Nothing of the broken one was kept: it is tried again at the next tick.
    assert not Milestone.objects.filter(case__reference=broken, key__startswith="deadline_soon:").exists()
    monkeypatch.setattr(events, "current_handlers", real)
    assert reminded(at(2026, 8, 13, 8)) == ([broken], [])
    deliver()
    assert len([m for m in smtp.received if "Pengingat" in m.subject]) == 3
