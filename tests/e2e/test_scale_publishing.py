"""In a real browser, an admin uploads a scale workbook, sees its problem, fixes it, previews it, reads the
changes, publishes it, and starts a review on it."""

from __future__ import annotations

import io

import openpyxl
from playwright.sync_api import expect
from sqlmodel import Session, select

from fidelity import db, scale_workbook
from fidelity.models import Review
from fidelity.scale_files import load_scales, scale_mapping

from .conftest import ROOT, go_to, screenshot, seed_service, sign_in, start_review, wait_idle


def _workbook(path, *, broken: bool) -> str:
    mapping = scale_mapping(load_scales(ROOT / "scales")["ips-25"])
    mapping["version"] = "2008-uk.3"
    mapping["items"][0]["name"] = "Caseload size, re-counted"
    book = openpyxl.load_workbook(io.BytesIO(scale_workbook.write_workbook(mapping)))
    if broken:
        book["criteria"]["E5"] = None  # item 4 loses its criteria for score 4
    book.save(path)
    return str(path)


def test_admin__publishes_a_scale_from_a_workbook_and_starts_a_review_on_it(
    app_url: str, page, e2e_db: str, tmp_path
) -> None:
    seed_service(e2e_db)
    page.goto(app_url)
    sign_in(page, "admin")
    go_to(page, "Scales")
    upload = page.get_by_test_id("stFileUploaderDropzoneInput")

    upload.set_input_files(_workbook(tmp_path / "ips-25-next.xlsx", broken=True))
    expect(page.get_by_text("This file has 1 problem(s), so it cannot be published.")).to_be_visible()
    expect(
        page.get_by_text("item 4 (team_assignment).criteria: missing criteria for score 4 (sheet criteria, row 5)")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Publish version 2008-uk.3")).to_have_count(0)
    wait_idle(page)
    screenshot(page, "scales-problem")

    upload.set_input_files(_workbook(tmp_path / "ips-25-fixed.xlsx", broken=False))
    expect(page.get_by_text("No problems found: ips-25 version 2008-uk.3")).to_be_visible()
    expect(page.get_by_role("heading", name="1. Caseload size, re-counted (S1)")).to_be_visible()
    expect(page.get_by_text("Calculator: Active clients per full-time employment specialist")).to_be_visible()
    wait_idle(page)
    page.get_by_role("heading", name="1. Caseload size, re-counted (S1)").scroll_into_view_if_needed()
    screenshot(page, "scales-preview")
    page.get_by_role("tab", name="Changes from version 2008-uk.2").click()
    expect(page.get_by_text("2 change(s) from ips-25 version 2008-uk.2; 1 item(s) changed.")).to_be_visible()
    wait_idle(page)
    screenshot(page, "scales-changes")

    publish = page.get_by_role("button", name="Publish version 2008-uk.3")
    expect(publish).to_be_disabled()
    page.get_by_text("I have read the preview and the changes").click()
    wait_idle(page)
    publish.click()
    expect(page.get_by_text("Published ips-25 version 2008-uk.3.")).to_be_visible()
    wait_idle(page)

    go_to(page, "Review workspace")
    start_review(page, lead="ann")
    expect(page.get_by_text("Review started on ips-25 v2008-uk.3.")).to_be_visible()
    expect(page.get_by_role("heading", name="1. Caseload size, re-counted (S1)")).to_be_visible()
    with Session(db.make_engine(e2e_db)) as s:
        [review] = s.exec(select(Review)).all()
    assert (review.scale_id, review.scale_version) == ("ips-25", "2008-uk.3")
