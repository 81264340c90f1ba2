"""The JSON API under /api/v1 (API.md §2)."""

from ninja import NinjaAPI

from integritas.api import errors, public, staff

api = NinjaAPI(
    title="Integritas API",
    version="1",
    description="Whistle-blowing and conflict-of-interest handling (benturan kepentingan). "
    "Staff authenticate with `Authorization: Bearer <token>` from POST /auth/token; reporters with "
    'the header `X-Receipt`. Errors: {"error": {"code", "message", "fields"?}}.',
    urls_namespace="api",
)
errors.install(api)
api.add_router("", public.router)
api.add_router("", staff.router)
