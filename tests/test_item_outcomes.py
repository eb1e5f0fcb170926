"""Items and outcomes: rank correlations against scipy, Fisher-z intervals by hand, Benjamini-Hochberg against
scipy, principles as the mean of their items, and groups with nothing to estimate said so."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest
from scipy import stats as reference

from fidelity import stats
from fidelity.item_outcomes import ServicePoint, associations


def _points(seed: int = 7, n: int = 30) -> list[ServicePoint]:
    rng = random.Random(seed)
    points = []
    for i in range(n):
        scores = {item: rng.randint(1, 5) for item in range(1, 6)}
        rate = 0.2 + 0.06 * scores[1] + rng.gauss(0, 0.05)  # item 1 goes with the rate; the others do not
        points.append(ServicePoint(f"S{i}", date(2025, 1, 1), scores | {6: 3}, rate, 40))
    return points


def test_spearman__mid_ranks_as_scipy__interval_and_p_from_fisher_z_by_hand() -> None:
    x, y = [1, 2, 2, 3, 4, 5, 5, 5, 3, 1], [0.1, 0.3, 0.2, 0.35, 0.5, 0.45, 0.6, 0.4, 0.3, 0.2]
    found = stats.spearman(x, y)
    assert found.rho == pytest.approx(reference.spearmanr(x, y).statistic)
    z, se = math.atanh(found.rho), math.sqrt(1.06 / 7)
    assert (found.low, found.high) == (
        pytest.approx(math.tanh(z - 1.959964 * se)),
        pytest.approx(math.tanh(z + 1.959964 * se)),
    )
    assert found.p == pytest.approx(2 * (1 - reference.norm.cdf(abs(z) / se)))
    assert stats.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2]


def test_spearman__fewer_than_4_pairs_or_nan__refused() -> None:
    with pytest.raises(stats.StatsError, match="at least 4 pairs"):
        stats.spearman([1, 2, 3], [1, 2, 3])
    with pytest.raises(stats.StatsError, match="not a number"):
        stats.spearman([1, 2, 3, float("nan")], [1, 2, 3, 4])


def test_false_discovery_rate__as_scipy_benjamini_hochberg() -> None:
    ps = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.222, 0.251, 0.269, 0.275, 0.34]
    assert stats.false_discovery_rate(ps) == pytest.approx(list(reference.false_discovery_control(ps, method="bh")))
    with pytest.raises(stats.StatsError, match="between 0 and 1"):
        stats.false_discovery_rate([0.2, 1.5])


def test_associations__strongest_first__q_over_the_groups_tested__no_spread_said_so() -> None:
    points = _points()
    rows = associations(points, {f"item {i}": [i] for i in range(1, 7)})
    assert rows[0]["what"] == "item 1" and rows[0]["significant"]
    rho = reference.spearmanr([p.scores[1] for p in points], [p.rate for p in points]).statistic
    assert rows[0]["rho"] == pytest.approx(rho) and rows[0]["n"] == 30
    estimated = [r for r in rows if r["rho"] is not None]
    qs = reference.false_discovery_control([r["p"] for r in estimated], method="bh")
    assert [r["q"] for r in estimated] == pytest.approx(list(qs))
    assert rows[-1]["what"] == "item 6" and rows[-1]["rho"] is None  # every service scored it 3
    assert "all x or all y values are the same" in rows[-1]["why none"] and rows[-1]["q"] is None


def test_associations__principle_is_the_mean_of_its_items() -> None:
    points = _points()
    (row,) = associations(points, {"P": [1, 2]})
    means = [(p.scores[1] + p.scores[2]) / 2 for p in points]
    assert row["rho"] == pytest.approx(reference.spearmanr(means, [p.rate for p in points]).statistic)
