from pathlib import Path

from django.http import FileResponse, HttpRequest
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from integritas.api import api

FAVICON = Path(__file__).resolve().parent / "web" / "static" / "web" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page says; the pages link the hashed copy."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")


urlpatterns = [
    path("favicon.ico", favicon),
    path("api/v1/", api.urls),
    path("", include("integritas.web.urls")),
]

# Error pages in the site's layout and language (JSON under /api/): integritas.web.views.errors.
handler400 = "integritas.web.views.errors.bad_request"
handler403 = "integritas.web.views.errors.forbidden"
handler404 = "integritas.web.views.errors.not_found"
handler500 = "integritas.web.views.errors.server_error"
