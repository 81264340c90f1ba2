"""Form bodies the server refuses, answered as pages.

Django refuses a body that is too large, has too many fields or files, or is not valid multipart by
raising while the CSRF check reads it; without help, the visitor gets a bare English "Bad Request (400)"
and the server logs a traceback. This middleware (placed before the CSRF check) reads the body of
every page's form first:

- On the public forms that take files (marked with :func:`files_over_the_limit_are_field_errors`), a
  file larger than any unit allows is skipped while it streams in and named in
  ``request.refused_uploads``; every other field is read as usual, so the view answers with the form
  again, the typed text kept and the error at the evidence field.
- Any other refused body gets a page in the site's layout, in the visitor's language, with a way back.

The API (``/api/``) has its own JSON answers for the same errors (``integritas.api.errors``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
MARK = "files_over_the_limit_are_field_errors"
BODY_ERRORS = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    UnicodeDecodeError,
)


def files_over_the_limit_are_field_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a page view whose form takes files: files over the limit become a field error there."""
    setattr(view, MARK, True)
    return view


def refused_uploads(request: HttpRequest) -> list[str]:
    """The names of the files skipped because they were over the limit (marked views only)."""
    return list(getattr(request, "refused_uploads", []))


class PageBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith(API_PREFIX) or request.method not in ("POST", "PUT", "PATCH"):
            return None
        request.skip_files_over_limit = bool(getattr(view_func, MARK, False))  # type: ignore[attr-defined]
        request.refused_uploads = []  # type: ignore[attr-defined]
        try:
            request.POST  # noqa: B018 - read (and check) the body now, before the CSRF check does
        except BODY_ERRORS as exc:
            request._mark_post_parse_error()  # type: ignore[attr-defined]
            log.info("form body refused on %s: %s", request.path, type(exc).__name__)
            from integritas.web.views.errors import body_refused

            return body_refused(request, exc)
        return None
