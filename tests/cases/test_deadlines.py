"""Deadlines set by the case services on real 2026 Indonesian dates (SPEC §5).

The demo chain: teacher -> vice principal -> principal (school SMPN1) -> head of division -> head of office
(district DISDIK, mon-fri, WIB). A report on the teacher goes to the vice principal (examination, 3 working
days by default); a founded examination goes to the principal for review (2 calendar days by default).

2026 days off used here (holidays 0.109, ID, PUBLIC + GOVERNMENT):
  Mon 02-16 Cuti Bersama Tahun Baru Imlek, Tue 02-17 Tahun Baru Imlek,
  Thu 05-14 Kenaikan Yesus Kristus, Fri 05-15 Cuti Bersama Kenaikan, Sun 05-31 Waisak, Mon 06-01 Pancasila,
  Mon 08-17 Hari Kemerdekaan, Tue 08-25 Maulid Nabi Muhammad.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from integritas.cases import services
from integritas.cases.models import Case, Status, Via
from integritas.orgs.models import Holiday
from tests.factories import make_org, make_person, make_position, make_unit, reload, submit

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """No one logs in here; Argon2 (~1 s per person, 9 per org) would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, tz: ZoneInfo = WIB) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def end_of(year: int, month: int, day: int, tz: ZoneInfo = WIB) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=tz)


def assert_due(case: Case, expected: dt.datetime) -> None:
    """The stored instant is exactly ``expected`` and reads as that wall time in the case unit's zone."""
    case = reload(case)
    assert case.due_at == expected
    local = case.due_at.astimezone(case.unit.tz)
    assert (local.date(), local.time()) == (expected.date(), dt.time(23, 59, 59))
    assert local.utcoffset() == expected.utcoffset()


def founded(case: Case, actor, now: dt.datetime) -> Case:
    services.case_examine(
        via=Via.API, case=reload(case), actor=actor, conclusion="founded", findings="Terbukti", now=now
    )
    case = reload(case)
    assert case.status == Status.REVIEW
    return case


# ------------------------------------------------------------------ examination: holidays and the week


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("week", "expected"),
    [
        # Thu 08-13 -> Fri 14 (1), Sat/Sun off, Mon 17 Independence Day, Tue 18 (2), Wed 19 (3).
        ("mon-fri", end_of(2026, 8, 19)),
        # Six-day: Fri 14 (1), Sat 15 (2), Mon 17 off, Tue 18 (3).
        ("mon-sat", end_of(2026, 8, 18)),
    ],
)
def test_examination_deadline_skips_a_national_holiday(week, expected):
    org = make_org(school_week=week)
    case = submit(org.school, org.p_teacher, now=at(2026, 8, 13)).case
    assert reload(case).status == Status.EXAMINATION
    assert_due(case, expected)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("week", "expected"),
    [
        # Fri 02-13 -> Sat/Sun off, Mon 16 cuti bersama, Tue 17 Imlek, Wed 18 (1), Thu 19 (2), Fri 20 (3).
        # Counting only PUBLIC holidays would give Thu 19.
        ("mon-fri", end_of(2026, 2, 20)),
        # Six-day: Sat 14 (1), Mon 16 cuti bersama, Tue 17 off, Wed 18 (2), Thu 19 (3).
        ("mon-sat", end_of(2026, 2, 19)),
    ],
)
def test_examination_deadline_skips_joint_leave(week, expected):
    org = make_org(school_week=week)
    case = submit(org.school, org.p_teacher, now=at(2026, 2, 13)).case
    assert_due(case, expected)


@pytest.mark.django_db
def test_examination_deadline_skips_a_national_holiday_followed_by_joint_leave():
    org = make_org(school_week="mon-fri")
    # Wed 05-13 -> Thu 14 Kenaikan, Fri 15 cuti bersama, weekend, Mon 18 (1), Tue 19 (2), Wed 20 (3).
    case = submit(org.school, org.p_teacher, now=at(2026, 5, 13)).case
    assert_due(case, end_of(2026, 5, 20))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("week", "expected"),
    [
        # Thu 07-09 -> Fri 10 (1), Mon 13 (2), Tue 14 (3).
        ("mon-fri", end_of(2026, 7, 14)),
        # Fri 10 (1), Sat 11 (2), Mon 13 (3).
        ("mon-sat", end_of(2026, 7, 13)),
    ],
)
def test_six_day_school_counts_saturday_and_five_day_school_does_not(week, expected):
    org = make_org(school_week=week)
    case = submit(org.school, org.p_teacher, now=at(2026, 7, 9)).case
    assert_due(case, expected)


@pytest.mark.django_db
@pytest.mark.parametrize("week", ["mon-fri", "mon-sat"])
@pytest.mark.parametrize(
    "received",
    [at(2026, 7, 11, 9), at(2026, 7, 12, 9)],  # Saturday, Sunday
    ids=["saturday", "sunday"],
)
def test_report_received_on_the_weekend_starts_counting_on_the_next_day(week, received):
    # Sat 07-11 never counts, even where Saturday is a working day; Sun 12 is off everywhere:
    # Mon 13 (1), Tue 14 (2), Wed 15 (3) for both weeks.
    org = make_org(school_week=week)
    with time_machine.travel(received, tick=False):
        case = submit(org.school, org.p_teacher).case
    assert reload(case).created_at == received
    assert_due(case, end_of(2026, 7, 15))


@pytest.mark.django_db
def test_triage_deadline_uses_the_same_calendar():
    org = make_org(school_week="mon-sat")
    # No subject position -> the school team triages: Thu 07-09 -> Fri 10, Sat 11, Mon 13.
    case = submit(org.school, None, now=at(2026, 7, 9)).case
    case = reload(case)
    assert case.status == Status.TRIAGE and case.handler_team == org.school
    assert_due(case, end_of(2026, 7, 13))


# ------------------------------------------------------------------ unit holidays


@pytest.mark.django_db
def test_unit_holiday_moves_the_school_deadline_but_not_the_district_one():
    org = make_org(school_week="mon-fri")
    Holiday.objects.create(date=dt.date(2026, 7, 9), name="HUT Sekolah", unit=org.school)
    # School: Wed 07-08 -> Thu 9 off (HUT Sekolah), Fri 10 (1), Mon 13 (2), Tue 14 (3).
    school_case = submit(org.school, org.p_teacher, now=at(2026, 7, 8)).case
    assert_due(school_case, end_of(2026, 7, 14))
    # District (report on the head of division, examined by the head of office): Thu 9 (1), Fri 10, Mon 13.
    district_case = submit(org.district, org.p_kabid, now=at(2026, 7, 8)).case
    assert reload(district_case).handler_person == org.kadis
    assert_due(district_case, end_of(2026, 7, 13))


@pytest.mark.django_db
def test_unit_holiday_also_applies_to_a_unit_below_it():
    org = make_org(school_week="mon-fri")
    branch = make_unit("SMPN1-FILIAL", parent=org.school)
    p_branch = make_position(
        "GURU-FILIAL", branch, reports_to=org.p_principal, holder=make_person("gurufilial")
    )
    Holiday.objects.create(date=dt.date(2026, 7, 9), name="HUT Sekolah", unit=org.school)
    # The branch inherits mon-fri and the school's day off: Wed 07-08 -> Fri 10, Mon 13, Tue 14.
    case = submit(branch, p_branch, now=at(2026, 7, 8)).case
    case = reload(case)
    assert case.unit == branch and case.handler_person == org.principal
    assert_due(case, end_of(2026, 7, 14))


@pytest.mark.django_db
def test_deployment_holiday_applies_to_every_unit():
    org = make_org(school_week="mon-fri")
    Holiday.objects.create(date=dt.date(2026, 7, 9), name="Libur daerah", unit=None)
    # Both: Wed 07-08 -> Thu 9 off, Fri 10 (1), Mon 13 (2), Tue 14 (3).
    assert_due(submit(org.school, org.p_teacher, now=at(2026, 7, 8)).case, end_of(2026, 7, 14))
    assert_due(submit(org.district, org.p_kabid, now=at(2026, 7, 8)).case, end_of(2026, 7, 14))


# ------------------------------------------------------------------ time zones


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tz_name", "tz", "due_utc"),
    [
        # 23:30 on Wed 07-08 local -> Thu 9, Fri 10, Mon 13: due Mon 13 23:59:59 local.
        ("Asia/Jakarta", WIB, dt.datetime(2026, 7, 13, 16, 59, 59, tzinfo=UTC)),  # UTC+7
        ("Asia/Makassar", WITA, dt.datetime(2026, 7, 13, 15, 59, 59, tzinfo=UTC)),  # UTC+8
        ("Asia/Jayapura", WIT, dt.datetime(2026, 7, 13, 14, 59, 59, tzinfo=UTC)),  # UTC+9
    ],
)
def test_late_evening_report_counts_from_the_local_date(tz_name, tz, due_utc):
    org = make_org(school_week="mon-fri", school_tz=tz_name)
    received = at(2026, 7, 8, 23, 30, tz=tz)
    case = submit(org.school, org.p_teacher, now=received).case
    assert_due(case, end_of(2026, 7, 13, tz=tz))
    assert reload(case).due_at == due_utc


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tz_name", "expected"),
    [
        # Thu 07-09 23:30 WIB -> Fri 10 (1), Mon 13 (2), Tue 14 (3).
        ("Asia/Jakarta", end_of(2026, 7, 14, tz=WIB)),
        # The same instant is already Fri 07-10 00:30 WITA / 01:30 WIT -> Mon 13, Tue 14, Wed 15.
        ("Asia/Makassar", end_of(2026, 7, 15, tz=WITA)),
        ("Asia/Jayapura", end_of(2026, 7, 15, tz=WIT)),
    ],
)
def test_same_instant_falls_on_different_local_days_across_time_zones(tz_name, expected):
    org = make_org(school_week="mon-fri", school_tz=tz_name)
    with time_machine.travel(dt.datetime(2026, 7, 9, 16, 30, tzinfo=UTC), tick=False):
        case = submit(org.school, org.p_teacher).case
    assert_due(case, expected)


# ------------------------------------------------------------------ review deadlines


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("concluded", "week", "review_policy", "expected"),
    [
        # Default: 2 calendar days, holidays and weekends count. Fri 08-14 -> Sat 15, Sun 16.
        (at(2026, 8, 14, 15), "mon-fri", {}, end_of(2026, 8, 16)),
        (at(2026, 8, 14, 15), "mon-sat", {}, end_of(2026, 8, 16)),
        # Fri 05-29 -> Sat 30, Sun 31 (Waisak still counts as a calendar day).
        (at(2026, 5, 29, 15), "mon-fri", {}, end_of(2026, 5, 31)),
        # Working days by policy. Fri 08-14, five-day: Mon 17 off -> Tue 18 (1), Wed 19 (2).
        (at(2026, 8, 14, 15), "mon-fri", {"review_day_kind": "working"}, end_of(2026, 8, 19)),
        # Six-day: Sat 15 (1), Mon 17 off, Tue 18 (2).
        (at(2026, 8, 14, 15), "mon-sat", {"review_day_kind": "working"}, end_of(2026, 8, 18)),
        # Fri 05-29, five-day: Sun 31 Waisak, Mon 06-01 Pancasila -> Tue 2 (1), Wed 3 (2).
        (at(2026, 5, 29, 15), "mon-fri", {"review_day_kind": "working"}, end_of(2026, 6, 3)),
        # Six-day: Sat 30 (1), Sun 31, Mon 06-01 off -> Tue 2 (2).
        (at(2026, 5, 29, 15), "mon-sat", {"review_day_kind": "working"}, end_of(2026, 6, 2)),
    ],
)
def test_review_deadline_after_a_founded_examination_on_a_friday_before_a_holiday(
    concluded, week, review_policy, expected
):
    org = make_org(school_week=week, school_policy=review_policy)
    case = submit(org.school, org.p_teacher, now=concluded - dt.timedelta(days=3)).case
    case = founded(case, org.vice, concluded)
    assert case.handler_person == org.principal
    assert case.stage_started_at == concluded
    assert_due(case, expected)


@pytest.mark.django_db
def test_review_deadline_with_policy_review_days_override():
    org = make_org(school_week="mon-fri", school_policy={"review_days": 4})
    # Calendar kind kept: Fri 08-14 -> Sat 15, Sun 16, Mon 17, Tue 18.
    case = submit(org.school, org.p_teacher, now=at(2026, 8, 10)).case
    case = founded(case, org.vice, at(2026, 8, 14, 15))
    assert_due(case, end_of(2026, 8, 18))


# ------------------------------------------------------------------ whose policy: the case's unit


DISTRICT_POLICY = {
    "require_evidence": False,
    "examination_days": 5,
    "review_days": 5,
    "review_day_kind": "calendar",
}
SCHOOL_POLICY = {"examination_days": 2, "review_days": 2, "review_day_kind": "working"}


@pytest.mark.django_db
def test_examination_by_the_district_office_follows_the_school_policy_and_calendar():
    org = make_org(school_week="mon-sat", school_policy=SCHOOL_POLICY, district_policy=DISTRICT_POLICY)
    # A report on the principal is examined by the head of division (district office, mon-fri, 5 days).
    # School rules: Thu 07-09 + 2 working (mon-sat) -> Fri 10, Sat 11. District rules would give Thu 16.
    case = submit(org.school, org.p_principal, now=at(2026, 7, 9)).case
    case = reload(case)
    assert case.handler_person == org.kabid and case.handler_position.unit == org.district
    assert_due(case, end_of(2026, 7, 11))


@pytest.mark.django_db
def test_review_by_the_district_office_follows_the_school_policy_and_calendar():
    org = make_org(school_week="mon-sat", school_policy=SCHOOL_POLICY, district_policy=DISTRICT_POLICY)
    case = submit(org.school, org.p_vice, now=at(2026, 5, 25)).case
    assert reload(case).handler_person == org.principal
    # Principal concludes founded on Fri 05-29; the head of division reviews.
    # School: 2 working, mon-sat -> Sat 30 (1), Sun 31, Mon 06-01 off, Tue 2 (2).
    # (District: 5 calendar days -> Wed 06-03; school week mon-fri would give Wed 06-03 too.)
    case = founded(case, org.principal, at(2026, 5, 29, 15))
    assert case.handler_person == org.kabid
    assert_due(case, end_of(2026, 6, 2))


@pytest.mark.django_db
def test_escalated_review_gets_a_fresh_deadline_from_the_school_policy():
    org = make_org(school_week="mon-sat", school_policy=SCHOOL_POLICY, district_policy=DISTRICT_POLICY)
    case = submit(org.school, org.p_teacher, now=at(2026, 8, 10)).case
    case = founded(case, org.vice, at(2026, 8, 14, 15))
    # Principal reviews until: Sat 15 (1), Mon 17 off, Tue 18 (2).
    assert_due(case, end_of(2026, 8, 18))
    services.case_review(
        via=Via.API,
        case=case,
        actor=org.principal,
        decision="escalate",
        notes="Perlu atasan",
        now=at(2026, 8, 21, 16),
    )
    case = reload(case)
    assert case.handler_person == org.kabid and case.status == Status.REVIEW
    # Fri 08-21 + 2 working (school, mon-sat): Sat 22 (1), Mon 24 (2).
    # (District calendar: Wed 26; mon-fri working: Mon 24, Tue 25 Maulid off, Wed 26.)
    assert_due(case, end_of(2026, 8, 24))


# ------------------------------------------------------------------ inheritance down the tree


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("district_policy", "school_policy", "expected"),
    [
        # Inherited 5 working days, six-day school: Thu 07-09 -> Fri 10, Sat 11, Mon 13, Tue 14, Wed 15.
        ({"require_evidence": False, "examination_days": 5}, {}, end_of(2026, 7, 15)),
        # The school's own value wins: 2 -> Fri 10, Sat 11.
        ({"require_evidence": False, "examination_days": 5}, {"examination_days": 2}, end_of(2026, 7, 11)),
        # Inherited kind: 3 calendar days -> Sun 07-12.
        ({"require_evidence": False, "examination_day_kind": "calendar"}, {}, end_of(2026, 7, 12)),
    ],
)
def test_examination_policy_is_inherited_from_the_parent_unit(district_policy, school_policy, expected):
    org = make_org(school_week="mon-sat", district_policy=district_policy, school_policy=school_policy)
    case = submit(org.school, org.p_teacher, now=at(2026, 7, 9)).case
    assert_due(case, expected)


@pytest.mark.django_db
def test_review_day_kind_is_inherited_from_the_parent_unit():
    org = make_org(
        school_week="mon-sat", district_policy={"require_evidence": False, "review_day_kind": "working"}
    )
    case = submit(org.school, org.p_teacher, now=at(2026, 8, 10)).case
    # Working (inherited), six-day: Fri 08-14 -> Sat 15 (1), Mon 17 off, Tue 18 (2). Default would be Sun 16.
    case = founded(case, org.vice, at(2026, 8, 14, 15))
    assert_due(case, end_of(2026, 8, 18))


@pytest.mark.django_db
def test_work_week_and_time_zone_are_inherited_from_the_parent_unit():
    org = make_org(school_week=None, school_tz=None)
    org.district.timezone = "Asia/Jayapura"
    org.district.save()
    # 2026-07-09 16:30 UTC is Fri 07-10 01:30 WIT; mon-fri (inherited) -> Mon 13, Tue 14, Wed 15 (WIT).
    # (A mon-sat week would give Tue 14; Jakarta time would start on Thu and give Tue 14.)
    case = submit(org.school, org.p_teacher, now=dt.datetime(2026, 7, 9, 16, 30, tzinfo=UTC)).case
    assert_due(case, end_of(2026, 7, 15, tz=WIT))
