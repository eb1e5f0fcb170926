"""The demo covers every stage of a review from booking to action plan, in the demo service lead's area: before its
visit, with the moderator, open for the service's feedback, past its deletion day (data deleted, plan agreed,
support logged) and with its plan overdue; Home's list shows each demo person what is due from them; removing the
demo takes every row it made."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, func, select

from fidelity import db, demo, demo_lifecycle
from fidelity.lifecycle_models import PORTFOLIO, KeptMeasures, ModerationRound, PlanAgreement, ReviewStep, SupportEntry
from fidelity.models import Review, Service, User
from fidelity.store import accounts, moderation, portfolio, snapshots, timelines
from fidelity.timeline import Stage

from .conftest import ACTOR

TODAY = date(2026, 11, 22)


def _stages(url: str) -> dict[str, Review]:
    """The stage reviews: one each on the last services the demo made, in the order of STAGE_NAMES."""
    with Session(db.make_engine(url)) as s:
        found = s.exec(
            select(Review)
            .join(Service, Review.service_id == Service.id)
            .order_by(Service.id.desc())
            .limit(demo_lifecycle.STAGES)  # type: ignore[union-attr]
        ).all()
    return dict(zip(demo_lifecycle.STAGE_NAMES, reversed(found), strict=True))


def test_demo__a_review_at_every_stage__and_what_is_due_from_whom(db_url: str, scales) -> None:
    with db.session_scope(db.make_engine(db_url)) as s:
        demo.load_demo(s, actor=ACTOR, scales=scales, today=TODAY)
    stages = _stages(db_url)
    assert set(stages) == {"booked", "in moderation", "feedback open", "plan agreed", "plan overdue"}
    assert len(stages) == demo_lifecycle.STAGES
    with Session(db.make_engine(db_url)) as s:
        shown = {
            name: moderation.lifecycle_of(s, actor=ACTOR, review_id=r.id, today=TODAY).stage
            for name, r in stages.items()
        }
        done = stages["plan agreed"]
        assert s.get(PlanAgreement, done.id).agreed
        assert len(s.exec(select(SupportEntry).where(SupportEntry.review_id == done.id)).all()) == 2
        assert s.get(KeptMeasures, done.id) is not None and done.personal_data_deleted_at is not None
        assert len(moderation.rounds_of(s, stages["feedback open"].id)) == 2  # returned once, then approved
        waiting = stages["in moderation"].id
        assert snapshots.pinned(s, waiting) and len(portfolio.verdicts_of(s, waiting)) == 25
        assert portfolio.entries_of(s, stages["booked"].id)
        users = {u.username: accounts.actor_of(u) for u in s.exec(select(User).where(User.is_demo == True))}  # noqa: E712
        lead_due = timelines.due_steps(s, actor=users["demo.lead"], today=TODAY)
        moderator = s.get(User, stages["in moderation"].moderator_user_id)
        moderator_due = timelines.due_steps(s, actor=accounts.actor_of(moderator), today=TODAY)
    assert shown == {
        "booked": Stage.SCORING,
        "in moderation": Stage.IN_MODERATION,
        "feedback open": Stage.FEEDBACK,
        "plan agreed": Stage.FINAL,
        "plan overdue": Stage.FINAL,
    }
    assert ("Interviewees contacted", True) in {(d.title, d.overdue) for d in lead_due}  # 8 weeks before the visit
    assert ("Action plan agreed with the lead reviewer", True) in {(d.title, d.overdue) for d in lead_due}
    assert "Draft report moderated" in {d.title for d in moderator_due}


def test_remove_demo__takes_the_stages_with_it(db_url: str, scales) -> None:
    with db.session_scope(db.make_engine(db_url)) as s:
        demo.load_demo(s, actor=ACTOR, scales=scales, today=TODAY)
    with db.session_scope(db.make_engine(db_url)) as s:
        demo.remove_demo(s, actor=ACTOR)
    with Session(db.make_engine(db_url)) as s:
        for table in (ReviewStep, ModerationRound, PlanAgreement, SupportEntry, KeptMeasures, *PORTFOLIO, Review):
            assert s.exec(select(func.count()).select_from(table)).one() == 0, table
