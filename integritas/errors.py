"""Domain errors: services raise them, the interfaces map them to status codes in one place."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


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
    status, code = 422, "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None):
        names = ", ".join(sorted(fields))
        super().__init__(message or f"Invalid input: {names}", fields=fields)


class TooManyAttempts(DomainError):
    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
