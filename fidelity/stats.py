"""Statistics for fidelity and outcomes. Pure functions, no I/O.

- Pearson's r with a 95% confidence interval from Fisher's z transformation.
- The least-squares line.
- XmR (individuals) chart limits and the special-cause rules of NHS England's Making Data Count:
  a point beyond the process limits; 7 points in a row on one side of the mean; 7 points in a row
  each rising or each falling; two of three points in a row close to a limit (beyond two-thirds of
  the way to it) on the same side. Constants as in NHS-R's plot-the-dots implementation.
- Funnel-plot limits for proportions across units of different size (normal approximation).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959964
Z_998 = 3.090232  # two-sided 99.8%
XMR_LIMIT = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
RUN_LENGTH = 7


class StatsError(ValueError):
    pass


@dataclass(frozen=True)
class Correlation:
    r: float
    n: int
    low: float | None  # 95% interval; None when n < 4
    high: float | None


def pearson(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Pearson's r of paired values, with its 95% confidence interval (Fisher z)."""
    if len(x) != len(y):
        raise StatsError(f"x and y must pair up; got {len(x)} and {len(y)} values")
    n = len(x)
    if n < 3:
        raise StatsError(f"a correlation needs at least 3 pairs, got {n}")
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        raise StatsError("a correlation is not defined when all x or all y values are the same")
    r = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / math.sqrt(sxx * syy)
    r = max(-1.0, min(1.0, r))
    if n < 4 or abs(r) == 1:
        return Correlation(r=r, n=n, low=None if n < 4 else r, high=None if n < 4 else r)
    z, se = math.atanh(r), 1 / math.sqrt(n - 3)
    return Correlation(r=r, n=n, low=math.tanh(z - Z_95 * se), high=math.tanh(z + Z_95 * se))


@dataclass(frozen=True)
class Line:
    slope: float
    intercept: float

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x


def least_squares(x: Sequence[float], y: Sequence[float]) -> Line:
    if len(x) != len(y) or len(x) < 2:
        raise StatsError("a line needs at least 2 paired values")
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    if sxx == 0:
        raise StatsError("a line is not defined when all x values are the same")
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sxx
    return Line(slope=slope, intercept=my - slope * mx)


@dataclass(frozen=True)
class XmR:
    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    special_cause: list[bool]  # one flag per point
    reasons: list[list[str]]  # why each point is flagged


def _runs(flags: Sequence[bool], length: int) -> list[bool]:
    """Mark every point that belongs to a run of at least `length` consecutive True flags."""
    marked = [False] * len(flags)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                marked[start:i] = [True] * (i - start)
            start = None
    return marked


def xmr(values: Sequence[float]) -> XmR:
    """XmR limits and Making Data Count special-cause flags for a series in time order."""
    n = len(values)
    if n < 2:
        raise StatsError(f"an XmR chart needs at least 2 points, got {n}")
    mean = sum(values) / n
    moving = [abs(b - a) for a, b in itertools.pairwise(values)]
    amr = sum(moving) / len(moving)
    lower, upper = mean - XMR_LIMIT * amr, mean + XMR_LIMIT * amr
    near_low, near_high = mean - 2 / 3 * XMR_LIMIT * amr, mean + 2 / 3 * XMR_LIMIT * amr
    side = [(v > mean) - (v < mean) for v in values]
    reasons: list[list[str]] = [[] for _ in values]

    for i, v in enumerate(values):
        if v > upper or v < lower:
            reasons[i].append("beyond a process limit")
    for sign in (1, -1):
        for i, hit in enumerate(_runs([s == sign for s in side], RUN_LENGTH)):
            if hit:
                reasons[i].append(f"{RUN_LENGTH} or more in a row {'above' if sign > 0 else 'below'} the mean")
    # A trend: RUN_LENGTH points in a row, each higher (or lower) than the one before.
    for sign, word in ((1, "rising"), (-1, "falling")):
        steps = [False] + [(b - a) * sign > 0 for a, b in itertools.pairwise(values)]
        in_trend = [False] * n
        for i, hit in enumerate(_runs(steps, RUN_LENGTH - 1)):
            if hit:
                in_trend[i] = in_trend[i - 1] = True
        for i, hit in enumerate(in_trend):
            if hit:
                reasons[i].append(f"{RUN_LENGTH} or more in a row {word}")
    close = [not (v > upper or v < lower) and (v > near_high or v < near_low) for v in values]
    for i in range(n - 2):
        window = range(i, i + 3)
        same_side = abs(sum(side[j] for j in window)) == 3
        if same_side and sum(close[j] for j in window) >= 2:
            for j in window:
                if close[j] and "two of three close to a limit" not in reasons[j]:
                    reasons[j].append("two of three close to a limit")
    return XmR(
        mean=mean,
        mean_moving_range=amr,
        lower=lower,
        upper=upper,
        special_cause=[bool(r) for r in reasons],
        reasons=reasons,
    )


@dataclass(frozen=True)
class FunnelLimits:
    target: float
    low95: float
    high95: float
    low998: float
    high998: float


def funnel_target(events: Sequence[int], totals: Sequence[int]) -> float:
    """The pooled proportion across all units: the centre line of the funnel."""
    if not totals or sum(totals) <= 0:
        raise StatsError("a funnel plot needs at least one unit with a denominator above 0")
    return sum(events) / sum(totals)


def funnel_limits(target: float, n: int) -> FunnelLimits:
    """95% and 99.8% limits for a proportion observed on `n` people, around `target`, kept within 0-1."""
    if n <= 0:
        raise StatsError(f"the denominator must be above 0, got {n}")
    if not 0 <= target <= 1:
        raise StatsError(f"the target must be a proportion 0-1, got {target}")
    se = math.sqrt(target * (1 - target) / n)

    def clip(value: float) -> float:
        return min(1.0, max(0.0, value))

    return FunnelLimits(
        target=target,
        low95=clip(target - Z_95 * se),
        high95=clip(target + Z_95 * se),
        low998=clip(target - Z_998 * se),
        high998=clip(target + Z_998 * se),
    )
