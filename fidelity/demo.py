"""Synthetic demo data: the twelve IPSPC areas, two or three services each, reviews from 2023 on.

Every name says "Demo"; every row is flagged `is_demo`. Figures are invented (seeded, repeatable)
and describe no real service.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from fidelity import demo_lifecycle, demo_visits, errors, plans, scoring
from fidelity.lifecycle_models import BY_REVIEW, ModerationComment, ModerationRound, ReviewStep, TimelineTemplate
from fidelity.models import (
    ActionNote,
    Area,
    ImprovementAction,
    ItemRating,
    OutcomePeriod,
    Programme,
    Rater,
    Review,
    ReviewKind,
    ReviewStatus,
    Service,
    User,
    UserScope,
)
from fidelity.outcomes import quarter_label
from fidelity.scales import Scale
from fidelity.store import accounts, audit, shared
from fidelity.store.access import Actor, Role, require_admin
from fidelity.visit_models import CaseRecord, EvidenceNote, VisitSession

DEMO_PROGRAMME = "Demo: IPS in Primary Care (IPSPC)"
# domain.md section 0: six areas from April 2023, six more from the June 2023 expansion.
FIRST_WAVE = [
    "South Yorkshire",
    "Greater Manchester",
    "West London",
    "Norfolk",
    "Cheshire West and Chester",
    "West Midlands",
]
EXPANSION = ["Enfield", "Essex", "Newham", "Nottingham", "Slough", "Surrey"]
PROVIDERS = [
    "Demo Health & Work CIC",
    "Demo Employment Trust",
    "Demo Community Interest Co",
    "Demo NHS Foundation Trust",
]
REVIEWERS = ["Demo Reviewer A. Patel", "Demo Reviewer B. Jones", "Demo Reviewer C. Okafor", "Demo Reviewer D. Smith"]
LEAD_AREA = "Norfolk"  # the demo service lead leads this area's services
# How much harder (negative) or easier each item is than the service's overall level; the
# literature finds time-unlimited support and executive support least often in place (Kim 2015).
ITEM_EASE = {
    1: 0.6,
    2: 0.5,
    3: 0.6,
    4: 0.1,
    5: 0.0,
    6: -0.4,
    7: 0.3,
    8: 0.0,
    9: 0.3,
    10: 0.1,
    11: -0.6,
    12: -0.1,
    13: 0.0,
    14: -0.1,
    15: 0.5,
    16: 0.2,
    17: -0.5,
    18: -0.3,
    19: 0.2,
    20: 0.3,
    21: 0.4,
    22: -0.2,
    23: -0.7,
    24: -0.3,
    25: -0.1,
}
SEED = 20230401
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class DemoSummary:
    services: int
    reviews: int
    ratings: int
    quarters: int = 0


class DemoAlreadyLoaded(ValueError):
    pass


def demo_loaded(session: Session) -> bool:
    return session.exec(select(Programme.id).where(Programme.is_demo == True)).first() is not None  # noqa: E712


def item_scores(rng: random.Random, level: float, n_items: int) -> dict[int, int]:
    """Item scores around a service's level (its mean item score), with per-item ease and noise."""
    return {n: min(5, max(1, round(level + ITEM_EASE.get(n, 0.0) + rng.gauss(0, 0.55)))) for n in range(1, n_items + 1)}


def _review_dates(rng: random.Random, first: date, until: date) -> list[date]:
    """Baseline, a follow-up about 6 months later, then yearly: the usual IPS review rhythm."""
    dates, visit, gap = [], first, 182
    while visit <= until:
        dates.append(visit)
        visit = visit + timedelta(days=gap + rng.randint(-20, 20))
        gap = 365
    return dates


def independent_score(rng: random.Random, agreed: int) -> int:
    """One reviewer's own score: usually the agreed one, sometimes a point either side."""
    return min(5, max(1, agreed + rng.choice((0, 0, 0, 0, 0, 0, 0, 1, -1))))


def _ratings(
    rng: random.Random, scale: Scale, review_id: int, scores: dict[int, int], *, agreed: bool
) -> list[ItemRating]:
    """The lead's ratings, and for a finished review the second reviewer's and the agreed ones."""
    rows = []
    for number, score in scores.items():
        item = scale.item(number)
        sources = list(item.data_sources[:2])
        own = {Rater.LEAD: independent_score(rng, score) if agreed else score}
        if agreed:
            own[Rater.SECOND] = independent_score(rng, score)
        rows += [
            ItemRating(
                review_id=review_id,
                item_number=number,
                rater=rater,
                score=value,
                data_sources=sources,
                evidence=f"Demo evidence note by the {rater} reviewer (synthetic).",
            )
            for rater, value in own.items()
        ]
        if agreed:
            rows.append(
                ItemRating(
                    review_id=review_id,
                    item_number=number,
                    rater=Rater.CONSENSUS,
                    score=score,
                    rationale="" if len(set(own.values())) == 1 else "Agreed after comparing evidence (demo).",
                    strength=f"Demo: {item.criteria[score]}" if score >= 4 else "",
                    recommendation=f"Demo: aim for score {score + 1}: {item.criteria[score + 1]}" if score <= 3 else "",
                )
            )
    return rows


def _plan(
    rng: random.Random, scale: Scale, review_id: int, scores: dict[int, int], report: date, today: date
) -> list[ImprovementAction]:
    """Draft actions for low items, most of them done by now when the review is old."""
    actions = []
    for number, score in scores.items():
        if not plans.needs_action(score):
            continue
        due = plans.default_due_date(report)
        age = (today - report).days
        status = rng.choices(list(plans.ActionStatus), weights=(1, 2, 6, 1) if age > 180 else (4, 4, 1, 0.3))[0]
        done_on = min(today, due + timedelta(days=rng.randint(-30, 40))) if status == plans.ActionStatus.DONE else None
        actions.append(
            ImprovementAction(
                review_id=review_id,
                item_number=number,
                status=status,
                due_date=due,
                done_on=done_on,
                owner=rng.choice(("Demo team leader", "Demo IPS lead", "Demo service manager")),
                description=f"Demo: aim for score {score + 1}: {scale.item(number).criteria[score + 1]}",
                created_at=_moment(report + timedelta(days=rng.randint(7, 30))),
            )
        )
    return actions


def _quarters(first: date, today: date) -> list[date]:
    """Start days of every complete quarter from the one holding `first` up to today."""
    day = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    days = []
    while True:
        following = date(day.year + (day.month == 10), (day.month + 2) % 12 + 1, 1)
        if following > today:
            return days
        days.append(day)
        day = following


STAFFING_GAP_QUARTER = 5  # the sixth quarter of the demo service listed first (its area first by name, team 1)


def _outcomes(
    rng: random.Random, service_id: int, start: date, today: date, session: Session, *, staffing_gap: bool = False
) -> list[OutcomePeriod]:
    """Quarterly figures whose employment rate follows the latest fidelity total only loosely (r about 0.3). With
    `staffing_gap`, a steadier service with one quarter in which the team had no employment specialist for weeks:
    one job start, a drop its XmR chart flags, whose moving ranges are screened out of the limits."""
    finals = session.exec(
        select(Review.visit_start, Review.total).where(
            Review.service_id == service_id, Review.status == ReviewStatus.FINAL
        )
    ).all()
    rows = []
    for position, quarter in enumerate(_quarters(start, today)):
        known = [total for visit, total in sorted(finals) if visit <= quarter and total is not None]
        fidelity = known[-1] if known else (min(finals)[1] if finals else 90)
        figures = quarter_figures(rng, fidelity or 90, spread=0.03 if staffing_gap else 0.09)
        if staffing_gap and position == STAFFING_GAP_QUARTER:
            figures |= {"out_of_work_job_starts": 1, "total_job_starts": 1 + figures["in_work_job_starts"]}
        rows.append(
            OutcomePeriod(service_id=service_id, quarter=quarter_label(quarter), quarter_start=quarter, **figures)
        )
    return rows


def quarter_figures(rng: random.Random, fidelity: int, *, spread: float = 0.09) -> dict[str, Any]:
    """One quarter's outcome figures; the employment rate follows the fidelity total only loosely (r about 0.3),
    varying from quarter to quarter with standard deviation `spread`."""
    rate = min(0.75, max(0.05, 0.33 + 0.0028 * (fidelity - 95) + rng.gauss(0, spread)))
    out_of_work = rng.randint(25, 70)
    in_work = round(out_of_work * rng.uniform(0.04, 0.15))
    first = round(rate * out_of_work)
    changed_jobs = in_work // 4  # in-work clients into a new job; no draw of its own, so the rest stays as it was
    sustained_13 = round(first * rng.uniform(0.4, 0.75))
    return {
        "specialist_fte": round((out_of_work + in_work) / rng.uniform(17, 30), 1),
        "active_caseload": out_of_work + in_work + rng.randint(0, 4),
        "referrals": rng.randint(12, 45),
        "starts": rng.randint(max(first + changed_jobs, 15), max(first + changed_jobs, 45)),  # never fewer than jobs
        "out_of_work": out_of_work,
        "in_work": in_work,
        "out_of_work_job_starts": first,
        "in_work_job_starts": changed_jobs,
        "total_job_starts": first + changed_jobs + rng.randint(0, 3),
        "retention_successes": rng.randint(0, in_work),
        "sustained_13_weeks": sustained_13,
        "sustained_26_weeks": round(sustained_13 * rng.uniform(0.5, 0.9)),
        "employer_contacts": rng.randint(50, 220),
    }


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def load_demo(
    session: Session,
    *,
    scales: dict[str, Scale],
    actor: Actor,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Add the demo programme, areas, services, reviews and accounts in the caller's transaction (admins only).

    The demo accounts get random passwords, shown on the sign-in page until the demo data is removed.
    """
    require_admin(actor, "load the demo data")
    if demo_loaded(session):
        raise DemoAlreadyLoaded("the demo data is already loaded")
    today = today or date.today()
    rng = random.Random(SEED)
    visit_rng = random.Random(SEED + 1)  # visits draw from their own generator: the rest stays as it was
    scale = scales["ipspc"]
    snapshot = shared.pin_scale(session, scale)
    programme = Programme(name=DEMO_PROGRAMME, is_demo=True)
    session.add(programme)
    session.flush()
    reviewer_ids = {name: _demo_user(session, actor, name, Role.REVIEWER).id for name in REVIEWERS}
    service_lead = _demo_user(session, actor, "Demo Service Lead", Role.SERVICE_LEAD)
    commissioner = _demo_user(session, actor, "Demo Commissioner", Role.COMMISSIONER)
    session.add(UserScope(user_id=commissioner.id or 0, programme_id=programme.id))
    services = reviews = ratings = quarters = 0
    areas = FIRST_WAVE + EXPANSION
    for index, area_name in enumerate(areas):
        if progress:
            progress(index / len(areas), f"Area {index + 1} of {len(areas)}: {area_name}")
        area = session.exec(select(Area).where(Area.name == f"Demo: {area_name}")).first()
        if area is None:
            area = Area(name=f"Demo: {area_name}", is_demo=True)
            session.add(area)
            session.flush()
        start = date(2023, 6, 1) if area_name in FIRST_WAVE else date(2024, 1, 15)
        for number in range(1, rng.choice((2, 3, 3)) + 1):
            service = Service(
                name=f"Demo: {area_name} IPS team {number}",
                provider=rng.choice(PROVIDERS),
                programme_id=programme.id or 0,
                area_id=area.id or 0,
                is_demo=True,
            )
            session.add(service)
            session.flush()
            if area_name == LEAD_AREA:
                session.add(UserScope(user_id=service_lead.id or 0, service_id=service.id))
            services += 1
            level = rng.uniform(2.6, 3.9)
            visits = _review_dates(rng, start + timedelta(days=rng.randint(60, 200)), today)
            for position, visit in enumerate(visits):
                last_and_open = position == len(visits) - 1 and visit > today - timedelta(days=45)
                scores = item_scores(rng, level, len(scale.items))
                if last_and_open:
                    scores = dict(list(scores.items())[: rng.randint(8, 18)])
                lead, second = rng.sample(REVIEWERS, 2)
                review = Review(
                    service_id=service.id or 0,
                    scale_id=scale.id,
                    scale_version=scale.version,
                    scale_hash=snapshot.content_hash,
                    kind=ReviewKind.BASELINE if position == 0 else ReviewKind.FOLLOW_UP,
                    status=ReviewStatus.SCORING if last_and_open else ReviewStatus.FINAL,
                    visit_start=visit,
                    visit_end=visit + timedelta(days=1),
                    lead_reviewer=lead,
                    second_reviewer=second,
                    lead_user_id=reviewer_ids[lead],
                    second_user_id=reviewer_ids[second],
                )
                review.created_at = _moment(visit - timedelta(days=rng.randint(30, 60)))
                if not last_and_open:
                    summary = scoring.summarise(scale, scores)
                    review.total = summary.total
                    review.band = summary.band.label if summary.band else None
                    review.finalised_at = _moment(visit + timedelta(days=rng.randint(7, 27)))  # report within 4 weeks
                    review.lead_submitted_at = review.second_submitted_at = _moment(visit + timedelta(days=2))
                review.updated_at = review.finalised_at or review.created_at
                session.add(review)
                session.flush()
                rows = _ratings(rng, scale, review.id or 0, scores, agreed=not last_and_open)
                session.add_all(rows)
                ratings += len(rows)
                if review.finalised_at:
                    session.add_all(_plan(rng, scale, review.id or 0, scores, review.finalised_at.date(), today))
                if position >= len(visits) - 2:  # the two latest reviews of each service have their visit
                    demo_visits.add_visit(session, visit_rng, review, level)
                if position == 0 and area_name == LEAD_AREA:
                    demo_visits.self_assessment(
                        session,
                        visit_rng,
                        before=review,
                        lead=service_lead,
                        guide=session.get(User, reviewer_ids[lead]),
                        scale=scale,
                        scores=item_scores(visit_rng, level + 0.3, len(scale.items)),  # services rate themselves kindly
                    )
                    reviews += 1
                reviews += 1
                ratings += len(scores)
                level = min(4.8, level + rng.uniform(0.05, 0.45))
            first_listed = area_name == min(areas) and number == 1
            outcome_rows = _outcomes(rng, service.id or 0, start, today, session, staffing_gap=first_listed)
            session.add_all(outcome_rows)
            quarters += len(outcome_rows)
    staged = demo_lifecycle.add_stages(
        session,
        actor=actor,
        scales=scales,
        programme=programme,
        area_name=LEAD_AREA,
        today=today,
        add_visit=lambda review: demo_visits.add_visit(session, random.Random(review.id), review, 3.3),
        add_outcomes=lambda service_id: session.add_all(
            _outcomes(random.Random(service_id), service_id, date(2024, 1, 15), today, session)
        ),
    )
    services += len(staged)
    reviews += len(staged)
    summary = DemoSummary(services=services, reviews=reviews, ratings=ratings, quarters=quarters)
    audit.record(
        session,
        actor=actor.name,
        action="load_demo",
        entity="demo",
        entity_id=DEMO_PROGRAMME,
        after={"services": services, "reviews": reviews, "ratings": ratings, "quarters": quarters},
    )
    session.flush()
    if progress:
        progress(1.0, "Demo data loaded")
    return summary


def _demo_user(session: Session, actor: Actor, display_name: str, role: Role) -> User:
    username = "demo." + {Role.SERVICE_LEAD: "lead", Role.COMMISSIONER: "commissioner"}.get(
        role, display_name.split()[-1].lower()
    )
    return accounts.create_user(
        session,
        actor=actor,
        data={
            "username": username,
            "display_name": display_name,
            "role": role,
            "password": secrets.token_urlsafe(9),
        },
        is_demo=True,
    )


def remove_demo(session: Session, *, actor: Actor) -> int:
    """Delete every demo row (services, reviews, plans, outcomes, demo accounts); returns services removed.

    Reviews, plans and outcomes someone added to a demo service go with it: it is demo data.
    """
    require_admin(actor, "remove the demo data")
    demo_services = select(Service.id).where(Service.is_demo == True)  # noqa: E712
    demo_users = select(User.id).where(User.is_demo == True)  # noqa: E712
    reviews = select(Review.id).where(col(Review.service_id).in_(demo_services))
    actions = select(ImprovementAction.id).where(col(ImprovementAction.review_id).in_(reviews))
    counts = {
        "services": session.exec(select(func.count()).select_from(demo_services.subquery())).one(),
        "reviews": session.exec(select(func.count()).select_from(reviews.subquery())).one(),
        "accounts": session.exec(select(func.count()).select_from(demo_users.subquery())).one(),
    }
    if not counts["services"] and not counts["accounts"]:
        return 0
    assigned = (
        col(Review.lead_user_id).in_(demo_users)
        | col(Review.second_user_id).in_(demo_users)
        | col(Review.guide_user_id).in_(demo_users)
        | col(Review.moderator_user_id).in_(demo_users)
    )
    if session.exec(select(Review.id).where(assigned, col(Review.service_id).not_in(demo_services))).first():
        raise errors.InputError("demo: a demo account is assigned to a real review; reassign it first")
    statements = [
        delete(EvidenceNote).where(col(EvidenceNote.review_id).in_(reviews)),
        delete(CaseRecord).where(col(CaseRecord.review_id).in_(reviews)),
        delete(VisitSession).where(col(VisitSession.review_id).in_(reviews)),
        delete(ActionNote).where(col(ActionNote.action_id).in_(actions)),
        delete(ImprovementAction).where(col(ImprovementAction.review_id).in_(reviews)),
        delete(ItemRating).where(col(ItemRating.review_id).in_(reviews)),
        delete(ReviewStep).where(col(ReviewStep.review_id).in_(reviews)),
        delete(ModerationComment).where(
            col(ModerationComment.round_id).in_(
                select(ModerationRound.id).where(col(ModerationRound.review_id).in_(reviews))
            )
        ),
        *(delete(table).where(col(table.review_id).in_(reviews)) for table in BY_REVIEW),
        delete(OutcomePeriod).where(col(OutcomePeriod.service_id).in_(demo_services)),
        delete(UserScope).where(col(UserScope.user_id).in_(demo_users) | col(UserScope.service_id).in_(demo_services)),
    ]
    for statement in statements:
        session.exec(statement)  # type: ignore[call-overload]
    _delete_reviews(session, demo_services)
    session.exec(delete(Service).where(col(Service.id).in_(demo_services)))  # type: ignore[call-overload]
    session.exec(delete(User).where(col(User.id).in_(demo_users)))  # type: ignore[call-overload]
    demo_areas = select(Area.id).where(Area.is_demo == True)  # noqa: E712
    used = select(Service.area_id)
    session.exec(delete(Area).where(col(Area.id).in_(demo_areas), col(Area.id).not_in(used)))  # type: ignore[call-overload]
    demo_programmes = select(Programme.id).where(Programme.is_demo == True)  # noqa: E712
    in_use = select(Service.programme_id)
    unused = col(TimelineTemplate.programme_id).in_(demo_programmes) & col(TimelineTemplate.programme_id).not_in(in_use)
    session.exec(delete(TimelineTemplate).where(unused))  # type: ignore[call-overload]
    session.exec(delete(Programme).where(col(Programme.id).in_(demo_programmes), col(Programme.id).not_in(in_use)))  # type: ignore[call-overload]
    session.flush()
    audit.record(
        session, actor=actor.name, action="remove_demo", entity="demo", entity_id=DEMO_PROGRAMME, before=counts
    )
    return int(counts["services"])


def _delete_reviews(session: Session, services: Any) -> None:
    """The services' reviews; amendments refer to the reviews they correct, so the latest go first."""
    while True:
        corrected = select(Review.amends_id).where(col(Review.amends_id).is_not(None))
        result = session.exec(  # type: ignore[call-overload]
            delete(Review).where(col(Review.service_id).in_(services), col(Review.id).not_in(corrected))
        )
        if not result.rowcount:
            return
