"""Synthetic site visits for the demo reviews: a two-day visit plan, a sample of ten case records and
evidence notes tagged to items, loosely in keeping with how well each demo service does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from fidelity import scoring
from fidelity.models import GUIDE, ItemRating, Rater, Review, ReviewKind, ReviewStatus, User
from fidelity.scales import Scale
from fidelity.visit_models import CaseRecord, EvidenceNote, SessionKind, VisitSession

# (day, start, minutes, kind, informant role, items)
PLAN = (
    (0, time(9, 30), 60, SessionKind.INTERVIEW, "team leader or IPS supervisor", [1, 2, 3, 7, 8]),
    (0, time(11, 0), 60, SessionKind.TEAM_MEETING, "clinician", [4, 5, 9]),
    (0, time(13, 30), 90, SessionKind.RECORDS, "employment specialist", [12, 14, 15, 21, 22]),
    (0, time(15, 30), 45, SessionKind.INTERVIEW, "service manager", [10, 11]),
    (1, time(9, 30), 90, SessionKind.OBSERVATION, "employer", [17, 18]),
    (1, time(11, 30), 60, SessionKind.INTERVIEW, "client", [13, 16, 19, 20, 23]),
    (1, time(14, 0), 45, SessionKind.INTERVIEW, "Jobcentre Plus work coach", [6, 12]),
)
NOTES = (
    ([7, 8], "Weekly group supervision is minuted; the team leader covers caseloads during leave."),
    ([15], "Most records show an employer contact within the first month; two waited over three months."),
    ([17, 18], "Observed a specialist meeting an employer: prepared, asked about the business's needs first."),
    ([12], "Better-off calculations done by a trained adviser for most clients before they start work."),
)


def add_visit(session: Session, rng: random.Random, review: Review, level: float) -> None:
    """A plan, ten case records and a few evidence notes for one demo review (`level`: its mean item score)."""
    for day, start, minutes, kind, role, items in PLAN:
        session.add(
            VisitSession(
                review_id=review.id or 0,
                kind=kind,
                informant_role=role,
                day=review.visit_start + timedelta(days=day),
                start=start,
                minutes=minutes,
                items=items,
            )
        )
    pace = max(10, 110 - 22 * level)  # better services contact employers sooner
    for number in range(1, 11):
        referral = review.visit_start - timedelta(days=rng.randint(70, 320))
        contact = referral + timedelta(days=max(3, round(rng.expovariate(1 / pace))))
        working = rng.random() < 0.25 + 0.08 * level
        job_start = contact + timedelta(days=rng.randint(20, 90)) if working else None
        if job_start and job_start >= review.visit_start:
            job_start = None
        session.add(
            CaseRecord(
                review_id=review.id or 0,
                reference=f"DEMO-{review.id}-{number:02d}",
                referral_date=referral,
                first_meeting=referral + timedelta(days=rng.randint(2, 14)),
                first_employer_contact=contact if contact < review.visit_start else None,
                profile_present=rng.random() < 0.5 + 0.1 * level,
                benefits_advice=rng.random() < 0.35 + 0.12 * level,
                job_start=job_start,
                job_competitive=(rng.random() < 0.8 + 0.04 * level) if job_start else None,
                profile_updated_after_job=(rng.random() < 0.2 + 0.12 * level) if job_start else None,
                in_work_contacts=rng.randint(0, 8) if job_start else None,
            )
        )
    for items, text in rng.sample(NOTES, 2):
        session.add(EvidenceNote(review_id=review.id or 0, rater=Rater.LEAD, items=items, text=text))


def self_assessment(
    session: Session,
    rng: random.Random,
    *,
    before: Review,
    lead: User,
    guide: User,
    scale: Scale,
    scores: dict[int, int],
) -> Review:
    """A final guided self-assessment by the service's lead, two months before its first independent review."""
    visit = before.visit_start - timedelta(days=60)
    summary = scoring.summarise(scale, scores)
    review = Review(
        service_id=before.service_id,
        scale_id=before.scale_id,
        scale_version=before.scale_version,
        scale_hash=before.scale_hash,
        kind=ReviewKind.SELF_ASSESSMENT,
        status=ReviewStatus.FINAL,
        visit_start=visit,
        lead_reviewer=lead.display_name,
        lead_user_id=lead.id,
        guide=guide.display_name,
        guide_user_id=guide.id,
        total=summary.total,
        band=summary.band.label if summary.band else None,
        finalised_at=datetime.combine(visit + timedelta(days=14), time(12), tzinfo=UTC),
        lead_submitted_at=datetime.combine(visit + timedelta(days=14), time(11), tzinfo=UTC),
    )
    review.created_at = review.updated_at = datetime.combine(visit - timedelta(days=7), time(9), tzinfo=UTC)
    session.add(review)
    session.flush()
    session.add_all(
        ItemRating(
            review_id=review.id or 0,
            item_number=n,
            rater=Rater.LEAD,
            score=score,
            evidence="Demo: the service's own evidence (synthetic).",
        )
        for n, score in scores.items()
    )
    session.add(
        EvidenceNote(
            review_id=review.id or 0,
            rater=GUIDE,
            items=[15],
            text="Demo: check the dates of first employer contact in the records.",
        )
    )
    add_visit(session, rng, review, sum(scores.values()) / len(scores))
    return review
