"""Administration of the organisation (owned by the administration work)."""

from django.urls import path

from integritas.web.views import manage

urlpatterns = [
    path("", manage.home, name="manage_home"),
]
