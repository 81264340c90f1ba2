"""The public portal on a 360 px phone without JavaScript: finding the school as people write it,
error pages, a file over the limit, files kept after an error, the receipt after a reload, and the
form after its cookies were cleared (issue 12 items 1, 2, 3, 5, 7)."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import PDF_BYTES, T, expect, field, pdf_file, screenshot

GOOD_FAITH = (
    "I declare that I make this report in good faith and that, to the best of my knowledge, it is true. "
    "I understand that a false report made in bad faith can have legal consequences."
)
SUBJECT_OPTION = "Ketua Panitia PPDB — Agung Prasetya"
CHRONOLOGY = "Ketua panitia PPDB meloloskan keponakannya di luar zona. Saya melihat pengumumannya."


def fits_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px screen"


def phone(new_context: Any) -> Any:
    return new_context(phone=True, javascript=False).new_page()


def fill_report(page: Any, *, good_faith: bool = True) -> None:
    field(page, "Official who took the decision or action").select_option(label=SUBJECT_OPTION)
    field(page, "Affiliation (personal or group)").check()
    field(page, "Chronology").fill(CHRONOLOGY)
    field(page, "Your name").fill("Siti Aminah")
    field(page, "E-mail address").fill("siti.aminah@contoh.id")
    if good_faith:
        field(page, GOOD_FAITH).check()


def test_the_school_is_found_as_people_write_it(new_context):
    page = phone(new_context)
    page.goto("/lapor/")
    for typed in ("smpn1 sukamaju", "SMP N 1 Sukamaju", "Sukamaju 1"):
        field(page, "Name or code of the school or office").fill(typed)
        page.get_by_role("button", name=T("Search"), exact=True).click()
        expect(page.get_by_role("link", name="SMP Negeri 1 Sukamaju")).to_be_visible()
    field(page, "Name or code of the school or office").fill("SMPN 9 Ngawi")
    page.get_by_role("button", name=T("Search"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        T(
            "Nothing found. Check the spelling, or type a shorter part of the name. You can also choose from the list below."
        )
    )
    page.get_by_role("link", name="SMP Negeri 1 Sukamaju").click()  # the list is still there
    expect(page).to_have_url(re.compile(r"/lapor/SMPN1-UJI/$"))
    fits_phone(page)


def test_error_pages_are_the_sites_own_on_a_phone(new_context, axe_check):
    page = phone(new_context)
    response = page.goto("/lapor/smpn1-uji/")  # typed from a poster, in small letters
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(r"/lapor/SMPN1-UJI/$"))
    response = page.goto("/lapor/SMPN9-UJI/")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Page not found"))
    fits_phone(page)
    screenshot(page, "not-found-phone")
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name=T("Home")).click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_a_file_over_the_limit_brings_the_form_back_filled(new_context, tmp_path):
    page = phone(new_context)
    page.goto("/lapor/SMPN1-UJI/")
    fill_report(page)
    big = tmp_path / "video-21mb.pdf"  # a phone video over the 20 MB limit (a file: no copy over the wire)
    with big.open("wb") as fh:
        fh.write(PDF_BYTES)
        fh.truncate(21 * 1024 * 1024)
    field(page, "Evidence files").set_input_files(str(big), timeout=60_000)
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page.locator("#f-evidence-error")).to_contain_text("video-21mb.pdf")
    expect(field(page, "Chronology")).to_have_value(CHRONOLOGY)
    expect(field(page, "Your name")).to_have_value("Siti Aminah")
    expect(field(page, GOOD_FAITH)).to_be_checked()
    fits_phone(page)
    screenshot(page, "file-too-large-phone")


def test_valid_files_are_kept_after_an_error_and_the_receipt_survives_a_reload(new_context):
    page = phone(new_context)
    page.goto("/lapor/SMPN1-UJI/")
    fill_report(page, good_faith=False)
    field(page, "Evidence files").set_input_files([pdf_file("pengumuman.pdf")])
    page.get_by_role("button", name=T("Send the report")).click()
    kept = page.get_by_label(re.compile(r"^pengumuman\.pdf"))
    expect(kept).to_be_checked()
    screenshot(page, "file-kept-phone")
    field(page, GOOD_FAITH).check()
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page).to_have_url(re.compile(r"/lapor/terkirim/$"))
    receipt = page.locator("#receipt").inner_text().strip()
    page.reload()
    expect(page.locator("#receipt")).to_have_text(receipt)
    with page.expect_download() as download:
        page.get_by_role("link", name=T("Download the receipt as a small text file")).click()
    assert receipt in open(download.value.path(), encoding="utf-8").read()
    fits_phone(page)


def test_the_form_comes_back_after_its_cookies_were_cleared(new_context):
    context = new_context(phone=True, javascript=False)
    page = context.new_page()
    page.goto("/lapor/SMPN1-UJI/")
    fill_report(page)
    context.clear_cookies()  # a cleaner app, or private mode
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page.get_by_role("alert").first).to_contain_text("kuki")
    expect(field(page, "Chronology")).to_have_value(CHRONOLOGY)
    fits_phone(page)
    screenshot(page, "csrf-failure-phone")
    field(page, "Evidence files").set_input_files([pdf_file("bukti.pdf")])
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page).to_have_url(re.compile(r"/lapor/terkirim/$"))
