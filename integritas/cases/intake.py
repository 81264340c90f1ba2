"""Validation of a report as the reporter sent it (API JSON or web form): every problem named by field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from integritas.cases.models import CATEGORIES, DECISION_KINDS
from integritas.errors import Invalid
from integritas.orgs.models import Position, Unit

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{5,24}$")
NIK_RE = re.compile(r"^[0-9]{16}$")
KIND_ALIASES = {
    "ppdb": "admission",
    "school-fund": "school_fund",
    "fund": "school_fund",
    "bos": "school_fund",
}

MAX_TEXT = 20000
MAX_SHORT = 500


@dataclass
class ReportInput:
    unit: Unit
    subject_position: Position | None
    subject_text: dict[str, str] | None
    decision: dict[str, Any]
    categories: list[str]
    description: str
    reporter: dict[str, Any] | None
    anonymous: bool
    policy: dict[str, Any] = field(default_factory=dict)


class _Checker:
    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def fail(self, name: str, problem: str) -> None:
        self.problems.setdefault(name, problem)

    def text(self, data: dict, key: str, name: str, *, required: bool, limit: int = MAX_SHORT) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "is required")
            return None
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return None
        if "\x00" in value:
            self.fail(name, "must not contain NUL characters")
            return None
        if len(value) > limit:
            self.fail(name, f"must be at most {limit} characters")
            return None
        return value.strip()


def validate_report(raw: Any, *, evidence_count: int) -> ReportInput:
    """Turn the submitted JSON into a ReportInput, or raise Invalid naming every bad field."""
    if not isinstance(raw, dict):
        raise Invalid({"body": "must be a JSON object"})
    c = _Checker()

    unit: Unit | None = None
    unit_code = c.text(raw, "unit", "unit", required=True, limit=64)
    if unit_code is not None:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            c.fail("unit", "unknown unit code")
    policy = unit.effective_policy if unit else {}

    subject_position: Position | None = None
    subject_text: dict[str, str] | None = None
    subject = raw.get("subject")
    if subject is None:
        c.fail("subject", 'is required: {"position": CODE} or {"name": TEXT, "description": TEXT}')
    elif not isinstance(subject, dict):
        c.fail("subject", "must be an object")
    elif subject.get("position") is not None:
        code = c.text(subject, "position", "subject.position", required=True, limit=64)
        if code is not None and unit is not None:
            subject_position = Position.objects.filter(code=code, unit=unit).select_related("unit").first()
            if subject_position is None:
                c.fail("subject.position", "is not a position of this unit")
    else:
        name = c.text(subject, "name", "subject.name", required=True)
        desc = c.text(subject, "description", "subject.description", required=False, limit=MAX_TEXT)
        if name is not None:
            subject_text = {"name": name, "description": desc or ""}

    decision: dict[str, Any] = {}
    raw_decision = raw.get("decision")
    if raw_decision is not None:
        if not isinstance(raw_decision, dict):
            c.fail("decision", "must be an object")
        else:
            decision["title"] = c.text(raw_decision, "title", "decision.title", required=False) or ""
            decision["number"] = (
                c.text(raw_decision, "number", "decision.number", required=False, limit=100) or ""
            )
            day = c.text(raw_decision, "date", "decision.date", required=False, limit=10)
            if day is not None:
                try:
                    decision["date"] = dt.date.fromisoformat(day).isoformat()
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                        raise ValueError
                except ValueError:
                    c.fail("decision.date", "must be a date YYYY-MM-DD")
            kind = c.text(raw_decision, "kind", "decision.kind", required=False, limit=32)
            if kind is not None:
                kind = KIND_ALIASES.get(kind.lower(), kind.lower())
                if kind not in DECISION_KINDS:
                    c.fail("decision.kind", "must be one of: " + ", ".join(DECISION_KINDS))
                else:
                    decision["kind"] = kind

    categories: list[str] = []
    raw_categories = raw.get("categories")
    if raw_categories is None:
        c.fail("categories", "is required: one or more of " + ", ".join(CATEGORIES))
    elif not isinstance(raw_categories, list) or not raw_categories:
        c.fail("categories", "must be a non-empty list of: " + ", ".join(CATEGORIES))
    else:
        for item in raw_categories:
            if not isinstance(item, str) or item not in CATEGORIES:
                c.fail("categories", "unknown category; use: " + ", ".join(CATEGORIES))
                break
            if item not in categories:
                categories.append(item)

    description = c.text(raw, "description", "description", required=True, limit=MAX_TEXT) or ""

    anonymous = raw.get("anonymous", False)
    if anonymous is None:
        anonymous = False
    if not isinstance(anonymous, bool):
        c.fail("anonymous", "must be true or false")
        anonymous = False
    if anonymous and unit is not None and not policy.get("allow_anonymous"):
        c.fail("anonymous", "this unit does not accept anonymous reports: give your name and a contact")

    reporter: dict[str, Any] | None = None
    raw_reporter = raw.get("reporter")
    if raw_reporter is None:
        if not anonymous:
            c.fail("reporter", "is required: your name and an e-mail address or phone number")
    elif not isinstance(raw_reporter, dict):
        c.fail("reporter", "must be an object")
    else:
        name = c.text(raw_reporter, "name", "reporter.name", required=not anonymous)
        email = c.text(raw_reporter, "email", "reporter.email", required=False, limit=254)
        phone = c.text(raw_reporter, "phone", "reporter.phone", required=False, limit=32)
        nik = c.text(raw_reporter, "nik", "reporter.nik", required=False, limit=16)
        relation = c.text(raw_reporter, "relation", "reporter.relation", required=False)
        if email is not None and not EMAIL_RE.match(email):
            c.fail("reporter.email", "is not a valid e-mail address")
        if phone is not None and not PHONE_RE.match(phone):
            c.fail("reporter.phone", "is not a valid phone number")
        if nik is not None and not NIK_RE.match(nik):
            c.fail("reporter.nik", "must be 16 digits")
        if not anonymous and email is None and phone is None and "reporter.email" not in c.problems:
            c.fail("reporter.email", "give an e-mail address or a phone number")
            c.fail("reporter.phone", "give an e-mail address or a phone number")
        reporter = {"name": name, "email": email, "phone": phone, "nik": nik, "relation": relation}
        if anonymous and not any(reporter.values()):
            reporter = None

    good_faith = raw.get("good_faith")
    if good_faith is not True:
        c.fail("good_faith", "must be true: confirm that you report in good faith")

    if unit is not None and policy.get("require_evidence") and evidence_count == 0:
        c.fail("evidence", "attach at least one evidence file (this unit requires evidence)")

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
