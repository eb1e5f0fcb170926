"""A review's timeline of steps from booking to action plan: each programme's timeline (IPS Grow's by default, an
admin's where changed), each review's steps made from it, who may mark a step, the moderator an admin assigns, and
what is due from whom. The rules of due dates are fidelity.timeline's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, select

from fidelity import timeline
from fidelity.errors import InputError, NotFound, PermissionDenied, check_version
from fidelity.lifecycle_models import ReviewStep, TimelineTemplate
from fidelity.models import Review, ReviewKind, Service, User, UserScope, utc_now
from fidelity.store import access
from fidelity.store.access import Actor, Role, require_admin
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import get_row
from fidelity.timeline import Owner, StepStatus, StepTemplate

OWNER_WORDS = {
    Owner.SERVICE_LEAD: "the service's lead",
    Owner.LEAD_REVIEWER: "the lead reviewer",
    Owner.MODERATOR: "the moderator",
    Owner.ADMIN: "an admin",
}


# --- programmes' timelines ------------------------------------------------------------------------------------


def programme_timeline(session: Session, programme_id: int) -> tuple[tuple[StepTemplate, ...], int]:
    """A programme's steps and the version of its saved timeline (0: IPS Grow's default)."""
    saved = session.exec(select(TimelineTemplate).where(TimelineTemplate.programme_id == programme_id)).first()
    if saved is None:
        return timeline.DEFAULT_TIMELINE, 0
    return timeline.parse(saved.steps), saved.version


def set_programme_timeline(
    session: Session,
    *,
    actor: Actor,
    programme_id: int,
    rows: Sequence[dict[str, Any]],
    expected_version: int | None = None,
) -> TimelineTemplate:
    """An admin's timeline for a programme's reviews started from now (reviews already started keep theirs)."""
    require_admin(actor, "change a programme's review timeline")
    try:
        steps = timeline.parse(rows)
    except timeline.TimelineError as error:
        raise InputError(f"timeline: {error}") from error
    saved = session.exec(select(TimelineTemplate).where(TimelineTemplate.programme_id == programme_id)).first()
    if saved is not None:
        check_version(saved, expected_version, what="the programme's timeline")
    before = snapshot(saved) if saved else None
    saved = saved or TimelineTemplate(programme_id=programme_id, steps=[], updated_by=actor.name)
    saved.steps = [step.as_data() for step in steps]
    saved.updated_by, saved.updated_at = actor.name, utc_now()
    session.add(saved)
    session.flush()
    record(session, actor=actor.name, action="update" if before else "create", row=saved, before=before)
    return saved


def reset_programme_timeline(session: Session, *, actor: Actor, programme_id: int) -> None:
    require_admin(actor, "change a programme's review timeline")
    saved = session.exec(select(TimelineTemplate).where(TimelineTemplate.programme_id == programme_id)).first()
    if saved is not None:
        before = snapshot(saved)
        session.delete(saved)
        session.flush()
        record(session, actor=actor.name, action="delete", entity="timelinetemplate", entity_id=saved.id, before=before)


# --- a review's steps -------------------------------------------------------------------------------------------


def add_steps(session: Session, review: Review) -> list[ReviewStep]:
    """A new review's steps, from its programme's timeline as it stands (called when the review is started). A
    guided self-assessment has none: it is the service's own, not a visit."""
    if review.kind == ReviewKind.SELF_ASSESSMENT:
        return []
    service = get_row(session, Service, review.service_id)
    steps, _ = programme_timeline(session, service.programme_id)
    made = [
        ReviewStep(
            review_id=review.id or 0,
            position=position,
            key=step.key,
            title=step.title,
            owner=str(step.owner),
            anchor=str(step.anchor),
            days=step.days,
            due=timeline.due_on(step, review.visit_start, None),
        )
        for position, step in enumerate(timeline.ordered(steps, review.visit_start))
    ]
    session.add_all(made)
    session.flush()
    return made


def delete_steps(session: Session, review_id: int) -> None:
    """A draft review's steps, when the review itself is deleted (its audit event records the review)."""
    session.execute(sa_delete(ReviewStep).where(col(ReviewStep.review_id) == review_id))


def may_see_timeline(session: Session, actor: Actor, review: Review) -> bool:
    """A review's steps (not its scores) are for whoever may read the review, and for the service's leads and
    commissioners even while it is in progress (the service does most of the steps before the visit), and for its
    moderator."""
    if actor.user_id is not None and review.moderator_user_id == actor.user_id:
        return True
    return access.may_read_review(session, actor, review) or access.may_read_service(session, actor, review.service_id)


def timeline_review(session: Session, actor: Actor, review_id: int) -> Review:
    """A review whose timeline (and what goes with it before and after the visit) this actor may see; a missing
    review and one they may not see get the same answer, as everywhere."""
    review = session.get(Review, review_id)
    if review is None or not may_see_timeline(session, actor, review):
        if actor.is_admin:
            raise NotFound(f"review {review_id} does not exist")
        raise PermissionDenied(f"not allowed: review {review_id} is not one you can see")
    return review


def review_steps(session: Session, *, actor: Actor, review_id: int) -> list[ReviewStep]:
    timeline_review(session, actor, review_id)
    return list(
        session.exec(select(ReviewStep).where(ReviewStep.review_id == review_id).order_by(col(ReviewStep.position)))
    )


def reviews_with_steps(session: Session, *, actor: Actor, service_id: int) -> list[Review]:
    """A service's reviews that have a timeline and whose timeline the actor may see, latest visit first."""
    found = session.exec(
        select(Review)
        .where(Review.service_id == service_id, col(Review.id).in_(select(ReviewStep.review_id)))
        .order_by(col(Review.visit_start).desc(), col(Review.id).desc())
    )
    return [review for review in found if may_see_timeline(session, actor, review)]


@dataclass(frozen=True)
class Timeline:
    review: Review
    service: str
    steps: list[ReviewStep]
    mine: set[int]  # ids of the steps this actor may mark
    moderator: str | None
    moderators: dict[int, str]  # who an admin may assign (active reviewers other than the review's own); else empty


def timeline_of(session: Session, *, actor: Actor, review_id: int) -> Timeline:
    steps = review_steps(session, actor=actor, review_id=review_id)
    review = get_row(session, Review, review_id)
    moderator = session.get(User, review.moderator_user_id) if review.moderator_user_id else None
    choices: dict[int, str] = {}
    if actor.is_admin:
        candidates = session.exec(
            select(User)
            .where(col(User.role).in_([Role.REVIEWER, Role.ADMIN]), User.is_active)
            .order_by(User.display_name)
        )
        choices = {
            u.id or 0: u.display_name for u in candidates if u.id not in (review.lead_user_id, review.second_user_id)
        }
    return Timeline(
        review,
        get_row(session, Service, review.service_id).name,
        steps,
        {step.id or 0 for step in steps if owns(session, actor, review, step.owner)},
        moderator.display_name if moderator else None,
        choices,
    )


def owns(session: Session, actor: Actor, review: Review, owner: str) -> bool:
    if owner == Owner.ADMIN:
        return actor.is_admin
    if owner == Owner.LEAD_REVIEWER:
        return actor.user_id is not None and review.lead_user_id == actor.user_id
    if owner == Owner.MODERATOR:
        return actor.user_id is not None and review.moderator_user_id == actor.user_id
    return actor.role == Role.SERVICE_LEAD and access.may_read_service(session, actor, review.service_id)


def mark_step(
    session: Session,
    *,
    actor: Actor,
    step_id: int,
    status: str,
    today: date,
    expected_version: int | None = None,
) -> ReviewStep:
    """The step's owner marks it done or not needed (or to do again). Done after its due date is late, and stays
    so. Marking the report presented dates the report: the steps after it fall due from that day."""
    step, review = _step_for(session, actor, step_id)
    if status not in {s.value for s in StepStatus}:
        raise InputError(f"status: {status!r} is not one of {', '.join(s.value for s in StepStatus)}")
    if not owns(session, actor, review, step.owner):
        raise PermissionDenied(f"not allowed: {step.title.lower()} is for {OWNER_WORDS[Owner(step.owner)]} to mark")
    check_version(step, expected_version, what=f"the step {step.title!r}")
    return _set_status(session, actor, review, step, status, today)


def _set_status(
    session: Session, actor: Actor, review: Review, step: ReviewStep, status: str, today: date
) -> ReviewStep:
    before = snapshot(step)
    step.status = status
    done = status == StepStatus.DONE
    step.done_by, step.done_on = (actor.name, today) if status != StepStatus.TO_DO else (None, None)
    step.late = done and timeline.is_late(step.due, today)
    step.updated_at = utc_now()
    session.add(step)
    session.flush()
    record(session, actor=actor.name, action="update", row=step, before=before)
    if step.key == timeline.REPORT_PRESENTED:
        _redate_report_steps(session, actor, review, today if done else None)
    return step


def complete_step(session: Session, actor: Actor, review: Review, key: str, today: date) -> None:
    """Mark a review's step done because what it stands for was just done in the app (the draft sent to the
    moderator, the report presented, ...), by whoever did it; a step already marked, or not in the review's
    timeline, is left as it is."""
    step = step_of(session, review.id or 0, key)
    if step is not None and step.status == StepStatus.TO_DO:
        _set_status(session, actor, review, step, StepStatus.DONE, today)


def step_of(session: Session, review_id: int, key: str) -> ReviewStep | None:
    """A review's step by its key; None where the review's timeline has no such step."""
    return session.exec(select(ReviewStep).where(ReviewStep.review_id == review_id, ReviewStep.key == key)).first()


def day_after_report(session: Session, review_id: int, key: str, report_day: date) -> date:
    """The day a report step falls due for this review: its timeline's days after the report (or the default)."""
    days = dict(session.exec(select(ReviewStep.key, ReviewStep.days).where(ReviewStep.review_id == review_id)).all())
    return report_day + timedelta(days=timeline.days_after_report(days, key))


def _step_for(session: Session, actor: Actor, step_id: int) -> tuple[ReviewStep, Review]:
    """The step and its review, if this actor may see the review; missing and not theirs answered alike."""
    step = session.get(ReviewStep, step_id)
    review = session.get(Review, step.review_id) if step else None
    if step is None or review is None or not may_see_timeline(session, actor, review):
        if actor.is_admin:
            raise NotFound(f"step {step_id} does not exist")
        raise PermissionDenied(f"not allowed: step {step_id} is not one you can see")
    return step, review


def _redate_report_steps(session: Session, actor: Actor, review: Review, presented_on: date | None) -> None:
    for step in session.exec(
        select(ReviewStep).where(
            ReviewStep.review_id == review.id,
            ReviewStep.anchor == timeline.Anchor.REPORT,
            ReviewStep.status == StepStatus.TO_DO,
        )
    ):
        template = StepTemplate(step.key, step.title, Owner(step.owner), timeline.Anchor.REPORT, step.days)
        due = timeline.due_on(template, review.visit_start, presented_on)
        if due != step.due:
            before = snapshot(step)
            step.due, step.updated_at = due, utc_now()
            session.add(step)
            session.flush()
            record(session, actor=actor.name, action="update", row=step, before=before)


def assign_moderator(session: Session, *, actor: Actor, review_id: int, user_id: int | None) -> Review:
    """An admin assigns the reviewer who moderates the draft report: never one of the review's own reviewers."""
    require_admin(actor, "assign a moderator")
    review = access.review_for(session, actor, review_id)
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or not user.is_active or user.role not in (Role.REVIEWER, Role.ADMIN):
            raise InputError("moderator: choose an active reviewer")
        if user_id in (review.lead_user_id, review.second_user_id):
            raise InputError(f"moderator: {user.display_name} reviewed this service's review; choose someone else")
    before = snapshot(review)
    review.moderator_user_id = user_id
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="update", row=review, before=before)
    return review


# --- what is due from whom --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueStep:
    step_id: int
    key: str
    review_id: int
    service: str
    visit: date
    title: str
    owner: str
    due: date
    overdue: bool


def due_steps(session: Session, *, actor: Actor, today: date, overdue_only: bool = False) -> list[DueStep]:
    """Steps still to do, nearest first: each user's own; a commissioner's, the overdue steps of the services they
    oversee; an admin's, every one. Final reviews' steps count too (the report, deletion and action plan come
    after the scores are final)."""
    query = (
        select(ReviewStep, Review, Service.name)
        .join(Review, col(ReviewStep.review_id) == Review.id)
        .join(Service, col(Review.service_id) == Service.id)
        .where(ReviewStep.status == StepStatus.TO_DO)
        .order_by(col(ReviewStep.due), col(ReviewStep.review_id), col(ReviewStep.position))
    )
    if overdue_only or (actor.role == Role.COMMISSIONER and not actor.is_admin):
        query = query.where(col(ReviewStep.due) < today)
    if not actor.is_admin:
        query = _mine(session, actor, query)
    return [
        DueStep(
            step.id or 0,
            step.key,
            review.id or 0,
            service,
            review.visit_start,
            step.title,
            step.owner,
            step.due,
            step.due < today,
        )
        for step, review, service in session.exec(query)
    ]


def _mine(session: Session, actor: Actor, query: Any) -> Any:
    if actor.role == Role.COMMISSIONER:
        visible = access.visible_service_ids(session, actor) or set()
        return query.where(col(Review.service_id).in_(visible))
    if actor.role == Role.SERVICE_LEAD:
        led = select(UserScope.service_id).where(UserScope.user_id == actor.user_id)
        return query.where(ReviewStep.owner == Owner.SERVICE_LEAD, col(Review.service_id).in_(led))
    return query.where(
        ((ReviewStep.owner == Owner.LEAD_REVIEWER) & (Review.lead_user_id == actor.user_id))
        | ((ReviewStep.owner == Owner.MODERATOR) & (Review.moderator_user_id == actor.user_id))
    )
