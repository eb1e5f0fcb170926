"""Item ratings: each reviewer's scores and evidence, handing them in, and the agreed (consensus) scores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from fidelity import scoring
from fidelity.errors import InputError, ReviewLocked, check_version, validated
from fidelity.models import ItemRating, Rater, RatingInput, Review, ReviewStatus, utc_now
from fidelity.scales import DATA_SOURCE_LABELS
from fidelity.store import access, moderation
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import require_item, require_open, review_scale, scores_of


def _may_rate(review: Review, rater: str) -> None:
    """Each reviewer scores alone until both have submitted; then only agreed scores change."""
    if rater not in (*review.raters, Rater.CONSENSUS) or (rater == Rater.CONSENSUS and review.single_reviewer):
        raise InputError(f"rater: this review has no {rater} reviewer")
    if rater == Rater.CONSENSUS and not review.consensus_open:
        raise InputError("consensus: agreed scores open when both reviewers have submitted their scores")
    if rater != Rater.CONSENSUS and review.submitted(rater):
        raise ReviewLocked(f"{review.reviewer_name(rater)} has submitted their scores; they can no longer change")


def save_rating(
    session: Session,
    *,
    actor: Actor,
    review_id: int,
    data: dict[str, Any],
    rater: str = Rater.LEAD,
    expected_version: int | None = None,
) -> ItemRating | None:
    """Save one reviewer's rating of one item of an open review.

    Only the fields given change; the others keep their stored values. Saving what is already
    stored writes nothing, and the stored rating (or None) is returned. `expected_version` is the
    version the user's page showed (0 for none yet): a rating saved by someone else since is a Conflict.
    """
    review = access.review_for(session, actor, review_id)
    access.require_review_edit(actor, review, rater)
    require_open(review)
    _may_rate(review, rater)
    rating_in = validated(RatingInput, data)
    scale = review_scale(session, review)
    require_item(scale, rating_in.item_number)
    item = scale.item(rating_in.item_number)
    if item.checklist is not None:
        bad = [i for i in rating_in.checklist_ticked if not 0 <= i < len(item.checklist.elements)]
        if bad:
            raise InputError(
                f"checklist: item {item.number} has elements 0-{len(item.checklist.elements) - 1}, got {bad}"
            )
    unknown_sources = sorted(set(rating_in.data_sources) - set(DATA_SOURCE_LABELS))
    if unknown_sources:
        raise InputError(f"data sources: unknown {unknown_sources}; use MIS, DOC, INT or OBS")
    rating = session.exec(
        select(ItemRating).where(
            ItemRating.review_id == review_id,
            ItemRating.item_number == rating_in.item_number,
            ItemRating.rater == rater,
        )
    ).first()
    before = snapshot(rating) if rating else None
    entered = rating_in.model_dump(exclude={"item_number"}, exclude_unset=True)
    if "checklist_ticked" in entered:
        entered["checklist_ticked"] = sorted(set(rating_in.checklist_ticked))
    stored = rating if rating is not None else RatingInput(item_number=rating_in.item_number)
    if all(getattr(stored, field) == value for field, value in entered.items()):
        return rating  # nothing to save: no write, no audit entry (and no conflict: it is as the user wants)
    if rater == review.counted_rater and (rater == Rater.CONSENSUS or moderation.moderated(session, review)):
        moderation.consensus_lock(session, review, rating_in.item_number)
    if expected_version is not None:  # a rating not yet saved counts as version 0
        check_version(rating or ItemRating(version=0), expected_version, what=f"item {item.number}")
    if rating is None:
        rating = ItemRating(review_id=review_id, item_number=rating_in.item_number, rater=rater)
    for field, value in entered.items():
        setattr(rating, field, value)
    rating.updated_at = utc_now()
    session.add(rating)
    if review.status == ReviewStatus.DRAFT and rater != Rater.CONSENSUS:
        review.status = ReviewStatus.SCORING
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="create" if before is None else "update", row=rating, before=before)
    return rating


def ratings_of(session: Session, review_id: int, *, rater: str = Rater.LEAD) -> dict[int, ItemRating]:
    rows = session.exec(select(ItemRating).where(ItemRating.review_id == review_id, ItemRating.rater == rater))
    return {row.item_number: row for row in rows}


def submit_scores(session: Session, *, actor: Actor, review_id: int, rater: str) -> Review:
    """A reviewer hands in a complete set of independent scores; when both have, consensus opens.

    Items both reviewers scored the same are entered as agreed, to be confirmed at consensus.
    """
    review = access.review_for(session, actor, review_id)
    access.require_review_edit(actor, review, rater)
    require_open(review)
    if review.single_reviewer or rater not in review.raters:
        raise InputError("rater: only the two reviewers of a two-reviewer review submit scores")
    if review.submitted(rater):
        raise ReviewLocked(f"{review.reviewer_name(rater)} has already submitted their scores")
    scale = review_scale(session, review)
    missing = scoring.unscored_items(scale, scores_of(session, review_id, rater=rater))
    if missing:
        numbers = ", ".join(str(item.number) for item in missing)
        raise InputError(f"cannot submit: {len(missing)} item(s) not scored yet (item {numbers})")
    before = snapshot(review)
    setattr(review, f"{rater}_submitted_at", utc_now())
    if review.consensus_open:
        review.status = ReviewStatus.CONSENSUS
        lead, second = (scores_of(session, review_id, rater=r) for r in (Rater.LEAD, Rater.SECOND))
        for number, score in lead.items():
            if second.get(number) == score:
                session.add(ItemRating(review_id=review_id, item_number=number, rater=Rater.CONSENSUS, score=score))
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action=f"submit_{rater}", row=review, before=before)
    return review


def scored_counts(session: Session, review_ids: list[int], *, rater: str = Rater.LEAD) -> dict[int, int]:
    """How many items each review has scored, in one query."""
    if not review_ids:
        return {}
    rows = session.exec(
        select(ItemRating.review_id, func.count())
        .where(col(ItemRating.review_id).in_(review_ids), ItemRating.rater == rater, col(ItemRating.score).is_not(None))
        .group_by(ItemRating.review_id)
    )
    return dict(rows.all())
