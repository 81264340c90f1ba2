"""The public report form: what it sends to ``validate_report`` (the report JSON of API.md), and where
each problem it names is shown on the page (the words are the catalogue's)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

from integritas.cases.models import Category
from integritas.errors import Problem
from integritas.orgs.models import Unit

NOT_LISTED = "-"  # the position <select> value for "not in the list"

TEXT_FIELDS = (
    "position", "subject_name", "subject_description",
    "decision_title", "decision_number", "decision_date", "decision_kind",
    "description",
    "reporter_name", "reporter_email", "reporter_phone", "reporter_nik", "reporter_relation",
)  # fmt: skip
# Form order: the error summary lists problems in the order of the fields on the page.
FIELD_ORDER = (
    "position", "subject_name", "subject_description",
    "decision_title", "decision_number", "decision_date", "decision_kind",
    "categories", "description", "evidence",
    "reporter_name", "reporter_email", "reporter_phone", "reporter_nik", "reporter_relation",
    "anonymous", "good_faith", "__all__",
)  # fmt: skip
# Names used by validate_report / check_files → the field on the page.
FIELD_OF = {
    "subject": "position",
    "subject.position": "position",
    "subject.name": "subject_name",
    "subject.description": "subject_description",
    "decision": "decision_title",
    "decision.title": "decision_title",
    "decision.number": "decision_number",
    "decision.date": "decision_date",
    "decision.kind": "decision_kind",
    "categories": "categories",
    "description": "description",
    "evidence": "evidence",
    "reporter": "reporter_name",
    "reporter.name": "reporter_name",
    "reporter.email": "reporter_email",
    "reporter.phone": "reporter_phone",
    "reporter.nik": "reporter_nik",
    "reporter.relation": "reporter_relation",
    "anonymous": "anonymous",
    "good_faith": "good_faith",
}


def field_id(name: str) -> str:
    """The id of a field's control (the error summary links to it)."""
    if name == "categories":
        return "cat-" + Category.values[0]
    return "f-" + name.replace("_", "-")


# ---------------------------------------------------------------- the report form


TOKEN_FIELD = "form_token"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_form_token() -> str:
    """A report form's one-time token: sending the same form twice files one report."""
    return secrets.token_urlsafe(24)


def form_token(post: QueryDict) -> str:
    token = post.get(TOKEN_FIELD, "")
    return token if TOKEN_SHAPE.fullmatch(token) else ""


def report_values(post: QueryDict) -> dict[str, Any]:
    """What the visitor typed, exactly, to fill the form again after an error (and its token)."""
    values: dict[str, Any] = {name: post.get(name, "") for name in TEXT_FIELDS}
    values[TOKEN_FIELD] = form_token(post)
    values["categories"] = [c for c in post.getlist("categories") if c in Category.values]
    values["anonymous"] = post.get("anonymous") == "1"
    values["good_faith"] = post.get("good_faith") == "1"
    return values


DAY_MONTH_YEAR = re.compile(r"\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*")


def iso_date(text: str) -> str:
    """A date as the browser's date control sends it (2026-07-01), or as typed in a plain text box
    the Indonesian way (01/07/2026, 1-7-2026): year-month-day. Anything else is left for the check."""
    found = DAY_MONTH_YEAR.fullmatch(text or "")
    if found is None:
        return text
    day, month, year = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def report_data(unit: Unit, values: dict[str, Any]) -> dict[str, Any]:
    """The report JSON of API.md, from the form."""
    position = values["position"].strip()
    subject: dict[str, Any] | None
    if not position:
        subject = None
    elif position == NOT_LISTED:
        subject = {"name": values["subject_name"], "description": values["subject_description"]}
    else:
        subject = {"position": position}
    anonymous = bool(values["anonymous"])
    reporter: dict[str, Any] | None = {
        "name": values["reporter_name"],
        "email": values["reporter_email"],
        "phone": values["reporter_phone"],
        "nik": values["reporter_nik"].replace(" ", ""),
        "relation": values["reporter_relation"],
    }
    if anonymous and unit.effective_policy.get("allow_anonymous"):
        reporter = None  # anonymous means what it says: nothing typed above is kept
    return {
        "unit": unit.code,
        "subject": subject,
        "decision": {
            "title": values["decision_title"],
            "number": values["decision_number"],
            "date": iso_date(values["decision_date"]),
            "kind": values["decision_kind"],
        },
        "categories": list(values["categories"]),
        "description": values["description"],
        "reporter": reporter,
        "anonymous": anonymous,
        "good_faith": bool(values["good_faith"]),
    }


def field_errors(problems: Mapping[str, Problem]) -> dict[str, str]:
    """Problems (by API field) → their words by form field, in the order of the form."""
    found: dict[str, str] = {}
    for name, problem in problems.items():
        target = "text" if name == "text" else FIELD_OF.get(name, "__all__")
        found.setdefault(target, problem.text)
    order = {name: i for i, name in enumerate((*FIELD_ORDER, "text"))}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))))


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """For the error summary: message and the id it links to."""
    listed: list[dict[str, str]] = []
    seen: set[str] = set()
    for name, message in errors.items():
        if message in seen:  # one problem named at two fields (e-mail or phone): listed once
            continue
        seen.add(message)
        listed.append({"message": message, "id": field_id(name) if name != "__all__" else ""})
    return listed
