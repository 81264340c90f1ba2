"""Prevention pages in Chromium: on a 360 px phone with JavaScript disabled, in Indonesian, checked
with axe-core, as staff use them (SOP part C).

The steps share what the story has produced so far; a step whose earlier step failed is skipped.
The names declared here belong to nobody in the browser organisation, so the case-flow tests that
share the server are never screened by them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.browser.conftest import T, expect, field, pdf_file, screenshot, sign_in

PARTY = "CV Sinar Jaya Seragam"
REASON = "CV Sinar Jaya Seragam adalah usaha kakak saya."


@pytest.fixture(scope="module")
def story() -> dict[str, Any]:
    return {}


def need(story: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if key not in story:
            pytest.skip(f"an earlier step did not finish (no {key}): see the first failure above")


def phone(new_context: Any, username: str) -> Any:
    return sign_in(new_context(phone=True, javascript=False), username)


def fits_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px screen"


def check(page: Any, axe_check: Any, name: str) -> None:
    fits_phone(page)
    screenshot(page, name)
    axe_check(page)


def test_employee_files_a_declaration(new_context, axe_check, story):
    page = phone(new_context, "ketuappdb")
    page.get_by_role("navigation", name=T("Main menu")).get_by_role("link", name=T("Prevention")).click()
    expect(page).to_have_url(re.compile(r"/pencegahan/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Preventing conflicts of interest"))
    check(page, axe_check, "prevention-hub-phone")
    page.get_by_role("link", name=T("File it now")).click()
    expect(page).to_have_url(re.compile(r"/deklarasi/baru/$"))

    # Sent empty: the problem at the top, linking to the field; nothing stored.
    page.get_by_role("button", name=T("File the declaration")).click()
    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text(T("List at least one interest, or declare that you have none."))
    check(page, axe_check, "declaration-form-errors-phone")

    page.locator("#id_i0_category").select_option("family_community")
    page.locator("#id_i0_description").fill("Kakak saya pemilik konveksi yang ikut pengadaan seragam.")
    page.locator("#id_i0_p0_name").fill(PARTY)
    page.locator("#id_i0_p0_relation").fill("usaha kakak")
    # Without JavaScript, "add another interest" posts the form back with one more block.
    page.get_by_role("button", name=T("Add another interest")).click()
    expect(page.locator("#id_i1_category")).to_be_visible()
    expect(page.locator("#id_i0_p0_name")).to_have_value(PARTY)
    page.locator("#id_i1_category").select_option("side_job")
    page.locator("#id_i1_description").fill("Les privat matematika untuk siswa sekolah lain.")
    check(page, axe_check, "declaration-form-phone")
    page.get_by_role("button", name=T("File the declaration")).click()
    expect(page).to_have_url(re.compile(r"/deklarasi/\d+/$"))
    expect(page.get_by_role("status").first).to_contain_text(T("Your declaration is filed. Thank you."))
    expect(page.get_by_text(PARTY)).to_be_visible()
    check(page, axe_check, "declaration-phone")
    page.get_by_role("link", name=T("My declarations"), exact=True).click()
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=re.compile(re.escape(T("Download your statement %(year)s (PDF)").split("%")[0]))
        ).click()
    assert download.value.suggested_filename.startswith("surat-pernyataan-ketuappdb-")
    story["declared"] = True


def test_employee_reports_a_gift(new_context, axe_check, story):
    page = phone(new_context, "ketuappdb")
    page.goto("/gratifikasi/")
    check(page, axe_check, "gratifications-phone")
    page.get_by_role("link", name=T("Report a gift"), exact=True).click()
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page.get_by_role("alert").first).to_be_visible()
    field(page, "Date received (or refused)").fill((dt.date.today() - dt.timedelta(days=2)).isoformat())
    page.get_by_label(T("Related to the official's duties")).check()
    field(page, "Name of the giver").fill("Hj. Siti Maryam")
    field(page, "Relation to the giver").fill("orang tua calon siswa")
    field(page, "What was given").fill("Parsel kain batik setelah pengumuman PPDB.")
    field(page, "Estimated value in rupiah").fill("750000")
    # (A full-page screenshot after choosing a file makes Chromium drop the submission: check first.)
    check(page, axe_check, "gratification-form-phone")
    field(page, "Photo or document (optional)").set_input_files([pdf_file("foto-parsel.pdf")])
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page).to_have_url(re.compile(r"/gratifikasi/GR-\d{4}-\d{6,}/$"))
    expect(page.get_by_text("Rp750.000")).to_be_visible()
    expect(page.get_by_role("link", name="foto-parsel.pdf")).to_be_visible()
    check(page, axe_check, "gratification-phone")
    story["gratification"] = page.url

    team = phone(new_context, "timsekolah")
    team.goto(story["gratification"])
    team.get_by_label(T("Forwarded to the KPK")).check()
    team.get_by_role("button", name=T("Record the outcome")).click()
    expect(team.get_by_role("status").first).to_contain_text(T("The outcome is recorded."))
    check(team, axe_check, "gratification-settled-phone")


def test_official_declares_a_conflict_and_the_superior_decides(new_context, axe_check, story):
    page = phone(new_context, "ketuappdb")
    page.goto("/konflik/baru/")
    page.get_by_label(T("Actual: my interest and my duty already clash")).check()
    field(page, "The decision or action").fill("Penetapan hasil seleksi PPDB jalur zonasi")
    field(page, "Kind of decision").select_option("admission")
    field(page, "Your interest in it").fill("Keponakan saya termasuk pendaftar jalur zonasi.")
    check(page, axe_check, "conflict-form-phone")
    page.get_by_role("button", name=T("Send the declaration")).click()
    expect(page).to_have_url(re.compile(r"/konflik/KK-\d{4}-\d{6,}/$"))
    expect(page.get_by_text(T("The decision is suspended"))).to_be_visible()
    check(page, axe_check, "conflict-phone")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]

    superior = phone(new_context, "wakasek")
    superior.goto("/pencegahan/")
    superior.get_by_role("link", name=T("Conflict declarations")).first.click()
    superior.get_by_role("link", name=reference).click()
    superior.get_by_label(T("Reassignment: another official takes the decision")).check()
    field(superior, "Notes (optional)").fill("Penetapan hasil PPDB dilakukan oleh Wakil Kepala Sekolah.")
    check(superior, axe_check, "conflict-measure-phone")
    superior.get_by_role("button", name=T("Record the measure")).click()
    expect(superior.get_by_role("status").first).to_contain_text(
        T("The measure is recorded. The official was told.")
    )
    page.reload()
    expect(page.locator("p.success")).to_contain_text(T("Reassignment: another official takes the decision"))


def test_agenda_with_a_warning_and_a_recusal(new_context, axe_check, story):
    need(story, "declared")
    principal = phone(new_context, "kepsek")
    principal.goto("/agenda/")
    principal.get_by_role("link", name=T("Publish an agenda")).click()
    field(principal, "Title of the meeting").fill("Rapat penetapan penyedia seragam sekolah")
    field(principal, "Kind of decision").select_option("procurement")
    field(principal, "Date of the meeting").fill((dt.date.today() + dt.timedelta(days=4)).isoformat())
    field(principal, "Time (unit's local time)").fill("09:00")
    principal.locator("#id_item0_title").fill("Penetapan pemenang pengadaan seragam")
    principal.locator("#id_item0_parties").fill("PT Sinar Jaya Seragam Tbk\nUD Makmur Busana")
    principal.locator("#id_item1_title").fill("Pengadaan buku paket")
    principal.get_by_label(re.compile("Ratna Sari Dewi")).check()
    principal.get_by_label(re.compile("Agung Prasetya")).check()
    check(principal, axe_check, "agenda-form-phone")
    principal.get_by_role("button", name=T("Publish the agenda")).click()
    expect(principal).to_have_url(re.compile(r"/agenda/\d+/$"))
    expect(principal.get_by_role("note")).to_have_count(0)  # the warning is not the publisher's to see
    agenda_url = principal.url

    member = phone(new_context, "ketuappdb")
    member.goto(agenda_url)
    expect(member.get_by_role("note")).to_contain_text(PARTY)
    check(member, axe_check, "agenda-warning-phone")
    member.get_by_role("link", name=T("State your conflicts of interest for each item")).click()
    fieldsets = member.locator("main form > fieldset")
    fieldsets.nth(0).get_by_label(T("I withdraw from this item (recusal)")).check()
    fieldsets.nth(0).get_by_label(T("Reason for withdrawing")).fill(REASON)
    fieldsets.nth(1).get_by_label(T("I have no conflict of interest with this item")).check()
    check(member, axe_check, "agenda-statements-phone")
    member.get_by_role("button", name=T("Record my statements")).click()
    expect(member.get_by_role("status").first).to_contain_text(T("Your statements are recorded."))
    expect(member.get_by_text(REASON)).to_be_visible()

    principal.reload()
    expect(principal.get_by_text(REASON)).to_have_count(0)  # reasons: the team and the person only
    principal.get_by_role("link", name=T("Minutes of recusals")).click()
    expect(principal.get_by_role("table")).to_contain_text("Agung Prasetya")
    check(principal, axe_check, "agenda-minutes-phone")
    team = phone(new_context, "timsekolah")
    team.goto(agenda_url)
    expect(team.get_by_text(REASON)).to_be_visible()
    expect(team.get_by_role("note")).to_contain_text("Agung Prasetya")


def test_team_sees_compliance_and_keeps_the_risk_map(new_context, axe_check, story):
    team = phone(new_context, "timsekolah")
    team.goto("/pencegahan/")
    team.get_by_role("link", name=T("Declaration compliance")).first.click()
    expect(team.get_by_role("group", name=T("Not filed yet"))).to_contain_text("Bambang Sutrisno")
    check(team, axe_check, "compliance-phone")
    team.get_by_role("button", name=T("Send reminders")).click()
    expect(team.get_by_role("status").first).to_be_visible()

    team.goto("/peta-risiko/")
    field(team, "Position").select_option("GURU-UJI")
    field(team, "Kind of decision").select_option("admission")
    field(team, "Likelihood of a conflict of interest").select_option("4")
    field(team, "Impact if it happens").select_option("5")
    field(team, "Mitigation").fill("Panitia PPDB menyatakan konflik kepentingan; pengumuman terbuka.")
    field(team, "Review by").fill((dt.date.today() + dt.timedelta(days=180)).isoformat())
    team.get_by_role("button", name=T("Save the rating")).click()
    expect(team.get_by_role("status").first).to_contain_text(T("The rating is saved."))
    expect(team.get_by_role("img", name=T("Number of ratings by likelihood and impact"))).to_be_visible()
    expect(team.get_by_role("table")).to_contain_text("Ketua Panitia PPDB")
    check(team, axe_check, "risk-map-phone")
