"""In a real browser, a commissioner walks through the three insight views on the demo data: the programme
view, reviewer calibration and items and outcomes; every chart drawn and named, no serious axe violation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import choose, demo_sign_in, go_to, screenshot, serious_axe_violations

NAMED = re.compile(r"^Chart: .+\. Its figures are in the table view below it\.$")


def _charts_drawn(page, count: int) -> None:
    main = page.get_by_test_id("stMain")
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(count)
    expect(main.get_by_role("figure", name=NAMED)).to_have_count(count)
    for chart in main.locator('[data-testid="stPlotlyChart"]').all():
        chart.scroll_into_view_if_needed()
        expect(chart.locator(".main-svg").first).to_be_visible()


def test_commissioner__programme_view_calibration_and_items(app_url: str, page, e2e_db: str) -> None:
    demo_sign_in(page, app_url, e2e_db)
    expect(page.get_by_role("heading", name="Reviews due")).to_be_visible()

    go_to(page, "Programme view")
    expect(page.get_by_test_id("stMetric").filter(has_text="Services")).to_contain_text("37")
    _charts_drawn(page, 1)  # the open tab's only
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").first.click()
    assert download.value.path().read_text().startswith("quarter,band,services,share")
    assert serious_axe_violations(page) == []
    screenshot(page, "commissioner-programme-view")
    for tab, chart in (("Median total", "^Chart: Median fidelity total"), ("Outcomes", "^Chart: Job starts")):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("figure", name=re.compile(chart))).to_be_visible()
        _charts_drawn(page, 1)
    page.get_by_role("tab", name="Reviews due").click()
    expect(page.get_by_text("The next review is due 6 months after")).to_be_visible()
    expect(page.get_by_role("heading", name="Review cadence for this programme")).to_have_count(0)  # admins only

    go_to(page, "Reviewer calibration")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    _charts_drawn(page, 1)
    choose(page, "Reviewer", "Demo Reviewer B. Jones", typed="Jones")
    expect(page.get_by_role("figure", name=re.compile("Agreement over time: Demo Reviewer B. Jones"))).to_be_visible()
    page.get_by_role("tab", name="By principle").click()
    expect(page.get_by_role("figure", name=re.compile("by principle: Demo Reviewer B. Jones"))).to_be_visible()
    _charts_drawn(page, 1)
    assert serious_axe_violations(page) == []
    screenshot(page, "commissioner-calibration")

    go_to(page, "Items and outcomes")
    _charts_drawn(page, 2)
    expect(page.get_by_text("not that they cause them")).to_be_visible()
    choose(page, "Outcome", "Job-start rate", typed="Job")
    expect(page.get_by_role("figure", name=re.compile("^Chart: Job-start rate and each item's score"))).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "commissioner-items-outcomes")
