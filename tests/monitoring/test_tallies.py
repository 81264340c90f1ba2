"""The monitoring tallies (``cases.tallies``): after any sequence of service calls, unit moves and
time-zone changes, every figure read through them equals the figure counted from the tables (the
path of ``figures.USE_TALLIES = False``), for whole and partial months and for viewers with hidden
cases; the rebuild writes the same counts as the services kept; intakes at once count exactly."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.cases import services, tallies
from integritas.cases.models import Case, CaseTally, Via
from integritas.monitoring import figures
from integritas.orgs.models import Unit
from tests.concurrency import at_once
from tests.factories import reload, submit
from tests.monitoring.cases import wib
from tests.monitoring.test_steps import OPS, Rollback, World

API = Via.API
MORE_OPS = (*OPS, "cancel", "move", "zone")

PERIODS = [
    {},
    {"date_from": dt.date(2026, 8, 1), "date_to": dt.date(2026, 8, 31)},  # one whole month
    {"date_from": dt.date(2026, 7, 1), "date_to": dt.date(2026, 9, 30)},  # whole months
    {"date_from": dt.date(2026, 7, 30), "date_to": dt.date(2026, 9, 5)},  # partial at both edges
    {"date_from": dt.date(2026, 8, 5), "date_to": dt.date(2026, 8, 20)},  # inside one month
    {"date_from": dt.date(2026, 8, 15)},  # from a day on
    {"date_to": dt.date(2026, 8, 20)},  # up to a day
    {"date_from": dt.date(2026, 8, 31), "date_to": dt.date(2026, 9, 1)},  # two adjacent edges
]


def _figures(unit, viewer, now, use_tallies: bool, **period) -> dict:
    saved = figures.USE_TALLIES
    figures.USE_TALLIES = use_tallies
    try:
        s = figures.scope(unit, viewer, **period)
        got = figures.stats(unit, viewer, now=now, within=s, **period)
        got["by_category_month"] = figures.by_category_month(s)
        got["by_month_alone"] = figures.by_month(s)
        got["by_child"] = [(child.code, n) for child, n in figures.by_child(s)]
        got["tallied"] = figures.tallied(s)
        return got
    finally:
        figures.USE_TALLIES = saved


def _rows() -> Counter:
    """The tallies summed over their slots, without the rows that came back to zero."""
    found: Counter = Counter()
    for unit_id, month, key, n in CaseTally.objects.values_list("unit_id", "month", "key", "n"):
        found[(unit_id, month, key)] += n
    return Counter({k: n for k, n in found.items() if n})


class MovingWorld(World):
    """The monitoring test world, where the second school also moves under the first and back, and
    the district changes time zone."""

    def apply(self, op: str, pick: int, at: dt.datetime) -> None:
        org = self.org
        if op == "move":
            other = Unit.objects.get(pk=self.other.pk)
            other.parent = org.school if other.parent_id == org.district.pk else org.district
            other.save()
        elif op == "zone":
            district = Unit.objects.get(pk=org.district.pk)
            district.timezone = "Asia/Makassar" if district.timezone == "Asia/Jakarta" else "Asia/Jakarta"
            district.save()
        elif op == "cancel" and self.cases:
            case = reload(self.cases[pick % len(self.cases)])
            item = services.follow_up_add(
                case=case, actor=self.team_for(case), title="Batal", due_date=at.date(), via=API, now=at
            )
            services.follow_up_cancel(
                case=reload(case),
                actor=self.team_for(case),
                follow_up=item,
                reason="Tidak perlu",
                via=API,
                now=at,
            )
        else:
            super().apply(op, pick, at)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(MORE_OPS), st.integers(0, 50), st.integers(1, 60)), min_size=4, max_size=24
    )
)
def test_figures_through_the_tallies_equal_the_figures_counted_from_the_tables(org, calls):
    try:
        with transaction.atomic():
            world = MovingWorld(org)
            at = world.play(calls)

            kept = _rows()
            tallies.rebuild()
            assert _rows() == kept  # the rebuild counts what the services kept

            now = at + dt.timedelta(hours=5)
            tallied = 0
            viewers = [None, org.district_team, org.school_team, world.treasurer, org.vice]
            units = [Unit.objects.get(pk=u.pk) for u in (org.district, org.school, world.other)]
            for unit in units:
                for viewer in viewers:
                    for period in PERIODS:
                        got = _figures(unit, viewer, now, True, **period)
                        want = _figures(unit, viewer, now, False, **period)
                        assert not want.pop("tallied")
                        tallied += got.pop("tallied")
                        assert got == want, (unit.code, viewer, period)
            assert tallied  # (the overseeing viewers' and the command line's figures)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_a_hidden_case_is_counted_nowhere_through_the_tallies(org):
    """The treasurer sits on the school's team and is the subject of one case: the team's figures
    count it, the treasurer's (read through the same tallies) leave it out, and both equal the
    figures counted from the tables."""
    world = World(org)
    world.apply("submit", 0, wib(8, 3))
    world.apply("submit_treasurer", 1, wib(8, 4))
    now = wib(8, 10)
    team = _figures(org.school, org.school_team, now, True)
    treasurer = _figures(org.school, world.treasurer, now, True)
    assert team["total"] == 2 and treasurer["total"] == 1
    assert team["by_category"] == {"procurement": 1, "gratification": 1, "side_job": 1}
    assert treasurer["by_category"] == {"procurement": 1}
    assert treasurer == {**_figures(org.school, world.treasurer, now, False), "tallied": True}


@pytest.mark.django_db
def test_a_unit_moved_takes_its_counts_to_its_new_parents(org):
    world = World(org)
    world.apply("submit_other", 0, wib(8, 3))
    assert CaseTally.objects.filter(unit=org.school).count() == 0
    other = Unit.objects.get(pk=world.other.pk)
    other.parent = org.school
    other.save()
    school = _figures(org.school, None, wib(8, 10), True)
    assert school["total"] == 1 and school["by_unit"] == {"SMPN2": 1}
    assert school == {**_figures(org.school, None, wib(8, 10), False), "tallied": True}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reports_filed_at_once_are_all_counted():
    """Twenty-four reports from eight threads at once: no deadlock, and every tally is exact."""
    from tests.factories import make_org

    org = make_org()

    def file_reports() -> None:
        for _ in range(3):
            submit(org.school, org.p_teacher, categories=["procurement"])

    errors = at_once(8, file_reports, timeout=300)
    assert errors == []
    assert Case.objects.count() == 24
    for unit in (org.district, org.school):
        got = _figures(unit, None, dt.datetime.now(dt.UTC), True)
        assert got["total"] == 24
        assert got["by_category"] == {"procurement": 24}
        assert got["by_unit"] == {"SMPN1": 24}
    kept = _rows()
    tallies.rebuild()
    assert _rows() == kept


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_monthly_keys_are_read_as_ranges_of_the_key_index():
    """The monthly keys (``s:``, ``c:``) of an anchor are index ranges of ``tally_unit_key_month``
    (``LIKE 's:%'`` served by its ``varchar_pattern_ops``), not a filter over every row of the anchor
    (the root has 200,000 rows of ``u:`` keys)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_org

    org = make_org()
    submit(org.school, org.p_teacher, categories=["procurement"])
    # As at the root: many more rows of other keys (one per unit and month) than of monthly keys.
    CaseTally.objects.bulk_create(
        CaseTally(unit=org.district, month=dt.date(2026, 1 + i % 12, 1), key=f"u:{100 + i}", n=1)
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {CaseTally._meta.db_table}")
    s = figures.scope(org.district, None)
    with CaptureQueriesContext(connection) as queries:
        assert figures.totals(s)
    tally = [q["sql"] for q in queries if "cases_casetally" in q["sql"]]
    monthly = [sql for sql in tally if "LIKE 's:%'" in sql and '"month" AS "month"' in sql]
    assert len(monthly) == 1, tally
    # The other keys over every month: the partial index of every key before ``u:``; ``u:`` from the
    # rows of every month together (``EVER``), a range of the unique index, not the 3,000 rows.
    others = [sql for sql in tally if "< 'u:'" in sql]
    ever = [sql for sql in tally if "0001-01-01" in sql]
    assert len(others) == 1 and len(ever) == 1, tally

    def plan_of(sql: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # as on a large table
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
        return plan

    plan = plan_of(monthly[0])
    assert "tally_unit_key_month" in plan and "~>=~ 's:'" in plan, plan
    plan = plan_of(others[0])
    assert "tally_unit_month_keys" in plan and "Filter" not in plan, plan
    plan = plan_of(ever[0])
    assert "tally_unit_month_key_slot" in plan and "Filter" not in plan, plan


@pytest.mark.django_db
def test_every_kind_of_key_is_read_by_a_period_without_bounds(org):
    """A period without bounds reads ``u:`` from the rows of every month together (``EVER``) and every
    other kind by its prefix: each key written belongs to one of them, and ``EVER`` rows hold the
    sums of the monthly ``u:`` rows (written as the cases come, and by a rebuild)."""
    world = World(org)
    ops = ["submit", "submit_other", "submit", "recuse", "examine", "review", "follow_up", "close", "sweep"]
    world.play([(op, 1, 30) for op in ops] + [(op, 0, 20) for op in ops])
    kinds = {key.split(":")[0] + ":" for key in CaseTally.objects.values_list("key", flat=True)}
    assert {"u:", "s:", "c:", "d:", "h:", "f:", "r:"} <= kinds
    assert kinds <= {*tallies.MONTH_KEYS, *tallies.EVER_KEYS}
    # (The month keys are read as the one range of keys before the first ``EVER`` key.)
    assert list(tallies.MONTH_KEYS) == sorted(tallies.MONTH_KEYS)
    assert tallies.MONTH_KEYS[-1] < min(tallies.EVER_KEYS)

    def ever_and_monthly() -> tuple[Counter, Counter]:
        rows = _rows()
        ever = Counter({(u, k): n for (u, m, k), n in rows.items() if m == tallies.EVER})
        monthly: Counter = Counter()
        for (u, m, k), n in rows.items():
            if m != tallies.EVER and k.startswith(tallies.EVER_KEYS):
                monthly[(u, k)] += n
        return ever, monthly

    ever, monthly = ever_and_monthly()
    assert ever and ever == monthly
    assert all(k.startswith(tallies.EVER_KEYS) for _u, k in ever)
    kept = _rows()
    tallies.rebuild()
    assert _rows() == kept
