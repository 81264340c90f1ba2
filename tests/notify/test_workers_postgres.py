"""Several workers draining one outbox on PostgreSQL, in threads with their own connections: every
message arrives exactly once; reminders are queued once however many workers look at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from integritas.notify import outbox
from integritas.notify.models import Milestone, OutboxMessage, State
from integritas.notify.reminders import send_reminders
from tests.factories import make_org, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WIB = ZoneInfo("Asia/Jakarta")
WORKERS = 4


def run_in_threads(target, count: int = WORKERS) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body() -> None:
        try:
            start.wait()
            target()
        except BaseException as exc:  # noqa: BLE001 (reported to the test)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_two_workers_draining_one_outbox_send_each_message_once(smtp, monkeypatch):
    org = make_org()
    for _ in range(10):
        submit(org.school, org.p_teacher)  # 30 rows, 10 of them sealed for the reporter
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind="assigned",
            recipient_role="handler",
            to_address=f"staff{i}@example.org",
            subject=f"Pesan {i}",
            body_text=f"Isi {i}\n",
            next_attempt_at=now,
            created_at=now,
        )
        for i in range(120)
    )
    total = OutboxMessage.objects.count()
    assert total == 150
    monkeypatch.setattr(outbox, "BATCH", 5)  # small claims: the workers interleave
    smtp.handler.delay = 0.002
    sent_by_worker: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = 0
        while OutboxMessage.objects.filter(state__in=[State.QUEUED, State.SENDING]).exists():
            mine += outbox.deliver().sent
        with lock:
            sent_by_worker.append(mine)

    assert run_in_threads(worker) == []
    received = smtp.received
    assert len(received) == total
    assert max(Counter(r.message_id for r in received).values()) == 1
    assert sum(sent_by_worker) == total
    assert sum(1 for n in sent_by_worker if n) >= 2, sent_by_worker  # they really shared the work
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}
    assert len(smtp.to("siti@example.net")) == 10


def test_concurrent_reminder_runs_queue_each_reminder_once(smtp):
    org = make_org()
    submitted = dt.datetime(2026, 8, 11, 10, 0, tzinfo=WIB)
    refs = {submit(org.school, org.p_teacher, now=submitted).case.reference for _ in range(8)}
    day_before = dt.datetime(2026, 8, 13, 7, 30, tzinfo=WIB)  # due Friday 14
    results: list[list[str]] = []
    lock = threading.Lock()

    def worker() -> None:
        result = send_reminders(day_before)
        with lock:
            results.append(result.before)

    assert run_in_threads(worker) == []
    assert sorted(ref for r in results for ref in r) == sorted(refs)
    assert OutboxMessage.objects.filter(kind="deadline_soon").count() == len(refs)
    assert Milestone.objects.filter(key__startswith="deadline_soon:").count() == len(refs)
