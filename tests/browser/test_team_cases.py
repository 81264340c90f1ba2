"""The team's case list on a 360 px phone with JavaScript off: the district's team (32 units) types a
unit's code or name, steps down to a unit just below, is told when no unit of its team has that name;
the school's team (one unit) chooses from a select."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import T, expect, field, screenshot
from tests.browser.test_case_flow import assert_fits_phone
from tests.browser.test_office_flow import file_report, phone_staff


def test_the_district_team_types_a_unit_on_a_phone_without_javascript(new_context: Any, axe_check: Any):
    reference = file_report(new_context())["reference"]
    page = phone_staff(new_context, "timdinas")
    page.get_by_role("link", name=T("All cases")).first.click()
    expect(page).to_have_url(re.compile(r"/kasus/semua/$"))
    unit = field(page, "Unit")
    expect(unit).to_have_attribute("type", "text")
    # The units just below the team's unit, as links, folded under a summary (no JavaScript needed).
    below = page.get_by_role("navigation", name=T("Units of the list"))
    below.get_by_text(T("The units just below your team's units")).click()
    expect(below.get_by_role("link", name="SD Negeri 3 Mekarsari", exact=True)).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "team-cases-unit-field-phone")
    axe_check(page)

    # Part of the name, the way people write it.
    unit.fill("smpn 1 sukamaju")
    page.get_by_role("button", name=T("Show")).click()
    expect(page).to_have_url(re.compile(r"unit=smpn"))
    expect(page.get_by_text("SMP Negeri 1 Sukamaju (SMPN1-UJI)")).to_be_visible()
    expect(page.get_by_role("link", name=reference, exact=True)).to_be_visible()
    assert_fits_phone(page)

    # A unit just below, by its link: none of its cases.
    page.get_by_role("link", name=T("Every unit")).click()
    below = page.get_by_role("navigation", name=T("Units of the list"))
    below.get_by_text(T("The units just below your team's units")).click()
    below.get_by_role("link", name="SD Negeri 3 Mekarsari", exact=True).click()
    expect(page).to_have_url(re.compile(r"unit=SDN3-MEKAR"))
    expect(page.get_by_text(T("No cases match these filters."))).to_be_visible()
    expect(page.get_by_role("link", name=reference, exact=True)).to_have_count(0)

    # No unit of the team has this name: said at the top and on the field, which keeps what was typed.
    field(page, "Unit").fill("SMP Negeri 9 Entah")
    page.get_by_role("button", name=T("Show")).click()
    message = T("No unit of your team has this code or name: “%(typed)s”.") % {"typed": "SMP Negeri 9 Entah"}
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page.get_by_role("link", name=re.compile(re.escape(message)))).to_have_attribute(
        "href", "#id_unit"
    )
    expect(field(page, "Unit")).to_have_value("SMP Negeri 9 Entah")
    assert_fits_phone(page)
    screenshot(page, "team-cases-unknown-unit-phone")
    axe_check(page)


def test_the_school_team_chooses_its_unit_from_a_select(new_context: Any, axe_check: Any):
    page = phone_staff(new_context, "timsekolah")
    page.goto("/kasus/semua/")
    unit = field(page, "Unit")
    unit.select_option(label="SMP Negeri 1 Sukamaju")
    page.get_by_role("button", name=T("Show")).click()
    expect(page).to_have_url(re.compile(r"unit=SMPN1-UJI"))
    expect(field(page, "Unit")).to_have_value("SMPN1-UJI")
    assert_fits_phone(page)
    axe_check(page)
