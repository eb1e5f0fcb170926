"""Improvement plans: the actions that follow a final review, their progress notes, and reading a plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from fidelity.errors import InputError, check_version, validated
from fidelity.models import ActionInput, ActionNote, ImprovementAction, NoteInput, Review, ReviewStatus, utc_now
from fidelity.plans import ActionStatus, default_due_date, needs_action
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.ratings import ratings_of
from fidelity.store.shared import get_row, require_item, review_scale


def _plan_review(session: Session, actor: Actor, review_id: int) -> Review:
    review = access.review_for(session, actor, review_id)
    access.require_service_upkeep(session, actor, review.service_id, "change an improvement plan")
    if review.status != ReviewStatus.FINAL:
        raise InputError("review: an improvement plan follows a final review; finalise the review first")
    return review


def _amended_chain(session: Session, review: Review) -> list[int]:
    """This review's id and the ids of the final reviews it corrects, newest first."""
    ids = [review.id or 0]
    while review.amends_id is not None and (earlier := session.get(Review, review.amends_id)) is not None:
        ids.append(earlier.id or 0)
        review = earlier
    return ids


def actions_of(session: Session, review: Review) -> list[ImprovementAction]:
    """The plan of a review, including actions made on the reviews its amendments replaced."""
    query = select(ImprovementAction).where(col(ImprovementAction.review_id).in_(_amended_chain(session, review)))
    return list(session.exec(query.order_by(col(ImprovementAction.due_date), col(ImprovementAction.id))))


def _check_action_item(session: Session, review: Review, item_number: int | None) -> None:
    if item_number is not None:
        require_item(review_scale(session, review), item_number)


def create_plan_from_review(session: Session, *, actor: Actor, review_id: int) -> list[ImprovementAction]:
    """Draft one action for every item scored 3 or below, from its recommendation; skips items that have one."""
    review = _plan_review(session, actor, review_id)
    scale = review_scale(session, review)
    context_ratings = ratings_of(session, review_id, rater=review.counted_rater)
    existing = {a.item_number for a in actions_of(session, review)}
    report_date = (review.finalised_at or utc_now()).date()
    created = []
    for number, rating in sorted(context_ratings.items()):
        if not needs_action(rating.score) or number in existing:
            continue
        item = scale.item(number)
        action = ImprovementAction(
            review_id=review_id,
            item_number=number,
            description=rating.recommendation.strip() or f"Raise “{item.name}” above score {rating.score}",
            due_date=default_due_date(report_date),
        )
        session.add(action)
        session.flush()
        record(session, actor=actor.name, action="create", row=action)
        created.append(action)
    return created


def add_action(session: Session, *, actor: Actor, review_id: int, data: dict[str, Any]) -> ImprovementAction:
    review = _plan_review(session, actor, review_id)
    action_in = validated(ActionInput, data)
    _check_action_item(session, review, action_in.item_number)
    action = ImprovementAction.model_validate(
        action_in, update={"review_id": review_id, "status": str(action_in.status)}
    )
    if action.status == ActionStatus.DONE:
        action.done_on = date.today()
    session.add(action)
    session.flush()
    record(session, actor=actor.name, action="create", row=action)
    return action


def update_action(
    session: Session, *, actor: Actor, action_id: int, data: dict[str, Any], expected_version: int | None = None
) -> ImprovementAction:
    """Change an action; marking it done records the day, reopening it clears that."""
    action = get_row(session, ImprovementAction, action_id)
    review = _plan_review(session, actor, action.review_id)
    check_version(action, expected_version, what="this action")
    before = snapshot(action)
    current = action.model_dump(include=set(ActionInput.model_fields))
    action_in = validated(ActionInput, {**current, **data})
    _check_action_item(session, review, action_in.item_number)
    for field, value in action_in.model_dump().items():
        setattr(action, field, str(value) if field == "status" else value)
    if action.status == ActionStatus.DONE and action.done_on is None:
        action.done_on = date.today()
    elif action.status != ActionStatus.DONE:
        action.done_on = None
    if snapshot(action) == before:
        return action
    action.updated_at = utc_now()
    session.add(action)
    session.flush()
    record(session, actor=actor.name, action="update", row=action, before=before)
    return action


def add_action_note(session: Session, *, actor: Actor, action_id: int, noted_on: date, text: str) -> ActionNote:
    action = get_row(session, ImprovementAction, action_id)
    _plan_review(session, actor, action.review_id)
    note_in = validated(NoteInput, {"note": text})
    note = ActionNote(action_id=action_id, noted_on=noted_on, text=note_in.note)
    session.add(note)
    session.flush()
    record(session, actor=actor.name, action="create", row=note)
    return note


def list_actions(
    session: Session, *, actor: Actor, review_id: int | None = None, service_id: int | None = None
) -> list[ImprovementAction]:
    """The plan of one final review (with actions carried over from the reviews it amends), or of a service."""
    if review_id is not None:
        review = access.review_for(session, actor, review_id)
        return actions_of(session, review)
    if service_id is None:
        raise InputError("plan: choose a review or a service")
    access.require_service_read(session, actor, service_id)
    query = (
        select(ImprovementAction)
        .join(Review, col(ImprovementAction.review_id) == Review.id)
        .where(Review.service_id == service_id)
        .order_by(col(ImprovementAction.due_date), col(ImprovementAction.id))
    )
    return list(session.exec(query))


def notes_of(session: Session, action_ids: list[int]) -> dict[int, list[ActionNote]]:
    if not action_ids:
        return {}
    notes: dict[int, list[ActionNote]] = {}
    rows = session.exec(
        select(ActionNote).where(col(ActionNote.action_id).in_(action_ids)).order_by(col(ActionNote.noted_on))
    )
    for note in rows:
        notes.setdefault(note.action_id, []).append(note)
    return notes


# --- corrections: amendments of final reviews, and deleting a draft -------------------------------------
