"""Reviewer calibration: agreement with the other reviewer and with the agreed scores, signed differences per
item and principle, and the drift flag at its limit."""

from __future__ import annotations

from datetime import date

import pytest

from fidelity import agreement, calibration
from fidelity.calibration import TwoReviewerScores


def _review(review_id: int, lead: dict[int, int], second: dict[int, int], agreed: dict[int, int], *,
            lead_name: str = "Ann", second_name: str = "Bo", day: int = 1) -> TwoReviewerScores:  # fmt: skip
    return TwoReviewerScores(
        review_id, f"S{review_id}", date(2025, 1, day), lead_name, second_name, lead, second, agreed
    )


ONE = _review(1, {1: 3, 2: 4, 3: 5, 4: 2}, {1: 3, 2: 3, 3: 3, 4: 2}, {1: 3, 2: 4, 3: 4, 4: 2})


def test_per_review__each_reviewer_against_the_other_and_the_agreed_scores() -> None:
    ann, bo = calibration.per_review([ONE])
    assert (ann.reviewer, ann.role, ann.other, bo.reviewer) == ("Ann", "lead", "Bo", "Bo")
    assert ann.exact_with_other == bo.exact_with_other == 0.5  # items 1 and 4
    assert ann.within_one_with_other == 0.75  # item 3: 5 against 3
    assert ann.kappa_with_other == pytest.approx(agreement.quadratic_weighted_kappa(ONE.lead_scores, ONE.second_scores))
    assert (ann.exact_with_agreed, bo.exact_with_agreed) == (0.75, 0.5)
    assert ann.differences == {1: 0, 2: 0, 3: 1, 4: 0} and ann.mean_difference == 0.25
    assert bo.differences == {1: 0, 2: -1, 3: -1, 4: 0} and bo.mean_difference == -0.5


def test_summarise__pooled_over_every_item_of_every_review() -> None:
    two = _review(2, {1: 4, 2: 4}, {1: 4, 2: 2}, {1: 4, 2: 3}, day=2)
    (ann, bo) = calibration.summarise([ONE, two])
    assert (ann.reviews, ann.items) == (2, 6)
    assert ann.exact_with_other == pytest.approx(3 / 6)  # items 1 and 4 of review 1, item 1 of review 2
    assert ann.exact_with_agreed == pytest.approx(4 / 6)
    assert ann.mean_difference == pytest.approx((1 + 1) / 6)
    pooled = agreement.quadratic_weighted_kappa(
        {0: 3, 1: 4, 2: 5, 3: 2, 4: 4, 5: 4}, {0: 3, 1: 4, 2: 4, 3: 2, 4: 4, 5: 3}
    )
    assert ann.kappa_with_agreed == pytest.approx(pooled)
    assert bo.mean_difference == pytest.approx((-1 - 1 - 1) / 6)


def test_summarise__drift_over_the_latest_reviews__past_the_limit_only() -> None:
    """Bo scores 1 low on every item in the latest two reviews (and exactly on the limit in the one before)."""
    exact = [_review(i, {1: 3, 2: 3}, {1: 3, 2: 3}, {1: 3, 2: 3}, day=i) for i in range(1, 4)]
    low = [_review(i, {1: 3, 2: 3}, {1: 2, 2: 2}, {1: 3, 2: 3}, day=i) for i in range(4, 6)]
    summaries = {s.reviewer: s for s in calibration.summarise([*exact, *low], drift_points=0.5, recent=2)}
    assert summaries["Bo"].recent_mean_difference == -1 and summaries["Bo"].drifting
    assert summaries["Bo"].recent_reviews == 2 and not summaries["Ann"].drifting
    half = calibration.summarise([*exact, *low], drift_points=0.5, recent=4)
    assert {s.reviewer: s.recent_mean_difference for s in half}["Bo"] == -0.5
    assert not {s.reviewer: s.drifting for s in half}["Bo"]  # exactly at the limit is not past it


def test_per_review__nothing_scored_in_common__left_out() -> None:
    assert calibration.per_review([_review(1, {1: 3}, {2: 3}, {1: 3, 2: 3})]) == []
    only_agreed = calibration.per_review([_review(1, {1: 3}, {1: 4}, {2: 3})])  # nothing agreed in common
    assert only_agreed == []


def test_differences_by__principle__mean_and_n() -> None:
    rows = calibration.per_review([ONE])
    by_principle = calibration.differences_by(rows, {1: ["P1"], 2: ["P1", "P2"], 3: ["P2"], 4: ["P2"]})
    assert by_principle == [
        {"reviewer": "Ann", "group": "P1", "mean difference": 0, "n": 2},
        {"reviewer": "Ann", "group": "P2", "mean difference": pytest.approx(1 / 3), "n": 3},  # item 2 in both
        {"reviewer": "Bo", "group": "P1", "mean difference": -0.5, "n": 2},
        {"reviewer": "Bo", "group": "P2", "mean difference": pytest.approx(-2 / 3), "n": 3},
    ]


def test_score_table_from_lists__any_order__same_as_from_mappings() -> None:
    heads = [calibration.TwoReviewers(1, "S1", date(2025, 1, 1), "Ann", "Bo"), calibration.TwoReviewers(2, "S2", date(2025, 1, 2), "Ann", "Bo")]  # fmt: skip
    listed = calibration.ScoreTable.from_lists(
        heads,
        [(1, "second", "4:2,1:3,2:3,3:3"), (1, "agreed", "1:3,2:4,3:4,4:2"), (1, "lead", "3:5,1:3,2:4,4:2"),
         (9, "lead", "1:1"), (2, "lead", "")],  # a review not listed, and nothing scored, are passed over
    )  # fmt: skip
    assert listed.scores_of(1) == ONE
    assert listed.scores_of(2).lead_scores == {}
    assert calibration.per_review(listed) == calibration.per_review([ONE])


@pytest.mark.parametrize("text", ["1:3,2", "1:x", "1:6", "1:3.5"])
def test_score_table_from_lists__not_item_score_pairs_of_1_to_5__refused(text: str) -> None:
    heads = [calibration.TwoReviewers(1, "S1", date(2025, 1, 1), "Ann", "Bo")]
    with pytest.raises(agreement.AgreementError):
        calibration.ScoreTable.from_lists(heads, [(1, "lead", text)])


def test_agreement_by_quarter__mean_over_each_quarters_reviews__in_order() -> None:
    reviews = [
        _review(1, {1: 3, 2: 3}, {1: 3, 2: 3}, {1: 3, 2: 3}, day=5),  # January: both exact
        _review(2, {1: 3, 2: 3}, {1: 2, 2: 2}, {1: 3, 2: 2}, day=20),  # January: Ann half exact
        TwoReviewerScores(3, "S3", date(2025, 4, 1), "Ann", "Bo", {1: 4}, {1: 4}, {1: 4}),  # April
    ]
    ann = [r for r in calibration.per_review(reviews) if r.reviewer == "Ann"]
    rows = calibration.agreement_by_quarter(reversed(ann))
    assert [(r["quarter"], r["reviews"]) for r in rows] == [("2025-Q1", 2), ("2025-Q2", 1)]
    assert rows[0]["exact with agreed"] == 0.75 and rows[0]["exact with other"] == 0.5
    assert rows[0]["mean difference"] == 0.25 and rows[1]["exact with agreed"] == 1.0
    assert calibration.agreement_by_quarter([]) == []
