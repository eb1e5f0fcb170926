"""A review's timeline: the steps IPS Grow's fidelity reviews follow from booking to action plan, each owned by a
role and due a number of days before or after the visit or the report. Pure: no database, no Streamlit.

The default is IPS Grow's published timeline; an admin may change a programme's steps and offsets (as data,
validated here). A report-anchored step is due from the day the report was presented to the service (the
"report_presented" step done), and until then from the day it is planned (DEFAULT_REPORT_DAYS after the visit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class Owner(StrEnum):
    SERVICE_LEAD = "service lead"
    LEAD_REVIEWER = "lead reviewer"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Anchor(StrEnum):
    VISIT = "visit"
    REPORT = "report"


class StepStatus(StrEnum):
    TO_DO = "to do"
    DONE = "done"
    NOT_NEEDED = "not needed"


REPORT_PRESENTED = "report_presented"  # the step whose done date is the report date
DEFAULT_REPORT_DAYS = 28  # the report is presented within 4 weeks of the visit
MAX_DAYS = 365
KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class StepTemplate:
    key: str
    title: str
    owner: Owner
    anchor: Anchor
    days: int  # after the anchor; negative: before it

    def as_data(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, StrEnum) else v for k, v in asdict(self).items()}


def _step(key: str, title: str, owner: Owner, anchor: Anchor, days: int) -> StepTemplate:
    return StepTemplate(key, title, owner, anchor, days)


V, R = Anchor.VISIT, Anchor.REPORT
DEFAULT_TIMELINE: tuple[StepTemplate, ...] = (
    _step("aims_agreed", "Aims agreed on a call; partnership agreement signed", Owner.SERVICE_LEAD, V, -56),
    _step("information_governance", "Information governance arranged", Owner.SERVICE_LEAD, V, -56),
    _step("interviewees_contacted", "Interviewees contacted", Owner.SERVICE_LEAD, V, -56),
    _step("portfolio_assembled", "Portfolio of evidence assembled", Owner.SERVICE_LEAD, V, -56),
    _step("portfolio_audited", "Portfolio audited for gaps", Owner.LEAD_REVIEWER, V, -21),
    _step("timetable_sent", "Visit timetable sent to the reviewers", Owner.SERVICE_LEAD, V, -14),
    _step("snapshot_sent", "Performance snapshot sent to the lead reviewer", Owner.SERVICE_LEAD, V, -14),
    _step("catch_up_call", "Catch-up call before the visit", Owner.LEAD_REVIEWER, V, -14),
    _step("report_written", "Draft report written", Owner.LEAD_REVIEWER, V, 21),
    _step("report_moderated", "Draft report moderated", Owner.MODERATOR, V, 25),
    _step(REPORT_PRESENTED, "Report presented to the service", Owner.LEAD_REVIEWER, V, DEFAULT_REPORT_DAYS),
    _step("feedback_sent", "Further evidence sent on individual items", Owner.SERVICE_LEAD, R, 7),
    _step("personal_data_deleted", "Personal data gathered for the review deleted", Owner.ADMIN, R, 14),
    _step("action_plan_agreed", "Action plan agreed with the lead reviewer", Owner.SERVICE_LEAD, R, 42),
    _step("support_agreed", "Technical support agreed", Owner.LEAD_REVIEWER, R, 42),
)


class TimelineError(ValueError):
    """A timeline an admin wrote that cannot be used: every problem, each naming its row and field."""


def parse(rows: Sequence[Mapping[str, Any]]) -> tuple[StepTemplate, ...]:
    """Steps from rows of key, title, owner, anchor and days (as an admin edits them), or TimelineError."""
    problems, steps, seen = [], [], set()
    for number, row in enumerate(rows, start=1):
        key = str(row.get("key") or "").strip()
        title = " ".join(str(row.get("title") or "").split())
        owner, anchor, days = row.get("owner"), row.get("anchor"), row.get("days")
        found = []
        if not KEY.match(key):
            found.append(f"key: {key!r} must be 2-40 lower-case letters, digits and _, starting with a letter")
        elif key in seen:
            found.append(f"key: {key!r} is also on an earlier row")
        if not title or len(title) > 200:
            found.append("title: must be 1-200 characters")
        if str(owner) not in {o.value for o in Owner}:
            found.append(f"owner: {owner!r} is not one of {', '.join(o.value for o in Owner)}")
        if str(anchor) not in {a.value for a in Anchor}:
            found.append(f"anchor: {anchor!r} is not one of {', '.join(a.value for a in Anchor)}")
        whole = _whole(days)
        if whole is None:
            found.append(f"days: {days!r} is not a whole number")
        elif abs(whole) > MAX_DAYS:
            found.append(f"days: {whole} is more than a year from the {anchor}")
        problems += [f"step {number}: {problem}" for problem in found]
        if not found and whole is not None:
            seen.add(key)
            steps.append(StepTemplate(key, title, Owner(str(owner)), Anchor(str(anchor)), whole))
    if not rows:
        problems.append("a timeline needs at least one step")
    if problems:
        raise TimelineError("; ".join(problems))
    if REPORT_PRESENTED not in seen and any(s.anchor == Anchor.REPORT for s in steps):
        raise TimelineError(f"steps after the report need the step {REPORT_PRESENTED!r}, which dates the report")
    return tuple(steps)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = "" if value is None else str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def report_date(visit: date, presented_on: date | None) -> date:
    """The report's date: when it was presented to the service, else when it is planned."""
    return presented_on or visit + timedelta(days=DEFAULT_REPORT_DAYS)


def due_on(step: StepTemplate, visit: date, presented_on: date | None) -> date:
    anchor = visit if step.anchor == Anchor.VISIT else report_date(visit, presented_on)
    return anchor + timedelta(days=step.days)


def is_late(due: date, done_on: date) -> bool:
    """Done after the day it was due; it stays late once marked so."""
    return done_on > due


def overdue(due: date, status: StepStatus, today: date) -> bool:
    return status == StepStatus.TO_DO and due < today


def ordered(steps: Iterable[StepTemplate], visit: date) -> list[StepTemplate]:
    """In the order they fall due (planned report date for report steps), as given where they tie."""
    indexed = list(enumerate(steps))
    return [s for _, s in sorted(indexed, key=lambda pair: (due_on(pair[1], visit, None), pair[0]))]


# --- after the visit: moderation, the service's feedback, personal data -----------------------------------------


class Decision(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"


class Answer(StrEnum):
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not accepted"


FEEDBACK_STEP, DELETION_STEP = "feedback_sent", "personal_data_deleted"
FEEDBACK_DAYS = 7  # the service may send further evidence for a week after the report is presented
DELETION_DAYS = 14  # personal data gathered for the review is deleted two weeks after the report


class Stage(StrEnum):
    SCORING = "scoring"
    CONSENSUS = "agreeing scores"
    IN_MODERATION = "with the moderator"
    RETURNED = "returned by the moderator"
    MODERATED = "moderated, not yet presented"
    FEEDBACK = "open for the service's feedback"
    READY = "ready to finalise"
    FINAL = "final"


def stage(
    *,
    final: bool,
    consensus_open: bool,
    decision: Decision | None,
    awaiting_moderator: bool,
    shared_on: date | None,
    feedback_until: date | None,
    unanswered: int,
    today: date,
    feedback_done: bool = False,
) -> Stage:
    """Where a moderated review stands (a review without a moderator goes from agreeing scores to final). Its
    feedback stage ends when every piece is answered and the window has closed or the service said it is done."""
    if final:
        return Stage.FINAL
    if awaiting_moderator:
        return Stage.IN_MODERATION
    if decision == Decision.RETURNED:
        return Stage.RETURNED
    if decision == Decision.APPROVED:
        if shared_on is None:
            return Stage.MODERATED
        if unanswered or (feedback_open(feedback_until, today) and not feedback_done):
            return Stage.FEEDBACK
        return Stage.READY
    return Stage.CONSENSUS if consensus_open else Stage.SCORING


def feedback_open(feedback_until: date | None, today: date) -> bool:
    """The service may still send further evidence (to the end of the window's last day)."""
    return feedback_until is not None and today <= feedback_until


def days_after_report(steps: Mapping[str, int], key: str) -> int:
    """The days after the report of a timeline's step (its window), or IPS Grow's where the timeline has none."""
    return steps.get(key, REPORT_DEFAULTS[key])


REPORT_DEFAULTS = {FEEDBACK_STEP: FEEDBACK_DAYS, DELETION_STEP: DELETION_DAYS}
