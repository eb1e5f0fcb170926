"""In a real browser: two reviewers score independently and submit, agree the consensus, finalise,
download the report and create the improvement plan."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import (
    ARTIFACTS,
    choose,
    go_to,
    score_items,
    screenshot,
    seed_service,
    sign_in,
    sign_out,
    start_review,
    wait_idle,
)

LEAD = dict.fromkeys(range(1, 26), 4)
SECOND = LEAD | {3: 3}
RECOMMENDATION = "Hand every phase of support to one specialist"


def test_two_reviewers__consensus_report_and_plan(app_url: str, page, e2e_db: str, ips25) -> None:
    seed_service(e2e_db)
    page.goto(app_url)
    sign_in(page, "admin")
    go_to(page, "Review workspace")
    start_review(page, lead="ann", second="bo")

    for username, name, rater, scores in (("ann", "Ann Lead", "lead", LEAD), ("bo", "Bo Second", "second", SECOND)):
        sign_out(page)
        sign_in(page, username)
        go_to(page, "Review workspace")
        choose(page, "Service", "Norfolk IPS — Norfolk")
        expect(page.get_by_text(f"Scoring as {name} ({rater} reviewer).")).to_be_visible()
        expect(page.get_by_text(f"{name}'s scores")).to_be_visible()
        expect(page.get_by_text("0 of 25 items scored")).to_be_visible()  # the other's scores are never shown
        score_items(page, ips25, scores)
        page.get_by_text(f"I, {name}, have scored every item independently.").click()
        wait_idle(page)
        page.get_by_role("button", name="Submit my scores").click()
        expect(page.get_by_text(f"Scores of {name} submitted.")).to_be_visible()
        wait_idle(page)
    expect(page.get_by_text("Both have submitted: the consensus is open.")).to_be_visible()

    go_to(page, "Consensus")
    expect(page.get_by_test_id("stMetric").filter(has_text="Exact agreement")).to_contain_text("96%")
    expect(page.get_by_text("24 of 25 items agreed")).to_be_visible()
    page.locator('[data-testid="stRadio"] label').filter(has_text=f"3 — {ips25.item(3).criteria[3]}").click()
    expect(page.get_by_text("25 of 25 items agreed")).to_be_visible()
    wait_idle(page)
    page.get_by_label("Recommendation").fill(RECOMMENDATION)
    page.get_by_label("Recommendation").press("Tab")  # leaving the box saves it
    wait_idle(page)
    page.get_by_text("Both reviewers agree every score. Lock this review.").click()
    wait_idle(page)
    page.get_by_role("button", name="Finalise review").click()
    expect(page.get_by_text("Review finalised: total 99, Fair. It is now locked.")).to_be_visible()
    wait_idle(page)

    go_to(page, "Report")
    expect(page.get_by_role("heading", name="IPS fidelity review report: Norfolk IPS")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = download.value.path().read_bytes()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "two-reviewer-report.pdf").write_bytes(pdf)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "99 of 125" in text and RECOMMENDATION in text and "Ann Lead (lead) and Bo Second" in text

    sign_out(page)
    sign_in(page, "lee")  # the service lead keeps the plan
    go_to(page, "Improvement plan")
    choose(page, "Service", "Norfolk IPS — Norfolk")
    page.get_by_role("button", name="Create 1 draft action(s) from the recommendations").click()
    expect(page.get_by_text("Created 1 draft action(s), due 6 weeks after the report.")).to_be_visible()
    wait_idle(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="Not started")).to_contain_text("1")
    screenshot(page, "two-reviewer-plan")
