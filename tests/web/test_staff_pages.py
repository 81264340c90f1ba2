"""The back office pages: sign-in (password, lockout, TOTP), the queues, the case page and the actions
of the procedure, visibility (404 for the subject and outsiders), evidence, messages, languages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polib
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from integritas.audit.models import AuditEntry
from integritas.cases import presenters
from integritas.cases.models import Evidence, FollowUp, NoConflictConfirmation, Status
from integritas.orgs import totp
from integritas.orgs.auth import totp_begin, totp_confirm, totp_secret
from integritas.orgs.models import Person
from tests.factories import PASSWORD, PDF_BYTES, reload, submit
from tests.web.staff import case_url, confirmed, html, signed_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # Monday 09:00 WIB
LOCALE = Path(__file__).resolve().parents[2] / "integritas" / "locale"


@pytest.fixture
def case(org):
    return reload(submit(org.school, org.p_teacher).case)


# ---------------------------------------------------------------- signing in


def test_sign_in_page_has_labelled_fields_and_a_wrong_password_gets_a_message(org):
    client = Client()
    page = html(client.get("/masuk/"))
    assert '<label for="id_username">Nama pengguna</label>' in page
    assert '<label for="id_password">Kata sandi</label>' in page
    r = client.post("/masuk/", {"username": "vice", "password": "salah-sekali"})
    assert r.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in html(r)
    assert 'role="alert"' in html(r)
    assert "salah-sekali" not in html(r)  # the password is never echoed
    assert AuditEntry.objects.filter(action="auth.failed", actor="vice").count() == 1
    assert not client.get("/kasus/").status_code == 200


def test_sign_in_records_the_audit_entry_and_follows_only_local_next(org):
    client = Client()
    r = client.post("/masuk/", {"username": "vice", "password": PASSWORD, "next": "/kasus/semua/"})
    assert r.status_code == 302 and r["Location"] == "/kasus/semua/"
    entry = AuditEntry.objects.get(action="auth.signed_in", actor="vice")
    assert entry.data["via"] == "web" and entry.data["address"]
    assert client.get("/kasus/").status_code == 200
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        other = Client()
        r = other.post("/masuk/", {"username": "vice", "password": PASSWORD, "next": evil})
        assert r.status_code == 302 and r["Location"] == "/kasus/", evil


def test_staff_pages_send_visitors_to_sign_in_with_next(org, case):
    client = Client()
    for path in ("/kasus/", "/kasus/semua/", case_url(case)):
        r = client.get(path)
        assert r.status_code == 302
        assert r["Location"].startswith("/masuk/?next=")
    r = client.get(case_url(case))
    assert r["Location"] == f"/masuk/?next=%2Fkasus%2F{case.reference}%2F"
    # An action posted without a session comes back to the case page after sign-in.
    r = client.post(case_url(case, "pemeriksaan/"), {"confirmed": "yes", "examine-conclusion": "founded"})
    assert r["Location"] == f"/masuk/?next=%2Fkasus%2F{case.reference}%2F"


def test_lockout_after_repeated_wrong_passwords_gives_429(org):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            assert client.post("/masuk/", {"username": "vice", "password": "salah-salah"}).status_code == 401
        r = client.post("/masuk/", {"username": "vice", "password": PASSWORD})
        assert r.status_code == 429
        assert int(r["Retry-After"]) > 0
        assert "Terlalu banyak percobaan yang gagal" in html(r)
        clock.shift(dt.timedelta(minutes=16))
        assert client.post("/masuk/", {"username": "vice", "password": PASSWORD}).status_code == 302


def test_totp_second_step(org):
    with time_machine.travel(T0, tick=False) as clock:
        secret = totp_begin(org.vice)
        totp_confirm(org.vice, totp.now_code(secret))
        clock.shift(dt.timedelta(seconds=90))
        client = Client()
        r = client.post("/masuk/", {"username": "vice", "password": PASSWORD, "next": "/kasus/semua/"})
        assert r.status_code == 302 and r["Location"] == "/masuk/kode/"
        # Half signed in: no access yet.
        assert client.get("/kasus/").status_code == 302
        page = html(client.get("/masuk/kode/"))
        assert 'autocomplete="one-time-code"' in page and "Kode 6 angka" in page
        r = client.post("/masuk/kode/", {"otp": "000000"})
        assert r.status_code == 401 and "Kode salah atau sudah kedaluwarsa" in html(r)
        assert not AuditEntry.objects.filter(action="auth.signed_in").exists()
        r = client.post("/masuk/kode/", {"otp": totp.now_code(secret)})
        assert r.status_code == 302 and r["Location"] == "/kasus/semua/"
        assert client.get("/kasus/").status_code == 200
        assert client.session.get("integritas_pending_sign_in") is None
        assert AuditEntry.objects.filter(action="auth.signed_in", actor="vice").count() == 1


def test_code_step_without_a_password_first_goes_back_to_sign_in(org):
    r = Client().get("/masuk/kode/")
    assert r.status_code == 302 and r["Location"] == "/masuk/"


def test_code_guessing_locks_the_account(org):
    with time_machine.travel(T0, tick=False):
        secret = totp_begin(org.vice)
        totp_confirm(org.vice, totp.now_code(secret))
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        client = Client()
        client.post("/masuk/", {"username": "vice", "password": PASSWORD})
        statuses = [client.post("/masuk/kode/", {"otp": f"{i:06d}"}).status_code for i in range(6)]
        assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_unit_policy_requires_setting_up_two_factor_first(org):
    org.school.policy = {"require_two_factor": True}
    org.school.save()
    with time_machine.travel(T0, tick=False):
        client = Client()
        r = client.post("/masuk/", {"username": "vice", "password": PASSWORD})
        assert r.status_code == 302 and r["Location"] == "/masuk/dua-langkah/"
        page = html(client.get("/masuk/dua-langkah/"))
        assert "otpauth://totp/" in page
        assert "<img" not in page
        # Reloading the page keeps the same key.
        assert html(client.get("/masuk/dua-langkah/")).count("otpauth://totp/") == 1
        secret = totp_secret(Person.objects.get(username="vice"))
        assert secret and " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
        assert client.get("/kasus/").status_code == 302
        assert client.post("/masuk/dua-langkah/", {"otp": "123456"}).status_code == 401
        r = client.post("/masuk/dua-langkah/", {"otp": totp.now_code(secret)})
        assert r.status_code == 302 and r["Location"] == "/kasus/"
        assert client.get("/kasus/").status_code == 200
    assert Person.objects.get(username="vice").totp_enabled


def test_sign_out_is_post_only(org):
    client = signed_in(org.vice)
    assert client.get("/keluar/").status_code == 405
    r = client.post("/keluar/")
    assert r.status_code == 302 and r["Location"] == "/masuk/"
    assert client.get("/kasus/").status_code == 302


# ---------------------------------------------------------------- the queues


def test_my_queue_orders_by_due_time_and_marks_overdue_cases(org):
    with time_machine.travel(T0, tick=False):
        fresh = submit(org.school, org.p_teacher).case
        late = submit(org.school, org.p_teacher, now=T0 - dt.timedelta(days=10)).case
        middle = submit(org.school, org.p_teacher, now=T0 - dt.timedelta(days=1)).case
        page = html(signed_in(org.vice).get("/kasus/"))
    refs = re.findall(r"<th scope=\"row\"[^>]*><a href=\"/kasus/([^/]+)/\">", page)
    assert refs == [late.reference, middle.reference, fresh.reference]
    rows = page.split('<th scope="row"')[1:]
    assert "Lewat batas waktu" in rows[0] and 'class="late"' in page
    assert "Lewat batas waktu" not in rows[1] and "Lewat batas waktu" not in rows[2]
    # Due time in the unit's local time, with the zone's name; categories by name.
    assert "WIB" in rows[2] and "Kepentingan dalam pengadaan barang" in rows[2]
    assert "Pemeriksaan" in rows[2]
    # The principal handles none of them yet.
    assert fresh.reference not in html(signed_in(org.principal).get("/kasus/"))


def test_queue_filters_by_state_and_unit(org, case):
    client = signed_in(org.vice)
    assert case.reference in html(client.get("/kasus/", {"state": "examination", "unit": "SMPN1"}))
    assert case.reference in html(client.get("/kasus/", {"unit": "DISDIK"}))  # the units below count
    page = html(client.get("/kasus/", {"state": "review"}))
    assert case.reference not in page and "Tidak ada kasus yang sesuai" in page
    r = client.get("/kasus/", {"state": "nonsense"})
    assert r.status_code == 400 and 'role="alert"' in html(r)


def test_queue_queries_do_not_grow_with_the_number_of_cases(org, django_assert_max_num_queries):
    client = signed_in(org.vice)
    for _ in range(2):
        submit(org.school, org.p_teacher)
    client.get("/kasus/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        client.get("/kasus/")
    for _ in range(6):
        submit(org.school, org.p_teacher)
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = html(client.get("/kasus/"))
    assert page.count('<th scope="row"') == 8


def test_team_view_shows_every_case_of_the_team_units_and_below(org):
    with time_machine.travel(T0, tick=False):
        on_time = submit(org.school, org.p_teacher).case
        late = submit(org.school, org.p_teacher, now=T0 - dt.timedelta(days=10)).case
        client = signed_in(org.district_team)
        page = html(client.get("/kasus/semua/"))
        assert on_time.reference in page and late.reference in page
        only_late = html(client.get("/kasus/semua/", {"overdue": "on"}))
        assert late.reference in only_late and on_time.reference not in only_late
        # A team member's own queue holds only what the team handles itself.
        assert on_time.reference not in html(client.get("/kasus/"))


# ---------------------------------------------------------------- visibility


def test_subject_and_outsider_get_404_and_see_nothing_of_the_case(org, case):
    for person in (org.teacher, org.outsider, org.admin):
        client = signed_in(person)
        missing = html(client.get("/kasus/BK-2026-999999/"))
        r = client.get(case_url(case))
        assert r.status_code == 404
        assert "Kasus tidak ditemukan" in html(r)
        assert case.reference not in html(r).replace(f"/kasus/{case.reference}/", "")
        assert "Siti Aminah" not in html(r) and "adik terlapor" not in html(r)
        assert re.sub(r'value="[^"]+"', "", html(r)).replace(case.reference, "BK-2026-999999") == re.sub(
            r'value="[^"]+"', "", missing
        ).replace("/kasus/BK-2026-999999/", f"/kasus/{case.reference}/")
        assert case.reference not in html(client.get("/kasus/"))
        assert case.reference not in html(client.get("/kasus/semua/"))
        evidence = Evidence.objects.get(case=case)
        assert client.get(case_url(case, f"bukti/{evidence.pk}/")).status_code == 404
        r = client.post(
            case_url(case, "pemeriksaan/"),
            {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
        )
        assert r.status_code == 404
    assert reload(case).status == Status.EXAMINATION


def test_a_case_reference_of_the_wrong_shape_is_404(org):
    assert signed_in(org.vice).get("/kasus/bukan-nomor/").status_code == 404


# ---------------------------------------------------------------- first opening: no conflict


def test_first_opening_asks_the_handler_to_confirm_no_conflict_before_the_content(org, case):
    client = signed_in(org.vice)
    page = html(client.get(case_url(case)))
    assert "Sebelum Anda membuka kasus ini" in page
    assert "Saya tidak memiliki benturan kepentingan dengan kasus ini" in page
    assert "Guru Matematika" in page  # enough to know whether there is a conflict
    assert "Siti Aminah" not in page and "adik terlapor" not in page and "bukti.pdf" not in page
    assert not AuditEntry.objects.filter(action="case.identity_viewed").exists()
    # Neither actions nor downloads get past the question.
    evidence = Evidence.objects.get(case=case)
    assert client.get(case_url(case, f"bukti/{evidence.pk}/")).status_code == 302
    r = client.post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "unfounded", "examine-findings": "x"},
    )
    assert r.status_code == 302 and reload(case).status == Status.EXAMINATION

    r = client.post(case_url(case, "konfirmasi/"))
    assert r.status_code == 302
    statement = NoConflictConfirmation.objects.get(case=case, person=org.vice)
    assert statement.via == "web"
    assert AuditEntry.objects.filter(action="case.no_conflict_confirmed", actor="vice").count() == 1
    page = html(client.get(case_url(case)))
    assert "Sebelum Anda membuka kasus ini" not in page
    assert "Siti Aminah" in page and "adik terlapor" in page
    assert "Terima kasih. Anda menyatakan tidak memiliki benturan kepentingan" in page
    assert AuditEntry.objects.filter(action="case.identity_viewed", actor="vice").count() == 1
    client.get(case_url(case))
    assert AuditEntry.objects.filter(action="case.identity_viewed", actor="vice").count() == 2


def test_a_handler_with_a_conflict_withdraws_from_the_confirmation_page(org, case):
    client = signed_in(org.vice)
    r = client.post(case_url(case, "tarik-diri/"), {"recuse-reason": ""})
    assert r.status_code == 400
    page = html(r)
    assert "Sebelum Anda membuka kasus ini" in page and "adik terlapor" not in page
    assert 'href="#id_recuse-reason"' in page
    r = client.post(case_url(case, "tarik-diri/"), {"recuse-reason": "Terlapor adalah adik ipar saya"})
    assert r.status_code == 302 and r["Location"] == "/kasus/"
    case = reload(case)
    assert case.handler_person == org.principal and case.status == Status.EXAMINATION
    assert case.reference not in html(client.get("/kasus/"))
    assert case.reference in html(signed_in(org.principal).get("/kasus/"))


# ---------------------------------------------------------------- the procedure, end to end


def test_examination_founded_review_revoke_follow_up_done_and_close(org, case):
    vice = confirmed(org.vice, case)
    page = html(vice.get(case_url(case)))
    assert "Apakah laporan terbukti?" in page and "Periksa kebenaran laporan paling lambat" in page
    assert "peninjauan/" not in page  # only the actions open now
    r = vice.post(
        case_url(case, "pemeriksaan/"),
        {
            "confirmed": "yes",
            "examine-conclusion": "founded",
            "examine-findings": "Toko milik adik terlapor menang tanpa lelang.",
        },
    )
    assert r.status_code == 302 and r["Location"] == case_url(case)
    page = html(vice.get(case_url(case)))
    assert "Hasil pemeriksaan sudah dicatat." in page
    assert "Pemeriksaan: laporan terbukti" in page and "Toko milik adik terlapor menang tanpa lelang." in page
    assert reload(case).status == Status.REVIEW

    principal = signed_in(org.principal)
    assert "Sebelum Anda membuka kasus ini" in html(principal.get(case_url(case)))
    principal.post(case_url(case, "konfirmasi/"))
    page = html(principal.get(case_url(case)))
    assert "Bagaimana hasil peninjauan kembali atas keputusan tersebut?" in page
    for label in (
        "Keputusan dicabut",
        "Keputusan diubah",
        "Keputusan ditetapkan ulang",
        "tetap berlaku",
        "Diteruskan ke atasan berikutnya",
    ):
        assert label in page
    r = principal.post(
        case_url(case, "peninjauan/"),
        {"confirmed": "yes", "review-decision": "revoke", "review-notes": "Dicabut."},
    )
    assert r.status_code == 302
    assert reload(case).status == Status.FOLLOW_UP

    team = signed_in(org.school_team)
    # The team sees the reporter's identity too: it states having no conflict first.
    page = html(team.get(case_url(case)))
    assert "Sebelum Anda membuka" in page and "Siti Aminah" not in page and "tarik-diri/" not in page
    team.post(case_url(case, "konfirmasi/"))
    page = html(team.get(case_url(case)))
    assert "Sebelum Anda membuka" not in page and "Siti Aminah" in page
    assert "Tambah tindak lanjut" in page
    r = team.post(
        case_url(case, "tindak-lanjut/"),
        {"follow_up-title": "Pengadaan ulang", "follow_up-due_date": "2026-12-31"},
    )
    assert r.status_code == 302
    item = FollowUp.objects.get(case=case)
    r = team.post(case_url(case, "tutup/"), {"confirmed": "yes", "close-summary": "Selesai"})
    assert r.status_code == 409
    assert "Masih ada tindak lanjut yang belum selesai" in html(r)
    r = team.post(
        case_url(case, f"tindak-lanjut/{item.pk}/selesai/"), {f"done-{item.pk}-notes": "Sudah dilelang ulang"}
    )
    assert r.status_code == 302
    r = team.post(
        case_url(case, "tutup/"),
        {"confirmed": "yes", "close-summary": "Keputusan dicabut; pengadaan diulang."},
    )
    assert r.status_code == 302
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == "revoked"
    page = html(team.get(case_url(case)))
    for label in (
        "Laporan diterima",
        "Pemeriksaan: laporan terbukti",
        "Peninjauan kembali: keputusan dicabut",
        "Tindak lanjut ditetapkan",
        "Tindak lanjut selesai",
        "Kasus ditutup",
        "Keputusan dicabut",
    ):
        assert label in page, label
    assert "Wakil Kepala Sekolah" in page  # actors by position title
    assert "Kasus sudah ditutup." in page


def test_unfounded_examination_closes_the_case(org, case):
    vice = confirmed(org.vice, case)
    r = vice.post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "unfounded", "examine-findings": "Lelang terbuka."},
    )
    assert r.status_code == 302
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == "unfounded"
    page = html(vice.get(case_url(case)))
    assert "Tidak terbukti: keputusan tetap berlaku" in page
    assert "pemeriksaan/" not in page and "tarik-diri/" not in page


def test_an_invalid_action_form_keeps_the_input_and_shows_the_error(org, case):
    vice = confirmed(org.vice, case)
    r = vice.post(case_url(case, "pemeriksaan/"), {"examine-findings": "Catatan <b>saya</b> yang panjang"})
    assert r.status_code == 400
    page = html(r)
    assert 'class="errors" role="alert"' in page
    assert 'href="#id_examine-conclusion_0"' in page
    assert "Catatan &lt;b&gt;saya&lt;/b&gt; yang panjang</textarea>" in page
    assert 'aria-invalid="true"' in page or 'class="field invalid"' in page
    assert reload(case).status == Status.EXAMINATION


def test_a_follow_up_with_a_bad_date_is_refused_with_the_input_kept(org, case):
    confirmed(org.vice, case).post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
    )
    confirmed(org.principal, case).post(
        case_url(case, "peninjauan/"), {"confirmed": "yes", "review-decision": "amend", "review-notes": "y"}
    )
    team = confirmed(org.school_team, case)
    r = team.post(
        case_url(case, "tindak-lanjut/"), {"follow_up-title": "Revisi SK", "follow_up-due_date": "31/12/2026"}
    )
    assert r.status_code == 400
    assert 'value="Revisi SK"' in html(r) and 'href="#id_follow_up-due_date"' in html(r)
    assert not FollowUp.objects.filter(case=case).exists()


def test_wrong_state_is_409_and_not_the_handler_is_403(org, case):
    vice = confirmed(org.vice, case)
    vice.post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
    )
    r = vice.post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
    )
    assert r.status_code == 409
    assert "Tindakan ini tidak dapat dilakukan sekarang" in html(r) and "Peninjauan kembali" in html(r)
    r = confirmed(org.school_team, case).post(
        case_url(case, "peninjauan/"), {"confirmed": "yes", "review-decision": "revoke", "review-notes": "x"}
    )
    assert r.status_code == 403
    assert "Anda tidak berwenang melakukan tindakan ini" in html(r)
    assert reload(case).status == Status.REVIEW


def test_escalated_review_goes_to_the_district_head_of_division(org, case):
    confirmed(org.vice, case).post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
    )
    r = confirmed(org.principal, case).post(
        case_url(case, "peninjauan/"),
        {"confirmed": "yes", "review-decision": "escalate", "review-notes": "Perlu Dinas"},
    )
    assert r.status_code == 302
    case = reload(case)
    assert case.handler_person == org.kabid and case.level == 3
    assert case.reference in html(signed_in(org.kabid).get("/kasus/"))


def test_triage_by_the_team_names_the_position_and_routes_the_case(org):
    case = reload(submit(org.school, None).case)
    assert case.status == Status.TRIAGE
    team = confirmed(org.school_team, case)
    assert case.reference in html(team.get("/kasus/"))
    page = html(team.get(case_url(case)))
    assert "Bendahara sekolah" in page and "Tentukan terlapor" in page
    assert '<option value="GURU">Guru Matematika — Smpn1</option>' in page
    r = team.post(case_url(case, "triase/"), {"triage-position": "GURU"})
    assert r.status_code == 302
    case = reload(case)
    assert case.status == Status.EXAMINATION and case.handler_person == org.vice
    r = team.post(case_url(case, "triase/"), {"triage-position": "GURU"})
    assert r.status_code == 409


# ---------------------------------------------------------------- evidence and messages


def test_evidence_download_is_an_audited_attachment(org, case):
    vice = confirmed(org.vice, case)
    evidence = Evidence.objects.get(case=case)
    page = html(vice.get(case_url(case)))
    assert f'href="/kasus/{case.reference}/bukti/{evidence.pk}/"' in page and "bukti.pdf" in page
    r = vice.get(case_url(case, f"bukti/{evidence.pk}/"))
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF_BYTES
    assert r["Content-Disposition"].startswith('attachment; filename="bukti.pdf"')
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Type"] == "application/pdf"
    entry = AuditEntry.objects.get(action="case.evidence_downloaded")
    assert entry.actor == "vice" and entry.case_reference == case.reference
    assert vice.get(case_url(case, "bukti/999999/")).status_code == 404
    assert vice.get(case_url(case, "bukti/99999999999999999999999/")).status_code == 404


def test_messages_to_the_reporter(org, case):
    vice = confirmed(org.vice, case)
    r = vice.post(case_url(case, "pesan/"), {"message-text": ""})
    assert r.status_code == 400 and 'href="#id_message-text"' in html(r)
    r = vice.post(case_url(case, "pesan/"), {"message-text": "Mohon kirim salinan SK.\n<script>x</script>"})
    assert r.status_code == 302
    page = html(vice.get(case_url(case)))
    assert "Pesan Anda sudah dikirim kepada pelapor." in page
    assert "Mohon kirim salinan SK.<br>&lt;script&gt;x&lt;/script&gt;" in page
    reporter_view = presenters.for_reporter(reload(case))
    assert reporter_view["messages"][0]["text"].startswith("Mohon kirim salinan SK.")
    assert reporter_view["messages"][0]["from"] == "handler"


def test_chronology_is_escaped_with_line_breaks_kept(org):
    case = reload(submit(org.school, org.p_teacher, description="Baris satu\n<b>dua</b> & tiga").case)
    page = html(confirmed(org.vice, case).get(case_url(case)))
    assert "Baris satu<br>&lt;b&gt;dua&lt;/b&gt; &amp; tiga" in page


def test_identity_on_request_withheld_until_the_team_approves(org):
    org.school.policy = {"identity_disclosure": "on_request"}
    org.school.save()
    case = reload(submit(org.school, org.p_teacher).case)
    vice = confirmed(org.vice, case)
    page = html(vice.get(case_url(case)))
    assert "Identitas pelapor dirahasiakan" in page and "Siti Aminah" not in page
    r = vice.post(case_url(case, "identitas/"), {"identity-reason": "Perlu klarifikasi langsung"})
    assert r.status_code == 302
    assert "menunggu keputusan" in html(vice.get(case_url(case)))
    team = confirmed(org.school_team, case)
    page = html(team.get(case_url(case)))
    assert "Perlu klarifikasi langsung" in page
    request_id = re.search(r"/identitas/(\d+)/keputusan/", page).group(1)
    r = team.post(
        case_url(case, f"identitas/{request_id}/keputusan/"), {f"decide-{request_id}-approve": "yes"}
    )
    assert r.status_code == 302
    assert "Siti Aminah" in html(vice.get(case_url(case)))


# ---------------------------------------------------------------- languages and page rules


def test_english_page_has_no_indonesian_labels_and_vice_versa(org, case):
    english = html(confirmed(org.vice, case, language="en").get(case_url(case)))
    assert '<html lang="en">' in english
    for label in (
        "Is the report founded?",
        "Examination",
        "Report received",
        "Deadline",
        "Messages with the reporter",
        "Sent to the direct superior for examination",
        "System",
    ):
        assert label in english, label
    for label in (
        "Apakah laporan terbukti?",
        "Pemeriksaan",
        "Laporan diterima",
        "Batas waktu",
        "Sistem",
        "Pesan dengan pelapor",
        "Kasus saya",
        "Tim Penanganan",
    ):
        assert label not in english, label
    indonesian = html(signed_in(org.vice).get(case_url(case)))
    assert '<html lang="id">' in indonesian
    for label in ("Apakah laporan terbukti?", "Pemeriksaan", "Laporan diterima", "Batas waktu", "Riwayat"):
        assert label in indonesian, label
    for label in ("Is the report founded?", "Report received", "Deadline", "History", "Findings", "Overdue"):
        assert label not in indonesian, label
    queue_en = html(signed_in(org.vice, "en").get("/kasus/"))
    assert "My cases" in queue_en and "Kasus saya" not in queue_en and "Pemeriksaan" not in queue_en


def test_staff_pages_follow_the_page_rules(org, case):
    client = confirmed(org.vice, case)
    for path in ("/masuk/", "/kasus/", "/kasus/semua/", case_url(case)):
        r = client.get(path)
        page = html(r)
        assert "script-src 'self'" in r["Content-Security-Policy"]
        assert "<script" not in page and 'style="' not in page and "onclick" not in page
        # Every control has a label.
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio)")[^>]*id="([^"]+)"', page)
        for control in ids:
            assert f'for="{control}"' in page, (path, control)


def test_the_indonesian_catalog_of_the_staff_pages_is_complete():
    catalog = polib.pofile(str(LOCALE / "id" / "LC_MESSAGES" / "staff.po"))
    assert len(catalog) > 100
    assert [e.msgid for e in catalog if not e.msgstr] == []
    english = {e.msgid for e in polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "staff.po"))}
    assert english == {e.msgid for e in catalog}


def test_pages_of_the_queue_keep_the_filters(org, monkeypatch):
    from integritas.web.views import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    refs = [submit(org.school, org.p_teacher).case.reference for _ in range(5)]
    client = signed_in(org.vice)
    first = html(client.get("/kasus/", {"state": "examination"}))
    assert "Halaman 1 dari 3" in first
    assert 'href="?state=examination&amp;page=2"' in first
    seen = set()
    for number in (1, 2, 3):
        page = html(client.get("/kasus/", {"state": "examination", "page": number}))
        seen |= set(re.findall(r"BK-\d{4}-\d{6}", page))
    assert seen == set(refs)
    assert client.get("/kasus/", {"page": "999"}).status_code == 200


def test_the_team_page_does_not_count_a_long_list(org, monkeypatch):
    from integritas.web.views import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    monkeypatch.setattr(queues, "COUNT_LIMIT", 3)
    refs = {submit(org.school, org.p_teacher).case.reference for _ in range(5)}
    client = signed_in(org.district_team)
    first = html(client.get("/kasus/semua/"))
    assert "Jumlah kasus: lebih dari 3" in first
    assert "Halaman 1<" in first and "Halaman 1 dari" not in first
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    last = html(client.get("/kasus/semua/", {"page": 3}))
    assert "Jumlah kasus: 5" in last and "Halaman 3 dari 3" in last
    assert 'href="?page=2" rel="prev"' in last and 'rel="next"' not in last
    seen = set()
    for number in (1, 2, 3):
        seen |= set(re.findall(r"BK-\d{4}-\d{6}", html(client.get("/kasus/semua/", {"page": number}))))
    assert seen == refs
    # Past the end, or not a page number: the first page.
    for number in ("4", "99999999999999999999", "-1", "dua"):
        page = html(client.get("/kasus/semua/", {"page": number}))
        assert "Halaman 1<" in page, number


def test_a_short_list_shows_its_count_and_pages(org, monkeypatch):
    from integritas.web.views import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    for _ in range(3):
        submit(org.school, org.p_teacher)
    page = html(signed_in(org.district_team).get("/kasus/semua/", {"state": "examination"}))
    assert "Jumlah kasus: 3" in page and "Halaman 1 dari 2" in page
    assert 'href="?state=examination&amp;page=2"' in page


def test_the_team_page_queries_do_not_grow_with_the_cases_and_units(org, django_assert_num_queries):
    submit(org.school, org.p_teacher)
    client = signed_in(org.district_team)
    filtered = {"state": "examination", "unit": org.school.code}
    client.get("/kasus/semua/")  # the session's first request may write (last seen, language)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/kasus/semua/").status_code == 200
    with CaptureQueriesContext(connection) as few_filtered:
        assert client.get("/kasus/semua/", filtered).status_code == 200
    for _ in range(3):
        submit(org.school, org.p_teacher)
        submit(org.school)  # no position named yet
        submit(org.district, org.p_kabid)
    with django_assert_num_queries(len(few)):
        page = html(client.get("/kasus/semua/"))
    assert len(set(re.findall(r"BK-\d{4}-\d{6}", page))) == 10
    with django_assert_num_queries(len(few_filtered)):
        page = html(client.get("/kasus/semua/", filtered))
    assert len(set(re.findall(r"BK-\d{4}-\d{6}", page))) == 4  # the teacher's, in examination


def test_a_follow_up_can_be_cancelled_with_a_reason_then_the_case_closes(org, case):
    confirmed(org.vice, case).post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
    )
    confirmed(org.principal, case).post(
        case_url(case, "peninjauan/"),
        {"confirmed": "yes", "review-decision": "uphold", "review-notes": "Mitigasi: diawasi"},
    )
    team = confirmed(org.district_team, case)  # a team above the school oversees it too
    team.post(
        case_url(case, "tindak-lanjut/"), {"follow_up-title": "Audit", "follow_up-due_date": "2026-12-31"}
    )
    item = FollowUp.objects.get(case=case)
    r = team.post(case_url(case, f"tindak-lanjut/{item.pk}/batal/"), {f"cancel-{item.pk}-reason": ""})
    assert r.status_code == 400 and f'href="#id_cancel-{item.pk}-reason"' in html(r)
    r = team.post(
        case_url(case, f"tindak-lanjut/{item.pk}/batal/"), {f"cancel-{item.pk}-reason": "Tidak relevan"}
    )
    assert r.status_code == 302
    r = team.post(case_url(case, f"tindak-lanjut/{item.pk}/selesai/"), {})
    assert r.status_code == 409 and "sudah selesai atau dibatalkan" in html(r)
    assert (
        team.post(case_url(case, "tutup/"), {"confirmed": "yes", "close-summary": "Selesai"}).status_code
        == 302
    )
    assert reload(case).outcome == "upheld"


def test_a_handler_can_attach_a_file_to_a_message(org, case):
    from tests.factories import pdf_upload

    vice = confirmed(org.vice, case)
    r = vice.post(
        case_url(case, "pesan/"), {"message-text": "Lampiran", "message-evidence": pdf_upload("surat.pdf")}
    )
    assert r.status_code == 302
    assert Evidence.objects.filter(case=case, sender="handler").count() == 1
    assert "surat.pdf" in html(vice.get(case_url(case)))
    from django.core.files.uploadedfile import SimpleUploadedFile

    script = SimpleUploadedFile("x.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    r = vice.post(case_url(case, "pesan/"), {"message-text": "Lagi", "message-evidence": script})
    assert r.status_code == 415 and "x.pdf: jenis berkas ini tidak diterima" in html(r)


def test_english_error_messages_are_english(org, case):
    vice = confirmed(org.vice, case, language="en")
    r = vice.post(case_url(case, "pemeriksaan/"), {"examine-findings": ""})
    page = html(r)
    assert r.status_code == 400
    assert "Choose whether the report is founded or unfounded." in page and "Fill in this field." in page
    assert "wajib" not in page and "Pilih" not in page


def test_an_empty_sign_in_form_lists_its_errors_at_the_top(org):
    r = Client().post("/masuk/", {"username": "", "password": ""})
    assert r.status_code == 400
    page = html(r)
    assert 'href="#id_username"' in page and 'href="#id_password"' in page
    assert "Bagian ini wajib diisi." in page


def test_the_history_names_who_acted_by_role_or_title(org, case):
    """New-user review, step 5: no raw "system" in the history, the reporter and the team by name."""
    vice = confirmed(org.vice, case)
    vice.post(
        case_url(case, "pemeriksaan/"),
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "x"},
    )
    page = html(confirmed(org.school_team, case).get(case_url(case)))
    history = page[page.index('id="history"') :]
    for actor in (
        "oleh Pelapor",
        "oleh Sistem",
        "oleh Wakil Kepala Sekolah",
        "oleh Tim Penanganan Benturan Kepentingan Smpn1",
    ):
        assert actor in history, actor
    assert "Kepada: Wakil Kepala Sekolah" in history and "Kepada: Kepala Sekolah" in history
    assert "system" not in history.lower().replace("sistem", "")
    english = html(confirmed(org.district_team, case, language="en").get(case_url(case)))
    history = english[english.index('id="history"') :]
    assert "by Reporter" in history and "by System" in history


def test_team_members_state_having_no_conflict_before_the_identity(org, case):
    """New-user finding 12: the team sees the reporter's identity, so it states having no conflict first."""
    team = signed_in(org.school_team)
    page = html(team.get(case_url(case)))
    assert "Sebelum Anda membuka kasus ini" in page and "Siti Aminah" not in page
    assert "tarik-diri/" not in page  # the team does not handle it: nothing to withdraw from here
    assert "Jangan buka kasus ini" in page
    evidence = Evidence.objects.get(case=case)
    assert team.get(case_url(case, f"bukti/{evidence.pk}/")).status_code == 302
    assert not AuditEntry.objects.filter(action="case.identity_viewed").exists()
    assert team.post(case_url(case, "konfirmasi/")).status_code == 302
    assert "Siti Aminah" in html(team.get(case_url(case)))
    assert AuditEntry.objects.filter(action="case.identity_viewed", actor="schoolteam").count() == 1
