"""The programme view's figures: bands, median and quartiles of totals, pooled outcome rates, by quarter."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fidelity import programme
from fidelity.outcomes import quarter_end, quarter_label, quarter_of
from fidelity.programme import NOT_REVIEWED, FinalTotal, QuarterOutcome

BANDS = ["Exemplary", "Good", "Fair", "Not IPS"]


def test_quarter_helpers__boundaries() -> None:
    assert quarter_of(date(2025, 12, 31)) == date(2025, 10, 1)
    assert quarter_end(date(2024, 1, 1)) == date(2024, 3, 31)
    assert quarter_end(date(2025, 10, 1)) == date(2025, 12, 31)
    assert quarter_label(date(2025, 4, 1)) == "2025-Q2"
    quarters = programme.quarters_between(date(2024, 11, 5), date(2025, 8, 1))
    assert [quarter_label(q) for q in quarters] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]


def test_band_shares__latest_review_up_to_each_quarter_end__unreviewed_services_their_own_band() -> None:
    finals = [
        FinalTotal(1, date(2025, 2, 10), 80, "Fair"),
        FinalTotal(1, date(2025, 6, 30), 104, "Good"),  # the quarter's last day counts
        FinalTotal(2, date(2025, 5, 1), 70, "Not IPS"),
    ]
    quarters = [date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)]
    rows = programme.band_shares(finals, quarters, BANDS, services=3)
    table = {(r["quarter"], r["band"]): (r["services"], r["share"]) for r in rows}
    assert table[("2025-Q1", "Fair")] == (1, pytest.approx(1 / 3))
    assert table[("2025-Q1", NOT_REVIEWED)] == (2, pytest.approx(2 / 3))
    assert table[("2025-Q2", "Good")] == (1, pytest.approx(1 / 3)) and table[("2025-Q2", "Fair")][0] == 0
    assert table[("2025-Q2", "Not IPS")] == (1, pytest.approx(1 / 3))
    for quarter in ("2025-Q1", "2025-Q2", "2025-Q3"):
        assert sum(share for (q, _), (_, share) in table.items() if q == quarter) == pytest.approx(1)


def test_total_spread__median_and_quartiles_as_numpy_and_r_type_7() -> None:
    totals = [72, 88, 95, 101, 104, 118, 120]
    finals = [FinalTotal(i, date(2025, 3, 1), t, "x") for i, t in enumerate(totals)]
    (row,) = programme.total_spread(finals, [date(2025, 1, 1)])
    q1, median, q3 = np.percentile(totals, [25, 50, 75])
    assert (row["n"], row["median"], row["q1"], row["q3"]) == (7, median, q1, q3)


def test_total_spread__one_service__its_total_three_times__no_service__no_row() -> None:
    finals = [FinalTotal(1, date(2025, 5, 1), 90, "Fair")]
    rows = programme.total_spread(finals, [date(2025, 1, 1), date(2025, 4, 1)])
    assert rows == [{"quarter": "2025-Q2", "n": 1, "median": 90, "q1": 90, "q3": 90}]


def test_pooled_rates__summed_over_services_before_dividing() -> None:
    rows = programme.pooled_rates(
        [
            QuarterOutcome(1, date(2025, 1, 1), starts=10, people_into_work=5, sustained_26_weeks=2),
            QuarterOutcome(2, date(2025, 1, 1), starts=30, people_into_work=9, sustained_26_weeks=9),
            QuarterOutcome(1, date(2025, 4, 1), starts=0, people_into_work=0, sustained_26_weeks=0),
        ]
    )
    assert rows[0] == {
        "quarter": "2025-Q1",
        "services reporting": 2,
        "starts": 40,
        "job-start rate": pytest.approx(14 / 40),
        "sustained-outcome rate": pytest.approx(11 / 40),
    }
    assert rows[1]["job-start rate"] is None and rows[1]["sustained-outcome rate"] is None
