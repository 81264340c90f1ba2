"""The in-process scheduler of `integritas serve` (and the loop of `integritas worker`): the deadline
sweep, the audit anchor e-mail, reminders and the outbox on a timer."""

from __future__ import annotations

import logging
import threading
from typing import cast

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


def run_jobs_once() -> None:
    """The deadline sweep, then reminders and outbox delivery (so the sweep's notices go out at once).
    Each job runs even when the one before it failed."""
    from integritas.cases.sweep import sweep
    from integritas.notify.jobs import run_notifications

    try:
        result = sweep()
        if result.marked or result.escalated:
            log.info("sweep: %d overdue, %d escalated", len(result.marked), len(result.escalated))
    except Exception:
        log.exception("deadline sweep failed; retrying at the next tick")
    try:  # prevention (issue 9): self-declaration sweep, gratification notices, yearly reminders
        from integritas.prevention.jobs import run_prevention_jobs

        run_prevention_jobs()
    except Exception:
        log.exception("prevention jobs failed; retrying at the next tick")
    try:
        from integritas.audit.anchor import mail_anchor_if_due

        mail_anchor_if_due()  # queued before delivery: it goes out in this run
    except Exception:
        log.exception("audit anchor e-mail failed; retrying at the next tick")
    try:
        run_notifications()
    except Exception:
        log.exception("reminders or outbox delivery failed; retrying at the next tick")
    try:
        from integritas.web.sessions import purge_expired

        purge_expired()  # expired sessions and used report-form tokens (no bearer secret lingers)
    except Exception:
        log.exception("session clean-up failed; retrying at the next tick")
    try:
        from integritas.vault.gc import remove_orphans_if_due

        remove_orphans_if_due()
    except Exception:
        log.exception("orphan file clean-up failed; retrying at the next tick")


class Scheduler(threading.Thread):
    def __init__(self, interval: float | None = None):
        super().__init__(name="integritas-scheduler", daemon=True)
        self.interval = interval or cast(float, settings.INTEGRITAS["SCHEDULER_INTERVAL"])
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                run_jobs_once()
            except Exception:
                log.exception("scheduled jobs failed; retrying at the next tick")
            finally:
                close_old_connections()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
