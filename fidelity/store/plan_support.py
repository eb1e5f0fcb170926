"""An improvement plan agreed by the service's lead and the review's lead reviewer (due six weeks after the report),
and the technical support given to the service afterwards, logged against the plan."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from fidelity.errors import InputError, PermissionDenied
from fidelity.lifecycle_models import PlanAgreement, SupportEntry
from fidelity.models import Rater, Review, ReviewStatus
from fidelity.plans import SUPPORT_HOURS_MAX, SupportKind
from fidelity.store import access, plans, timelines
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import entered_text
from fidelity.text import paragraphs

PLAN_STEP = "action_plan_agreed"
NOTES_LIMIT = 2_000


@dataclass(frozen=True)
class PlanStanding:
    """Where a plan's agreement and support stand, and what this user may do about them."""

    agreement: PlanAgreement
    due: date | None  # the timeline's day for the plan to be agreed, where the review has one
    support: list[SupportEntry]
    marks_as: str | None  # "service lead" or "lead reviewer": whose mark this user gives; None: neither
    logs_support: bool


def _role_in_plan(session: Session, actor: Actor, review: Review) -> str | None:
    if Rater.LEAD in access.assigned_raters(actor, review):
        return "lead reviewer"
    if access.leads_service(session, actor, review.service_id):
        return "service lead"
    return None


def _final(session: Session, actor: Actor, review_id: int) -> Review:
    review = access.review_for(session, actor, review_id)
    if review.status != ReviewStatus.FINAL:
        raise InputError("review: an improvement plan follows a final review; finalise the review first")
    return review


def standing(session: Session, *, actor: Actor, review_id: int) -> PlanStanding:
    review = _final(session, actor, review_id)
    agreement = session.get(PlanAgreement, review_id) or PlanAgreement(review_id=review_id)
    found = timelines.step_of(session, review_id, PLAN_STEP)
    support = session.exec(
        select(SupportEntry).where(SupportEntry.review_id == review_id).order_by(col(SupportEntry.day))
    )
    return PlanStanding(
        agreement=agreement,
        due=found.due if found else None,
        support=list(support),
        marks_as=_role_in_plan(session, actor, review),
        logs_support=actor.is_admin or bool(access.assigned_raters(actor, review)),
    )


def agree_plan(session: Session, *, actor: Actor, review_id: int, today: date) -> PlanAgreement:
    """The service's lead or the review's lead reviewer marks the plan agreed; with both marks it is agreed, and the
    timeline's step is done."""
    review = _final(session, actor, review_id)
    role = _role_in_plan(session, actor, review)
    if role is None:
        raise PermissionDenied("not allowed: the service's lead and the review's lead reviewer agree its plan")
    if not plans.actions_of(session, review):
        raise InputError("plan: add at least one action before agreeing the plan")
    agreement = session.get(PlanAgreement, review_id)
    before = snapshot(agreement) if agreement else None
    agreement = agreement or PlanAgreement(review_id=review_id)
    field = "service_lead" if role == "service lead" else "lead_reviewer"
    if getattr(agreement, field) is not None:
        raise InputError(f"plan: the {role} marked it agreed already, on {getattr(agreement, field + '_on'):%d %B %Y}")
    setattr(agreement, field, actor.name)
    setattr(agreement, f"{field}_on", today)
    session.add(agreement)
    session.flush()
    record(session, actor=actor.name, action="agree_plan", row=agreement, entity_id=review_id, before=before)
    if agreement.agreed:
        timelines.complete_step(session, actor, review, PLAN_STEP, today)
    return agreement


def log_support(
    session: Session, *, actor: Actor, review_id: int, day: date, kind: str, hours: float, notes: str, today: date
) -> SupportEntry:
    """A reviewer of the review (or an admin) logs technical support given after the plan was agreed."""
    review = _final(session, actor, review_id)
    if not (actor.is_admin or access.assigned_raters(actor, review)):
        raise PermissionDenied("not allowed: the review's reviewers (and admins) log the support they give")
    agreement = session.get(PlanAgreement, review_id)
    if agreement is None or not agreement.agreed:
        raise InputError("support: it is logged against an agreed plan; both marks are needed first")
    if kind not in {k.value for k in SupportKind}:
        raise InputError(f"kind: {kind!r} is not one of {', '.join(k.value for k in SupportKind)}")
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
        raise InputError(f"hours: {hours!r} is not a number")
    if not 0 < hours <= SUPPORT_HOURS_MAX:
        raise InputError(f"hours: {hours:g} is outside 0 to {SUPPORT_HOURS_MAX:g}")
    if day > today:
        raise InputError(f"day: {day:%d %B %Y} is in the future; log support once it is given")
    agreed_on = max(d for d in (agreement.service_lead_on, agreement.lead_reviewer_on) if d is not None)
    if day < agreed_on:
        raise InputError(f"day: {day:%d %B %Y} is before the plan was agreed ({agreed_on:%d %B %Y})")
    cleaned = entered_text(notes, "notes", limit=NOTES_LIMIT, check=paragraphs)
    entry = SupportEntry(
        review_id=review_id, day=day, kind=kind, hours=float(hours), notes=cleaned, recorded_by=actor.name
    )
    session.add(entry)
    session.flush()
    record(session, actor=actor.name, action="create", row=entry)
    return entry
