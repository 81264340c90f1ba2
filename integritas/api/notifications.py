"""In-app notices for staff, and the outbox as administrators see it (states and counts, no content)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from integritas.api import schemas as s
from integritas.api.common import page
from integritas.api.staff import bearer, me_of
from integritas.notify import notices

router = Router(tags=["notifications"])
ERR = s.ErrorOut


class NoticeOut(Schema):
    id: int
    at: str
    kind: str = Field(
        description="assigned, team_entered, deadline_soon, deadline_today, overdue, follow_up_needed, "
        "follow_up_due, reporter_replied"
    )
    text: str = Field(description="one line in the person's language; never the reporter's identity")
    case: str | None = Field(description="reference of the case concerned")
    link: str | None = Field(description="path of the case page")
    read: bool
    read_at: str | None


class NoticeList(Schema):
    items: list[NoticeOut]
    unread: int = Field(description="unread notices in all")
    next: str | None = Field(description="URL of the next page, or null on the last page")


class NoticeFilters(Schema):
    unread: bool = Field(default=False, description="only unread notices")
    cursor: int | None = Field(default=None, ge=0, description="from the `next` link of the previous page")
    limit: int = Field(default=50, ge=1, le=200)


class MarkedOut(Schema):
    marked: int


class OutboxRow(Schema):
    id: int
    kind: str
    recipient_role: Literal["handler", "superior", "team", "reporter"]
    recipient: str | None = Field(description="username of a staff recipient; null for a reporter")
    state: Literal["queued", "sending", "sent", "failed"]
    attempts: int
    created_at: str
    next_attempt_at: str | None
    sent_at: str | None
    last_error: str | None = Field(description="the kind of failure and the server's code, no content")


class OutboxCounts(Schema):
    queued: int
    sending: int
    sent: int
    failed: int


class OutboxOut(Schema):
    counts: OutboxCounts
    items: list[OutboxRow]
    next: str | None


class OutboxFilters(Schema):
    state: str | None = Field(default=None, description="queued, sending, sent or failed")
    cursor: int | None = Field(default=None, ge=0, description="from the `next` link of the previous page")
    limit: int = Field(default=50, ge=1, le=200)


@router.get(
    "/notifications",
    response={200: NoticeList, 401: ERR, 422: ERR},
    auth=bearer,
    summary="My in-app notices, newest first",
)
def notifications_list(request: HttpRequest, filters: Query[NoticeFilters]):
    person = me_of(request)
    rows, next_url = page(
        request,
        notices.notices_for(person, unread_only=filters.unread),
        cursor=filters.cursor,
        limit=filters.limit,
        params={"unread": "true" if filters.unread else None},
    )
    return Reply(
        200,
        {
            "items": [notices.notice_data(n) for n in rows],
            "unread": notices.unread_count(person),
            "next": next_url,
        },
    )


@router.post(
    "/notifications/read-all",
    response={200: MarkedOut, 401: ERR},
    auth=bearer,
    summary="Mark all my notices read",
)
def notifications_read_all(request: HttpRequest):
    return Reply(200, {"marked": notices.notice_mark_all_read(person=me_of(request))})


@router.post(
    "/notifications/{notice_id}/read",
    response={200: NoticeOut, 401: ERR, 404: ERR},
    auth=bearer,
    summary="Mark one of my notices read",
)
def notification_read(request: HttpRequest, notice_id: str):
    notice = notices.notice_mark_read(person=me_of(request), notice_id=notice_id)
    return Reply(200, notices.notice_data(notice))


@router.get(
    "/admin/outbox",
    response={200: OutboxOut, 401: ERR, 403: ERR, 422: ERR},
    auth=bearer,
    summary="The e-mail outbox: counts by state and rows, without any content (administrators)",
)
def admin_outbox(request: HttpRequest, filters: Query[OutboxFilters]):
    notices.require_admin(me_of(request))
    rows, next_url = page(
        request,
        notices.outbox_rows(state=filters.state),
        cursor=filters.cursor,
        limit=filters.limit,
        params={"state": filters.state},
    )
    return Reply(
        200,
        {
            "counts": notices.outbox_counts(),
            "items": [notices.outbox_row_data(r) for r in rows],
            "next": next_url,
        },
    )


@router.post(
    "/admin/outbox/{row_id}/retry",
    response={200: OutboxRow, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
    auth=bearer,
    summary="Send a failed message again (administrators)",
)
def admin_outbox_retry(request: HttpRequest, row_id: str):
    row = notices.outbox_retry(person=me_of(request), row_id=row_id)
    return Reply(200, notices.outbox_row_data(row))
