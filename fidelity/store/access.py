"""Who may do what: roles, scopes and the checks the data layer makes before every read and write.

A reviewer works on the reviews they are assigned to and reads their services' final reviews; a
service lead reads their own services' final reviews and reports and keeps their improvement plans
and outcomes; a commissioner reads every service in their programmes or areas and changes nothing;
an admin does everything, including managing users. Checks live here, below the pages, so no page
can skip them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_
from sqlmodel import Session, col, select

from fidelity.errors import NotFound, PermissionDenied
from fidelity.models import Rater, Review, ReviewStatus, Service, UserScope


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    SERVICE_LEAD = "service lead"
    COMMISSIONER = "commissioner"


ROLE_DESCRIPTIONS = {
    Role.ADMIN: "everything, including users and the audit log",
    Role.REVIEWER: "scores the reviews they are assigned to; reads their services' history",
    Role.SERVICE_LEAD: "own services: reads reviews and reports, keeps improvement plans and outcomes",
    Role.COMMISSIONER: "reads every service in their programmes or areas; changes nothing",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the operator at the command line (an admin)."""

    name: str  # as written in the audit log
    role: Role
    user_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def operator(name: str = "command line") -> Actor:
    """Whoever runs the CLI on the server has the database already; they act as an admin."""
    return Actor(name=name, role=Role.ADMIN)


def denied(actor: Actor, what: str) -> PermissionDenied:
    return PermissionDenied(f"not allowed: a {actor.role} cannot {what}")


def require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise denied(actor, what)


def require_role(actor: Actor, roles: tuple[Role, ...], what: str) -> None:
    if actor.role not in roles and not actor.is_admin:
        raise denied(actor, what)


def visible_service_ids(session: Session, actor: Actor) -> set[int] | None:
    """The services this actor may read; None means every service."""
    if actor.is_admin:
        return None
    if actor.role == Role.REVIEWER:
        query = select(Review.service_id).where(
            or_(
                Review.lead_user_id == actor.user_id,
                Review.second_user_id == actor.user_id,
                Review.guide_user_id == actor.user_id,
                Review.moderator_user_id == actor.user_id,
            )
        )
        return set(session.exec(query))
    scopes = list(session.exec(select(UserScope).where(UserScope.user_id == actor.user_id)))
    if actor.role == Role.SERVICE_LEAD:
        return {s.service_id for s in scopes if s.service_id is not None}
    programmes = [s.programme_id for s in scopes if s.programme_id is not None]
    areas = [s.area_id for s in scopes if s.area_id is not None]
    if not programmes and not areas:
        return set()
    query = select(Service.id).where(or_(col(Service.programme_id).in_(programmes), col(Service.area_id).in_(areas)))
    return {service_id for service_id in session.exec(query) if service_id is not None}


def may_read_service(session: Session, actor: Actor, service_id: int) -> bool:
    visible = visible_service_ids(session, actor)
    return visible is None or service_id in visible


def require_service_read(session: Session, actor: Actor, service_id: int) -> None:
    if not may_read_service(session, actor, service_id):
        raise PermissionDenied(f"not allowed: service {service_id} is not one of the services you can see")


def assigned_raters(actor: Actor, review: Review) -> tuple[str, ...]:
    """The rater roles this user holds on this review (none for a user not assigned to it)."""
    if actor.user_id is None:
        return ()
    held = []
    if review.lead_user_id == actor.user_id:
        held.append(Rater.LEAD)
    if review.second_user_id == actor.user_id:
        held.append(Rater.SECOND)
    return tuple(held)


def guides(actor: Actor, review: Review) -> bool:
    """This user is the reviewer guiding a self-assessment (they comment; they do not score)."""
    return actor.user_id is not None and review.guide_user_id == actor.user_id


def may_read_review(session: Session, actor: Actor, review: Review) -> bool:
    """Drafts are for their reviewers, a self-assessment's guide, the moderator (and admins), and once the moderated
    draft is presented to the service, for its leads; final reviews for everyone who sees the service."""
    if actor.is_admin or assigned_raters(actor, review) or guides(actor, review) or moderates(actor, review):
        return True
    if review.report_shared_on is not None and actor.role == Role.SERVICE_LEAD:
        return may_read_service(session, actor, review.service_id)  # the moderated draft, presented to them
    return review.status == ReviewStatus.FINAL and may_read_service(session, actor, review.service_id)


def moderates(actor: Actor, review: Review) -> bool:
    return actor.user_id is not None and review.moderator_user_id == actor.user_id


def review_for(session: Session, actor: Actor, review_id: int) -> Review:
    """The review, if this actor may see it. To anyone but an admin, a review that does not exist and one they may
    not see get the same answer, so review ids cannot be probed."""
    review = session.get(Review, review_id)
    if review is not None and may_read_review(session, actor, review):
        return review
    if actor.is_admin:
        raise NotFound(f"review {review_id} does not exist")
    raise PermissionDenied(f"not allowed: review {review_id} is not one you can see")


def require_review_read(session: Session, actor: Actor, review: Review) -> None:
    if not may_read_review(session, actor, review):
        raise PermissionDenied(f"not allowed: review {review.id} is not one you can see")


def require_review_edit(actor: Actor, review: Review, rater: str | None = None) -> None:
    """Admins, or a reviewer assigned to the review (the service lead scoring a self-assessment counts as
    its reviewer); scoring as a rater needs to be that rater."""
    if actor.is_admin:
        return
    held = assigned_raters(actor, review)
    scorer = actor.role == Role.REVIEWER or (actor.role == Role.SERVICE_LEAD and review.is_self_assessment)
    if not scorer or not held:
        raise PermissionDenied(f"not allowed: you are not a reviewer of review {review.id}")
    if rater in (Rater.LEAD, Rater.SECOND) and rater not in held:
        raise PermissionDenied(
            f"not allowed: you are not the {rater} reviewer of review {review.id}; score as yourself"
        )


def require_service_upkeep(session: Session, actor: Actor, service_id: int, what: str) -> None:
    """Improvement plans and outcomes: admins, and service leads of the service."""
    if actor.is_admin:
        return
    if actor.role != Role.SERVICE_LEAD:
        raise denied(actor, what)
    if not may_read_service(session, actor, service_id):
        raise PermissionDenied(f"not allowed: service {service_id} is not one of your services")


def leads_service(session: Session, actor: Actor, service_id: int) -> bool:
    """A service lead account whose services include this one (not an admin standing in)."""
    return actor.role == Role.SERVICE_LEAD and may_read_service(session, actor, service_id)


def may_upkeep(session: Session, actor: Actor, service_id: int) -> bool:
    """Whether the actor keeps this service's improvement plans and outcomes (for showing the forms)."""
    try:
        require_service_upkeep(session, actor, service_id, "keep plans and outcomes")
    except PermissionDenied:
        return False
    return True
