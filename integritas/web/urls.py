"""Page addresses in Indonesian (the language of the users); each area has its own module."""

from django.urls import include, path
from django.views.i18n import set_language

from integritas.web.views import public
from integritas.web.views.manage.approvals import approvals

app_name = "web"

urlpatterns = [
    path("", public.home, name="home"),
    path("bahasa/", set_language, name="set_language"),
    path("", include("integritas.web.urls_public")),
    path("", include("integritas.web.urls_staff")),
    path("kelola/", include("integritas.web.urls_manage")),
    path("", include("integritas.web.urls_prevention")),  # issue 9
    path("", include("integritas.web.urls_monitoring")),  # issue 10
    path("persetujuan/", approvals, name="approvals"),
]
