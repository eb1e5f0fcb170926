"""Journeys of the service lead (plan, outcomes) and the admin (users, audit log) in a real browser.
The reviewer's and the commissioner's journeys are in test_two_reviewer_journey.py and test_compare_charts.py."""

from __future__ import annotations

from playwright.sync_api import expect

from fidelity import db
from fidelity.outcomes import FIELD_LABELS
from fidelity.store import access, reviews

from .conftest import ARTIFACTS, choose, go_to, screenshot, seed_service, sign_in, start_norfolk_review, wait_idle


def _final_review(url: str) -> None:
    """A final review of Norfolk IPS with items 6 and 11 low, as if the reviewers had finished."""
    review_id = start_norfolk_review(url, {n: 2 if n in (6, 11) else 4 for n in range(1, 26)})
    with db.session_scope(db.make_engine(url)) as s:
        reviews.finalise_review(s, actor=access.operator("e2e"), review_id=review_id)


def test_service_lead__keeps_the_plan_and_enters_outcomes(app_url: str, page, e2e_db: str) -> None:
    seed_service(e2e_db)
    _final_review(e2e_db)
    page.goto(app_url)
    sign_in(page, "lee")
    nav = page.get_by_test_id("stSidebar")
    expect(nav.get_by_role("link", name="Consensus")).to_have_count(0)
    expect(nav.get_by_role("link", name="Review workspace")).to_have_count(1)  # for guided self-assessments

    go_to(page, "Improvement plan")
    choose(page, "Service", "Norfolk IPS — Norfolk")
    page.get_by_role("button", name="Create 2 draft action(s) from the recommendations").click()
    expect(page.get_by_text("Created 2 draft action(s), due 6 weeks after the report.")).to_be_visible()
    wait_idle(page)
    status = page.get_by_role("combobox", name="Status")
    status.click()
    status.fill("done")
    status.press("Enter")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("Action saved.")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Done")).to_contain_text("1")
    wait_idle(page)
    screenshot(page, "service-lead-plan")

    go_to(page, "Outcomes")
    page.get_by_role("textbox", name="Quarter").fill("2026-Q3")
    values = ["2.5", "50", "30", "25", "40", "8", "16", "2", "19", "5", "9", "6", "120"]
    figures = dict(zip((label.capitalize() for label in FIELD_LABELS.values()), values, strict=True))
    for label, value in figures.items():
        page.get_by_role("spinbutton", name=label, exact=True).fill(value)
    page.get_by_role("button", name="Save quarter").click()
    expect(page.get_by_text("Saved 2026-Q3.")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    wait_idle(page)
    screenshot(page, "service-lead-outcomes")


def test_admin__adds_a_user_and_reads_the_audit_log(app_url: str, page, e2e_db: str) -> None:
    seed_service(e2e_db)
    page.goto(app_url)
    sign_in(page, "admin")
    go_to(page, "Users")
    page.get_by_role("textbox", name="Username").fill("new.reviewer")
    page.get_by_role("textbox", name="Name", exact=True).fill("New Reviewer")
    page.get_by_label("First password (optional for single-sign-on accounts)").fill("a password 123")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("Added reviewer new.reviewer.")).to_be_visible()
    wait_idle(page)
    screenshot(page, "admin-users")

    go_to(page, "Audit log")
    choose(page, "What", "user")
    choose(page, "Action", "create")
    expect(page.get_by_text("5 matching events, newest first")).to_be_visible()  # four seeded accounts, the new one
    page.get_by_role("button", name="Prepare the 5 matching events as CSV").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the audit log (CSV)").click()
    content = download.value.path().read_text()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "audit-log.csv").write_text(content)
    assert content.count("\n") == 6 and "new.reviewer" in content and "password_hash" not in content
    wait_idle(page)
    screenshot(page, "admin-audit-log")
