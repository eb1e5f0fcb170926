"""The programme view as read: a programme's services, their independent final reviews in force, outcome
quarters and overdue improvement actions; only the services the actor can see (commissioners and admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from fidelity.models import Area, ImprovementAction, OutcomePeriod, Programme, Review, ReviewKind, Service
from fidelity.plans import OPEN
from fidelity.programme import FinalTotal, QuarterOutcome, quarterly_summary, quarters_between
from fidelity.store import access
from fidelity.store.access import Actor, Role
from fidelity.store.shared import in_force, visible_only


@dataclass(frozen=True)
class OverdueActions:
    service_id: int
    service: str
    overdue: int
    oldest_due: date


@dataclass(frozen=True)
class ProgrammeData:
    programme_id: int
    services: dict[int, tuple[str, str]]  # id -> (service, area)
    finals: list[FinalTotal]
    outcomes: list[QuarterOutcome]
    overdue_actions: list[OverdueActions]


def _require(actor: Actor) -> None:
    access.require_role(actor, (Role.COMMISSIONER,), "see the programme view")


def programmes(session: Session, *, actor: Actor) -> dict[int, str]:
    """The programmes holding at least one service the actor can see, by name."""
    _require(actor)
    visible = access.visible_service_ids(session, actor)
    query = visible_only(
        select(Programme.id, Programme.name).join(Service, col(Service.programme_id) == Programme.id).distinct(),
        visible,
        Service.id,
    )
    return dict(sorted(session.exec(query).all(), key=lambda row: row[1]))


def programme_data(session: Session, *, actor: Actor, programme_id: int, today: date) -> ProgrammeData:
    _require(actor)
    visible = access.visible_service_ids(session, actor)
    services = {
        service_id: (name, area)
        for service_id, name, area in session.exec(
            visible_only(
                select(Service.id, Service.name, Area.name)
                .join(Area, col(Service.area_id) == Area.id)
                .where(Service.programme_id == programme_id)
                .order_by(Service.name),
                visible,
                Service.id,
            )
        )
    }
    ids = list(services)
    finals = [
        FinalTotal(service_id, visit, total, band or "")
        for service_id, visit, total, band in session.exec(
            select(Review.service_id, Review.visit_start, Review.total, Review.band).where(
                in_force(),
                Review.kind != ReviewKind.SELF_ASSESSMENT,
                col(Review.service_id).in_(ids),
                col(Review.total).is_not(None),
            )
        )
    ]
    outcomes = [
        QuarterOutcome(service_id, start, starts, out_of_work_jobs + in_work_jobs, sustained)
        for service_id, start, starts, out_of_work_jobs, in_work_jobs, sustained in session.exec(
            select(
                OutcomePeriod.service_id,
                OutcomePeriod.quarter_start,
                OutcomePeriod.starts,
                OutcomePeriod.out_of_work_job_starts,
                OutcomePeriod.in_work_job_starts,
                OutcomePeriod.sustained_26_weeks,
            ).where(col(OutcomePeriod.service_id).in_(ids))
        )
    ]
    overdue = [
        OverdueActions(service_id, services[service_id][0], count, oldest)
        for service_id, count, oldest in session.exec(
            select(Review.service_id, func.count(), func.min(ImprovementAction.due_date))
            .join(Review, col(ImprovementAction.review_id) == Review.id)
            .where(
                col(Review.service_id).in_(ids),
                col(ImprovementAction.status).in_(OPEN),
                ImprovementAction.due_date < today,
            )
            .group_by(Review.service_id)
        )
    ]
    overdue.sort(key=lambda row: (-row.overdue, row.oldest_due))
    return ProgrammeData(programme_id, services, finals, outcomes, overdue)


def programme_summary(session: Session, *, actor: Actor, today: date, bands: list[str]) -> list[dict[str, object]]:
    """Every programme the actor can see, quarter by quarter from its first final review to today (for analysts)."""
    rows = []
    for programme_id, name in programmes(session, actor=actor).items():
        data = programme_data(session, actor=actor, programme_id=programme_id, today=today)
        starts = [f.visit for f in data.finals] + [o.quarter_start for o in data.outcomes]
        if not starts:
            continue
        quarters = quarters_between(min(starts), today)
        summary = quarterly_summary(data.finals, data.outcomes, quarters, bands, len(data.services))
        rows += [{"programme": name, **row} for row in summary]
    return rows
