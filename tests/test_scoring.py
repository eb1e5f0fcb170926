"""Pure scoring: every threshold boundary of domain.md sections 1.2 and 7.4, plus totals and profiles."""

from __future__ import annotations

import pytest

from fidelity import scoring
from fidelity.scales import Scale

from .conftest import all_items


@pytest.mark.parametrize("scale_id", ["ips-25", "ipspc"])
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (25, "Not IPS"),
        (73, "Not IPS"),
        (74, "Fair"),
        (99, "Fair"),
        (100, "Good"),
        (114, "Good"),
        (115, "Exemplary"),
        (125, "Exemplary"),
    ],
)
def test_fidelity_band__boundary_totals__maps_to_band(
    scales: dict[str, Scale], scale_id: str, total: int, band: str
) -> None:
    assert scoring.fidelity_band(scales[scale_id], total).label == band


@pytest.mark.parametrize("total", [24, 126, 0])
def test_fidelity_band__outside_25_to_125__refused(ips25: Scale, total: int) -> None:
    with pytest.raises(scoring.ScoringError, match=f"total {total} is outside 25-125"):
        scoring.fidelity_band(ips25, total)


def _metric(scale: Scale, number: int, value: float, **kw: float) -> int:
    return scoring.suggested_score_from_metric(scale.item(number), value, **kw)


@pytest.mark.parametrize(
    ("ratio", "score"),
    [
        (0, 5),
        (12, 5),
        (20.0, 5),
        (20.5, 4),
        (21, 4),
        (25, 4),
        (25.1, 3),
        (26, 3),
        (30, 3),
        (31, 2),
        (40, 2),
        (40.5, 1),
        (41, 1),
        (80, 1),
    ],
)
def test_item1_caseload__ratio__score(ips25: Scale, ratio: float, score: int) -> None:
    """A ratio above a whole number falls in the band above it (20.5 scores 4)."""
    assert _metric(ips25, 1, ratio) == score


@pytest.mark.parametrize(
    ("percent", "score"),
    [(100, 5), (96, 5), (95.9, 4), (90, 4), (89.9, 3), (75, 3), (74, 2), (60, 2), (59.9, 1), (0, 1)],
)
def test_item2_employment_staff__percent__score(ips25: Scale, percent: float, score: int) -> None:
    assert _metric(ips25, 2, percent) == score


@pytest.mark.parametrize(
    ("days", "score"), [(0, 5), (30, 5), (31, 4), (60, 4), (61, 3), (150, 3), (151, 2), (270, 2), (271, 1), (400, 1)]
)
def test_item15_rapid_job_search__mean_days__score(ips25: Scale, days: float, score: int) -> None:
    assert _metric(ips25, 15, days) == score


@pytest.mark.parametrize(
    ("percent", "score"), [(90, 5), (89, 4), (75, 4), (74, 3), (50, 3), (49, 2), (25, 2), (24.9, 1)]
)
def test_item16_individualised_search__percent__score(ips25: Scale, percent: float, score: int) -> None:
    assert _metric(ips25, 16, percent) == score


@pytest.mark.parametrize(
    ("contacts", "score"), [(7, 5), (6, 5), (5.9, 4), (5, 4), (4, 3), (3, 2), (2, 2), (1.9, 1), (0, 1)]
)
def test_item17_employer_contacts__per_week__score(ips25: Scale, contacts: float, score: int) -> None:
    """3 contacts a week sits between the anchors for 2 and 4: it scores 2."""
    assert _metric(ips25, 17, contacts) == score


@pytest.mark.parametrize("number", [19, 20])
@pytest.mark.parametrize(
    ("percent", "score"), [(85, 5), (84, 4), (70, 4), (69, 3), (60, 3), (59, 2), (50, 2), (49.9, 1)]
)
def test_items19_20_diversity__percent__score(ips25: Scale, number: int, percent: float, score: int) -> None:
    assert _metric(ips25, number, percent) == score


@pytest.mark.parametrize(
    ("percent", "score"),
    [(100, 5), (95, 5), (94.9, 4), (85, 4), (84, 3), (75, 3), (74, 2), (65, 2), (64.9, 1), (64, 1), (10, 1)],
)
def test_item21_competitive_jobs__percent__score(ips25: Scale, percent: float, score: int) -> None:
    """The published bands leave 64-65% undefined; anything under 65% scores 1."""
    assert _metric(ips25, 21, percent, denominator=20) == score


@pytest.mark.parametrize(("jobs", "score"), [(9, 1), (9.5, 1), (10, 5)])
def test_item21_competitive_jobs__fewer_than_10_jobs__scores_1(ips25: Scale, jobs: float, score: int) -> None:
    assert _metric(ips25, 21, 100, denominator=jobs) == score


@pytest.mark.parametrize(
    ("percent", "score"), [(65, 5), (64, 4), (50, 4), (49, 3), (40, 3), (39, 2), (30.1, 2), (30, 1), (29, 1)]
)
def test_item24_community_based__percent__score(ips25: Scale, percent: float, score: int) -> None:
    """The published bands both include 30%; exactly 30% scores 1."""
    assert _metric(ips25, 24, percent) == score


def test_metric__negative_value__refused(ips25: Scale) -> None:
    with pytest.raises(scoring.ScoringError, match="cannot be negative"):
        _metric(ips25, 1, -1)


def test_metric__item_without_metric__refused(ips25: Scale) -> None:
    with pytest.raises(scoring.ScoringError, match=r"item 3 .* has no metric"):
        _metric(ips25, 3, 10)


def test_metric_value__calculator__ratio_and_percent(ips25: Scale) -> None:
    assert scoring.metric_value(ips25.item(1).metric.calculator, 41, 2) == 20.5
    assert scoring.metric_value(ips25.item(2).metric.calculator, 36, 37.5) == pytest.approx(96.0)


def test_metric_value__zero_denominator__names_the_input(ips25: Scale) -> None:
    with pytest.raises(
        scoring.ScoringError, match=r"Employment specialist full-time equivalents \(FTE\): must be more than 0"
    ):
        scoring.metric_value(ips25.item(1).metric.calculator, 20, 0)


@pytest.mark.parametrize("number", [5, 8, 10, 11])
@pytest.mark.parametrize(("ticked", "score"), [(0, 1), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)])
def test_checklist_five_elements__count__score(ips25: Scale, number: int, ticked: int, score: int) -> None:
    assert scoring.suggested_score_from_checklist(ips25.item(number), ticked) == score


@pytest.mark.parametrize(("ticked", "score"), [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)])
def test_item13_disclosure__count__score(ips25: Scale, ticked: int, score: int) -> None:
    assert scoring.suggested_score_from_checklist(ips25.item(13), ticked) == score


@pytest.mark.parametrize(("ticked", "score"), [(0, 1), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5)])
def test_item25_engagement__count__score(ips25: Scale, ticked: int, score: int) -> None:
    assert scoring.suggested_score_from_checklist(ips25.item(25), ticked) == score


@pytest.mark.parametrize("ticked", [-1, 6])
def test_checklist__count_out_of_range__refused(ips25: Scale, ticked: int) -> None:
    with pytest.raises(scoring.ScoringError, match="ticked must be 0-5"):
        scoring.suggested_score_from_checklist(ips25.item(5), ticked)


def test_total_and_sections__mixed_scores__add_up(ips25: Scale) -> None:
    ratings = {n: (n % 5) + 1 for n in range(1, 26)}
    assert scoring.total_score(ips25, ratings) == 75
    assert scoring.section_subtotals(ips25, ratings) == {
        "Staffing": 2 + 3 + 4,
        "Organization": 5 + 1 + 2 + 3 + 4 + 5 + 1 + 2,
        "Services": 75 - 9 - 23,
    }


def test_section_subtotals__nothing_scored__zero_per_section(ips25: Scale) -> None:
    assert scoring.section_subtotals(ips25, {}) == {"Staffing": 0, "Organization": 0, "Services": 0}


def test_principle_profile__means_of_items_serving_each_principle(ips25: Scale) -> None:
    ratings = all_items(3) | {15: 5, 24: 1, 9: 5, 25: 4}
    profile = scoring.principle_profile(ips25, ratings)
    assert profile["Rapid job search"] == 3.0  # items 15 (5) and 24 (1)
    assert profile["Zero exclusion"] == 4.5  # items 9 (5) and 25 (4)
    assert profile["Benefits planning"] == 3.0
    assert len(profile) == 8


def test_principle_profile__unscored_principle__none(ips25: Scale) -> None:
    assert scoring.principle_profile(ips25, {1: 5})["Rapid job search"] is None


@pytest.mark.parametrize("bad", [0, 6, 3.5, "3", True, None])
def test_total__score_not_whole_1_to_5__refused(ips25: Scale, bad: object) -> None:
    with pytest.raises(scoring.ScoringError, match="item 4: must be a whole number from 1 to 5"):
        scoring.total_score(ips25, {4: bad})


def test_total__unknown_item__refused(ips25: Scale) -> None:
    with pytest.raises(scoring.ScoringError, match="item 26: ips-25 has items 1-25"):
        scoring.total_score(ips25, {26: 3})


def test_completeness__partial__counts_scored(ips25: Scale) -> None:
    done = scoring.completeness(ips25, {1: 3, 2: 4})
    assert (done.scored, done.of, done.complete) == (2, 25, False)
    assert scoring.completeness(ips25, all_items()).complete


def test_summarise__incomplete__no_band(ips25: Scale) -> None:
    assert scoring.summarise(ips25, {1: 5}).band is None
    assert scoring.summarise(ips25, all_items(4)).band.label == "Good"


def test_reachable_bands__partial_review__range_of_bands(ips25: Scale) -> None:
    low, high = scoring.reachable_bands(ips25, dict.fromkeys(range(1, 21), 5))  # 100 points, 5 unscored
    assert (low.label, high.label) == ("Good", "Exemplary")
    low, high = scoring.reachable_bands(ips25, all_items(4))
    assert low == high and low.label == "Good"


def test_change_since__both_complete__total_and_items(ips25: Scale) -> None:
    change = scoring.change_since(ips25, all_items(4) | {1: 5}, all_items(3))
    assert change.total == 26
    assert change.items[1] == 2 and change.items[2] == 1


def test_change_since__previous_incomplete__items_only(ips25: Scale) -> None:
    change = scoring.change_since(ips25, all_items(4), {1: 2})
    assert change.total is None and change.items == {1: 2}
