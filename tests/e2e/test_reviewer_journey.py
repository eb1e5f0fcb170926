"""In a real browser, a single reviewer scores all 25 items of a review, finalises it and sees total and band."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session, select

from fidelity import db
from fidelity.models import Review
from fidelity.store import ratings

from .conftest import choose, go_to, score_items, screenshot, seed_service, sign_in, sign_out, start_review, wait_idle

SCORES = dict.fromkeys(range(1, 21), 4) | dict.fromkeys(range(21, 26), 5)  # total 105: Good


def test_reviewer__scores_25_items_and_finalises__sees_total_and_band(app_url: str, page, e2e_db: str, ips25) -> None:
    seed_service(e2e_db)
    page.goto(app_url)
    sign_in(page, "admin")
    go_to(page, "Review workspace")
    start_review(page, lead="ann")
    sign_out(page)

    sign_in(page, "ann")  # the assigned reviewer scores it
    go_to(page, "Review workspace")
    choose(page, "Service", "Norfolk IPS — Norfolk")
    score_items(page, ips25, SCORES)

    expect(page.get_by_text("25 of 25 items scored")).to_be_visible()
    page.get_by_text("I have checked every score").click()
    wait_idle(page)
    page.get_by_role("button", name="Finalise review").click()
    expect(page.get_by_text("Review finalised: total 105, Good. It is now locked.")).to_be_visible()
    expect(page.get_by_text("This review is final and locked: total 105, Good.")).to_be_visible()
    wait_idle(page)
    screenshot(page, "reviewer-finalised")

    with Session(db.make_engine(e2e_db)) as s:
        [review] = s.exec(select(Review)).all()
        assert (review.status, review.total, review.band) == ("final", 105, "Good")
        assert ratings.scores_of(s, review.id) == SCORES
