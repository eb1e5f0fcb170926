"""An improvement plan agreed by both the service's lead and the review's lead reviewer, and the technical support
logged against it afterwards: each mark by its owner only, support only after agreement, bad input refused by field
with nothing saved."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from fidelity import db, errors
from fidelity.lifecycle_models import ReviewStep
from fidelity.models import AuditEvent
from fidelity.store import plan_support

from .conftest import ACTOR, table_dump
from .test_access import World, _write, world  # noqa: F401  (the fixture; F811 waived for this file)

TODAY = date(2025, 3, 1)


def _agree(world: World, who: str, today: date = TODAY):  # type: ignore[no-untyped-def]
    actor = ACTOR if who == "admin" else world.actors[who]
    with _write(world.url) as s:
        return plan_support.agree_plan(s, actor=actor, review_id=world.north_final_id, today=today)


def _log(world: World, who: str = "rev1", **change):  # type: ignore[no-untyped-def]
    data = {"day": TODAY, "kind": "call", "hours": 1.5, "notes": "Went through the caseload audit"} | change
    actor = ACTOR if who == "admin" else world.actors[who]
    with _write(world.url) as s:
        return plan_support.log_support(s, actor=actor, review_id=world.north_final_id, today=TODAY, **data)


def _plan_step(world: World) -> ReviewStep:
    with Session(db.make_engine(world.url)) as s:
        return s.exec(
            select(ReviewStep).where(
                ReviewStep.review_id == world.north_final_id, ReviewStep.key == plan_support.PLAN_STEP
            )
        ).one()


def test_agree__both_marks_needed__each_by_its_owner__step_done(world: World) -> None:
    for who in ("rev2", "comm", "admin"):
        with pytest.raises(errors.PermissionDenied, match="the service's lead and the review's lead reviewer"):
            _agree(world, who)
    first = _agree(world, "lead")
    assert (first.service_lead, first.agreed) == ("lead", False)
    assert _plan_step(world).status == "to do"
    with pytest.raises(errors.InputError, match="the service lead marked it agreed already, on 01 March 2025"):
        _agree(world, "lead")
    both = _agree(world, "rev1", today=date(2025, 3, 4))
    assert (both.lead_reviewer, both.lead_reviewer_on, both.agreed) == ("rev1", date(2025, 3, 4), True)
    step = _plan_step(world)
    assert (step.status, step.done_by) == ("done", "rev1")
    with Session(db.make_engine(world.url)) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "agree_plan")).all()
    assert [e.actor for e in events] == ["lead", "rev1"]
    assert {e.entity_id for e in events} == {str(world.north_final_id)}


def test_agree__a_plan_without_actions__refused(world: World) -> None:
    with pytest.raises(errors.InputError, match="plan: add at least one action"), _write(world.url) as s:
        plan_support.agree_plan(s, actor=world.actors["rev3"], review_id=world.south_final_id, today=TODAY)


def test_support__after_agreement__by_the_reviewers_only(world: World) -> None:
    with pytest.raises(errors.InputError, match="support: it is logged against an agreed plan"):
        _log(world)
    _agree(world, "lead")
    _agree(world, "rev1")
    entry = _log(world, notes="  Went through\nthe caseload audit  ")
    assert (entry.kind, entry.hours, entry.recorded_by) == ("call", 1.5, "rev1")
    with pytest.raises(errors.PermissionDenied, match="the review's reviewers"):
        _log(world, "lead")
    assert _log(world, "admin", kind="training", hours=3).hours == 3.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "lunch"}, "kind: 'lunch' is not one of call, visit"),
        ({"hours": 0}, "hours: 0 is outside 0 to 100"),
        ({"hours": 100.5}, "hours: 100.5 is outside 0 to 100"),
        ({"hours": float("nan")}, "hours: nan is not a number"),
        ({"day": date(2025, 3, 2)}, "day: 02 March 2025 is in the future"),
        ({"day": date(2025, 2, 27)}, r"day: 27 February 2025 is before the plan was agreed \(01 March 2025\)"),
        ({"notes": "x" * 2_001}, "notes: at most 2,000 characters"),
    ],
)
def test_support__bad_input__named_and_nothing_saved(world: World, change: dict, message: str) -> None:
    _agree(world, "lead")
    _agree(world, "rev1")
    before = table_dump(world.url)
    with pytest.raises(errors.InputError, match=message):
        _log(world, **change)
    assert table_dump(world.url) == before
