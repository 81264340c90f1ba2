"""One place where errors become HTTP: {"error": {"code", "message", "fields"?}}.

The words come from the catalogue (``integritas.messages``) in the request's language; nothing here
reads an error's words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from integritas.errors import (
    DomainError,
    Invalid,
    Malformed,
    NotAuthenticated,
    NotFound,
    Problem,
    TooLarge,
    TooManyAttempts,
)
from integritas.vault.crypto import VaultError

log = logging.getLogger(__name__)

# The code of a status that ninja or Django raises without one.
STATUS_CODES = {
    400: "malformed",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "wrong_state",
    413: "too_large",
    415: "unsupported_file_type",
    422: "invalid",
    429: "too_many_attempts",
}
SOURCES = {"body", "query", "path", "header", "form", "file", "cookie"}


def error_body(error: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = {name: problem.text for name, problem in error.fields.items()}
    return {"error": body}


def field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    # ninja prefixes the source ("body", "query", …) and the parameter name
    if parts and parts[0] in SOURCES:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "params", "data", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


def pydantic_problem(err: Mapping[str, Any]) -> Problem:
    """A problem code for one of pydantic's errors (never its English words)."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return Problem("required")
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return Problem("choice", choices=expected)
    if kind.startswith("string_") and kind != "string_too_long":
        return Problem("not_text")
    if kind == "string_too_long":
        return Problem("too_long", limit=ctx.get("max_length", ""))
    if kind.startswith("int_"):
        return Problem("not_integer")
    if kind.startswith("bool_"):
        return Problem("not_boolean")
    if kind in ("greater_than_equal", "greater_than"):
        return Problem("too_small", limit=ctx.get("ge", ctx.get("gt", "")))
    if kind in ("less_than_equal", "less_than"):
        return Problem("too_big", limit=ctx.get("le", ctx.get("lt", "")))
    if kind.startswith(("date_", "datetime_")):
        return Problem("bad_date")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Problem("not_object")
    if kind == "list_type":
        return Problem("not_list")
    return Problem("invalid")


def install(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest, error: DomainError, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        response = api.create_response(request, error_body(error), status=error.status)
        for key, value in (headers or {}).items():
            response[key] = value
        return response

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return respond(request, exc, headers)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, Problem] = {}
        for err in exc.errors:
            fields.setdefault(field_name(err.get("loc", ())), pydantic_problem(err))
        return respond(request, Invalid(fields))

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, NotAuthenticated(reason="token"), {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        error = DomainError(code, reason="json" if exc.status_code == 400 else None)
        error.status = exc.status_code
        return respond(request, error)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, NotFound())

    # What Django raises while reading a body, each as the error a client gets.
    body_errors: dict[type[Exception], Callable[[], DomainError]] = {
        RequestDataTooBig: lambda: TooLarge(reason="request"),
        TooManyFilesSent: lambda: TooLarge(reason="files"),
        TooManyFieldsSent: lambda: Malformed(reason="too_many_fields"),
        MultiPartParserError: lambda: Malformed(reason="multipart"),
        UnicodeDecodeError: lambda: Malformed(reason="encoding"),
    }

    def answer(
        make: Callable[[], DomainError],
    ) -> Callable[[HttpRequest, Exception | type[Exception]], HttpResponse]:
        return lambda request, exc: respond(request, make())

    for raised, make in body_errors.items():
        api.add_exception_handler(raised, answer(make))

    @api.exception_handler(VaultError)
    def vault_error(request: HttpRequest, exc: VaultError) -> HttpResponse:
        log.error("vault: %s", exc)
        error = DomainError("unavailable")
        error.status = 503
        return respond(request, error)
