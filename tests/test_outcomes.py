"""Outcome figures: impossible values refused by field; derived rates by their definitions."""

from __future__ import annotations

from datetime import date

import pytest

from fidelity import outcomes

GOOD = {
    "specialist_fte": 2.5,
    "active_caseload": 50,
    "referrals": 30,
    "starts": 25,
    "out_of_work": 40,
    "in_work": 8,
    "out_of_work_job_starts": 16,
    "in_work_job_starts": 2,
    "total_job_starts": 19,
    "retention_successes": 5,
    "sustained_13_weeks": 9,
    "sustained_26_weeks": 6,
    "employer_contacts": 120,
}


def test_rates__definitions() -> None:
    rates = outcomes.rates(outcomes.OutcomeFigures(**GOOD))
    assert rates.employment_rate == pytest.approx(16 / 40)  # in-work clients and their new jobs left out
    assert rates.job_start_rate == pytest.approx((16 + 2) / 25)  # everyone with a first job start
    assert rates.sustained_rate == pytest.approx(6 / 25)
    assert rates.caseload_per_fte == pytest.approx(20)


def test_rates__no_denominator__none() -> None:
    empty = outcomes.OutcomeFigures(**dict.fromkeys(GOOD, 0))
    assert outcomes.rates(empty) == outcomes.Rates(None, None, None, None)


def test_problems__consistent_quarter__none() -> None:
    assert outcomes.problems(GOOD) == {}


def test_rates__in_work_clients_new_jobs__never_raise_the_employment_rate() -> None:
    """The employment rate's numerator is its own field: however many in-work clients change jobs, it stays."""
    busy = outcomes.OutcomeFigures(**GOOD | {"in_work_job_starts": 8, "total_job_starts": 24})
    assert outcomes.problems(GOOD | {"in_work_job_starts": 8, "total_job_starts": 24}) == {}
    assert outcomes.rates(busy).employment_rate == outcomes.rates(outcomes.OutcomeFigures(**GOOD)).employment_rate
    assert busy.people_into_work == 24


def test_problems__job_start_fields_at_their_limits__accepted() -> None:
    edge = GOOD | {"out_of_work_job_starts": 40, "in_work_job_starts": 8, "total_job_starts": 48}
    assert outcomes.problems(edge) == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"referrals": -1}, "referrals", "-1 cannot be negative"),
        ({"starts": 2.5}, "starts", "2.5 must be a whole number of people"),
        ({"in_work": "lots"}, "in_work", "'lots' is not a number"),
        ({"employer_contacts": ""}, "employer_contacts", "is empty"),
        (
            {"out_of_work_job_starts": 41, "total_job_starts": 45},
            "out_of_work_job_starts",
            "is more than the out-of-work clients",
        ),
        ({"in_work_job_starts": 9, "total_job_starts": 25}, "in_work_job_starts", "is more than the in-work clients"),
        (
            {"total_job_starts": 17},
            "total_job_starts",
            "is fewer than the people with a first job start (out-of-work and in-work together)",
        ),
        ({"retention_successes": 9}, "retention_successes", "is more than the in-work clients"),
        ({"sustained_26_weeks": 10}, "sustained_26_weeks", "is more than the outcomes sustained at 13 weeks"),
        ({"out_of_work": 45}, "active_caseload", "is smaller than out-of-work plus in-work clients"),
        ({"specialist_fte": 0}, "specialist_fte", "must be more than 0 when there is a caseload"),
    ],
)
def test_problems__impossible_figure__named_by_field(change: dict, field: str, message: str) -> None:
    assert outcomes.problems(GOOD | change) == {field: message}


@pytest.mark.parametrize(("text", "start"), [("2024-Q1", date(2024, 1, 1)), ("2025-Q4", date(2025, 10, 1))])
def test_quarter_start__valid(text: str, start: date) -> None:
    assert outcomes.quarter_start(text) == start


@pytest.mark.parametrize("text", ["2024-Q5", "2024Q1", "Q1 2024", ""])
def test_quarter_start__invalid__refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a quarter like 2024-Q2"):
        outcomes.quarter_start(text)


def test_chart_events__reviews_and_actions_done_by_quarter__one_label_each() -> None:
    events = outcomes.chart_events(
        [(date(2025, 5, 2), 104, "Good"), (date(2024, 11, 30), 88, "Fair"), (date(2025, 6, 30), None, None)],
        [date(2025, 4, 1), date(2025, 6, 30), date(2025, 7, 1)],
    )
    assert events == [
        outcomes.ChartEvent("2024-Q4", "Review 88", "Review 88 (Fair)"),
        outcomes.ChartEvent("2025-Q2", "Review 104, Review, 2 done", "Review 104 (Good); Review; 2 actions done"),
        outcomes.ChartEvent("2025-Q3", "1 done", "1 action done"),
    ]
    assert outcomes.chart_events([], []) == []
