"""The deadline sweep: overdue cases are marked and (policy ``auto_escalate``) moved one level up.

Safe to run twice at the same instant (an escalated case has a fresh deadline; a marked one is
skipped) and from several processes at once: each batch of cases is claimed under row locks that
other sweeps skip, and re-checked when the locks are taken (``Case.objects.claim_overdue_batch``).

A batch is one transaction: what routing needs about its cases is read in a few queries
(``routing.Reads``), each case takes the step of ``services.deadline_missed`` (one broken case does
not stop the others: what it changed is dropped), and the changes and rows the steps made (the cases,
history, handlers, screenings, milestones, notices, mails, audit entries) are written together at the
end (``batching``): one update, one insert per table, the audit chain's head locked once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone, translation

from integritas import batching
from integritas.cases import routing, services
from integritas.cases.models import Case
from integritas.notify.events import read_milestones
from integritas.orgs.calendar import calendars_for
from integritas.prevention import screening

BATCH = 500


@dataclass
class SweepResult:
    marked: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def sweep(now: dt.datetime | None = None, *, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    last_pk = 0
    while True:
        with transaction.atomic():
            cases = Case.objects.claim_overdue_batch(now, after=last_pk, limit=batch)
            if not cases:
                return result  # nothing (else) overdue, or only cases another sweep holds
            last_pk = cases[-1].pk  # a case that failed is left for the next sweep
            _sweep_batch(cases, now, result)


def _in_language_in_use() -> contextlib.AbstractContextManager[None]:
    """The language in use, made active for the batch: the same translations as before, but each of
    the thousands of lookups of a batch finds it at once (with nothing active, each lookup of the
    active language fails before falling back to the default one, an exception each time)."""
    language = translation.get_language()
    return translation.override(language) if language is not None else contextlib.nullcontext()


def _sweep_batch(cases: list[Case], now: dt.datetime, result: SweepResult) -> None:
    with (
        _in_language_in_use(),
        routing.reading(cases) as reads,
        batching.gathering(services.ESCALATION_FIELDS) as pending,
    ):
        _read_more(cases, reads, now)
        for case in cases:
            # A step writes nothing itself: what it changes and makes is kept in ``pending``.
            forget = partial(routing.forget_exclusions, case, undone=True)
            with pending.step("sweep", case.reference, undone=forget):
                missed = services.deadline_missed(case, now=now)
                result.marked.append(missed.reference)
                if missed.escalated:
                    result.escalated.append(missed.reference)
        batching.write(pending)


def _read_more(cases: list[Case], reads: routing.Reads, now: dt.datetime) -> None:
    """The rest a batch reads once: milestones, calendars, the declarations of whom routing may choose."""
    read_milestones(cases)
    years = {now.astimezone(c.unit.tz).year for c in cases}
    units = {c.unit.pk: c.unit for c in cases}
    reads.extra["calendars"] = calendars_for(units.values(), [*years, *(y + 1 for y in years)])
    people: set[int] = set()
    for case in cases:
        above = routing.next_up(case, now.astimezone(case.unit.tz).date())
        if above is not None:
            excluded = routing.excluded_people(case, now.astimezone(case.unit.tz).date())
            people.update(screening.candidates(above, excluded))
    screening.declared_parties(people)
