"""Error pages in the site's layout and the visitor's language, phone-sized, each with a way back.

Django's own pages (English, no layout, a CSRF page that talks about DEBUG) are replaced by these:
400, 403, 404 and 500 (``handler400`` … in the root URLconf), the CSRF failure (``CSRF_FAILURE_VIEW``)
and a form body the server refused (``integritas.web.bodies``). Addresses under ``/api/`` keep the
API's JSON envelope.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from integritas.errors import DomainError, Forbidden, Malformed, NotFound
from integritas.web.bodies import API_PREFIX

log = logging.getLogger(__name__)


def _api_error(error: DomainError, status: int) -> JsonResponse:
    from integritas.api.errors import error_body

    return JsonResponse(error_body(error), status=status)


def _page(
    request: HttpRequest,
    status: int,
    title: str,
    text: str,
    *,
    back: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {"status": status, "title": title, "text": text, "back": back, **(extra or {})}
    try:
        return render(request, "web/error.html", context, status=status)
    except Exception:  # the page of last resort must not fail itself
        log.exception("error page could not be drawn")
        return HttpResponse(f"<!doctype html><title>{status}</title><p>{status}</p>", status=status)


def _answer(
    request: HttpRequest, error: DomainError, status: int, title: str, text: str, **page: Any
) -> HttpResponse:
    """The API's JSON envelope for an address under /api/, the page otherwise."""
    if request.path.startswith(API_PREFIX):
        return _api_error(error, status)
    return _page(request, status, title, text, **page)


def _back_to_form(request: HttpRequest) -> str:
    """The address of the form that was posted (a GET shows it again), when it is one of ours."""
    try:
        resolve(request.path)
    except Resolver404:
        return ""
    return request.path


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request,
        Malformed(),
        400,
        _("The request could not be read"),
        _("Your browser sent something this site could not read. Go back and try again."),
        back=_back_to_form(request),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request,
        Forbidden(),
        403,
        _("You may not open this page"),
        _("This page is not open to you. If you are a member of staff, sign in with your own account."),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request,
        NotFound(reason="endpoint"),
        404,
        _("Page not found"),
        _(
            "There is no page at this address. If you typed it from a poster, check it; to report, "
            "find your school or office by its name."
        ),
        extra={"show_search": True},
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"error": {"code": "internal", "message": _("Something went wrong on our side. Try again.")}},
            status=500,
        )
    return _page(
        request,
        500,
        _("Something went wrong on our side"),
        _("The error has been noted. Nothing you sent was lost on purpose: please try again in a moment."),
    )


def body_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A form body the server refused while reading it (see integritas.web.bodies)."""
    if isinstance(exc, RequestDataTooBig | TooManyFilesSent):
        return _page(
            request,
            413,
            _("What you sent is too large"),
            _(
                "The files together are larger than this site accepts, or there are too many of them. "
                "Go back to the form, choose smaller or fewer files (a video can often be shortened or "
                "sent later as a message), and send again."
            ),
            back=_back_to_form(request),
        )
    return bad_request(request, exc)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security check failed: usually cookies were cleared, or the page was open too long.

    The report form comes back filled in with what could be read, and says what happened."""
    if request.path.startswith(API_PREFIX):
        return _api_error(Forbidden(), 403)
    try:
        match = resolve(request.path)
    except Resolver404:
        match = None
    if match is not None and match.url_name == "report_form" and request.method == "POST":
        from integritas.web.views import public

        return public.report_form_again(request, match.kwargs.get("code", ""))
    if match is not None and match.url_name == "track" and request.method == "POST":
        from integritas.web.views import public

        return public.track_again(request)
    return _page(
        request,
        403,
        _("The form has expired"),
        _(
            "For your safety, a form works only in the browser that opened it, while its cookies are kept. "
            "They were cleared, or the page was open for a long time. Open the form again and send it once more."
        ),
        back=_back_to_form(request) if request.method == "POST" else "",
    )
