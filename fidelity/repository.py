"""Reads and writes through a Session. Callers own the transaction (see db.session_scope).

Every write records an AuditEvent in the same transaction, so a change and its audit entry are
saved together or not at all.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, delete, select

from fidelity import access, imports, outcomes, plans, reports, scoring
from fidelity.access import Actor, Role
from fidelity.audit import record
from fidelity.audit import snapshot as _snapshot
from fidelity.errors import (
    Conflict,
    InputError,
    NotFound,
    PermissionDenied,
    Refused,
    ReviewLocked,
    check_version,
    validated,
)
from fidelity.models import (
    ActionInput,
    ActionNote,
    Area,
    AuditEvent,
    ImprovementAction,
    ItemRating,
    NamedCreate,
    OutcomePeriod,
    Programme,
    Rater,
    RatingInput,
    Review,
    ReviewCreate,
    ReviewStatus,
    ScaleSnapshot,
    Service,
    ServiceCreate,
    User,
    counted_rater_of,
    kind_label_of,
    utc_now,
)
from fidelity.scales import DATA_SOURCE_LABELS, Scale

Input = TypeVar("Input", bound=SQLModel)

__all__ = ["Conflict", "InputError", "NotFound", "PermissionDenied", "Refused", "ReviewLocked", "record", "validated"]


def _get(session: Session, model: type[Input], row_id: int) -> Input:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {row_id} does not exist")
    return row


def _name_taken(session: Session, model: type[SQLModel], name: str, *, except_id: int | None = None) -> bool:
    query = select(model).where(func.lower(model.name) == name.lower())  # type: ignore[attr-defined]
    return any(row.id != except_id for row in session.exec(query))  # type: ignore[attr-defined]


# --- programmes and areas -----------------------------------------------------------------------


def _create_named(session: Session, model: type[Programme] | type[Area], *, actor: Actor, name: str) -> Any:
    access.require_admin(actor, f"add a {model.__name__.lower()}")
    data = validated(NamedCreate, {"name": name})
    if _name_taken(session, model, data.name):
        raise InputError(f"name: a {model.__name__.lower()} called {data.name!r} already exists")
    row = model(name=data.name)
    session.add(row)
    session.flush()
    record(session, actor=actor.name, action="create", row=row)
    return row


def create_programme(session: Session, *, actor: Actor, name: str) -> Programme:
    return _create_named(session, Programme, actor=actor, name=name)  # type: ignore[no-any-return]


def create_area(session: Session, *, actor: Actor, name: str) -> Area:
    return _create_named(session, Area, actor=actor, name=name)  # type: ignore[no-any-return]


def list_programmes(session: Session) -> list[Programme]:
    return list(session.exec(select(Programme).order_by(Programme.name)))


def list_areas(session: Session) -> list[Area]:
    return list(session.exec(select(Area).order_by(Area.name)))


# --- services -----------------------------------------------------------------------------------


def _check_service_links(session: Session, data: ServiceCreate) -> None:
    if session.get(Programme, data.programme_id) is None:
        raise InputError(f"programme: {data.programme_id} is not a known programme")
    if session.get(Area, data.area_id) is None:
        raise InputError(f"area: {data.area_id} is not a known area")


def create_service(session: Session, *, actor: Actor, data: dict[str, Any]) -> Service:
    access.require_admin(actor, "add a service")
    service_in = validated(ServiceCreate, data)
    _check_service_links(session, service_in)
    if _name_taken(session, Service, service_in.name):
        raise InputError(f"name: a service called {service_in.name!r} already exists")
    service = Service.model_validate(service_in)
    session.add(service)
    session.flush()
    record(session, actor=actor.name, action="create", row=service)
    return service


def update_service(
    session: Session, *, actor: Actor, service_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Service:
    access.require_admin(actor, "change a service")
    service = _get(session, Service, service_id)
    check_version(service, expected_version, what=f"service {service.name}")
    before = _snapshot(service)
    service_in = validated(ServiceCreate, {**service.model_dump(include=set(ServiceCreate.model_fields)), **data})
    _check_service_links(session, service_in)
    if _name_taken(session, Service, service_in.name, except_id=service_id):
        raise InputError(f"name: a service called {service_in.name!r} already exists")
    for field, value in service_in.model_dump().items():
        setattr(service, field, value)
    service.updated_at = utc_now()
    session.add(service)
    session.flush()
    record(session, actor=actor.name, action="update", row=service, before=before)
    return service


def get_service(session: Session, service_id: int, *, actor: Actor) -> Service:
    access.require_service_read(session, actor, service_id)
    return _get(session, Service, service_id)


def _in_force() -> Any:
    """A final review that no amendment has replaced: the one that counts."""
    amendment = aliased(Review)
    corrected = select(amendment.amends_id).where(col(amendment.amends_id).is_not(None))
    # NOT IN an uncorrelated list (computed once) rather than NOT EXISTS per row: with almost every
    # amends_id NULL, SQLite's planner would otherwise scan the table for each review.
    return and_(Review.status == ReviewStatus.FINAL, col(Review.id).not_in(corrected))


def _visible(query: Any, visible: set[int] | None, service_column: Any) -> Any:
    """Limit a query to the services in `visible` (from access.visible_service_ids; None is every service)."""
    return query if visible is None else query.where(col(service_column).in_(visible))


@dataclass(frozen=True)
class ServiceOverview:
    id: int
    name: str
    provider: str
    programme: str
    area: str
    is_demo: bool
    latest_review_date: date | None
    latest_total: int | None
    latest_band: str | None
    previous_total: int | None
    reviews_in_progress: int

    @property
    def trend(self) -> int | None:
        if self.latest_total is None or self.previous_total is None:
            return None
        return self.latest_total - self.previous_total


def list_services_overview(session: Session, *, actor: Actor) -> list[ServiceOverview]:
    """Every service the actor can see, with its latest and previous final totals, in three queries."""
    visible = access.visible_service_ids(session, actor)
    services = session.exec(
        _visible(
            select(Service, Programme.name, Area.name)
            .join(Programme, col(Service.programme_id) == Programme.id)
            .join(Area, col(Service.area_id) == Area.id)
            .order_by(Area.name, Service.name),
            visible,
            Service.id,
        )
    ).all()
    finals = session.exec(
        _visible(
            select(Review.service_id, Review.visit_start, Review.total, Review.band)
            .where(_in_force())
            .order_by(col(Review.service_id), col(Review.visit_start).desc(), col(Review.id).desc()),
            visible,
            Review.service_id,
        )
    ).all()
    in_progress = dict(
        session.exec(
            _reviews_readable(
                select(Review.service_id, func.count())
                .where(Review.status != ReviewStatus.FINAL)
                .group_by(Review.service_id),
                actor,
                visible,
            )
        ).all()
    )
    latest: dict[int, list[tuple[date, int | None, str | None]]] = {}
    for service_id, visit, total, band in finals:
        history = latest.setdefault(service_id, [])
        if len(history) < 2:
            history.append((visit, total, band))
    rows = []
    for service, programme, area in services:
        history = latest.get(service.id or 0, [])
        rows.append(
            ServiceOverview(
                id=service.id or 0,
                name=service.name,
                provider=service.provider,
                programme=programme,
                area=area,
                is_demo=service.is_demo,
                latest_review_date=history[0][0] if history else None,
                latest_total=history[0][1] if history else None,
                latest_band=history[0][2] if history else None,
                previous_total=history[1][1] if len(history) > 1 else None,
                reviews_in_progress=in_progress.get(service.id or 0, 0),
            )
        )
    return rows


def data_version(session: Session) -> int:
    """Grows with every write (each write adds an audit event): a cheap key for cached reads."""
    return int(session.exec(select(func.max(AuditEvent.id))).one() or 0)


def has_services(session: Session) -> bool:
    return session.exec(select(Service.id).limit(1)).first() is not None


# --- reviews ------------------------------------------------------------------------------------


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


def review_scale(session: Session, review: Review) -> Scale:
    return Scale.from_json(_get(session, ScaleSnapshot, review.scale_hash).content)  # type: ignore[arg-type]


def _assigned_reviewer(session: Session, user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.role not in (Role.REVIEWER, Role.ADMIN):
        raise InputError(f"{field}: user {user_id} is not an active reviewer or admin account")
    return user


def start_review(session: Session, *, actor: Actor, scales: dict[str, Scale], data: dict[str, Any]) -> Review:
    """Start a review and assign its reviewers (admins only); reviewers then score it themselves."""
    access.require_admin(actor, "start a review or assign its reviewers")
    review_in = validated(ReviewCreate, data)
    _get(session, Service, review_in.service_id)
    lead = _assigned_reviewer(session, review_in.lead_user_id, "lead reviewer")
    second = _assigned_reviewer(session, review_in.second_user_id, "second reviewer")
    if lead is not None and second is not None and lead.id == second.id:
        raise InputError("second reviewer: must be a different person from the lead reviewer")
    review_in.lead_reviewer = lead.display_name if lead else review_in.lead_reviewer
    review_in.second_reviewer = second.display_name if second else review_in.second_reviewer
    if not review_in.lead_reviewer:
        raise InputError("lead reviewer: choose who leads the review")
    scale = scales.get(review_in.scale_id)
    if scale is None:
        raise InputError(f"scale: {review_in.scale_id!r} is not one of {sorted(scales)}")
    pin_scale(session, scale)
    review = Review.model_validate(
        review_in,
        update={
            "scale_version": scale.version,
            "scale_hash": scale.content_hash,
            "kind": str(review_in.kind),
            "status": ReviewStatus.DRAFT,
        },
    )
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="create", row=review)
    return review


def get_review(session: Session, review_id: int, *, actor: Actor) -> Review:
    review = _get(session, Review, review_id)
    access.require_review_read(session, actor, review)
    return review


def _reviews_readable(query: Any, actor: Actor, visible: set[int] | None) -> Any:
    """Limit a query on Review to what the actor may read (see access.may_read_review); `visible` as in _visible."""
    if actor.is_admin:
        return query
    assigned = or_(Review.lead_user_id == actor.user_id, Review.second_user_id == actor.user_id)
    finals = and_(Review.status == ReviewStatus.FINAL, col(Review.service_id).in_(visible or set()))
    return query.where(or_(assigned, finals))


def list_reviews(
    session: Session, *, actor: Actor, service_id: int | None = None, statuses: tuple[str, ...] | None = None
) -> list[Review]:
    query = select(Review).order_by(col(Review.visit_start).desc(), col(Review.id).desc())
    if service_id is not None:
        query = query.where(Review.service_id == service_id)
    if statuses:
        query = query.where(col(Review.status).in_(statuses))
    return list(session.exec(_reviews_readable(query, actor, access.visible_service_ids(session, actor))))


def _writable(review: Review) -> None:
    if review.status == ReviewStatus.FINAL:
        raise ReviewLocked(f"review {review.id} is final and locked; correct it with an amendment")


def _may_rate(review: Review, rater: str) -> None:
    """Each reviewer scores alone until both have submitted; then only agreed scores change."""
    if rater not in (*review.raters, Rater.CONSENSUS) or (rater == Rater.CONSENSUS and review.single_reviewer):
        raise InputError(f"rater: this review has no {rater} reviewer")
    if rater == Rater.CONSENSUS and not review.consensus_open:
        raise InputError("consensus: agreed scores open when both reviewers have submitted their scores")
    if rater != Rater.CONSENSUS and review.submitted(rater):
        raise ReviewLocked(f"{review.reviewer_name(rater)} has submitted their scores; they can no longer change")


def save_rating(
    session: Session,
    *,
    actor: Actor,
    review_id: int,
    data: dict[str, Any],
    rater: str = Rater.LEAD,
    expected_version: int | None = None,
) -> ItemRating | None:
    """Save one reviewer's rating of one item of an open review.

    Only the fields given change; the others keep their stored values. Saving what is already
    stored writes nothing, and the stored rating (or None) is returned. `expected_version` is the
    version the user's page showed (0 for none yet): a rating saved by someone else since is a Conflict.
    """
    review = _get(session, Review, review_id)
    access.require_review_edit(actor, review, rater)
    _writable(review)
    _may_rate(review, rater)
    rating_in = validated(RatingInput, data)
    scale = review_scale(session, review)
    if not 1 <= rating_in.item_number <= len(scale.items):
        raise InputError(f"item: {rating_in.item_number} is not an item of {scale.id} (1-{len(scale.items)})")
    item = scale.item(rating_in.item_number)
    if item.checklist is not None:
        bad = [i for i in rating_in.checklist_ticked if not 0 <= i < len(item.checklist.elements)]
        if bad:
            raise InputError(
                f"checklist: item {item.number} has elements 0-{len(item.checklist.elements) - 1}, got {bad}"
            )
    unknown_sources = sorted(set(rating_in.data_sources) - set(DATA_SOURCE_LABELS))
    if unknown_sources:
        raise InputError(f"data sources: unknown {unknown_sources}; use MIS, DOC, INT or OBS")
    rating = session.exec(
        select(ItemRating).where(
            ItemRating.review_id == review_id,
            ItemRating.item_number == rating_in.item_number,
            ItemRating.rater == rater,
        )
    ).first()
    before = _snapshot(rating) if rating else None
    entered = rating_in.model_dump(exclude={"item_number"}, exclude_unset=True)
    if "checklist_ticked" in entered:
        entered["checklist_ticked"] = sorted(set(rating_in.checklist_ticked))
    stored = rating if rating is not None else RatingInput(item_number=rating_in.item_number)
    if all(getattr(stored, field) == value for field, value in entered.items()):
        return rating  # nothing to save: no write, no audit entry (and no conflict: it is as the user wants)
    if expected_version is not None:  # a rating not yet saved counts as version 0
        check_version(rating or ItemRating(version=0), expected_version, what=f"item {item.number}")
    if rating is None:
        rating = ItemRating(review_id=review_id, item_number=rating_in.item_number, rater=rater)
    for field, value in entered.items():
        setattr(rating, field, value)
    rating.updated_at = utc_now()
    session.add(rating)
    if review.status == ReviewStatus.DRAFT and rater != Rater.CONSENSUS:
        review.status = ReviewStatus.SCORING
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="create" if before is None else "update", row=rating, before=before)
    return rating


def ratings_of(session: Session, review_id: int, *, rater: str = Rater.LEAD) -> dict[int, ItemRating]:
    rows = session.exec(select(ItemRating).where(ItemRating.review_id == review_id, ItemRating.rater == rater))
    return {row.item_number: row for row in rows}


def scores_of(session: Session, review_id: int, *, rater: str = Rater.LEAD) -> dict[int, int]:
    """The scored items of one review, as item number -> score."""
    rows = session.exec(
        select(ItemRating.item_number, ItemRating.score).where(
            ItemRating.review_id == review_id, ItemRating.rater == rater, col(ItemRating.score).is_not(None)
        )
    )
    return {number: score for number, score in rows if score is not None}


def submit_scores(session: Session, *, actor: Actor, review_id: int, rater: str) -> Review:
    """A reviewer hands in a complete set of independent scores; when both have, consensus opens.

    Items both reviewers scored the same are entered as agreed, to be confirmed at consensus.
    """
    review = _get(session, Review, review_id)
    access.require_review_edit(actor, review, rater)
    _writable(review)
    if review.single_reviewer or rater not in review.raters:
        raise InputError("rater: only the two reviewers of a two-reviewer review submit scores")
    if review.submitted(rater):
        raise ReviewLocked(f"{review.reviewer_name(rater)} has already submitted their scores")
    scale = review_scale(session, review)
    missing = scoring.unscored_items(scale, scores_of(session, review_id, rater=rater))
    if missing:
        numbers = ", ".join(str(item.number) for item in missing)
        raise InputError(f"cannot submit: {len(missing)} item(s) not scored yet (item {numbers})")
    before = _snapshot(review)
    setattr(review, f"{rater}_submitted_at", utc_now())
    if review.consensus_open:
        review.status = ReviewStatus.CONSENSUS
        lead, second = (scores_of(session, review_id, rater=r) for r in (Rater.LEAD, Rater.SECOND))
        for number, score in lead.items():
            if second.get(number) == score:
                session.add(ItemRating(review_id=review_id, item_number=number, rater=Rater.CONSENSUS, score=score))
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action=f"submit_{rater}", row=review, before=before)
    return review


@dataclass(frozen=True)
class ReviewContext:
    """One review with what its pages show: its pinned scale, ratings and the previous final review."""

    review: Review
    scale: Scale
    ratings: dict[str, dict[int, ItemRating]]  # rater -> item number -> rating
    previous: Review | None
    previous_scores: dict[int, int]
    previous_actions: list[ImprovementAction]  # the plan that followed the previous final review
    amendment_of: Review | None = None  # the final review this one corrects
    amended_by: Review | None = None  # the amendment that replaced this one

    def scores(self, rater: str) -> dict[int, int]:
        return {n: r.score for n, r in self.ratings.get(rater, {}).items() if r.score is not None}

    @property
    def counted_scores(self) -> dict[int, int]:
        """The scores that make the total: agreed ones, or the single reviewer's."""
        return self.scores(self.review.counted_rater)

    def item_rows(self) -> list[dict[str, Any]]:
        """One row per item as the summary and the report show it."""
        counted = self.ratings.get(self.review.counted_rater, {})
        change = scoring.change_since(self.scale, self.counted_scores, self.previous_scores)
        rows = []
        for item in self.scale.items:
            rating = counted.get(item.number)
            evidence = [
                r.evidence
                for rater in self.review.raters
                if (r := self.ratings.get(rater, {}).get(item.number)) and r.evidence
            ]
            rows.append(
                {
                    "No.": item.number,
                    "Item": item.name,
                    "Section": self.scale.section(item.section).title,
                    "Score": rating.score if rating else None,
                    "Change": change.items.get(item.number),
                    "Strength": rating.strength if rating else "",
                    "Recommendation": rating.recommendation if rating else "",
                    "Rationale": rating.rationale if rating else "",
                    "Evidence": " / ".join(evidence),
                    "Provisional": "yes" if item.provisional else "",
                }
            )
        return rows

    def actions_since_previous(self) -> list[dict[str, Any]]:
        """Per item: the actions of the previous review's plan, and how the score moved since."""
        change = scoring.change_since(self.scale, self.counted_scores, self.previous_scores)
        return [
            {
                "No.": action.item_number,
                "Item": self.scale.item(action.item_number).name if action.item_number else "Whole service",
                "Action": action.description,
                "Status": action.status,
                "Score then": self.previous_scores.get(action.item_number) if action.item_number else None,
                "Score now": self.counted_scores.get(action.item_number) if action.item_number else None,
                "Change": change.items.get(action.item_number) if action.item_number else None,
            }
            for action in self.previous_actions
        ]


def report_data(session: Session, review_id: int, *, actor: Actor) -> reports.ReportData:
    """Everything the fidelity report shows for one review."""
    context = review_context(session, review_id, actor=actor)
    review, scale = context.review, context.scale
    service = _get(session, Service, review.service_id)
    area, programme = _get(session, Area, service.area_id), _get(session, Programme, service.programme_id)
    scores = context.counted_scores
    summary = scoring.summarise(scale, scores)
    item_names = {item.number: f"{item.number}. {item.name}" for item in scale.items}
    return reports.ReportData(
        service=service.name,
        area=area.name,
        programme=programme.name,
        kind=review.kind_label,
        visit=f"{review.visit_start:%d %b %Y}" + (f" to {review.visit_end:%d %b %Y}" if review.visit_end else ""),
        reviewers=review.lead_reviewer + (f" (lead) and {review.second_reviewer}" if review.second_reviewer else ""),
        finalised=review.finalised_at.date() if review.finalised_at and review.status == ReviewStatus.FINAL else None,
        scale_label=scale.label,
        provisional_items=sum(item.provisional for item in scale.items),
        total=summary.total,
        band=summary.band.label if summary.band else None,
        sections=summary.sections,
        section_maxima={s.title: 5 * sum(1 for i in scale.items if i.section == s.id) for s in scale.sections},
        principles=summary.principles,
        previous_principles=scoring.principle_profile(scale, context.previous_scores)
        if context.previous_scores
        else None,
        items=context.item_rows(),
        actions=[
            {
                "Item": item_names.get(a.item_number or 0, "Whole service"),
                "Action": a.description,
                "Owner": a.owner,
                "Due": a.due_date,
                "Status": a.status,
            }
            for a in _actions_of(session, review)
        ],
    )


def review_context(session: Session, review_id: int, *, actor: Actor) -> ReviewContext:
    """A review as this actor may see it: a reviewer sees only their own scores until both have submitted."""
    review = _get(session, Review, review_id)
    access.require_review_read(session, actor, review)
    previous = previous_final_review(session, review)
    shown_raters: tuple[str, ...] = (Rater.LEAD, Rater.SECOND, Rater.CONSENSUS)
    held = access.assigned_raters(actor, review)
    if not actor.is_admin and held and review.status != ReviewStatus.FINAL and not review.consensus_open:
        shown_raters = held
    ratings: dict[str, dict[int, ItemRating]] = {}
    query = select(ItemRating).where(ItemRating.review_id == review_id, col(ItemRating.rater).in_(shown_raters))
    for row in session.exec(query):
        ratings.setdefault(row.rater, {})[row.item_number] = row
    return ReviewContext(
        review=review,
        scale=review_scale(session, review),
        ratings=ratings,
        previous=previous,
        previous_scores=counted_scores(session, previous) if previous else {},
        previous_actions=_actions_of(session, previous) if previous else [],
        amendment_of=session.get(Review, review.amends_id) if review.amends_id else None,
        amended_by=session.exec(select(Review).where(Review.amends_id == review.id)).first(),
    )


def counted_scores(session: Session, review: Review) -> dict[int, int]:
    return scores_of(session, review.id or 0, rater=review.counted_rater)


def finalise_review(session: Session, *, actor: Actor, review_id: int) -> Review:
    """Lock a complete review and record its total and band (from the counted scores)."""
    review = _get(session, Review, review_id)
    access.require_review_edit(actor, review)
    _writable(review)
    if not review.single_reviewer and not review.consensus_open:
        raise InputError("cannot finalise: both reviewers must submit their scores and agree the consensus first")
    scale = review_scale(session, review)
    scores = counted_scores(session, review)
    missing = scoring.unscored_items(scale, scores)
    if missing:
        numbers = ", ".join(str(item.number) for item in missing)
        what = "scored" if review.single_reviewer else "agreed"
        raise InputError(f"cannot finalise: {len(missing)} item(s) not {what} yet (item {numbers})")
    before = _snapshot(review)
    if review.single_reviewer:
        review.lead_submitted_at = utc_now()
    summary = scoring.summarise(scale, scores)
    review.total = summary.total
    review.band = summary.band.label if summary.band else None
    review.status = ReviewStatus.FINAL
    review.finalised_at = review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="finalise", row=review, before=before)
    return review


def previous_final_review(session: Session, review: Review) -> Review | None:
    """The service's last final review on the same scale before this one's visit."""
    return session.exec(
        select(Review)
        .where(
            Review.service_id == review.service_id,
            _in_force(),
            Review.scale_id == review.scale_id,
            Review.id != review.id,
            col(Review.id) != review.amends_id,
            col(Review.visit_start) <= review.visit_start,
        )
        .order_by(col(Review.visit_start).desc(), col(Review.id).desc())
        .limit(1)
    ).first()


def scored_counts(session: Session, review_ids: list[int], *, rater: str = Rater.LEAD) -> dict[int, int]:
    """How many items each review has scored, in one query."""
    if not review_ids:
        return {}
    rows = session.exec(
        select(ItemRating.review_id, func.count())
        .where(col(ItemRating.review_id).in_(review_ids), ItemRating.rater == rater, col(ItemRating.score).is_not(None))
        .group_by(ItemRating.review_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class ReviewListing:
    review: Review
    service_name: str
    scored: int


def list_reviews_with_services(
    session: Session, *, actor: Actor, statuses: tuple[str, ...], limit: int = 50
) -> list[ReviewListing]:
    """Reviews in the given statuses that the actor may read, newest visit first, with service and progress."""
    rows = session.exec(
        _reviews_readable(
            select(Review, Service.name)
            .join(Service, col(Review.service_id) == Service.id)
            .where(col(Review.status).in_(statuses))
            .order_by(col(Review.visit_start).desc(), col(Review.id).desc())
            .limit(limit),
            actor,
            access.visible_service_ids(session, actor),
        )
    ).all()
    counts = scored_counts(session, [review.id for review, _ in rows if review.id is not None])
    return [
        ReviewListing(review=review, service_name=name, scored=counts.get(review.id or 0, 0)) for review, name in rows
    ]


@dataclass(frozen=True)
class HistoryEntry:
    review: Review
    scores: dict[int, int]


def service_history(session: Session, service_id: int, *, actor: Actor) -> list[HistoryEntry]:
    """The service's final reviews in force (amended ones by their amendment), oldest first, with scores."""
    access.require_service_read(session, actor, service_id)
    finals = list(
        session.exec(
            select(Review)
            .where(Review.service_id == service_id, _in_force())
            .order_by(col(Review.visit_start), col(Review.id))
        )
    )
    counted = {review.id: review.counted_rater for review in finals}
    scores: dict[int, dict[int, int]] = {review.id or 0: {} for review in finals}
    rows = session.exec(
        select(ItemRating.review_id, ItemRating.rater, ItemRating.item_number, ItemRating.score).where(
            col(ItemRating.review_id).in_(list(counted)), col(ItemRating.score).is_not(None)
        )
    )
    for review_id, rater, item_number, score in rows:
        if rater == counted[review_id] and score is not None:
            scores[review_id][item_number] = score
    return [HistoryEntry(review=review, scores=scores[review.id or 0]) for review in finals]


# --- past reviews from a file -----------------------------------------------------------------------


class ImportRefused(InputError):
    """A file with problems; nothing was imported. `problems` names each row and column."""

    def __init__(self, problems: list[imports.Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"nothing imported: {len(problems)} problem(s): {shown}{more}")


@dataclass(frozen=True)
class ImportResult:
    imported: list[int]  # file rows imported
    already_present: list[int]  # file rows whose review was imported before


def import_past_reviews(
    session: Session, *, actor: Actor, scales: dict[str, Scale], content: bytes, filename: str, today: date
) -> ImportResult:
    """Import final past reviews from CSV or XLSX: all rows or none; a review already present is skipped."""
    access.require_admin(actor, "import past reviews")
    try:
        rows = imports.read_rows(content, filename)
    except imports.ImportFileError as error:
        raise InputError(str(error)) from error
    services = {s.name.lower(): s for s in session.exec(select(Service))}
    checked = imports.check_rows(rows, services={k: v.name for k, v in services.items()}, scales=scales, today=today)
    if not checked.ok:
        raise ImportRefused(checked.problems)
    existing = {
        (r.service_id, r.visit_start, r.scale_id)
        for r in session.exec(select(Review).where(col(Review.service_id).in_([s.id for s in services.values()])))
    }
    imported, present = [], []
    for past in checked.reviews:
        service = services[past.service.lower()]
        if (service.id, past.visit, past.scale_id) in existing:
            present.append(past.row)
            continue
        scale = scales[past.scale_id]
        pin_scale(session, scale)
        summary = scoring.summarise(scale, past.scores)
        review = Review(
            service_id=service.id or 0,
            scale_id=scale.id,
            scale_version=scale.version,
            scale_hash=scale.content_hash,
            kind=past.kind,
            status=ReviewStatus.FINAL,
            visit_start=past.visit,
            lead_reviewer=past.lead_reviewer,
            second_reviewer=past.second_reviewer,
            total=summary.total,
            band=summary.band.label if summary.band else None,
        )
        review.finalised_at = review.lead_submitted_at = utc_now()
        if past.second_reviewer:
            review.second_submitted_at = review.finalised_at
        session.add(review)
        session.flush()
        session.add_all(
            ItemRating(
                review_id=review.id or 0,
                item_number=number,
                rater=review.counted_rater,
                score=score,
                evidence=f"Imported from {filename}, row {past.row}.",
            )
            for number, score in past.scores.items()
        )
        record(session, actor=actor.name, action="import", row=review)
        existing.add((service.id, past.visit, past.scale_id))
        imported.append(past.row)
    session.flush()
    return ImportResult(imported=imported, already_present=present)


# --- quarterly outcomes ---------------------------------------------------------------------------

OUTCOME_FIELDS = tuple(outcomes.FIELD_LABELS)


def _outcome_problems(quarter: str, figures: dict[str, Any]) -> dict[str, str]:
    found = {}
    try:
        outcomes.quarter_start(quarter)
    except ValueError as error:
        found["quarter"] = str(error).removeprefix("quarter: ")
    return found | outcomes.problems(figures)


def save_outcome(
    session: Session,
    *,
    actor: Actor,
    service_id: int,
    quarter: str,
    figures: dict[str, Any],
    replace: bool = False,
    expected_version: int | None = None,
) -> OutcomePeriod:
    """Enter (or, with `replace`, correct) one service's figures for one quarter.

    `expected_version` is the version of the quarter the user corrected: a newer one is a Conflict.
    """
    access.require_service_upkeep(session, actor, service_id, "enter outcomes")
    _get(session, Service, service_id)
    quarter = quarter.strip().upper()
    found = _outcome_problems(quarter, figures)
    if found:
        raise InputError("; ".join(f"{outcomes.FIELD_LABELS.get(k, k)}: {m}" for k, m in found.items()))
    existing = session.exec(
        select(OutcomePeriod).where(OutcomePeriod.service_id == service_id, OutcomePeriod.quarter == quarter)
    ).first()
    if existing is not None and not replace:
        raise InputError(f"quarter: {quarter} is already entered for this service; correct it instead")
    if existing is not None:
        check_version(existing, expected_version, what=f"the {quarter} figures")
    before = _snapshot(existing) if existing else None
    period = existing or OutcomePeriod(
        service_id=service_id,
        quarter=quarter,
        quarter_start=outcomes.quarter_start(quarter),
        **dict.fromkeys(OUTCOME_FIELDS, 0),
    )
    for field in OUTCOME_FIELDS:
        value = float(figures[field])
        setattr(period, field, value if field == "specialist_fte" else int(value))
    period.updated_at = utc_now()
    session.add(period)
    session.flush()
    record(session, actor=actor.name, action="update" if before else "create", row=period, before=before)
    return period


def list_outcomes(session: Session, *, actor: Actor, service_id: int) -> list[OutcomePeriod]:
    access.require_service_read(session, actor, service_id)
    return list(
        session.exec(
            select(OutcomePeriod).where(OutcomePeriod.service_id == service_id).order_by(OutcomePeriod.quarter_start)
        )
    )


def import_outcomes(session: Session, *, actor: Actor, content: bytes, filename: str) -> list[int]:
    """Import quarters from CSV or XLSX: all rows or none; refuses unknown services, services outside the
    actor's own, and quarters entered twice."""
    access.require_role(actor, (Role.SERVICE_LEAD,), "enter outcomes")
    visible = access.visible_service_ids(session, actor)
    try:
        rows = imports.read_rows(content, filename, required=("service", "quarter", *OUTCOME_FIELDS))
    except imports.ImportFileError as error:
        raise InputError(str(error)) from error
    services = {s.name.lower(): s for s in session.exec(select(Service))}
    entered = {(p.service_id, p.quarter) for p in session.exec(select(OutcomePeriod))}
    problems: list[imports.Problem] = []
    valid: list[tuple[int, Service, str, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for row_number, row in enumerate(rows, start=2):
        if not any(str(v).strip() for v in row.values()):
            continue
        name, quarter = str(row["service"]).strip(), str(row["quarter"]).strip().upper()
        found = _outcome_problems(quarter, {f: row[f] for f in OUTCOME_FIELDS})
        service = services.get(name.lower())
        if service is not None and visible is not None and service.id not in visible:
            found = {"service": f"{service.name} is not one of your services"} | found
        elif service is None:
            found = {"service": f"no service called {name!r}" if name else "is empty"} | found
        elif "quarter" not in found:
            if (service.id, quarter) in entered:
                found["quarter"] = f"{quarter} is already entered for {service.name}"
            elif (name.lower(), quarter) in seen:
                found["quarter"] = f"{quarter} for {service.name} is also on row {seen[(name.lower(), quarter)]}"
            seen.setdefault((name.lower(), quarter), row_number)
        if found:
            problems += [imports.Problem(row_number, column, message) for column, message in found.items()]
        elif service is not None:
            valid.append((row_number, service, quarter, {f: row[f] for f in OUTCOME_FIELDS}))
    if not problems and not valid:
        problems.append(imports.Problem(2, "service", "the file has no quarters below its header row"))
    if problems:
        raise ImportRefused(problems)
    for _, service, quarter, figures in valid:
        save_outcome(session, actor=actor, service_id=service.id or 0, quarter=quarter, figures=figures)
    return [row for row, *_ in valid]


@dataclass(frozen=True)
class FidelityOutcome:
    service: str
    review_date: date
    total: int
    employment_rate: float  # over the quarters after the review, pooled
    out_of_work: int  # the rate's denominator (n)


@dataclass(frozen=True)
class FinalRow:
    """A final review in force, as comparisons need it (no ORM object: thousands are read at once)."""

    review_id: int
    service_id: int
    service: str
    visit_start: date
    total: int
    band: str | None
    kind_label: str


@dataclass(frozen=True)
class QuarterRow:
    service_id: int
    quarter: str
    quarter_start: date
    out_of_work: int
    first_job_starts: int
    starts: int
    sustained_26_weeks: int


def _final_rows(session: Session, visible: set[int] | None, *conditions: Any) -> list[FinalRow]:
    query = (
        select(
            Review.id,
            Review.service_id,
            Service.name,
            Review.visit_start,
            Review.total,
            Review.band,
            Review.kind,
            Review.second_reviewer,
        )
        .join(Service, col(Review.service_id) == Service.id)
        .where(_in_force(), *conditions)
        .order_by(col(Review.visit_start), col(Review.id))
    )
    return [
        FinalRow(
            review_id=review_id,
            service_id=service_id,
            service=name,
            visit_start=visit,
            total=total or 0,
            band=band,
            kind_label=kind_label_of(kind, second),
        )
        for review_id, service_id, name, visit, total, band, kind, second in session.exec(
            _visible(query, visible, Review.service_id)
        )
    ]


def _quarter_rows(session: Session, visible: set[int] | None, *conditions: Any) -> list[QuarterRow]:
    query = (
        select(
            OutcomePeriod.service_id,
            OutcomePeriod.quarter,
            OutcomePeriod.quarter_start,
            OutcomePeriod.out_of_work,
            OutcomePeriod.first_job_starts,
            OutcomePeriod.starts,
            OutcomePeriod.sustained_26_weeks,
        )
        .where(*conditions)
        .order_by(col(OutcomePeriod.service_id), col(OutcomePeriod.quarter_start))
    )
    return [QuarterRow(*row) for row in session.exec(_visible(query, visible, OutcomePeriod.service_id))]


def fidelity_outcome_pairs(session: Session, *, actor: Actor, quarters_after: int = 2) -> list[FidelityOutcome]:
    """One point per final review in force: its total, and the employment rate over the next `quarters_after`
    quarters. Only services the actor can see; reviews with no outcome quarter after them are left out.
    """
    visible = access.visible_service_ids(session, actor)
    periods: dict[int, list[QuarterRow]] = {}
    for period in _quarter_rows(session, visible):
        periods.setdefault(period.service_id, []).append(period)
    pairs = []
    for review in _final_rows(session, visible):
        service_periods = periods.get(review.service_id, [])
        first = bisect.bisect_right([p.quarter_start for p in service_periods], review.visit_start)
        after = service_periods[first : first + quarters_after]
        out_of_work = sum(p.out_of_work for p in after)
        if after and out_of_work > 0:
            pairs.append(
                FidelityOutcome(
                    service=review.service,
                    review_date=review.visit_start,
                    total=review.total,
                    employment_rate=sum(p.first_job_starts for p in after) / out_of_work,
                    out_of_work=out_of_work,
                )
            )
    return pairs


@dataclass(frozen=True)
class Comparison:
    """What the Compare sites page shows for a set of services and a period."""

    finals: list[FinalRow]  # final reviews in force in the period, oldest first
    latest_scores: dict[int, dict[int, int]]  # service id -> item scores of its latest final review
    periods: list[QuarterRow]  # outcome quarters in the period


def comparison(session: Session, *, actor: Actor, service_ids: list[int], start: date, end: date) -> Comparison:
    """Final reviews in force and outcome quarters of the chosen services (those the actor can see) between
    `start` and `end`: three queries, reading columns rather than whole rows."""
    visible = access.visible_service_ids(session, actor)
    chosen = col(Review.service_id).in_(service_ids)
    finals = _final_rows(session, visible, chosen, col(Review.visit_start) >= start, col(Review.visit_start) <= end)
    latest = {row.service_id: row.review_id for row in finals}
    by_review = {review_id: service_id for service_id, review_id in latest.items()}
    scores: dict[int, dict[int, int]] = {service_id: {} for service_id in latest}
    if by_review:
        rows = session.exec(
            select(
                ItemRating.review_id, ItemRating.item_number, ItemRating.score, ItemRating.rater, Review.second_reviewer
            )
            .join(Review, col(ItemRating.review_id) == Review.id)
            .where(col(ItemRating.review_id).in_(list(by_review)), col(ItemRating.score).is_not(None))
        )
        for review_id, number, score, rater, second in rows:
            if rater == counted_rater_of(second):
                scores[by_review[review_id]][number] = score
    periods = _quarter_rows(
        session,
        visible,
        col(OutcomePeriod.service_id).in_(service_ids),
        col(OutcomePeriod.quarter_start) >= start,
        col(OutcomePeriod.quarter_start) <= end,
    )
    return Comparison(finals=finals, latest_scores=scores, periods=periods)


def outcomes_template_csv() -> bytes:
    header = ["service", "quarter", *OUTCOME_FIELDS]
    example = ["Example IPS service", "2025-Q1", "2.5", "50", "30", "25", "40", "8", "16", "19", "5", "9", "6", "120"]
    return (",".join(header) + "\n" + ",".join(example) + "\n").encode("utf-8")


# --- improvement plans ----------------------------------------------------------------------------


def _plan_review(session: Session, actor: Actor, review_id: int) -> Review:
    review = _get(session, Review, review_id)
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


def _actions_of(session: Session, review: Review) -> list[ImprovementAction]:
    """The plan of a review, including actions made on the reviews its amendments replaced."""
    query = select(ImprovementAction).where(col(ImprovementAction.review_id).in_(_amended_chain(session, review)))
    return list(session.exec(query.order_by(col(ImprovementAction.due_date), col(ImprovementAction.id))))


def _check_action_item(session: Session, review: Review, item_number: int | None) -> None:
    if item_number is not None:
        scale = review_scale(session, review)
        if not 1 <= item_number <= len(scale.items):
            raise InputError(f"item: {item_number} is not an item of {scale.id} (1-{len(scale.items)})")


def create_plan_from_review(session: Session, *, actor: Actor, review_id: int) -> list[ImprovementAction]:
    """Draft one action for every item scored 3 or below, from its recommendation; skips items that have one."""
    review = _plan_review(session, actor, review_id)
    scale = review_scale(session, review)
    context_ratings = ratings_of(session, review_id, rater=review.counted_rater)
    existing = {a.item_number for a in _actions_of(session, review)}
    report_date = (review.finalised_at or utc_now()).date()
    created = []
    for number, rating in sorted(context_ratings.items()):
        if not plans.needs_action(rating.score) or number in existing:
            continue
        item = scale.item(number)
        action = ImprovementAction(
            review_id=review_id,
            item_number=number,
            description=rating.recommendation.strip() or f"Raise “{item.name}” above score {rating.score}",
            due_date=plans.default_due_date(report_date),
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
    if action.status == plans.ActionStatus.DONE:
        action.done_on = date.today()
    session.add(action)
    session.flush()
    record(session, actor=actor.name, action="create", row=action)
    return action


def update_action(
    session: Session, *, actor: Actor, action_id: int, data: dict[str, Any], expected_version: int | None = None
) -> ImprovementAction:
    """Change an action; marking it done records the day, reopening it clears that."""
    action = _get(session, ImprovementAction, action_id)
    review = _plan_review(session, actor, action.review_id)
    check_version(action, expected_version, what="this action")
    before = _snapshot(action)
    current = action.model_dump(include=set(ActionInput.model_fields))
    action_in = validated(ActionInput, {**current, **data})
    _check_action_item(session, review, action_in.item_number)
    for field, value in action_in.model_dump().items():
        setattr(action, field, str(value) if field == "status" else value)
    if action.status == plans.ActionStatus.DONE and action.done_on is None:
        action.done_on = date.today()
    elif action.status != plans.ActionStatus.DONE:
        action.done_on = None
    if _snapshot(action) == before:
        return action
    action.updated_at = utc_now()
    session.add(action)
    session.flush()
    record(session, actor=actor.name, action="update", row=action, before=before)
    return action


def add_action_note(session: Session, *, actor: Actor, action_id: int, noted_on: date, text: str) -> ActionNote:
    action = _get(session, ImprovementAction, action_id)
    _plan_review(session, actor, action.review_id)
    if not text.strip():
        raise InputError("note: must not be empty")
    note = ActionNote(action_id=action_id, noted_on=noted_on, text=text.strip())
    session.add(note)
    session.flush()
    record(session, actor=actor.name, action="create", row=note)
    return note


def list_actions(
    session: Session, *, actor: Actor, review_id: int | None = None, service_id: int | None = None
) -> list[ImprovementAction]:
    """The plan of one final review (with actions carried over from the reviews it amends), or of a service."""
    if review_id is not None:
        review = get_review(session, review_id, actor=actor)
        return _actions_of(session, review)
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

AMENDABLE_FIELDS = ("score", "rationale", "strength", "recommendation")


def amend_review(
    session: Session, *, actor: Actor, review_id: int, reason: str, changes: dict[int, dict[str, Any]]
) -> Review:
    """Correct a final review: a new final review (the amendment) with the changes and the reason.

    The original stays exactly as it was and is still shown, marked as amended; totals, history and
    comparisons use the amendment from then on. `changes` maps item number -> the agreed fields to change.
    """
    original = _get(session, Review, review_id)
    access.require_review_edit(actor, original)
    if original.status != ReviewStatus.FINAL:
        raise InputError("review: only a final review is amended; change a draft directly")
    later = session.exec(select(Review).where(Review.amends_id == review_id)).first()
    if later is not None:
        raise Conflict(f"review {review_id} has already been amended (review {later.id}); amend that one instead")
    reason = reason.strip()
    if not reason:
        raise InputError("reason: say why the final review is being corrected")
    scale = review_scale(session, original)
    cleaned: dict[int, dict[str, Any]] = {}
    for number, fields in changes.items():
        if not 1 <= number <= len(scale.items):
            raise InputError(f"item: {number} is not an item of {scale.id} (1-{len(scale.items)})")
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
    after = _snapshot(amendment) | {"items": {str(n): f for n, f in cleaned.items()}}
    record(session, actor=actor.name, action="amend", row=amendment, before=before, after=after)
    return amendment


def delete_draft_review(session: Session, *, actor: Actor, review_id: int) -> None:
    """Remove a review started by mistake, with its scores; a final review is never deleted."""
    review = _get(session, Review, review_id)
    access.require_admin(actor, "delete a review")
    if review.status == ReviewStatus.FINAL:
        raise ReviewLocked(f"review {review_id} is final; final reviews are kept (correct one with an amendment)")
    ratings = list(session.exec(select(ItemRating).where(ItemRating.review_id == review_id)))
    before = _snapshot(review) | {"ratings": [_snapshot(r) for r in ratings]}
    session.exec(delete(ItemRating).where(col(ItemRating.review_id) == review_id))  # type: ignore[call-overload]
    session.delete(review)
    session.flush()
    record(session, actor=actor.name, action="delete", entity="review", entity_id=review_id, before=before, after=None)
