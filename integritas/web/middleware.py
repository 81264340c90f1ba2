"""Indonesian first.

Pages: the language is the visitor's explicit choice (cookie) or Indonesian, never guessed from the
browser, so that a phone set to English still shows the Indonesian pages until the switch is used.

API (``/api/``): clients have no cookie to set; they ask with ``Accept-Language`` (``en`` or ``id``),
and get Indonesian when they ask for neither.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def _for_api(self, request: HttpRequest) -> str | None:
        for tag, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
            primary = tag.split("-")[0].lower()
            if primary in self.supported:
                return primary
        return None

    def _for_pages(self, request: HttpRequest) -> str | None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if chosen not in self.supported and user is not None and user.is_authenticated:
            chosen = getattr(user, "language", None)
        return chosen

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = self._for_api(request) if request.path.startswith(API_PREFIX) else self._for_pages(request)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
