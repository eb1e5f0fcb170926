"""Review dates as iCalendar (.ics) files, so they land in Outlook and other calendars: a review's visit days and
every dated step, or one person's own steps across reviews. All-day events; each has a stable id, so importing a
newer file updates the events instead of adding copies. Pure: no database, no Streamlit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vText

PRODUCT = "-//IPS Fidelity//review timeline//EN"


class _Text(vText):
    """Text escaped as RFC 5545 says, backslash first. (icalendar reads a typed "\\N" as a line break before
    escaping, so a name holding it would come back changed.)"""

    def to_ical(self) -> bytes:
        text = str(self).replace("\r\n", "\n").replace("\r", "\n")
        escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        return escaped.encode(self.encoding)


@dataclass(frozen=True)
class DatedEvent:
    uid: str  # stable: the same event in a newer file replaces the old one
    summary: str
    start: date
    days: int = 1
    description: str = ""


def ics(name: str, events: Iterable[DatedEvent], *, now: datetime | None = None) -> bytes:
    """An iCalendar file named `name` holding `events` as all-day events."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _Text(name))
    stamp = now or datetime.now(UTC)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("summary", _Text(item.summary))
        event.add("dtstart", item.start)
        event.add("dtend", item.start + timedelta(days=item.days))
        if item.description:
            event.add("description", _Text(item.description))
        calendar.add_component(event)
    return calendar.to_ical()


def visit_event(review_id: int, service: str, start: date, end: date | None) -> DatedEvent:
    days = (end - start).days + 1 if end and end >= start else 1
    return DatedEvent(f"review-{review_id}-visit@ips-fidelity", f"Fidelity review visit: {service}", start, days)


def step_event(review_id: int, key: str, service: str, title: str, due: date, owner: str) -> DatedEvent:
    return DatedEvent(
        f"review-{review_id}-step-{key}@ips-fidelity",
        f"{title} ({service})",
        due,
        description=f"Due from {owner}. A step of the fidelity review of {service}.",
    )
