"""The home page on a phone, its accessibility, and the language switch without JavaScript."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import T, expect, screenshot


def test_home_page_on_a_phone_without_javascript(new_context):
    page = new_context(phone=True, javascript=False).new_page()
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Readable at 360 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "home-phone")


def test_home_page_accessibility(page, axe_source, axe_check):
    page.goto("/")
    screenshot(page, "home")
    axe_check(page)
    # The checker itself: a control without a label is a critical violation, and is reported.
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    with pytest.raises(AssertionError, match=r"\[critical\] label"):
        axe_check(page)


def test_language_switch_without_javascript(new_context):
    page = new_context(phone=True, javascript=False).new_page()
    page.goto("/")
    indonesian_title = page.title()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    assert page.title() != indonesian_title
    expect(page.get_by_role("link", name=re.compile(r"Skip to content"))).to_have_count(1)
    screenshot(page, "home-english")
    # The choice sticks (cookie) on the next page, and switches back.
    page.get_by_role("link", name="Integritas", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert page.title() == indonesian_title


def test_language_switch_on_the_staff_sign_in_page_without_javascript(new_context):
    page = new_context(javascript=False).new_page()
    page.goto("/masuk/")
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Staff sign-in"))
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/masuk/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    expect(page.get_by_label("Username")).to_be_visible()


def test_report_form_accessibility_blank_and_with_errors(page, axe_source, axe_check):
    page.goto("/lapor/SMPN1-UJI/")
    axe_check(page)
    page.get_by_role("button", name=T("Send the report")).click()
    errors = page.get_by_role("alert").first
    expect(errors).to_be_visible()
    # The summary links to the fields, and the fields say what is wrong next to them.
    first = errors.get_by_role("link").first
    target = first.get_attribute("href")
    assert target and target.startswith("#")
    expect(page.locator(target)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "report-form-errors")
    axe_check(page)


def test_tracking_form_accessibility_and_a_wrong_receipt(page, axe_source, axe_check):
    page.goto("/pantau/")
    axe_check(page)
    page.get_by_label(T("Receipt"), exact=True).fill("AAAA-BBBB-CCCC-DDDD-EEEE")
    page.get_by_role("button", name=T("Open the report")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label(T("Receipt"), exact=True)).to_have_attribute("aria-invalid", "true")
    axe_check(page)
