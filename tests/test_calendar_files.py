"""Review dates as iCalendar files: all-day events with stable ids, the visit spanning its days, text kept as text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar

from fidelity import calendar_files

from .hostile import NAMES


def _events(content: bytes) -> list:  # type: ignore[type-arg]
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


def test_review_calendar__visit_days_and_steps__all_day__stable_ids() -> None:
    events = [
        calendar_files.visit_event(7, "Norfolk IPS", date(2027, 3, 1), date(2027, 3, 2)),
        calendar_files.step_event(7, "portfolio_audited", "Norfolk IPS", "Portfolio audited for gaps", date(2027, 2, 8), "lead reviewer"),
    ]  # fmt: skip
    content = calendar_files.ics("Fidelity review: Norfolk IPS", events, now=datetime(2027, 1, 1, tzinfo=UTC))
    visit, step = _events(content)
    assert (visit.decoded("dtstart"), visit.decoded("dtend")) == (date(2027, 3, 1), date(2027, 3, 3))  # two days
    assert str(visit["uid"]) == "review-7-visit@ips-fidelity"
    assert str(step["summary"]) == "Portfolio audited for gaps (Norfolk IPS)"
    assert (step.decoded("dtstart"), step.decoded("dtend")) == (date(2027, 2, 8), date(2027, 2, 9))
    assert str(step["description"]) == "Due from lead reviewer. A step of the fidelity review of Norfolk IPS."
    again = calendar_files.ics("x", events, now=datetime(2027, 2, 1, tzinfo=UTC))
    assert [str(e["uid"]) for e in _events(again)] == [str(e["uid"]) for e in _events(content)]


def test_calendar__hostile_names_kept_as_text__one_event_each() -> None:
    events = [
        calendar_files.step_event(n, f"s{n}", name, "Step;with,commas\nand a line", date(2027, 1, 1), "admin")
        for n, name in enumerate(NAMES)
    ]
    parsed = _events(calendar_files.ics("x", events))
    assert len(parsed) == len(NAMES)
    assert [str(e["summary"]) for e in parsed] == [f"Step;with,commas\nand a line ({name})" for name in NAMES]


def test_visit_event__no_end_or_end_before_start__one_day() -> None:
    assert calendar_files.visit_event(1, "S", date(2027, 3, 1), None).days == 1
    assert calendar_files.visit_event(1, "S", date(2027, 3, 1), date(2027, 2, 1)).days == 1
