"""Review timelines in the database: steps made when a review starts, marked by their owners only, the report's
date moving the steps after it, a moderator who is not one of the reviewers, what is due from whom, and an admin's
timeline per programme."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from fidelity import db, errors, timeline
from fidelity.lifecycle_models import ReviewStep
from fidelity.models import AuditEvent, Review, Service
from fidelity.store import reviews, timelines

from .conftest import ACTOR
from .test_access import World, _write, world  # noqa: F401  (the fixture; F811 waived for this file)

TODAY = date(2026, 1, 20)  # ten days after the draft's visit (10 January 2026)


def _steps(url: str, review_id: int) -> dict[str, ReviewStep]:
    with Session(db.make_engine(url)) as s:
        return {step.key: step for step in timelines.review_steps(s, actor=ACTOR, review_id=review_id)}


def _mark(world: World, who: str, key: str, status: str = "done", today: date = TODAY) -> ReviewStep:
    step_id = _steps(world.url, world.draft_id)[key].id
    actor = ACTOR if who == "admin" else world.actors[who]
    with _write(world.url) as s:
        return timelines.mark_step(s, actor=actor, step_id=step_id, status=status, today=today)


def test_review_started__ips_grow_steps_dated_from_the_visit(world: World) -> None:
    steps = _steps(world.url, world.draft_id)
    assert len(steps) == len(timeline.DEFAULT_TIMELINE)
    assert steps["aims_agreed"].due == date(2025, 11, 15)  # 8 weeks before 10 January 2026
    assert steps["personal_data_deleted"].due == date(2026, 2, 21)  # 2 weeks after the planned report
    assert [s.position for s in sorted(steps.values(), key=lambda s: s.due)] == sorted(
        s.position for s in steps.values()
    )
    assert {s.status for s in steps.values()} == {"to do"}


def test_mark_step__owner_only__late_stays_late__audited(world: World) -> None:
    with pytest.raises(errors.PermissionDenied, match="is for the service's lead to mark"):
        _mark(world, "rev1", "aims_agreed")
    with pytest.raises(errors.PermissionDenied, match="is for the lead reviewer to mark"):
        _mark(world, "rev2", "portfolio_audited")  # the second reviewer is not the lead
    done = _mark(world, "lead", "aims_agreed")
    assert (done.status, done.done_by, done.done_on, done.late) == ("done", "lead", TODAY, True)  # due 15 Nov
    on_time = _mark(world, "rev1", "report_written", today=date(2026, 1, 31))  # due 31 January
    assert not on_time.late
    assert _mark(world, "admin", "personal_data_deleted", status="not needed").done_by == ACTOR.name
    with pytest.raises(errors.InputError, match="status: 'finished' is not one of to do, done, not needed"):
        _mark(world, "lead", "information_governance", status="finished")
    with Session(db.make_engine(world.url)) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "reviewstep")).all()
    assert [e.after["status"] for e in events] == ["done", "done", "not needed"]


def test_report_presented__steps_after_it_due_from_that_day(world: World) -> None:
    presented = date(2026, 2, 1)
    _mark(world, "rev1", "report_presented", today=presented)
    steps = _steps(world.url, world.draft_id)
    assert steps["feedback_sent"].due == presented + timedelta(days=7)
    assert steps["action_plan_agreed"].due == presented + timedelta(days=42)
    assert steps["aims_agreed"].due == date(2025, 11, 15)  # visit steps unchanged


def test_moderator__never_one_of_the_reviewers__marks_the_moderation_step(world: World) -> None:
    refused = pytest.raises(errors.InputError, match="moderator: REV2 reviewed this service's review")
    with refused, _write(world.url) as s:
        timelines.assign_moderator(s, actor=ACTOR, review_id=world.draft_id, user_id=world.actors["rev2"].user_id)
    with pytest.raises(errors.PermissionDenied), _write(world.url) as s:
        timelines.assign_moderator(
            s, actor=world.actors["rev1"], review_id=world.draft_id, user_id=world.actors["rev3"].user_id
        )
    with _write(world.url) as s:
        timelines.assign_moderator(s, actor=ACTOR, review_id=world.draft_id, user_id=world.actors["rev3"].user_id)
    with pytest.raises(errors.PermissionDenied, match="is for the moderator to mark"):
        _mark(world, "rev1", "report_moderated")
    assert _mark(world, "rev3", "report_moderated").done_by == "rev3"


def test_due_steps__each_their_own__commissioners_overdue__admins_all(world: World) -> None:
    with _write(world.url) as s:
        timelines.assign_moderator(s, actor=ACTOR, review_id=world.draft_id, user_id=world.actors["rev3"].user_id)
    with Session(db.make_engine(world.url)) as s:
        due = {who: timelines.due_steps(s, actor=world.actors[who], today=TODAY) for who in ("rev1", "rev3", "lead")}
        comm = timelines.due_steps(s, actor=world.actors["comm"], today=TODAY)
        everyone = timelines.due_steps(s, actor=ACTOR, today=TODAY)
        overdue = timelines.due_steps(s, actor=ACTOR, today=TODAY, overdue_only=True)
    assert {d.owner for d in due["rev1"]} == {"lead reviewer"} and {d.owner for d in due["lead"]} == {"service lead"}
    assert [d.owner for d in due["rev3"]].count("moderator") == 1  # and rev3 leads South's review
    assert [d.due for d in everyone] == sorted(d.due for d in everyone)  # nearest first
    assert len(everyone) == 3 * len(timeline.DEFAULT_TIMELINE)  # the two final reviews and the draft
    assert comm and all(d.overdue and d.service == "North IPS" for d in comm)  # IPSPC only, overdue only
    assert overdue == [d for d in everyone if d.overdue] and {d.review_id for d in due["lead"]} <= {
        world.draft_id,
        world.north_final_id,
    }


def test_step_missing_or_not_yours__the_same_answer(world: World) -> None:
    south_step = _steps(world.url, world.south_final_id)["aims_agreed"].id
    answers = []
    for step_id in (south_step, south_step + 10_000):
        with pytest.raises(errors.PermissionDenied) as refused, _write(world.url) as s:
            timelines.mark_step(s, actor=world.actors["lead"], step_id=step_id, status="done", today=TODAY)
        answers.append(str(refused.value).replace(str(step_id), "N"))
    assert answers[0] == answers[1] == "not allowed: step N is not one you can see"


def test_programme_timeline__admins_change_it__new_reviews_follow__started_ones_keep_theirs(world: World, scales):
    with Session(db.make_engine(world.url)) as s:
        programme_id = s.get(Service, world.services["north"]).programme_id
    rows = [
        {"key": "booked", "title": "Visit booked", "owner": "admin", "anchor": "visit", "days": -30},
        {
            "key": "report_presented",
            "title": "Report presented",
            "owner": "lead reviewer",
            "anchor": "visit",
            "days": 20,
        },
    ]
    with pytest.raises(errors.PermissionDenied), _write(world.url) as s:
        timelines.set_programme_timeline(s, actor=world.actors["comm"], programme_id=programme_id, rows=rows)
    with pytest.raises(errors.InputError, match="timeline: step 1: days"), _write(world.url) as s:
        timelines.set_programme_timeline(s, actor=ACTOR, programme_id=programme_id, rows=[rows[0] | {"days": "x"}])
    with _write(world.url) as s:
        timelines.set_programme_timeline(s, actor=ACTOR, programme_id=programme_id, rows=rows)
        new = reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales,
            data={"service_id": world.services["north"], "scale_id": "ips-25", "visit_start": date(2026, 6, 1),
                  "lead_user_id": world.actors["rev1"].user_id},
        )  # fmt: skip
    assert [(k, s.due) for k, s in _steps(world.url, new.id).items()] == [
        ("booked", date(2026, 5, 2)),
        ("report_presented", date(2026, 6, 21)),
    ]
    assert len(_steps(world.url, world.draft_id)) == len(timeline.DEFAULT_TIMELINE)
    with Session(db.make_engine(world.url)) as s:
        assert timelines.programme_timeline(s, programme_id)[1] == 1
        assert s.exec(select(AuditEvent).where(AuditEvent.entity == "timelinetemplate")).all()
    with _write(world.url) as s:
        timelines.reset_programme_timeline(s, actor=ACTOR, programme_id=programme_id)
    with Session(db.make_engine(world.url)) as s:
        assert timelines.programme_timeline(s, programme_id) == (timeline.DEFAULT_TIMELINE, 0)
        assert s.get(Review, new.id) is not None


def test_migration__reviews_not_yet_final_get_the_default_timeline(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from .conftest import migrated_to

    config = migrated_to(db_url, "5f1e2d3c4b5a")
    with db.make_engine(db_url).begin() as c:
        c.execute(
            text(
                "INSERT INTO scalesnapshot (content_hash, scale_id, scale_version, content, created_at) "
                "VALUES ('h', 'ips-25', 'v', '{}', '2025-01-01')"
            )
        )
        for review_id, status, kind in [
            (1, "scoring", "follow-up"),
            (2, "final", "follow-up"),
            (3, "draft", "self-assessment"),
        ]:
            c.execute(
                text(
                    "INSERT INTO review (id, service_id, scale_id, scale_version, scale_hash, kind, status, "
                    "visit_start, lead_reviewer, created_at, updated_at) VALUES (:id, 1, 'ips-25', 'v', 'h', :kind, "
                    ":status, '2027-03-01', 'Ann', '2025-01-01', '2025-01-01')"
                ),
                {"id": review_id, "status": status, "kind": kind},
            )
    command.upgrade(config, "head")
    with Session(db.make_engine(db_url)) as s:
        steps = s.exec(select(ReviewStep).order_by(ReviewStep.position)).all()
    assert {step.review_id for step in steps} == {1}
    assert [(step.key, step.due) for step in steps] == [
        (step.key, timeline.due_on(step, date(2027, 3, 1), None))
        for step in timeline.ordered(timeline.DEFAULT_TIMELINE, date(2027, 3, 1))
    ]
    command.downgrade(config, "5f1e2d3c4b5a")
    command.upgrade(config, "head")


def test_demo_removed__with_the_steps_and_timeline_of_its_reviews_and_programmes(db_url: str, scales) -> None:
    from fidelity import demo

    with _write(db_url) as s:
        demo.load_demo(s, actor=ACTOR, scales=scales, today=date(2026, 11, 22))
        service = s.exec(select(Service).where(Service.is_demo)).first()
        timelines.set_programme_timeline(
            s, actor=ACTOR, programme_id=service.programme_id, rows=[s_.as_data() for s_ in timeline.DEFAULT_TIMELINE]
        )
        reviews.start_review(
            s, actor=ACTOR, scales=scales, data={"service_id": service.id, "scale_id": "ips-25",
                                                  "visit_start": date(2027, 1, 5), "lead_reviewer": "Lead"},
        )  # fmt: skip
    with _write(db_url) as s:
        assert demo.remove_demo(s, actor=ACTOR) > 0
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(ReviewStep)).all() == []
