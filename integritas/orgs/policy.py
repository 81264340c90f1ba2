"""Unit policy: the keys, their defaults, their bounds, and a typed view of the policy in force.

Units inherit keys down the tree (SPEC §5): a unit's own ``policy`` holds only the keys it sets; the
policy in force is the defaults overlaid with the keys set along the path from the root. The merge is
stored on each unit when units change (``Unit.resolved_policy``), so reading it costs no query.

Validation speaks in codes (:class:`integritas.errors.Problem`), never in sentences: the interfaces
turn the codes into words (``integritas.messages.orgs``) and read the bounds from :data:`KEYS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from integritas.errors import Problem

DAY_KINDS = ("working", "calendar")
IDENTITY_DISCLOSURE = ("handlers", "on_request")
SCREENING = ("skip", "warn")  # prevention (issue 9)


@dataclass(frozen=True)
class Key:
    """One policy key: its kind (``int``, ``bool`` or ``choice``), its bounds or options, its default."""

    name: str
    kind: str
    default: Any
    low: int = 1
    high: int = 0
    options: tuple[str, ...] = ()

    def problem(self, value: Any) -> Problem | None:
        if self.kind == "bool":
            return None if isinstance(value, bool) else Problem("not_boolean")
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
                return Problem("number_range", low=self.low, high=self.high)
            return None
        if not isinstance(value, str) or value not in self.options:
            return Problem("choice", choices=", ".join(self.options))
        return None


def _int(name: str, default: int, high: int) -> Key:
    return Key(name, "int", default, low=1, high=high)


def _choice(name: str, default: str, options: tuple[str, ...]) -> Key:
    return Key(name, "choice", default, options=options)


def _bool(name: str, default: bool) -> Key:
    return Key(name, "bool", default)


KEYS: dict[str, Key] = {
    key.name: key
    for key in (
        _int("examination_days", 3, 60),
        _choice("examination_day_kind", "working", DAY_KINDS),
        _int("review_days", 2, 60),
        _choice("review_day_kind", "calendar", DAY_KINDS),
        _int("triage_days", 3, 60),
        _choice("triage_day_kind", "working", DAY_KINDS),
        _bool("auto_escalate", True),
        _bool("allow_anonymous", False),
        _bool("require_evidence", True),
        _int("max_upload_mb", 20, 500),
        _choice("identity_disclosure", "handlers", IDENTITY_DISCLOSURE),
        _bool("require_two_factor", False),
        # prevention (issue 9, SPEC §5): handler screening, self-declared conflicts, gratification reports
        _choice("screening", "skip", SCREENING),
        _int("self_declaration_days", 7, 60),
        _int("gratification_days", 30, 60),
    )
}

DEFAULTS: dict[str, Any] = {name: key.default for name, key in KEYS.items()}


def validate_policy(policy: Any) -> dict[str, Problem]:
    """Problems by key (``""`` for the whole value); empty when the (partial) policy is valid."""
    if not isinstance(policy, dict):
        return {"": Problem("not_object")}
    problems: dict[str, Problem] = {}
    for name, value in policy.items():
        key = KEYS.get(name) if isinstance(name, str) else None
        if key is None:
            problems[str(name)] = Problem("policy_unknown_key", key=str(name), keys=", ".join(KEYS))
            continue
        problem = key.problem(value)
        if problem is not None:
            problems[name] = problem
    return problems


def merged(chain_root_first: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The keys set along a path (root first): later (lower) units win. Defaults are not included."""
    result: dict[str, Any] = {}
    for own in chain_root_first:
        for name, value in (own or {}).items():
            if name in KEYS:
                result[name] = value
    return result


@dataclass(frozen=True)
class Policy:
    """The policy in force at a unit, typed: ``unit.policy_in_force.examination_days``."""

    examination_days: int
    examination_day_kind: str
    review_days: int
    review_day_kind: str
    triage_days: int
    triage_day_kind: str
    auto_escalate: bool
    allow_anonymous: bool
    require_evidence: bool
    max_upload_mb: int
    identity_disclosure: str
    require_two_factor: bool
    screening: str
    self_declaration_days: int
    gratification_days: int

    @classmethod
    def of(cls, resolved: Mapping[str, Any]) -> Policy:
        """From the keys set along the path; a key missing (or stored wrong) takes its default."""
        values = {}
        for spec in fields(cls):
            key = KEYS[spec.name]
            value = resolved.get(spec.name, key.default)
            values[spec.name] = key.default if key.problem(value) is not None else value
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}
