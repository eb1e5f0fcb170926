"""A reviewer scores and submits a review with the keyboard alone (WCAG 2.1.1), and can see where the focus is at
every step (2.4.7): each control reached is drawn differently while it has the focus (compared pixel by pixel)."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect
from sqlmodel import select

from fidelity import db
from fidelity.models import Review
from fidelity.store import ratings

from .conftest import PASSWORDS, review_in_progress, screenshot, seed_service, wait_idle

FOCUSED = """() => {
  const e = document.activeElement;
  const label = e.getAttribute('aria-label') || (e.labels && e.labels.length ? e.labels[0].innerText : '')
    || (e.closest('label') ? e.closest('label').innerText : '') || e.innerText || '';
  return {tag: e.tagName, role: e.getAttribute('role'), type: e.getAttribute('type'), label: label.trim().slice(0, 120)};
}"""
# The box a sighted user looks at for the focused control: the control, or the label around a hidden radio input.
FOCUS_BOX = """() => {
  let e = document.activeElement;
  if (e.type === 'radio' || e.type === 'checkbox') e = e.closest('label') || e;
  while (e.getBoundingClientRect().width < 8 && e.parentElement) e = e.parentElement;
  const r = e.getBoundingClientRect();
  return {x: Math.max(0, r.left - 6), y: Math.max(0, r.top - 6), width: r.width + 12, height: r.height + 12};
}"""
CHANGED_PIXELS = 40  # more than a text caret: a focus ring or border changes hundreds


def _luminance(pixel: bytes) -> float:
    r, g, b = ((c / 255) / 12.92 if c <= 10 else (((c / 255) + 0.055) / 1.055) ** 2.4 for c in pixel)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _focus_change(page) -> tuple[int, int]:
    """Pixels of the focused control that change when the focus moves off it (Shift+Tab, then Tab back): how many
    change at all, and how many change by a contrast of 3:1 or more (a focus indicator WCAG 1.4.11 accepts)."""
    before = page.evaluate(FOCUSED)
    box = page.evaluate(FOCUS_BOX)
    focused = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    page.keyboard.press("Shift+Tab")
    wait_idle(page)
    away = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    page.keyboard.press("Tab")
    wait_idle(page)
    after = page.evaluate(FOCUSED)
    assert after == before, f"Tab did not come back to {before}: {after}"
    changed = strong = 0
    on_bytes, off_bytes = focused.tobytes(), away.tobytes()
    for i in range(0, len(on_bytes), 3):
        on, off = on_bytes[i : i + 3], off_bytes[i : i + 3]
        if on != off:
            changed += 1
            high, low = sorted((_luminance(on), _luminance(off)), reverse=True)
            strong += (high + 0.05) / (low + 0.05) >= 3
    return changed, strong


def _focus_visible(page, focused: dict) -> None:
    changed, strong = _focus_change(page)
    # Streamlit draws a focused radio button or unticked box as a faint tint of its row (named in the statement);
    # every other control reached here has a ring or border of 3:1 or more.
    tint_only = focused["type"] in ("radio", "checkbox")
    assert (changed if tint_only else strong) >= CHANGED_PIXELS, f"focus not visible on {focused}: {changed}, {strong}"


def _tab_to(page, matches, *, what: str, limit: int = 150) -> dict:
    """Press Tab until the focus is on the control `matches` accepts; check its focus can be seen."""
    page.wait_for_timeout(300)  # the page has settled: no control is still being drawn
    wait_idle(page)
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if matches(focused):
            _focus_visible(page, focused)
            return focused
    raise AssertionError(f"Tab never reached {what}")


def test_reviewer__signs_in_scores_notes_moves_on_and_submits_with_the_keyboard_alone(
    app_url: str, page, e2e_db: str
) -> None:
    seed_service(e2e_db)
    review_in_progress(e2e_db)
    page.goto(app_url)
    wait_idle(page)
    _tab_to(page, lambda f: f["tag"] == "INPUT" and f["label"].startswith("Username"), what="the username")
    page.keyboard.type("ann")
    _tab_to(page, lambda f: f["type"] == "password", what="the password")
    page.keyboard.type(PASSWORDS["ann"])
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as ann")).to_be_visible()
    wait_idle(page)

    # Home lists the reviews in progress; the first is chosen, and its button opens it in the workspace.
    _tab_to(page, lambda f: f["label"] == "Open in the review workspace", what="Open in the review workspace")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review workspace")).to_be_visible()
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile(r"^1\. "))).to_be_visible()

    for number, evidence in ((1, "Caseload of 18 per specialist, seen on the team's list"), (2, "Only IPS work")):
        _tab_to(page, lambda f: f["type"] == "radio", what=f"item {number}'s scores")
        for _ in range(5):  # the arrow keys move down the scores, choosing each in turn, to 4
            if page.evaluate(FOCUSED)["label"].startswith("4 — "):
                break
            page.keyboard.press("ArrowDown")
            page.wait_for_timeout(300)
            wait_idle(page)
        if not page.evaluate("() => document.activeElement.checked"):
            page.keyboard.press("Space")
        expect(page.get_by_role("radio", name=re.compile(r"^4 — "))).to_be_checked()
        wait_idle(page)
        expect(page.get_by_text(f"{23 + number} of 25 items scored")).to_be_visible()
        _tab_to(page, lambda f: f["tag"] == "TEXTAREA", what=f"item {number}'s evidence note")
        page.keyboard.type(evidence)
        page.keyboard.press("Control+Enter")  # Streamlit's shortcut to apply a text area
        wait_idle(page)
        if number == 1:
            _tab_to(page, lambda f: f["label"].startswith("Next unscored item"), what="Next unscored item")
            page.keyboard.press("Enter")
            wait_idle(page)
            expect(page.get_by_role("heading", name=re.compile(r"^2\. "))).to_be_visible()
    expect(page.get_by_text("25 of 25 items scored")).to_be_visible()

    _tab_to(page, lambda f: f["type"] == "checkbox" and "scored every item" in f["label"], what="the confirmation")
    page.keyboard.press("Space")
    wait_idle(page)
    _tab_to(page, lambda f: f["label"] == "Submit my scores", what="Submit my scores")
    page.keyboard.press("Enter")
    wait_idle(page)
    screenshot(page, "keyboard-submitted")
    with db.session_scope(db.make_engine(e2e_db)) as s:
        review = s.exec(select(Review)).one()
        saved = ratings.ratings_of(s, review.id)
        assert review.lead_submitted_at is not None
    assert (saved[1].score, saved[1].evidence) == (4, "Caseload of 18 per specialist, seen on the team's list")
    assert (saved[2].score, saved[2].evidence) == (4, "Only IPS work")
