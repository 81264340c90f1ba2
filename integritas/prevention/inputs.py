"""Reading what a client sent: every bad field is named, each with its own problem code, and nothing
is stored on a refused request (services check everything before they write).

    check = Check()
    value = check.integer(data, "value_idr", minimum=0)
    check.done()        # raises Invalid naming every field that failed
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from integritas.errors import Invalid, Problem

MAX_TEXT = 20000
MAX_NAME = 300
MAX_IDR = 10**15  # a thousand trillion rupiah: anything above is a typing error


class Check:
    def __init__(self) -> None:
        self.problems: dict[str, Problem] = {}

    def fail(self, field: str, code: str, **params: Any) -> None:
        self.problems.setdefault(field, Problem(code, **params))

    def ok(self, field: str) -> bool:
        return field not in self.problems

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)

    # ------------------------------------------------------------ values

    def body(self, value: Any) -> Mapping[str, Any]:
        """The request body: when it is no JSON object there are no fields to name."""
        if not isinstance(value, Mapping):
            raise Invalid({"body": Problem("not_object")})
        return value

    def obj(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(field, "not_object")
            return {}
        return value

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        *,
        field: str | None = None,
        required: bool = True,
        limit: int = MAX_TEXT,
    ) -> str:
        field = field or key
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(field, "required")
            return ""
        if not isinstance(value, str):
            self.fail(field, "not_text")
            return ""
        if "\x00" in value:
            self.fail(field, "nul_character")
            return ""
        value = value.strip()
        if len(value) > limit:
            self.fail(field, "too_long", limit=limit)
            return ""
        return value

    def boolean(
        self, data: Mapping[str, Any], key: str, *, field: str | None = None, default: bool | None = None
    ) -> bool:
        field = field or key
        value = data.get(key)
        if value is None:
            if default is None:
                self.fail(field, "required")
                return False
            return default
        if not isinstance(value, bool):
            self.fail(field, "not_boolean")
            return False
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        *,
        field: str | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = True,
    ) -> int | None:
        field = field or key
        value = data.get(key)
        if value is None:
            if required:
                self.fail(field, "required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, "not_integer")
            return None
        if minimum is not None and value < minimum:
            if minimum == 0:
                self.fail(field, "negative")
            else:
                self.fail(
                    field,
                    "value_out_of_range",
                    minimum=minimum,
                    maximum=maximum if maximum is not None else "",
                )
            return None
        if maximum is not None and value > maximum:
            self.fail(
                field, "value_out_of_range", minimum=minimum if minimum is not None else "", maximum=maximum
            )
            return None
        return value

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        options: Iterable[str],
        *,
        field: str | None = None,
        required: bool = True,
        aliases: Mapping[str, str] | None = None,
    ) -> str:
        field = field or key
        options = tuple(options)
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(field, "required")
            return ""
        if isinstance(value, str) and aliases and value.lower() in aliases:
            value = aliases[value.lower()]
        if not isinstance(value, str) or value not in options:
            self.fail(field, "choice", choices=", ".join(options))
            return ""
        return value

    def date(
        self,
        data: Mapping[str, Any],
        key: str,
        *,
        field: str | None = None,
        required: bool = True,
        not_after: dt.date | None = None,
    ) -> dt.date | None:
        field = field or key
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(field, "required")
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            if not isinstance(value, str) or len(value) != 10:
                self.fail(field, "bad_date")
                return None
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                self.fail(field, "bad_date")
                return None
        if value.year < 1900:
            self.fail(field, "bad_date")
            return None
        if not_after is not None and value > not_after:
            self.fail(field, "date_in_future")
            return None
        return value

    def instant(
        self, data: Mapping[str, Any], key: str, *, zone: dt.tzinfo, field: str | None = None
    ) -> dt.datetime | None:
        """An ISO 8601 date and time; without an offset it is read in ``zone`` (the unit's)."""
        field = field or key
        value = data.get(key)
        if value is None or value == "":
            self.fail(field, "required")
            return None
        if isinstance(value, str) and len(value) <= 40 and "\x00" not in value:
            try:
                value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                value = None
        if not isinstance(value, dt.datetime) or value.year < 1900 or value.year > 9000:
            self.fail(field, "bad_datetime")
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value

    def items(
        self, data: Mapping[str, Any], key: str, *, field: str | None = None, limit: int = 100
    ) -> list[Any]:
        field = field or key
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(field, "not_list")
            return []
        if len(value) > limit:
            self.fail(field, "too_many", limit=limit)
            return []
        return value
