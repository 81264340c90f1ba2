"""Public portal: reporting and tracking (owned by the public-portal work)."""

from django.urls import path

from integritas.web.views import public

urlpatterns = [
    path("lapor/", public.report_start, name="report_start"),
    path("pantau/", public.track, name="track"),
]
