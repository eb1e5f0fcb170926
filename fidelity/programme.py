"""What a programme lead sees across a programme's services, quarter by quarter. Pure functions, no I/O.

Each quarter looks at every service's latest independent final review up to the quarter's end: the share of
services in each band, and the median total with its interquartile range (quartiles as R's default and NumPy's,
type 7). Outcome rates are pooled over the programme's services: job starts (everyone with a first job start)
and 26-week sustained outcomes over starts, beside the Work and Health Programme reference bands.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from fidelity.outcomes import quarter_end, quarter_label, quarter_of

NOT_REVIEWED = "not yet reviewed"


@dataclass(frozen=True)
class FinalTotal:
    service_id: int
    visit: date
    total: int
    band: str


@dataclass(frozen=True)
class QuarterOutcome:
    service_id: int
    quarter_start: date
    starts: int
    people_into_work: int
    sustained_26_weeks: int


def quarters_between(first: date, last: date) -> list[date]:
    """Start days of every quarter from the one holding `first` to the one holding `last`."""
    day, end, found = quarter_of(first), quarter_of(last), []
    while day <= end:
        found.append(day)
        day = quarter_end(day) + timedelta(days=1)
    return found


def _latest_by_quarter(finals: Iterable[FinalTotal], quarters: Sequence[date]) -> list[dict[int, FinalTotal]]:
    """For each quarter, each service's latest final review up to the quarter's end."""
    by_service: dict[int, list[FinalTotal]] = {}
    for final in sorted(finals, key=lambda f: f.visit):
        by_service.setdefault(final.service_id, []).append(final)
    found = []
    for quarter in quarters:
        end = quarter_end(quarter)
        latest = {}
        for service_id, history in by_service.items():
            position = bisect.bisect_right([f.visit for f in history], end)
            if position:
                latest[service_id] = history[position - 1]
        found.append(latest)
    return found


def band_shares(
    finals: Iterable[FinalTotal], quarters: Sequence[date], bands: Sequence[str], services: int
) -> list[dict[str, object]]:
    """One row per quarter and band: services whose latest review is in that band, and their share of the
    programme's `services` (those not yet reviewed are a band of their own, so the shares add to 1)."""
    rows: list[dict[str, object]] = []
    for quarter, latest in zip(quarters, _latest_by_quarter(finals, quarters), strict=True):
        counts = dict.fromkeys([*bands, NOT_REVIEWED], 0)
        for final in latest.values():
            counts[final.band if final.band in counts else NOT_REVIEWED] += 1
        counts[NOT_REVIEWED] += max(services - len(latest), 0)
        for band, count in counts.items():
            rows.append(
                {
                    "quarter": quarter_label(quarter),
                    "band": band,
                    "services": count,
                    "share": count / services if services else None,
                }
            )
    return rows


def total_spread(finals: Iterable[FinalTotal], quarters: Sequence[date]) -> list[dict[str, object]]:
    """One row per quarter with at least one reviewed service: n, the median total and its quartiles."""
    rows: list[dict[str, object]] = []
    for quarter, latest in zip(quarters, _latest_by_quarter(finals, quarters), strict=True):
        totals = sorted(f.total for f in latest.values())
        if not totals:
            continue
        low, median, high = (
            statistics.quantiles(totals, n=4, method="inclusive") if len(totals) > 1 else [totals[0]] * 3
        )
        rows.append({"quarter": quarter_label(quarter), "n": len(totals), "median": median, "q1": low, "q3": high})
    return rows


def pooled_rates(outcomes: Iterable[QuarterOutcome]) -> list[dict[str, object]]:
    """One row per quarter: starts, and the job-start and sustained-outcome rates pooled across services."""
    pooled: dict[date, list[int]] = {}
    for row in outcomes:
        sums = pooled.setdefault(row.quarter_start, [0, 0, 0, 0])
        sums[0] += row.starts
        sums[1] += row.people_into_work
        sums[2] += row.sustained_26_weeks
        sums[3] += 1
    return [
        {
            "quarter": quarter_label(quarter),
            "services reporting": reporting,
            "starts": starts,
            "job-start rate": jobs / starts if starts else None,
            "sustained-outcome rate": sustained / starts if starts else None,
        }
        for quarter, (starts, jobs, sustained, reporting) in sorted(pooled.items())
    ]


def quarterly_summary(
    finals: Sequence[FinalTotal],
    outcomes: Sequence[QuarterOutcome],
    quarters: Sequence[date],
    bands: Sequence[str],
    services: int,
) -> list[dict[str, object]]:
    """One row per quarter for an analyst: the share of services in each band, the median total with its
    quartiles, and the pooled outcome rates (blank where there is nothing to measure)."""
    shares = band_shares(finals, quarters, bands, services)
    spread = {row["quarter"]: row for row in total_spread(finals, quarters)}
    rates = {row["quarter"]: row for row in pooled_rates(outcomes)}
    rows = []
    for quarter in (quarter_label(q) for q in quarters):
        row: dict[str, object] = {"quarter": quarter, "services": services}
        for share in (s for s in shares if s["quarter"] == quarter):
            row[f"share {share['band']}"] = share["share"]
        totals = spread.get(quarter, {})
        row |= {f"{key} total": totals.get(key) for key in ("median", "q1", "q3")} | {"reviewed": totals.get("n", 0)}
        outcome = rates.get(quarter, {})
        row |= {key: outcome.get(key) for key in ("starts", "job-start rate", "sustained-outcome rate")}
        rows.append(row)
    return rows
