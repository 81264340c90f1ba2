from django.urls import include, path

from integritas.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("integritas.web.urls")),
]

# Error pages in the site's layout and language (JSON under /api/): integritas.web.views.errors.
handler400 = "integritas.web.views.errors.bad_request"
handler403 = "integritas.web.views.errors.forbidden"
handler404 = "integritas.web.views.errors.not_found"
handler500 = "integritas.web.views.errors.server_error"
