"""The sweep in batches writes for each case exactly what the one-case step writes alone.

``services.case_deadline_missed`` (one case, its own transaction, every question asked of the
database, every row inserted where it is made) and ``sweep`` (batches: routing's reads made once per
batch, the rows inserted together, the audit entries chained under one lock) run on the same varied
set of overdue cases, each from the same starting point; every row they write must be equal, down to
the audit chain's hashes. The cases: a skip by screening, an excluded superior (the reporter), the
review stage, a recusal, a unit without automatic escalation (the superior is told instead), the top
of the chain, a team that passes the case to the team above, a case not yet due; two time zones, a
six-day week, Independence Day and a district holiday in the fresh deadlines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from integritas.audit import chain
from integritas.audit.models import AuditEntry
from integritas.cases import content, services
from integritas.cases.models import TIMED_STATUSES, Case, CaseHandler, CaseTally, Event, StageStep, Via
from integritas.cases.sweep import sweep
from integritas.notify.models import Milestone, Notice, OutboxMessage, Role
from integritas.orgs.models import Holiday
from integritas.prevention.models import Screening
from tests.factories import make_org, reload, submit
from tests.prevention.conftest import declare

WIB = ZoneInfo("Asia/Jakarta")
SUBMITTED = dt.datetime(2026, 8, 11, 10, 0, tzinfo=WIB)  # Tuesday
SWEEP_AT = dt.datetime(2026, 8, 15, 9, 30, tzinfo=WIB)  # Saturday


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def varied_cases() -> tuple[Any, dict[str, Case]]:
    org = make_org(
        school_tz="Asia/Jayapura",
        school_policy={"auto_escalate": True},
        district_policy={"require_evidence": False, "auto_escalate": False},
    )
    org.teacher.name = "Drs. Bambang Sutrisno, M.Pd."
    org.teacher.save()
    declare(org.principal, ("Bambang Sutrisna", "adik"))  # screening skips the principal for the teacher
    Holiday.objects.create(date=dt.date(2026, 8, 19), name="Hari jadi kabupaten", unit=org.district)
    kabid_reports = {"reporter": {"name": "Kabid", "email": org.kabid.email, "relation": "atasan"}}
    cases = {
        "screening_skip": submit(org.school, org.p_teacher, now=SUBMITTED).case,
        "plain": submit(org.school, org.p_vice, now=SUBMITTED).case,
        "excluded_reporter": submit(org.school, org.p_vice, now=SUBMITTED, **kabid_reports).case,
        "review": submit(org.school, org.p_vice, now=SUBMITTED).case,
        "recused": submit(org.school, org.p_vice, now=SUBMITTED).case,
        "no_auto_escalate": submit(org.district, org.p_kabid, now=SUBMITTED).case,
        "top_of_chain": submit(org.district, org.p_kadis, now=SUBMITTED).case,
        "team_to_team": submit(org.school, None, now=SUBMITTED).case,
        "not_due": submit(org.school, org.p_vice, now=SWEEP_AT - dt.timedelta(hours=2)).case,
    }
    services.case_examine(
        via=Via.API, case=reload(cases["review"]), actor=org.principal, conclusion="founded",
        findings="Terbukti", now=SUBMITTED,
    )  # fmt: skip
    services.case_recuse(case=reload(cases["recused"]), actor=org.principal, reason="Kerabat", now=SUBMITTED)
    return org, {name: reload(case) for name, case in cases.items()}


def _rows(model: Any, after: int, *, leave_out: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = model.objects.filter(pk__gt=after).order_by("pk").values()
    return [{k: v for k, v in row.items() if k not in ("id", *leave_out)} for row in rows]


def _mails(after: int) -> list[dict[str, Any]]:
    """Outbox rows; the reporter's are sealed with a fresh nonce each time: compared opened."""
    out = []
    for row in OutboxMessage.objects.filter(pk__gt=after).select_related("case").order_by("pk"):
        data = {k: v for k, v in row.__dict__.items() if k not in ("_state", "id", "message_id", "sealed")}
        data.pop("_case_cache", None)
        if row.recipient_role == Role.REPORTER:
            data["opened"] = content.open_outbox(row.case, row.sealed)
        out.append(data)
    return out


def _steps(marks: dict[str, int]) -> list[dict[str, Any]]:
    """Stage steps, each with its history row's place among the new rows (ids differ between runs)."""
    places = {
        pk: n
        for n, pk in enumerate(
            Event.objects.filter(pk__gt=marks["events"]).order_by("pk").values_list("pk", flat=True)
        )
    }
    rows = _rows(StageStep, marks["steps"])
    return [{**row, "event_id": places[row["event_id"]]} for row in rows]


def written(cases: dict[str, Case], marks: dict[str, int]) -> dict[str, Any]:
    return {
        "cases": sorted(Case.objects.filter(pk__in=[c.pk for c in cases.values()]).values(), key=str),
        "events": _rows(Event, marks["events"]),
        "steps": _steps(marks),
        # Every tally (a row that went back to 0 is the same as none).
        "tallies": sorted(CaseTally.objects.exclude(n=0).values_list("unit_id", "month", "key", "slot", "n")),
        "handlers": _rows(CaseHandler, marks["handlers"]),
        "milestones": _rows(Milestone, marks["milestones"]),
        "screenings": _rows(Screening, marks["screenings"]),
        "notices": _rows(Notice, marks["notices"]),
        "mails": _mails(marks["mails"]),
        "audit": _rows(AuditEntry, marks["audit"]),
    }


def _marks() -> dict[str, int]:
    def last(model: Any) -> int:
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return {
        "events": last(Event),
        "steps": last(StageStep),
        "handlers": last(CaseHandler),
        "milestones": last(Milestone),
        "screenings": last(Screening),
        "notices": last(Notice),
        "mails": last(OutboxMessage),
        "audit": last(AuditEntry),
    }


class Undo(Exception):
    pass


def each_case_alone(cases: dict[str, Case]) -> tuple[list[str], dict[str, Any]]:
    """The one-case step for every overdue case in id order (as a sweep takes them); then undone."""
    marks = _marks()
    due = Case.objects.filter(status__in=TIMED_STATUSES, due_at__lt=SWEEP_AT, overdue=False).order_by("pk")
    escalated = []
    try:
        with transaction.atomic():
            for pk in due.values_list("pk", flat=True):
                missed = services.case_deadline_missed(case_id=pk, now=SWEEP_AT)
                assert missed is not None
                if missed.escalated:
                    escalated.append(missed.reference)
            result = written(cases, marks)
            raise Undo
    except Undo:
        pass
    return escalated, result


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [500, 3])
def test_batches_write_what_each_case_alone_writes(batch):
    org, cases = varied_cases()
    alone_escalated, alone = each_case_alone(cases)
    assert Event.objects.filter(kind="overdue").count() == 0  # undone

    marks = _marks()
    result = sweep(now=SWEEP_AT, batch=batch)
    together = written(cases, marks)

    assert sorted(result.escalated) == sorted(alone_escalated)
    expected_marked = {name for name in cases if name != "not_due"}
    assert sorted(result.marked) == sorted(cases[name].reference for name in expected_marked)
    for key in alone:
        assert together[key] == alone[key], key
    assert chain.verify(anchor_file=False)[0]

    # What each case went through (the set is as varied as it claims).
    by_case = {c.pk: name for name, c in cases.items()}
    kinds: dict[str, list[str]] = {}
    for row in together["events"]:
        kinds.setdefault(by_case[row["case_id"]], []).append(row["kind"])
    assert kinds["screening_skip"] == ["overdue", "screened", "escalated_overdue"]
    assert kinds["plain"] == ["overdue", "escalated_overdue"]
    assert kinds["no_auto_escalate"] == ["overdue"] and kinds["top_of_chain"] == ["overdue"]
    assert "not_due" not in kinds
    fresh = {name: reload(case) for name, case in cases.items()}
    assert fresh["screening_skip"].handler_person == org.kabid
    assert fresh["plain"].handler_person == org.kabid
    assert fresh["excluded_reporter"].handler_person == org.kadis  # the head of division reported it
    assert fresh["review"].handler_person == org.kadis
    assert fresh["recused"].handler_person == org.kadis
    assert fresh["team_to_team"].handler_team == org.district
    assert fresh["no_auto_escalate"].overdue and fresh["top_of_chain"].overdue
    # The district's own holiday (Wednesday 19) and Independence Day (Monday 17) push the deadlines.
    assert fresh["plain"].due_at == dt.datetime(2026, 8, 21, 23, 59, 59, tzinfo=ZoneInfo("Asia/Jayapura"))
    # The superior of a case that is only marked is told; reporters hear of each escalation.
    superior = [m for m in together["mails"] if m["recipient_role"] == Role.SUPERIOR]
    assert [m["recipient_id"] for m in superior] == [org.district_team.pk]
    assert sum(m["recipient_role"] == Role.REPORTER for m in together["mails"]) == len(result.escalated)


@pytest.mark.django_db
def test_a_batch_costs_a_few_queries_per_case_not_dozens():
    _, cases = varied_cases()
    with CaptureQueriesContext(connection) as queries:
        result = sweep(now=SWEEP_AT)
    assert len(result.marked) == 8
    # Reads and writes are per batch: no query is made for one case.
    assert len(queries.captured_queries) <= 30, "\n".join(q["sql"][:150] for q in queries.captured_queries)


@pytest.mark.django_db
def test_a_case_that_fails_leaves_nothing_and_the_others_go_on(monkeypatch, caplog):
    _, cases = varied_cases()
    broken = cases["plain"]
    original = services._escalate

    def failing(case, **kwargs):
        original(case, **kwargs)
        if case.pk == broken.pk:
            raise RuntimeError("broken")

    monkeypatch.setattr(services, "_escalate", failing)
    marks = _marks()
    result = sweep(now=SWEEP_AT)
    assert broken.reference not in result.marked and len(result.marked) == 7
    assert not Event.objects.filter(case=broken, pk__gt=marks["events"]).exists()
    assert not Notice.objects.filter(case=broken, pk__gt=marks["notices"]).exists()
    assert not AuditEntry.objects.filter(case_reference=broken.reference, pk__gt=marks["audit"]).exists()
    assert reload(broken).overdue is False and reload(broken).level == 1
    assert chain.verify(anchor_file=False)[0]
    assert "sweep failed for case" in caplog.text


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_three_times_the_cases():
    """The queries of a batch do not grow with its cases: 2 escalated cases, then 6, the same count."""
    org = make_org()
    first = [submit(org.school, org.p_vice, now=SUBMITTED).case for _ in range(2)]
    later = SUBMITTED + dt.timedelta(days=2)
    second = [submit(org.school, org.p_vice, now=later).case for _ in range(6)]
    counts = []
    for cases, at in ((first, SWEEP_AT), (second, SWEEP_AT + dt.timedelta(days=5))):
        with CaptureQueriesContext(connection) as queries:
            result = sweep(now=at)
        assert sorted(result.escalated) == sorted(c.reference for c in cases)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert (
        Notice.objects.count() > 0 and OutboxMessage.objects.filter(recipient_role=Role.REPORTER).count() >= 8
    )
