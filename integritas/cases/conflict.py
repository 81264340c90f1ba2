"""The "no conflict of interest" statement (SPEC §3): whoever sees a case's content — a handler, a
member of an overseeing team — first states once that they have no conflict with it.

Every handler action and every read of the content goes through :func:`require`. The pages ask the
question first (``via`` web: an unconfirmed person is refused with ``confirm_no_conflict``); the API
has no such step in its contract, so there the first read or action records the statement, marked
as made through the API, in the same transaction (and it is audited like any history entry).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from integritas.cases.history import actor_of, record_event
from integritas.cases.models import Case, EventKind, NoConflictConfirmation, Via
from integritas.errors import WrongState
from integritas.orgs.models import Person


def pending(person: Person, case: Case) -> bool:
    """True until ``person`` has stated having no conflict with ``case``."""
    return not NoConflictConfirmation.objects.filter(case=case, person=person).exists()


def confirm(*, case: Case, actor: Person, via: Via, now: dt.datetime) -> bool:
    """Record the statement (once); True when it was recorded now. Runs in the caller's transaction."""
    if not pending(actor, case):
        return False
    try:
        with transaction.atomic():
            NoConflictConfirmation.objects.create(case=case, person=actor, at=now, via=via)
    except IntegrityError:  # the same person, at the same moment, from another request
        return False
    record_event(
        case,
        EventKind.NO_CONFLICT_CONFIRMED,
        at=now,
        actor=actor_of(actor, case),
        data={"via": str(via)},
    )
    return True


def require(case: Case, person: Person, *, via: Via, now: dt.datetime) -> None:
    """The guard before content or an action: through the API the statement is recorded now; on the
    pages it must have been made already (the page asks first)."""
    if not pending(person, case):
        return
    if via == Via.API:
        confirm(case=case, actor=person, via=via, now=now)
        return
    raise WrongState("confirm_no_conflict")
