"""UnitCalendar and deadline() on real 2026 Indonesian dates (holidays 0.109, ID, PUBLIC + GOVERNMENT).

2026 days off used below (weekday in brackets):
  01-01 Tahun Baru Masehi [Thu]           02-16 Cuti Bersama Tahun Baru Imlek [Mon]
  02-17 Tahun Baru Imlek [Tue]            03-18 Cuti Bersama Hari Suci Nyepi [Wed]
  03-19 Hari Suci Nyepi [Thu]             03-20 Cuti Bersama Hari Raya Idul Fitri [Fri]
  03-21 Hari Raya Idul Fitri [Sat]        03-22 Hari kedua dari Hari Raya Idul Fitri [Sun]
  03-23/24 Cuti Bersama Idul Fitri [Mon/Tue]
  08-17 Hari Kemerdekaan Republik Indonesia [Mon]
  12-24 Cuti Bersama Hari Raya Natal [Thu] 12-25 Hari Raya Natal [Fri]   2027-01-01 Tahun Baru Masehi [Fri]
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from integritas.orgs.calendar import UnitCalendar, deadline, national_days
from integritas.orgs.models import Holiday
from tests.factories import make_unit

D = dt.date
WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")


@pytest.fixture
def tree(db):
    """A district (mon-fri, WIB) with a five-day school, a six-day school and a branch below the first."""
    district = make_unit("DISDIK", timezone="Asia/Jakarta", work_week="mon-fri")
    five = make_unit("SMPN1", parent=district)  # inherits mon-fri
    six = make_unit("SMPN2", parent=district, work_week="mon-sat")
    branch = make_unit("SMPN1-FILIAL", parent=five)
    return district, five, six, branch


# ------------------------------------------------------------------ the national table


def test_national_days_2026_include_cuti_bersama_in_indonesian():
    days = national_days(2026)
    assert days[D(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert days[D(2026, 2, 16)] == "Cuti Bersama Tahun Baru Imlek"  # GOVERNMENT category
    assert days[D(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"
    assert len(days) == 25  # 17 public + 8 cuti bersama


# ------------------------------------------------------------------ day(): working or not, and why


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unit_index", "day", "working", "reasons"),
    [
        (1, D(2026, 7, 8), True, ()),  # an ordinary Wednesday
        (1, D(2026, 7, 11), False, ("weekend",)),  # Saturday, five-day week
        (2, D(2026, 7, 11), True, ()),  # Saturday, six-day week
        (2, D(2026, 7, 12), False, ("weekend",)),  # Sunday is off for everyone
        (1, D(2026, 8, 17), False, ("Hari Kemerdekaan Republik Indonesia",)),
        (1, D(2026, 2, 16), False, ("Cuti Bersama Tahun Baru Imlek",)),
        (1, D(2026, 3, 21), False, ("weekend", "Hari Raya Idul Fitri")),
        (2, D(2026, 3, 21), False, ("Hari Raya Idul Fitri",)),  # a six-day school loses its Saturday
    ],
)
def test_day_says_whether_working_and_why(tree, unit_index, day, working, reasons):
    info = UnitCalendar(tree[unit_index]).day(day)
    assert info.date == day
    assert info.working is working
    assert info.reasons == reasons


@pytest.mark.django_db
def test_day_lists_added_deployment_and_unit_holidays_after_national_reasons(tree):
    district, five, _six, _branch = tree
    Holiday.objects.create(date=D(2026, 8, 17), name="Upacara kabupaten", unit=None)
    Holiday.objects.create(date=D(2026, 7, 9), name="HUT Sekolah", unit=five)
    cal = UnitCalendar(five)
    assert cal.day(D(2026, 8, 17)).reasons == ("Hari Kemerdekaan Republik Indonesia", "Upacara kabupaten")
    assert cal.day(D(2026, 7, 9)).reasons == ("HUT Sekolah",)
    assert UnitCalendar(district).day(D(2026, 7, 9)).reasons == ()


@pytest.mark.django_db
def test_unit_holiday_applies_to_the_unit_and_below_but_not_its_parent_or_sibling(tree):
    district, five, six, branch = tree
    Holiday.objects.create(date=D(2026, 7, 9), name="HUT Sekolah", unit=five)
    assert UnitCalendar(five).is_working_day(D(2026, 7, 9)) is False
    assert UnitCalendar(branch).is_working_day(D(2026, 7, 9)) is False
    assert UnitCalendar(district).is_working_day(D(2026, 7, 9)) is True
    assert UnitCalendar(six).is_working_day(D(2026, 7, 9)) is True


@pytest.mark.django_db
def test_deployment_holiday_applies_to_every_unit(tree):
    Holiday.objects.create(date=D(2026, 7, 9), name="Libur daerah", unit=None)
    for unit in tree:
        assert UnitCalendar(unit).day(D(2026, 7, 9)).reasons == ("Libur daerah",)


# ------------------------------------------------------------------ year(): the calendar in force


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "length"), [(2026, 365), (2028, 366)])
def test_year_has_one_entry_per_day_in_order(tree, year, length):
    days = UnitCalendar(tree[1]).year(year)
    assert len(days) == length
    assert days[0].date == D(year, 1, 1) and days[-1].date == D(year, 12, 31)
    assert all(b.date - a.date == dt.timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


@pytest.mark.django_db
def test_year_2026_working_day_counts_for_five_and_six_day_weeks(tree):
    # 2026 has 261 Mon-Fri days (52 weeks + Thu 01-01). Of the 25 national days 4 fall on a weekend
    # (Sat 03-21, Sun 03-22, Sun 04-05, Sun 05-31), so 21 are Mon-Fri -> 261 - 21 = 240.
    # Mon-Sat: 261 + 52 Saturdays = 313 days, minus 21 + Sat 03-21 = 22 -> 291.
    five_days = UnitCalendar(tree[1]).year(2026)
    six_days = UnitCalendar(tree[2]).year(2026)
    assert sum(d.working for d in five_days) == 240
    assert sum(d.working for d in six_days) == 291


@pytest.mark.django_db
def test_year_shows_added_holidays(tree):
    Holiday.objects.create(date=D(2026, 7, 9), name="HUT Sekolah", unit=tree[1])
    days = {d.date: d for d in UnitCalendar(tree[3]).year(2026)}
    assert days[D(2026, 7, 9)].working is False
    assert days[D(2026, 7, 9)].reasons == ("HUT Sekolah",)


# ------------------------------------------------------------------ add_days(): the counting rule


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unit_index", "start", "days", "kind", "expected"),
    [
        # Wed 07-08 + 3 working: Thu 9, Fri 10, Mon 13.
        (1, D(2026, 7, 8), 3, "working", D(2026, 7, 13)),
        # Six-day: Thu 9, Fri 10, Sat 11.
        (2, D(2026, 7, 8), 3, "working", D(2026, 7, 11)),
        # The start day never counts, even on a weekend: Sat 07-11 -> Mon 13, Tue 14, Wed 15.
        (1, D(2026, 7, 11), 3, "working", D(2026, 7, 15)),
        (2, D(2026, 7, 11), 3, "working", D(2026, 7, 15)),
        (2, D(2026, 7, 12), 3, "working", D(2026, 7, 15)),
        # Nor on a holiday: Mon 08-17 -> Tue 18 is the first day.
        (1, D(2026, 8, 17), 1, "working", D(2026, 8, 18)),
        # National holiday inside: Thu 08-13 -> Fri 14, (Mon 17 off), Tue 18, Wed 19.
        (1, D(2026, 8, 13), 3, "working", D(2026, 8, 19)),
        # Lebaran 2026: Tue 03-17 -> 18..24 all off -> Wed 25, Thu 26, Fri 27 (Sat 21 off for six-day too).
        (1, D(2026, 3, 17), 3, "working", D(2026, 3, 27)),
        (2, D(2026, 3, 17), 3, "working", D(2026, 3, 27)),
        # Across the year: Tue 12-29 -> Wed 30, Thu 31, (Fri 2027-01-01 off), Mon 2027-01-04.
        (1, D(2026, 12, 29), 3, "working", D(2027, 1, 4)),
        # Calendar days count every day, holidays included: Fri 08-14 + 2 -> Sun 16; Tue 03-17 + 2 -> Thu 19.
        (1, D(2026, 8, 14), 2, "calendar", D(2026, 8, 16)),
        (1, D(2026, 3, 17), 2, "calendar", D(2026, 3, 19)),
    ],
)
def test_add_days_counts_from_the_day_after_the_start(tree, unit_index, start, days, kind, expected):
    assert UnitCalendar(tree[unit_index]).add_days(start, days, kind) == expected


@pytest.mark.django_db
def test_add_days_reads_added_holidays_of_the_next_year(tree):
    six = tree[2]
    cal_before = UnitCalendar(six)
    # Thu 2026-12-31 + 1 working (mon-sat): Fri 2027-01-01 is New Year -> Sat 01-02.
    assert cal_before.add_days(D(2026, 12, 31), 1, "working") == D(2027, 1, 2)
    Holiday.objects.create(date=D(2027, 1, 2), name="Libur tahun baru daerah", unit=None)
    cal = UnitCalendar(six)
    cal.day(D(2026, 12, 31))  # 2026 loaded first; 2027 must still be read when the count gets there
    # Sat 01-02 now off, Sun 01-03 weekend -> Mon 01-04.
    assert cal.add_days(D(2026, 12, 31), 1, "working") == D(2027, 1, 4)


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "kind"), [(0, "working"), (-1, "calendar"), (2, "fortnightly")])
def test_add_days_rejects_nonsense(tree, days, kind):
    with pytest.raises(ValueError):
        UnitCalendar(tree[1]).add_days(D(2026, 7, 8), days, kind)


@pytest.mark.django_db
def test_add_days_gives_up_when_no_working_day_exists(tree):
    # 420 consecutive days off (more than the search bound of 7 + 400 days) -> a data error, not a loop.
    five = tree[1]
    Holiday.objects.bulk_create(
        Holiday(date=D(2026, 7, 9) + dt.timedelta(days=i), name="Tutup", unit=five) for i in range(420)
    )
    with pytest.raises(ValueError, match="no working days"):
        UnitCalendar(five).add_days(D(2026, 7, 8), 1, "working")


# ------------------------------------------------------------------ deadline(): local 23:59:59


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        # 2026-07-09 16:30 UTC is Thu 23:30 WIB -> Fri 10, Mon 13, Tue 14.
        ("Asia/Jakarta", dt.datetime(2026, 7, 14, 23, 59, 59, tzinfo=WIB)),
        # ... but already Fri 00:30 WITA / 01:30 WIT -> Mon 13, Tue 14, Wed 15.
        ("Asia/Makassar", dt.datetime(2026, 7, 15, 23, 59, 59, tzinfo=WITA)),
        ("Asia/Jayapura", dt.datetime(2026, 7, 15, 23, 59, 59, tzinfo=WIT)),
    ],
)
def test_deadline_uses_the_local_date_of_the_start_and_ends_at_local_end_of_day(tz, expected):
    unit = make_unit("SD-" + tz.split("/")[1].upper(), timezone=tz, work_week="mon-fri")
    start = dt.datetime(2026, 7, 9, 16, 30, tzinfo=dt.UTC)
    due = deadline(unit, start, 3, "working")
    assert due == expected
    assert due.utcoffset() == expected.utcoffset()
    assert (due.date(), due.time()) == (expected.date(), dt.time(23, 59, 59))


@pytest.mark.django_db
def test_deadline_of_a_child_unit_skips_its_parent_unit_holiday(tree):
    _district, five, _six, branch = tree
    Holiday.objects.create(date=D(2026, 7, 9), name="HUT Sekolah", unit=five)
    start = dt.datetime(2026, 7, 8, 10, 0, tzinfo=WIB)
    # Wed 07-08, Thu 9 off -> Fri 10, Mon 13, Tue 14.
    assert deadline(branch, start, 3, "working") == dt.datetime(2026, 7, 14, 23, 59, 59, tzinfo=WIB)
