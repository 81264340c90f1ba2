"""The back office on a 360 px phone with JavaScript off (issue 12, items 8–12): what waits for me with
its columns and the reporter's new message, the deadline's rule and count and the unit's calendar, the
confirmation page of an irreversible step (and going back to change it), the team's follow-up queue.

Cases are filed through the API (the portal has its own tests); the staff use the pages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.browser.conftest import PDF_BYTES, T, expect, field, screenshot, sign_in
from tests.browser.test_case_flow import assert_fits_phone

REPORT = {
    "unit": "SMPN1-UJI",
    "subject": {"position": "GURU-UJI"},
    "decision": {"title": "Pengumuman PPDB jalur zonasi", "number": "421/7/2026", "kind": "admission"},
    "categories": ["affiliation"],
    "description": "Ketua panitia meloloskan keponakannya.",
    "reporter": {"name": "Rahmat Hidayat", "email": "rahmat@contoh.id", "phone": None, "nik": None},
    "anonymous": False,
    "good_faith": True,
}
FINDINGS = "Keponakan ketua panitia diterima di luar zona; dokumen membuktikannya."


def file_report(context: Any) -> dict[str, Any]:
    r = context.request.post(
        "/api/v1/reports",
        multipart={
            "data": json.dumps(REPORT),
            "evidence": {"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
        },
    )
    assert r.status == 201, r.text()
    return r.json()


def api_as(context: Any, username: str) -> dict[str, str]:
    from tests.browser.conftest import PASSWORD

    r = context.request.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status == 200, r.text()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def phone_staff(new_context: Any, username: str) -> Any:
    return sign_in(new_context(phone=True, javascript=False), username)


def row(page: Any, reference: str) -> Any:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=reference, exact=True))


def test_a_headmaster_on_a_phone_records_founded_through_the_confirmation_page(new_context, axe_check):
    api = new_context()
    filed = file_report(api)
    reference = filed["reference"]
    sent = api.request.post(
        "/api/v1/track/messages", headers={"X-Receipt": filed["receipt"]}, data={"text": "Ada bukti baru."}
    )
    assert sent.status == 201, sent.text()

    page = phone_staff(new_context, "wakasek")
    expect(page).to_have_url(re.compile(r"/kasus/$"))
    line = row(page, reference)
    expect(line).to_contain_text("Ketua Panitia PPDB")  # the reported position
    expect(line).to_contain_text(T("New message from the reporter"))
    expect(line).to_contain_text("3 hari kerja")
    expect(line).to_contain_text(re.compile(r"sisa \d hari kerja|hari ini hari terakhir"))
    assert_fits_phone(page)
    screenshot(page, "office-queue-phone")
    axe_check(page)

    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("button", name=T("I have no conflict of interest with this case")).click()
    expect(page.get_by_text(re.compile(r"Aturan: 3 hari kerja"))).to_be_visible()

    # The calendar in force for the case's unit, read-only.
    page.get_by_role("link", name=T("the working-day calendar of this unit")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(T("Working-day calendar"))
    expect(page.get_by_role("main")).to_contain_text(
        T(
            "Only working days count: weekly days off, national holidays, joint leave (cuti bersama) and added days off do not."
        )
    )
    expect(page.locator("td.due")).to_have_count(1)
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)  # read-only: nothing to change
    assert_fits_phone(page)
    screenshot(page, "office-calendar-phone")
    axe_check(page)
    page.get_by_role("link", name=T("Back to the case")).click()

    question = page.get_by_role("group", name=T("Is the report founded?"))
    field(question, "Yes, founded: the decision goes to review by the next superior up").check()
    field(page, "Findings").fill(FINDINGS)
    page.get_by_role("button", name=T("Record the result of the examination")).click()

    # Asked once, without JavaScript; going back keeps what was typed.
    expect(page.get_by_role("heading", name=T("Check once more before you record it"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(FINDINGS)
    expect(page.get_by_role("main")).to_contain_text(T("This step cannot be undone."))
    assert_fits_phone(page)
    screenshot(page, "office-confirm-founded-phone")
    axe_check(page)
    page.get_by_role("button", name=T("Go back and change it")).click()
    expect(field(page, "Findings")).to_have_value(FINDINGS)
    page.get_by_role("button", name=T("Record the result of the examination")).click()
    page.get_by_role("button", name=T("Yes, record the result")).click()
    expect(page.get_by_text(T("The result of the examination is recorded."))).to_be_visible()
    examination = page.get_by_role("region", name=T("Result of the examination"))
    expect(examination.get_by_text(FINDINGS)).to_be_visible()

    # The message was read when the case was opened: the marker is gone; the case has left the queue.
    page.get_by_role("link", name=T("My cases")).first.click()
    expect(page.get_by_role("link", name=reference, exact=True)).to_have_count(0)


def test_the_team_finds_the_follow_up_in_its_queue_and_closes_it_on_a_phone(new_context, axe_check):
    api = new_context()
    reference = file_report(api)["reference"]
    examined = api.request.post(
        f"/api/v1/cases/{reference}/examination",
        headers=api_as(api, "wakasek"),
        data={"conclusion": "founded", "findings": FINDINGS},
    )
    assert examined.status == 200, examined.text()
    reviewed = api.request.post(
        f"/api/v1/cases/{reference}/review",
        headers=api_as(api, "kepsek"),
        data={"decision": "reassign", "notes": "Ditetapkan ulang."},
    )
    assert reviewed.status == 200, reviewed.text()

    reviewer = phone_staff(new_context, "kepsek")
    expect(reviewer.get_by_role("link", name=reference, exact=True)).to_have_count(0)  # nothing left to do

    page = phone_staff(new_context, "timsekolah")
    expect(row(page, reference)).to_contain_text(T("Follow-up"))
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", name=T("Before you open this case"))).to_be_visible()
    assert "Rahmat Hidayat" not in page.content()
    page.get_by_role("button", name=T("I have no conflict of interest with this case")).click()
    expect(page.get_by_text("Rahmat Hidayat")).to_be_visible()
    expect(
        page.get_by_text(
            T(
                "The reporter reads this title and its due date when they track the report. Say what will be done; do not write names of people or anything confidential."
            )
        )
    ).to_be_visible()

    field(page, "Closing summary").fill("Keputusan ditetapkan ulang oleh panitia baru.")
    page.get_by_role("button", name=T("Close the case")).click()
    expect(page.get_by_role("heading", name=T("Check once more before you record it"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        T(
            "The reporter reads this summary with their receipt. By e-mail they only get a notice that the handling is finished, never the summary itself."
        )
    )
    assert_fits_phone(page)
    screenshot(page, "office-confirm-close-phone")
    axe_check(page)
    page.get_by_role("button", name=T("Yes, close the case")).click()
    expect(page.get_by_text(T("The case is closed."))).to_be_visible()
