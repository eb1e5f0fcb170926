"""In a real browser: a reviewer scores part of a review in the workspace and the rest offline in a visit
pack (with case records), resolves one conflict on upload, submits; the consensus page and the report
show what the case-record sample suggests."""

from __future__ import annotations

import re
from datetime import date

import openpyxl
from playwright.sync_api import expect
from sqlmodel import Session, select

from fidelity import db
from fidelity.models import Rater, Review
from fidelity.store import access, ratings

from .conftest import choose, go_to, score_items, screenshot, seed_service, sign_in, sign_out, start_review, wait_idle


def _click_score(page, scale, number: int, score: int) -> None:
    page.get_by_role("combobox", name="Item").click()
    page.get_by_role("option", name=re.compile(rf"^{number}\. ")).click()
    wait_idle(page)
    page.locator('[data-testid="stRadio"] label').filter(
        has_text=f"{score} — {scale.item(number).criteria[score]}"
    ).click()
    wait_idle(page)


def test_reviewer__scores_partly_offline_in_a_pack__conflict_chosen__sample_shown_at_consensus_and_report(
    app_url: str, page, e2e_db: str, ips25, tmp_path
) -> None:
    seed_service(e2e_db)
    page.goto(app_url)
    sign_in(page, "admin")
    go_to(page, "Review workspace")
    start_review(page, lead="ann", second="bo")
    sign_out(page)

    sign_in(page, "ann")
    go_to(page, "Review workspace")
    choose(page, "Service", "Norfolk IPS — Norfolk")
    score_items(page, ips25, {1: 4, 2: 4, 3: 4})  # in the workspace

    go_to(page, "Site visit")
    page.get_by_role("tab", name="Offline pack").click()
    page.get_by_role("button", name="Make my pack (lead reviewer)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the pack (lead reviewer)").click()
    pack = tmp_path / "pack.xlsx"
    pack.write_bytes(download.value.path().read_bytes())

    go_to(page, "Review workspace")  # item 3 changes in the app after the pack was made
    _click_score(page, ips25, 3, 2)
    expect(page.get_by_text("3 of 25 items scored")).to_be_visible()

    book = openpyxl.load_workbook(pack)
    for row in range(4, 27):  # items 3-25 scored offline; item 3 differently from the app
        book["items"][f"C{row}"] = 5 if row == 4 else 4
    book["items"]["D18"] = "Records read on the visit: employer contact within a month for most"
    for number, contact in ((1, date(2026, 1, 15)), (2, date(2026, 1, 25)), (3, date(2026, 2, 1))):
        book["records"].append([f"CR-{number}", date(2026, 1, 5), None, contact, "yes", "yes"])
    book.save(pack)

    go_to(page, "Site visit")
    page.get_by_role("tab", name="Offline pack").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").last.set_input_files(str(pack))
    expect(page.get_by_text("Item 3: changed in the app and in the pack since the pack was made")).to_be_visible()
    expect(page.get_by_text("Case records: takes the pack's.")).to_be_visible()
    wait_idle(page)
    screenshot(page, "visit-pack-conflict")
    page.get_by_text("Take the pack's").click()
    wait_idle(page)
    page.get_by_role("button", name="Save from the pack").click()
    expect(page.get_by_text("Saved from the pack: 23 item(s), 0 new note(s).")).to_be_visible()

    go_to(page, "Review workspace")
    expect(page.get_by_text("25 of 25 items scored")).to_be_visible()
    page.get_by_text("I, Ann Lead, have scored every item independently.").click()
    wait_idle(page)
    page.get_by_role("button", name="Submit my scores").click()
    expect(page.get_by_text("Scores of Ann Lead submitted.")).to_be_visible()

    with Session(db.make_engine(e2e_db)) as s:
        review = s.exec(select(Review)).one()
        assert ratings.scores_of(s, review.id, rater=Rater.LEAD)[3] == 5  # the pack's, as chosen
    bo = access.Actor(name="bo", role=access.Role.REVIEWER, user_id=review.second_user_id)
    with db.session_scope(db.make_engine(e2e_db)) as s:  # the second reviewer scores as they always have
        for number in range(1, 26):
            ratings.save_rating(
                s, actor=bo, review_id=review.id, data={"item_number": number, "score": 4}, rater=Rater.SECOND
            )
        ratings.submit_scores(s, actor=bo, review_id=review.id, rater=Rater.SECOND)

    go_to(page, "Consensus")
    page.get_by_role("combobox", name="Item to agree").click()
    page.keyboard.type("15. Rapid")  # the list shows a few options at a time: filter it
    page.get_by_role("option", name=re.compile(r"^15\. ")).click()
    wait_idle(page)
    expect(
        page.get_by_text(re.compile(r"Days from referral to first employer contact: 19 days .*n = 3\); suggests 5"))
    ).to_be_visible()
    screenshot(page, "visit-pack-consensus")

    go_to(page, "Report")
    expect(page.get_by_role("heading", name="What the case-record sample suggests")).to_be_visible()
    sign_out(page)
