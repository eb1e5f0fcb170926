"""What text the app accepts: names on one line, notes in paragraphs, never control characters. Pure.

Text is stored exactly as typed (names lose surrounding spaces) or refused with a message naming the
field. Markup in it (HTML, Markdown, a formula) is kept as text and shown as text everywhere; control
characters are refused because reports, spreadsheets and PostgreSQL cannot hold them (a NUL, say).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

LINE_BREAKS = frozenset("\n\r\t")  # allowed in notes, not in names


def _forbidden(value: str, allowed: frozenset[str]) -> str | None:
    for char in value:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            return f"U+{ord(char):04X}"
    return None


def one_line(value: str) -> str:
    """A name: surrounding spaces dropped; no line break, tab or other control character."""
    found = _forbidden(value, frozenset())
    if found:
        raise ValueError(f"must be one line of plain text, without line breaks, tabs or control characters ({found})")
    return value.strip()


def required_line(value: str) -> str:
    value = one_line(value)
    if not value:
        raise ValueError("must not be empty")
    return value


def paragraphs(value: str) -> str:
    """A note: kept exactly; line breaks and tabs allowed, other control characters refused."""
    found = _forbidden(value, LINE_BREAKS)
    if found:
        raise ValueError(f"must be plain text; it holds a control character ({found})")
    return value


def required_paragraphs(value: str) -> str:
    value = paragraphs(value).strip()
    if not value:
        raise ValueError("must not be empty")
    return value


DATE_FORMAT = "DD/MM/YYYY"
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def typed_date(value: str) -> date | None:
    """A date typed as day/month/year (or the ISO year-month-day), None when left empty; refused otherwise."""
    value = value.strip()
    if not value:
        return None
    if match := _DAY_MONTH_YEAR.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YEAR_MONTH_DAY.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(f"enter a date as {DATE_FORMAT}, for example 27/03/2027")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{value} is not a real date; enter it as {DATE_FORMAT}") from None


def date_text(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""
