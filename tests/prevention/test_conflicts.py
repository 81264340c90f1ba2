"""Self-declared conflicts (SPEC §6, API.md): routed to the declarer's direct superior by the chain
rules of cases, the decision suspended until a measure is decided within 7 working days, 409 on a
second measure, and the sweep escalating a missed deadline exactly once (also under concurrent sweeps
on PostgreSQL).

Real dates: the school works Monday to Saturday; Tuesday 11 August 2026; 17 August is a holiday.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from integritas.errors import Forbidden, Invalid, NotFound, WrongState
from integritas.notify.models import Notice
from integritas.orgs.models import Holding
from integritas.prevention import access, conflicts, presenters
from integritas.prevention.models import SelfDeclaration, SelfDeclarationEvent, SelfDeclarationHandler
from tests.factories import make_org
from tests.prevention.conftest import declare

WIB = ZoneInfo("Asia/Jakarta")
FILED = dt.datetime(2026, 8, 11, 10, 0, tzinfo=WIB)  # Tuesday
# 7 school days after Tue 11 Aug: 12, 13, 14, 15, (16 Sun, 17 holiday) 18, 19, 20.
DUE = dt.datetime(2026, 8, 20, 23, 59, 59, tzinfo=WIB)
SWEEP_AT = dt.datetime(2026, 8, 21, 9, 0, tzinfo=WIB)
# Fresh 7 school days after Fri 21 Aug: 22, 24, (25 Maulid) 26, 27, 28, 29, 31.
FRESH_DUE = dt.datetime(2026, 8, 31, 23, 59, 59, tzinfo=WIB)


def body(**overrides):
    data = {
        "kind": "actual",
        "decision": {"title": "Penetapan penerima beasiswa 2026", "kind": "admission", "date": "2026-08-20"},
        "description": "Salah satu calon penerima adalah keponakan saya.",
    }
    data.update(overrides)
    return data


def file(person, **overrides) -> SelfDeclaration:
    return conflicts.self_declaration_file(declarer=person, data=body(**overrides), now=FILED)


def reload(item: SelfDeclaration) -> SelfDeclaration:
    return SelfDeclaration.objects.select_related(
        "unit", "declarer", "declarer_position", "handler_position", "handler_person", "handler_team"
    ).get(pk=item.pk)


def events(item) -> list[str]:
    return list(SelfDeclarationEvent.objects.filter(declaration=item).values_list("event", flat=True))


@pytest.mark.django_db
def test_filed_to_the_direct_superior_with_the_decision_suspended(org):
    item = reload(file(org.teacher))
    assert item.reference.startswith("KK-2026-")
    assert item.handler_person == org.vice and item.handler_position == org.p_vice and item.level == 1
    assert item.decision_suspended and item.status == "open"
    assert item.due_at == DUE
    assert events(item) == ["filed", "routed"]
    assert Notice.objects.filter(person=org.vice, kind="conflict_assigned").exists()
    data = presenters.self_declaration(item, org.teacher)
    assert data["decision_suspended"] is True and data["measure"] is None
    assert data["handler"] == {"position": "WAKA", "title": "Wakil Kepala Sekolah", "team": None}
    assert data["due_at"] == "2026-08-20T23:59:59+07:00"
    assert data["decision"]["title"] == "Penetapan penerima beasiswa 2026"


@pytest.mark.django_db
def test_vacant_positions_are_skipped_and_units_crossed(org):
    Holding.objects.filter(person=org.vice).update(end=dt.date(2026, 7, 31))
    assert reload(file(org.teacher)).handler_person == org.principal
    # The principal reports to the head of division at the district office; the school's calendar rules.
    item = reload(file(org.principal))
    assert item.handler_person == org.kabid and item.unit == org.school and item.due_at == DUE


@pytest.mark.django_db
def test_screening_passes_over_a_superior_whose_declarations_name_the_declarer(org):
    org.teacher.name = "Wahyu Hidayat, S.Pd."
    org.teacher.save()
    declare(org.vice, ("Wahyu Hidayat", "adik kandung"))
    item = reload(file(org.teacher))
    assert item.handler_person == org.principal
    assert events(item) == ["filed", "screened", "routed"]
    with pytest.raises(NotFound):
        access.get_self_declaration_for(org.vice, item.reference)


@pytest.mark.django_db
def test_screening_warns_under_policy_warn():
    org = make_org(school_policy={"screening": "warn"})
    org.teacher.name = "Wahyu Hidayat"
    org.teacher.save()
    declare(org.vice, ("Wahju Hidajat", "adik kandung"))  # the old spelling
    item = reload(file(org.teacher))
    assert item.handler_person == org.vice and item.screening_warning
    assert presenters.self_declaration(item)["screening_warning"] is True


@pytest.mark.django_db
def test_the_handler_decides_a_measure_once(org):
    item = file(org.teacher)
    decided = conflicts.self_declaration_decide(
        item=item, actor=org.vice, measure="reassignment", notes="Ditetapkan oleh wakil kepala sekolah lain."
    )
    assert decided.status == "decided" and not decided.decision_suspended
    assert decided.measure == "reassignment" and decided.due_at is None
    assert events(decided) == ["filed", "routed", "decided"]
    data = presenters.self_declaration(reload(decided), org.teacher)
    assert data["notes"] == "Ditetapkan oleh wakil kepala sekolah lain." and data["handler"] is None
    assert Notice.objects.filter(person=org.teacher, kind="conflict_decided").exists()
    with pytest.raises(WrongState) as caught:
        conflicts.self_declaration_decide(item=item, actor=org.vice, measure="recusal", notes="")
    assert caught.value.code == "self_declaration_decided"
    assert reload(item).measure == "reassignment"


@pytest.mark.django_db
def test_only_the_current_handler_decides(org):
    item = file(org.teacher)
    for person in (org.school_team, org.district_team, org.teacher):
        assert access.get_self_declaration_for(person, item.reference) == item
        with pytest.raises(Forbidden):
            conflicts.self_declaration_decide(item=item, actor=person, measure="recusal", notes="")
    for person in (org.principal, org.outsider, org.admin, org.kabid):
        with pytest.raises(NotFound):
            access.get_self_declaration_for(person, item.reference)
    assert reload(item).status == "open"


@pytest.mark.django_db
def test_bad_input_names_each_field_and_stores_nothing(org):
    with pytest.raises(Invalid) as caught:
        conflicts.self_declaration_file(
            declarer=org.teacher,
            data={"kind": "maybe", "decision": {"kind": "lottery", "date": "kemarin"}, "position": "KS"},
        )
    assert {k: p.code for k, p in caught.value.fields.items()} == {
        "kind": "choice",
        "decision.title": "required",
        "decision.kind": "choice",
        "decision.date": "bad_date",
        "description": "required",
        "position": "not_your_position",
    }
    with pytest.raises(Invalid) as caught:
        conflicts.self_declaration_file(declarer=org.school_team, data=body())
    assert caught.value.fields["position"].code == "no_position"
    with pytest.raises(Invalid) as caught:
        conflicts.self_declaration_decide(item=file(org.teacher), actor=org.vice, measure="pray", notes=[])
    assert set(caught.value.fields) == {"measure", "notes"}
    assert SelfDeclaration.objects.count() == 1 and SelfDeclaration.objects.get().status == "open"


# ---------------------------------------------------------------- the sweep


@pytest.mark.django_db
def test_a_missed_deadline_is_escalated_once_with_a_fresh_deadline(org):
    item = file(org.teacher)
    assert conflicts.sweep(now=DUE).marked == []  # on time until 23:59:59
    result = conflicts.sweep(now=SWEEP_AT)
    assert result.marked == [item.reference] and result.escalated == [item.reference]
    item = reload(item)
    assert item.handler_person == org.principal and item.level == 2
    assert item.due_at == FRESH_DUE and not item.overdue and item.status == "open"
    assert events(item) == ["filed", "routed", "overdue", "escalated_overdue"]
    assert Notice.objects.filter(person=org.principal, kind="conflict_assigned").exists()
    assert Notice.objects.filter(person=org.vice, kind="conflict_overdue").exists()
    assert Notice.objects.filter(person=org.school_team, kind="conflict_overdue").exists()
    # The past handler still sees it; a second sweep at the same instant changes nothing.
    assert access.get_self_declaration_for(org.vice, item.reference) == item
    before = (events(item), SelfDeclarationHandler.objects.count(), Notice.objects.count())
    assert conflicts.sweep(now=SWEEP_AT).marked == []
    assert (events(item), SelfDeclarationHandler.objects.count(), Notice.objects.count()) == before
    # The next missed deadline escalates again, once.
    conflicts.sweep(now=FRESH_DUE + dt.timedelta(seconds=1))
    assert reload(item).handler_person == org.kabid and reload(item).level == 3


@pytest.mark.django_db
def test_at_the_top_the_team_takes_it_and_then_it_stays_marked(org):
    item = file(org.kabid)
    assert reload(item).handler_person == org.kadis
    conflicts.sweep(now=reload(item).due_at + dt.timedelta(seconds=1))
    item = reload(item)
    assert item.handler_team == org.district and item.handler_person is None and item.level == 2
    # Any member of the team may decide (never the declarer).
    result = conflicts.sweep(now=item.due_at + dt.timedelta(seconds=1))
    assert result.marked == [item.reference] and result.escalated == []
    assert reload(item).overdue and reload(item).handler_team == org.district
    decided = conflicts.self_declaration_decide(
        item=item, actor=org.district_team, measure="recusal", notes=""
    )
    assert decided.status == "decided" and not decided.overdue


@pytest.mark.django_db
def test_a_decided_declaration_is_never_swept(org):
    item = file(org.teacher)
    conflicts.self_declaration_decide(item=item, actor=org.vice, measure="no_conflict", notes="")
    assert conflicts.sweep(now=SWEEP_AT + dt.timedelta(days=30)).marked == []


def run_sweeps_in_threads(threads: int, now: dt.datetime) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            outcome = conflicts.sweep(now=now)
            with lock:
                results.append(outcome)
        except BaseException as exc:
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [2, 4])
def test_concurrent_sweeps_escalate_each_declaration_exactly_once(caplog, threads):
    org = make_org()
    items = [file(org.teacher) for _ in range(12)]
    results, errors = run_sweeps_in_threads(threads, SWEEP_AT)
    assert errors == [] and len(results) == threads
    escalated = sorted(ref for outcome in results for ref in outcome.escalated)
    assert escalated == sorted(i.reference for i in items)
    for item in items:
        fresh = reload(item)
        assert fresh.level == 2 and fresh.handler_person == org.principal and fresh.due_at == FRESH_DUE
        assert events(item).count("escalated_overdue") == 1 and events(item).count("overdue") == 1
        assert SelfDeclarationHandler.objects.filter(declaration=item, person=org.principal).count() == 1
    assert Notice.objects.filter(person=org.principal, kind="conflict_assigned").count() == len(items)
    failures = [r for r in caplog.records if r.name.startswith("integritas") and r.levelno >= logging.ERROR]
    assert failures == []
