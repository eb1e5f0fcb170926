"""In a real browser: one review from booking to an agreed action plan, each step done by its owner signed in as
themselves (the admin, the service's lead, the lead and second reviewers, the moderator), Home's calendar of what
is due from each of them checked at that moment, and the deleted case-record sample absent from the database (its
rows and the SQLite file's bytes) afterwards.

The two reviewers' scores are entered through the data layer: scoring in the browser is the two-reviewer journey's
(tests/e2e/test_two_reviewer_journey.py); this journey is everything around it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from .conftest import (
    PASSWORDS,
    choose,
    go_to,
    screenshot,
    seed_service,
    serious_axe_violations,
    sign_in,
    sign_out,
    start_review,
    wait_idle,
)

REFERENCE = "QZXR-5501"
NOTE = "Marker note QZXJ-5502 from the visit"


def _add_moderator(url: str) -> None:
    from fidelity import db
    from fidelity.store import access, accounts

    data = {"username": "cy", "display_name": "Cy Moderator", "role": "reviewer", "password": PASSWORDS["cy"]}
    with db.session_scope(db.make_engine(url)) as s:
        accounts.create_user(s, actor=access.operator("e2e"), data=data)


def _scored_at_the_visit(url: str) -> None:
    """Both reviewers' scores (alike, so every item is agreed on submitting) and the lead reviewer's case-record
    sample and evidence note, as the visit leaves them."""
    from fidelity import db
    from fidelity.models import Rater, Review, User
    from fidelity.store import accounts, ratings, visits

    with db.session_scope(db.make_engine(url)) as s:
        review = s.exec(select(Review)).one()
        people = {u.username: accounts.actor_of(u) for u in s.exec(select(User))}
        for who, rater in (("ann", Rater.LEAD), ("bo", Rater.SECOND)):
            for number in range(1, 26):
                data = {"item_number": number, "score": 3 if number % 4 == 0 else 4}
                ratings.save_rating(s, actor=people[who], review_id=review.id, data=data, rater=rater)
            ratings.submit_scores(s, actor=people[who], review_id=review.id, rater=rater)
        row = {"reference": REFERENCE, "referral_date": date(2026, 1, 5), "first_meeting": date(2026, 1, 9)}
        visits.save_records(s, actor=people["ann"], review_id=review.id, rows=[row])
        note = {"text": NOTE, "items": [15]}
        visits.add_note(s, actor=people["ann"], review_id=review.id, rater=Rater.LEAD, data=note)


def _due_on_home(page) -> str:  # type: ignore[no-untyped-def]
    """Home's calendar of the steps due from whoever is signed in, as the file they would take to Outlook."""
    page.get_by_test_id("stSidebar").get_by_role("link", name="Home", exact=True).click()
    button = page.get_by_role("button", name="Download these steps as a calendar (.ics)")
    expect(button).to_be_visible()
    wait_idle(page)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    return Path(download.value.path()).read_text(encoding="utf-8").replace("\r\n ", "")


def _timeline(page) -> None:  # type: ignore[no-untyped-def]
    go_to(page, "Review timeline")
    choose(page, "Service", "Norfolk IPS — Norfolk")


def _mark(page, title: str) -> None:  # type: ignore[no-untyped-def]
    """Mark one of your own steps done on the Review timeline page."""
    box = page.get_by_role("combobox", name="Step")
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(title)} \(due")).click()
    wait_idle(page)
    page.get_by_role("button", name="Save the step").click()
    expect(page.get_by_text(f"Saved: {title}, done.")).to_be_visible()
    wait_idle(page)


def _as(page, username: str) -> None:  # type: ignore[no-untyped-def]
    sign_out(page)
    sign_in(page, username)


def test_review__from_booking_to_agreed_action_plan__each_step_by_its_owner(app_url: str, page, e2e_db: str) -> None:
    from fidelity import db
    from fidelity.lifecycle_models import ReviewStep
    from fidelity.visit_models import CaseRecord, EvidenceNote

    seed_service(e2e_db)
    _add_moderator(e2e_db)
    page.goto(app_url)

    # The admin books the review (the visit today) and assigns its moderator.
    sign_in(page, "admin")
    go_to(page, "Review workspace")
    start_review(page, lead="ann", second="bo")
    _timeline(page)
    choose(page, "Moderator", "Cy Moderator")
    page.get_by_role("button", name="Save the moderator").click()
    expect(page.get_by_text("Moderator saved.")).to_be_visible()
    wait_idle(page)

    # The service's lead: their steps before the visit, the portfolio and the performance snapshot.
    _as(page, "lee")
    due = _due_on_home(page)
    assert "SUMMARY:Aims agreed on a call\\; partnership agreement signed (Norfolk IPS)" in due
    assert "Portfolio audited" not in due  # the lead reviewer's, not theirs
    _timeline(page)
    for title in (
        "Aims agreed on a call; partnership agreement signed",
        "Information governance arranged",
        "Interviewees contacted",
        "Visit timetable sent to the reviewers",
    ):
        _mark(page, title)
    choose(page, "Kind", "MIS (management information system)")
    page.get_by_label("Title (for example: caseload report, Q2; no names)").fill("Caseload report, last quarter")
    page.get_by_role("button", name="Add to the portfolio").click()
    expect(page.get_by_text("Added to the portfolio for 1. ", exact=False)).to_be_visible()
    wait_idle(page)
    _mark(page, "Portfolio of evidence assembled")
    page.get_by_role("button", name="Confirm the snapshot").click()
    expect(page.get_by_text("The performance snapshot is confirmed", exact=False)).to_be_visible()
    wait_idle(page)
    screenshot(page, "lifecycle-service-lead-before-the-visit")

    # The lead reviewer: the portfolio's audit and the catch-up call.
    _as(page, "ann")
    due = _due_on_home(page)
    assert "SUMMARY:Portfolio audited for gaps (Norfolk IPS)" in due and "Aims agreed" not in due
    _timeline(page)
    page.get_by_role("button", name="Save the audit").click()
    expect(page.get_by_text("Audited: 1. ", exact=False)).to_be_visible()
    wait_idle(page)
    _mark(page, "Portfolio audited for gaps")
    _mark(page, "Catch-up call before the visit")

    # The visit: both reviewers score and agree every item; the lead reviewer sends the draft to the moderator.
    _scored_at_the_visit(e2e_db)
    _timeline(page)
    page.get_by_role("button", name="Send the draft to the moderator").click()
    expect(page.get_by_text("The draft went to the moderator.")).to_be_visible()
    wait_idle(page)

    # The moderator approves it.
    _as(page, "cy")
    assert "SUMMARY:Draft report moderated (Norfolk IPS)" in _due_on_home(page)
    _timeline(page)
    screenshot(page, "lifecycle-moderator")
    page.get_by_role("button", name="Approve the draft").click()
    expect(page.get_by_text("Draft approved.")).to_be_visible()
    wait_idle(page)

    # The lead reviewer presents it to the service.
    _as(page, "ann")
    _timeline(page)
    page.get_by_text("I have presented the moderated draft to the service.", exact=False).click()
    wait_idle(page)
    page.get_by_role("button", name="Record the report as presented").click()
    expect(page.get_by_text("The report is recorded as presented", exact=False)).to_be_visible()
    wait_idle(page)

    # The service's lead sends further evidence on an item, and says that is all.
    _as(page, "lee")
    assert "SUMMARY:Further evidence sent on individual items (Norfolk IPS)" in _due_on_home(page)
    _timeline(page)
    page.get_by_label("Further evidence (describe it; no names or details of the people you support)").fill(
        "Our employer contacts log for the last quarter"
    )
    page.get_by_role("button", name="Send the evidence").click()
    expect(page.get_by_text("Sent: further evidence on 1. ", exact=False)).to_be_visible()
    wait_idle(page)
    _mark(page, "Further evidence sent on individual items")

    # The second reviewer answers it.
    _as(page, "bo")
    _timeline(page)
    screenshot(page, "lifecycle-second-reviewer-answers")
    page.get_by_text("not accepted", exact=True).click()
    page.get_by_label("Reason").fill("The log does not show face-to-face contacts")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_text("Answer saved: not accepted.")).to_be_visible()
    wait_idle(page)

    # The admin deletes the personal data gathered for the review.
    _as(page, "admin")
    assert "SUMMARY:Personal data gathered for the review deleted (Norfolk IPS)" in _due_on_home(page)
    _timeline(page)
    page.get_by_text("Change the deletion day, or delete now").click()
    page.get_by_text("Delete this review's case records and evidence notes now.", exact=False).click()
    wait_idle(page)
    page.get_by_role("button", name="Delete the personal data now").click()
    expect(page.get_by_text("Deleted: 1 case record(s) and 1 evidence note(s)", exact=False)).to_be_visible()
    wait_idle(page)

    # The lead reviewer finalises the review.
    _as(page, "ann")
    _timeline(page)
    page.get_by_text("The service's further evidence is answered. Lock this review.").click()
    wait_idle(page)
    page.get_by_role("button", name="Finalise review").click()
    expect(page.get_by_text("Review finalised: total", exact=False)).to_be_visible()
    wait_idle(page)

    # The action plan: drafted and marked agreed by the service's lead, then by the lead reviewer.
    _as(page, "lee")
    assert "SUMMARY:Action plan agreed with the lead reviewer (Norfolk IPS)" in _due_on_home(page)
    go_to(page, "Improvement plan")
    choose(page, "Service", "Norfolk IPS — Norfolk")
    page.get_by_role("button", name=re.compile(r"^Create \d+ draft action")).click()
    expect(page.get_by_text("draft action(s), due 6 weeks after the report", exact=False)).to_be_visible()
    wait_idle(page)
    page.get_by_role("button", name="Mark the plan agreed (as the service lead)").click()
    expect(page.get_by_text("Marked agreed. It is agreed when both have marked it.")).to_be_visible()
    wait_idle(page)
    _as(page, "ann")
    go_to(page, "Improvement plan")
    choose(page, "Service", "Norfolk IPS — Norfolk")
    page.get_by_role("button", name="Mark the plan agreed (as the lead reviewer)").click()
    expect(page.get_by_text("Agreed.", exact=True)).to_be_visible()
    wait_idle(page)
    screenshot(page, "lifecycle-plan-agreed")
    assert serious_axe_violations(page) == []
    assert "SUMMARY:Technical support agreed (Norfolk IPS)" in _due_on_home(page)
    _timeline(page)
    _mark(page, "Technical support agreed")
    assert serious_axe_violations(page) == []

    engine = db.make_engine(e2e_db)
    db.forget_deleted(engine)
    with Session(engine) as s:
        steps = s.exec(select(ReviewStep)).all()
        assert s.exec(select(CaseRecord)).all() == [] and s.exec(select(EvidenceNote)).all() == []
    assert {(step.key, step.status) for step in steps} == {(step.key, "done") for step in steps}
    assert len(steps) == 15
    raw = Path(e2e_db.removeprefix("sqlite:///")).read_bytes()
    assert REFERENCE.encode() not in raw and b"QZXJ-5502" not in raw
