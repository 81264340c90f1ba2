"""The batch writer's own ways of making and writing rows (``integritas.batching``, used by the sweep)
give what the ORM gives: ``made`` the instance ``Model(**values)`` makes, ``update_each`` what
``bulk_update`` writes, the COPY paths what ``bulk_create`` writes (ids drawn from the sequence, in
the order the rows were made). ``tests/cases/test_sweep_batches.py`` compares a whole sweep with the
one-case step row by row; these are the pieces on their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from integritas import batching
from integritas.audit.models import AuditEntry
from integritas.cases.models import ActorRole, Case, Event, EventKind, StageStep, Status
from integritas.notify.render import speaking, stage_label
from tests.factories import make_org, reload, submit

AT = dt.datetime(2026, 8, 11, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _held(row: Any) -> tuple[Any, ...]:
    """Everything an instance holds: its attributes, its state and the related objects it keeps."""
    attributes = {k: v for k, v in row.__dict__.items() if k != "_state"}
    return attributes, row._state.db, row._state.adding, dict(row._state.fields_cache)


def _event_values(case: Case, org: Any) -> list[dict[str, Any]]:
    return [
        {
            "case": case,
            "at": AT,
            "kind": EventKind.ESCALATED_OVERDUE,
            "actor": None,
            "actor_role": ActorRole.SYSTEM,
            "actor_position": None,
            "actor_team": org.school,
            "from_status": Status.EXAMINATION,
            "to_status": Status.EXAMINATION,
            "to_position": org.p_principal,
            "to_team": None,
            "follow_up": None,
            "note": "",
            "data": {"outcome": "x"},
            "stage": "examination",
            "stage_started_at": AT - dt.timedelta(days=3),
            "stage_due_at": AT,
        },  # fmt: skip
        # By id, and every field left out taking its default.
        {
            "case_id": case.pk,
            "at": AT,
            "kind": "overdue",
            "actor_role": "system",
            "actor_id": org.principal.pk,
        },
        {"case": case, "at": AT, "kind": "overdue", "actor": org.principal, "actor_role": "position"},
    ]


@pytest.mark.django_db
def test_made_holds_what_the_model_makes():
    org = make_org()
    case = reload(submit(org.school, org.p_vice).case)
    for values in _event_values(case, org):
        assert _held(batching.made(Event, **values)) == _held(Event(**values))
    entry = {"at": AT, "action": "case.overdue", "actor": "system", "case_reference": "BK-1", "unit_code": "U",
             "data": {"a": [1, "b"]}}  # fmt: skip
    assert _held(batching.made(AuditEntry, **entry)) == _held(AuditEntry(**entry))
    with pytest.raises(TypeError):  # a name the model does not have: the model's own refusal
        batching.made(Event, nonsense=1)
    with pytest.raises(ValueError):  # a related object of the wrong kind: the descriptor's refusal
        batching.made(Event, case=org.school, at=AT, kind="overdue", actor_role="system")


@pytest.mark.django_db
def test_update_each_writes_what_saving_each_row_writes():
    org = make_org()
    cases = [submit(org.school, org.p_vice).case for _ in range(3)]
    names = ("overdue", "level", "handler_person", "handler_team", "due_at", "reminded")

    def changed() -> list[Case]:
        rows = [reload(c) for c in cases]
        rows[0].handler_person, rows[0].handler_team, rows[0].overdue, rows[0].due_at = (
            None,
            org.school,
            True,
            None,
        )
        rows[1].level, rows[1].reminded = 7, 2
        again = reload(cases[1])  # the same row given twice: saved one after the other, the last counts
        again.level = 9
        return [rows[0], rows[1], again]

    def state() -> list[tuple[Any, ...]]:
        return list(
            Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk").values_list("pk", *names)
        )

    before = state()
    for row in changed():
        row.save(update_fields=names)
    expected = state()
    for case, values in zip(cases, before, strict=True):  # back to where it was
        Case.objects.filter(pk=case.pk).update(**dict(zip(names, values[1:], strict=True)))
    assert state() == before != expected
    batching.update_each(Case, changed(), names)
    assert state() == expected
    assert expected[1][2] == 9 and expected[0][3] is None
    rows = [reload(c) for c in cases]
    for row in rows:  # a column of NULLs only
        row.due_at = row.handler_person = None
    batching.update_each(Case, rows, names)
    assert {(row[3], row[5]) for row in state()} == {(None, None)}


def _steps_and_events(made_events: list[Event]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ids = [e.pk for e in made_events]
    places = {pk: n for n, pk in enumerate(ids)}
    events = [
        {k: v for k, v in row.items() if k != "id"}
        for row in Event.objects.filter(pk__in=ids).order_by("pk").values()
    ]
    steps = [
        {**{k: v for k, v in row.items() if k != "id"}, "event_id": places[row["event_id"]]}
        for row in StageStep.objects.filter(event_id__in=ids).order_by("pk").values()
    ]
    return events, steps


@pytest.mark.django_db
def test_the_batch_writer_writes_what_the_orm_writes():
    """History rows with ids (COPY with ids from the sequence on PostgreSQL, ``bulk_create`` elsewhere)
    and the stage steps that refer to them by object (``Values``, written after them)."""
    org = make_org()
    case = reload(submit(org.school, org.p_vice).case)

    def rows() -> tuple[list[Event], list[batching.Values]]:
        events = [batching.made(Event, **values) for values in _event_values(case, org)]
        steps = [
            batching.Values(StageStep, event=e, case_id=case.pk, unit_id=case.unit_id, case_created_at=case.created_at,
                            stage="review", kind=e.kind, at=e.at, started_at=None, due_at=AT, elapsed_us=None)
            for e in events
        ]  # fmt: skip
        return events, steps

    events, steps = rows()
    Event.objects.bulk_create(events)
    StageStep.objects.bulk_create([s.instance() for s in steps])
    by_orm = _steps_and_events(events)

    events, steps = rows()
    pending = batching.Pending(rows=[*steps[:1], *events, *steps[1:]])  # a step before its row is made
    batching.write(pending)
    assert [e.pk for e in events] == sorted(e.pk for e in events) and not events[0]._state.adding
    assert _steps_and_events(events) == by_orm


@pytest.mark.django_db
def test_speaking_is_the_language_switch():
    with translation.override("en"):
        english = stage_label(Status.EXAMINATION)
    with translation.override("id"):
        indonesian = stage_label(Status.EXAMINATION)
    assert english != indonesian
    for active in (None, "id", "en"):
        with translation.override(active):
            for language, words in (("id", indonesian), ("en", english)):
                with speaking(language):
                    assert stage_label(Status.EXAMINATION) == words
                    assert translation.get_language() == language
            assert translation.get_language() == active


@pytest.mark.django_db
def test_quick_loaded_rows_hold_what_django_loads(monkeypatch):
    """``QuickLoad`` (people, units, positions, holdings, team members, cases read with every field)
    makes the instances ``Model.from_db`` makes, related rows read along included."""
    from integritas import quickload
    from integritas.orgs.models import Holding, Person, Position, TeamMembership, Unit

    org = make_org()
    submit(org.school, org.p_vice)
    submit(org.district, None)
    queries = [
        lambda: Unit.objects.order_by("pk"),
        lambda: Person.objects.order_by("pk"),
        lambda: Position.objects.select_related("unit", "reports_to").order_by("pk"),
        lambda: Holding.objects.select_related("person", "position").order_by("pk"),
        lambda: TeamMembership.objects.select_related("person", "unit").order_by("pk"),
        lambda: Case.objects.with_handler().order_by("pk"),
        lambda: Person.objects.only("username").order_by("pk"),  # deferred: Django's own way
    ]

    def held(rows: list[Any]) -> list[Any]:
        return [
            (_held(row), [_held(r) for r in row._state.fields_cache.values() if r is not None])
            for row in rows
        ]

    quick = [held(list(query())) for query in queries]
    assert all(quick)
    monkeypatch.setattr(quickload, "_plan", lambda model: None)
    monkeypatch.setattr(quickload, "_PLANS", {})
    assert [held(list(query())) for query in queries] == quick
