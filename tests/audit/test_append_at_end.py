"""Entries queued in a transaction are chained in one step at its end (``appended_at_end``): intake
holds the audit head's lock only for that step and the commit, and the chain stays whole."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from integritas.audit.chain import appended_at_end, record, verify
from integritas.audit.models import AuditEntry, AuditHead
from integritas.cases import routing
from tests.concurrency import at_once
from tests.factories import submit


def intact(count: int) -> None:
    ok, message = verify()
    assert ok, message
    assert message.startswith(f"audit chain intact: {count} entries"), message


@pytest.mark.django_db
def test_queued_entries_are_written_in_order_when_the_block_ends():
    record("test.before")
    with transaction.atomic(), appended_at_end():
        first = record("test.one", data={"n": 1})
        second = record("test.two", data={"n": 2})
        assert first.seq is None and second.seq is None  # queued: the head was not touched
        assert AuditEntry.objects.count() == 1
        assert AuditHead.objects.get().seq == 1
    assert (first.seq, second.seq) == (2, 3)
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "test.before",
        "test.one",
        "test.two",
    ]
    assert AuditEntry.objects.get(seq=3).prev_hash == AuditEntry.objects.get(seq=2).hash
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (3, second.hash)
    intact(3)


@pytest.mark.django_db
def test_an_entry_of_a_savepoint_rolled_back_is_dropped_with_it():
    with transaction.atomic(), appended_at_end():
        record("test.kept")
        try:
            with transaction.atomic():
                record("test.undone")
                raise ValueError("the change inside the savepoint fails")
        except ValueError:
            pass
        record("test.kept_too")
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "test.kept",
        "test.kept_too",
    ]
    intact(2)


@pytest.mark.django_db
def test_nothing_is_written_when_the_transaction_fails():
    record("test.before")
    with pytest.raises(RuntimeError), transaction.atomic(), appended_at_end():
        record("test.lost")
        raise RuntimeError("the change fails")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["test.before"]
    assert AuditHead.objects.get().seq == 1
    intact(1)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_and_nested_it_changes_nothing():
    with appended_at_end():  # no transaction: each entry is written at once
        assert record("test.direct").seq == 1
    with transaction.atomic(), appended_at_end():
        with appended_at_end():  # the outer block appends
            inner = record("test.inner")
        assert inner.seq is None
    assert inner.seq == 2
    intact(2)


@pytest.mark.django_db
def test_a_report_records_its_entries_in_one_step(org):
    sub = submit(org.school, org.p_teacher)
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["case.submitted", "case.routed"]
    assert set(AuditEntry.objects.values_list("case_reference", flat=True)) == {sub.case.reference}
    intact(2)


# ------------------------------------------------------------------------------- PostgreSQL, concurrent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reports_filed_at_once_all_land_in_one_whole_chain():
    """Twenty-four reports from eight threads at once: every one filed, two entries each, none lost,
    and the chain verifies."""
    from tests.factories import make_org

    org = make_org()
    before = AuditEntry.objects.count()
    refs: list[str] = []

    def file_reports() -> None:
        for _ in range(3):
            refs.append(submit(org.school, org.p_teacher).case.reference)

    errors = at_once(8, file_reports, timeout=300)
    assert connection.vendor == "postgresql"
    assert errors == []
    assert len(set(refs)) == 24
    for ref in refs:
        assert list(
            AuditEntry.objects.filter(case_reference=ref).order_by("seq").values_list("action", flat=True)
        ) == ["case.submitted", "case.routed"]
    assert AuditEntry.objects.count() == before + 48
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    intact(len(seqs))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_being_routed_does_not_hold_the_audit_head(monkeypatch):
    """While one report is in the middle of its routing (its "submitted" entry already recorded), a
    sign-in or any other entry is appended at once instead of waiting for that report to commit."""
    from tests.factories import make_org

    org = make_org()
    routing_started, may_finish = threading.Event(), threading.Event()
    real_first_handler = routing.first_handler

    def slow_first_handler(*args, **kwargs):
        routing_started.set()
        assert may_finish.wait(timeout=60)
        return real_first_handler(*args, **kwargs)

    monkeypatch.setattr(routing, "first_handler", slow_first_handler)
    errors: list[BaseException] = []
    filed: list[str] = []

    def file_report() -> None:
        try:
            filed.append(submit(org.school, org.p_teacher).case.reference)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    reporter = threading.Thread(target=file_report)
    reporter.start()
    try:
        assert routing_started.wait(timeout=60)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")  # waiting on the head fails, not hangs
            entry = record("auth.signed_in", actor="someone")
        assert entry.seq == 1  # written first, while the report was still open
    finally:
        may_finish.set()
        reporter.join(timeout=120)
    assert errors == [] and len(filed) == 1
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["auth.signed_in", "case.submitted", "case.routed"]
    intact(3)
