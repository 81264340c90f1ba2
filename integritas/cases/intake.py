"""Validation of a report as the reporter sent it (API JSON or web form): every problem named by field,
each with a problem code from the catalogue (``integritas.messages.cases``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from integritas.cases.models import DECISION_KIND_ALIASES, NOTE_MAX, TITLE_MAX, Category, DecisionKind
from integritas.errors import Invalid, Problem
from integritas.orgs.models import Position, Unit
from integritas.validation import parse_iso_date, text_problem

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{5,24}$")
NIK_RE = re.compile(r"^[0-9]{16}$")


@dataclass
class ReportInput:
    unit: Unit
    subject_position: Position | None
    subject_text: dict[str, str] | None
    decision: dict[str, Any]
    categories: list[Category]
    description: str
    reporter: dict[str, Any] | None
    anonymous: bool
    policy: dict[str, Any] = field(default_factory=dict)

    @property
    def decision_kind(self) -> str:
        return str(self.decision.get("kind") or "")

    @property
    def decision_date(self) -> dt.date | None:
        return parse_iso_date(self.decision.get("date"))


class _Checker:
    def __init__(self) -> None:
        self.problems: dict[str, Problem] = {}

    def fail(self, name: str, code: str, **params: Any) -> None:
        self.problems.setdefault(name, Problem(code, **params))

    def text(
        self,
        data: dict[str, Any],
        key: str,
        name: str,
        *,
        required: bool,
        limit: int = TITLE_MAX,
        missing: str = "required",
    ) -> str | None:
        """The stripped text, or None (and the problem noted; ``missing`` names a missing value)."""
        value = data.get(key)
        problem = text_problem(value, required=required, limit=limit)
        if problem is not None:
            self.problems.setdefault(name, Problem(missing) if problem.code == "required" else problem)
            return None
        return value.strip() if isinstance(value, str) and value.strip() else None


def _position_code(subject: Any) -> str | None:
    """The subject's position code as ``_Checker.text`` takes it (None: none, or not one it takes)."""
    if not isinstance(subject, dict):
        return None
    value = subject.get("position")
    if value is None or text_problem(value, required=True, limit=64) is not None:
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def validate_report(raw: Any, *, evidence_count: int) -> ReportInput:
    """Turn the submitted JSON into a ReportInput, or raise Invalid naming every bad field."""
    if not isinstance(raw, dict):
        raise Invalid({"body": Problem("not_object")})
    c = _Checker()

    unit: Unit | None = None
    # The subject's position is read with its unit, the position above it and that one's unit (what
    # routing asks about first): one query for both codes when the position is in the unit.
    read_position: Position | None = None
    position_code = _position_code(raw.get("subject"))
    unit_code = c.text(raw, "unit", "unit", required=True, limit=64)
    if unit_code is not None:
        if position_code is not None:
            read_position = (
                Position.objects.filter(code=position_code, unit__code=unit_code)
                .select_related("unit", "reports_to__unit")
                .first()
            )
        unit = (
            read_position.unit if read_position is not None else Unit.objects.filter(code=unit_code).first()
        )
        if unit is None:
            c.fail("unit", "unknown_code", value=unit_code)
    policy = unit.effective_policy if unit else {}

    subject_position: Position | None = None
    subject_text: dict[str, str] | None = None
    subject = raw.get("subject")
    if subject is None:
        c.fail("subject", "subject_required")
    elif not isinstance(subject, dict):
        c.fail("subject", "not_object")
    elif subject.get("position") is not None:
        code = c.text(subject, "position", "subject.position", required=True, limit=64)
        if code is not None and unit is not None:
            subject_position = read_position  # None: no position of that code in the unit
            if subject_position is None:
                c.fail("subject.position", "not_in_unit")
    else:
        name = c.text(subject, "name", "subject.name", required=True, missing="subject_name_required")
        desc = c.text(subject, "description", "subject.description", required=False, limit=NOTE_MAX)
        if name is not None:
            subject_text = {"name": name, "description": desc or ""}

    decision: dict[str, Any] = {}
    raw_decision = raw.get("decision")
    if raw_decision is not None:
        if not isinstance(raw_decision, dict):
            c.fail("decision", "not_object")
        else:
            decision["title"] = c.text(raw_decision, "title", "decision.title", required=False) or ""
            decision["number"] = (
                c.text(raw_decision, "number", "decision.number", required=False, limit=100) or ""
            )
            day = c.text(raw_decision, "date", "decision.date", required=False, limit=10)
            if day is not None:
                parsed = parse_iso_date(day)
                if parsed is None:
                    c.fail("decision.date", "bad_date")
                else:
                    decision["date"] = parsed.isoformat()
            kind = c.text(raw_decision, "kind", "decision.kind", required=False, limit=32)
            if kind is not None:
                kind = DECISION_KIND_ALIASES.get(kind.lower(), kind.lower())
                if kind not in DecisionKind.values:
                    c.fail("decision.kind", "choice", choices=DecisionKind.values)
                else:
                    decision["kind"] = kind

    categories: list[Category] = []
    raw_categories = raw.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        c.fail("categories", "category_required")
    else:
        for item in raw_categories:
            if not isinstance(item, str) or item not in Category.values:
                c.fail("categories", "choice", choices=Category.values)
                break
            if item not in categories:
                categories.append(Category(item))

    description = (
        c.text(
            raw, "description", "description", required=True, limit=NOTE_MAX, missing="description_required"
        )
        or ""
    )

    anonymous = raw.get("anonymous", False)
    if anonymous is None:
        anonymous = False
    if not isinstance(anonymous, bool):
        c.fail("anonymous", "not_boolean")
        anonymous = False
    if anonymous and unit is not None and not policy.get("allow_anonymous"):
        c.fail("anonymous", "anonymous_not_allowed")

    reporter: dict[str, Any] | None = None
    raw_reporter = raw.get("reporter")
    if raw_reporter is None:
        if not anonymous:
            c.fail("reporter", "reporter_required")
    elif not isinstance(raw_reporter, dict):
        c.fail("reporter", "not_object")
    else:
        name = c.text(raw_reporter, "name", "reporter.name", required=not anonymous, missing="name_required")
        email = c.text(raw_reporter, "email", "reporter.email", required=False, limit=254)
        phone = c.text(raw_reporter, "phone", "reporter.phone", required=False, limit=32)
        nik = c.text(raw_reporter, "nik", "reporter.nik", required=False, limit=16)
        relation = c.text(raw_reporter, "relation", "reporter.relation", required=False)
        if email is not None and not EMAIL_RE.match(email):
            c.fail("reporter.email", "bad_email")
        if phone is not None and not PHONE_RE.match(phone):
            c.fail("reporter.phone", "bad_phone")
        if nik is not None and not NIK_RE.match(nik):
            c.fail("reporter.nik", "bad_nik")
        if not anonymous and email is None and phone is None and "reporter.email" not in c.problems:
            c.fail("reporter.email", "contact_required")
            c.fail("reporter.phone", "contact_required")
        reporter = {"name": name, "email": email, "phone": phone, "nik": nik, "relation": relation}
        if anonymous and not any(reporter.values()):
            reporter = None

    if raw.get("good_faith") is not True:
        c.fail("good_faith", "good_faith_required")

    if unit is not None and policy.get("require_evidence") and evidence_count == 0:
        c.fail("evidence", "evidence_required")

    if c.problems:
        raise Invalid(c.problems)
    assert unit is not None
    return ReportInput(
        unit=unit,
        subject_position=subject_position,
        subject_text=subject_text,
        decision=decision,
        categories=categories,
        description=description,
        reporter=reporter,
        anonymous=bool(anonymous),
        policy=policy,
    )
