"""The stage steps monitoring counts (``StageStep``) stay a faithful copy of the history, and the
figures read through them and the indexes equal the figures counted by hand from the visible cases,
after any sequence of service calls (hypothesis draws the sequence)."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.cases import access, services, steps
from integritas.cases.models import (
    TIMED_STATUSES,
    Case,
    CaseCategory,
    Event,
    FollowUp,
    Recusal,
    StageStep,
    Status,
    Via,
)
from integritas.cases.sweep import sweep
from integritas.errors import DomainError
from integritas.monitoring import figures
from integritas.orgs.calendar import UnitCalendar
from tests.factories import add_team, make_person, make_position, make_unit, reload, submit
from tests.monitoring.cases import wib

API = Via.API
OPS = (
    "submit",
    "submit_treasurer",
    "submit_other",
    "examine",
    "review",
    "recuse",
    "follow_up",
    "close",
    "sweep",
)


class Rollback(Exception):
    """Undoes one drawn example (the database is shared by all of them in one test)."""


def _step_rows() -> set[tuple]:
    return set(
        StageStep.objects.values_list(
            "event_id", "case_id", "unit_id", "case_created_at", "stage", "kind", "at", "started_at", "due_at"
        )
    )


def _history_rows() -> set[tuple]:
    return {
        (
            e.pk,
            e.case_id,
            e.case.unit_id,
            e.case.created_at,
            e.stage,
            e.kind,
            e.at,
            e.stage_started_at,
            e.stage_due_at,
        )
        for e in Event.objects.exclude(stage="").select_related("case")
    }


def _by_hand(unit, viewer, now, date_from=None, date_to=None) -> dict:
    """The figures counted in Python from the cases ``cases_visible_to`` gives (or every case)."""
    visible = Case.objects.all() if viewer is None else access.cases_visible_to(viewer)
    cases = [c for c in visible.select_related("unit") if c.unit.path.startswith(unit.path)]
    if date_from:
        cases = [c for c in cases if c.created_at >= figures.local_start(date_from, unit)]
    if date_to:
        cases = [c for c in cases if c.created_at < figures.local_start(date_to + dt.timedelta(days=1), unit)]
    ids = {c.pk for c in cases}
    by_status = {s: sum(c.status == s for c in cases) for s in Status.values}
    by_outcome: dict[str, int] = {}
    by_month: dict[str, int] = {}
    by_unit: dict[str, int] = {}
    for c in cases:
        if c.outcome:
            by_outcome[c.outcome] = by_outcome.get(c.outcome, 0) + 1
        month = c.created_at.astimezone(unit.tz).strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + 1
        by_unit[c.unit.code] = by_unit.get(c.unit.code, 0) + 1
    by_category: dict[str, int] = {}
    for code in CaseCategory.objects.filter(case_id__in=ids).values_list("code", flat=True):
        by_category[code] = by_category.get(code, 0) + 1
    calendar = UnitCalendar(unit)
    within, medians = {}, {}
    for stage, kinds in figures.DONE_KINDS.items():
        done = list(Event.objects.filter(case_id__in=ids, stage=stage, kind__in=kinds).order_by("pk"))
        timed = [e for e in done if e.stage_due_at is not None]
        within[str(stage)] = {"done": len(timed), "on_time": sum(e.at <= e.stage_due_at for e in timed)}
        started = sorted(
            (e for e in done if e.stage_started_at is not None),
            key=lambda e: (e.at - e.stage_started_at, e.pk),
        )
        n = len(started)
        middle = started[(n - 1) // 2 : n // 2 + 1]
        days = [figures._working_days(calendar, e.stage_started_at, e.at) for e in middle]
        medians[str(stage)] = statistics.fmean(days) if days else None
    today = now.astimezone(unit.tz).date()
    ups = list(FollowUp.objects.filter(case_id__in=ids))
    open_ups = [f for f in ups if not f.done and not f.cancelled]
    recusals = list(Recusal.objects.filter(case_id__in=ids))
    return {
        "total": len(cases),
        "by_status": by_status,
        "by_category": dict(sorted(by_category.items())),
        "by_month": dict(sorted(by_month.items())),
        "by_unit": dict(sorted(by_unit.items())),
        "by_outcome": dict(sorted(by_outcome.items())),
        "overdue_now": sum(
            c.status in TIMED_STATUSES and (c.overdue or (c.due_at is not None and c.due_at < now))
            for c in cases
        ),
        "within_deadline": within,
        "median_working_days": medians,
        "follow_ups": {
            "total": len(ups),
            "done": sum(f.done for f in ups),
            "cancelled": sum(f.cancelled for f in ups),
            "open": len(open_ups),
            "overdue": sum(f.due_date < today for f in open_ups),
        },
        "recusals": len(recusals),
        "recused_cases": len({r.case_id for r in recusals}),
    }


class World:
    """The test organisation with a second school, a treasurer on the school's team (the subject of
    some cases) and the vice principal on it too (withdraws from some)."""

    def __init__(self, org):
        self.org = org
        self.other = make_unit("SMPN2", parent=org.district, timezone="Asia/Makassar", work_week="mon-fri")
        self.other_head = make_person("ks2")
        p_head = make_position(
            "KS2", self.other, title="Kepala Sekolah", reports_to=org.p_kabid, holder=self.other_head
        )
        self.other_teacher = make_position(
            "GURU2", self.other, title="Guru", reports_to=p_head, holder=make_person("guru2")
        )
        self.treasurer = make_person("bendahara")
        self.p_treasurer = make_position(
            "BENDAHARA", org.school, title="Bendahara", reports_to=org.p_principal, holder=self.treasurer
        )
        add_team(org.school, self.treasurer, org.vice)
        add_team(self.other, make_person("tim2"))
        self.cases: list[Case] = []

    def team_for(self, case: Case):
        return self.org.school_team if case.unit_id == self.org.school.pk else self.org.district_team

    def play(self, calls: list[tuple[str, int, int]]) -> dt.datetime:
        """Each drawn call in turn, hours apart from 28 July 09:00 WIB; one refused (not allowed in
        the case's state or for that person) changes nothing and the next goes on. The last call's time."""
        at = wib(7, 28, 9)
        for op, pick, hours in calls:
            at += dt.timedelta(hours=hours)
            try:
                with transaction.atomic():
                    self.apply(op, pick, at)
            except DomainError:
                pass
        return at

    def apply(self, op: str, pick: int, at: dt.datetime) -> None:
        org = self.org
        if op.startswith("submit"):
            unit, position = {
                "submit": (org.school, org.p_teacher),
                "submit_treasurer": (org.school, self.p_treasurer),
                "submit_other": (self.other, self.other_teacher),
            }[op]
            codes = [["procurement"], ["gratification", "side_job"]][pick % 2]
            self.cases.append(submit(unit, position, now=at, categories=codes).case)
            return
        if op == "sweep":
            sweep(now=at)
            return
        if not self.cases:
            return
        case = reload(self.cases[pick % len(self.cases)])
        handler = case.handler_person
        if op == "examine" and handler is not None:
            conclusion = "founded" if pick % 3 else "unfounded"
            services.case_examine(
                case=case, actor=handler, conclusion=conclusion, findings="Hasil", via=API, now=at
            )
        elif op == "review" and handler is not None:
            decision = ("revoke", "uphold", "escalate", "amend")[pick % 4]
            services.case_review(case=case, actor=handler, decision=decision, notes="Telaah", via=API, now=at)
        elif op == "recuse" and handler is not None:
            services.case_recuse(case=case, actor=handler, reason="Kerabat", now=at)
        elif op == "follow_up":
            item = services.follow_up_add(
                case=case,
                actor=self.team_for(case),
                title="Tindak",
                due_date=at.date() + dt.timedelta(days=pick % 9),
                via=API,
                now=at,
            )
            if pick % 2:
                services.follow_up_done(
                    case=reload(case), actor=self.team_for(case), follow_up=item, via=API, now=at
                )
        elif op == "close":
            services.case_close(case=case, actor=self.team_for(case), summary="Selesai", via=API, now=at)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(1, 60)), min_size=4, max_size=22)
)
def test_steps_and_figures_match_the_history_after_any_sequence(org, calls):
    try:
        with transaction.atomic():
            world = World(org)
            at = world.play(calls)

            assert _step_rows() == _history_rows()
            assert all(
                (f.unit_id, f.case_created_at) == (f.case.unit_id, f.case.created_at)
                for f in FollowUp.objects.select_related("case")
            )
            steps.rebuild()
            assert _step_rows() == _history_rows()

            now = at + dt.timedelta(hours=5)
            august = {"date_from": dt.date(2026, 8, 1), "date_to": dt.date(2026, 8, 31)}
            viewers = [None, org.district_team, org.school_team, world.treasurer, org.vice, org.outsider]
            for unit in (org.district, org.school, world.other):
                for viewer in viewers:
                    for period in ({}, august):
                        got = figures.stats(unit, viewer, now=now, **period)
                        want = _by_hand(unit, viewer, now, **period)
                        assert {key: got[key] for key in want} == want, (unit.code, viewer, period)
            raise Rollback
    except Rollback:
        pass
