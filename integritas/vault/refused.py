"""Why a file is refused: a code from :mod:`integritas.messages.security`, raised by the format checks
and turned into a 415 (:class:`integritas.errors.UnsupportedType`) by ``filetypes.inspect_upload``."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code
