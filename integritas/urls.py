from django.urls import path

from integritas.api import api

urlpatterns = [
    path("api/v1/", api.urls),
]
