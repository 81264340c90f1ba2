"""Back office for handlers and teams: signing in, the queues, the case page and its actions."""

from django.urls import path, re_path

from integritas.web.views import auth, case_actions, case_calendar, case_page, queues

CASE = r"^kasus/(?P<reference>BK-[0-9]{4}-[0-9]{6,12})/"
ID = r"(?P<{}>[0-9]{{1,18}})"

urlpatterns = [
    path("masuk/", auth.login_view, name="login"),
    path("masuk/kode/", auth.login_code, name="login_code"),
    path("masuk/dua-langkah/", auth.login_setup, name="login_setup"),
    path("keluar/", auth.logout_view, name="logout"),
    path("kasus/", queues.queue, name="queue"),
    path("kasus/semua/", queues.team_cases, name="team_cases"),
    path("kasus/<str:reference>/", case_page.case_page, name="case"),
    re_path(CASE + r"konfirmasi/$", case_actions.case_confirm, name="case_confirm"),
    re_path(CASE + r"kalender/$", case_calendar.case_calendar, name="case_calendar"),
    re_path(CASE + r"pemeriksaan/$", case_actions.case_examine, name="case_examine"),
    re_path(CASE + r"peninjauan/$", case_actions.case_review, name="case_review"),
    re_path(CASE + r"tarik-diri/$", case_actions.case_recuse, name="case_recuse"),
    re_path(CASE + r"triase/$", case_actions.case_triage, name="case_triage"),
    re_path(CASE + r"pesan/$", case_actions.case_message, name="case_message"),
    re_path(CASE + r"tindak-lanjut/$", case_actions.follow_up_add, name="follow_up_add"),
    re_path(
        CASE + r"tindak-lanjut/" + ID.format("follow_up_id") + r"/selesai/$",
        case_actions.follow_up_settle,
        {"how": "done"},
        name="follow_up_done",
    ),
    re_path(
        CASE + r"tindak-lanjut/" + ID.format("follow_up_id") + r"/batal/$",
        case_actions.follow_up_settle,
        {"how": "cancel"},
        name="follow_up_cancel",
    ),
    re_path(CASE + r"tutup/$", case_actions.case_close, name="case_close"),
    re_path(CASE + r"identitas/$", case_actions.identity_request, name="identity_request"),
    re_path(
        CASE + r"identitas/" + ID.format("request_id") + r"/keputusan/$",
        case_actions.identity_decide,
        name="identity_decide",
    ),
    re_path(
        CASE + r"bukti/" + ID.format("evidence_id") + r"/$", case_actions.evidence_download, name="evidence"
    ),
]
