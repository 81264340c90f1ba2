"""Back office for handlers and teams: signing in, the queues, the case page and its actions."""

from django.urls import path, re_path

from integritas.web.views import staff

CASE = r"^kasus/(?P<reference>BK-[0-9]{4}-[0-9]{6,12})/"
ID = r"(?P<{}>[0-9]{{1,18}})"

urlpatterns = [
    path("masuk/", staff.login_view, name="login"),
    path("masuk/kode/", staff.login_code, name="login_code"),
    path("masuk/dua-langkah/", staff.login_setup, name="login_setup"),
    path("keluar/", staff.logout_view, name="logout"),
    path("kasus/", staff.queue, name="queue"),
    path("kasus/semua/", staff.team_cases, name="team_cases"),
    path("kasus/<str:reference>/", staff.case_page, name="case"),
    re_path(CASE + r"konfirmasi/$", staff.case_confirm, name="case_confirm"),
    re_path(CASE + r"pemeriksaan/$", staff.case_examine, name="case_examine"),
    re_path(CASE + r"peninjauan/$", staff.case_review, name="case_review"),
    re_path(CASE + r"tarik-diri/$", staff.case_recuse, name="case_recuse"),
    re_path(CASE + r"triase/$", staff.case_triage, name="case_triage"),
    re_path(CASE + r"pesan/$", staff.case_message, name="case_message"),
    re_path(CASE + r"tindak-lanjut/$", staff.follow_up_add, name="follow_up_add"),
    re_path(
        CASE + r"tindak-lanjut/" + ID.format("follow_up_id") + r"/selesai/$",
        staff.follow_up_done,
        name="follow_up_done",
    ),
    re_path(
        CASE + r"tindak-lanjut/" + ID.format("follow_up_id") + r"/batal/$",
        staff.follow_up_cancel,
        name="follow_up_cancel",
    ),
    re_path(CASE + r"tutup/$", staff.case_close, name="case_close"),
    re_path(CASE + r"identitas/$", staff.identity_request, name="identity_request"),
    re_path(
        CASE + r"identitas/" + ID.format("request_id") + r"/keputusan/$",
        staff.identity_decide,
        name="identity_decide",
    ),
    re_path(CASE + r"bukti/" + ID.format("evidence_id") + r"/$", staff.evidence_download, name="evidence"),
]
