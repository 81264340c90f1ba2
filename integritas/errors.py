"""Domain errors: services raise them with a stable code; the interfaces turn codes into words.

An error is data, never a sentence to parse:

    raise WrongState("follow_up_open", open=2)
    raise Invalid({"due_date": Problem("date_in_past"), "title": Problem("too_long", limit=500)})

- ``code`` is a stable snake_case string (the API's ``error.code``); the class gives the HTTP status.
- ``params`` are the values a message may mention (a limit, a state, a count).
- ``fields`` (invalid input) maps each field name to a :class:`Problem` (its own code and params).

The words for every code live in one catalogue, :mod:`integritas.messages`, translated with gettext;
``error.message`` and ``problem.text`` render them in the active language. No interface may look at
the words to decide anything: decide on ``code``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CODE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one input field: a code from the catalogue and the values it names."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, code: str, /, **params: Any) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", params)

    @property
    def text(self) -> str:
        from integritas.messages import problem_text

        return problem_text(self)

    def __str__(self) -> str:
        return self.text


def _code(value: str) -> str:
    """A code is snake_case ASCII: a sentence where a code belongs is a programming error."""
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise ValueError(f"not an error code: {value!r}")
    return value


def _as_problem(value: Problem | str) -> Problem:
    return value if isinstance(value, Problem) else Problem(_code(value))


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        /,
        *,
        fields: Mapping[str, Problem | str] | None = None,
        **params: Any,
    ) -> None:
        if code is not None:
            self.code = _code(code)
        self.params: dict[str, Any] = dict(params)
        self.fields: dict[str, Problem] = {name: _as_problem(p) for name, p in (fields or {}).items()}
        super().__init__(self.code)

    @property
    def message(self) -> str:
        """The words for this error in the active language (from the catalogue)."""
        from integritas.messages import error_text

        return error_text(self)

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code


class Malformed(DomainError):
    status, code = 400, "malformed"


class NotAuthenticated(DomainError):
    status, code = 401, "not_authenticated"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class WrongState(DomainError):
    status, code = 409, "wrong_state"


class TooLarge(DomainError):
    status, code = 413, "too_large"


class UnsupportedType(DomainError):
    status, code = 415, "unsupported_file_type"


class Invalid(DomainError):
    """Invalid input: at least one field, each with its own problem code."""

    status, code = 422, "invalid"

    def __init__(self, fields: Mapping[str, Problem | str], /, **params: Any) -> None:
        super().__init__(None, fields=fields, **params)
        self.params.setdefault("fields", ", ".join(sorted(self.fields)))


class TooManyAttempts(DomainError):
    status, code = 429, "too_many_attempts"

    def __init__(self, code: str | None = None, /, *, retry_after: int, **params: Any) -> None:
        super().__init__(code, retry_after=retry_after, **params)
        self.retry_after = retry_after
