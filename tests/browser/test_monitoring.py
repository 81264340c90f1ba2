"""Monitoring pages in Chromium: the district team's dashboard on a 360 px phone without JavaScript
(filters, charts with their tables, the school's dashboard one link away), the team's sections of the
report, and the public transparency page, each checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import T, expect, field, screenshot, sign_in


def phone(new_context: Any, username: str | None = None) -> Any:
    context = new_context(phone=True, javascript=False)
    if username is None:
        page = context.new_page()
        page.goto("/")
        return page
    return sign_in(context, username)


def fits_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px screen"


def test_district_team_reads_the_dashboard_on_a_phone(new_context, axe_check):
    page = phone(new_context, "timdinas")
    page.get_by_role("navigation", name=T("Main menu")).get_by_role("link", name=T("Monitoring")).click()
    expect(page).to_have_url(re.compile(r"/pemantauan/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Monitoring and evaluation"))
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_role("heading", name=T("Reports received per month"))).to_be_visible()
    fits_phone(page)
    screenshot(page, "monitoring-dashboard-phone")
    axe_check(page)

    # A month of the year, through the filter form (a GET form: no JavaScript needed).
    field(page, "Period").fill("2026-08")
    page.get_by_role("button", name=T("Show")).click()
    expect(page).to_have_url(re.compile(r"period=2026-08"))
    expect(page.get_by_role("heading", level=2)).to_contain_text("2026-08")

    # The school, one link away from the table of the units below.
    page.get_by_role("link", name="SMP Negeri 1 Sukamaju", exact=True).click()
    expect(page).to_have_url(re.compile(r"unit=SMPN1-UJI"))
    expect(page.get_by_role("heading", level=2)).to_contain_text("SMP Negeri 1 Sukamaju")
    fits_phone(page)
    axe_check(page)


def test_school_team_writes_its_sections_of_the_report(new_context, axe_check):
    page = phone(new_context, "timsekolah")
    page.goto("/pemantauan/?unit=SMPN1-UJI&period=2026-08")
    page.get_by_role("link", name=T("Write the team's sections of the report")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        T("The team's sections of the evaluation report")
    )
    fits_phone(page)
    axe_check(page)
    field(page, "Obstacles and solutions").fill("Jaringan internet sekolah sering terputus.")
    page.get_by_role("button", name=T("Save")).click()
    expect(page).to_have_url(re.compile(r"/pemantauan/\?unit=SMPN1-UJI"))
    expect(page.get_by_role("status")).to_have_text(T("The team's sections of the report are saved."))


def test_transparency_page_for_anyone(new_context, axe_check):
    page = phone(new_context)
    page.get_by_role("link", name=T("Transparency: figures of the reports")).click()
    expect(page).to_have_url(re.compile(r"/transparansi/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(T("Transparency: reports in %(year)s")[:12])
    expect(page.get_by_role("table").first).to_be_visible()
    fits_phone(page)
    screenshot(page, "transparency-phone")
    axe_check(page)
