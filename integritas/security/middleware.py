"""Response headers that every page and answer carries: a strict Content-Security-Policy, no caching of
anything that may hold case content, no referrer, no framing."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The interactive API docs (Swagger UI, served from our own static files) set inline styles.
DOCS_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
CACHEABLE_PREFIXES = ("/static/",)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path
        csp = DOCS_CSP if path.startswith("/api/v1/docs") else STRICT_CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        # Pages: "same-origin" sends no referrer to any other site, while keeping the browser's Origin
        # header on our own form posts (with "no-referrer" it sends "Origin: null" and the CSRF check
        # must refuse the post). API answers: "no-referrer".
        response.headers.setdefault(
            "Referrer-Policy", "no-referrer" if path.startswith("/api/") else "same-origin"
        )
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not path.startswith(CACHEABLE_PREFIXES):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
