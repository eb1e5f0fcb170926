"""Reviewer calibration as read: each reviewer's independent scores beside the other reviewer's and the agreed
ones, over final two-reviewer reviews; and the drift limit admins set. Admins see every reviewer, commissioners
the reviews of their services, reviewers only themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from fidelity.calibration import (
    DEFAULT_DRIFT_POINTS,
    DEFAULT_RECENT_REVIEWS,
    ReviewerOnReview,
    ReviewerSummary,
    TwoReviewerScores,
    calibrate,
)
from fidelity.errors import InputError, check_version
from fidelity.insight_models import DriftLimit
from fidelity.models import ItemRating, Rater, Review, ReviewKind, ReviewStatus, Service, utc_now
from fidelity.store import access
from fidelity.store.access import Actor, Role, require_admin
from fidelity.store.audit import record, snapshot


@dataclass(frozen=True)
class Drift:
    points: float
    recent_reviews: int
    version: int  # 0 while the defaults stand


def drift_limit(session: Session) -> Drift:
    saved = session.exec(select(DriftLimit)).first()
    if saved is None:
        return Drift(DEFAULT_DRIFT_POINTS, DEFAULT_RECENT_REVIEWS, 0)
    return Drift(saved.points, saved.recent_reviews, saved.version)


def set_drift_limit(
    session: Session, *, actor: Actor, points: Any, recent_reviews: Any, expected_version: int | None = None
) -> DriftLimit:
    """Set the limit past which a reviewer's recent scoring is flagged (admins)."""
    require_admin(actor, "change the calibration drift limit")
    try:
        limit, latest = float(points), int(recent_reviews)
    except (TypeError, ValueError) as error:
        raise InputError(
            f"drift limit: {points!r} points over {recent_reviews!r} reviews is not two numbers"
        ) from error
    if not 0 < limit <= 4:
        raise InputError(f"points: {limit:g} must be above 0 and at most 4 (scores run 1-5)")
    if latest != float(recent_reviews) or not 1 <= latest <= 50:
        raise InputError(f"recent reviews: {recent_reviews!r} must be a whole number from 1 to 50")
    saved = session.exec(select(DriftLimit)).first()
    if saved is not None:
        check_version(saved, expected_version, what="the drift limit")
    before = snapshot(saved) if saved else None
    saved = saved or DriftLimit(points=limit, recent_reviews=latest, updated_by=actor.name)
    saved.points, saved.recent_reviews, saved.updated_by, saved.updated_at = limit, latest, actor.name, utc_now()
    session.add(saved)
    session.flush()
    record(session, actor=actor.name, action="update" if before else "create", row=saved, before=before)
    return saved


@dataclass(frozen=True)
class Calibration:
    summaries: list[ReviewerSummary]
    reviews: list[ReviewerOnReview]  # one row per reviewer and review, date order
    scores: dict[int, TwoReviewerScores]  # by review id: both reviewers' scores and the agreed ones
    drift: Drift


def _two_reviewer_scores(session: Session, actor: Actor) -> tuple[list[TwoReviewerScores], set[str] | None]:
    """The final two-reviewer reviews the actor may weigh, and the reviewers they may see (None: all)."""
    conditions = [
        Review.status == ReviewStatus.FINAL,
        Review.kind != ReviewKind.SELF_ASSESSMENT,
        col(Review.second_reviewer).is_not(None),
        col(Review.amends_id).is_(None),  # an amendment changes agreed scores after the event; weigh the original
    ]
    if actor.role == Role.REVIEWER and not actor.is_admin:
        conditions.append(or_(Review.lead_user_id == actor.user_id, Review.second_user_id == actor.user_id))
    elif (visible := access.visible_service_ids(session, actor)) is not None:
        conditions.append(col(Review.service_id).in_(visible))
    query = (
        select(
            Review.id,
            Service.name,
            Review.visit_start,
            Review.lead_reviewer,
            Review.second_reviewer,
            Review.lead_user_id,
        )
        .join(Service, col(Review.service_id) == Service.id)
        .where(*conditions)
    )
    found = session.exec(query).all()
    raters = (str(Rater.LEAD), str(Rater.SECOND), str(Rater.CONSENSUS))
    scores = {row[0]: {rater: {} for rater in raters} for row in found}
    ratings = (
        select(ItemRating.review_id, ItemRating.rater, ItemRating.item_number, ItemRating.score)
        .join(Review, col(ItemRating.review_id) == Review.id)
        .where(*conditions, col(ItemRating.rater).in_(raters), col(ItemRating.score).is_not(None))
    )
    # plain rows, all at once: 450,000 nationally, where the ORM's row objects cost seconds
    for review_id, rater, number, score in session.connection().execute(ratings).all():
        scores[review_id][rater][number] = score
    reviews, mine = [], set()
    for review_id, service, visit, lead, second, lead_id in found:
        by_rater = scores[review_id]
        reviews.append(
            TwoReviewerScores(
                review_id,
                service,
                visit,
                lead,
                second or "",
                by_rater[Rater.LEAD],
                by_rater[Rater.SECOND],
                by_rater[Rater.CONSENSUS],
            )
        )
        mine.add(lead if lead_id == actor.user_id else second or "")
    return reviews, (mine if actor.role == Role.REVIEWER and not actor.is_admin else None)


def calibration(session: Session, *, actor: Actor) -> Calibration:
    access.require_role(actor, (Role.COMMISSIONER, Role.REVIEWER), "see reviewer calibration")
    reviews, shown = _two_reviewer_scores(session, actor)
    drift = drift_limit(session)
    rows, summaries = calibrate(reviews, drift_points=drift.points, recent=drift.recent_reviews)
    if shown is not None:
        summaries = [s for s in summaries if s.reviewer in shown]
        rows = [r for r in rows if r.reviewer in shown]
    return Calibration(summaries, rows, {r.review_id: r for r in reviews}, drift)
