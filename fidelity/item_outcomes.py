"""Which items and principles go with better outcomes, across services. Pure functions, no I/O.

For each item (and each principle: the mean of its items' scores), Spearman's rank correlation between a
service's agreed score and its employment rate (or job-start rate) in the quarters after its review, with a 95%
interval and n, and a false discovery rate over the items tested together (Benjamini-Hochberg), since testing 25
items at once finds some "significant" by chance. One point per service, so no service counts twice. It is an
association, not proof of cause: for reference, Bond and colleagues (Psychiatric Services, 2012) found the
IPS-25 total correlated .34 with the employment rate across 79 sites, and 8 of its 25 items significantly.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from fidelity.scales import Scale
from fidelity.stats import StatsError, false_discovery_rate, spearman

SIGNIFICANT_Q = 0.05


@dataclass(frozen=True)
class ServicePoint:
    """One service: its latest agreed scores, and its outcome rate over the quarters after that review."""

    service: str
    review_date: date
    scores: Mapping[int, int]
    rate: float
    n: int  # the rate's denominator


def item_groups(scale: Scale) -> dict[str, list[int]]:
    """Each item on its own, labelled "1. Caseload size"."""
    return {f"{item.number}. {item.name}": [item.number] for item in scale.items}


def principle_groups(scale: Scale) -> dict[str, list[int]]:
    """Each principle with the items under it (a principle with none is left out)."""
    groups = {p.title: [i.number for i in scale.items if p.id in i.principles] for p in scale.principles}
    return {title: items for title, items in groups.items() if items}


def associations(points: Sequence[ServicePoint], groups: Mapping[str, Sequence[int]]) -> list[dict[str, object]]:
    """One row per group (an item, or a principle's items), strongest positive association first; a group with
    too few services or no spread in its scores has no estimate and says why."""
    rows: list[dict[str, object]] = []
    for label, items in groups.items():
        pairs = [
            (statistics.fmean(p.scores[i] for i in items if i in p.scores), p.rate)
            for p in points
            if any(i in p.scores for i in items)
        ]
        row: dict[str, object] = {"what": label, "n": len(pairs)}
        try:
            found = spearman([s for s, _ in pairs], [r for _, r in pairs])
        except StatsError as error:
            rows.append(row | {"rho": None, "low": None, "high": None, "p": None, "why none": str(error)})
            continue
        rows.append(row | {"rho": found.rho, "low": found.low, "high": found.high, "p": found.p, "why none": ""})
    estimated = [row for row in rows if row["p"] is not None]
    for row, q in zip(estimated, false_discovery_rate([float(r["p"]) for r in estimated]), strict=True):  # type: ignore[arg-type]
        row["q"] = q
        row["significant"] = q < SIGNIFICANT_Q
    for row in rows:
        row.setdefault("q", None)
        row.setdefault("significant", False)
    return sorted(rows, key=lambda r: (r["rho"] is None, -(r["rho"] or 0)))  # type: ignore[operator]
