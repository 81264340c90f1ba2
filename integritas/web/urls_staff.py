"""Back office for handlers and teams (owned by the back-office work)."""

from django.urls import path

from integritas.web.views import staff

urlpatterns = [
    path("masuk/", staff.login_view, name="login"),
    path("keluar/", staff.logout_view, name="logout"),
    path("kasus/", staff.queue, name="queue"),
    path("kasus/semua/", staff.team_cases, name="team_cases"),
]
