"""Public portal: reporting and tracking (owned by the public-portal work)."""

from django.urls import path

from integritas.web.views import public

urlpatterns = [
    path("lapor/", public.report_start, name="report_start"),
    # Fixed addresses before the unit code, so that they are never read as one.
    path("lapor/terkirim/", public.report_done, name="report_done"),
    path("lapor/terkirim/slip.txt", public.report_slip, name="report_slip"),
    path("lapor/terkirim/selesai/", public.report_done_finish, name="report_done_finish"),
    path("lapor/<str:code>/", public.report_form, name="report_form"),
    path("pantau/", public.track, name="track"),
    path("pantau/laporan/", public.track_case, name="track_case"),
    path("pantau/selesai/", public.track_end, name="track_end"),
]
