"""Issue 12 item 15: small wording on the portal (and the administration's "Oleh: system")."""

from __future__ import annotations

import pytest

from integritas.cases import services
from integritas.cases.models import Via
from integritas.orgs.presenters import actor_label
from tests.factories import pdf_upload, reload, submit
from tests.web.portal import form_data, portal_org, text_of, visible

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return portal_org()


def test_file_sizes_say_byte_not_bita(client, org):
    submitted = submit(org.school, org.p_teacher, files=[pdf_upload("pengumuman.pdf")])
    services.case_message(via=Via.API, case=reload(submitted.case), actor=org.vice, text="Terima kasih.")
    client.post("/pantau/", {"receipt": submitted.receipt})
    page = visible(client.get("/pantau/laporan/"))
    assert "pengumuman.pdf" in page
    assert "bita" not in page
    assert "\xa0byte)" in page  # "45 byte", with a no-break space


def test_the_contact_problem_is_listed_once(client, org):
    response = client.post("/lapor/SMPN1/", form_data(reporter_email="", reporter_phone=""))
    assert response.status_code == 400
    body = text_of(response)
    summary = body.split('id="errors"', 1)[1].split("</div>", 1)[0]
    assert summary.count("Cantumkan alamat e-mail atau nomor telepon") == 1
    # Still at both fields, where the eye is.
    assert body.count("Cantumkan alamat e-mail atau nomor telepon") >= 2


def test_the_form_says_e_mail_as_its_introduction_does(client, org):
    page = visible(client.get("/lapor/SMPN1/"))
    assert "Alamat e-mail" in page and "surel" not in page


def test_the_date_hint_matches_the_browser_date_control(client, org):
    page = visible(client.get("/lapor/SMPN1/"))
    assert "Pilih tanggal pada kalender" in page
    assert "Tahun-bulan-tanggal" not in page
    # Typed the Indonesian way into a plain text box, the date is understood.
    response = client.post("/lapor/SMPN1/", form_data(decision_date="01/07/2026"))
    assert response.status_code == 302
    from integritas.cases.models import Case

    assert str(Case.objects.get().decision_date) == "2026-07-01"


def test_the_good_faith_statement_is_not_bold():
    from django.contrib.staticfiles import finders

    css = open(finders.find("web/site.css")).read()
    assert ".check label { margin: 0; font-weight: 400; }" in css


def test_changes_made_by_the_product_are_by_sistem_not_system(settings):
    from django.utils import translation

    with translation.override("id"):
        assert actor_label("system") == "Sistem"
        assert actor_label("admin.disdik") == "admin.disdik"
