"""What waits for me ("Kasus saya" on the pages, ``GET /cases?mine=true`` in the API): one selector.

- the examinations and reviews I hold as the holder of a position (a timed stage);
- for a member of a COI handling team: the triage given to the team (and not withdrawn from), and the
  follow-up of the cases the team is responsible for: the cases of its own unit and of the units
  below it that have no team of their own (the nearest team at or above the case's unit supervises
  the follow-up, SOP B.6; the same team that is told by e-mail when the follow-up starts).

A reviewer whose case moved on to follow-up has nothing left to do on it: it leaves their queue
(they still find it under all cases). A team above a unit that has its own team oversees its cases
without handling them: they stay out of its queue too.

``unread_marked`` adds to each case whether the reporter wrote after this person last opened it.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith

from integritas.cases import access
from integritas.cases.models import (
    TIMED_STATUSES,
    Case,
    CaseQuerySet,
    CaseRead,
    Message,
    Sender,
    Status,
)
from integritas.orgs.models import Person, TeamMembership


def _responsible_team_q(person: Person) -> Q | None:
    """Cases whose nearest team at or above their unit is one of this person's teams."""
    teams = [(pk, path) for pk, path, _ in access.team_tree(person)]
    if not teams:
        return None
    found = Q(pk__in=[])
    for pk, path in teams:
        # A team between mine and the case's unit (or at the case's unit) is the responsible one.
        closer = (
            TeamMembership.objects.filter(person__is_active=True, unit__path__startswith=path)
            .exclude(unit_id=pk)
            .filter(StartsWith(OuterRef("unit__path"), F("unit__path")))
        )
        found |= Q(unit__path__startswith=path) & Q(~Exists(closer))
    return found


def cases_waiting_for(person: Person) -> CaseQuerySet:
    """The open cases waiting for an action of ``person`` (always a subset of what they may see)."""
    # The visibility first: the query that reads it also brings the person's team units.
    visible = access.cases_visible_to(person, probe_handled=True)
    condition = Q(handler_person=person, status__in=TIMED_STATUSES)
    team_ids = access.team_unit_ids(person)
    if team_ids:
        # (Whoever withdrew no longer sees the case at all: cases_visible_to leaves it out.)
        condition |= Q(handler_team_id__in=team_ids, handler_person__isnull=True, status__in=TIMED_STATUSES)
        responsible = _responsible_team_q(person)
        if responsible is not None:
            condition |= Q(status=Status.FOLLOW_UP) & responsible
    # The queue's own condition picks the rows by index (case_handler_open for a holder); the
    # visibility then only has to be checked on those rows.
    return visible.filter(condition)


def unread_marked(qs: CaseQuerySet, person: Person) -> CaseQuerySet:
    """Each case with ``unread``: a message from the reporter came after ``person`` last opened it."""
    seen = CaseRead.objects.filter(case=OuterRef(OuterRef("pk")), person=person, at__gte=OuterRef("at"))
    newer = Message.objects.filter(case=OuterRef("pk"), sender=Sender.REPORTER).exclude(Exists(seen))
    return qs.annotate(unread=Exists(newer))


def case_read(*, case: Case, person: Person, now: dt.datetime) -> None:
    """``person`` has opened the case's content at ``now`` (what the reporter wrote so far is read)."""
    if CaseRead.objects.filter(case=case, person=person).update(at=now):
        return
    try:
        with transaction.atomic():
            CaseRead.objects.create(case=case, person=person, at=now)
    except IntegrityError:  # the same person opened it at the same moment in another request
        CaseRead.objects.filter(case=case, person=person).update(at=now)
