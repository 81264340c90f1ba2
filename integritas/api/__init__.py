"""The JSON API under /api/v1 (API.md §2)."""

from django.http import HttpRequest
from ninja import NinjaAPI, Router

from integritas.api import errors, monitoring, notifications, org_admin, prevention, public, staff
from integritas.api.bodies import StrictParser
from integritas.errors import NotFound

api = NinjaAPI(
    title="Integritas API",
    version="1",
    description="Whistle-blowing and conflict-of-interest handling (benturan kepentingan). "
    "Staff authenticate with `Authorization: Bearer <token>` from POST /auth/token; reporters with "
    'the header `X-Receipt`. Errors: {"error": {"code", "message", "fields"?}}.',
    urls_namespace="api",
    parser=StrictParser(),
)
errors.install(api)
api.add_router("", public.router)
api.add_router("", staff.router)
api.add_router("", notifications.router)
api.add_router("", prevention.router)  # issue 9
api.add_router("", org_admin.router)
api.add_router("", monitoring.router)  # issue 10

# Last, so it matches only what no endpoint does (e.g. /cases//examination): a JSON 404, not Django's page.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False, auth=None
)
def unknown_endpoint(request: HttpRequest, path: str):
    raise NotFound(reason="endpoint")


api.add_router("", fallback)
