"""Every figure of GET /stats against the hand-built cases of tests/monitoring/cases.py."""

from __future__ import annotations

import datetime as dt

import pytest

from integritas.cases.models import Status
from integritas.monitoring import figures
from tests.factories import add_team
from tests.monitoring.cases import build, wib

NOW = wib(8, 12)
JULY = {"date_from": dt.date(2026, 7, 1), "date_to": dt.date(2026, 7, 31)}
AUGUST = {"date_from": dt.date(2026, 8, 1), "date_to": dt.date(2026, 8, 31)}


@pytest.fixture
def built(org):
    return build(org)


def test_the_month_of_a_case_is_its_local_month(org, built):
    whole = figures.stats(org.school, org.district_team, now=NOW)
    assert whole["by_month"] == {"2026-07": 1, "2026-08": 3}
    july = figures.stats(org.school, org.district_team, now=NOW, **JULY)
    assert july["total"] == 1 and july["by_month"] == {"2026-07": 1}
    august = figures.stats(org.school, org.district_team, now=NOW, **AUGUST)
    assert august["total"] == 3 and august["by_month"] == {"2026-08": 3}
    assert (july["from"], july["to"]) == ("2026-07-01", "2026-07-31")


def test_counts_by_state_category_outcome_and_unit(org, built):
    got = figures.stats(org.district, org.district_team, now=NOW)
    assert got["unit"] == "DISDIK" and got["total"] == 4
    assert got["by_status"] == {
        Status.TRIAGE: 0,
        Status.EXAMINATION: 2,  # C (with the principal after the recusal) and D
        Status.REVIEW: 0,
        Status.FOLLOW_UP: 1,
        Status.CLOSED: 1,
    }
    assert got["by_category"] == {"gratification": 2, "procurement": 2, "side_job": 1}
    assert got["by_outcome"] == {"unfounded": 1}
    assert got["by_unit"] == {"SMPN1": 4}


def test_a_step_after_its_deadline_is_done_but_not_on_time(org, built):
    got = figures.stats(org.school, org.school_team, now=NOW)
    # A examined on time (3 Aug, due 4 Aug), B after its deadline; C was not examined.
    assert got["within_deadline"]["examination"] == {"done": 2, "on_time": 1}
    assert got["within_deadline"]["review"] == {"done": 1, "on_time": 1}


def test_medians_in_working_days(org, built):
    got = figures.stats(org.school, org.district_team, now=NOW)
    # A: 31 Jul → 3 Aug (Sat 1, Mon 3: 2 working days, Sunday off); B: 1 Aug → 6 Aug (Mon-Thu: 4).
    assert got["median_working_days"]["examination"] == 3.0
    assert got["median_working_days"]["review"] == 1.0


def test_overdue_follow_ups_and_recusals(org, built):
    got = figures.stats(org.school, org.district_team, now=wib(8, 25))
    # C and D waited for examination since 3 and 4 August: past their deadlines on 25 August.
    assert got["overdue_now"] == 2
    assert got["follow_ups"] == {"total": 2, "done": 1, "cancelled": 0, "open": 1, "overdue": 1}
    assert got["recusals"] == 1 and got["recused_cases"] == 1
    assert figures.stats(org.school, org.district_team, now=NOW)["overdue_now"] == 2
    assert figures.stats(org.school, org.district_team, now=wib(8, 4, 12))["overdue_now"] == 0


def test_the_subject_on_the_team_does_not_see_their_case_counted(org, built):
    mine = figures.stats(org.school, built.treasurer, now=NOW)
    theirs = figures.stats(org.school, org.school_team, now=NOW)
    assert theirs["total"] == 4 and mine["total"] == 3
    assert mine["by_category"]["gratification"] == 1 and theirs["by_category"]["gratification"] == 2
    assert mine["by_status"]["examination"] == 1


def test_a_team_member_who_withdrew_does_not_see_the_case_counted(org, built):
    add_team(org.school, org.vice)
    got = figures.stats(org.school, org.vice, now=NOW)
    assert got["total"] == 3
    assert got["recusals"] == 0  # the only recusal is on the case they no longer see
    assert got["by_category"] == {"gratification": 2, "procurement": 1}


def test_the_command_line_counts_every_case(org, built):
    assert figures.stats(org.district, None, now=NOW)["total"] == 4


def test_prevention_figures_start_at_zero(org, built):
    got = figures.stats(org.school, org.school_team, now=NOW, **AUGUST)
    assert got["gratifications"] == {"total": 0, "settled": 0, "overdue": 0}
    assert got["self_declarations"] == {"total": 0, "decided": 0}
    assert got["declarations"]["year"] == 2026
    assert got["declarations"]["people"] >= 4 and got["declarations"]["filed"] == 0


def test_by_child_folds_schools_into_the_district(org, built):
    s = figures.scope(org.district, org.district_team)
    assert [(u.code, n) for u, n in figures.by_child(s)] == [("SMPN1", 4)]


def test_the_number_of_queries_does_not_grow_with_the_cases(org, built):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as seen:
            figures.stats(org.district, org.district_team, now=NOW)
            figures.by_child(figures.scope(org.district, org.district_team))
        return len(seen.captured_queries)

    count()  # the viewer's team units are read once and kept on the person
    before = count()
    from tests.factories import submit

    for day in range(5, 10):
        submit(org.school, org.p_teacher, now=wib(8, day), categories=["procurement", "side_job"])
    assert count() == before


def test_units_read_a_few_rows_at_a_time_count_the_same(org, built, monkeypatch):
    # The root's 10,000 units are read from the cursor ``ROWS_AT_ONCE`` at a time: the same figures
    # whatever the batch (here one row, and two, at a time).
    def every(viewer):
        found = []
        for unit in (org.district, org.school):
            s = figures.scope(unit, viewer)
            answer = figures.stats(unit, viewer, now=NOW, within=s)
            found.append((answer, [(child.code, n) for child, n in figures.by_child(s)]))
        return found

    from tests.factories import make_position, make_unit, submit

    for i in range(3):  # (more units with cases than rows at a time)
        school = make_unit(f"SMPN{i + 5}", parent=org.district)
        submit(school, make_position(f"GURU{i}", school), now=wib(8, 3 + i))
    viewers = [None, org.district_team]
    want = [every(viewer) for viewer in viewers]
    assert len(want[0][0][0]["by_unit"]) == 4 and len(want[0][0][1]) == 4
    for rows in (1, 2):
        monkeypatch.setattr(figures, "ROWS_AT_ONCE", rows)
        assert [every(viewer) for viewer in viewers] == want
