"""Helpers every concept's module uses: getting a row, what an actor may see, the data version, pinned scales."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from fidelity.errors import InputError, NotFound, ReviewLocked
from fidelity.models import AuditEvent, ItemRating, ItemVerification, Rater, Review, ReviewStatus, ScaleSnapshot
from fidelity.scales import Scale
from fidelity.store.access import Actor, Role

Row = TypeVar("Row", bound=SQLModel)


def get_row(session: Session, model: type[Row], row_id: int) -> Row:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {row_id} does not exist")
    return row


def name_taken(session: Session, model: type[SQLModel], name: str, *, except_id: int | None = None) -> bool:
    query = select(model).where(func.lower(model.name) == name.lower())  # type: ignore[attr-defined]
    return any(row.id != except_id for row in session.exec(query))  # type: ignore[attr-defined]


def data_version(session: Session) -> int:
    """Grows with every write (each write adds an audit event): a cheap key for cached reads."""
    return int(session.exec(select(func.max(AuditEvent.id))).one() or 0)


def in_force() -> Any:
    """A final review that no amendment has replaced: the one that counts."""
    amendment = aliased(Review)
    corrected = select(amendment.amends_id).where(col(amendment.amends_id).is_not(None))
    # NOT IN an uncorrelated list (computed once) rather than NOT EXISTS per row: with almost every
    # amends_id NULL, SQLite's planner would otherwise scan the table for each review.
    return and_(Review.status == ReviewStatus.FINAL, col(Review.id).not_in(corrected))


def visible_only(query: Any, visible: set[int] | None, service_column: Any) -> Any:
    """Limit a query to the services in `visible` (from access.visible_service_ids; None is every service)."""
    return query if visible is None else query.where(col(service_column).in_(visible))


def readable_reviews(query: Any, actor: Actor, visible: set[int] | None) -> Any:
    """Limit a query on Review to what the actor may read (see access.may_read_review); `visible` as in visible_only."""
    if actor.is_admin:
        return query
    assigned = or_(
        Review.lead_user_id == actor.user_id,
        Review.second_user_id == actor.user_id,
        Review.guide_user_id == actor.user_id,
        Review.moderator_user_id == actor.user_id,
    )
    seen = col(Review.service_id).in_(visible or set())
    shown = Review.status == ReviewStatus.FINAL
    if actor.role == Role.SERVICE_LEAD:
        shown = or_(shown, col(Review.report_shared_on).is_not(None))
    return query.where(or_(assigned, and_(seen, shown)))


THIS_SCALE = "this review's scale"  # how a review's own steps name its pinned scale in a refusal


def require_item(scale: Scale, number: int, label: str | None = None) -> None:
    """`number` is one of the scale's items, or an InputError naming it (`label`: how to name the scale)."""
    if not 1 <= number <= len(scale.items):
        raise InputError(f"item: {number} is not an item of {label or scale.id} (1-{len(scale.items)})")


def entered_text(value: str, field: str, *, limit: int, check: Callable[[str], str]) -> str:
    """Text a user typed: at most `limit` characters as typed, then `check` (a fidelity.text rule) applied; an
    InputError naming `field` otherwise."""
    if len(value) > limit:
        raise InputError(f"{field}: at most {limit:,} characters (it has {len(value):,})")
    try:
        return check(value)
    except ValueError as error:
        raise InputError(f"{field}: {error}") from error


def scores_of(session: Session, review_id: int, *, rater: str = Rater.LEAD) -> dict[int, int]:
    """The scored items of one review, as item number -> score."""
    rows = session.exec(
        select(ItemRating.item_number, ItemRating.score).where(
            ItemRating.review_id == review_id, ItemRating.rater == rater, col(ItemRating.score).is_not(None)
        )
    )
    return {number: score for number, score in rows if score is not None}


def counted_scores(session: Session, review: Review) -> dict[int, int]:
    """The scores that make the total: the agreed ones, or the single reviewer's."""
    return scores_of(session, review.id or 0, rater=review.counted_rater)


def require_open(review: Review) -> None:
    """A final review never changes."""
    if review.status == ReviewStatus.FINAL:
        raise ReviewLocked(f"review {review.id} is final and locked; correct it with an amendment")


def pin_scale(session: Session, scale: Scale) -> ScaleSnapshot:
    """Keep a copy of the scale as used; reviews read their criteria from it ever after."""
    snapshot = session.get(ScaleSnapshot, scale.content_hash)
    if snapshot is None:
        snapshot = ScaleSnapshot(
            content_hash=scale.content_hash, scale_id=scale.id, scale_version=scale.version, content=scale.to_json()
        )
        session.add(snapshot)
        session.flush()
    return snapshot


def verified_items(session: Session, hashes: set[str]) -> dict[str, dict[int, ItemVerification]]:
    """Content hash -> item number -> where its criteria were verified."""
    found: dict[str, dict[int, ItemVerification]] = {}
    if hashes:
        for row in session.exec(select(ItemVerification).where(col(ItemVerification.content_hash).in_(hashes))):
            found.setdefault(row.content_hash, {})[row.item_number] = row
    return found


def scales_by_hash(session: Session, hashes: set[str]) -> dict[str, Scale]:
    """The pinned scales with these content hashes, each with its verified items no longer provisional."""
    if not hashes:
        return {}
    rows = session.exec(select(ScaleSnapshot).where(col(ScaleSnapshot.content_hash).in_(hashes)))
    verified = verified_items(session, hashes)
    return {
        row.content_hash: Scale.from_json(row.content).with_verified(verified.get(row.content_hash, {})) for row in rows
    }


def review_scale(session: Session, review: Review) -> Scale:
    """The scale exactly as it was when the review started (its verified items no longer provisional)."""
    return scales_by_hash(session, {review.scale_hash})[review.scale_hash]


def criteria_status(session: Session, scale_hash: str, scale: Scale) -> dict[int, str]:
    """Item number -> its criteria's status in words: verified against which source, provisional, or as published."""
    verified = verified_items(session, {scale_hash}).get(scale_hash, {})
    status = {}
    for item in scale.items:
        if (found := verified.get(item.number)) is not None:
            page = f", p. {found.source_page}" if found.source_page else ""
            status[item.number] = (
                f"Verified {found.checked_on:%d %b %Y}: {found.source_title} ({found.source_edition}{page})"
            )
        else:
            status[item.number] = "Provisional" if item.provisional else "As published"
    return status
