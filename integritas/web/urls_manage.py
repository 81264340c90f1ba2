"""Administration of the organisation (mounted under /kelola/; administrators only)."""

from django.urls import path

from integritas.web.views import manage

urlpatterns = [
    path("", manage.home, name="manage_home"),
    path("unit/", manage.unit_list, name="manage_units"),
    path("unit/baru/", manage.unit_create, name="manage_unit_create"),
    path("unit/<str:code>/", manage.unit_edit, name="manage_unit"),
    path("jabatan/", manage.position_list, name="manage_positions"),
    path("jabatan/baru/", manage.position_create, name="manage_position_create"),
    path("jabatan/<str:code>/", manage.position_edit, name="manage_position"),
    path("pegawai/", manage.person_list, name="manage_people"),
    path("pegawai/baru/", manage.person_create, name="manage_person_create"),
    path("pegawai/<str:username>/", manage.person_edit, name="manage_person"),
    path("tim/", manage.team_list, name="manage_teams"),
    path("tim/<str:code>/", manage.team_edit, name="manage_team"),
    path("kalender/", manage.calendar_index, name="manage_calendars"),
    path("kalender/<str:code>/<int:year>/", manage.calendar_view, name="manage_calendar"),
    path("impor/", manage.import_view, name="manage_import"),
]
