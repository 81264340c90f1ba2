"""The prevention pages through Django's test client: who reaches which page, forms without
JavaScript (posting back to add a block, errors on the fields and in a summary at the top, nothing
stored on a refusal), Indonesian by default and English on request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from integritas.prevention import agendas, conflicts, gratifications, riskmap
from integritas.prevention.models import (
    Agenda,
    AgendaStatement,
    Declaration,
    Gratification,
    RiskRating,
    SelfDeclaration,
)
from tests.prevention.conftest import declare

pytestmark = pytest.mark.django_db


def browser(person=None, language: str | None = None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    if language:
        client.cookies["integritas_language"] = language
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def world(org):
    declare(org.vice, ("CV Maju Jaya", "usaha adik ipar"))
    grat = gratifications.gratification_report(
        recipient=org.teacher,
        data={
            "received_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "giver": {"name": "Hj. Siti Maryam", "relation": "orang tua siswa"},
            "occasion": "official",
            "description": "Parsel buah",
            "value_idr": 750_000,
        },
    )
    item = conflicts.self_declaration_file(
        declarer=org.teacher,
        data={
            "kind": "actual",
            "decision": {"title": "Penetapan PPDB", "kind": "admission"},
            "description": "Keponakan",
        },
    )
    agenda = agendas.agenda_create(
        actor=org.principal,
        data={
            "unit": "SMPN1",
            "title": "Rapat pengadaan seragam",
            "kind": "procurement",
            "meets_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(),
            "items": [
                {"title": "Pemenang seragam", "parties": ["PT Maju Jaya"]},
                {"title": "Buku", "parties": []},
            ],
            "participants": ["vice", "teacher"],
        },
    )
    return grat, item, agenda


def test_signed_out_visitors_go_to_the_sign_in_page(org):
    for url in ("/pencegahan/", "/deklarasi/", "/gratifikasi/baru/", "/peta-risiko/", "/agenda/1/"):
        r = browser().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/masuk/?next="), url


def test_who_reaches_which_page(org):
    grat, item, agenda = world(org)
    pages = {
        f"/gratifikasi/{grat.reference}/": {org.teacher, org.school_team, org.district_team},
        f"/konflik/{item.reference}/": {org.teacher, org.vice, org.school_team, org.district_team},
        f"/agenda/{agenda.pk}/": {org.teacher, org.vice, org.principal, org.school_team, org.district_team},
        f"/agenda/{agenda.pk}/notulen/": {
            org.teacher,
            org.vice,
            org.principal,
            org.school_team,
            org.district_team,
        },
    }
    everyone = [
        org.teacher,
        org.vice,
        org.principal,
        org.kabid,
        org.school_team,
        org.district_team,
        org.outsider,
        org.admin,
    ]
    for url, allowed in pages.items():
        for person in everyone:
            r = browser(person).get(url)
            assert r.status_code == (200 if person in allowed else 404), (url, person.username)
    for url in ("/deklarasi/kepatuhan/", "/peta-risiko/"):
        for person in everyone:
            r = browser(person).get(url)
            assert r.status_code == (200 if person in (org.school_team, org.district_team) else 403), (
                url,
                person,
            )
    for url in ("/pencegahan/", "/deklarasi/", "/gratifikasi/", "/konflik/", "/agenda/"):
        assert browser(org.outsider).get(url).status_code == 200


def test_the_header_leads_staff_to_prevention_in_indonesian_first(org):
    page = text(browser(org.teacher).get("/kasus/"))
    assert 'href="/pencegahan/">Pencegahan</a>' in page
    hub = text(browser(org.teacher).get("/pencegahan/"))
    assert "Pencegahan benturan kepentingan" in hub and "Deklarasi saya" in hub
    english = text(browser(org.teacher, "en").get("/pencegahan/"))
    assert "Preventing conflicts of interest" in english and "My declarations" in english


def test_declaration_form_without_javascript(org):
    client = browser(org.teacher)
    form = text(client.get("/deklarasi/baru/"))
    assert 'name="i0_category"' in form and 'name="i1_category"' not in form
    # "Add another interest" posts back: one more block, what was typed kept, no errors shown.
    more = client.post(
        "/deklarasi/baru/",
        {"kind": "annual", "year": "2026", "blocks": "1", "i0_p0_name": "Bambang Sutrisno", "more": "1"},
    )
    page = text(more)
    assert more.status_code == 200 and 'name="i1_category"' in page and "Bambang Sutrisno" in page
    assert 'class="errors"' not in page
    # Neither an interest nor "none": refused, with the problem at the top linking to the field.
    empty = client.post("/deklarasi/baru/", {"kind": "annual", "year": "2026", "blocks": "1"})
    page = text(empty)
    assert empty.status_code == 400 and 'class="errors"' in page
    assert 'href="#id_none"' in page and "Cantumkan sekurang-kurangnya satu kepentingan" in page
    # A party without a category: the category field says so.
    half = client.post(
        "/deklarasi/baru/", {"kind": "annual", "year": "2026", "blocks": "1", "i0_p0_name": "Budi"}
    )
    assert half.status_code == 400 and 'href="#id_i0_category"' in text(half)
    assert not Declaration.objects.exists()
    done = client.post(
        "/deklarasi/baru/",
        {
            "kind": "annual",
            "year": "2026",
            "blocks": "1",
            "i0_category": "family_community",
            "i0_description": "Adik ipar pemilik toko seragam",
            "i0_p0_name": "Bambang Sutrisno",
            "i0_p0_relation": "adik ipar",
        },
    )
    row = Declaration.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/deklarasi/{row.pk}/"
    detail = text(client.get(done["Location"]))
    assert "Bambang Sutrisno" in detail and "adik ipar" in detail
    statement = client.get(f"/deklarasi/surat-pernyataan/{row.year}/")
    assert statement.status_code == 200 and statement.content.startswith(b"%PDF")


def test_gratification_form_and_the_teams_outcome(org):
    client = browser(org.teacher)
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    bad = client.post(
        "/gratifikasi/baru/",
        {
            "received_on": future,
            "occasion": "official",
            "giver_name": "X",
            "description": "Parsel",
            "value_idr": "100",
        },
    )
    assert bad.status_code == 400 and "Tanggal tidak boleh di masa mendatang." in text(bad)
    negative = client.post(
        "/gratifikasi/baru/",
        {
            "received_on": "2026-01-05",
            "occasion": "official",
            "giver_name": "X",
            "description": "P",
            "value_idr": "-5",
        },
    )
    assert negative.status_code == 400 and 'href="#id_value_idr"' in text(negative)
    assert not Gratification.objects.exists()
    ok = client.post(
        "/gratifikasi/baru/",
        {
            "received_on": "2026-01-05",
            "occasion": "wedding",
            "giver_name": "Hj. Siti",
            "description": "Amplop",
            "value_idr": "500000",
        },
    )
    row = Gratification.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/gratifikasi/{row.reference}/"
    page = text(client.get(ok["Location"]))
    assert "Rp500.000" in page and "Catat tindak lanjut" not in page  # the recipient records no outcome
    team = browser(org.school_team)
    assert "Catat tindak lanjut" in text(team.get(ok["Location"]))
    r = team.post(f"/gratifikasi/{row.reference}/tindak-lanjut/", {"outcome-outcome": "kept_allowed"})
    assert r.status_code == 302
    assert Gratification.objects.get().status == "settled"
    again = team.post(f"/gratifikasi/{row.reference}/tindak-lanjut/", {"outcome-outcome": "returned"})
    assert again.status_code == 409 and "Tindak lanjut laporan gratifikasi ini sudah dicatat." in text(again)
    assert Gratification.objects.get().outcome == "kept_allowed"
    export = team.get("/gratifikasi/ekspor/?unit=SMPN1")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert browser(org.teacher).get("/gratifikasi/ekspor/?unit=SMPN1").status_code == 403


def test_self_declaration_and_the_measure(org):
    client = browser(org.teacher)
    bad = client.post("/konflik/baru/", {"kind": "actual", "position": "GURU", "decision_kind": "admission"})
    assert bad.status_code == 400 and not SelfDeclaration.objects.exists()
    ok = client.post(
        "/konflik/baru/",
        {
            "kind": "actual",
            "position": "GURU",
            "title": "PPDB",
            "decision_kind": "admission",
            "description": "Keponakan",
        },
    )
    item = SelfDeclaration.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/konflik/{item.reference}/"
    page = text(client.get(ok["Location"]))
    assert "Keputusan ditangguhkan" in page and "Simpan tindakan" not in page
    vice = browser(org.vice)
    assert "Simpan tindakan" in text(vice.get(ok["Location"]))
    assert (
        vice.post(f"/konflik/{item.reference}/tindakan/", {"measure-measure": "recusal"}).status_code == 302
    )
    assert SelfDeclaration.objects.get().measure == "recusal"
    assert "Tindakan pengendalian diputuskan" in text(client.get(ok["Location"]))


def test_agenda_statements_page(org):
    _, _, agenda = world(org)
    first, second = agenda.items.order_by("order")
    vice = browser(org.vice)
    page = text(vice.get(f"/agenda/{agenda.pk}/pernyataan/"))
    assert "“PT Maju Jaya” cocok dengan “CV Maju Jaya” (usaha adik ipar)" in page
    missing_reason = vice.post(
        f"/agenda/{agenda.pk}/pernyataan/", {f"s{first.pk}": "recuse", f"s{second.pk}": "none"}
    )
    assert missing_reason.status_code == 400 and f'href="#id_r{first.pk}"' in text(missing_reason)
    assert not AgendaStatement.objects.exists()  # all or nothing
    ok = vice.post(
        f"/agenda/{agenda.pk}/pernyataan/",
        {f"s{first.pk}": "recuse", f"r{first.pk}": "Adik ipar saya pemiliknya", f"s{second.pk}": "none"},
    )
    assert ok.status_code == 302 and AgendaStatement.objects.count() == 2
    assert "Adik ipar saya pemiliknya" in text(vice.get(f"/agenda/{agenda.pk}/"))
    assert "Adik ipar saya pemiliknya" in text(browser(org.school_team).get(f"/agenda/{agenda.pk}/"))
    teacher_view = text(browser(org.teacher).get(f"/agenda/{agenda.pk}/"))
    assert "Adik ipar saya pemiliknya" not in teacher_view and "menarik diri" in teacher_view
    assert "CV Maju Jaya" not in teacher_view  # the warning is the vice principal's and the team's
    minutes = text(browser(org.principal).get(f"/agenda/{agenda.pk}/notulen/"))
    assert "Vice" in minutes and "Adik ipar" not in minutes
    pdf = browser(org.principal).get(f"/agenda/{agenda.pk}/notulen.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert browser(org.school_team).get(f"/agenda/{agenda.pk}/pernyataan/").status_code == 403


def test_agenda_form_without_javascript(org):
    client = browser(org.principal)
    page = text(client.get("/agenda/baru/"))
    assert 'name="item1_title"' in page and 'name="item2_title"' not in page and 'value="vice"' in page
    more = client.post("/agenda/baru/", {"unit": "SMPN1", "title": "Rapat", "blocks": "2", "more": "1"})
    assert more.status_code == 200 and 'name="item2_title"' in text(more)
    past = client.post(
        "/agenda/baru/",
        {"unit": "SMPN1", "title": "Rapat", "kind": "procurement", "day": "2020-01-01", "time": "09:00", "blocks": "2",
         "item0_title": "Seragam", "participants": ["vice"]},
    )  # fmt: skip
    assert past.status_code == 400 and 'href="#id_day"' in text(past) and not Agenda.objects.exists()
    ok = client.post(
        "/agenda/baru/",
        {"unit": "SMPN1", "title": "Rapat", "kind": "procurement", "day": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
         "time": "09:00", "blocks": "2", "item0_title": "Seragam", "item0_parties": "CV Maju Jaya\nUD Makmur",
         "participants": ["vice", "teacher"], "others": "kabid"},
    )  # fmt: skip
    agenda = Agenda.objects.get()
    assert ok.status_code == 302 and agenda.participants.count() == 3
    assert agendas.items_of(agenda)[0][1]["parties"] == ["CV Maju Jaya", "UD Makmur"]


def test_risk_map_page(org):
    riskmap.risk_rate(
        actor=org.school_team,
        data={
            "position": "KS",
            "decision_kind": "procurement",
            "likelihood": 5,
            "impact": 4,
            "review_on": "2099-01-01",
        },
    )
    team = browser(org.school_team)
    page = text(team.get("/peta-risiko/"))
    assert "<svg" in page and 'role="img"' in page and "Sangat tinggi (20)" in page
    bad = team.post(
        "/peta-risiko/?unit=SMPN1",
        {"risk-position": "KS", "risk-decision_kind": "staffing", "risk-likelihood": "9"},
    )
    assert bad.status_code == 400 and RiskRating.objects.count() == 1
    ok = team.post(
        "/peta-risiko/?unit=SMPN1",
        {"risk-position": "GURU", "risk-decision_kind": "grading", "risk-likelihood": "2", "risk-impact": "3", "risk-review_on": "2099-06-01"},
    )  # fmt: skip
    assert ok.status_code == 302 and RiskRating.objects.count() == 2
    rating = RiskRating.objects.get(position__code="GURU")
    assert team.post("/peta-risiko/?unit=SMPN1", {"remove": str(rating.pk)}).status_code == 302
    assert RiskRating.objects.count() == 1


def test_compliance_page_and_reminders(org):
    declare(org.teacher)
    team = browser(org.school_team)
    page = text(team.get("/deklarasi/kepatuhan/?unit=SMPN1&year=2026"))
    assert "1 dari 3 pegawai sudah mengisi" in page and "Vice" in page and "Principal" in page
    r = team.post("/deklarasi/kepatuhan/?unit=SMPN1&year=2026", {"person": ["vice"]})
    assert r.status_code == 302
    from integritas.notify.models import Notice

    assert Notice.objects.filter(person=org.vice, kind="declaration_reminder").count() == 1
    assert not Notice.objects.filter(person=org.principal).exists()
    assert browser(org.school_team).get("/deklarasi/kepatuhan/?unit=DISDIK&year=2026").status_code == 400
