"""The performance snapshot a service sends its lead reviewer before the visit: its figures for the four quarters
before the visit (caseload per FTE, referrals, job starts, employment rate, sustained outcomes), prefilled from the
outcomes it entered and confirmed or corrected by its lead. Pure: no database, no Streamlit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fidelity.outcomes import OutcomeFigures, quarter_label, quarter_of, rates

QUARTERS = 4
QUARTER = "Quarter"
# Each figure's column, its bounds and whether it is a whole number.
FIGURES: dict[str, tuple[float, float, bool]] = {
    "Caseload per FTE": (0, 1_000, False),
    "Referrals": (0, 100_000, True),
    "Job starts": (0, 100_000, True),
    "Employment rate (%)": (0, 100, False),
    "Sustained outcomes (26 weeks)": (0, 100_000, True),
}
COLUMNS = (QUARTER, *FIGURES)
NOTE = (
    "The service's figures for the four quarters before the visit, prefilled from its quarterly outcomes and "
    "confirmed or corrected by its lead. Blank: not known."
)


def quarters_before(visit: date) -> list[str]:
    """The four whole quarters before the one the visit is in, oldest first."""
    start = quarter_of(visit)
    found = []
    for _ in range(QUARTERS):
        start = quarter_of(date.fromordinal(start.toordinal() - 1))
        found.append(quarter_label(start))
    return found[::-1]


def prefilled(quarters: Sequence[str], entered: Mapping[str, OutcomeFigures]) -> list[dict[str, Any]]:
    """One row per quarter: the figures from the outcomes entered for it, blank where there are none."""
    rows = []
    for quarter in quarters:
        figures = entered.get(quarter)
        row: dict[str, Any] = {QUARTER: quarter} | dict.fromkeys(FIGURES)
        if figures is not None:
            found = rates(figures)
            row |= {
                "Caseload per FTE": None if found.caseload_per_fte is None else round(found.caseload_per_fte, 1),
                "Referrals": figures.referrals,
                "Job starts": figures.total_job_starts,
                "Employment rate (%)": None if found.employment_rate is None else round(100 * found.employment_rate, 1),
                "Sustained outcomes (26 weeks)": figures.sustained_26_weeks,
            }
        rows.append(row)
    return rows


def checked(rows: Sequence[Mapping[str, Any]], quarters: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows as saved (the same quarters, each figure a number within its bounds or blank), and every problem by
    row and column."""
    problems: list[str] = []
    if [str(r.get(QUARTER, "")) for r in rows] != list(quarters):
        return [], [f"quarters: the snapshot covers {', '.join(quarters)}; correct the figures, not the quarters"]
    cleaned = []
    for number, row in enumerate(rows, start=1):
        out: dict[str, Any] = {QUARTER: row[QUARTER]}
        for column, (low, high, whole) in FIGURES.items():
            value = row.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                out[column] = None
                continue
            try:
                figure = float(value)
            except (TypeError, ValueError):
                problems.append(f"row {number} ({row[QUARTER]}), {column}: {value!r} is not a number")
                continue
            if isinstance(value, bool) or not math.isfinite(figure) or not low <= figure <= high:
                problems.append(f"row {number} ({row[QUARTER]}), {column}: {value} is outside {low:g} to {high:g}")
            elif whole and figure != int(figure):
                problems.append(f"row {number} ({row[QUARTER]}), {column}: {value} is not a whole number")
            else:
                out[column] = int(figure) if whole else round(figure, 1)
        cleaned.append(out)
    return cleaned, problems
