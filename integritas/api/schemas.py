"""Request and response shapes of the API (they make the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from integritas.cases.models import (
    Category,
    Conclusion,
    DecisionKind,
    IdentityRequest,
    Outcome,
    ReviewDecision,
    Sender,
    Status,
)


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class UnitOut(Schema):
    code: str
    name: str
    parent: str | None


class PositionOut(Schema):
    code: str
    title: str
    holder: str | None


class ReportOut(Schema):
    reference: str = Field(examples=["BK-2026-000042"])
    receipt: str = Field(
        description="Secret: shown once, never stored in clear. Keep it to follow the report."
    )
    status: str
    due_at: str | None
    handler_title: str | None


class TimelineItem(Schema):
    at: str
    event: str
    note: str | None


class MessageOut(Schema):
    id: int
    at: str
    # "from" is a Python keyword
    from_: Sender = Field(alias="from")
    text: str
    author_title: str | None = None


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    from_: Sender | None = Field(default=None, alias="from")
    at: str | None = None


class TrackOut(Schema):
    reference: str
    status: Status
    conclusion: Conclusion | None
    review_decision: ReviewDecision | None
    outcome: Outcome | None
    due_at: str | None
    handler_title: str | None
    timeline: list[TimelineItem]
    messages: list[MessageOut]
    evidence: list[EvidenceOut]


class TextIn(Schema):
    text: str


class IdOut(Schema):
    id: int


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None


class TwoFactorSetupIn(Schema):
    username: str
    password: str
    otp: str | None = Field(default=None, description="current code, when two-factor is already on")


class TwoFactorSetupOut(Schema):
    secret: str
    uri: str = Field(description="otpauth:// URI for an authenticator app (QR code)")


class TwoFactorConfirmIn(Schema):
    username: str
    password: str
    otp: str


class TokenOut(Schema):
    token: str
    expires_at: str


class MeOut(Schema):
    username: str
    name: str
    positions: list[str]
    teams: list[str]
    admin: bool


class HandlerOut(Schema):
    position: str | None
    title: str | None
    username: str | None
    team: str | None = None


class CaseSummary(Schema):
    reference: str
    unit: str
    status: Status
    level: int
    due_at: str | None
    overdue: bool
    handler: HandlerOut | None
    categories: list[Category]
    decision_kind: DecisionKind | None
    created_at: str
    conclusion: Conclusion | None
    review_decision: ReviewDecision | None
    outcome: Outcome | None


class CaseList(Schema):
    items: list[CaseSummary]
    next: str | None = Field(description="URL of the next page, or null on the last page")


class SubjectOut(Schema):
    position: str | None
    title: str | None
    holder: str | None
    name: str | None = None
    description: str | None = None


class DecisionOut(Schema):
    title: str | None = None
    number: str | None = None
    date: str | None = None
    kind: str | None = None


class FollowUpOut(Schema):
    id: int
    title: str
    due_date: str
    done: bool
    cancelled: bool = False
    notes: str | None = None


class HistoryItem(Schema):
    at: str
    event: str
    actor_title: str | None
    note: str | None


class CaseOut(CaseSummary):
    subject: SubjectOut
    decision: DecisionOut
    description: str
    reporter: dict[str, Any] | None = Field(
        description='{"name","email","phone","nik","relation"}; null when anonymous; {"withheld": true} '
        "under identity_disclosure on_request until a request is granted"
    )
    anonymous: bool
    screening_warning: bool = Field(
        default=False,
        description="the current handler's declarations name the subject's holder; kept under policy "
        "screening=warn (prevention, issue 9)",
    )
    follow_ups: list[FollowUpOut]
    evidence: list[EvidenceOut]
    history: list[HistoryItem]
    messages: list[MessageOut]


class ExaminationIn(Schema):
    conclusion: Conclusion
    findings: str


class ReviewIn(Schema):
    decision: ReviewDecision
    notes: str


class RecuseIn(Schema):
    reason: str


class TriageIn(Schema):
    position: str


class FollowUpIn(Schema):
    title: str
    due_date: str = Field(description="YYYY-MM-DD")


class DoneIn(Schema):
    notes: str | None = None


class CancelIn(Schema):
    reason: str


class IdentityRequestOut(Schema):
    id: int
    state: IdentityRequest.State
    reason: str


class IdentityDecisionIn(Schema):
    approve: bool
    note: str | None = None


class CloseIn(Schema):
    summary: str


REPORT_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["unit", "subject", "categories", "description", "good_faith"],
    "properties": {
        "unit": {"type": "string", "description": "Unit code, e.g. SMPN1-MEJAYAN"},
        "subject": {
            "description": '{"position": CODE} (a position of the unit) or {"name", "description"} (goes to triage)',
            "type": "object",
            "properties": {
                "position": {"type": "string"},
                "name": {"type": "string"},
                "description": {"type": "string"},
            },
        },
        "decision": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "number": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "kind": {"type": "string", "enum": list(DecisionKind.values)},
            },
        },
        "categories": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": list(Category.values)},
        },
        "description": {"type": "string", "description": "Chronology: what, who, when, where, how"},
        "reporter": {
            "type": "object",
            "nullable": True,
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string", "nullable": True},
                "phone": {"type": "string", "nullable": True},
                "nik": {"type": "string", "nullable": True},
                "relation": {"type": "string", "nullable": True},
            },
        },
        "anonymous": {"type": "boolean", "default": False},
        "good_faith": {"type": "boolean", "enum": [True]},
    },
}


MESSAGE_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string"}},
}


def multipart_body(
    json_schema: dict[str, Any], *, data: str = "The same JSON, as text", description: str | None = None
) -> dict[str, Any]:
    """A body that comes as JSON, or as multipart: the JSON in a part ``data``, plus ``evidence`` files."""
    body: dict[str, Any] = {
        "required": True,
        "content": {
            "application/json": {"schema": json_schema},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {"type": "string", "description": data},
                        "evidence": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
    }
    if description is not None:
        body["description"] = description
    return {"requestBody": body}


class AuditEntryOut(Schema):
    seq: int
    at: str
    action: str
    actor: str
    case: str | None
    unit: str | None
    data: dict[str, Any]
    hash: str


class AuditList(Schema):
    items: list[AuditEntryOut]
    next: str | None
