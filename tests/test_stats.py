"""Statistics against reference values: by hand, from NumPy, and from the Making Data Count rules."""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from fidelity import stats


def test_pearson__matches_numpy_and_fisher_interval_by_hand() -> None:
    x = [78, 85, 92, 99, 101, 104, 108, 112, 96, 88, 117, 83]
    y = [31, 40, 33, 41, 38, 45, 39, 47, 36, 35, 44, 42]
    result = stats.pearson(x, y)
    r = float(np.corrcoef(x, y)[0, 1])
    assert result.r == pytest.approx(r)
    z, se = math.atanh(r), 1 / math.sqrt(12 - 3)
    assert result.low == pytest.approx(math.tanh(z - 1.959964 * se))
    assert result.high == pytest.approx(math.tanh(z + 1.959964 * se))
    assert result.n == 12


def test_fisher_interval__r_half_n_28__known_values() -> None:
    """r = 0.5, n = 28: z = 0.5493, se = 0.2, interval tanh(0.5493 -/+ 0.392) = 0.156 to 0.736."""
    x = list(range(28))
    base = np.array(x, dtype=float)
    noise = np.array([(-1) ** i * ((i * 7) % 11) for i in range(28)], dtype=float)
    # Scale the noise so the correlation is exactly 0.5.
    base_c, noise_c = base - base.mean(), noise - noise.mean()
    noise_c -= base_c * (noise_c @ base_c) / (base_c @ base_c)
    k = math.sqrt(3) * np.linalg.norm(base_c) / np.linalg.norm(noise_c)
    y = list(base_c + k * noise_c)
    result = stats.pearson(x, y)
    assert result.r == pytest.approx(0.5)
    assert (result.low, result.high) == (pytest.approx(0.156, abs=0.001), pytest.approx(0.736, abs=0.001))


def test_pearson__three_pairs__no_interval() -> None:
    result = stats.pearson([1, 2, 3], [2, 4, 7])
    assert result.low is None and result.high is None


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [([1, 2], [1, 2], "at least 3 pairs"), ([1, 1, 1], [1, 2, 3], "all x or all y"), ([1, 2, 3], [1, 2], "pair up")],
)
def test_pearson__bad_input__refused(x, y, message: str) -> None:
    with pytest.raises(stats.StatsError, match=message):
        stats.pearson(x, y)


def test_least_squares__matches_numpy_polyfit() -> None:
    x, y = [80, 90, 100, 110, 120], [30, 36, 37, 45, 47]
    line = stats.least_squares(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert (line.slope, line.intercept) == (pytest.approx(slope), pytest.approx(intercept))
    assert line.at(100) == pytest.approx(intercept + 100 * slope)


def test_xmr__limits__mean_plus_minus_2_66_mean_moving_range() -> None:
    values = [10, 12, 11, 13, 12]  # moving ranges 2, 1, 2, 1 -> mean 1.5
    chart = stats.xmr(values)
    assert chart.mean == pytest.approx(11.6)
    assert chart.mean_moving_range == pytest.approx(1.5)
    assert (chart.lower, chart.upper) == (pytest.approx(11.6 - 3.99), pytest.approx(11.6 + 3.99))
    assert chart.special_cause == [False] * 5


def test_xmr__point_beyond_limit__flagged() -> None:
    """Mean 42.5, moving ranges 1,2,1,1,2,1,20 -> 4; the 20 is at least 3.267 x 4 and left out, so the mean range
    is 8 / 6 and the upper limit 42.5 + 2.66 x 1.333 = 46.05: 60 is beyond it, and the seven points before it are
    all below the mean, a run in its own right (the 39s and 40s are also close to the lower limit now)."""
    chart = stats.xmr([40, 41, 39, 40, 41, 39, 40, 60])
    assert chart.upper == pytest.approx(42.5 + 2.66 * 8 / 6)
    assert chart.reasons[7] == ["beyond a process limit"]
    assert all(r[0] == "7 or more in a row below the mean" for r in chart.reasons[:7])
    assert [i for i, r in enumerate(chart.reasons) if "two of three close to a limit" in r] == [0, 2, 3, 5, 6]


ALTERNATING = [55, 45, 55, 45, 55, 45]


def test_xmr__seven_in_a_row_one_side__flags_the_run_only() -> None:
    values = [*ALTERNATING, *[51] * 7, 45, *ALTERNATING[:5]]  # mean 50.37: the 51s are all above it
    chart = stats.xmr(values)
    assert [i for i, flag in enumerate(chart.special_cause) if flag] == list(range(6, 13))
    assert chart.reasons[6] == ["7 or more in a row above the mean"]


def test_xmr__six_in_a_row_one_side__not_flagged() -> None:
    values = [*ALTERNATING, *[51] * 6, 45, *ALTERNATING[:5]]
    assert stats.xmr(values).special_cause == [False] * len(values)


def test_xmr__seven_rising__trend_flagged_six_not() -> None:
    rising7 = [40, 38, 42, 39, 41, 30, 32, 34, 36, 38, 40, 42, 41, 39]
    reasons = stats.xmr(rising7).reasons
    assert [i for i, r in enumerate(reasons) if "7 or more in a row rising" in r] == list(range(5, 12))
    rising6 = [40, 38, 42, 39, 41, 30, 32, 34, 36, 38, 40, 39, 41, 39]
    assert not any("rising" in r for rs in stats.xmr(rising6).reasons for r in rs)


def test_xmr__two_of_three_close_to_limit__flagged() -> None:
    """Mean 863/17 = 50.765, mean moving range 46/16 = 2.875: upper limit 58.41, and 'close'
    begins at 50.765 + 2/3 x 2.66 x 2.875 = 55.86. Points 10-12 (56, 51, 56) are above the mean
    and two of them lie between 55.86 and 58.41."""
    values = [49, 51] * 5 + [56, 51, 56] + [49, 51, 49, 51]
    chart = stats.xmr(values)
    assert (chart.mean, chart.mean_moving_range) == (pytest.approx(863 / 17), pytest.approx(2.875))
    assert [i for i, r in enumerate(chart.reasons) if r] == [10, 12]
    assert chart.reasons[10] == ["two of three close to a limit"]


def test_xmr__one_of_three_close__not_flagged() -> None:
    values = [49, 51] * 5 + [56, 51, 49] + [49, 51, 49, 51]
    assert not any(stats.xmr(values).special_cause)


def test_xmr__too_short__refused() -> None:
    with pytest.raises(stats.StatsError, match="at least 2 points"):
        stats.xmr([3])


# --- XmR: screened moving ranges, as NHSRplotthedots ----------------------------------------------------------

# R: set.seed(123); rnorm(20): the series of NHSRplotthedots's own test of ptd_spc_standard
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123, -0.68685285,
    -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
    0.70135590, -0.47279141,
]  # fmt: skip


def test_xmr__nhsrplotthedots_published_example__screened_limits() -> None:
    """Its test sets the 15th value to 10; with outliers screened (the default) the limits are -2.383666 and
    3.722497, and the moving ranges into and out of the 10 are the two left out."""
    values = [*RNORM_123[:14], 10.0, *RNORM_123[15:]]
    chart = stats.xmr(values)
    assert chart.lower == pytest.approx(-2.383666, abs=1e-6)
    assert chart.upper == pytest.approx(3.722497, abs=1e-6)
    assert [i for i, out in enumerate(chart.screened) if out] == [13, 14]
    assert chart.reasons[14] == ["beyond a process limit"]


def test_xmr__nhsrplotthedots_example_without_outlier__mean_0_142_limits_minus_3_01_and_3_29() -> None:
    """The same package's snapshot of the unaltered series: mean 0.142, limits -3.01 and 3.29."""
    chart = stats.xmr(RNORM_123)
    assert (round(chart.mean, 3), round(chart.lower, 2), round(chart.upper, 2)) == (0.142, -3.01, 3.29)


def test_xmr__one_extreme_quarter__no_longer_widens_the_limits() -> None:
    """35, 36, 33, 34, 5: unscreened limits were 5.99 to 51.21; the range of 29 is left out, leaving 24.17 to
    33.03, so the 5 and the three points outside them are flagged."""
    chart = stats.xmr([35, 36, 33, 34, 5])
    assert (chart.lower, chart.upper) == (pytest.approx(24.1667, abs=1e-4), pytest.approx(33.0333, abs=1e-4))
    assert chart.screened == [False, False, False, True]
    assert chart.special_cause == [True, True, False, True, True]


def test_xmr__range_exactly_3_267_times_the_mean__screened_just_below__kept() -> None:
    """Ranges 1, 1, 1, x: the first mean is (3 + x) / 4, and x is screened when x >= 3.267 (3 + x) / 4."""
    at_limit = 3 * 3.267 / (4 - 3.267)  # x = 3.267 (3 + x) / 4
    assert stats.screened_mean_range([1, 1, 1, at_limit])[1] == [False, False, False, True]
    assert stats.screened_mean_range([1, 1, 1, at_limit - 1e-6])[1] == [False] * 4


def test_xmr__upper_range_limit__3_267_times_screened_mean_range() -> None:
    chart = stats.xmr([10, 12, 11, 13, 12])
    assert chart.upper_range_limit == pytest.approx(3.267 * 1.5)
    assert chart.moving_ranges == [2, 1, 2, 1]


def test_xmr__flat_series__nothing_screened_limits_at_the_mean() -> None:
    chart = stats.xmr([40.0] * 6)
    assert (chart.lower, chart.upper, chart.screened) == (40.0, 40.0, [False] * 5)


def test_xmr__numpy_array__same_as_list() -> None:
    values = [31.0, 35.5, 29.0, 40.25, 38.0, 30.0, 33.0]
    assert stats.xmr(np.array(values)) == stats.xmr(values)
    assert stats.xmr(np.array([3, 5, 4], dtype=np.int64)) == stats.xmr([3, 5, 4])


# --- funnel limits: exact binomial, Spiegelhalter's interpolation --------------------------------------------


def _exact_limit(target: Fraction, n: int, tail: Fraction) -> float:
    """Spiegelhalter (2005), appendix A.1.1, in exact rational arithmetic: the binomial probabilities from their
    coefficients, r the smallest count whose cumulative probability reaches the tail, alpha the interpolation."""
    pmf = [math.comb(n, k) * target**k * (1 - target) ** (n - k) for k in range(n + 1)]
    cumulative = list(itertools.accumulate(pmf))
    r = next(k for k, c in enumerate(cumulative) if c >= tail)
    alpha = (cumulative[r] - tail) / pmf[r]
    return float(min(Fraction(1), max(Fraction(0), (r - alpha) / n)))


TAILS = {"low95": Fraction(25, 1000), "high95": Fraction(975, 1000), "low998": Fraction(1, 1000), "high998": Fraction(999, 1000)}  # fmt: skip


@pytest.mark.parametrize("target", [Fraction(1, 20), Fraction(1, 4), Fraction(2, 5), Fraction(9, 10)])
@pytest.mark.parametrize("n", [1, 2, 5, 10, 23, 60, 150])
def test_funnel_limits__agree_with_exact_rational_arithmetic(target: Fraction, n: int) -> None:
    limits = stats.funnel_limits(float(target), n)
    for name, tail in TAILS.items():
        assert getattr(limits, name) == pytest.approx(_exact_limit(target, n, tail), abs=1e-12), name


@pytest.mark.parametrize("target", [0.003, 0.05, 0.31, 0.5, 0.86, 0.998])
@pytest.mark.parametrize("n", [7, 40, 999, 12_000, 250_000])
def test_funnel_limits__agree_with_scipy_binomial_quantiles(target: float, n: int) -> None:
    """scipy.stats.binom.ppf and .cdf, R's qbinom and pbinom, are what analysts would check the limits with."""
    limits = stats.funnel_limits(target, n)
    for name, tail in TAILS.items():
        r = binom.ppf(float(tail), n, target)
        at, below = binom.cdf(r, n, target), binom.cdf(r - 1, n, target)
        expected = min(1.0, max(0.0, (r - (at - float(tail)) / (at - below)) / n))
        assert getattr(limits, name) == pytest.approx(expected, abs=1e-9), name


def test_funnel__5_percent_target_10_people__3_of_10_is_not_beyond_99_8() -> None:
    """The 99.9% binomial quantile of 10 people at 5% is 4: the upper 99.8% limit is (4 - alpha) / 10 = 0.303,
    where the normal approximation put it at 0.263 and flagged 3 of 10."""
    limits = stats.funnel_limits(0.05, 10)
    assert limits.high998 == pytest.approx(0.30295, abs=1e-5)
    assert stats.funnel_position(0.3, limits) == "above 95%"
    assert stats.funnel_position(0.31, limits) == "above 99.8%"
    assert (limits.low95, limits.low998) == (0.0, 0.0)


def test_funnel_position__each_zone() -> None:
    limits = stats.FunnelLimits(0.4, low95=0.3, high95=0.5, low998=0.2, high998=0.6)
    found = [stats.funnel_position(rate, limits) for rate in (0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7)]
    assert found == [
        "below 99.8%", "below 95%", "below 95%", "within limits", "within limits", "within limits",
        "above 95%", "above 95%", "above 99.8%",
    ]  # fmt: skip


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_funnel_limits__target_0_or_1__limits_at_the_target(target: float) -> None:
    assert vars(stats.funnel_limits(target, 30)) == dict.fromkeys(("target", *TAILS), target)


def test_funnel_curve__from_the_smallest_denominator__every_one_when_few() -> None:
    curve = stats.funnel_curve(0.4, 3, 40)
    assert [n for n, _ in curve] == list(range(3, 41))
    wide = stats.funnel_curve(0.4, 3, 40_000, points=200)
    sizes = [n for n, _ in wide]
    assert (sizes[0], sizes[-1]) == (3, 40_000) and len(sizes) <= 200 and sizes == sorted(set(sizes))


def test_funnel__target_is_pooled_proportion() -> None:
    assert stats.funnel_target([10, 30], [50, 50]) == pytest.approx(0.4)
    assert stats.funnel_target(np.array([1, 2]), np.array([4, 4])) == pytest.approx(0.375)


# --- bad numbers are refused ---------------------------------------------------------------------------------

BAD = [
    (float("nan"), "value 2 is not a number \\(NaN\\)"),
    (float("inf"), "value 2 is infinite"),
    (-float("inf"), "value 2 is infinite"),
    (None, "value 2 \\(None\\) is not a number"),
    ("7", "value 2 \\('7'\\) is not a number"),
    (True, "value 2 \\(True\\) is not a number"),
]


@pytest.mark.parametrize(("bad", "message"), BAD)
def test_every_function__nan_infinity_none_or_text__refused_naming_the_value(bad: object, message: str) -> None:
    good = [1.0, 2.0, 4.0, 3.0, 5.0]
    series = [1.0, bad, 4.0, 3.0, 5.0]
    for call in (
        lambda: stats.pearson(series, good),
        lambda: stats.pearson(good, series),
        lambda: stats.least_squares(series, good),
        lambda: stats.xmr(series),
        lambda: stats.xmr(np.array(series, dtype=object)),
        lambda: stats.funnel_target(series, [9] * 5),
    ):
        with pytest.raises(stats.StatsError, match=message):
            call()


def test_pearson__nan__not_r_equal_1() -> None:
    """The clamp to [-1, 1] once turned NaN into r = 1 with the interval (1, 1)."""
    with pytest.raises(stats.StatsError, match="x: value 1 is not a number"):
        stats.pearson([float("nan"), 2, 3, 4], [1, 2, 3, 5])


@pytest.mark.parametrize(
    ("events", "totals", "message"),
    [
        ([1, 2, 3], [10, 10], "events and totals must pair up; got 3 and 2"),
        ([4, 12], [10, 10], "unit 2: 12 events is more than its total of 10"),
        ([-1, 2], [10, 10], "events: value 1 \\(-1\\) is not a whole number"),
        ([1.5, 2], [10, 10], "events: value 1 \\(1.5\\) is not a whole number"),
        ([0, 0], [0, 0], "at least one unit with a denominator above 0"),
        ("12", [10], "events must be a list of numbers, got str"),
    ],
)
def test_funnel_target__bad_input__refused(events, totals, message: str) -> None:
    with pytest.raises(stats.StatsError, match=message):
        stats.funnel_target(events, totals)


@pytest.mark.parametrize(
    ("target", "n", "message"),
    [
        (0.4, 0, "whole number above 0, got 0"),
        (0.4, 12.5, "whole number above 0, got 12.5"),
        (1.2, 10, "proportion 0-1, got 1.2"),
        (float("nan"), 10, "the target: value 1 is not a number"),
        (0.4, float("inf"), "the denominator: value 1 is infinite"),
        (None, 10, "the target: value 1 \\(None\\) is not a number"),
    ],
)
def test_funnel_limits__bad_input__refused(target, n, message: str) -> None:
    with pytest.raises(stats.StatsError, match=message):
        stats.funnel_limits(target, n)


def test_two_dimensional_array__refused() -> None:
    with pytest.raises(stats.StatsError, match="flat list"):
        stats.xmr(np.ones((3, 2)))


# --- any floats at all: a result that makes sense, or a StatsError ------------------------------------------

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(st.lists(st.tuples(ANY_FLOAT, ANY_FLOAT), max_size=12))
def test_pearson__any_floats__r_within_minus_1_and_1_or_stats_error(pairs: list[tuple[float, float]]) -> None:
    x, y = [a for a, _ in pairs], [b for _, b in pairs]
    try:
        result = stats.pearson(x, y)
    except stats.StatsError as error:
        assert str(error)
        return
    assert all(math.isfinite(v) for v in (*x, *y))
    assert -1 <= result.r <= 1
    if result.low is not None:
        assert -1 <= result.low <= result.r <= result.high <= 1


@SETTINGS
@given(st.lists(ANY_FLOAT, max_size=12), st.lists(ANY_FLOAT, max_size=12))
def test_least_squares__any_floats__finite_line_or_stats_error(x: list[float], y: list[float]) -> None:
    try:
        line = stats.least_squares(x, y)
    except stats.StatsError as error:
        assert str(error)
        return
    assert len(x) == len(y) and all(math.isfinite(v) for v in (*x, *y))
    assert math.isfinite(line.slope) and math.isfinite(line.intercept)


@SETTINGS
@given(st.lists(ANY_FLOAT, max_size=25))
def test_xmr__any_floats__ordered_finite_limits_or_stats_error(values: list[float]) -> None:
    try:
        chart = stats.xmr(values)
    except stats.StatsError as error:
        assert str(error)
        return
    assert len(values) >= 2 and all(math.isfinite(v) for v in values)
    assert math.isfinite(chart.lower) and chart.lower <= chart.mean <= chart.upper and math.isfinite(chart.upper)
    assert len(chart.special_cause) == len(values) and len(chart.screened) == len(values) - 1


@SETTINGS
@given(st.lists(FINITE.filter(lambda v: abs(v) < 1e6), min_size=2, max_size=25))
def test_xmr__numpy_input__same_chart_as_the_list(values: list[float]) -> None:
    assert stats.xmr(np.array(values)) == stats.xmr(values)


@SETTINGS
@given(st.lists(st.tuples(ANY_FLOAT, ANY_FLOAT), max_size=8))
def test_funnel_target__any_floats__a_proportion_or_stats_error(units: list[tuple[float, float]]) -> None:
    try:
        target = stats.funnel_target([e for e, _ in units], [n for _, n in units])
    except stats.StatsError as error:
        assert str(error)
        return
    assert 0 <= target <= 1


@SETTINGS
@given(st.floats(0, 1), st.integers(1, 5_000))
def test_funnel_limits__any_target_and_size__ordered_within_0_and_1(target: float, n: int) -> None:
    limits = stats.funnel_limits(target, n)
    assert 0 <= limits.low998 <= limits.low95 <= limits.high95 <= limits.high998 <= 1


# --- XmR limits fixed on a baseline ------------------------------------------------------------------------------


def test_xmr__baseline__limits_from_the_first_points__every_point_judged_against_them() -> None:
    """As NHSRplotthedots's fix_after_n_points: the mean and moving ranges of the first 12 points only."""
    values = [*RNORM_123[:12], 3.0, 3.2, 2.9, 3.1, 3.0, 2.8, 3.3, 3.1]  # a shift up after the baseline
    fixed = stats.xmr(values, baseline=12)
    first = stats.xmr(values[:12])
    assert (fixed.mean, fixed.lower, fixed.upper) == (first.mean, first.lower, first.upper)
    assert fixed.baseline == 12 and fixed.screened[11:] == [False] * 8
    assert all(fixed.special_cause[12:])  # the shift is judged against the baseline's limits
    assert stats.xmr(values).mean > fixed.mean + 0.9  # without a baseline the shift drags the mean up with it


def test_xmr__baseline_as_long_as_the_series__no_baseline() -> None:
    values = RNORM_123[:14]
    assert stats.xmr(values, baseline=20) == stats.xmr(values)
    assert stats.xmr(values, baseline=20).baseline is None


@pytest.mark.parametrize("baseline", [11, 0, -12, 12.0, True, "12"])
def test_xmr__baseline_under_12_or_not_whole__refused(baseline: object) -> None:
    with pytest.raises(stats.StatsError, match="a baseline is a whole number of points from 12"):
        stats.xmr(RNORM_123, baseline=baseline)  # type: ignore[arg-type]


# --- XmR rebased at a recorded change -----------------------------------------------------------------------------


def test_xmr__rebase__each_period_its_own_chart__the_range_across_the_rebase_in_neither() -> None:
    """As NHSRplotthedots's rebase: the limits, screening and rules of each period are those of the period alone."""
    before, after = [30.0, 31.5, 29.0, 30.5, 32.0, 29.5, 31.0], [40.0, 41.0, 39.5, 42.0, 40.5, 41.5]
    chart = stats.xmr([*before, *after], rebase_at=[7])
    alone = [stats.xmr(before), stats.xmr(after)]
    assert [(p.start, p.end) for p in chart.periods] == [(0, 7), (7, 13)]
    assert [(p.mean, p.lower, p.upper) for p in chart.periods] == [(a.mean, a.lower, a.upper) for a in alone]
    assert (chart.mean, chart.upper) == (alone[1].mean, alone[1].upper)  # the fields are the last period's
    assert chart.special_cause == alone[0].special_cause + alone[1].special_cause
    assert chart.moving_ranges == [*alone[0].moving_ranges, None, *alone[1].moving_ranges]
    assert chart.screened == [*alone[0].screened, False, *alone[1].screened]
    unrebased = stats.xmr([*before, *after]).special_cause
    assert not any(chart.special_cause[7:]) and sum(unrebased[7:]) >= 5  # the new level is ordinary once rebased


def test_xmr__rebase_and_baseline__the_baseline_within_each_period() -> None:
    values = [float(v) for v in [*range(20), *range(100, 114)]]
    chart = stats.xmr(values, rebase_at=[20], baseline=12)
    assert [p.baseline for p in chart.periods] == [12, 12]
    assert chart.periods[1].mean == sum(range(100, 112)) / 12


@pytest.mark.parametrize(
    ("rebase_at", "message"),
    [
        ([1], "at least 2 points in each period"),
        ([12], "of 13"),
        ([4, 5], "at least 2 points apart"),
        ([2.0], "2.0"),
        ([True], "True"),
    ],
)
def test_xmr__rebase_leaving_a_period_under_2_points__refused(rebase_at, message: str) -> None:
    with pytest.raises(stats.StatsError, match=re.escape(message)):
        stats.xmr([float(v) for v in range(13)], rebase_at=rebase_at)
