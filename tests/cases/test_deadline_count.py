"""A deadline as people read it (new-user finding 12.9): the rule in force for the stage and the count
from today, in the case unit's calendar, on real 2026 dates (the school works Monday to Saturday)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from integritas.cases import deadlines, services
from integritas.cases.models import Via
from integritas.orgs.models import Holiday
from tests.cases.chain import EXAM_DUE, NOW, WIB, in_examination, in_review
from tests.factories import reload

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 10, month: int = 7) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=WIB)


def words(case, now) -> tuple[str, str]:
    count = deadlines.deadline_count(case, now)
    assert count is not None
    with translation.override("id"):
        return count.rule, count.count


def test_examination_counts_working_days_left_then_the_last_day_then_overdue(org):
    case = in_examination(org)  # Tuesday 7 July; due Friday 10 July 23:59
    assert case.due_at == EXAM_DUE
    assert words(case, NOW) == ("3 hari kerja", "sisa 3 hari kerja")
    assert words(case, at(9)) == ("3 hari kerja", "sisa 1 hari kerja")
    assert words(case, at(10, 23)) == ("3 hari kerja", "hari ini hari terakhir")
    assert words(case, at(11)) == ("3 hari kerja", "lewat 1 hari dari batas waktu")
    assert words(case, at(14)) == ("3 hari kerja", "lewat 4 hari dari batas waktu")
    with translation.override("en"):
        count = deadlines.deadline_count(case, at(8))
        assert count is not None and (count.rule, count.count) == ("3 working days", "2 working days left")


def test_days_that_do_not_count_are_not_left(org):
    Holiday.objects.create(date=dt.date(2026, 7, 9), name="Libur sekolah", unit=org.school)
    case = in_examination(org)  # Wed 8, (Thu 9 off), Fri 10, Sat 11
    assert case.due_at.date() == dt.date(2026, 7, 11)
    assert words(case, NOW) == ("3 hari kerja", "sisa 3 hari kerja")
    assert words(case, at(8)) == ("3 hari kerja", "sisa 2 hari kerja")  # Fri and Sat


def test_review_counts_calendar_days(org):
    case = in_review(org)  # founded on Tuesday 7 July: review within 2 days, Thursday 9 July
    assert words(case, NOW) == ("2 hari", "sisa 2 hari")
    assert words(case, at(9)) == ("2 hari", "hari ini hari terakhir")


def test_a_stage_without_a_clock_has_no_count(org):
    case = in_review(org)
    services.case_review(case=case, actor=org.principal, decision="revoke", notes="x", via=Via.API, now=NOW)
    assert deadlines.deadline_count(reload(case), NOW) is None


def test_a_list_reads_the_days_off_once(org, django_assert_max_num_queries):
    cases = [reload(in_examination(org)) for _ in range(3)]
    with django_assert_max_num_queries(1):
        counts = deadlines.deadline_counts(cases, NOW)
    assert {c.pk: counts[c.pk].left for c in cases} == {c.pk: 3 for c in cases}
