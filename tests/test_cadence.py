"""Review cadence: 6 months after a review below Good, 12 after Good or better; month ends kept; due status."""

from __future__ import annotations

from datetime import date

import pytest

from fidelity import cadence
from fidelity.cadence import Cadence, DueStatus


@pytest.mark.parametrize(
    ("total", "due"),
    [(99, date(2025, 9, 10)), (100, date(2026, 3, 10)), (125, date(2026, 3, 10)), (25, date(2025, 9, 10))],
)
def test_next_review_due__below_good_6_months__good_or_better_12(total: int, due: date) -> None:
    assert cadence.next_review_due(date(2025, 3, 10), total) == due


def test_next_review_due__programme_rule__its_intervals() -> None:
    rule = Cadence(months_below_good=4, months_good_or_better=24)
    assert cadence.next_review_due(date(2025, 3, 10), 80, rule) == date(2025, 7, 10)
    assert cadence.next_review_due(date(2025, 3, 10), 110, rule) == date(2027, 3, 10)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 31), 12, date(2026, 1, 31)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_add_months__month_ends_kept(day: date, months: int, expected: date) -> None:
    assert cadence.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("due", "status"),
    [
        (None, DueStatus.NEVER_REVIEWED),
        (date(2026, 11, 29), DueStatus.OVERDUE),
        (date(2026, 11, 30), DueStatus.DUE_SOON),
        (date(2027, 2, 28), DueStatus.DUE_SOON),  # 90 days on
        (date(2027, 3, 1), DueStatus.NOT_DUE),
    ],
)
def test_due_status__boundaries(due: date | None, status: DueStatus) -> None:
    assert cadence.due_status(due, date(2026, 11, 30)) == status


@pytest.mark.parametrize("months", [0, 61, -3, 2.5, True, "6"])
def test_cadence__months_outside_1_to_60__refused_naming_the_field(months: object) -> None:
    with pytest.raises(ValueError, match=r"months below good: .* is not a whole number of months from 1 to 60"):
        Cadence(months_below_good=months)  # type: ignore[arg-type]
