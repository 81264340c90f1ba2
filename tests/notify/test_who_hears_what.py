"""Who hears what (SPEC §8), through a real SMTP server: each event sends the right mail to the right
people and to no one else; staff mail never carries the reporter's identity or the chronology; the
subject hears nothing.

The chain (tests.factories.make_org): teacher (subject) → vice → principal → kabid → kadis; the school
and the district each have a team. Real dates: the school works Monday to Saturday; Monday
17 August 2026 is Independence Day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from integritas.cases import services
from integritas.cases.models import Via
from integritas.cases.sweep import sweep
from integritas.notify.models import Notice, OutboxMessage
from integritas.notify.outbox import deliver
from tests.factories import make_org, reload, report_data, submit

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
SUBMITTED = dt.datetime(2026, 8, 11, 10, 0, tzinfo=WIB)  # Tuesday
SWEEP_AT = dt.datetime(2026, 8, 15, 9, 30, tzinfo=WIB)  # Saturday, after Friday's deadline
REPORTER = "siti@example.net"

# What the reporter wrote and who they are (tests.factories.report_data): never in staff mail.
IDENTITY_AND_CHRONOLOGY = (
    "Siti",
    "Aminah",
    REPORTER,
    "6281234567890",
    "orang tua siswa",
    "adik terlapor",
    "Pemenang pengadaan",
    "pengadaan seragam",
    "421/012/2026",
)


def addr(username: str) -> str:
    return f"{username}@example.org"


def flush(smtp) -> dict[str, list]:
    """Deliver everything queued; the mail each address received, by address."""
    result = deliver()
    assert not result.server_down and result.failed == 0, result
    by_address: dict[str, list] = {}
    for item in smtp.received:
        for rcpt in item.to:
            by_address.setdefault(rcpt, []).append(item)
    smtp.clear()
    return by_address


def assert_no_identity(mails) -> None:
    for mail in mails:
        for needle in IDENTITY_AND_CHRONOLOGY:
            assert needle.lower() not in mail.everything.lower(), (needle, mail.subject)


def staff_mail(by_address: dict[str, list]) -> list:
    return [m for a, mails in by_address.items() if a != REPORTER for m in mails]


def test_submission_reaches_the_direct_superior_the_school_team_and_the_reporter(smtp, org):
    with time_machine.travel(SUBMITTED, tick=False):
        submitted = submit(org.school, org.p_teacher)
        got = flush(smtp)
    ref = submitted.case.reference
    assert set(got) == {REPORTER, addr("schoolteam"), addr("vice")}
    assert all(len(mails) == 1 for mails in got.values())

    vice = got[addr("vice")][0]
    assert vice.subject == f"[Integritas] Laporan {ref} menunggu pemeriksaan Anda"
    # The due time in the unit's local time, and a link to the case.
    assert "Jumat, 14 Agustus 2026 pukul 23.59 WIB" in vice.text
    assert f"https://wbs.example.id/kasus/{ref}/" in vice.text
    assert f'href="https://wbs.example.id/kasus/{ref}/"' in vice.html
    assert "Wakil Kepala Sekolah" in vice.text

    team = got[addr("schoolteam")][0]
    assert ref in team.subject and "Smpn1" in team.subject

    ack = got[REPORTER][0]
    assert ack.subject == f"[Integritas] Laporan Anda telah diterima: {ref}"
    assert "Yth. Pelapor," in ack.text and "Siti" not in ack.text  # the name never goes into a mail
    assert ref in ack.text and "Wakil Kepala Sekolah" in ack.text
    # The receipt is shown once on screen, never mailed.
    assert submitted.receipt not in ack.everything
    assert "https://wbs.example.id/pantau/" in ack.text

    assert_no_identity(staff_mail(got))
    # In-app notices for the staff who were told.
    assert sorted(Notice.objects.values_list("person__username", flat=True)) == ["schoolteam", "vice"]


def test_report_without_address_sends_the_reporter_nothing(smtp, org):
    reporter = {"name": "Siti Aminah", "email": None, "phone": "+6281234567890", "nik": None}
    submit(org.school, org.p_teacher, reporter=reporter)
    got = flush(smtp)
    assert set(got) == {addr("schoolteam"), addr("vice")}


def test_triage_goes_to_the_team_then_routing_to_the_superior(smtp, org):
    with time_machine.travel(SUBMITTED, tick=False):
        case = submit(org.school, None).case
        got = flush(smtp)
        assert set(got) == {REPORTER, addr("schoolteam")}
        team = got[addr("schoolteam")][0]
        assert team.subject == f"[Integritas] Laporan {case.reference} perlu ditelaah Tim"
        assert "Jumat, 14 Agustus 2026 pukul 23.59 WIB" in team.text  # triage: 3 working days
        assert "Tim Penanganan" in got[REPORTER][0].text

        services.case_triage(via=Via.API, case=reload(case), actor=org.school_team, position="GURU")
        got = flush(smtp)
    assert set(got) == {REPORTER, addr("vice")}
    assert "menunggu pemeriksaan Anda" in got[addr("vice")][0].subject
    assert "Perkembangan laporan" in got[REPORTER][0].subject
    assert_no_identity(staff_mail(got))


def test_founded_examination_goes_to_the_reviewer_and_the_reporter(smtp, org):
    case = submit(org.school, org.p_teacher, now=SUBMITTED).case
    flush(smtp)
    services.case_examine(
        via=Via.API,
        case=reload(case),
        actor=org.vice,
        conclusion="founded",
        findings="Terbukti",
        now=SUBMITTED,
    )
    got = flush(smtp)
    assert set(got) == {REPORTER, addr("principal")}
    principal = got[addr("principal")][0]
    assert "menunggu peninjauan Anda" in principal.subject
    # Review: 2 calendar days after Tuesday 11 August.
    assert "Kamis, 13 Agustus 2026 pukul 23.59 WIB" in principal.text
    assert "Terbukti" not in principal.everything  # findings stay in the application
    status = got[REPORTER][0]
    assert "terbukti" in status.text.lower() and "Kepala Sekolah" in status.text


def test_unfounded_examination_tells_only_the_reporter(smtp, org):
    case = submit(org.school, org.p_teacher).case
    flush(smtp)
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.vice, conclusion="unfounded", findings="Tidak ada bukti"
    )
    got = flush(smtp)
    assert list(got) == [REPORTER]
    assert "selesai" in got[REPORTER][0].subject


def test_recusal_goes_to_the_next_handler(smtp, org):
    case = submit(org.school, org.p_teacher).case
    flush(smtp)
    services.case_recuse(case=reload(case), actor=org.vice, reason="Saya kerabat terlapor")
    got = flush(smtp)
    assert set(got) == {REPORTER, addr("principal")}
    assert "menarik diri" in got[addr("principal")][0].text
    assert "Saya kerabat" not in got[addr("principal")][0].everything


def test_escalation_to_the_district_tells_the_new_reviewer_and_the_district_team(smtp, org):
    case = submit(org.school, org.p_teacher).case
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.vice, conclusion="founded", findings="Terbukti"
    )
    flush(smtp)
    services.case_review(
        via=Via.API, case=reload(case), actor=org.principal, decision="escalate", notes="Perlu Dinas"
    )
    got = flush(smtp)
    assert set(got) == {REPORTER, addr("districtteam"), addr("kabid")}
    assert "menunggu peninjauan Anda" in got[addr("kabid")][0].subject
    assert "Disdik" in got[addr("districtteam")][0].subject  # the case entered the district's unit
    assert_no_identity(staff_mail(got))


def test_missed_deadline_tells_the_handler_the_team_and_the_next_superior(smtp, org):
    case = submit(org.school, org.p_teacher, now=SUBMITTED).case
    flush(smtp)
    sweep(now=SWEEP_AT)
    got = flush(smtp)
    # Auto-escalation: the next superior gets the case, with a mail that says why.
    assert set(got) == {REPORTER, addr("principal"), addr("schoolteam"), addr("vice")}
    assert all(len(mails) == 1 for mails in got.values())
    assert "terlewati" in got[addr("vice")][0].subject
    assert "yang Anda tangani" in got[addr("vice")][0].text
    assert "terlewati" in got[addr("schoolteam")][0].subject
    principal = got[addr("principal")][0]
    assert "Batas waktu penanganan pada tingkat sebelumnya terlewati" in principal.text
    # A fresh 3 working days from Saturday 15: Monday 17 is Independence Day: Tue, Wed, Thu 20.
    assert "Kamis, 20 Agustus 2026 pukul 23.59 WIB" in principal.text
    assert "Batas waktu terlewati" in got[REPORTER][0].text
    assert_no_identity(staff_mail(got))
    assert case.reference in got[addr("vice")][0].subject


def test_missed_deadline_without_auto_escalation_tells_the_next_superior(smtp):
    org = make_org(school_policy={"auto_escalate": False})
    submit(org.school, org.p_teacher, now=SUBMITTED)
    flush(smtp)
    sweep(now=SWEEP_AT)
    got = flush(smtp)
    # Still with the handler: nothing changes for the reporter.
    assert set(got) == {addr("principal"), addr("schoolteam"), addr("vice")}
    superior = got[addr("principal")][0]
    assert "Wakil Kepala Sekolah, bawahan Anda" in superior.text
    assert "Jumat, 14 Agustus 2026 pukul 23.59 WIB" in superior.text


def test_messages_between_handlers_and_the_reporter(smtp, org):
    case = submit(org.school, org.p_teacher).case
    flush(smtp)
    services.case_message(
        via=Via.API, case=reload(case), actor=org.vice, text="Mohon kirim foto kuitansi pembelian."
    )
    got = flush(smtp)
    assert list(got) == [REPORTER]
    assert "Pesan baru dari petugas" in got[REPORTER][0].subject
    assert "kuitansi" not in got[REPORTER][0].everything  # read it with the receipt, not in mail

    services.reporter_message(case=reload(case), text="Foto kuitansi terlampir; penjualnya adik terlapor.")
    got = flush(smtp)
    assert list(got) == [addr("vice")]
    assert "kuitansi" not in got[addr("vice")][0].everything
    assert_no_identity(got[addr("vice")])


def test_follow_up_stage_and_closing(smtp, org):
    case = submit(org.school, org.p_teacher).case
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.vice, conclusion="founded", findings="Terbukti"
    )
    flush(smtp)
    services.case_review(
        via=Via.API, case=reload(case), actor=org.principal, decision="revoke", notes="Dicabut"
    )
    got = flush(smtp)
    assert set(got) == {REPORTER, addr("schoolteam")}
    assert "tindak lanjut" in got[addr("schoolteam")][0].subject
    assert "dicabut" in got[REPORTER][0].text

    item = services.follow_up_add(
        via=Via.API,
        case=reload(case),
        actor=org.school_team,
        title="Lelang ulang",
        due_date=dt.date(2026, 12, 1),
    )
    services.follow_up_done(
        via=Via.API, case=reload(case), actor=org.school_team, follow_up=item, notes="Selesai"
    )
    assert flush(smtp) == {}
    services.case_close(via=Via.API, case=reload(case), actor=org.school_team, summary="Selesai ditangani")
    got = flush(smtp)
    assert list(got) == [REPORTER]
    assert "selesai" in got[REPORTER][0].subject


def test_english_for_people_who_chose_it(smtp, org):
    org.vice.language = "en"
    org.vice.save()
    with time_machine.travel(SUBMITTED, tick=False):
        case = submit(org.school, org.p_teacher).case
        got = flush(smtp)
    vice = got[addr("vice")][0]
    assert vice.subject == f"[Integritas] Report {case.reference} awaits your examination"
    assert "Friday, 14 August 2026 at 23:59 WIB" in vice.text
    assert '<html lang="en">' in vice.html
    # Everyone else keeps the default language.
    assert "Laporan" in got[addr("schoolteam")][0].subject


def test_due_time_in_the_units_own_time_zone(smtp):
    org = make_org(school_tz="Asia/Jayapura")
    with time_machine.travel(SUBMITTED, tick=False):
        submit(org.school, org.p_teacher)
        got = flush(smtp)
    assert "Jumat, 14 Agustus 2026 pukul 23.59 WIT" in got[addr("vice")][0].text


def test_the_subject_hears_nothing_even_as_a_team_member(smtp):
    org = make_org()
    # The subject also sits on the school's team: they must not hear about the case.
    from tests.factories import add_team

    add_team(org.school, org.teacher)
    case = submit(org.school, org.p_teacher, now=SUBMITTED).case
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.vice, conclusion="founded", findings="Terbukti"
    )
    services.case_review(
        via=Via.API, case=reload(case), actor=org.principal, decision="revoke", notes="Dicabut"
    )
    got = flush(smtp)
    assert addr("teacher") not in got
    assert not Notice.objects.filter(person=org.teacher).exists()


def test_staff_mail_of_a_whole_procedure_never_carries_identity_or_chronology(smtp, org):
    case = submit(org.school, None, now=SUBMITTED).case
    services.case_triage(
        via=Via.API, case=reload(case), actor=org.school_team, position="GURU", now=SUBMITTED
    )
    services.reporter_message(case=reload(case), text="Siti Aminah menambahkan: adik terlapor pemilik toko.")
    sweep(now=SWEEP_AT)
    case = reload(case)
    services.case_recuse(case=case, actor=org.principal, reason="Kerabat")
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.kabid, conclusion="founded", findings="Terbukti"
    )
    services.case_review(via=Via.API, case=reload(case), actor=org.kadis, decision="amend", notes="Diubah")
    got = flush(smtp)
    staff = staff_mail(got)
    assert len(staff) >= 8
    assert_no_identity(staff)
    # Nor does anything at rest in the staff outbox rows or the notices.
    for row in OutboxMessage.objects.exclude(recipient_role="reporter"):
        assert not row.sealed
    for text in Notice.objects.values_list("text", flat=True):
        assert not any(n.lower() in text.lower() for n in IDENTITY_AND_CHRONOLOGY)
    assert addr("teacher") not in got


def test_anonymous_reporter_with_an_address_still_gets_updates(smtp):
    org = make_org(school_policy={"allow_anonymous": True})
    data = report_data(org.school, org.p_teacher)
    assert data["reporter"]["email"] == REPORTER
    submit(org.school, org.p_teacher, anonymous=True, reporter={"email": REPORTER})
    got = flush(smtp)
    assert REPORTER in got
    assert "Yth. Pelapor" in got[REPORTER][0].text


def test_plain_text_mail_shows_what_people_wrote_as_written(smtp, org):
    """Security finding 16: the text part is never HTML-escaped; the HTML part always is. (What an
    official writes no longer reaches mail at all: a unit's name, as an administrator wrote it, does.)"""
    written = 'SMP "Harapan" \'><script>alert(1)</script> & Co'
    org.school.name = written
    org.school.save()
    submit(org.school, org.p_teacher)
    mail = flush(smtp)[addr("vice")][0]
    assert written in mail.text
    assert "&lt;" not in mail.text and "&amp;" not in mail.text and "&#x27;" not in mail.text
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html


def test_what_officials_write_for_the_reporter_is_read_with_the_receipt_never_mailed(smtp, org):
    """New-user finding 12.11: like messages, the reasons of an unfounded report and the closing
    summary stay in the tracking page; the mail says what happened and where to read the rest."""
    case = submit(org.school, org.p_teacher).case
    flush(smtp)
    reasons = "Lelang diikuti lima toko; pemenang bukan kerabat terlapor."
    services.case_examine(
        via=Via.API, case=reload(case), actor=org.vice, conclusion="unfounded", findings=reasons
    )
    mail = flush(smtp)[REPORTER][0]
    assert reasons not in mail.everything
    assert "Hasil pemeriksaan: laporan tidak terbukti; keputusan tetap berlaku." in mail.text
    assert "Alasan:" not in mail.text
    assert (
        "bacalah dengan kode tanda terima Anda" in mail.text
        and "bacalah dengan kode tanda terima" in mail.html
    )

    case = submit(org.school, org.p_teacher).case
    services.case_examine(via=Via.API, case=reload(case), actor=org.vice, conclusion="founded", findings="x")
    services.case_review(via=Via.API, case=reload(case), actor=org.principal, decision="revoke", notes="y")
    flush(smtp)
    summary = "SK 421/099/2026 dicabut; Bapak Ahmad dipindahkan dari panitia."
    services.case_close(via=Via.API, case=reload(case), actor=org.school_team, summary=summary)
    mail = flush(smtp)[REPORTER][0]
    assert "SK 421/099/2026" not in mail.everything and "Ahmad" not in mail.everything
    assert "Penanganan laporan telah selesai" in mail.text or "selesai" in mail.subject
    assert "bacalah dengan kode tanda terima Anda" in mail.text


def test_the_reporter_mail_names_what_happened_in_the_readers_words(smtp, org):
    case = submit(org.school, org.p_teacher).case
    got = flush(smtp)
    ack = got[REPORTER][0]
    assert ack.subject == f"[Integritas] Laporan Anda telah diterima: {case.reference}"
    assert "diteruskan kepada Wakil Kepala Sekolah untuk diperiksa" in ack.text
    services.case_recuse(case=reload(case), actor=org.vice, reason="Konflik")
    status = flush(smtp)[REPORTER][0]
    assert "Petugas menarik diri (penarikan diri); laporan kini ditangani oleh Kepala Sekolah." in status.text
