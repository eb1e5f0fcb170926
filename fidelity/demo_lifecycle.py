"""The demo's reviews at every stage from booking to action plan, in the demo service lead's area, each taken there
through the data layer by the people whose step it is (so the timeline, the audit log and Home agree):

- before its visit (the service's first steps done, one overdue);
- with the moderator;
- presented to the service, its window for further evidence open, one piece of evidence not yet answered;
- final, its personal data deleted on the day, its plan agreed and technical support logged;
- final without a moderator, its action plan overdue for agreement.

Its own random generator, so the rest of the demo stays as it was."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from fidelity.models import Area, Programme, Rater, Review, Service, User, UserScope
from fidelity.scales import Scale
from fidelity.store import (
    accounts,
    moderation,
    personal_data,
    plan_support,
    plans,
    portfolio,
    ratings,
    reviews,
    snapshots,
    timelines,
)
from fidelity.store.access import Actor, Role

EVIDENCE = (  # item, data source, title: what a service lists in its portfolio (never a file, nothing personal)
    (1, "MIS", "Demo: caseload per specialist, last four quarters"),
    (2, "DOC", "Demo: referral pathway from the GP practices"),
    (6, "DOC", "Demo: terms of reference of the joint team meetings"),
    (9, "MIS", "Demo: employer contacts log summary"),
    (12, "DOC", "Demo: benefits counselling leaflet and rota"),
)
STAGE_NAMES = ("booked", "in moderation", "feedback open", "plan agreed", "plan overdue")  # in the order made
STAGES = len(STAGE_NAMES)  # services added, one review each


def add_stages(
    session: Session,
    *,
    actor: Actor,
    scales: dict[str, Scale],
    programme: Programme,
    area_name: str,
    today: date,
    add_visit: Callable[[Review], None],
    add_outcomes: Callable[[int], None],
) -> list[Service]:
    """One new service of the area per stage (its lead the demo service lead, with quarterly outcomes); returns
    them. The demo's reviewers review and moderate."""
    area = session.exec(select(Area).where(Area.name == f"Demo: {area_name}")).one()
    first_number = len(session.exec(select(Service.id).where(Service.area_id == area.id)).all()) + 1
    demo_users = session.exec(select(User).where(col(User.username).startswith("demo."), User.is_demo == True))  # noqa: E712
    found = list(demo_users)
    reviewers = sorted((u for u in found if u.role == Role.REVIEWER), key=lambda u: u.display_name)
    service_lead = next(u for u in found if u.role == Role.SERVICE_LEAD)
    rng = random.Random(20261207)
    people = {u.username: accounts.actor_of(u) for u in (*reviewers, service_lead)}
    lead_actor = accounts.actor_of(service_lead)
    made: list[Service] = []

    def service(stage: str) -> Service:
        assert stage == STAGE_NAMES[len(made)]
        number = first_number + len(made)
        found = Service(
            name=f"Demo: {area_name} IPS team {number}",
            provider="Demo Norfolk Community Health Trust",
            programme_id=programme.id or 0,
            area_id=area.id or 0,
            is_demo=True,
        )
        session.add(found)
        session.flush()
        session.add(UserScope(user_id=service_lead.id or 0, service_id=found.id))
        add_outcomes(found.id or 0)
        made.append(found)
        return found

    def start(place: Service, visit: date, lead: User, second: User) -> Review:
        data = {"service_id": place.id, "scale_id": "ipspc", "visit_start": visit, "visit_end": visit + timedelta(1)}
        data |= {"lead_user_id": lead.id, "second_user_id": second.id}
        return reviews.start_review(session, actor=actor, scales=scales, data=data)

    def agree(review: Review, lead: User, second: User) -> None:
        """Both reviewers score (mostly alike), submit, and agree the items they scored differently."""
        level = rng.uniform(2.8, 3.9)
        agreed = {n: min(5, max(1, round(level + rng.gauss(0, 0.6)))) for n in range(1, 26)}
        for user, rater in ((lead, Rater.LEAD), (second, Rater.SECOND)):
            for number, score in agreed.items():
                own = min(5, max(1, score + rng.choice((0, 0, 0, 0, 0, 1, -1))))
                data = {"item_number": number, "score": own, "evidence": "Demo evidence (synthetic)."}
                ratings.save_rating(
                    session, actor=people[user.username], review_id=review.id or 0, data=data, rater=rater
                )
            ratings.submit_scores(session, actor=people[user.username], review_id=review.id or 0, rater=rater)
        held = ratings.scores_of(session, review.id or 0, rater=Rater.CONSENSUS)
        for number, score in agreed.items():
            if number not in held:
                data = {"item_number": number, "score": score, "rationale": "Agreed after comparing evidence (demo)."}
                ratings.save_rating(
                    session, actor=people[lead.username], review_id=review.id or 0, data=data, rater=Rater.CONSENSUS
                )

    def finalise(review: Review, who: User, day: date) -> None:
        """Finalised on `day` (the demo's dates, not the moment it is loaded), with a plan drafted from it."""
        final = reviews.finalise_review(session, actor=people[who.username], review_id=review.id or 0, today=day)
        final.finalised_at = final.updated_at = datetime.combine(day, time(15, 0), tzinfo=UTC)
        session.add(final)
        session.flush()
        if not plans.create_plan_from_review(session, actor=actor, review_id=review.id or 0):
            data = {"description": "Demo: keep the weekly caseload review", "due_date": day + timedelta(42)}
            plans.add_action(session, actor=actor, review_id=review.id or 0, data=data)

    def moderate(review: Review, lead: User, moderator: User, sent: date, *, returned: bool) -> None:
        timelines.assign_moderator(session, actor=actor, review_id=review.id or 0, user_id=moderator.id)
        moderation.send_for_moderation(session, actor=people[lead.username], review_id=review.id or 0, today=sent)
        if returned:
            comment = {5: "Demo: the evidence for this score is thin; say which records show it."}
            moderation.decide(
                session,
                actor=people[moderator.username],
                review_id=review.id or 0,
                decision="returned",
                comments=comment,
                today=sent + timedelta(2),
            )
            moderation.send_for_moderation(
                session, actor=people[lead.username], review_id=review.id or 0, today=sent + timedelta(3)
            )
        moderation.decide(
            session,
            actor=people[moderator.username],
            review_id=review.id or 0,
            decision="approved",
            comments={},
            today=sent + timedelta(4),
        )

    a, b, c, d = reviewers

    # 1. Before the visit: the service's first steps done, interviewees not yet contacted (overdue).
    booked = start(service("booked"), today + timedelta(35), a, b)
    steps = {s.key: s for s in timelines.review_steps(session, actor=actor, review_id=booked.id or 0)}
    for key in ("aims_agreed", "information_governance"):
        timelines.mark_step(
            session, actor=lead_actor, step_id=steps[key].id or 0, status="done", today=today - timedelta(25)
        )

    for number, kind, title in ((1, "DOC", "Demo: caseload report, last quarter"), (4, "DOC", "Demo: team rota")):
        portfolio.add_entry(
            session, actor=lead_actor, review_id=booked.id or 0, item_number=number, title=title, kind=kind
        )

    # 2. With the moderator: agreed three weeks after the visit, sent two days ago; its portfolio audited before the
    # visit (one item's evidence missing) and the service's performance snapshot confirmed.
    waiting = start(service("in moderation"), today - timedelta(21), b, c)
    for number, kind, title in EVIDENCE:
        portfolio.add_entry(
            session, actor=lead_actor, review_id=waiting.id or 0, item_number=number, title=title, kind=kind
        )
    for number in range(1, 26):
        verdict, note = ("missing", "Demo: no minutes of the joint meetings") if number == 6 else ("sufficient", "")
        portfolio.audit_item(
            session,
            actor=people[b.username],
            review_id=waiting.id or 0,
            item_number=number,
            verdict=verdict,
            note=note,
            today=today - timedelta(45),
        )
    form = snapshots.snapshot_form(session, actor=lead_actor, review_id=waiting.id or 0)
    snapshots.confirm_snapshot(
        session, actor=lead_actor, review_id=waiting.id or 0, rows=form.rows, today=today - timedelta(37)
    )
    add_visit(waiting)
    agree(waiting, b, c)
    timelines.assign_moderator(session, actor=actor, review_id=waiting.id or 0, user_id=d.id)
    moderation.send_for_moderation(
        session, actor=people[b.username], review_id=waiting.id or 0, today=today - timedelta(2)
    )

    # 3. Presented three days ago: the service sent further evidence on one item; not yet answered.
    open_review = start(service("feedback open"), today - timedelta(35), c, d)
    add_visit(open_review)
    agree(open_review, c, d)
    moderate(open_review, c, a, today - timedelta(12), returned=True)
    moderation.present_report(
        session, actor=people[c.username], review_id=open_review.id or 0, today=today - timedelta(3)
    )
    moderation.send_feedback(
        session,
        actor=lead_actor,
        review_id=open_review.id or 0,
        item_number=9,
        evidence="Demo: our caseload audit for the last quarter shows 18 clients per employment specialist.",
        today=today - timedelta(1),
    )

    # 4. Final: feedback answered, personal data deleted on its day, the plan agreed and support logged.
    done = start(service("plan agreed"), today - timedelta(100), d, a)
    add_visit(done)
    agree(done, d, a)
    moderate(done, d, b, today - timedelta(80), returned=False)
    presented = today - timedelta(72)
    moderation.present_report(session, actor=people[d.username], review_id=done.id or 0, today=presented)
    sent = moderation.send_feedback(
        session,
        actor=lead_actor,
        review_id=done.id or 0,
        item_number=12,
        evidence="Demo: a benefits counsellor now joins the team every Tuesday (rota attached to the portfolio).",
        today=presented + timedelta(2),
    )
    counted = ratings.scores_of(session, done.id or 0, rater=Rater.CONSENSUS)[12]
    moderation.answer_feedback(
        session,
        actor=people[d.username],
        feedback_id=sent.id or 0,
        answer="accepted" if counted < 5 else "not accepted",
        reason="Demo: the rota shows the counselling is part of the service.",
        new_score=counted + 1 if counted < 5 else None,
    )
    finalise(done, d, presented + timedelta(8))
    personal_data.delete_due(session, presented + timedelta(14))
    plan_support.agree_plan(session, actor=lead_actor, review_id=done.id or 0, today=presented + timedelta(30))
    plan_support.agree_plan(session, actor=people[d.username], review_id=done.id or 0, today=presented + timedelta(33))
    for days, kind, hours in ((45, "call", 1.0), (60, "visit", 3.5)):
        plan_support.log_support(
            session,
            actor=people[d.username],
            review_id=done.id or 0,
            day=presented + timedelta(days),
            kind=kind,
            hours=hours,
            notes="Demo: went through the plan's actions with the team lead.",
            today=today,
        )

    # 5. Final without a moderator: the plan drafted but not agreed, six weeks after the report (overdue).
    overdue = start(service("plan overdue"), today - timedelta(90), a, c)
    agree(overdue, a, c)
    finalise(overdue, a, today - timedelta(62))
    return made
