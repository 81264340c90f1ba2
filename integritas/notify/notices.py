"""In-app notices for staff, and what administrators may see of the outbox (no content)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from integritas.errors import Forbidden, Invalid, NotFound, Problem, WrongState
from integritas.notify import outbox
from integritas.notify.models import Notice, OutboxMessage, Role, State
from integritas.orgs.models import Person


def notices_for(person: Person, *, unread_only: bool = False) -> Any:
    qs = Notice.objects.filter(person=person).select_related("case")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-pk")


def unread_count(person: Person) -> int:
    return Notice.objects.filter(person=person, read_at__isnull=True).count()


def _notice_of(person: Person, notice_id: Any) -> Notice:
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        raise NotFound(reason="notice") from None
    notice = Notice.objects.filter(person=person, pk=pk).select_related("case").first()
    if notice is None:
        raise NotFound(reason="notice")  # someone else's notice does not exist for you
    return notice


def notice_mark_read(*, person: Person, notice_id: Any, now: dt.datetime | None = None) -> Notice:
    notice = _notice_of(person, notice_id)
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notice_mark_all_read(*, person: Person, now: dt.datetime | None = None) -> int:
    return Notice.objects.filter(person=person, read_at__isnull=True).update(read_at=now or timezone.now())


def notice_data(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "at": timezone.localtime(notice.created_at).isoformat(),
        "kind": notice.kind,
        "text": notice.text,
        "case": notice.case.reference if notice.case else None,
        "link": notice.link or None,
        "read": notice.read_at is not None,
        "read_at": timezone.localtime(notice.read_at).isoformat() if notice.read_at else None,
    }


# ---------------------------------------------------------------- the outbox, for administrators


def require_admin(person: Person) -> None:
    if not person.is_admin:
        raise Forbidden(reason="admin_only")


def outbox_counts() -> dict[str, int]:
    counts = {state: 0 for state in State.values}
    for row in OutboxMessage.objects.values("state").annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    return counts


def outbox_rows(*, state: str | None = None) -> Any:
    if state and state not in State.values:
        raise Invalid({"state": Problem("choice", choices=State.values)})
    qs = OutboxMessage.objects.select_related("recipient").defer(
        "subject", "body_text", "body_html", "context", "sealed", "to_address"
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-pk")


def outbox_row_data(row: OutboxMessage) -> dict[str, Any]:
    """Kind, role, state, attempts and times: never a body, never a reporter's address."""
    staff = row.recipient_role != Role.REPORTER
    return {
        "id": row.pk,
        "kind": row.kind,
        "recipient_role": row.recipient_role,
        "recipient": row.recipient.username if staff and row.recipient else None,
        "state": row.state,
        "attempts": row.attempts,
        "created_at": timezone.localtime(row.created_at).isoformat(),
        "next_attempt_at": timezone.localtime(row.next_attempt_at).isoformat()
        if row.state in (State.QUEUED, State.SENDING)
        else None,
        "sent_at": timezone.localtime(row.sent_at).isoformat() if row.sent_at else None,
        "last_error": row.last_error or None,
    }


def outbox_retry(*, person: Person, row_id: Any) -> OutboxMessage:
    require_admin(person)
    try:
        pk = int(row_id)
    except (TypeError, ValueError):
        raise NotFound(reason="outbox_message") from None
    row = OutboxMessage.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound(reason="outbox_message")
    if row.state != State.FAILED:
        raise WrongState("retry_not_failed", state=row.state)
    outbox.requeue(pk)
    row.refresh_from_db()
    return row
