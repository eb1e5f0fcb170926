"""Reviewer calibration: how each reviewer's independent scores agree with the other reviewer's and with the
agreed (consensus) scores, across their two-reviewer reviews. Pure functions, no I/O.

Agreement is exact, within one point, and quadratic-weighted kappa (fidelity.agreement), pooled over every item
of a reviewer's reviews. The signed difference is the reviewer's score less the agreed one: above 0 they score
high, below 0 low. A reviewer drifts when the mean difference over their latest reviews is further from 0 than a
limit an admin sets (by default 0.5 points per item over the latest 5 reviews).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from fidelity.agreement import CATEGORIES, AgreementError
from fidelity.outcomes import quarter_label, quarter_of

DEFAULT_DRIFT_POINTS = 0.5
DEFAULT_RECENT_REVIEWS = 5


@dataclass(frozen=True)
class TwoReviewers:
    """One final two-reviewer review: where, when and who scored it."""

    review_id: int
    service: str
    visit: date
    lead: str
    second: str


@dataclass(frozen=True)
class TwoReviewerScores(TwoReviewers):
    """One final two-reviewer review with both reviewers' independent scores and the agreed ones."""

    lead_scores: Mapping[int, int]
    second_scores: Mapping[int, int]
    agreed: Mapping[int, int]


@dataclass(frozen=True)
class ReviewerOnReview:
    """One reviewer's agreement on one review."""

    reviewer: str
    role: str  # lead or second
    other: str
    review_id: int
    service: str
    visit: date
    items: int
    exact_with_other: float
    within_one_with_other: float
    kappa_with_other: float | None
    exact_with_agreed: float
    within_one_with_agreed: float
    kappa_with_agreed: float | None
    mean_difference: float  # the reviewer's score less the agreed one, per item
    differences: dict[int, int]  # item -> the reviewer's score less the agreed one, every item both have


ROLES = ("lead", "second", "agreed")


@dataclass(frozen=True)
class ScoreTable:
    """Every review's scores as arrays (a row per review, a column per item; NaN where not scored), so agreement
    over thousands of reviews is a few array operations rather than a loop per review."""

    reviews: list[TwoReviewers]
    items: list[int]
    lead: np.ndarray
    second: np.ndarray
    agreed: np.ndarray

    @classmethod
    def of(cls, reviews: Sequence[TwoReviewerScores]) -> ScoreTable:
        items = sorted({n for r in reviews for scores in (r.lead_scores, r.second_scores, r.agreed) for n in scores})
        column = {n: i for i, n in enumerate(items)}

        def matrix(scores_of: Callable[[TwoReviewerScores], Mapping[int, int]]) -> np.ndarray:
            found = np.full((len(reviews), len(items)), np.nan)
            for row, review in enumerate(reviews):
                scores = scores_of(review)
                found[row, [column[n] for n in scores]] = list(scores.values())
            return found

        return cls._checked(
            list(reviews),
            items,
            matrix(lambda r: r.lead_scores),
            matrix(lambda r: r.second_scores),
            matrix(lambda r: r.agreed),
        )

    @classmethod
    def from_lists(cls, reviews: Sequence[TwoReviewers], scored: Iterable[tuple[int, str, str]]) -> ScoreTable:
        """From each review's scores as the database lists them: (review id, lead / second / agreed,
        "item:score,item:score,..."), a row per review and role, any order. Parsed in one pass, as reading
        450,000 ratings one row each costs seconds."""
        reviews = list(reviews)
        row_of = {r.review_id: i for i, r in enumerate(reviews)}
        rows, roles, texts = [], [], []
        for review_id, role, text in scored:
            if review_id in row_of and text:
                rows.append(row_of[review_id])
                roles.append(ROLES.index(role))
                texts.append(text)
        per_text = [text.count(",") + 1 for text in texts]
        try:
            if any(text.count(":") != pairs for text, pairs in zip(texts, per_text, strict=True)):
                raise ValueError("not item:score pairs")
            pairs = np.array(",".join(texts).replace(":", ",").split(",") if texts else [], np.int64).reshape(-1, 2)
        except ValueError as error:
            raise AgreementError("scores must be listed as item:score pairs of whole numbers") from error
        items = np.unique(pairs[:, 0])
        found = np.full((len(ROLES), len(reviews), len(items)), np.nan)
        at = (np.repeat(np.array(roles, np.intp), per_text), np.repeat(np.array(rows, np.intp), per_text))
        found[(*at, np.searchsorted(items, pairs[:, 0]))] = pairs[:, 1]
        return cls._checked(reviews, items.tolist(), *found)

    @classmethod
    def _checked(cls, reviews: list[TwoReviewers], items: list[int], *scores: np.ndarray) -> ScoreTable:
        for values in scores:
            present = values[~np.isnan(values)]
            if present.size and not (np.isin(present, CATEGORIES)).all():
                raise AgreementError("scores must be whole numbers 1-5")
        return cls(reviews, items, *scores)

    @cached_property
    def row_of(self) -> dict[int, int]:
        return {r.review_id: i for i, r in enumerate(self.reviews)}

    def mine_and_other(self, role: str) -> tuple[np.ndarray, np.ndarray]:
        return (self.lead, self.second) if role == "lead" else (self.second, self.lead)

    def scores_of(self, review_id: int) -> TwoReviewerScores:
        """One review's scores, as mappings of item number to score."""
        at, review = self.row_of[review_id], self.reviews[self.row_of[review_id]]

        def scores(values: np.ndarray) -> dict[int, int]:
            return {n: int(v) for n, v in zip(self.items, values[at].tolist(), strict=True) if not math.isnan(v)}

        return TwoReviewerScores(
            review.review_id,
            review.service,
            review.visit,
            review.lead,
            review.second,
            scores(self.lead),
            scores(self.second),
            scores(self.agreed),
        )


def _agreement(mine: np.ndarray, theirs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row: items scored by both, exact and within-one agreement, and quadratic-weighted kappa from moments
    (as fidelity.agreement; NaN where undefined)."""
    both = ~np.isnan(mine) & ~np.isnan(theirs)
    n = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        difference = np.where(both, mine - theirs, 0.0)
        exact = (both & (difference == 0)).sum(axis=1) / n
        adjacent = (both & (np.abs(difference) <= 1)).sum(axis=1) / n
        mean_mine = np.where(both, mine, 0.0).sum(axis=1) / n
        mean_theirs = np.where(both, theirs, 0.0).sum(axis=1) / n
        spread_mine = np.where(both, (mine - mean_mine[:, None]) ** 2, 0.0).sum(axis=1) / n
        spread_theirs = np.where(both, (theirs - mean_theirs[:, None]) ** 2, 0.0).sum(axis=1) / n
        expected = spread_mine + spread_theirs + (mean_mine - mean_theirs) ** 2
        kappa = np.where(expected > 0, 1 - (difference**2).sum(axis=1) / n / expected, np.nan)
    return n, exact, adjacent, kappa


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def per_review(reviews: ScoreTable | Sequence[TwoReviewerScores]) -> list[ReviewerOnReview]:
    """Two rows per review, one for each reviewer, in date order; a reviewer with nothing scored in common with
    the other reviewer or with the agreed scores has no row for that review."""
    return _per_review(_table(reviews))


def _table(reviews: ScoreTable | Sequence[TwoReviewerScores]) -> ScoreTable:
    return reviews if isinstance(reviews, ScoreTable) else ScoreTable.of(list(reviews))


def _per_review(scores: ScoreTable) -> list[ReviewerOnReview]:
    rows = []
    for role in ("lead", "second"):
        mine, theirs = scores.mine_and_other(role)
        n_other, exact_other, adjacent_other, kappa_other = _agreement(mine, theirs)
        n_agreed, exact_agreed, adjacent_agreed, kappa_agreed = _agreement(mine, scores.agreed)
        differences = (mine - scores.agreed).tolist()
        for i, review in enumerate(scores.reviews):
            if not n_other[i] or not n_agreed[i]:
                continue
            found = {n: int(d) for n, d in zip(scores.items, differences[i], strict=True) if not math.isnan(d)}
            rows.append(
                ReviewerOnReview(
                    reviewer=review.lead if role == "lead" else review.second,
                    role=role,
                    other=review.second if role == "lead" else review.lead,
                    review_id=review.review_id,
                    service=review.service,
                    visit=review.visit,
                    items=int(n_agreed[i]),
                    exact_with_other=float(exact_other[i]),
                    within_one_with_other=float(adjacent_other[i]),
                    kappa_with_other=_number(kappa_other[i]),
                    exact_with_agreed=float(exact_agreed[i]),
                    within_one_with_agreed=float(adjacent_agreed[i]),
                    kappa_with_agreed=_number(kappa_agreed[i]),
                    mean_difference=sum(found.values()) / len(found),
                    differences=found,
                )
            )
    return sorted(rows, key=lambda r: (r.visit, r.review_id, r.role))


@dataclass(frozen=True)
class ReviewerSummary:
    reviewer: str
    reviews: int
    items: int
    exact_with_other: float
    within_one_with_other: float
    kappa_with_other: float | None
    exact_with_agreed: float
    within_one_with_agreed: float
    kappa_with_agreed: float | None
    mean_difference: float
    recent_mean_difference: float  # over the latest `recent` reviews
    recent_reviews: int
    drifting: bool


def _pooled(rows: Sequence[ReviewerOnReview], scores: ScoreTable, *, with_agreed: bool) -> tuple[np.ndarray, ...]:
    """Agreement over every item of the rows' reviews taken together, as one long row."""
    mine, theirs = [], []
    for row in rows:
        own, other = scores.mine_and_other(row.role)
        at = scores.row_of[row.review_id]
        mine.append(own[at])
        theirs.append(scores.agreed[at] if with_agreed else other[at])
    return _agreement(np.concatenate(mine)[None, :], np.concatenate(theirs)[None, :])


def summarise(
    reviews: ScoreTable | Sequence[TwoReviewerScores],
    *,
    drift_points: float = DEFAULT_DRIFT_POINTS,
    recent: int = DEFAULT_RECENT_REVIEWS,
) -> list[ReviewerSummary]:
    """One row per reviewer, by name: pooled agreement with the other reviewer and with the agreed scores, the mean
    signed difference overall and over their latest `recent` reviews, and whether that drifts past the limit."""
    return calibrate(reviews, drift_points=drift_points, recent=recent)[1]


def calibrate(
    reviews: ScoreTable | Sequence[TwoReviewerScores],
    *,
    drift_points: float = DEFAULT_DRIFT_POINTS,
    recent: int = DEFAULT_RECENT_REVIEWS,
) -> tuple[list[ReviewerOnReview], list[ReviewerSummary]]:
    """per_review and summarise together, the reviews' score arrays built once."""
    scores = _table(reviews)
    if not scores.reviews:
        return [], []
    rows = _per_review(scores)
    by_reviewer: dict[str, list[ReviewerOnReview]] = {}
    for row in rows:
        by_reviewer.setdefault(row.reviewer, []).append(row)
    summaries = []
    for reviewer, own in sorted(by_reviewer.items()):
        latest = own[-recent:]
        _, exact_other, adjacent_other, kappa_other = _pooled(own, scores, with_agreed=False)
        items, exact_agreed, adjacent_agreed, kappa_agreed = _pooled(own, scores, with_agreed=True)
        recent_difference = _mean_difference(latest)
        summaries.append(
            ReviewerSummary(
                reviewer=reviewer,
                reviews=len(own),
                items=int(items[0]),
                exact_with_other=float(exact_other[0]),
                within_one_with_other=float(adjacent_other[0]),
                kappa_with_other=_number(kappa_other[0]),
                exact_with_agreed=float(exact_agreed[0]),
                within_one_with_agreed=float(adjacent_agreed[0]),
                kappa_with_agreed=_number(kappa_agreed[0]),
                mean_difference=_mean_difference(own),
                recent_mean_difference=recent_difference,
                recent_reviews=len(latest),
                drifting=abs(recent_difference) > drift_points,
            )
        )
    return rows, summaries


def agreement_by_quarter(rows: Iterable[ReviewerOnReview]) -> list[dict[str, object]]:
    """Each quarter's mean agreement over the rows' reviews visited in it (each review counts once), in order: a
    reviewer's years of reviews as a line a person can read; the reviews behind each quarter are the rows."""
    by_quarter: dict[str, list[ReviewerOnReview]] = {}
    for row in sorted(rows, key=lambda r: r.visit):
        by_quarter.setdefault(quarter_label(quarter_of(row.visit)), []).append(row)
    return [
        {
            "quarter": quarter,
            "reviews": len(found),
            "exact with agreed": statistics.fmean(r.exact_with_agreed for r in found),
            "within one with agreed": statistics.fmean(r.within_one_with_agreed for r in found),
            "exact with other": statistics.fmean(r.exact_with_other for r in found),
            "mean difference": statistics.fmean(r.mean_difference for r in found),
        }
        for quarter, found in by_quarter.items()
    ]


def _mean_difference(rows: Sequence[ReviewerOnReview]) -> float:
    return sum(sum(row.differences.values()) for row in rows) / sum(row.items for row in rows)


def differences_by(rows: Iterable[ReviewerOnReview], groups_of: Mapping[int, Sequence[str]]) -> list[dict[str, object]]:
    """The mean signed difference from the agreed scores per reviewer and group (an item, or each principle an
    item belongs to, as `groups_of` maps item numbers; an item in no group is left out), with how many item
    scores it is over."""
    found: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        for number, difference in row.differences.items():
            for group in groups_of.get(number, ()):
                found.setdefault((row.reviewer, group), []).append(difference)
    return [
        {"reviewer": reviewer, "group": group, "mean difference": statistics.fmean(values), "n": len(values)}
        for (reviewer, group), values in sorted(found.items())
    ]
