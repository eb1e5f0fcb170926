"""Reviewer calibration as read: each reviewer's independent scores beside the other reviewer's and the agreed
ones, over final two-reviewer reviews; and the drift limit admins set. Admins see every reviewer, commissioners
the reviews of their services, reviewers only themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, literal
from sqlmodel import Session, col, or_, select

from fidelity.calibration import (
    DEFAULT_DRIFT_POINTS,
    DEFAULT_RECENT_REVIEWS,
    ReviewerOnReview,
    ReviewerSummary,
    ScoreTable,
    TwoReviewers,
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
    scores: ScoreTable  # every review's scores: both reviewers' and the agreed ones
    drift: Drift


_ROLE_OF_RATER = {str(Rater.LEAD): "lead", str(Rater.SECOND): "second", str(Rater.CONSENSUS): "agreed"}


def _two_reviewer_scores(session: Session, actor: Actor) -> tuple[ScoreTable, set[str] | None]:
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
    # one row of "item:score,..." per review and rater: 18,000 rows nationally rather than 450,000 ratings
    pairs = func.aggregate_strings(
        cast(ItemRating.item_number, String) + literal(":") + cast(ItemRating.score, String), ","
    )
    ratings = (
        select(ItemRating.review_id, ItemRating.rater, pairs)
        .join(Review, col(ItemRating.review_id) == Review.id)
        .where(*conditions, col(ItemRating.rater).in_(list(_ROLE_OF_RATER)), col(ItemRating.score).is_not(None))
        .group_by(col(ItemRating.review_id), col(ItemRating.rater))
    )
    scored = ((review_id, _ROLE_OF_RATER[str(rater)], text) for review_id, rater, text in session.exec(ratings))
    reviews = [
        TwoReviewers(review_id, service, visit, lead, second or "")
        for review_id, service, visit, lead, second, _ in found
    ]
    mine = {lead if lead_id == actor.user_id else second or "" for _, _, _, lead, second, lead_id in found}
    table = ScoreTable.from_lists(reviews, scored)
    return table, (mine if actor.role == Role.REVIEWER and not actor.is_admin else None)


def calibration(session: Session, *, actor: Actor) -> Calibration:
    access.require_role(actor, (Role.COMMISSIONER, Role.REVIEWER), "see reviewer calibration")
    scores, shown = _two_reviewer_scores(session, actor)
    drift = drift_limit(session)
    rows, summaries = calibrate(scores, drift_points=drift.points, recent=drift.recent_reviews)
    if shown is not None:
        summaries = [s for s in summaries if s.reviewer in shown]
        rows = [r for r in rows if r.reviewer in shown]
    return Calibration(summaries, rows, scores, drift)
