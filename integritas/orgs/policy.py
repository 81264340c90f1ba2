"""Unit policy: the keys, their defaults and their validation. Units inherit keys down the tree."""

from __future__ import annotations

from typing import Any

DAY_KINDS = ("working", "calendar")
IDENTITY_DISCLOSURE = ("handlers", "on_request")
SCREENING = ("skip", "warn")  # prevention (issue 9)

DEFAULTS: dict[str, Any] = {
    "examination_days": 3,
    "examination_day_kind": "working",
    "review_days": 2,
    "review_day_kind": "calendar",
    "triage_days": 3,
    "triage_day_kind": "working",
    "auto_escalate": True,
    "allow_anonymous": False,
    "require_evidence": True,
    "max_upload_mb": 20,
    "identity_disclosure": "handlers",
    "require_two_factor": False,
    # prevention (issue 9, SPEC §5): handler screening, self-declared conflicts, gratification reports
    "screening": "skip",
    "self_declaration_days": 7,
    "gratification_days": 30,
}


def _positive_int(limit: int):
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= limit):
            return f"must be a whole number from 1 to {limit}"
        return None

    return check


def _choice(options: tuple[str, ...]):
    def check(value: Any) -> str | None:
        if value not in options:
            return "must be one of: " + ", ".join(options)
        return None

    return check


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


CHECKS = {
    "examination_days": _positive_int(60),
    "examination_day_kind": _choice(DAY_KINDS),
    "review_days": _positive_int(60),
    "review_day_kind": _choice(DAY_KINDS),
    "triage_days": _positive_int(60),
    "triage_day_kind": _choice(DAY_KINDS),
    "auto_escalate": _boolean,
    "allow_anonymous": _boolean,
    "require_evidence": _boolean,
    "max_upload_mb": _positive_int(500),
    "identity_disclosure": _choice(IDENTITY_DISCLOSURE),
    "require_two_factor": _boolean,
    "screening": _choice(SCREENING),  # prevention (issue 9)
    "self_declaration_days": _positive_int(60),
    "gratification_days": _positive_int(60),
}


def validate_policy(policy: Any) -> dict[str, str]:
    """Problems by key; empty when the (partial) policy is valid."""
    if not isinstance(policy, dict):
        return {"": "must be an object"}
    problems: dict[str, str] = {}
    for key, value in policy.items():
        check = CHECKS.get(key)
        if check is None:
            problems[key] = "unknown policy key; known keys: " + ", ".join(sorted(CHECKS))
            continue
        problem = check(value)
        if problem:
            problems[key] = problem
    return problems
