"""Comparing sites: final reviews in force and outcome quarters across services, read as columns for speed."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from fidelity.insight_models import ChartRebase
from fidelity.models import (
    ImprovementAction,
    ItemRating,
    OutcomePeriod,
    Review,
    ReviewKind,
    Service,
    counted_rater_of,
    kind_label_of,
)
from fidelity.outcomes import ChartEvent, chart_events
from fidelity.plans import ActionStatus
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.shared import in_force, visible_only


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
    scale_hash: str  # the pinned scale version its total comes from


@dataclass(frozen=True)
class QuarterRow:
    service_id: int
    quarter: str
    quarter_start: date
    out_of_work: int
    out_of_work_job_starts: int  # the employment rate's numerator
    in_work_job_starts: int
    starts: int
    sustained_26_weeks: int
    job_starts_split: bool

    @property
    def employment_rate(self) -> float | None:
        return self.out_of_work_job_starts / self.out_of_work if self.out_of_work else None

    @property
    def job_start_rate(self) -> float | None:
        return (self.out_of_work_job_starts + self.in_work_job_starts) / self.starts if self.starts else None

    @property
    def sustained_rate(self) -> float | None:
        return self.sustained_26_weeks / self.starts if self.starts else None


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
            Review.scale_hash,
        )
        .join(Service, col(Review.service_id) == Service.id)
        .where(in_force(), *conditions)
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
            scale_hash=scale_hash,
        )
        for review_id, service_id, name, visit, total, band, kind, second, scale_hash in session.exec(
            visible_only(query, visible, Review.service_id)
        )
    ]


def _quarter_rows(session: Session, visible: set[int] | None, *conditions: Any) -> list[QuarterRow]:
    query = (
        select(
            OutcomePeriod.service_id,
            OutcomePeriod.quarter,
            OutcomePeriod.quarter_start,
            OutcomePeriod.out_of_work,
            OutcomePeriod.out_of_work_job_starts,
            OutcomePeriod.in_work_job_starts,
            OutcomePeriod.starts,
            OutcomePeriod.sustained_26_weeks,
            OutcomePeriod.job_starts_split,
        )
        .where(*conditions)
        .order_by(col(OutcomePeriod.service_id), col(OutcomePeriod.quarter_start))
    )
    return [QuarterRow(*row) for row in session.exec(visible_only(query, visible, OutcomePeriod.service_id))]


def _independent(include_self: bool) -> tuple[Any, ...]:
    """Self-assessments are kept apart from independent reviews unless the user includes them."""
    return () if include_self else (Review.kind != ReviewKind.SELF_ASSESSMENT,)


def fidelity_outcome_pairs(
    session: Session, *, actor: Actor, quarters_after: int = 2, include_self: bool = False
) -> list[FidelityOutcome]:
    """One point per final review in force: its total, and the employment rate over the next `quarters_after`
    quarters. Only services the actor can see; reviews with no outcome quarter after them are left out.
    """
    visible = access.visible_service_ids(session, actor)
    periods: dict[int, list[QuarterRow]] = {}
    for period in _quarter_rows(session, visible):
        periods.setdefault(period.service_id, []).append(period)
    pairs = []
    for review in _final_rows(session, visible, *_independent(include_self)):
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
                    employment_rate=sum(p.out_of_work_job_starts for p in after) / out_of_work,
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
    actions_done: list[tuple[int, date]]  # (service id, done on) of improvement actions done in the period
    rebases: list[tuple[int, str, str]]  # (service id, quarter, reason) where a service's XmR chart starts anew


def _actions_done(session: Session, visible: set[int] | None, *conditions: Any) -> list[tuple[int, date]]:
    query = (
        select(Review.service_id, ImprovementAction.done_on)
        .join(Review, col(ImprovementAction.review_id) == Review.id)
        .where(ImprovementAction.status == ActionStatus.DONE, col(ImprovementAction.done_on).is_not(None), *conditions)
    )
    return [
        (service_id, done_on) for service_id, done_on in session.exec(visible_only(query, visible, Review.service_id))
    ]


def service_events(session: Session, *, actor: Actor, service_id: int) -> list[ChartEvent]:
    """What a service's outcome charts mark, by quarter: its independent final reviews in force and the
    improvement actions done (fidelity.outcomes.chart_events)."""
    access.require_service_read(session, actor, service_id)
    finals = _final_rows(session, None, Review.service_id == service_id, *_independent(False))
    done = _actions_done(session, None, Review.service_id == service_id)
    return chart_events([(f.visit_start, f.total, f.band) for f in finals], [day for _, day in done])


def comparison(
    session: Session, *, actor: Actor, service_ids: list[int], start: date, end: date, include_self: bool = False
) -> Comparison:
    """Final reviews in force and outcome quarters of the chosen services (those the actor can see) between
    `start` and `end`, with the improvement actions done then: four queries, reading columns rather than whole rows."""
    visible = access.visible_service_ids(session, actor)
    chosen = col(Review.service_id).in_(service_ids)
    finals = _final_rows(
        session,
        visible,
        chosen,
        col(Review.visit_start) >= start,
        col(Review.visit_start) <= end,
        *_independent(include_self),
    )
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
    done = _actions_done(
        session,
        visible,
        chosen,
        col(ImprovementAction.done_on) >= start,
        col(ImprovementAction.done_on) <= end,
    )
    rebased = [
        (service_id, quarter, reason)
        for service_id, quarter, reason in session.exec(
            visible_only(
                select(ChartRebase.service_id, ChartRebase.quarter, ChartRebase.reason).where(
                    col(ChartRebase.service_id).in_(service_ids)
                ),
                visible,
                ChartRebase.service_id,
            )
        )
    ]
    return Comparison(finals=finals, latest_scores=scores, periods=periods, actions_done=done, rebases=rebased)
