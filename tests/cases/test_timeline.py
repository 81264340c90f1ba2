"""The history rows in words, in both languages, from the data alone (``cases.timeline``): what the
reporter reads (the pages, ``GET /track``, the e-mails) and what staff read (history, actor)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from integritas.cases import services, timeline
from integritas.cases.models import Event, EventKind, Via
from integritas.cases.tracking import reporter_view
from tests.cases.chain import NOW, in_examination, in_follow_up
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db


def lines(case, language: str) -> list[str]:
    with translation.override(language):
        return [line.note for line in reporter_view(reload(case)).timeline]


def test_the_reporter_reads_the_whole_procedure_in_indonesian_and_in_english(org):
    case = in_follow_up(org)
    item = services.follow_up_add(
        case=case,
        actor=org.school_team,
        title="Pengadaan ulang",
        due_date=dt.date(2026, 8, 1),
        via=Via.API,
        now=NOW,
    )
    services.follow_up_done(
        case=case, actor=org.school_team, follow_up=item, notes="ok", via=Via.API, now=NOW
    )
    services.case_close(case=case, actor=org.school_team, summary="Keputusan dicabut.", via=Via.API, now=NOW)
    assert lines(case, "id") == [
        "Laporan diterima.",
        "Laporan diteruskan kepada Wakil Kepala Sekolah untuk diperiksa.",
        "Hasil pemeriksaan: laporan terbukti. Keputusan ditinjau kembali oleh Kepala Sekolah.",
        "Hasil peninjauan: keputusan dicabut. Tindak lanjut diawasi oleh Tim Penanganan Benturan Kepentingan.",
        "Tindak lanjut ditetapkan: Pengadaan ulang (paling lambat 1 Agustus 2026).",
        "Tindak lanjut selesai: Pengadaan ulang.",
        "Laporan selesai ditangani. Keputusan dicabut.",
    ]
    assert lines(case, "en") == [
        "Report received.",
        "Report passed to Wakil Kepala Sekolah for examination.",
        "Examination result: the report is proven. The decision is reviewed by Kepala Sekolah.",
        "Review result: the decision is revoked. The conflict-of-interest handling team supervises the follow-up.",
        "Follow-up action set: Pengadaan ulang (due 1 August 2026).",
        "Follow-up action completed: Pengadaan ulang.",
        "The handling of the report is finished. Keputusan dicabut.",
    ]
    # The examiner's findings of a founded report and the review notes stay inside.
    for line in lines(case, "id"):
        assert "Terbukti" not in line and "Catatan" not in line


def test_a_team_is_named_in_the_readers_language(org):
    case = reload(submit(org.school, None, now=NOW).case)
    event = Event.objects.get(case=case, kind=EventKind.TRIAGE)
    with translation.override("id"):
        assert timeline.sentence(event) == (
            "Laporan diteruskan kepada Tim Penanganan Benturan Kepentingan Smpn1 untuk menentukan pejabat "
            "yang berwenang."
        )
    with translation.override("en"):
        assert "the conflict-of-interest handling team of Smpn1" in timeline.sentence(event)


def test_the_actor_is_a_role_or_a_title_never_a_name(org):
    case = in_examination(org)
    services.case_examine(
        case=case, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", via=Via.API, now=NOW
    )
    rows = list(timeline.events_for_staff(case))
    with translation.override("id"):
        assert [timeline.actor_label(row) for row in rows] == [
            "Pelapor",
            "Sistem",
            "Wakil Kepala Sekolah",
            "Wakil Kepala Sekolah",
        ]
    with translation.override("en"):
        assert [timeline.actor_label(row) for row in rows][:2] == ["Reporter", "System"]
        assert timeline.label(rows[2]) == "Confirmed having no conflict of interest"
        assert timeline.detail(rows[2]) == "Stated through the API, when the case was first opened there."
        assert timeline.detail(rows[1]) == "To: Wakil Kepala Sekolah"
    assert timeline.reporter_text(rows[3]) == "Tidak terbukti"


def test_words_come_from_the_data_not_from_stored_text(org):
    """Changing a position's title changes every rendering: nothing was stored as prose."""
    case = in_examination(org)
    org.p_vice.title = "Wakil Kepala Sekolah Bidang Kurikulum"
    org.p_vice.save()
    routed = Event.objects.get(case=case, kind=EventKind.ROUTED)
    with translation.override("id"):
        assert timeline.sentence(routed) == (
            "Laporan diteruskan kepada Wakil Kepala Sekolah Bidang Kurikulum untuk diperiksa."
        )
