"""The statements of a report's transaction (``services.case_submit``; issue 13, intake at c16).

Nothing names a case before it exists, so its exclusions (recusals, screenings) and its milestones are
known without reading them; the holdings of the subject's position and of the position above it are
read in one query; the rows made after the case (history, handler, milestones, notices, mails,
tallies) are written together at the end, and the audit entries are chained last, right before the
commit. The rows themselves are those written one by one before (the rest of tests/cases, notify,
prevention and audit check them one by one).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from integritas.audit.chain import verify
from integritas.audit.models import AuditEntry, AuditHead
from integritas.cases.models import CaseHandler, CaseTally, Event, Status
from integritas.notify.models import Milestone, Notice, OutboxMessage, Role
from tests.factories import reload, submit

SUBMITTED = dt.datetime(2026, 8, 11, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def _reads(sql: list[str], table: str) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith("SELECT") and f'"{table}"' in s]


def test_a_routed_report_reads_its_exclusions_once_and_writes_its_rows_together(org):
    submit(org.school, None, now=SUBMITTED)  # the chain's head and key exist from the first entry on
    with CaptureQueriesContext(connection) as queries:
        case = submit(org.school, org.p_teacher, now=SUBMITTED).case
    sql = _statements(queries)

    # Nothing is read about who is excluded from or was told of the new case.
    for table in ("cases_recusal", "prevention_screening", "notify_milestone"):
        assert not _reads(sql, table), table
    # One read of the holdings: the subject's position and the one above it, with their people.
    (holdings,) = _reads(sql, "orgs_holding")
    assert '"orgs_person"' in holdings
    # One insert per table of what the report made after the case itself.
    for table in ("cases_event", "cases_casehandler", "notify_milestone", "notify_notice"):
        assert sum(1 for s in sql if table in s and ("INSERT" in s or "COPY" in s)) == 1, table
    # The audit head is locked by the last statements of the transaction: after the tallies.
    head = next(i for i, s in enumerate(sql) if "audit_audithead" in s and "SELECT" in s)
    tallies = next(i for i, s in enumerate(sql) if "cases_casetally" in s)
    assert tallies < head
    after = [s for s in sql[head + 1 :] if "SAVEPOINT" not in s and s.strip() != "COMMIT"]
    assert len(after) == 2 and "audit_auditentry" in after[0] and "audit_audithead" in after[1], after

    # The rows.
    case = reload(case)
    assert case.status == Status.EXAMINATION and case.handler_person == org.vice and case.level == 1
    assert list(Event.objects.filter(case=case).order_by("id").values_list("kind", flat=True)) == [
        "submitted",
        "routed",
    ]
    (handler,) = CaseHandler.objects.filter(case=case)
    assert (handler.person, handler.position, handler.level) == (org.vice, org.p_vice, 1)
    assert set(Milestone.objects.filter(case=case).values_list("key", flat=True)) == {
        f"entered:{org.school.pk}",
        "reporter_ack",
    }
    told = set(Notice.objects.filter(case=case).values_list("person_id", "kind"))
    assert (org.vice.pk, "assigned") in told
    assert (org.school_team.pk, "team_entered") in told
    mails = OutboxMessage.objects.filter(case=case)
    assert mails.filter(recipient_role=Role.REPORTER, kind="reporter_ack").count() == 1
    assert mails.filter(recipient=org.vice, kind="assigned").count() == 1
    assert CaseTally.objects.filter(unit=org.school, key=f"u:{org.school.pk}").exists()
    assert list(
        AuditEntry.objects.filter(case_reference=case.reference)
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["case.submitted", "case.routed"]
    assert AuditHead.objects.get().seq == AuditEntry.objects.count()
    assert verify(anchor_file=False)[0]


def test_a_report_without_a_position_goes_to_triage_with_its_rows(org):
    with CaptureQueriesContext(connection) as queries:
        case = submit(org.school, None, now=SUBMITTED).case
    sql = _statements(queries)
    for table in ("cases_recusal", "prevention_screening", "notify_milestone", "orgs_holding"):
        assert not _reads(sql, table), table

    case = reload(case)
    assert case.status == Status.TRIAGE and case.handler_team == org.school
    assert list(Event.objects.filter(case=case).order_by("id").values_list("kind", flat=True)) == [
        "submitted",
        "triage",
    ]
    assert set(Milestone.objects.filter(case=case).values_list("key", flat=True)) == {
        f"entered:{org.school.pk}",
        "reporter_ack",
    }
    assert Notice.objects.filter(case=case, person=org.school_team, kind="assigned").exists()
    assert verify(anchor_file=False)[0]


def test_reports_one_after_another_extend_one_chain(org):
    first = submit(org.school, org.p_teacher, now=SUBMITTED).case
    second = submit(org.school, None, now=SUBMITTED).case
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.case_reference for e in entries[-4:]] == [first.reference] * 2 + [second.reference] * 2
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert verify(anchor_file=False)[0]


def test_the_anchors_of_a_unit_follow_its_path_as_read_not_as_last_seen(org):
    from integritas.cases import tallies

    tallies._seen_paths[org.school.pk] = f"/{org.school.pk}/"  # a wrong guess: as if moved since
    anchors = tallies._anchors([org.school.pk])[org.school.pk]
    assert [a for a, _zone in anchors] == org.school.ancestor_ids()
    with CaptureQueriesContext(connection) as queries:  # the path now seen is right: one query
        again = tallies._anchors([org.school.pk])[org.school.pk]
    assert len(queries.captured_queries) == 1
    assert again == anchors
