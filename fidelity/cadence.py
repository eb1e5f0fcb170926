"""When each service's next fidelity review is due. Pure functions, no I/O.

State IPS programmes review a service about twice a year until it reaches good fidelity, then yearly
(shared/domain.md section 5.3): by default the next review is due 6 months after a final review below Good
and 12 months after one at Good or better. Good fidelity is a total of 100 or more (IPS Grow). Admins can
set other intervals per programme (fidelity.store.cadence).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

GOOD_FIDELITY = 100
DUE_SOON_DAYS = 90


@dataclass(frozen=True)
class Cadence:
    months_below_good: int = 6
    months_good_or_better: int = 12

    def __post_init__(self) -> None:
        for name in ("months_below_good", "months_good_or_better"):
            months = getattr(self, name)
            if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
                raise ValueError(f"{name.replace('_', ' ')}: {months!r} is not a whole number of months from 1 to 60")

    def months_after(self, total: int) -> int:
        return self.months_good_or_better if total >= GOOD_FIDELITY else self.months_below_good


DEFAULT_CADENCE = Cadence()


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 August + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_due(last_visit: date, total: int, cadence: Cadence = DEFAULT_CADENCE) -> date:
    return add_months(last_visit, cadence.months_after(total))


class DueStatus(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due within 90 days"
    NOT_DUE = "not yet due"
    NEVER_REVIEWED = "no final review yet"


def due_status(due: date | None, today: date) -> DueStatus:
    if due is None:
        return DueStatus.NEVER_REVIEWED
    if due < today:
        return DueStatus.OVERDUE
    return DueStatus.DUE_SOON if due <= today + timedelta(days=DUE_SOON_DAYS) else DueStatus.NOT_DUE
