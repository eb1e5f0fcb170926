"""Helpers every concept's module uses: getting a row, what an actor may see, the data version, pinned scales."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from fidelity.errors import NotFound, ReviewLocked
from fidelity.models import AuditEvent, ItemVerification, Review, ReviewStatus, ScaleSnapshot
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
