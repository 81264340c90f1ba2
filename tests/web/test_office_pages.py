"""The back office after the new-user walk-through (issue 12, items 8–12): what waits for me, deadlines
with their rule and count and the calendar in force, a confirmation page before an irreversible step,
what staff are told reaches the reporter, and the team's no-conflict statement."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from integritas.cases import services
from integritas.cases.models import Case, Via
from tests.factories import reload, submit
from tests.web.staff import case_url, confirmed, html, signed_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # Monday 09:00 WIB
API = Via.API


def row_of(page: str, reference: str) -> str:
    start = page.index(f">{reference}</a>")
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


@pytest.fixture
def case(org):
    with time_machine.travel(T0, tick=False):
        return reload(submit(org.school, org.p_teacher).case)


def to_follow_up(org, case: Case) -> Case:
    services.case_examine(case=case, actor=org.vice, conclusion="founded", findings="Terbukti", via=API)
    services.case_review(case=reload(case), actor=org.principal, decision="revoke", notes="Dicabut", via=API)
    return reload(case)


# ---------------------------------------------------------------- 12.8 what waits for me


def test_my_cases_of_the_team_hold_the_follow_up_and_the_reviewer_loses_it(org, case):
    case = to_follow_up(org, case)
    team = html(signed_in(org.school_team).get("/kasus/"))
    assert case.reference in team
    reviewer = html(signed_in(org.principal).get("/kasus/"))
    assert case.reference not in reviewer
    assert "Saat ini tidak ada kasus yang perlu Anda tangani." in reviewer


def test_my_cases_show_the_reported_position_the_day_received_and_a_new_message(org, case):
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        services.reporter_message(case=case, text="Ada bukti tambahan")
    page = html(signed_in(org.vice).get("/kasus/"))
    for header in ("Jabatan terlapor", "Diterima"):
        assert f'<th scope="col">{header}</th>' in page, header
    row = text(row_of(page, case.reference))
    assert "Guru Matematika" in row and "23 Nov 2026" in row
    assert "Pesan baru dari pelapor" in row
    # Opening the case reads it: the marker goes.
    vice = confirmed(org.vice, case)
    vice.get(case_url(case))
    assert "Pesan baru dari pelapor" not in text(row_of(html(vice.get("/kasus/")), case.reference))
    english = html(signed_in(org.vice, "en").get("/kasus/"))
    assert '<th scope="col">Reported position</th>' in english and '<th scope="col">Received</th>' in english


def test_triage_rows_say_the_reported_position_is_not_yet_determined(org):
    triage = reload(submit(org.school, None).case)
    row = text(row_of(html(signed_in(org.school_team).get("/kasus/")), triage.reference))
    assert "belum ditentukan" in row


# ---------------------------------------------------------------- 12.10 irreversible steps ask once


def hidden(page: str, name: str) -> str | None:
    found = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', page)
    return found.group(1) if found else None


def test_founded_is_asked_once_on_a_page_of_its_own_before_it_is_recorded(org, case):
    vice = confirmed(org.vice, case)
    typed = {"examine-conclusion": "founded", "examine-findings": "Toko milik adik terlapor menang."}
    r = vice.post(case_url(case, "pemeriksaan/"), typed)
    assert r.status_code == 200
    page = html(r)
    assert "Periksa sekali lagi sebelum mencatat" in page and "Langkah ini tidak dapat dibatalkan." in page
    assert "Ya, terbukti" in page and "Toko milik adik terlapor menang." in page
    assert "Temuan Anda hanya dibaca petugas: pelapor tidak membacanya." in page
    assert "<script" not in page  # no JavaScript: two plain buttons
    assert hidden(page, "examine-conclusion") == "founded"
    assert hidden(page, "examine-findings") == "Toko milik adik terlapor menang."
    assert reload(case).status == "examination"  # nothing recorded yet
    r = vice.post(case_url(case, "pemeriksaan/"), {**typed, "confirmed": "yes"})
    assert r.status_code == 302 and reload(case).status == "review"


def test_going_back_from_the_confirmation_keeps_what_was_typed(org, case):
    vice = confirmed(org.vice, case)
    typed = {"examine-conclusion": "unfounded", "examine-findings": "Lelang terbuka untuk umum."}
    r = vice.post(case_url(case, "pemeriksaan/"), {**typed, "edit": "1"})
    assert r.status_code == 200
    page = html(r)
    assert "Lelang terbuka untuk umum.</textarea>" in page
    assert re.search(r'value="unfounded"[^>]*checked', page)
    assert reload(case).status == "examination"


def test_closing_is_asked_once_and_says_what_the_reporter_gets(org, case):
    case = to_follow_up(org, case)
    team = confirmed(org.school_team, case)
    r = team.post(case_url(case, "tutup/"), {"close-summary": "Keputusan dicabut; pengadaan diulang."})
    page = html(r)
    assert r.status_code == 200 and "Ya, tutup kasus" in page
    assert "tidak pernah ringkasan ini sendiri" in page
    assert reload(case).status == "follow_up"
    r = team.post(case_url(case, "tutup/"), {"close-summary": "Keputusan dicabut.", "confirmed": "yes"})
    assert r.status_code == 302 and reload(case).status == "closed"


def test_who_cannot_take_the_step_is_refused_at_once_without_a_confirmation(org, case):
    team = confirmed(org.school_team, case)
    r = team.post(case_url(case, "pemeriksaan/"), {"examine-conclusion": "founded", "examine-findings": "x"})
    assert r.status_code == 403 and "Periksa sekali lagi" not in html(r)
    vice = confirmed(org.vice, case)
    r = vice.post(case_url(case, "pemeriksaan/"), {"examine-findings": "x"})  # no result chosen
    assert r.status_code == 400 and "Periksa sekali lagi" not in html(r)


def test_the_reviewer_reads_the_examiners_findings_beside_the_result(org, case):
    services.case_examine(
        case=case,
        actor=org.vice,
        conclusion="founded",
        findings="Pemenang lelang adalah adik terlapor.",
        via=API,
    )
    page = html(confirmed(org.principal, case).get(case_url(case)))
    section = page[page.index('id="examination"') : page.index('id="actions"')]
    assert "Hasil pemeriksaan" in section and "Terbukti" in section
    assert "Temuan pemeriksa" in section and "Pemenang lelang adalah adik terlapor." in section
    assert "Wakil Kepala Sekolah" in section
    assert page.index('id="examination"') < page.index("peninjauan/")


# ---------------------------------------------------------------- 12.11 what reaches the reporter


def tracked(receipt: str) -> str:
    r = Client().get("/api/v1/track", HTTP_X_RECEIPT=receipt)
    assert r.status_code == 200
    return str(r.json()["timeline"])


def test_the_forms_say_what_the_reporter_reads_and_it_is_so(org):
    founded = submit(org.school, org.p_teacher)
    page = html(confirmed(org.vice, founded.case).get(case_url(founded.case)))
    assert "Jika laporan tidak terbukti, pelapor membaca temuan ini sebagai alasannya." in page
    assert "Jika terbukti, temuan hanya dibaca petugas" in page
    services.case_examine(
        case=founded.case, actor=org.vice, conclusion="founded", findings="Temuan internal rahasia", via=API
    )
    assert "Temuan internal rahasia" not in tracked(founded.receipt)
    assert "laporan terbukti" in tracked(founded.receipt)

    unfounded = submit(org.school, org.p_teacher)
    services.case_examine(
        case=unfounded.case, actor=org.vice, conclusion="unfounded", findings="Alasan untuk pelapor", via=API
    )
    assert "Alasan untuk pelapor" in tracked(unfounded.receipt)


def test_the_follow_up_form_warns_that_its_title_is_shown_to_the_reporter(org, case):
    case = to_follow_up(org, case)
    page = html(confirmed(org.school_team, case).get(case_url(case)))
    form = page[page.index("tindak-lanjut/") :]
    assert "Pelapor membaca judul ini beserta tenggatnya saat memantau laporan." in form
    assert "jangan tulis nama orang atau hal yang rahasia" in form
    assert "Ringkasan tidak dikirim lewat e-mail" in page
    # Closing comes after adding follow-up actions, not before.
    assert page.index("tindak-lanjut/") < page.index("tutup/")


# ---------------------------------------------------------------- 12.9 deadlines: the rule, the count, the calendar


def test_the_deadline_shows_the_rule_and_the_count_with_a_link_to_the_calendar(org, case):
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):  # Monday; due Thursday 26 Nov
        vice = confirmed(org.vice, case)
        page = text(html(vice.get(case_url(case))))
        assert "Aturan: 3 hari kerja · sisa 3 hari kerja" in page
        assert "kalender hari kerja unit ini" in page
        row = text(row_of(html(vice.get("/kasus/")), case.reference))
        assert "3 hari kerja · sisa 3 hari kerja" in row
    with time_machine.travel(dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC), tick=False):
        page = text(html(signed_in(org.vice).get(case_url(case))))
        assert "lewat 2 hari dari batas waktu" in page


def test_any_handler_sees_the_calendar_in_force_read_only(org, case):
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        r = signed_in(org.vice).get(case_url(case, "kalender/"))  # no content: no statement needed
    assert r.status_code == 200
    page = html(r)
    assert "Kalender hari kerja 2026" in page and "Senin sampai Sabtu" in page
    assert "Hanya hari kerja yang dihitung" in page and "3 hari kerja" in page
    assert "batas waktu kasus ini" in page and 'class="day working due"' in page
    assert 'href="#m11">Ke bulan batas waktu</a>' in page
    assert "Kemerdekaan" in page  # national holidays listed by name
    assert "Tambah hari libur" not in page and 'name="remove"' not in page
    other_year = html(signed_in(org.vice).get(case_url(case, "kalender/?tahun=2027")))
    assert "Kalender hari kerja 2027" in other_year
    assert signed_in(org.vice).get(case_url(case, "kalender/?tahun=x")).status_code == 200
    assert signed_in(org.outsider).get(case_url(case, "kalender/")).status_code == 404
    assert signed_in(org.admin).get(case_url(case, "kalender/")).status_code == 404


def test_the_case_page_says_it_waits_for_me_exactly_when_my_queue_holds_it(org, case):
    case = to_follow_up(org, case)
    waiting = "Kasus ini menunggu tindakan Anda"
    assert waiting in html(confirmed(org.school_team, case).get(case_url(case)))
    # The district's team oversees it (and could act) but the school's own team handles it.
    district = html(confirmed(org.district_team, case).get(case_url(case)))
    assert waiting not in district and case.reference not in html(signed_in(org.district_team).get("/kasus/"))
    assert waiting not in html(confirmed(org.principal, case).get(case_url(case)))
