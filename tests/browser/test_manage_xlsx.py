"""The org import page on a phone (360 px): an administrator uploads an Excel workbook, reads the
problem named by sheet, row and column in Indonesian, fixes it, sees the preview and applies it."""

from __future__ import annotations

import io
import re
from typing import Any

from tests.browser.conftest import T, expect, field, screenshot, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(superior: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Unit"
    book["Unit"].append(["Kode", "Nama", "Induk", "Zona waktu", "Minggu kerja"])
    book["Unit"].append(["SMPN5-UJI", "SMP Negeri 5 Sukamaju", "DISDIK-UJI", "WIB", "senin-sabtu"])
    jabatan = book.create_sheet("Jabatan")
    jabatan.append(["Kode", "Unit", "Nama jabatan", "Atasan"])
    jabatan.append(["KS-UJI5", "SMPN5-UJI", "Kepala Sekolah", superior])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fits_the_screen(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide at 360 px"


def test_an_administrator_imports_a_workbook_on_a_phone(new_context: Any, axe_check: Any) -> None:
    page = sign_in(new_context(phone=True), "admin")
    page.goto("/kelola/impor/")
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Import the organisation structure"))
    template = page.get_by_role("link", name=T("Download the empty template (Excel)"))
    expect(template).to_be_visible()
    download = page.request.get(template.get_attribute("href"))
    assert download.ok and download.body()[:2] == b"PK"
    fits_the_screen(page)

    upload = field(page, "Org import file (Excel workbook or JSON)")
    upload.set_input_files([{"name": "sekolah.xlsx", "mimeType": XLSX, "buffer": workbook("TIDAK-ADA")}])
    page.get_by_role("button", name=T("Preview the changes")).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("lembar Jabatan, baris 2, kolom D (Atasan)")
    expect(alert).to_contain_text("Tidak ada jabatan dengan kode TIDAK-ADA")
    expect(page.get_by_role("button", name=T("Apply these changes"))).to_have_count(0)
    fits_the_screen(page)
    screenshot(page, "import-xlsx-problem-phone")
    axe_check(page)

    field(page, "Org import file (Excel workbook or JSON)").set_input_files(
        [{"name": "sekolah.xlsx", "mimeType": XLSX, "buffer": workbook("KABID-UJI")}]
    )
    page.get_by_role("button", name=T("Preview the changes")).click()
    preview = page.get_by_role("region", name=T("Preview of the changes"))
    expect(preview).to_contain_text("Unit kerja SMPN5-UJI: dibuat")
    expect(preview).to_contain_text("Jabatan KS-UJI5: dibuat")
    fits_the_screen(page)
    screenshot(page, "import-xlsx-preview-phone")
    axe_check(page)
    page.get_by_role("button", name=T("Apply these changes")).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"\d"))
    assert "SMP Negeri 5 Sukamaju" in page.request.get("/lapor/?q=Sukamaju").text()


def test_the_team_page_searches_people_on_a_phone(new_context: Any, axe_check: Any) -> None:
    page = sign_in(new_context(phone=True), "admin")
    page.goto("/kelola/tim/SMPN1-UJI/")
    search = field(page, "Find a person of this unit or the units below it")
    search.fill("ratna")
    page.get_by_role("button", name=T("Search"), exact=True).click()
    found = page.get_by_role("list", name=T("People found"))
    expect(found).to_contain_text("Ratna Sari Dewi")
    expect(found).not_to_contain_text("Maya Kartika")  # the administrator is never offered
    fits_the_screen(page)
    axe_check(page)
    screenshot(page, "team-search-phone")
