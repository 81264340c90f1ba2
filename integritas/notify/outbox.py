"""Writing to the outbox (inside the caller's transaction) and delivering from it (any number of
workers at once).

Delivery claims rows with a conditional UPDATE (queued and due, or sending with an expired lease →
sending under this worker's token and a fresh lease), after picking candidates with
``select_for_update(skip_locked=True)`` where the database has it. A row is marked sent only by the
holder of its claim. A worker that dies mid-send leaves a lease that expires: the row is sent again
(at least once, never lost). Failures wait with exponential backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integritas import batching
from integritas.cases import content
from integritas.cases.models import Case
from integritas.notify import mail
from integritas.notify.models import Notice, OutboxMessage, Role, State
from integritas.notify.render import (
    case_path,
    language_of,
    plain_or_none,
    render,
    render_for,
    subject_for,
    subject_may_read_name,
)
from integritas.orgs.models import Person

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=1)
# A server that is down is waited for without end; a message refused outright (5xx) is tried this
# many times before it is marked failed for an administrator to look at.
MAX_REFUSALS = 8
BATCH = 50


def _ready_at(at: dt.datetime | None) -> dt.datetime:
    """A message is ready at once; an event dated in the future (tests, imports) never delays it."""
    now = timezone.now()
    return min(at, now) if at is not None else now


# ---------------------------------------------------------------- writing


def queue_staff(
    *,
    person: Person,
    kind: str,
    role: str,
    context: dict[str, Any],
    case: Case | None = None,
    at: dt.datetime | None = None,
) -> str:
    """An in-app notice and (if the person has an address) an e-mail, in the person's language; the
    subject (the notice's text)."""
    return queue_staff_many([(person, kind, role, context)], case=case, at=at)[0]


def queue_staff_many(
    items: list[tuple[Person, str, str, dict[str, Any]]],
    *,
    case: Case | None = None,
    path: str | None = None,
    at: dt.datetime | None = None,
    defer: bool = False,
) -> list[str]:
    """``queue_staff`` for several people (person, kind, role, context) about one case, or about what
    ``path`` leads to (a prevention record): the notices and the e-mails are each written with one
    insert. ``defer``: a mail whose context JSON keeps (``render.plain``) is rendered by the outbox
    worker when it is sent (the row holds the context); only its subject is rendered now, for the
    notice. Returns the subjects."""
    when = _ready_at(at)
    if path is None:
        path = case_path(case.reference) if case is not None else ""
    notices: list[batching.Values] = []
    mails: list[batching.Values] = []
    subjects: list[str] = []
    shared: dict[Any, Any] = {}
    shared_subjects: dict[Any, str] = {}
    case_id = case.pk if case is not None else None
    # A context shared by several recipients (``events.Recipients``) is made plain once; a subject
    # that does not show the recipient's name, once per kind and language.
    plains: dict[int, dict[str, Any] | None] = {}
    subjects_of: dict[tuple[int, str, str], str] = {}
    for person, kind, role, context in items:
        language = language_of(person.language)
        name = person.display_name
        later = None
        if defer:
            if type(name) is str and "recipient_name" not in context:
                if id(context) not in plains:
                    plains[id(context)] = plain_or_none(context)
                done = plains[id(context)]
                later = None if done is None else {**done, "recipient_name": name}
            else:
                later = plain_or_none({**context, "recipient_name": name})
        if later is not None:
            if not subject_may_read_name(kind) and "recipient_name" not in context:
                key = (id(context), kind, language)
                if key not in subjects_of:
                    subjects_of[key] = subject_for(kind, language, context, name, shared_subjects)
                subject = subjects_of[key]
            else:
                subject = subject_for(kind, language, context, name, shared_subjects)
            body: dict[str, Any] = {"context": later}
        else:
            rendered = render_for(kind, language, context, name, shared)
            subject = rendered.subject
            body = {"subject": subject, "body_text": rendered.text, "body_html": rendered.html}
        subjects.append(subject)
        notices.append(
            batching.Values(
                Notice, person_id=person.pk, case_id=case_id, kind=kind, text=subject[:500], link=path,
                created_at=when,
            )
        )  # fmt: skip
        if person.email:
            mails.append(
                batching.Values(
                    OutboxMessage, kind=kind, recipient_role=role, recipient_id=person.pk, case_id=case_id,
                    language=language, to_address=person.email, next_attempt_at=when, created_at=when, **body,
                )
            )  # fmt: skip
    # In a batch (the sweep) as values for its insert; alone, one insert per table.
    if not batching.add_all([*notices, *mails]):
        Notice.objects.bulk_create([n.instance() for n in notices])
        OutboxMessage.objects.bulk_create([m.instance() for m in mails])
    return subjects


def reporter_contact(case: Case) -> tuple[str, str, str]:
    """(address, name, language) of the reporter; address empty when they left none."""
    reporter = content.report(case).get("reporter") or {}
    if not isinstance(reporter, dict):
        return "", "", "id"
    address = str(reporter.get("email") or "").strip()
    return address, str(reporter.get("name") or "").strip(), language_of(reporter.get("language"))


def queue_reporter(
    *, case: Case, kind: str, context: dict[str, Any], at: dt.datetime | None = None, defer: bool = False
) -> bool:
    """Mail to the reporter, sealed with the case's data key. False when they left no address.
    ``defer``: the sealed payload holds the context (when JSON keeps it), rendered when sent."""
    address, name, language = reporter_contact(case)
    if not address:
        return False
    when = _ready_at(at)
    # The reporter's name never goes into a mail: relays and mailboxes are not ours to protect.
    context = {**context, "reporter_name": ""}
    later = plain_or_none(context) if defer else None
    payload: dict[str, Any]
    if later is not None:
        payload = {"to": address, "context": later}
    else:
        rendered = render(kind, language, context)
        payload = {"to": address, "subject": rendered.subject, "text": rendered.text, "html": rendered.html}
    values = {
        "kind": kind,
        "recipient_role": Role.REPORTER,
        "case_id": case.pk,
        "language": language,
        "sealed": content.seal_outbox(case, payload),
        "next_attempt_at": when,
        "created_at": when,
    }
    if not batching.add(batching.Values(OutboxMessage, **values)):  # a batch (the sweep) inserts together
        OutboxMessage(**values).save(force_insert=True)
    return True


# ---------------------------------------------------------------- delivering


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    server_down: bool = False
    errors: list[str] = field(default_factory=list)


def _claimable(now: dt.datetime) -> tuple[Q, Q]:
    """The rows a worker may take: those whose lease ran out (a sender died), and the queued ones due."""
    return Q(state=State.SENDING, lease_until__lt=now), Q(state=State.QUEUED, next_attempt_at__lte=now)


def claim(now: dt.datetime, limit: int = BATCH) -> tuple[str, list[OutboxMessage]]:
    """Take up to ``limit`` due rows for this worker; no other worker gets them until the lease ends."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        # The rows whose lease ran out first (few), then the queued ones that are due, each in the
        # order of ``outbox_due``: an ordered index scan that stops at ``limit`` (one query with both
        # read and sorted every due row, ~20,000 after a sweep, for each batch of 500).
        ids: list[int] = []
        expired, queued = _claimable(now)
        for due in (expired, queued):
            candidates = OutboxMessage.objects.filter(due).order_by("next_attempt_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            ids += candidates.values_list("pk", flat=True)[: limit - len(ids)]
            if len(ids) >= limit:
                break
        if not ids:
            return token, []
        # Re-checked in the UPDATE itself: without row locks (SQLite) this is what makes it a claim.
        OutboxMessage.objects.filter(pk__in=ids).filter(expired | queued).update(
            state=State.SENDING, claim_token=token, lease_until=now + LEASE
        )
    rows = list(
        OutboxMessage.objects.filter(claim_token=token, state=State.SENDING)
        .select_related("case")
        .order_by("next_attempt_at", "id")
    )
    return token, rows


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _envelope(row: OutboxMessage) -> tuple[str, str, str, str]:
    if row.recipient_role == Role.REPORTER:
        if row.case is None or not row.sealed:
            raise mail.Refused("sealed message without its case", permanent=True)
        payload = content.open_outbox(row.case, row.sealed)
        if "context" in payload:
            later = render(row.kind, row.language, payload["context"])
            return payload["to"], later.subject, later.text, later.html
        return payload["to"], payload["subject"], payload["text"], payload["html"]
    if row.context is not None:  # queued with ``defer``: rendered now, as it would have been then
        later = render(row.kind, row.language, row.context)
        return row.to_address, later.subject, later.text, later.html
    return row.to_address, row.subject, row.body_text, row.body_html


def _mark_sent(row: OutboxMessage, token: str, now: dt.datetime) -> bool:
    # Delivered: nothing confidential stays behind (address, body); the row keeps its metadata.
    return bool(
        OutboxMessage.objects.filter(pk=row.pk, claim_token=token, state=State.SENDING).update(
            state=State.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            lease_until=None,
            last_error="",
            to_address="",
            subject="",
            body_text="",
            body_html="",
            context=None,
            sealed=None,
        )
    )


def _mark_retry(row: OutboxMessage, token: str, now: dt.datetime, error: str, *, final: bool) -> None:
    attempts = row.attempts + 1
    OutboxMessage.objects.filter(pk=row.pk, claim_token=token, state=State.SENDING).update(
        state=State.FAILED if final else State.QUEUED,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        lease_until=None,
        last_error=error[:255],
    )


def deliver(now: dt.datetime | None = None, *, max_batches: int = 20) -> DeliveryResult:
    """Send what is due. Stops early when the server is down: the rest waits for its next attempt."""
    result = DeliveryResult()
    for _ in range(max_batches):
        now_batch = now or timezone.now()
        token, rows = claim(now_batch)
        if not rows:
            break
        _send_batch(rows, token, now_batch, result)
        if result.server_down or len(rows) < BATCH:
            break
    return result


def _send_batch(rows: list[OutboxMessage], token: str, now: dt.datetime, result: DeliveryResult) -> None:
    transport = mail.open_transport()
    try:
        for index, row in enumerate(rows):
            try:
                to, subject, text, html = _envelope(row)
                message = mail.build_message(
                    to=to, subject=subject, text=text, html=html, message_id=row.message_id
                )
                if isinstance(transport, mail.FileTransport) and row.recipient_role == Role.REPORTER:
                    # No mail server: the reporter's address must not land in clear in the data dir.
                    message.replace_header("To", "pelapor@alamat-disembunyikan.invalid")
                transport.send(message, to)
            except mail.ServerUnavailable as exc:
                # Every claimed row of this batch waits: the server is not there for any of them.
                result.server_down = True
                result.errors.append(str(exc))
                for waiting in rows[index:]:
                    _mark_retry(waiting, token, now, str(exc), final=False)
                    result.retried += 1
                log.warning(
                    "outbox: mail server unavailable (%s); %d message(s) wait", exc, len(rows) - index
                )
                return
            except mail.Refused as exc:
                final = exc.permanent and row.attempts + 1 >= MAX_REFUSALS
                _mark_retry(row, token, now, str(exc), final=final)
                result.errors.append(str(exc))
                if final:
                    result.failed += 1
                    log.error("outbox: message %s failed for good: %s", row.pk, exc)
                else:
                    result.retried += 1
                continue
            except Exception as exc:  # a broken row must not block the others
                log.exception("outbox: message %s could not be prepared", row.pk)
                final = row.attempts + 1 >= MAX_REFUSALS
                _mark_retry(row, token, now, f"could not prepare ({type(exc).__name__})", final=final)
                result.failed += int(final)
                result.retried += int(not final)
                continue
            if _mark_sent(row, token, now):
                result.sent += 1
            else:
                log.warning("outbox: message %s was sent after its lease expired", row.pk)
    finally:
        transport.close()


def requeue(row_id: int, now: dt.datetime | None = None) -> bool:
    """An administrator sends a failed message again."""
    now = now or timezone.now()
    return bool(
        OutboxMessage.objects.filter(pk=row_id, state=State.FAILED).update(
            state=State.QUEUED, next_attempt_at=now, last_error=""
        )
    )
