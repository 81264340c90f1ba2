"""Administration of the organisation (mounted under /kelola/; administrators only)."""

from django.urls import path

from integritas.web.views.manage import calendar, home, imports, people, positions, teams, units

urlpatterns = [
    path("", home.home, name="manage_home"),
    path("unit/", units.unit_list, name="manage_units"),
    path("unit/baru/", units.unit_page, name="manage_unit_create"),
    path("unit/<str:code>/", units.unit_page, name="manage_unit"),
    path("jabatan/", positions.position_list, name="manage_positions"),
    path("jabatan/baru/", positions.position_page, name="manage_position_create"),
    path("jabatan/<str:code>/", positions.position_page, name="manage_position"),
    path("pegawai/", people.person_list, name="manage_people"),
    path("pegawai/baru/", people.person_create, name="manage_person_create"),
    path("pegawai/<str:username>/", people.person_edit, name="manage_person"),
    path("tim/", teams.team_list, name="manage_teams"),
    path("tim/<str:code>/", teams.team_edit, name="manage_team"),
    path("kalender/", calendar.calendar_index, name="manage_calendars"),
    path("kalender/<str:code>/<int:year>/", calendar.calendar_view, name="manage_calendar"),
    path("impor/", imports.import_view, name="manage_import"),
    path("impor/templat.xlsx", imports.import_template, name="manage_import_template"),
    path("impor/ekspor.xlsx", imports.export_xlsx, name="manage_export_xlsx"),
    path("impor/ekspor.json", imports.export_json, name="manage_export_json"),
]
