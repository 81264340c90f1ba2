"""Administration through the pages: an administrator uploads an org file, sees the preview, applies it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, TIMEOUT_MS, T, expect, field, screenshot, sign_in

NEW_SCHOOL = {
    "units": [
        {"code": "SMPN2-UJI", "name": "SMP Negeri 2 Sukamaju", "parent": "DISDIK-UJI", "work_week": "mon-sat"}
    ],
    "positions": [
        {"code": "KS-UJI2", "unit": "SMPN2-UJI", "title": "Kepala Sekolah", "reports_to": "KABID-UJI"},
        {"code": "GURU-UJI2", "unit": "SMPN2-UJI", "title": "Guru IPA", "reports_to": "KS-UJI2"},
    ],
}


@pytest.fixture(scope="module")
def admin(browser: Any, base_url: str) -> Iterator[Any]:
    """The administrator, signed in once for this module (each sign-in costs an argon2 check)."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="id-ID")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield sign_in(context, "admin")
    finally:
        context.close()


def test_administrator_uploads_an_org_file_and_sees_the_preview(admin, axe_check):
    page = admin
    expect(page).to_have_url(re.compile(r"/kelola/"))
    page.get_by_role("navigation", name=T("Administration sections")).get_by_role(
        "link", name=T("Import"), exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Import the organisation structure"))

    field(page, "Org import file (Excel workbook or JSON)").set_input_files(
        [
            {
                "name": "sekolah-baru.json",
                "mimeType": "application/json",
                "buffer": json.dumps(NEW_SCHOOL).encode(),
            }
        ]
    )
    page.get_by_role("button", name=T("Preview the changes")).click()

    preview = page.get_by_role("region", name=T("Preview of the changes"))
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("sekolah-baru.json")
    expect(preview).to_contain_text("SMPN2-UJI")
    expect(preview).to_contain_text("KS-UJI2")
    screenshot(page, "import-preview")
    axe_check(page)
    # Nothing changed yet.
    assert "SMP Negeri 2 Sukamaju" not in page.request.get("/lapor/?q=Sukamaju").text()

    page.get_by_role("button", name=T("Apply these changes")).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"\d"))
    assert "SMP Negeri 2 Sukamaju" in page.request.get("/lapor/?q=Sukamaju").text()

    page.get_by_role("link", name=T("Units"), exact=True).click()
    expect(page.get_by_text("SMP Negeri 2 Sukamaju")).to_be_visible()
    screenshot(page, "manage-units")


def test_an_invalid_org_file_changes_nothing_and_names_the_entry(admin):
    page = admin
    page.goto("/kelola/impor/")
    broken = {"units": [{"code": "SMPN3-UJI", "name": "SMP Negeri 3 Sukamaju", "parent": "TIDAK-ADA"}]}
    field(page, "Org import file (Excel workbook or JSON)").set_input_files(
        [{"name": "salah.json", "mimeType": "application/json", "buffer": json.dumps(broken).encode()}]
    )
    page.get_by_role("button", name=T("Preview the changes")).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("salah.json")
    expect(alert).to_contain_text("TIDAK-ADA")
    expect(page.get_by_role("button", name=T("Apply these changes"))).to_have_count(0)
    screenshot(page, "import-problems")

    # The language switch works here too (a form POST from an administration page; the last step).
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Units", exact=True)).to_be_visible()
