"""On a phone-sized screen (390 by 844 CSS pixels, touch), a reviewer signs in, opens a review and scores an item:
nothing scrolls sideways (WCAG 1.4.10) and every target is big enough to tap (2.5.8, checked by axe-core), the
scores' rows at least 24 pixels tall. Screenshots are kept in test-artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from .conftest import (
    ARTIFACTS,
    PASSWORDS,
    review_in_progress,
    screenshot,
    seed_service,
    serious_axe_violations,
    wait_idle,
)

PHONE = {"width": 390, "height": 844}
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(browser) -> Iterator[object]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


def _fits(page, where: str) -> None:
    wait_idle(page)
    assert page.evaluate(SIDEWAYS) <= 0, f"{where}: the page scrolls sideways by {page.evaluate(SIDEWAYS)} px"
    assert serious_axe_violations(page) == [], where


def test_reviewer_on_a_phone__scores_an_item_without_scrolling_sideways(app_url: str, phone, e2e_db: str) -> None:
    page = phone
    seed_service(e2e_db)
    review_in_progress(e2e_db)
    page.goto(app_url)
    _fits(page, "sign-in")
    page.get_by_label("Username").tap()
    page.keyboard.type("ann")
    page.get_by_label("Password", exact=True).tap()
    page.keyboard.type(PASSWORDS["ann"])
    page.get_by_role("button", name="Sign in", exact=True).tap()
    expect(page.get_by_role("button", name="Open in the review workspace")).to_be_visible()
    _fits(page, "home")
    page.get_by_role("button", name="Open in the review workspace").tap()
    expect(page.get_by_role("heading", name=re.compile(r"^1\. "))).to_be_visible()
    _fits(page, "review workspace")

    score = page.locator('[data-testid="stRadioOption"]').filter(has_text=re.compile(r"^4 — "))
    score.scroll_into_view_if_needed()
    rows = page.locator('[data-testid="stRadioOption"]').evaluate_all(
        "rows => rows.map(r => { const b = r.getBoundingClientRect(); return [b.width, b.height]; })"
    )
    assert len(rows) == 5 and all(width >= 24 and height >= 24 for width, height in rows), rows
    score.tap()
    expect(page.get_by_role("radio", name=re.compile(r"^4 — "))).to_be_checked()
    page.get_by_role("textbox", name="Evidence note").tap()
    page.keyboard.type("Caseload list seen: 18 active clients per specialist")
    page.get_by_role("button", name="Next unscored item ▶").tap()
    expect(page.get_by_role("heading", name=re.compile(r"^2\. "))).to_be_visible()
    _fits(page, "review workspace, item 2")
    screenshot(page, "phone-workspace")
    page.get_by_role("heading", name=re.compile(r"^2\. ")).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "phone-workspace-item.png"))  # the screen as the reviewer sees it
