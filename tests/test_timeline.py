"""A review's timeline: IPS Grow's default steps and offsets, due dates from the visit and the report, lateness,
and an admin's timeline checked field by field."""

from __future__ import annotations

from datetime import date

import pytest

from fidelity import timeline
from fidelity.timeline import Anchor, Owner, StepStatus

VISIT = date(2027, 3, 1)


def _default(key: str) -> timeline.StepTemplate:
    return next(s for s in timeline.DEFAULT_TIMELINE if s.key == key)


@pytest.mark.parametrize(
    ("key", "due"),
    [
        ("aims_agreed", date(2027, 1, 4)),  # 8 weeks before the visit
        ("portfolio_audited", date(2027, 2, 8)),  # 3 weeks before
        ("snapshot_sent", date(2027, 2, 15)),  # 2 weeks before
        ("report_presented", date(2027, 3, 29)),  # within 4 weeks after
        ("feedback_sent", date(2027, 4, 5)),  # a week after the planned report
        ("personal_data_deleted", date(2027, 4, 12)),  # 2 weeks after
        ("action_plan_agreed", date(2027, 5, 10)),  # 6 weeks after
    ],
)
def test_default_timeline__ips_grow_offsets(key: str, due: date) -> None:
    assert timeline.due_on(_default(key), VISIT, None) == due


def test_report_steps__due_from_the_day_the_report_was_presented() -> None:
    presented = date(2027, 3, 20)
    assert timeline.due_on(_default("personal_data_deleted"), VISIT, presented) == date(2027, 4, 3)
    assert timeline.due_on(_default("aims_agreed"), VISIT, presented) == date(2027, 1, 4)  # visit steps unchanged


def test_lateness_and_overdue__boundaries() -> None:
    due = date(2027, 3, 1)
    assert not timeline.is_late(due, due) and timeline.is_late(due, date(2027, 3, 2))
    assert not timeline.overdue(due, StepStatus.TO_DO, due) and timeline.overdue(
        due, StepStatus.TO_DO, date(2027, 3, 2)
    )
    assert not timeline.overdue(due, StepStatus.NOT_NEEDED, date(2028, 1, 1))


def test_ordered__by_planned_due_date_then_as_given() -> None:
    keys = [s.key for s in timeline.ordered(timeline.DEFAULT_TIMELINE, VISIT)]
    assert keys[:4] == ["aims_agreed", "information_governance", "interviewees_contacted", "portfolio_assembled"]
    assert keys.index("report_presented") < keys.index("feedback_sent") < keys.index("action_plan_agreed")


def test_parse__round_trips_the_default() -> None:
    rows = [s.as_data() for s in timeline.DEFAULT_TIMELINE]
    assert timeline.parse(rows) == timeline.DEFAULT_TIMELINE
    assert rows[0] == {
        "key": "aims_agreed",
        "title": rows[0]["title"],
        "owner": "service lead",
        "anchor": "visit",
        "days": -56,
    }


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"key": "Bad Key"}, "step 1: key: 'Bad Key' must be 2-40 lower-case letters"),
        ({"title": "  "}, "step 1: title: must be 1-200 characters"),
        ({"owner": "nobody"}, "step 1: owner: 'nobody' is not one of service lead, lead reviewer, moderator, admin"),
        ({"anchor": "lunch"}, "step 1: anchor: 'lunch' is not one of visit, report"),
        ({"days": "2.5"}, "step 1: days: '2.5' is not a whole number"),
        ({"days": 400}, "step 1: days: 400 is more than a year from the visit"),
        ({"days": True}, "step 1: days: True is not a whole number"),
    ],
)
def test_parse__bad_step__refused_naming_row_and_field(change: dict[str, object], problem: str) -> None:
    row = {"key": "call", "title": "A call", "owner": "admin", "anchor": "visit", "days": -7} | change
    with pytest.raises(timeline.TimelineError, match=problem.replace("(", r"\(")):
        timeline.parse([row])


def test_parse__duplicate_keys_empty_and_report_steps_without_the_report__refused() -> None:
    step = {"key": "call", "title": "A call", "owner": "admin", "anchor": "visit", "days": "-7"}
    assert timeline.parse([step])[0].days == -7
    with pytest.raises(timeline.TimelineError, match="step 2: key: 'call' is also on an earlier row"):
        timeline.parse([step, step])
    with pytest.raises(timeline.TimelineError, match="at least one step"):
        timeline.parse([])
    with pytest.raises(timeline.TimelineError, match="need the step 'report_presented'"):
        timeline.parse([step | {"key": "after", "anchor": "report"}])
    assert {o.value for o in Owner} >= {"moderator"} and Anchor.REPORT == "report"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, timeline.Stage.FEEDBACK),  # the window's last day
        ({"today": date(2026, 2, 9)}, timeline.Stage.READY),  # the day after it
        ({"feedback_done": True}, timeline.Stage.READY),  # the service said it has sent all it will
        ({"feedback_done": True, "unanswered": 1}, timeline.Stage.FEEDBACK),  # answers still owed
        ({"shared_on": None}, timeline.Stage.MODERATED),
        ({"decision": timeline.Decision.RETURNED}, timeline.Stage.RETURNED),
        ({"awaiting_moderator": True}, timeline.Stage.IN_MODERATION),
        ({"decision": None}, timeline.Stage.CONSENSUS),
        ({"decision": None, "consensus_open": False}, timeline.Stage.SCORING),
        ({"final": True}, timeline.Stage.FINAL),
    ],
)
def test_stage__after_the_visit(change: dict, expected: timeline.Stage) -> None:
    where = {
        "final": False,
        "consensus_open": True,
        "decision": timeline.Decision.APPROVED,
        "awaiting_moderator": False,
        "shared_on": date(2026, 2, 1),
        "feedback_until": date(2026, 2, 8),
        "unanswered": 0,
        "today": date(2026, 2, 8),
    }
    assert timeline.stage(**(where | change)) == expected
