"""Gratification reports (UU 20/2001 art. 12C; PerKPK 2/2019 on reporting gratification, as amended by
PerKPK 1/2026): a member of staff reports a gift, accepted or refused, with the fields of the KPK's
form (giver and relation, occasion, description, estimated value in rupiah, date received, evidence).

- ``due_at``: the end of the 30th working day after receipt (policy ``gratification_days``) on the
  recipient's unit calendar, by the counting rule of SPEC §5: the legal limit to reach the KPK.
- ``reportable``: false only when the value is within the threshold in force on the day received for
  that occasion (``GratificationThreshold``, dated data with its legal source; for gifts between
  colleagues also the yearly total from the same giver, matched by name).
- The team of the recipient's unit or above records the outcome; the recipient cannot settle their own.

    gratification_report   file a report (with evidence files, through the vault)
    gratification_settle   the team records the outcome (409 once settled)
    threshold_for          the threshold row in force for an occasion on a day
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.cases.evidence import CheckedFile
from integritas.errors import Forbidden, WrongState
from integritas.orgs.calendar import deadline
from integritas.orgs.models import Person
from integritas.prevention import access, names, notices, sealing
from integritas.prevention.common import audit, holdings_today, local_today, next_reference
from integritas.prevention.inputs import MAX_IDR, MAX_NAME, Check
from integritas.prevention.models import (
    Gratification,
    GratificationEvidence,
    GratificationOutcome,
    GratificationStatus,
    GratificationThreshold,
    Occasion,
)
from integritas.vault import storage

MAX_DESCRIPTION = 10000
MAX_RELATION = 200
FILE_PURPOSE = "prevention:gratification:evidence"


def threshold_for(occasion: str, day: dt.date) -> GratificationThreshold | None:
    """The row in force on ``day``: the latest whose ``valid_from`` is not after it."""
    best: GratificationThreshold | None = None
    for row in GratificationThreshold.objects.filter(occasion=occasion):
        start = row.valid_from or dt.date.min
        if start <= day and (best is None or start > (best.valid_from or dt.date.min)):
            best = row
    return best


def _same_giver_total(recipient: Person, giver: str, day: dt.date, occasion: str) -> int:
    """What the recipient already reported from the same giver (by name) in the same year."""
    total = 0
    earlier = Gratification.objects.filter(
        recipient=recipient, occasion=occasion, received_on__year=day.year, rejected=False
    )
    wanted = names.tokens(giver)
    for row in earlier:
        content = sealing.unseal(row, "content", row.sealed) or {}
        if names.same_tokens(names.tokens(str((content.get("giver") or {}).get("name") or "")), wanted):
            total += int(row.value_idr)
    return total


def is_reportable(
    *, occasion: str, value_idr: int, day: dt.date, cash: bool = False, earlier_from_giver: int = 0
) -> tuple[bool, GratificationThreshold | None]:
    row = threshold_for(occasion, day)
    if row is None:
        return True, None
    if row.non_cash_only and cash:
        return True, row
    if value_idr > row.max_value_idr:
        return True, row
    if row.yearly_max_idr is not None and earlier_from_giver + value_idr > row.yearly_max_idr:
        return True, row
    return False, row


@dataclass(frozen=True)
class GratificationInput:
    received_on: dt.date
    giver_name: str
    giver_relation: str
    occasion: str
    description: str
    value_idr: int
    rejected: bool
    cash: bool


def validate(data: Any, *, today: dt.date) -> GratificationInput:
    check = Check()
    body = check.body(data)
    received_on = check.date(body, "received_on", not_after=today)
    giver: Any = body.get("giver")
    giver_name = giver_relation = ""
    if giver is None:
        check.fail("giver", "required")
    else:
        giver = check.obj(giver, "giver")
    if check.ok("giver"):
        giver_name = check.text(giver, "name", field="giver.name", limit=MAX_NAME)
        giver_relation = check.text(
            giver, "relation", field="giver.relation", required=False, limit=MAX_RELATION
        )
    occasion = check.choice(body, "occasion", Occasion.values)
    description = check.text(body, "description", limit=MAX_DESCRIPTION)
    value = check.integer(body, "value_idr", minimum=0, maximum=MAX_IDR)
    rejected = check.boolean(body, "rejected", default=False)
    cash = check.boolean(body, "cash", default=False)
    check.done()
    assert received_on is not None and value is not None
    return GratificationInput(
        received_on, giver_name, giver_relation, occasion, description, value, rejected, cash
    )


def _store(row: Gratification, files: list[CheckedFile], at: dt.datetime) -> list[str]:
    written: list[str] = []
    key = sealing.key_of(row)
    for item in files:
        stored = storage.store(key, item.chunks(), FILE_PURPOSE)
        written.append(stored.name)
        evidence = GratificationEvidence(
            gratification=row,
            size=stored.size,
            content_type=item.content_type,
            storage_name=stored.name,
            sha256=stored.sha256,
            created_at=at,
        )
        evidence.sealed_name = sealing.seal(evidence, "name", item.name, key_row=row)
        evidence.save()
    return written


def gratification_report(
    *, recipient: Person, data: Any, files: list[CheckedFile] | None = None, now: dt.datetime | None = None
) -> Gratification:
    """A member of staff reports a gratification for themselves (accepted or refused)."""
    now = now or timezone.now()
    held = holdings_today(recipient, timezone.localdate())
    position = held[0].position if held else None
    unit = position.unit if position is not None else None
    if unit is None:
        membership = recipient.team_memberships.select_related("unit").order_by("id").first()
        unit = membership.unit if membership is not None else None
    if unit is None:
        raise WrongState("gratification_no_unit")
    report = validate(data, today=local_today(unit, now))
    written: list[str] = []
    try:
        with transaction.atomic():
            earlier = (
                _same_giver_total(recipient, report.giver_name, report.received_on, report.occasion)
                if report.occasion == Occasion.COLLEAGUE
                else 0
            )
            reportable, threshold = is_reportable(
                occasion=report.occasion,
                value_idr=report.value_idr,
                day=report.received_on,
                cash=report.cash,
                earlier_from_giver=earlier,
            )
            days = int(unit.effective_policy.get("gratification_days", 30))
            received = dt.datetime.combine(report.received_on, dt.time(12), tzinfo=unit.tz)
            row = Gratification(
                reference=next_reference("GR", now.astimezone(unit.tz).year),
                recipient=recipient,
                unit=unit,
                position=position,
                received_on=report.received_on,
                occasion=report.occasion,
                value_idr=report.value_idr,
                cash=report.cash,
                rejected=report.rejected,
                reportable=reportable,
                threshold=threshold,
                status=GratificationStatus.REPORTED,
                due_at=deadline(unit, received, days, "working"),
                created_at=now,
            )
            sealing.new_key(row)
            row.sealed = sealing.seal(
                row,
                "content",
                {
                    "giver": {"name": report.giver_name, "relation": report.giver_relation},
                    "description": report.description,
                },
            )
            row.save()
            written = _store(row, files or [], now)
            audit(
                "gratification_reported",
                recipient,
                unit=unit,
                reference=row.reference,
                at=now,
                occasion=row.occasion,
                value_idr=row.value_idr,
                rejected=row.rejected,
                reportable=row.reportable,
                files=len(files or []),
            )
            team = team_for(unit, exclude={recipient.pk})
            notices.tell(
                team,
                "gratification_new",
                role="team",
                path=f"/gratifikasi/{row.reference}/",
                context=mail_context(row),
                at=now,
            )
            return row
    except BaseException:
        for name in written:
            with contextlib.suppress(Exception):
                storage.delete(name)
        raise


def mail_context(row: Gratification) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "unit": row.unit.name,
        "received": row.received_on,
        "due": row.due_at,
        "zone": row.unit.effective_timezone,
        "reportable": row.reportable,
    }


def team_for(unit: Any, *, exclude: set[int]) -> list[Person]:
    """The nearest team at or above the unit with a member other than ``exclude``."""
    node = unit
    while node is not None:
        members = list(
            Person.objects.filter(team_memberships__unit=node, is_active=True)
            .exclude(pk__in=exclude)
            .order_by("username")
        )
        if members:
            return members
        node = node.parent
    return []


def content(row: Gratification, viewer: Person, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Giver, description, outcome notes and file names, for someone the gate let through (audited)."""
    data = sealing.unseal(row, "content", row.sealed) or {}
    notes = sealing.unseal(row, "notes", row.sealed_notes)
    audit("gratification_viewed", viewer, unit=row.unit, reference=row.reference, at=now)
    return {
        "giver": data.get("giver") or {},
        "description": data.get("description") or "",
        "notes": notes,
        "evidence": [
            {
                "id": e.pk,
                "name": sealing.unseal(e, "name", e.sealed_name, key_row=row),
                "size": e.size,
                "content_type": e.content_type,
            }
            for e in row.evidence.all()
        ],
    }


def gratification_settle(
    *, item: Gratification, actor: Person, outcome: Any, notes: Any, now: dt.datetime | None = None
) -> Gratification:
    """The team records what happened to the gift: input (422), then state (409), then who (403)."""
    now = now or timezone.now()
    check = Check()
    body = {"outcome": outcome, "notes": notes}
    chosen = check.choice(body, "outcome", GratificationOutcome.values)
    text = check.text(body, "notes", required=False, limit=MAX_DESCRIPTION)
    check.done()
    with transaction.atomic():
        row = (
            Gratification.objects.select_for_update(of=("self",))
            .select_related("unit", "recipient")
            .get(pk=item.pk)
        )
        if row.status == GratificationStatus.SETTLED:
            raise WrongState("gratification_settled")
        if not access.can_settle(actor, row):
            raise Forbidden("gratification_team_only")
        row.status = GratificationStatus.SETTLED
        row.outcome = chosen
        row.settled_at = now
        row.settled_by = actor
        row.sealed_notes = sealing.seal(row, "notes", text) if text else None
        row.save()
        audit("gratification_settled", actor, unit=row.unit, reference=row.reference, at=now, outcome=chosen)
        notices.tell(
            [row.recipient],
            "gratification_settled",
            role="recipient",
            path=f"/gratifikasi/{row.reference}/",
            context={
                "reference": row.reference,
                "outcome": GratificationOutcome(chosen).label,
            },
            at=now,
        )
        return row


def evidence_file(row: Gratification, evidence_id: Any, viewer: Person) -> tuple[GratificationEvidence, str]:
    evidence = access.get_row(
        GratificationEvidence.objects.filter(gratification=row),
        evidence_id,
        "gratification_evidence_not_found",
    )
    name = str(sealing.unseal(evidence, "name", evidence.sealed_name, key_row=row))
    audit(
        "gratification_evidence_downloaded",
        viewer,
        unit=row.unit,
        reference=row.reference,
        evidence=evidence.pk,
    )
    return evidence, name


def read_evidence(row: Gratification, evidence: GratificationEvidence) -> Iterator[bytes]:
    return storage.read(sealing.key_of(row), evidence.storage_name, FILE_PURPOSE)


def is_overdue(row: Gratification, now: dt.datetime | None = None) -> bool:
    return row.status == GratificationStatus.REPORTED and (now or timezone.now()) > row.due_at
