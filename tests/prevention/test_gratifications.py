"""Gratification reports (UU 20/2001 art. 12C; PerKPK 2/2019 as amended by PerKPK 1/2026).

Due dates on real 2026 calendars (time frozen with time-machine): the district works Monday to
Friday, the school Monday to Saturday; Monday 17 August (Independence Day) and Tuesday 25 August
(Maulid Nabi) are national holidays; Lebaran with its joint leave runs from 18 to 24 March.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine

from integritas.errors import Forbidden, Invalid, NotFound, WrongState
from integritas.notify.models import Notice, OutboxMessage
from integritas.orgs.models import Holiday
from integritas.prevention import access, exports, gratifications
from integritas.prevention.jobs import run_prevention_jobs
from integritas.prevention.models import Gratification, GratificationStatus
from tests.factories import make_org

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


def body(**overrides):
    data = {
        "received_on": "2026-08-03",
        "giver": {"name": "Hj. Siti Aminah", "relation": "orang tua siswa"},
        "occasion": "official",
        "description": "Parsel buah setelah pengumuman PPDB",
        "value_idr": 750_000,
        "rejected": False,
    }
    data.update(overrides)
    return data


def report(person, *, at=dt.datetime(2026, 8, 5, 9, 0, tzinfo=WIB), **overrides) -> Gratification:
    with time_machine.travel(at, tick=False):
        return gratifications.gratification_report(recipient=person, data=body(**overrides))


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=WIB)


# ---------------------------------------------------------------- due dates


def test_due_thirty_working_days_after_receipt_across_national_holidays(org):
    # District (Mon–Fri): from Tue 4 Aug; 17 Aug and 25 Aug are off: the 30th working day is Wed 16 Sep.
    row = report(org.kabid)
    assert row.unit == org.district
    assert row.due_at == end_of(dt.date(2026, 9, 16))


def test_due_on_a_six_day_school(org):
    # School (Mon–Sat): Saturdays count: the 30th working day is Wed 9 Sep.
    row = report(org.teacher)
    assert row.unit == org.school
    assert row.due_at == end_of(dt.date(2026, 9, 9))


def test_a_unit_holiday_moves_the_due_date(org):
    Holiday.objects.create(date=dt.date(2026, 9, 8), name="Hari jadi sekolah", unit=org.school)
    assert report(org.teacher).due_at == end_of(dt.date(2026, 9, 10))
    # Only for the school and below: the district's own staff keep their date.
    assert report(org.kabid).due_at == end_of(dt.date(2026, 9, 16))


def test_joint_leave_of_lebaran_is_not_counted(org):
    received = dict(received_on="2026-03-16", at=dt.datetime(2026, 3, 16, 15, tzinfo=WIB))
    assert report(org.kabid, **received).due_at == end_of(dt.date(2026, 5, 6))
    assert report(org.teacher, **received).due_at == end_of(dt.date(2026, 4, 28))


def test_the_policy_may_shorten_the_unit_deadline():
    org = make_org(school_policy={"gratification_days": 7})
    # Seven working days after Mon 3 Aug on a six-day week: 4–8 Aug (5), 10, 11.
    assert report(org.teacher).due_at == end_of(dt.date(2026, 8, 11))


def test_the_day_of_receipt_never_counts_even_when_it_is_a_working_day(org):
    # Received on Sat 8 Aug (a school day): counting starts on Mon 10 Aug.
    row = report(org.teacher, received_on="2026-08-08", at=dt.datetime(2026, 8, 8, 20, tzinfo=WIB))
    saturday_start = report(
        org.teacher, received_on="2026-08-09", at=dt.datetime(2026, 8, 9, 20, tzinfo=WIB)
    )  # a Sunday: same first counted day
    assert row.due_at == saturday_start.due_at


def test_overdue_once_the_due_time_has_passed(org):
    row = report(org.teacher)
    assert not gratifications.is_overdue(row, row.due_at)
    assert gratifications.is_overdue(row, row.due_at + dt.timedelta(seconds=1))


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("occasion", "day", "value", "cash", "reportable"),
    [
        # PerKPK 1/2026, in force from 20 January 2026
        ("wedding", "2026-02-01", 1_500_000, False, False),
        ("wedding", "2026-02-01", 1_500_001, False, True),
        ("religious", "2026-02-01", 1_500_000, False, False),
        ("religious", "2026-02-01", 1_500_001, False, True),
        ("colleague", "2026-02-01", 500_000, False, False),
        ("colleague", "2026-02-01", 500_001, False, True),
        ("colleague", "2026-02-01", 100_000, True, True),  # money between colleagues
        # PerKPK 2/2019 before it
        ("wedding", "2026-01-19", 1_000_000, False, False),
        ("wedding", "2026-01-19", 1_000_001, False, True),
        ("religious", "2025-04-01", 1_000_000, False, False),
        ("religious", "2025-04-01", 1_000_001, False, True),
        ("colleague", "2026-01-19", 200_000, False, False),
        ("colleague", "2026-01-19", 200_001, False, True),
        # across the effective date: the same gift
        ("wedding", "2026-01-19", 1_200_000, False, True),
        ("wedding", "2026-01-20", 1_200_000, False, False),
        ("colleague", "2026-01-19", 400_000, False, True),
        ("colleague", "2026-01-20", 400_000, False, False),
        # no threshold at all: always reportable
        ("official", "2026-02-01", 1, False, True),
        ("other", "2026-02-01", 0, False, True),
    ],
)
def test_reportable_by_the_threshold_in_force_on_the_day_received(occasion, day, value, cash, reportable):
    found, row = gratifications.is_reportable(
        occasion=occasion, value_idr=value, day=dt.date.fromisoformat(day), cash=cash
    )
    assert found is reportable
    if occasion in ("official", "other"):
        assert row is None
    else:
        assert row is not None and row.source.startswith("Peraturan KPK No. ")
        assert ("1 Tahun 2026" in row.source) is (day >= "2026-01-20")


def test_reported_gifts_carry_the_threshold_row(org):
    row = report(org.teacher, occasion="wedding", value_idr=1_500_000)
    assert row.reportable is False and row.threshold.max_value_idr == 1_500_000
    row = report(org.teacher, occasion="wedding", value_idr=1_500_001)
    assert row.reportable is True


def test_gifts_from_the_same_colleague_add_up_over_the_year(org):
    for value in (500_000, 500_000, 500_000):
        assert report(org.teacher, occasion="colleague", value_idr=value).reportable is False
    # Same colleague, written another way: the yearly total would pass Rp1,500,000.
    row = report(org.teacher, occasion="colleague", value_idr=1, giver={"name": "Siti Aminah, S.Pd."})
    assert row.reportable is True
    # Another colleague is counted on their own.
    other = report(org.teacher, occasion="colleague", value_idr=500_000, giver={"name": "Siti Aisyah"})
    assert other.reportable is False


def test_a_refused_gift_is_recorded_too(org):
    row = report(org.teacher, rejected=True, occasion="official", value_idr=5_000_000)
    assert row.rejected is True and row.reportable is True and row.status == GratificationStatus.REPORTED


# ---------------------------------------------------------------- bad input


def test_every_bad_field_is_named_and_nothing_is_stored(org):
    with pytest.raises(Invalid) as caught:
        report(
            org.teacher,
            received_on="2026-08-06",  # tomorrow
            giver={"relation": "x"},
            occasion="birthday",
            description="",
            value_idr=-5,
        )
    assert {k: p.code for k, p in caught.value.fields.items()} == {
        "received_on": "date_in_future",
        "giver.name": "required",
        "occasion": "choice",
        "description": "required",
        "value_idr": "negative",
    }
    assert not Gratification.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"value_idr": "750000"}, "value_idr", "not_integer"),
        ({"value_idr": True}, "value_idr", "not_integer"),
        ({"received_on": "03-08-2026"}, "received_on", "bad_date"),
        ({"giver": "Siti"}, "giver", "not_object"),
        ({"rejected": "no"}, "rejected", "not_boolean"),
        ({"description": "x" * 10001}, "description", "too_long"),
    ],
)
def test_wrong_types_are_refused(org, overrides, field, code):
    with pytest.raises(Invalid) as caught:
        report(org.teacher, **overrides)
    assert caught.value.fields[field].code == code


# ---------------------------------------------------------------- outcome


def test_the_team_records_the_outcome_once(org):
    row = report(org.teacher)
    settled = gratifications.gratification_settle(
        item=row, actor=org.school_team, outcome="forwarded_to_kpk", notes="Dilaporkan melalui GOL"
    )
    assert settled.status == GratificationStatus.SETTLED and settled.outcome == "forwarded_to_kpk"
    assert gratifications.content(settled, org.school_team)["notes"] == "Dilaporkan melalui GOL"
    assert Notice.objects.filter(person=org.teacher, kind="gratification_settled").exists()
    with pytest.raises(WrongState) as caught:
        gratifications.gratification_settle(item=row, actor=org.district_team, outcome="returned", notes="")
    assert caught.value.code == "gratification_settled"


def test_the_recipient_never_settles_their_own_report(org):
    from tests.factories import add_team

    add_team(org.school, org.teacher)  # the teacher is on the team too
    row = report(org.teacher)
    with pytest.raises(Forbidden):
        gratifications.gratification_settle(item=row, actor=org.teacher, outcome="kept_allowed", notes="")
    assert Gratification.objects.get(pk=row.pk).status == GratificationStatus.REPORTED


def test_who_sees_a_report(org):
    row = report(org.teacher)
    for person in (org.teacher, org.school_team, org.district_team):
        assert access.get_gratification_for(person, row.reference) == row
    for person in (org.vice, org.principal, org.outsider, org.admin):
        with pytest.raises(NotFound):
            access.get_gratification_for(person, row.reference)


def test_an_outcome_outside_the_list_is_refused_before_anything(org):
    row = report(org.teacher)
    with pytest.raises(Invalid) as caught:
        gratifications.gratification_settle(item=row, actor=org.school_team, outcome="kept", notes=1)
    assert set(caught.value.fields) == {"outcome", "notes"}
    assert Gratification.objects.get(pk=row.pk).status == GratificationStatus.REPORTED


# ---------------------------------------------------------------- notices


def test_the_team_hears_of_new_soon_due_and_overdue_reports_once(org):
    row = report(org.teacher)
    assert Notice.objects.filter(person=org.school_team, kind="gratification_new").count() == 1
    assert not Notice.objects.filter(person=org.teacher, kind="gratification_new").exists()
    # Five school days before Wed 9 Sep is Thu 3 Sep: from 07:00 that day the team is reminded, once.
    with time_machine.travel(dt.datetime(2026, 9, 3, 6, 59, tzinfo=WIB), tick=False):
        assert run_prevention_jobs().gratifications_soon == []
    for _ in range(2):
        with time_machine.travel(dt.datetime(2026, 9, 3, 7, 0, tzinfo=WIB), tick=False):
            run_prevention_jobs()
    assert Notice.objects.filter(person=org.school_team, kind="gratification_due_soon").count() == 1
    for _ in range(2):
        with time_machine.travel(row.due_at + dt.timedelta(seconds=1), tick=False):
            run_prevention_jobs()
    assert Notice.objects.filter(person=org.school_team, kind="gratification_overdue").count() == 1
    mail = OutboxMessage.objects.filter(recipient=org.school_team, kind="gratification_overdue").get()
    assert row.reference in mail.subject and "Siti" not in mail.body_text + mail.body_html


def test_settled_and_non_reportable_reports_need_no_reminder(org):
    settled = report(org.teacher)
    gratifications.gratification_settle(item=settled, actor=org.school_team, outcome="returned", notes="")
    report(org.teacher, occasion="wedding", value_idr=100_000)
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=WIB), tick=False):
        result = run_prevention_jobs()
    assert result.gratifications_soon == [] and result.gratifications_overdue == []


# ---------------------------------------------------------------- the export for the KPK


def test_export_cells_never_become_formulas(org):
    dangerous = {
        "giver": {"name": '=HYPERLINK("http://contoh.invalid","klik")', "relation": "-ipar"},
        "description": "+62 812 3456 7890 @ rumah",
    }
    row = report(org.teacher, **dangerous)
    gratifications.gratification_settle(
        item=row, actor=org.school_team, outcome="returned", notes="@SUM(A1:A9)"
    )
    plain = report(org.teacher, giver={"name": "Budi Santoso", "relation": "rekan"}, value_idr=900_000)
    rows = list(
        Gratification.objects.order_by("received_on", "pk").select_related("unit", "recipient", "position")
    )
    data = exports.gol_workbook(rows, actor=org.school_team, unit=org.school)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["No", "Nomor Laporan", "Nama Pelapor"]
    col = {name: i + 1 for i, name in enumerate(header)}
    first = {name: sheet.cell(row=2, column=i) for name, i in col.items()}
    assert first["Nomor Laporan"].value == row.reference
    for name, text in (
        ("Nama Pemberi", '=HYPERLINK("http://contoh.invalid","klik")'),
        ("Hubungan dengan Pemberi", "-ipar"),
        ("Uraian Gratifikasi", "+62 812 3456 7890 @ rumah"),
        ("Catatan Tim", "@SUM(A1:A9)"),
    ):
        cell = first[name]
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, name
    assert first["Nilai Taksiran (Rp)"].value == 750_000 and first["Nilai Taksiran (Rp)"].data_type == "n"
    assert first["Tanggal Penerimaan"].value.date() == dt.date(2026, 8, 3)
    assert first["Tindak Lanjut"].value == "Dikembalikan kepada pemberi"
    second = {name: sheet.cell(row=3, column=i) for name, i in col.items()}
    assert second["Nama Pemberi"].value == "Budi Santoso" and not second["Nama Pemberi"].quotePrefix
    assert second["Nomor Laporan"].value == plain.reference
    # No formula anywhere in the file.
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
