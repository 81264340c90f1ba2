"""The tables every report and escalation writes keep only the indexes their reads use (issue 13):
the outbox, the audit trail, the history, the handler rows, the notices and the milestones. Each read that remains
is still served by an index (the plan is asked for as on a large table: no sequential scan), and
what an index enforced (one message id per mail) still holds."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integritas.audit import selectors as audit_selectors
from integritas.cases import timeline
from integritas.notify import outbox
from integritas.notify.models import OutboxMessage, State
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db

# What each table keeps: the reads are those of the code named beside each.
KEPT = {
    "notify_outboxmessage": {
        "notify_outboxmessage_pkey",
        "notify_outboxmessage_case_id_b3e01c41",
        "notify_outboxmessage_recipient_id_01c63ffe",
        "outbox_due",  # the claim (queued and due, or sending with its lease run out), the claimed
        # rows (sending, by token), the administrators' counts and lists by state
        "outbox_message_id_unique",
    },
    "audit_auditentry": {
        "audit_auditentry_pkey",
        "audit_auditentry_seq_key",
        "audit_case_reference",
        "audit_action",
    },
    "cases_event": {"cases_event_pkey", "event_case_at"},
    "cases_casehandler": {
        "cases_casehandler_pkey",
        "cases_casehandler_case_id_d4f057ea",
        "handler_person_case",
    },
    "notify_notice": {"notify_notice_pkey", "notify_notice_case_id_f4c2a69f", "notice_inbox"},
    "notify_milestone": {"notify_milestone_pkey", "unique_case_milestone"},
}


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, c in constraints.items() if c["index"] or c["unique"] or c["primary_key"]}


def _plan(sql: str, params: tuple | list | None = None, off: tuple[str, ...] = ("seqscan",)) -> str:
    """The plan PostgreSQL would choose on a large table (sequential scans off, and ``off``)."""
    with connection.cursor() as cursor:
        for scan in off:
            cursor.execute(f"SET enable_{scan} = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for scan in off:
                cursor.execute(f"RESET enable_{scan}")


@pytest.mark.postgres
def test_the_written_tables_keep_only_the_indexes_their_reads_use(org):
    for table, kept in KEPT.items():
        assert _indexes(table) == kept, table


@pytest.mark.postgres
def test_the_outbox_claim_and_its_rows_are_read_by_index(org):
    """The claim reads the rows whose lease ran out, then the queued ones that are due, each in the
    index's order, stopping at the batch (no sort of every due row); the claimed rows by state."""
    submit(org.school, org.p_teacher)
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        token, rows = outbox.claim(now)
    assert rows
    candidates = [q["sql"] for q in queries if "FOR UPDATE SKIP LOCKED" in q["sql"]]
    assert len(candidates) == 2 and "'sending'" in candidates[0] and "'queued'" in candidates[1]
    for sql in candidates:
        plan = _plan(sql, off=("seqscan", "bitmapscan", "sort"))  # a full sort only if unavoidable
        assert "Index Scan using outbox_due" in plan, plan
        sorts = [
            line.strip() for line in plan.splitlines() if line.strip().startswith("->") and "Sort" in line
        ]
        assert all("Incremental Sort" in line for line in sorts), plan  # ordered by the index
    claimed = OutboxMessage.objects.filter(claim_token=token, state=State.SENDING).order_by("next_attempt_at")
    sql, params = claimed.query.sql_with_params()
    assert "outbox_due" in _plan(sql, params)


def test_a_message_id_is_still_unique(org):
    submit(org.school, org.p_teacher)
    first = OutboxMessage.objects.order_by("pk").first()
    assert first is not None
    second = OutboxMessage.objects.exclude(pk=first.pk).order_by("pk").first()
    assert second is not None
    second.message_id = first.message_id
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save(update_fields=["message_id"])


@pytest.mark.postgres
def test_the_trails_and_the_history_are_read_by_index(org):
    case = reload(submit(org.school, org.p_teacher).case)
    trail = audit_selectors.case_entries(org.school_team, case)
    sql, params = trail.query.sql_with_params()
    assert "audit_case_reference" in _plan(sql, params)
    admin = audit_selectors.admin_entries(org.admin)
    sql, params = admin.query.sql_with_params()
    # Not the walk down ``seq`` (its choice on an empty table): the prefixes are found by index.
    assert "audit_action" in _plan(sql, params, off=("seqscan", "indexscan"))
    sql, params = timeline.events_for_staff(case).query.sql_with_params()
    assert "event_case_at" in _plan(sql, params)
