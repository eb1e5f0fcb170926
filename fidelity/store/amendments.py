"""Amendments: correcting a final review with a new final review that records what changed and why."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from fidelity import scoring
from fidelity.errors import Conflict, InputError, validated
from fidelity.models import AmendmentReason, ItemRating, RatingInput, Review, ReviewStatus, utc_now
from fidelity.store import access
from fidelity.store.access import Actor, require_review_edit
from fidelity.store.audit import record, snapshot
from fidelity.store.ratings import ratings_of
from fidelity.store.shared import counted_scores, require_item, review_scale

AMENDABLE_FIELDS = ("score", "rationale", "strength", "recommendation")


def amend_review(
    session: Session, *, actor: Actor, review_id: int, reason: str, changes: dict[int, dict[str, Any]]
) -> Review:
    """Correct a final review: a new final review (the amendment) with the changes and the reason.

    The original stays exactly as it was and is still shown, marked as amended; totals, history and
    comparisons use the amendment from then on. `changes` maps item number -> the agreed fields to change.
    """
    original = access.review_for(session, actor, review_id)
    require_review_edit(actor, original)
    if original.status != ReviewStatus.FINAL:
        raise InputError("review: only a final review is amended; change a draft directly")
    later = session.exec(select(Review).where(Review.amends_id == review_id)).first()
    if later is not None:
        raise Conflict(f"review {review_id} has already been amended (review {later.id}); amend that one instead")
    reason = reason.strip()
    if not reason:
        raise InputError("reason: say why the final review is being corrected")
    reason = validated(AmendmentReason, {"reason": reason}).reason
    scale = review_scale(session, original)
    cleaned: dict[int, dict[str, Any]] = {}
    for number, fields in changes.items():
        require_item(scale, number)
        unknown = set(fields) - set(AMENDABLE_FIELDS)
        if unknown:
            raise InputError(f"item {number}: only {', '.join(AMENDABLE_FIELDS)} can be amended, not {sorted(unknown)}")
        rating_in = validated(RatingInput, {"item_number": number, **fields})
        if fields.get("score", 0) is None:
            raise InputError(f"item {number} score: an amended score must be 1-5")
        cleaned[number] = rating_in.model_dump(include=set(fields))
    counted = ratings_of(session, review_id, rater=original.counted_rater)
    cleaned = {n: f for n, f in cleaned.items() if any(getattr(counted.get(n), k, None) != v for k, v in f.items())}
    if not cleaned:
        raise InputError("changes: nothing differs from the final review; there is nothing to amend")
    amendment = Review.model_validate(
        original.model_dump(
            exclude={"id", "created_at", "updated_at", "finalised_at", "amends_id", "amendment_reason"}
        ),
        update={"amends_id": original.id, "amendment_reason": reason},
    )
    amendment.finalised_at = amendment.updated_at = utc_now()
    session.add(amendment)
    session.flush()
    for row in session.exec(select(ItemRating).where(ItemRating.review_id == review_id)):
        copy = ItemRating.model_validate(row.model_dump(exclude={"id", "version"}) | {"review_id": amendment.id})
        if row.rater == original.counted_rater:
            for field, value in cleaned.get(row.item_number, {}).items():
                setattr(copy, field, value)
        session.add(copy)
    session.flush()
    summary = scoring.summarise(scale, counted_scores(session, amendment))
    amendment.total = summary.total
    amendment.band = summary.band.label if summary.band else None
    session.add(amendment)
    session.flush()
    before = {"review": original.id, "total": original.total, "band": original.band}
    before["items"] = {str(n): {k: getattr(counted.get(n), k, None) for k in f} for n, f in cleaned.items()}
    after = snapshot(amendment) | {"items": {str(n): f for n, f in cleaned.items()}}
    record(session, actor=actor.name, action="amend", row=amendment, before=before, after=after)
    return amendment
