"""In a real browser, a service named with HTML shows as typed in chart titles, labels and the report's table."""

from __future__ import annotations

from playwright.sync_api import expect

from fidelity import db
from fidelity.scale_files import load_scales
from fidelity.store import access, accounts, services
from fidelity.ui.widgets import WORD_JOINER

from ..hostile import NAMES, plant
from .conftest import PASSWORDS, ROOT, choose, go_to, screenshot, sign_in, wait_idle

HTML_NAME = NAMES[8]  # <b>bold</b> & <a href="http://example.invalid">link</a>


def test_hostile_service_name__shown_as_typed_in_charts_and_report(app_url: str, page, e2e_db: str) -> None:
    db.migrate(e2e_db)
    ids = plant(e2e_db, load_scales(ROOT / "scales"))
    operator = access.operator("e2e")
    with db.session_scope(db.make_engine(e2e_db)) as s:
        services.update_service(s, actor=operator, service_id=ids["service"], data={"name": HTML_NAME})
        accounts.create_user(
            s,
            actor=operator,
            data={"username": "admin", "display_name": "Ada Admin", "role": "admin", "password": PASSWORDS["admin"]},
        )
    page.goto(app_url)
    sign_in(page, "admin")
    go_to(page, "Compare sites")
    page.get_by_role("tab", name="One service over time").click()
    panel = page.get_by_role("tabpanel", name="One service over time")
    title = panel.locator('[data-testid="stPlotlyChart"] .gtitle').first
    expect(title).to_have_text(f"Fidelity over time: {HTML_NAME}")
    assert panel.locator('[data-testid="stPlotlyChart"] svg a').count() == 0  # no live link from the name
    page.get_by_role("tab", name="Items across sites").click()
    heatmap = page.get_by_role("tabpanel", name="Items across sites")
    expect(heatmap.locator(".ytick text").first).to_have_text(HTML_NAME)
    screenshot(page, "hostile-compare")

    go_to(page, "Report")
    choose(page, "Service", f"{HTML_NAME} — {NAMES[9]}")
    wait_idle(page)
    table = page.get_by_test_id("stTable")
    service_cell = table.locator("tbody tr").first.locator("td")
    assert service_cell.inner_text().replace(WORD_JOINER, "") == HTML_NAME  # as typed (the joiner is invisible)
    assert table.locator("a, b, img").count() == 0  # no link, bold or image from any name, address or Markdown
    screenshot(page, "hostile-report")
