"""Statistics for fidelity and outcomes. Pure functions, no I/O. Every function refuses what is not a number
(None, text, NaN, infinity) and mismatched input with a StatsError naming it, never turning it into a result.

- Pearson's r with a 95% confidence interval from Fisher's z transformation.
- The least-squares line.
- XmR (individuals) charts as NHS England's Making Data Count guidance and NHS-R's NHSRplotthedots draw them
  (`ptd_spc_standard`): limits at the mean +/- 2.66 x the mean moving range, after moving ranges at or above
  3.267 x their mean are screened out and the mean recomputed; special causes are a point beyond a limit, 7 points
  in a row on one side of the mean, 7 points in a row each rising or each falling, and two of three points in a
  row close to a limit (beyond two-thirds of the way to it) on the same side.
- Funnel-plot limits for proportions from the exact binomial distribution, with Spiegelhalter's interpolation
  between its quantiles (D. J. Spiegelhalter, Funnel plots for comparing institutional performance, Statistics
  in Medicine 2005; 24: 1185-1202, appendix A.1.1): the normal approximation fails for small denominators.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959964
XMR_LIMIT = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
RANGE_LIMIT = 3.267  # D4 for moving ranges of two points: the upper range limit, and the screen for outliers
RUN_LENGTH = 7
MIN_BASELINE = 12  # fewer points give limits too uncertain to fix (Making Data Count: 12-20)
# The tail probabilities of each funnel limit: two-sided 95% and 99.8%.
FUNNEL_TAILS = {"low95": 0.025, "high95": 0.975, "low998": 0.001, "high998": 0.999}


class StatsError(ValueError):
    pass


def _numbers(values: object, what: str) -> list[float]:
    """Plain floats from a list, tuple or NumPy array of real numbers; anything else is a StatsError."""
    if isinstance(values, str | bytes | dict) or not isinstance(values, Sequence | np.ndarray):
        raise StatsError(f"{what} must be a list of numbers, got {type(values).__name__}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise StatsError(f"{what} must be a flat list of numbers, got an array of shape {values.shape}")
    found = []
    for position, value in enumerate(values, start=1):
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise StatsError(f"{what}: value {position} ({value!r}) is not a number")
        number = float(value)
        if math.isnan(number):
            raise StatsError(f"{what}: value {position} is not a number (NaN)")
        if math.isinf(number):
            raise StatsError(f"{what}: value {position} is infinite")
        found.append(number)
    return found


def _paired(x: object, y: object) -> tuple[list[float], list[float]]:
    xs, ys = _numbers(x, "x"), _numbers(y, "y")
    if len(xs) != len(ys):
        raise StatsError(f"x and y must pair up; got {len(xs)} and {len(ys)} values")
    return xs, ys


def _scaled(values: list[float]) -> tuple[list[float], float]:
    """Values divided by their largest size, so sums of squares cannot overflow; and that size."""
    size = max(abs(v) for v in values) or 1.0
    return [v / size for v in values], size


def _mean(values: Sequence[float], what: str) -> float:
    try:
        result = math.fsum(values) / len(values)
    except OverflowError:
        result = math.inf
    _finite(result, what=what)
    return result


def _finite(*results: float, what: str) -> None:
    if not all(math.isfinite(r) for r in results):
        raise StatsError(f"{what} is too large to represent; the values are too far apart")


@dataclass(frozen=True)
class Correlation:
    r: float
    n: int
    low: float | None  # 95% interval; None when n < 4
    high: float | None


def pearson(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Pearson's r of paired values, with its 95% confidence interval (Fisher z)."""
    xs, ys = _paired(x, y)
    n = len(xs)
    if n < 3:
        raise StatsError(f"a correlation needs at least 3 pairs, got {n}")
    (xs, _), (ys, _) = _scaled(xs), _scaled(ys)  # r does not change with scale
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((a - mx) ** 2 for a in xs)
    syy = math.fsum((b - my) ** 2 for b in ys)
    if sxx == 0 or syy == 0:
        raise StatsError("a correlation is not defined when all x or all y values are the same")
    r = math.fsum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)
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
    xs, ys = _paired(x, y)
    if len(xs) < 2:
        raise StatsError(f"a line needs at least 2 paired values, got {len(xs)}")
    n = len(xs)
    (xs, x_size), (ys, y_size) = _scaled(xs), _scaled(ys)
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((a - mx) ** 2 for a in xs)
    if sxx == 0:
        raise StatsError("a line is not defined when all x values are the same")
    unit_slope = math.fsum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)) / sxx
    slope = unit_slope * (y_size / x_size)
    intercept = (my - unit_slope * mx) * y_size
    _finite(slope, intercept, what="the line's slope or intercept")
    return Line(slope=slope, intercept=intercept)


@dataclass(frozen=True)
class XmRPeriod:
    """A stretch of the series between rebases, with its own mean and limits: points start to end - 1."""

    start: int
    end: int
    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    baseline: int | None


@dataclass(frozen=True)
class XmR:
    mean: float
    mean_moving_range: float  # after screening
    lower: float
    upper: float
    special_cause: list[bool]  # one flag per point
    reasons: list[list[str]]  # why each point is flagged
    moving_ranges: list[float]  # one per point after the first
    screened: list[bool]  # which moving ranges were left out of the mean moving range
    baseline: int | None = None  # the limits come from this many first points; None: from every point
    periods: tuple[XmRPeriod, ...] = ()  # one, or one per rebase and the stretch before the first; the fields
    # above (mean, limits, baseline) are the last period's

    @property
    def upper_range_limit(self) -> float:
        """The moving-range chart's upper limit: 3.267 x the (screened) mean moving range."""
        return RANGE_LIMIT * self.mean_moving_range


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


def screened_mean_range(moving: Sequence[float]) -> tuple[float, list[bool]]:
    """The mean moving range once ranges at or above 3.267 x the first mean are left out, as NHSRplotthedots
    does by default; and which were left out. When every range is 0 none is left out (the mean stays 0)."""
    first = _mean(moving, "the mean moving range")
    screened = [first > 0 and m >= RANGE_LIMIT * first for m in moving]
    kept = [m for m, out in zip(moving, screened, strict=True) if not out]
    return _mean(kept, "the mean moving range"), screened


def xmr(values: Sequence[float], *, baseline: int | None = None, rebase_at: Sequence[int] = ()) -> XmR:
    """XmR limits and Making Data Count special-cause flags for a series in time order. With `baseline` (12 or
    more, as NHSRplotthedots's fix_after_n_points), the mean and limits come from the first `baseline` points
    only and later points are judged against them; a baseline as long as the series changes nothing. With
    `rebase_at` (the positions where a recorded change starts a new period, as NHSRplotthedots's rebase), each
    period has its own mean, limits and rules (the baseline applying within each), and the moving range across a
    rebase belongs to neither period (None)."""
    points = _numbers(values, "the series")
    n = len(points)
    if n < 2:
        raise StatsError(f"an XmR chart needs at least 2 points, got {n}")
    if baseline is not None and (
        isinstance(baseline, bool) or not isinstance(baseline, int) or baseline < MIN_BASELINE
    ):
        raise StatsError(f"a baseline is a whole number of points from {MIN_BASELINE}, got {baseline!r}")
    starts = sorted(set(rebase_at))
    for start in starts:
        if isinstance(start, bool) or not isinstance(start, int) or not 2 <= start <= n - 2:
            raise StatsError(f"a rebase must leave at least 2 points in each period; {start!r} does not (of {n})")
    if any(b - a < 2 for a, b in itertools.pairwise(starts)):
        raise StatsError("rebases must be at least 2 points apart, so each period has 2 points")
    if not starts:
        return _period(points, baseline)
    bounds = [0, *starts, n]
    parts = [_period(points[a:b], baseline) for a, b in itertools.pairwise(bounds)]
    moving: list[float | None] = []
    screened: list[bool] = []
    for number, part in enumerate(parts):
        if number:
            moving.append(None)  # across the rebase: neither period's
            screened.append(False)
        moving += part.moving_ranges
        screened += part.screened
    last = parts[-1]
    return XmR(
        mean=last.mean,
        mean_moving_range=last.mean_moving_range,
        lower=last.lower,
        upper=last.upper,
        special_cause=[flag for part in parts for flag in part.special_cause],
        reasons=[reason for part in parts for reason in part.reasons],
        moving_ranges=moving,  # type: ignore[arg-type]
        screened=screened,
        baseline=last.baseline,
        periods=tuple(
            XmRPeriod(a, b, part.mean, part.mean_moving_range, part.lower, part.upper, part.baseline)
            for (a, b), part in zip(itertools.pairwise(bounds), parts, strict=True)
        ),
    )


def _period(points: list[float], baseline: int | None) -> XmR:
    """One period's XmR (checked input)."""
    n = len(points)
    fixed = points[: baseline or n]
    mean = _mean(fixed, "the mean")
    moving = [abs(b - a) for a, b in itertools.pairwise(points)]
    _finite(mean, *moving, what="the mean or a moving range")
    amr, screened = screened_mean_range(moving[: len(fixed) - 1])
    screened += [False] * (len(moving) - len(screened))  # ranges after the baseline neither count nor are screened
    lower, upper = mean - XMR_LIMIT * amr, mean + XMR_LIMIT * amr
    _finite(lower, upper, what="a process limit")
    near_low, near_high = mean - 2 / 3 * XMR_LIMIT * amr, mean + 2 / 3 * XMR_LIMIT * amr
    side = [(v > mean) - (v < mean) for v in points]
    reasons: list[list[str]] = [[] for _ in points]

    for i, v in enumerate(points):
        if v > upper or v < lower:
            reasons[i].append("beyond a process limit")
    for sign in (1, -1):
        for i, hit in enumerate(_runs([s == sign for s in side], RUN_LENGTH)):
            if hit:
                reasons[i].append(f"{RUN_LENGTH} or more in a row {'above' if sign > 0 else 'below'} the mean")
    # A trend: RUN_LENGTH points in a row, each higher (or lower) than the one before.
    for sign, word in ((1, "rising"), (-1, "falling")):
        steps = [False] + [(b - a) * sign > 0 for a, b in itertools.pairwise(points)]
        in_trend = [False] * n
        for i, hit in enumerate(_runs(steps, RUN_LENGTH - 1)):
            if hit:
                in_trend[i] = in_trend[i - 1] = True
        for i, hit in enumerate(in_trend):
            if hit:
                reasons[i].append(f"{RUN_LENGTH} or more in a row {word}")
    close = [not (v > upper or v < lower) and (v > near_high or v < near_low) for v in points]
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
        moving_ranges=moving,
        screened=screened,
        baseline=len(fixed) if len(fixed) < n else None,
        periods=(XmRPeriod(0, n, mean, amr, lower, upper, len(fixed) if len(fixed) < n else None),),
    )


@dataclass(frozen=True)
class FunnelLimits:
    target: float
    low95: float
    high95: float
    low998: float
    high998: float


def _counts(values: object, what: str) -> list[int]:
    counts = []
    for position, number in enumerate(_numbers(values, what), start=1):
        if number < 0 or not number.is_integer():
            raise StatsError(f"{what}: value {position} ({number:g}) is not a whole number of people")
        counts.append(int(number))
    return counts


def funnel_target(events: Sequence[int], totals: Sequence[int]) -> float:
    """The pooled proportion across all units: the centre line of the funnel."""
    hits, people = _counts(events, "events"), _counts(totals, "totals")
    if len(hits) != len(people):
        raise StatsError(f"events and totals must pair up; got {len(hits)} and {len(people)} values")
    for position, (hit, total) in enumerate(zip(hits, people, strict=True), start=1):
        if hit > total:
            raise StatsError(f"unit {position}: {hit} events is more than its total of {total}")
    if sum(people) <= 0:
        raise StatsError("a funnel plot needs at least one unit with a denominator above 0")
    return sum(hits) / sum(people)


def _binomial_cdf(n: int, p: float) -> tuple[int, np.ndarray]:
    """P(R <= k) of R ~ Binomial(n, p) for k = first, first + 1, ...; below `first` it is 0 to within 1e-40.
    Built from the ratio of neighbouring probabilities over a window 15 standard deviations either side of the
    mean, so it neither underflows for large n nor needs the binomial coefficients."""
    sd = math.sqrt(n * p * (1 - p))
    first = max(0, math.floor(n * p - 15 * sd - 5))
    last = min(n, math.ceil(n * p + 15 * sd + 5))
    k = np.arange(first, last, dtype=float)
    steps = np.log((n - k) / (k + 1)) + math.log(p / (1 - p))
    log_pmf = np.concatenate(([0.0], np.cumsum(steps)))
    pmf = np.exp(log_pmf - log_pmf.max())
    cdf = np.cumsum(pmf)
    return first, cdf / cdf[-1]


@functools.lru_cache(maxsize=8192)
def _interpolated_limits(n: int, p: float) -> tuple[float, ...]:
    """Spiegelhalter's limit for each tail probability t of FUNNEL_TAILS: r, the smallest count with
    P(R <= r) >= t, less alpha = (P(R <= r) - t) / P(R = r), over n; kept within 0-1."""
    first, cdf = _binomial_cdf(n, p)
    tails = np.array(list(FUNNEL_TAILS.values()))
    index = np.searchsorted(cdf, tails, side="left")
    at = cdf[index]
    below = np.where(index > 0, cdf[np.maximum(index - 1, 0)], 0.0)
    alpha = (at - tails) / (at - below)
    return tuple(np.clip((first + index - alpha) / n, 0.0, 1.0).tolist())


def funnel_limits(target: float, n: int) -> FunnelLimits:
    """95% and 99.8% limits for a proportion observed on `n` people, around `target`, from the exact binomial
    distribution with Spiegelhalter's interpolation; kept within 0-1."""
    (size,), (centre,) = _numbers([n], "the denominator"), _numbers([target], "the target")
    if size <= 0 or not size.is_integer():
        raise StatsError(f"the denominator must be a whole number above 0, got {size:g}")
    if not 0 <= centre <= 1:
        raise StatsError(f"the target must be a proportion 0-1, got {centre:g}")
    people = int(size)
    if centre in (0.0, 1.0):
        return FunnelLimits(centre, *[centre] * 4)
    return FunnelLimits(centre, **dict(zip(FUNNEL_TAILS, _interpolated_limits(people, centre), strict=True)))


def funnel_curve(target: float, smallest: int, largest: int, *, points: int = 200) -> list[tuple[int, FunnelLimits]]:
    """The limits to draw, from the smallest denominator shown to the largest: every whole number when there are
    few, else `points` of them spaced evenly on a log scale (the limits change fastest at small denominators)."""
    low, high = _counts([smallest, largest], "the denominators")
    if not 0 < low <= high:
        raise StatsError(f"the denominators must run upwards from 1 or more, got {low} to {high}")
    if high - low < points:
        shown = range(low, high + 1)
    else:
        shown = sorted({round(low * (high / low) ** (i / (points - 1))) for i in range(points)})
    return [(n, funnel_limits(target, n)) for n in shown]


def funnel_position(rate: float, limits: FunnelLimits) -> str:
    """Where an observed proportion lies: beyond the 99.8% limits, beyond the 95% limits, or within them."""
    (rate,) = _numbers([rate], "the rate")
    for name, words in (
        ("high998", "above 99.8%"),
        ("low998", "below 99.8%"),
        ("high95", "above 95%"),
        ("low95", "below 95%"),
    ):
        limit = getattr(limits, name)
        if (rate > limit) if name.startswith("high") else (rate < limit):
            return words
    return "within limits"


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n, ties given the mean of the ranks they span (as R's rank() and scipy's rankdata)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    found = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            found[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return found


@dataclass(frozen=True)
class RankCorrelation:
    rho: float
    n: int
    low: float  # 95% interval
    high: float
    p: float  # two-sided


def spearman(x: Sequence[float], y: Sequence[float]) -> RankCorrelation:
    """Spearman's rank correlation (Pearson's r of the mid-ranks), its 95% interval from Fisher's z with the
    standard error sqrt(1.06 / (n - 3)) of Fieller, Hartley and Pearson (Biometrika 1957), and the two-sided p
    from the same normal approximation. Needs 4 or more pairs."""
    xs, ys = _paired(x, y)
    n = len(xs)
    if n < 4:
        raise StatsError(f"a rank correlation with an interval needs at least 4 pairs, got {n}")
    rho = pearson(ranks(xs), ranks(ys)).r
    if abs(rho) == 1:
        return RankCorrelation(rho=rho, n=n, low=rho, high=rho, p=0.0)
    z, se = math.atanh(rho), math.sqrt(1.06 / (n - 3))
    return RankCorrelation(
        rho=rho,
        n=n,
        low=math.tanh(z - Z_95 * se),
        high=math.tanh(z + Z_95 * se),
        p=math.erfc(abs(z) / se / math.sqrt(2)),
    )


def false_discovery_rate(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q): the smallest false discovery rate at which each test would be
    called significant, in the order given (as R's p.adjust(method = "BH"))."""
    ps = _numbers(p_values, "the p-values")
    if any(not 0 <= p <= 1 for p in ps):
        raise StatsError("p-values must lie between 0 and 1")
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i], reverse=True)
    adjusted = [0.0] * m
    running = 1.0
    for rank_from_top, i in enumerate(order):
        running = min(running, ps[i] * m / (m - rank_from_top))
        adjusted[i] = running
    return adjusted
