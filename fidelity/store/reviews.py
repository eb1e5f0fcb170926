"""Reviews: started and assigned, read as each person may see them, finalised, listed, and a service's history.

A review's item ratings are in `ratings`; the plan that follows it is in `plans`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, delete, select

from fidelity import reports, scoring, timeline
from fidelity.errors import InputError, ReviewLocked, validated
from fidelity.lifecycle_models import BY_REVIEW, ModerationComment, ModerationRound, PortfolioEntry, PortfolioVerdict
from fidelity.models import (
    Area,
    ImprovementAction,
    ItemRating,
    Programme,
    Rater,
    Review,
    ReviewCreate,
    ReviewKind,
    ReviewStatus,
    Service,
    User,
    utc_now,
)
from fidelity.record_sample import Measure
from fidelity.scales import Scale
from fidelity.store import access, moderation, portfolio, snapshots, timelines, visits
from fidelity.store.access import Actor, Role
from fidelity.store.audit import record, snapshot
from fidelity.store.plans import actions_of
from fidelity.store.ratings import scored_counts
from fidelity.store.shared import (
    counted_scores,
    criteria_status,
    get_row,
    in_force,
    pin_scale,
    readable_reviews,
    require_open,
    review_scale,
)
from fidelity.visit_models import EvidenceNote


def _assigned_reviewer(
    session: Session, user_id: int | None, field: str, *, self_assessment: bool = False
) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    roles = (Role.SERVICE_LEAD,) if self_assessment else (Role.REVIEWER, Role.ADMIN)
    if user is None or not user.is_active or user.role not in roles:
        if self_assessment:
            raise InputError(f"{field}: a guided self-assessment is scored by a service lead account of the service")
        raise InputError(f"{field}: user {user_id} is not an active reviewer or admin account")
    return user


def _self_assessment_roles(session: Session, review_in: ReviewCreate, lead: User | None) -> User | None:
    """A self-assessment: one rater (`lead`, a service lead who sees the service), optionally a reviewer
    guiding it; returns the guide."""
    if review_in.kind != ReviewKind.SELF_ASSESSMENT:
        if review_in.guide_user_id is not None:
            raise InputError("guiding reviewer: only a guided self-assessment has one; choose reviewers instead")
        return None
    if review_in.second_user_id is not None or review_in.second_reviewer:
        raise InputError(
            "second reviewer: a self-assessment has one rater, the service; a reviewer can guide it instead"
        )
    if lead is None:
        raise InputError("lead reviewer: choose the service lead account who scores the service")
    if not access.may_read_service(
        session, Actor(name=lead.username, role=Role(lead.role), user_id=lead.id), review_in.service_id
    ):
        raise InputError(
            "lead reviewer: this service lead's account does not cover the service; set their services first"
        )
    return _assigned_reviewer(session, review_in.guide_user_id, "guiding reviewer")


def start_review(session: Session, *, actor: Actor, scales: dict[str, Scale], data: dict[str, Any]) -> Review:
    """Start a review and assign its reviewers (admins only); reviewers then score it themselves."""
    access.require_admin(actor, "start a review or assign its reviewers")
    review_in = validated(ReviewCreate, data)
    get_row(session, Service, review_in.service_id)
    lead = _assigned_reviewer(
        session, review_in.lead_user_id, "lead reviewer", self_assessment=review_in.kind == ReviewKind.SELF_ASSESSMENT
    )
    second = _assigned_reviewer(session, review_in.second_user_id, "second reviewer")
    guide = _self_assessment_roles(session, review_in, lead)
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
            "guide": guide.display_name if guide else None,
            "kind": str(review_in.kind),
            "status": ReviewStatus.DRAFT,
        },
    )
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="create", row=review)
    timelines.add_steps(session, review)  # the programme's timeline, dated from the visit
    return review


def get_review(session: Session, review_id: int, *, actor: Actor) -> Review:
    review = access.review_for(session, actor, review_id)
    return review


def list_reviews(
    session: Session, *, actor: Actor, service_id: int | None = None, statuses: tuple[str, ...] | None = None
) -> list[Review]:
    query = select(Review).order_by(col(Review.visit_start).desc(), col(Review.id).desc())
    if service_id is not None:
        query = query.where(Review.service_id == service_id)
    if statuses:
        query = query.where(col(Review.status).in_(statuses))
    return list(session.exec(readable_reviews(query, actor, access.visible_service_ids(session, actor))))


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
    criteria: dict[int, str] = field(default_factory=dict)  # item number -> verified, provisional, as published
    measures: dict[int, Measure] = field(default_factory=dict)  # item number -> the case-record sample's measure
    notes: list[EvidenceNote] = field(default_factory=list)  # evidence notes this user may see
    portfolio: dict[int, list[PortfolioEntry]] = field(default_factory=dict)  # the service's evidence per item
    audited: dict[int, PortfolioVerdict] = field(default_factory=dict)  # the lead reviewer's audit per item
    snapshot: list[dict[str, Any]] | None = None  # the service's confirmed performance snapshot

    def notes_for(self, item_number: int) -> list[EvidenceNote]:
        return [note for note in self.notes if item_number in note.items]

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
                    "Record sample": self.measures[item.number].text if item.number in self.measures else "",
                    "Criteria": self.criteria.get(item.number, ""),
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
    service = get_row(session, Service, review.service_id)
    area, programme = get_row(session, Area, service.area_id), get_row(session, Programme, service.programme_id)
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
            for a in actions_of(session, review)
        ],
        feedback=moderation.feedback_rows(moderation.feedback_of(session, review_id), item_names),
        snapshot=context.snapshot or [],
    )


def review_context(session: Session, review_id: int, *, actor: Actor) -> ReviewContext:
    """A review as this actor may see it: a reviewer sees only their own scores until both have submitted."""
    review = access.review_for(session, actor, review_id)
    previous = previous_final_review(session, review)
    shown_raters: tuple[str, ...] = (Rater.LEAD, Rater.SECOND, Rater.CONSENSUS)
    held = access.assigned_raters(actor, review)
    if not actor.is_admin and held and review.status != ReviewStatus.FINAL and not review.consensus_open:
        shown_raters = held
    ratings: dict[str, dict[int, ItemRating]] = {}
    query = select(ItemRating).where(ItemRating.review_id == review_id, col(ItemRating.rater).in_(shown_raters))
    for row in session.exec(query):
        ratings.setdefault(row.rater, {})[row.item_number] = row
    scale = review_scale(session, review)
    return ReviewContext(
        review=review,
        scale=scale,
        ratings=ratings,
        previous=previous,
        previous_scores=counted_scores(session, previous) if previous else {},
        previous_actions=actions_of(session, previous) if previous else [],
        amendment_of=session.get(Review, review.amends_id) if review.amends_id else None,
        amended_by=session.exec(select(Review).where(Review.amends_id == review.id)).first(),
        criteria=criteria_status(session, review.scale_hash, scale),
        measures=visits.sample_measures(session, review, scale),
        notes=visits.notes_of(session, actor, review),
        portfolio=portfolio.entries_of(session, review_id),
        audited=portfolio.verdicts_of(session, review_id),
        snapshot=snapshots.pinned(session, review_id),
    )


def finalise_review(session: Session, *, actor: Actor, review_id: int, today: date | None = None) -> Review:
    """Lock a complete review and record its total and band (from the counted scores)."""
    review = access.review_for(session, actor, review_id)
    access.require_review_edit(actor, review)
    require_open(review)
    if not review.single_reviewer and not review.consensus_open:
        raise InputError("cannot finalise: both reviewers must submit their scores and agree the consensus first")
    moderation.require_ready_to_finalise(session, review, today or date.today())
    scale = review_scale(session, review)
    scores = counted_scores(session, review)
    missing = scoring.unscored_items(scale, scores)
    if missing:
        numbers = ", ".join(str(item.number) for item in missing)
        what = "scored" if review.single_reviewer else "agreed"
        raise InputError(f"cannot finalise: {len(missing)} item(s) not {what} yet (item {numbers})")
    before = snapshot(review)
    if review.single_reviewer:
        review.lead_submitted_at = utc_now()
    summary = scoring.summarise(scale, scores)
    review.total = summary.total
    review.band = summary.band.label if summary.band else None
    review.status = ReviewStatus.FINAL
    review.finalised_at = review.updated_at = utc_now()
    if review.personal_data_delete_on is None:  # not moderated: the final report is the one shared
        review.personal_data_delete_on = timelines.day_after_report(
            session, review.id or 0, timeline.DELETION_STEP, today or date.today()
        )
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
            in_force(),
            Review.scale_id == review.scale_id,
            Review.id != review.id,
            col(Review.id) != review.amends_id,
            col(Review.visit_start) <= review.visit_start,
        )
        .order_by(col(Review.visit_start).desc(), col(Review.id).desc())
        .limit(1)
    ).first()


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
        readable_reviews(
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
            .where(Review.service_id == service_id, in_force())
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


def delete_draft_review(session: Session, *, actor: Actor, review_id: int) -> None:
    """Remove a review started by mistake, with its scores; a final review is never deleted."""
    access.require_admin(actor, "delete a review")
    review = access.review_for(session, actor, review_id)
    if review.status == ReviewStatus.FINAL:
        raise ReviewLocked(f"review {review_id} is final; final reviews are kept (correct one with an amendment)")
    ratings = list(session.exec(select(ItemRating).where(ItemRating.review_id == review_id)))
    before = snapshot(review) | {"ratings": [snapshot(r) for r in ratings]}
    session.exec(delete(ItemRating).where(col(ItemRating.review_id) == review_id))  # type: ignore[call-overload]
    timelines.delete_steps(session, review_id)
    rounds = select(ModerationRound.id).where(ModerationRound.review_id == review_id)
    session.exec(delete(ModerationComment).where(col(ModerationComment.round_id).in_(rounds)))  # type: ignore[call-overload]
    for table in BY_REVIEW:
        session.exec(delete(table).where(col(table.review_id) == review_id))  # type: ignore[call-overload]
    session.delete(review)
    session.flush()
    record(session, actor=actor.name, action="delete", entity="review", entity_id=review_id, before=before, after=None)
