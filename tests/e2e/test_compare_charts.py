"""In a real browser, the Compare sites page draws every chart on the demo data."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, demo_sign_in, go_to, screenshot, wait_idle


def test_compare_sites__draws_every_chart(app_url: str, page, e2e_db: str) -> None:
    demo_sign_in(page, app_url, e2e_db)
    expect(page.get_by_test_id("stSidebar").get_by_role("link", name="Review workspace")).to_have_count(0)
    go_to(page, "Compare sites")
    expect(page.get_by_role("heading", name="League table")).to_be_visible()
    wait_idle(page)  # a deferred download clicked while the page is still running can be lost with that run
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the league table (CSV)").click()
    league = download.value.path().read_text()
    assert league.startswith("Service,Area,Latest review,Total,Band") and league.count("\n") == 38  # 37 services
    for tab, charts in (
        ("Fidelity and employment", 1),
        ("Items across sites", 1),
        ("Bands over time", 1),
        ("One service over time", 3),
        ("Funnel plot", 1),
    ):
        page.get_by_role("tab", name=tab).click()
        panel = page.get_by_role("tabpanel", name=tab)
        expect(panel.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
        expect(panel.locator('[data-testid="stPlotlyChart"]')).to_have_count(charts)
        named = panel.get_by_role(
            "figure", name=re.compile(r"^Chart: .+\. Its figures are in the table view below it\.$")
        )
        expect(named).to_have_count(charts)  # each chart has an accessible name, from its title
    over_time = page.get_by_role("tabpanel", name="One service over time")
    page.get_by_role("tab", name="One service over time").click()
    expect(over_time.locator('[data-testid="stPlotlyChart"] .main-svg')).to_have_count(9)  # 3 charts, 3 layers each
    wait_idle(page)
    for chart in over_time.locator('[data-testid="stPlotlyChart"]').all():
        chart.scroll_into_view_if_needed()
        boxes = chart.locator(".annotation-text-g").evaluate_all(
            "notes => notes.map(n => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, n.textContent]; })"
        )
        for i, first in enumerate(boxes):
            for second in boxes[i + 1 :]:
                apart = first[2] <= second[0] or second[2] <= first[0] or first[3] <= second[1] or second[3] <= first[1]
                assert apart, f"labels print over each other: {first[4]!r} and {second[4]!r}"
    fills = over_time.locator(".xtick text, .ytick text, .g-xtitle text, .g-ytitle text").evaluate_all(
        "texts => [...new Set(texts.map(t => getComputedStyle(t).fill))]"
    )
    assert fills == ["rgb(11, 12, 12)"]  # axis text as dark as the page's, not the chart theme's grey
    labels = over_time.locator(".annotation-text-g").all_text_contents()
    assert any(text.startswith("Exemplary") for text in labels)  # every band zone named, Exemplary too
    assert any("learning community: average" in text for text in labels)
    charts_shown = over_time.locator('[data-testid="stPlotlyChart"]').all()
    for name, chart in zip(("fidelity", "outcomes", "xmr"), charts_shown, strict=True):
        chart.screenshot(path=str(ARTIFACTS / f"compare-one-service-{name}.png"))
    page.get_by_role("tab", name="Fidelity and employment").click()
    expect(page.get_by_text("r = 0.").first).to_be_visible()
    screenshot(page, "compare-sites")
