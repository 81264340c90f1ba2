"""One report from filing to closing, through the pages, as the people of the procedure use them.

The steps run in order and share what the story has produced so far (`story`: the reference and the
receipt); a step whose earlier step failed is skipped, naming the step that is missing.

- The reporter uses a 360 px phone with JavaScript disabled, in Indonesian (the default).
- Staff use a desktop browser with JavaScript on. Pages are read through labels and roles, with the
  words taken from the same translation catalogs as the server (`T`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, TIMEOUT_MS, T, expect, field, pdf_file, screenshot, sign_in

REFERENCE_RE = re.compile(r"BK-\d{4}-\d{6,12}")
SUBJECT_OPTION = "Ketua Panitia PPDB — Agung Prasetya"
QUESTION = "Mohon kirimkan salinan pengumuman hasil PPDB yang Anda sebut."
REPLY = "Terlampir salinan pengumuman hasil PPDB tanggal 1 Juli 2026."
FINDINGS = "Ketua panitia meloloskan keponakannya di luar kuota zonasi; dokumen pengumuman membuktikannya."
REVIEW_NOTES = "Penetapan hasil PPDB jalur zonasi dicabut dan ditetapkan ulang oleh panitia tanpa benturan."
FOLLOW_UP = "Penetapan ulang hasil PPDB jalur zonasi"
GOOD_FAITH = (
    "I declare that I make this report in good faith and that, to the best of my knowledge, it is true. "
    "I understand that a false report made in bad faith can have legal consequences."
)
CLOSING = "Hasil PPDB telah ditetapkan ulang dan diumumkan kembali."


@pytest.fixture(scope="module")
def story() -> dict[str, Any]:
    return {}


def need(story: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if key not in story:
            pytest.skip(
                f"an earlier step of the story did not finish (no {key}): see the first failure above"
            )


@pytest.fixture(scope="module")
def staff(browser: Any, base_url: str) -> Iterator[Any]:
    """Signed-in staff pages, one browser context per person, kept for the whole story."""
    contexts: dict[str, Any] = {}
    pages: dict[str, Any] = {}

    def page_of(username: str) -> Any:
        if username not in pages:
            context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="id-ID")
            context.set_default_timeout(TIMEOUT_MS)
            contexts[username] = context
            pages[username] = sign_in(context, username)
        return pages[username]

    yield page_of
    for context in contexts.values():
        context.close()


def assert_fits_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px screen"


def open_case_from_queue(page: Any, reference: str) -> None:
    page.get_by_role("link", name=T("My cases")).first.click()
    expect(page).to_have_url(re.compile(r"/kasus/$"))
    page.get_by_role("link", name=reference, exact=True).click()


# --- 1. the reporter files a report ------------------------------------------------------------------


def test_reporter_files_a_report_on_a_phone_without_javascript(new_context, story, axe_check):
    page = new_context(phone=True, javascript=False).new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.get_by_role("navigation", name=T("Main menu")).get_by_role(
        "link", name=T("Report"), exact=True
    ).click()

    # Find the school.
    field(page, "Name or code of the school or office").fill("Sukamaju")
    page.get_by_role("button", name=T("Search"), exact=True).click()
    page.get_by_role("link", name="SMP Negeri 1 Sukamaju").click()
    expect(page).to_have_url(re.compile(r"/lapor/SMPN1-UJI/$"))
    assert_fits_phone(page)
    screenshot(page, "report-form-phone")
    axe_check(page)

    # Sending it empty: errors at the top and next to the fields, nothing lost.
    page.get_by_role("button", name=T("Send the report")).click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_role("alert").first.get_by_role("link").first).to_be_visible()
    screenshot(page, "report-form-errors-phone")

    field(page, "Official who took the decision or action").select_option(label=SUBJECT_OPTION)
    field(page, "Title of the decision or action").fill("Pengumuman hasil PPDB jalur zonasi 2026")
    field(page, "Number of the decision letter").fill("421.3/045/SMPN1/2026")
    field(page, "Date").fill((dt.date.today() - dt.timedelta(days=20)).isoformat())
    field(page, "Kind of decision").select_option(label=T("Admission of new pupils (PPDB)"))
    field(page, "Affiliation (personal or group)").check()
    field(page, "Chronology").fill(
        "Pada 1 Juli 2026 ketua panitia PPDB meloloskan keponakannya melalui jalur zonasi, "
        "padahal alamatnya di luar zona. Saya melihat daftar pengumuman di papan sekolah."
    )
    field(page, "Evidence files").set_input_files([pdf_file("pengumuman-ppdb.pdf")])
    field(page, "Your name").fill("Siti Aminah")
    field(page, "E-mail address").fill("siti.aminah@contoh.id")
    field(page, "Phone or WhatsApp").fill("0812 3456 7890")
    field(page, "Your relation to the matter").fill("Orang tua calon siswa")
    field(page, GOOD_FAITH).check()
    page.get_by_role("button", name=T("Send the report")).click()

    # The receipt.
    expect(page).to_have_url(re.compile(r"/lapor/terkirim/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Your report has been sent"))
    main = page.get_by_role("main").inner_text()
    reference = REFERENCE_RE.search(main)
    assert reference, main
    receipt = page.locator("#receipt").inner_text().strip()
    assert len(re.sub(r"[^A-Za-z0-9]", "", receipt)) >= 16, receipt
    assert_fits_phone(page)
    screenshot(page, "receipt-phone")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=T("Download the receipt as a small text file")).click()
    slip = download_info.value
    slip_text = open(slip.path(), encoding="utf-8").read()
    assert receipt in slip_text and reference.group(0) in slip_text

    # A phone reloads the tab (after a switch to the camera or a chat app): the receipt is still there,
    # until the reporter says it is saved.
    page.reload()
    expect(page.locator("#receipt")).to_have_text(receipt)
    page.get_by_role("button", name=T("I have saved my receipt")).click()
    page.goto("/lapor/terkirim/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        T("The receipt is no longer kept in this browser")
    )
    assert receipt not in page.content()
    story.update(reference=reference.group(0), receipt=receipt)


# --- 2. the direct superior asks a question ----------------------------------------------------------


def test_direct_superior_confirms_no_conflict_and_asks_the_reporter(staff, story, axe_check):
    need(story, "reference")
    page = staff("wakasek")
    expect(page).to_have_url(re.compile(r"/kasus/$"))
    expect(page.get_by_role("link", name=story["reference"], exact=True)).to_be_visible()
    screenshot(page, "queue")
    axe_check(page)

    page.get_by_role("link", name=story["reference"], exact=True).click()
    # First opening: the no-conflict confirmation, before the content.
    expect(page.get_by_role("heading", name=T("Before you open this case"))).to_be_visible()
    assert "Siti Aminah" not in page.content()
    screenshot(page, "case-confirm")
    page.get_by_role("button", name=T("I have no conflict of interest with this case")).click()

    expect(page.get_by_role("heading", name=T("The report"), exact=True)).to_be_visible()
    expect(page.get_by_text("Siti Aminah")).to_be_visible()
    expect(page.get_by_role("link", name="pengumuman-ppdb.pdf")).to_be_visible()
    field(page, "Message to the reporter").fill(QUESTION)
    page.get_by_role("button", name=T("Send to the reporter")).click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    screenshot(page, "case-examination")
    axe_check(page)
    story["asked"] = True


# --- 3. the reporter tracks the report and replies ---------------------------------------------------


def test_reporter_tracks_the_report_and_replies_with_evidence(new_context, story, axe_check):
    need(story, "receipt", "asked")
    page = new_context(phone=True, javascript=False).new_page()
    page.goto("/")
    page.get_by_role("navigation", name=T("Main menu")).get_by_role("link", name=T("Track a report")).click()
    field(page, "Receipt").fill(story["receipt"].lower())
    page.get_by_role("button", name=T("Open the report")).click()

    expect(page).to_have_url(re.compile(r"/pantau/laporan/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(story["reference"])
    main = page.get_by_role("main")
    expect(main).to_contain_text(T("Being examined by the direct superior of the official reported"))
    expect(main).to_contain_text(T("Report received."))
    expect(main).to_contain_text(QUESTION)
    assert_fits_phone(page)
    screenshot(page, "tracking-phone")
    axe_check(page)

    field(page, "Your message").fill(REPLY)
    field(page, "More evidence").set_input_files([pdf_file("salinan-pengumuman.pdf")])
    page.get_by_role("button", name=T("Send"), exact=True).click()
    expect(page.get_by_text(T("Your message has been sent to the handlers."))).to_be_visible()
    expect(page.get_by_text(REPLY)).to_be_visible()
    expect(page.get_by_text("salinan-pengumuman.pdf")).to_be_visible()
    screenshot(page, "tracking-replied-phone")
    story["replied"] = True


# --- 4. the direct superior concludes: founded -------------------------------------------------------


def test_direct_superior_concludes_the_report_is_founded(staff, story):
    need(story, "replied")
    page = staff("wakasek")
    open_case_from_queue(page, story["reference"])
    expect(page.get_by_text(REPLY)).to_be_visible()
    expect(page.get_by_role("link", name="salinan-pengumuman.pdf")).to_be_visible()

    question = page.get_by_role("group", name=T("Is the report founded?"))
    field(question, "Yes, founded: the decision goes to review by the next superior up").check()
    field(page, "Findings").fill(FINDINGS)
    page.get_by_role("button", name=T("Record the result of the examination")).click()
    # An irreversible step: asked once more, on a page of its own.
    expect(page.get_by_role("heading", name=T("Check once more before you record it"))).to_be_visible()
    page.get_by_role("button", name=T("Yes, record the result")).click()
    expect(page.get_by_text(T("Examination: the report is founded"))).to_be_visible()
    expect(page.get_by_role("group", name=T("Is the report founded?"))).to_have_count(0)
    screenshot(page, "case-founded")
    story["founded"] = True


# --- 5. the subject sees nothing ---------------------------------------------------------------------


def test_the_reported_official_sees_nothing_of_the_case(staff, story):
    need(story, "reference")
    page = staff("ketuappdb")
    expect(page).to_have_url(re.compile(r"/kasus/$"))
    expect(page.get_by_text(T("You have no case to handle now."))).to_be_visible()
    assert story["reference"] not in page.content()

    response = page.goto(f"/kasus/{story['reference']}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Case not found"))
    content = page.content()
    for secret in ("Siti Aminah", "keponakannya", FINDINGS, QUESTION):
        assert secret not in content
    screenshot(page, "subject-not-found")

    response = page.goto("/kasus/semua/")
    assert response is not None
    assert story["reference"] not in page.content()


# --- 6. the reviewer revokes the decision ------------------------------------------------------------


def test_reviewer_revokes_the_decision(staff, story):
    need(story, "founded")
    page = staff("kepsek")
    page.get_by_role("link", name=story["reference"], exact=True).click()
    page.get_by_role("button", name=T("I have no conflict of interest with this case")).click()
    # The examiner's findings beside the result, above the review form.
    examination = page.get_by_role("region", name=T("Result of the examination"))
    expect(examination.get_by_text(FINDINGS)).to_be_visible()

    question = page.get_by_role("group", name=T("What happens to the decision?"))
    field(question, "Revoke it").check()
    field(page, "Notes").fill(REVIEW_NOTES)
    page.get_by_role("button", name=T("Record the review")).click()
    page.get_by_role("button", name=T("Yes, record the result")).click()
    expect(page.get_by_text(T("Review: the decision is revoked"))).to_be_visible()
    screenshot(page, "case-revoked")
    story["revoked"] = True


# --- 7. the team supervises the follow-up and closes -------------------------------------------------


def test_team_adds_and_completes_a_follow_up_and_closes_the_case(staff, story):
    need(story, "revoked")
    page = staff("timsekolah")
    page.get_by_role("link", name=T("All cases")).first.click()
    expect(page).to_have_url(re.compile(r"/kasus/semua/"))
    screenshot(page, "team-cases")
    page.get_by_role("link", name=story["reference"], exact=True).click()
    if page.get_by_role("button", name=T("I have no conflict of interest with this case")).count():
        page.get_by_role("button", name=T("I have no conflict of interest with this case")).click()

    page.get_by_role("textbox", name=T("Follow-up action"), exact=True).fill(FOLLOW_UP)
    field(page, "Due date").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name=T("Add the follow-up action")).click()
    expect(page.get_by_text(FOLLOW_UP).first).to_be_visible()

    field(page, "How it was done (optional)").fill("Diumumkan ulang pada papan sekolah.")
    page.get_by_role("button", name=T("Mark done")).click()
    expect(page.get_by_text(T("Done"), exact=True).first).to_be_visible()

    field(page, "Closing summary").fill(CLOSING)
    page.get_by_role("button", name=T("Close the case")).click()
    page.get_by_role("button", name=T("Yes, close the case")).click()
    expect(page.get_by_text(T("Case closed")).first).to_be_visible()
    screenshot(page, "case-closed")
    story["closed"] = True


# --- 8. the reporter sees the outcome ----------------------------------------------------------------


def test_reporter_sees_the_outcome(new_context, story):
    need(story, "closed")
    page = new_context(phone=True, javascript=False).new_page()
    page.goto("/pantau/")
    field(page, "Receipt").fill(story["receipt"])
    page.get_by_role("button", name=T("Open the report")).click()
    main = page.get_by_role("main")
    expect(main).to_contain_text(T("Finished"))
    expect(main).to_contain_text(T("The report was proven: the decision was revoked."))
    expect(main).to_contain_text(T("Follow-up action completed: %(title)s.") % {"title": FOLLOW_UP})
    expect(main).to_contain_text(CLOSING)
    expect(field(page, "Your message")).to_have_count(0)
    assert_fits_phone(page)
    screenshot(page, "tracking-closed-phone")
