"""Chart rebases as saved: where a service's XmR chart starts a new period, recorded by the service's leads or an
admin at a change that happened (one of the service's final reviews or improvement actions), with the reason."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from fidelity import text
from fidelity.errors import InputError, NotFound
from fidelity.insight_models import ChartRebase
from fidelity.models import ImprovementAction, Review, ReviewStatus, utc_now
from fidelity.outcomes import quarter_start
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot


def list_rebases(session: Session, *, actor: Actor, service_id: int) -> list[ChartRebase]:
    access.require_service_read(session, actor, service_id)
    query = select(ChartRebase).where(ChartRebase.service_id == service_id).order_by(col(ChartRebase.quarter))
    return list(session.exec(query))


def record_rebase(
    session: Session,
    *,
    actor: Actor,
    service_id: int,
    quarter: str,
    reason: Any,
    review_id: int | None = None,
    action_id: int | None = None,
) -> ChartRebase:
    """Start a new period of the service's XmR chart at `quarter`, at the given review or action (one of them)."""
    access.require_service_upkeep(session, actor, service_id, "rebase a chart")
    quarter = str(quarter).strip().upper()
    try:
        quarter_start(quarter)
        why = text.required_line(str(reason or ""))
    except ValueError as error:
        raise InputError(str(error) if str(error).startswith("quarter") else f"reason: {error}") from error
    if len(why) > 500:
        raise InputError(f"reason: at most 500 characters, got {len(why)}")
    if (review_id is None) == (action_id is None):
        raise InputError("change: choose the review or the improvement action the new period starts at")
    if review_id is not None:
        review = session.get(Review, review_id)
        if review is None or review.service_id != service_id or review.status != ReviewStatus.FINAL:
            raise InputError(f"change: review {review_id} is not a final review of this service")
    else:
        action = session.get(ImprovementAction, action_id)
        owner = session.get(Review, action.review_id) if action is not None else None
        if owner is None or owner.service_id != service_id:
            raise InputError(f"change: action {action_id} is not one of this service's improvement actions")
    taken = session.exec(
        select(ChartRebase).where(ChartRebase.service_id == service_id, ChartRebase.quarter == quarter)
    ).first()
    if taken is not None:
        raise InputError(f"quarter: the chart already starts a new period at {quarter}")
    rebase = ChartRebase(
        service_id=service_id,
        quarter=quarter,
        reason=why,
        review_id=review_id,
        action_id=action_id,
        recorded_by=actor.name,
        recorded_at=utc_now(),
    )
    session.add(rebase)
    session.flush()
    record(session, actor=actor.name, action="create", row=rebase)
    return rebase


def changes(session: Session, *, actor: Actor, service_id: int) -> list[tuple[str, int, str]]:
    """What a rebase can be recorded at: the service's final reviews and its improvement actions, as
    (kind, id, label), newest first."""
    access.require_service_read(session, actor, service_id)
    reviews = session.exec(
        select(Review.id, Review.visit_start, Review.total, Review.band)
        .where(Review.service_id == service_id, Review.status == ReviewStatus.FINAL)
        .order_by(col(Review.visit_start).desc())
    ).all()
    actions = session.exec(
        select(
            ImprovementAction.id, ImprovementAction.description, ImprovementAction.done_on, ImprovementAction.due_date
        )
        .join(Review, col(ImprovementAction.review_id) == Review.id)
        .where(Review.service_id == service_id)
        .order_by(col(ImprovementAction.due_date).desc())
    ).all()
    found = [
        ("review", i, f"Review of {visit:%d %b %Y}" + (f": {total} ({band})" if total else ""))
        for i, visit, total, band in reviews
    ]
    for i, description, done_on, due in actions:
        when = f"done {done_on:%d %b %Y}" if done_on else f"due {due:%d %b %Y}"
        first_line = description.splitlines()[0] if description else ""
        found.append(("action", i, f"Action ({when}): {first_line[:60]}"))
    return found


def delete_rebase(session: Session, *, actor: Actor, rebase_id: int) -> None:
    rebase = session.get(ChartRebase, rebase_id)
    if rebase is None:
        raise NotFound(f"rebase {rebase_id} does not exist")
    access.require_service_upkeep(session, actor, rebase.service_id, "remove a chart rebase")
    record(
        session, actor=actor.name, action="delete", entity="chartrebase", entity_id=rebase.id, before=snapshot(rebase)
    )
    session.delete(rebase)
    session.flush()


def positions(rebased: list[str], quarters: list[str]) -> list[int]:
    """Where in the charted quarters each rebase starts a new period; a rebase outside them, or leaving a period
    of fewer than 2 quarters there, is left out."""
    where = {quarter: i for i, quarter in enumerate(quarters)}
    found: list[int] = []
    for at in sorted(where[quarter] for quarter in rebased if quarter in where):
        if 2 <= at <= len(quarters) - 2 and (not found or at - found[-1] >= 2):
            found.append(at)
    return found
