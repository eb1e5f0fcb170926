"""The performance snapshot of a review: the service's figures for the four quarters before the visit, prefilled
from its quarterly outcomes, confirmed or corrected by its lead and pinned to the review (its timeline step done)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from fidelity.errors import InputError, PermissionDenied
from fidelity.lifecycle_models import PerformanceSnapshot
from fidelity.models import OutcomePeriod, Review
from fidelity.outcomes import OutcomeFigures
from fidelity.snapshot import checked, prefilled, quarters_before
from fidelity.store import access, timelines
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import require_open

STEP = "snapshot_sent"
_FIGURES = tuple(OutcomeFigures.__dataclass_fields__)


@dataclass(frozen=True)
class SnapshotForm:
    review: Review
    quarters: list[str]
    rows: list[dict[str, Any]]  # as saved, or prefilled from the outcomes when not yet confirmed
    saved: PerformanceSnapshot | None
    confirms: bool  # a lead of the service, while the review is open


def _prefilled(session: Session, review: Review) -> list[dict[str, Any]]:
    quarters = quarters_before(review.visit_start)
    periods = session.exec(
        select(OutcomePeriod).where(
            OutcomePeriod.service_id == review.service_id, col(OutcomePeriod.quarter).in_(quarters)
        )
    )
    entered = {p.quarter: OutcomeFigures(**{f: getattr(p, f) for f in _FIGURES}) for p in periods}
    return prefilled(quarters, entered)


def pinned(session: Session, review_id: int) -> list[dict[str, Any]] | None:
    """The confirmed snapshot's rows, for the workspace and the report; None until the service confirms it."""
    saved = session.get(PerformanceSnapshot, review_id)
    return list(saved.rows) if saved else None


def snapshot_form(session: Session, *, actor: Actor, review_id: int) -> SnapshotForm:
    review = timelines.timeline_review(session, actor, review_id)
    saved = session.get(PerformanceSnapshot, review_id)
    return SnapshotForm(
        review=review,
        quarters=quarters_before(review.visit_start),
        rows=list(saved.rows) if saved else _prefilled(session, review),
        saved=saved,
        confirms=review.status != "final" and access.leads_service(session, actor, review.service_id),
    )


def confirm_snapshot(
    session: Session, *, actor: Actor, review_id: int, rows: list[dict[str, Any]], today: date
) -> PerformanceSnapshot:
    """A lead of the service confirms the prefilled figures, or corrects them; they are pinned to the review."""
    review = timelines.timeline_review(session, actor, review_id)
    if not access.leads_service(session, actor, review.service_id):
        raise PermissionDenied("not allowed: the service's leads confirm its performance snapshot")
    require_open(review)
    cleaned, problems = checked(rows, quarters_before(review.visit_start))
    if problems:
        raise InputError("snapshot: nothing saved; " + "; ".join(problems))
    saved = session.get(PerformanceSnapshot, review_id)
    before = snapshot(saved) if saved else None
    if saved is None:
        saved = PerformanceSnapshot(
            review_id=review_id,
            rows=cleaned,
            prefilled=_prefilled(session, review),
            confirmed_by="",
            confirmed_on=today,
        )
    saved.rows, saved.confirmed_by, saved.confirmed_on = cleaned, actor.name, today
    session.add(saved)
    session.flush()
    record(
        session,
        actor=actor.name,
        action="update" if before else "create",
        row=saved,
        entity_id=review_id,
        before=before,
    )
    timelines.complete_step(session, actor, review, STEP, today)
    return saved
