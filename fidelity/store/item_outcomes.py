"""Items and outcomes as read: for each service the actor can see, its latest independent final review in force
that has outcome quarters after it, with the agreed scores and the outcome rate over those quarters."""

from __future__ import annotations

import bisect
from enum import StrEnum

from sqlmodel import Session, col, select

from fidelity.item_outcomes import ServicePoint
from fidelity.models import ItemRating, OutcomePeriod, Review, ReviewKind, Service, counted_rater_of
from fidelity.store import access
from fidelity.store.access import Actor, Role
from fidelity.store.shared import in_force, visible_only


class Measure(StrEnum):
    EMPLOYMENT = "employment rate"  # out-of-work clients with a first job start / out-of-work clients
    JOB_STARTS = "job-start rate"  # everyone with a first job start / starts


def service_points(
    session: Session, *, actor: Actor, measure: Measure = Measure.EMPLOYMENT, quarters_after: int = 2
) -> list[ServicePoint]:
    access.require_role(actor, (Role.COMMISSIONER,), "see which items go with outcomes")
    visible = access.visible_service_ids(session, actor)
    quarters: dict[int, list[tuple]] = {}
    for row in session.exec(
        visible_only(
            select(
                OutcomePeriod.service_id,
                OutcomePeriod.quarter_start,
                OutcomePeriod.out_of_work_job_starts,
                OutcomePeriod.out_of_work,
                OutcomePeriod.in_work_job_starts,
                OutcomePeriod.starts,
            ).order_by(col(OutcomePeriod.quarter_start)),
            visible,
            OutcomePeriod.service_id,
        )
    ):
        quarters.setdefault(row[0], []).append(row[1:])
    chosen: dict[int, tuple[int, str, object, str | None, float, int]] = {}
    for review_id, service_id, name, visit, second in session.exec(
        visible_only(
            select(Review.id, Review.service_id, Service.name, Review.visit_start, Review.second_reviewer)
            .join(Service, col(Review.service_id) == Service.id)
            .where(in_force(), Review.kind != ReviewKind.SELF_ASSESSMENT)
            .order_by(col(Review.visit_start), col(Review.id)),
            visible,
            Review.service_id,
        )
    ):
        own = quarters.get(service_id, [])
        after = own[bisect.bisect_right([q[0] for q in own], visit) :][:quarters_after]
        if measure == Measure.EMPLOYMENT:
            events, people = sum(q[1] for q in after), sum(q[2] for q in after)
        else:
            events, people = sum(q[1] + q[3] for q in after), sum(q[4] for q in after)
        if people > 0:  # the latest review with outcomes after it wins
            chosen[service_id] = (review_id, name, visit, second, events / people, people)
    scores: dict[int, dict[int, int]] = {review_id: {} for review_id, *_ in chosen.values()}
    seconds = {review_id: second for review_id, _, _, second, _, _ in chosen.values()}
    for review_id, number, rater, score in session.exec(
        select(ItemRating.review_id, ItemRating.item_number, ItemRating.rater, ItemRating.score).where(
            col(ItemRating.review_id).in_(list(scores)), col(ItemRating.score).is_not(None)
        )
    ):
        if rater == counted_rater_of(seconds[review_id]):
            scores[review_id][number] = score
    return [
        ServicePoint(service=name, review_date=visit, scores=scores[review_id], rate=rate, n=people)  # type: ignore[arg-type]
        for review_id, name, visit, _, rate, people in chosen.values()
    ]
