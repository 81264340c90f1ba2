"""The one catalogue of words for error codes and field problems, used by the API and the pages alike.

Services raise :class:`integritas.errors.DomainError` with a code; the interfaces never read or build
sentences themselves: they call :func:`error_text` / :func:`problem_text`, which look the code up here
and translate it (gettext, in the active language) with the error's parameters (``%(limit)s``).

Each part of the product keeps its codes in its own module of this package (``common``, ``cases``,
``orgs``, …), registered below. A code that is missing from the catalogue falls back to a generic
sentence for its kind, so a new code never shows a blank; a test checks that every code raised in the
code base has its words here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from integritas.errors import DomainError, Problem

ERRORS: dict[str, Promise | str] = {}
PROBLEMS: dict[str, Promise | str] = {}


def register(*, errors: Mapping[str, Promise | str] = {}, problems: Mapping[str, Promise | str] = {}) -> None:
    for table, new in ((ERRORS, errors), (PROBLEMS, problems)):
        for code, words in new.items():
            if code in table and table[code] != words:
                raise RuntimeError(f"message code {code!r} is defined twice")
            table[code] = words


def _render(words: Promise | str, params: Mapping[str, Any]) -> str:
    text = str(words)
    if params:
        try:
            return text % {k: _param(v) for k, v in params.items()}
        except (KeyError, ValueError, TypeError):
            return text
    return text


def _param(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return value


def error_text(error: DomainError) -> str:
    reason = error.params.get("reason")
    # A reason refines the words of a code that interfaces rely on (``not_found`` for a case,
    # ``forbidden`` for the team only): the code stays what clients see.
    words = ERRORS.get(f"{error.code}.{reason}") if reason else None
    if words is None:
        words = ERRORS.get(error.code)
    if words is None:
        words = ERRORS.get(f"_status_{error.status}", ERRORS["_status_400"])
    return _render(words, error.params)


def problem_text(problem: Problem) -> str:
    words = PROBLEMS.get(problem.code)
    if words is None:
        words = PROBLEMS["invalid"]
    return _render(words, problem.params)


def _load() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


_load()
