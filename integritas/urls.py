from django.urls import include, path

from integritas.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("integritas.web.urls")),
]
