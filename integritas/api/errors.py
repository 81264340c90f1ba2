"""One place where errors become HTTP: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from integritas.errors import DomainError, TooManyAttempts
from integritas.vault.crypto import VaultError

log = logging.getLogger(__name__)

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


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    # ninja prefixes the source ("body", "query", …) and the parameter name
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file", "cookie"}:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "params", "data"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


def _pydantic_problem(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "is required"
    if kind == "literal_error":
        return "must be one of: " + str(err.get("ctx", {}).get("expected", "")).replace("'", "")
    return str(err.get("msg", "is invalid"))


def install(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ):
        response = api.create_response(request, body, status=status)
        for key, value in (headers or {}).items():
            response[key] = value
        return response

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.field_texts()), headers)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(err.get("loc", ())), _pydantic_problem(err))
        return respond(
            request, 422, error_body("invalid", "Invalid input: " + ", ".join(sorted(fields)), fields)
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            error_body("not_authenticated", "Sign in first: send Authorization: Bearer <token>"),
            {"WWW-Authenticate": "Bearer"},
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        message = str(exc)
        if exc.status_code == 400 and message.startswith("Cannot parse"):
            message = "The request body is not valid JSON"
        return respond(request, exc.status_code, error_body(code, message))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", "Not found"))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, error_body("too_large", "The request is too large"))

    @api.exception_handler(TooManyFilesSent)
    def too_many_files(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, error_body("too_large", "Too many files in one request"))

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 400, error_body("malformed", "The multipart body could not be read"))

    @api.exception_handler(UnicodeDecodeError)
    def bad_encoding(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 400, error_body("malformed", "The request is not valid UTF-8"))

    @api.exception_handler(VaultError)
    def vault_error(request: HttpRequest, exc: VaultError) -> HttpResponse:
        log.error("vault: %s", exc)
        return respond(
            request, 503, error_body("unavailable", "Encrypted data cannot be opened: check the master key")
        )
