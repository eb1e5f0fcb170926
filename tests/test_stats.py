"""Statistics against reference values: by hand, from NumPy, and from the Making Data Count rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

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
    """Mean 42.5, moving ranges 1,2,1,1,2,1,20 -> 4, upper limit 42.5 + 10.64: 60 is beyond it,
    and the seven points before it are all below the mean, a run in its own right."""
    chart = stats.xmr([40, 41, 39, 40, 41, 39, 40, 60])
    assert chart.upper == pytest.approx(53.14)
    assert chart.reasons[7] == ["beyond a process limit"]
    assert all(r == ["7 or more in a row below the mean"] for r in chart.reasons[:7])


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


def test_funnel__known_values() -> None:
    """p = 0.4, n = 100: se = 0.04899; 95% +/- 0.0960; 99.8% +/- 0.1514."""
    limits = stats.funnel_limits(0.4, 100)
    assert (limits.low95, limits.high95) == (pytest.approx(0.30398, abs=1e-4), pytest.approx(0.49602, abs=1e-4))
    assert (limits.low998, limits.high998) == (pytest.approx(0.24861, abs=1e-4), pytest.approx(0.55139, abs=1e-4))


def test_funnel__small_unit__limits_clipped_to_0_and_1() -> None:
    limits = stats.funnel_limits(0.1, 4)
    assert limits.low95 == 0.0 and limits.low998 == 0.0 and limits.high998 < 1


def test_funnel__target_is_pooled_proportion() -> None:
    assert stats.funnel_target([10, 30], [50, 50]) == pytest.approx(0.4)
    with pytest.raises(stats.StatsError):
        stats.funnel_limits(0.4, 0)
