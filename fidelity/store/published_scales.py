"""Published scales: which versions new reviews use, publishing and retiring them, verifying items, moving drafts.

The database holds every published version, so every app process sees the same ones; the app's own
`scales/` files seed it (a scale id never seen, or a new shipped version while the current one came
from the files too). New reviews take a scale's latest published version that is not retired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from fidelity.errors import InputError, validated
from fidelity.models import (
    ItemRating,
    ItemVerification,
    PublishedScale,
    Review,
    ReviewStatus,
    VerificationInput,
    utc_now,
)
from fidelity.scale_files import build_scale, read_source
from fidelity.scales import Scale, ScaleFileError
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import pin_scale, require_item, scales_by_hash, verified_items

SHIPPED_BY = "shipped with the app"


def _publications(session: Session) -> list[PublishedScale]:
    return list(session.exec(select(PublishedScale).order_by(col(PublishedScale.published_at), col(PublishedScale.id))))


def _current_rows(session: Session, rows: list[PublishedScale] | None = None) -> dict[str, PublishedScale]:
    """Scale id -> its latest publication that is not retired (from `rows` when already read)."""
    current: dict[str, PublishedScale] = {}
    for row in _publications(session) if rows is None else rows:
        if row.retired_at is None:
            current[row.scale_id] = row
    return current


def current_scales(session: Session) -> dict[str, Scale]:
    """The scales new reviews use, by id: each one's latest version not retired, verified items applied."""
    rows = _current_rows(session)
    by_hash = scales_by_hash(session, {row.content_hash for row in rows.values()})
    return {scale_id: by_hash[row.content_hash] for scale_id, row in sorted(rows.items())}


def _add(session: Session, scale: Scale, *, by: str, file_name: str, shipped: bool) -> PublishedScale:
    pin_scale(session, scale)
    row = PublishedScale(
        scale_id=scale.id,
        scale_version=scale.version,
        content_hash=scale.content_hash,
        file_name=file_name[:200],
        shipped=shipped,
        published_by=by,
    )
    session.add(row)
    session.flush()
    record(session, actor=by, action="publish", row=row)
    return row


def seed_from_files(session: Session, shipped: dict[str, Scale]) -> list[PublishedScale]:
    """Publish the app's own scale files the database has not seen (see the module's docstring)."""
    rows = _publications(session)
    seen = {(row.scale_id, row.scale_version) for row in rows}
    latest = {row.scale_id: row for row in rows}  # oldest first, so the last of each id wins
    added = []
    for scale_id, scale in sorted(shipped.items()):
        if (scale.id, scale.version) in seen or (scale_id in latest and not latest[scale_id].shipped):
            continue
        added.append(_add(session, scale, by=SHIPPED_BY, file_name=f"scales/{scale_id}.yaml", shipped=True))
    return added


@dataclass(frozen=True)
class PublicationRow:
    """One published version, as the Scales page lists it."""

    scale_id: str
    version: str
    status: str  # current, older, retired
    published_at: datetime
    published_by: str
    file_name: str
    items: int
    provisional: int
    verified: int
    reviews: int
    content_hash: str


def publications(session: Session, *, actor: Actor) -> list[PublicationRow]:
    """Every published version, newest first per scale."""
    access.require_admin(actor, "manage scales")
    rows = _publications(session)
    current = {row.id for row in _current_rows(session, rows).values()}
    hashes = {row.content_hash for row in rows}
    scales = scales_by_hash(session, hashes)
    verified = verified_items(session, hashes)
    uses = dict(
        session.exec(
            select(Review.scale_hash, func.count())
            .where(col(Review.scale_hash).in_(hashes))
            .group_by(Review.scale_hash)
        ).all()
    )
    listed = [
        PublicationRow(
            scale_id=row.scale_id,
            version=row.scale_version,
            status="retired" if row.retired_at else "current" if row.id in current else "older",
            published_at=row.published_at,
            published_by=row.published_by,
            file_name=row.file_name,
            items=len(scales[row.content_hash].items),
            provisional=sum(item.provisional for item in scales[row.content_hash].items),
            verified=len(verified.get(row.content_hash, {})),
            reviews=uses.get(row.content_hash, 0),
            content_hash=row.content_hash,
        )
        for row in rows
    ]
    return sorted(listed, key=lambda r: (r.scale_id, r.published_at), reverse=True)


def published_scale(session: Session, scale_id: str, version: str) -> Scale:
    """A published version (retired ones too), as an overlay's base; ScaleFileError names what is missing."""
    row = session.exec(
        select(PublishedScale).where(PublishedScale.scale_id == scale_id, PublishedScale.scale_version == version)
    ).first()
    if row is None:
        known = sorted(f"{r.scale_id} {r.scale_version}" for r in _publications(session))
        raise ScaleFileError(
            f"extends: {scale_id} version {version} is not a published scale; published: {', '.join(known) or 'none'}"
        )
    return scales_by_hash(session, {row.content_hash})[row.content_hash]


@dataclass(frozen=True)
class Checked:
    """An uploaded scale checked for publishing: the scale, the version it would replace, and any refusal."""

    scale: Scale
    replaces: Scale | None
    refusal: str | None


def check_upload(session: Session, *, actor: Actor, file_name: str, content: bytes) -> Checked:
    """Read and validate an uploaded scale (ScaleFileError lists every problem); say if it cannot be published."""
    access.require_admin(actor, "check a scale for publishing")
    scale = build_scale(
        read_source(file_name, content), base_for=lambda base_id, version: published_scale(session, base_id, version)
    )
    current = _current_rows(session).get(scale.id)
    replaces = scales_by_hash(session, {current.content_hash})[current.content_hash] if current else None
    refusal = None
    taken = session.exec(
        select(PublishedScale).where(PublishedScale.scale_id == scale.id, PublishedScale.scale_version == scale.version)
    ).first()
    if taken is not None:
        refusal = (
            f"version: {scale.id} version {scale.version} is already published; "
            "a published version never changes, so give this one a new version"
        )
    return Checked(scale=scale, replaces=replaces, refusal=refusal)


def publish(session: Session, *, actor: Actor, file_name: str, content: bytes) -> PublishedScale:
    """Publish an uploaded scale as the newest version of its id: new reviews take it from now on."""
    checked = check_upload(session, actor=actor, file_name=file_name, content=content)
    if checked.refusal:
        raise InputError(checked.refusal)
    return _add(session, checked.scale, by=actor.name, file_name=file_name, shipped=False)


def _publication(session: Session, scale_id: str, version: str) -> PublishedScale:
    row = session.exec(
        select(PublishedScale).where(PublishedScale.scale_id == scale_id, PublishedScale.scale_version == version)
    ).first()
    if row is None:
        raise InputError(f"scale: {scale_id} version {version} is not published")
    return row


def retire(session: Session, *, actor: Actor, scale_id: str, version: str) -> PublishedScale:
    """No new reviews on this version; reviews already using it keep it. The previous version, if any, is current."""
    access.require_admin(actor, "retire a scale version")
    row = _publication(session, scale_id, version)
    if row.retired_at is not None:
        raise InputError(f"scale: {scale_id} version {version} is already retired")
    before = snapshot(row)
    row.retired_at, row.retired_by = utc_now(), actor.name
    session.add(row)
    session.flush()
    record(session, actor=actor.name, action="retire", row=row, before=before)
    return row


def verify_item(
    session: Session, *, actor: Actor, scale_id: str, version: str, data: dict[str, Any]
) -> ItemVerification:
    """Record that an item's criteria were checked against a named source; it is no longer provisional there."""
    access.require_admin(actor, "verify a scale's items")
    row = _publication(session, scale_id, version)
    entered = validated(VerificationInput, data)
    scale = scales_by_hash(session, {row.content_hash})[row.content_hash]
    require_item(scale, entered.item_number, scale_id)
    if entered.item_number in verified_items(session, {row.content_hash}).get(row.content_hash, {}):
        raise InputError(f"item: item {entered.item_number} of {scale_id} version {version} is already verified")
    verification = ItemVerification.model_validate(
        entered, update={"content_hash": row.content_hash, "recorded_by": actor.name}
    )
    session.add(verification)
    session.flush()
    record(session, actor=actor.name, action="verify", row=verification)
    return verification


def move_draft(session: Session, *, actor: Actor, review_id: int) -> Review:
    """Move a draft review that has no scores yet to its scale's current version."""
    review = access.review_for(session, actor, review_id)
    access.require_review_edit(actor, review)
    if session.exec(select(ItemRating.id).where(ItemRating.review_id == review_id)).first() is not None:
        raise InputError(f"review: review {review_id} has scores; a review with scores keeps its version")
    if review.status != ReviewStatus.DRAFT:
        raise InputError(f"review: review {review_id} is {review.status}; only a draft can move to a newer version")
    current = _current_rows(session).get(review.scale_id)
    if current is None or current.content_hash == review.scale_hash:
        raise InputError(f"review: review {review_id} already uses the current version of {review.scale_id}")
    before = snapshot(review)
    review.scale_version, review.scale_hash, review.updated_at = current.scale_version, current.content_hash, utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="move to version", row=review, before=before)
    return review


def newer_version(session: Session, review: Review) -> PublishedScale | None:
    """The current version of the review's scale, when it is not the one the review uses."""
    current = _current_rows(session).get(review.scale_id)
    return current if current is not None and current.content_hash != review.scale_hash else None
