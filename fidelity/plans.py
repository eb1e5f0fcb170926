"""Improvement-plan rules: defaults, overdue, and progress over time. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class ActionStatus(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    DROPPED = "dropped"


class SupportKind(StrEnum):
    """Technical support an IPS Grow reviewer gives a service after its action plan is agreed."""

    CALL = "call"
    VISIT = "visit"
    TRAINING = "training"
    SUPERVISION = "supervision of the team lead"
    RESOURCES = "resources shared"
    OTHER = "other"


SUPPORT_HOURS_MAX = 100.0  # one entry; a longer programme of support is logged as several


# domain.md 5.2: the service completes its action plan with the reviewer within 6 weeks of the report.
PLAN_WEEKS = 6
# Items scored at or below this get a draft action when a plan is created from a final review.
ACTION_THRESHOLD = 3
OPEN = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)


def default_due_date(report_date: date) -> date:
    return report_date + timedelta(weeks=PLAN_WEEKS)


def needs_action(score: int | None) -> bool:
    return score is not None and score <= ACTION_THRESHOLD


def is_overdue(due_date: date, status: str, today: date) -> bool:
    """Still open after its due date."""
    return status in OPEN and due_date < today


@dataclass(frozen=True)
class ActionDates:
    created: date
    done_on: date | None
    status: str


def progress_over_time(actions: Iterable[ActionDates], until: date) -> list[dict[str, object]]:
    """Week by week from the first action: how many actions exist and how many are done."""
    actions = list(actions)
    if not actions:
        return []
    start = min(a.created for a in actions)
    start -= timedelta(days=start.weekday())  # weeks start on Monday
    rows = []
    week = start
    while week <= until:
        end = week + timedelta(days=6)
        rows.append(
            {
                "week": week,
                "actions": sum(a.created <= end for a in actions),
                "done": sum(a.done_on is not None and a.done_on <= end for a in actions),
            }
        )
        week += timedelta(weeks=1)
    return rows
