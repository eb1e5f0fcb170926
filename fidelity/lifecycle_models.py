"""Tables of a review's lifecycle: each programme's timeline of steps (where an admin changed IPS Grow's default,
fidelity.timeline), and each review's steps with their owner, due date, status and who marked them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fidelity.models import utc_now, version_column

_timeline_version = version_column()


class TimelineTemplate(SQLModel, table=True):
    """A programme's timeline of steps as an admin set it: a list of {key, title, owner, anchor, days}."""

    __mapper_args__ = {"version_id_col": _timeline_version}

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    steps: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_timeline_version)


_step_version = version_column()


class ReviewStep(SQLModel, table=True):
    """One step of one review's timeline, copied from its programme's timeline when the review was started (so a
    later change to the timeline leaves it as it was), with its due date and who marked it and when."""

    __table_args__ = (UniqueConstraint("review_id", "key"),)
    __mapper_args__ = {"version_id_col": _step_version}

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    position: int
    key: str = Field(max_length=40)
    title: str = Field(max_length=200)
    owner: str = Field(max_length=20)  # fidelity.timeline.Owner
    anchor: str = Field(max_length=10)  # visit or report
    days: int
    due: date = Field(index=True)
    status: str = Field(default="to do", max_length=12, index=True)  # fidelity.timeline.StepStatus
    done_by: str | None = Field(default=None, max_length=120)
    done_on: date | None = None
    late: bool = False  # marked done after its due date: stays so
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_step_version)


class ModerationRound(SQLModel, table=True):
    """One round of moderation: the lead reviewer sends the agreed draft to the moderator, who approves it or
    returns it with comments on items (which reopen for the reviewers). Every round is kept."""

    __table_args__ = (UniqueConstraint("review_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    number: int
    sent_by: str = Field(max_length=120)
    sent_at: datetime = Field(default_factory=utc_now)
    decision: str | None = Field(default=None, max_length=12)  # fidelity.timeline.Decision, None while awaited
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ModerationComment(SQLModel, table=True):
    """The moderator's comment on one item in one round; a returned round's items reopen for the reviewers."""

    __table_args__ = (UniqueConstraint("round_id", "item_number"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="moderationround.id", index=True)
    item_number: int
    text: str = Field(sa_column=Column(Text, nullable=False))


class ItemFeedback(SQLModel, table=True):
    """Further evidence the service sent on one item of its moderated draft report, and the reviewers' answer:
    accepted (the agreed score changed from score_before to score_after) or not accepted, with the reason."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    item_number: int
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    sent_by: str = Field(max_length=120)
    sent_at: datetime = Field(default_factory=utc_now)
    answer: str | None = Field(default=None, max_length=14)  # fidelity.timeline.Answer
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    score_before: int | None = None
    score_after: int | None = None
    answered_by: str | None = Field(default=None, max_length=120)
    answered_at: datetime | None = None


class KeptMeasures(SQLModel, table=True):
    """The case-record sample's measures per item (fidelity.record_sample.Measure), kept when the records themselves
    are deleted with the review's other personal data."""

    review_id: int = Field(foreign_key="review.id", primary_key=True)
    measures: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class PlanAgreement(SQLModel, table=True):
    """An improvement plan is agreed when both the service's lead and the review's lead reviewer have marked it so."""

    review_id: int = Field(foreign_key="review.id", primary_key=True)
    service_lead: str | None = Field(default=None, max_length=120)
    service_lead_on: date | None = None
    lead_reviewer: str | None = Field(default=None, max_length=120)
    lead_reviewer_on: date | None = None

    @property
    def agreed(self) -> bool:
        return self.service_lead is not None and self.lead_reviewer is not None


class SupportEntry(SQLModel, table=True):
    """Technical support given to the service after its plan is agreed: the day, the kind, the hours and notes."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    day: date
    kind: str = Field(max_length=30)  # fidelity.plans.SupportKind
    hours: float
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utc_now)


class PortfolioEntry(SQLModel, table=True):
    """A piece of evidence the service will show for one item: its title and which kind of data source it is
    (the scale's MIS, DOC, INT or OBS). Never a file: nothing personal is uploaded."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    item_number: int
    title: str = Field(max_length=200)
    kind: str = Field(max_length=3)
    added_by: str = Field(max_length=120)
    added_at: datetime = Field(default_factory=utc_now)


class PortfolioVerdict(SQLModel, table=True):
    """The lead reviewer's audit of one item's evidence before the visit: sufficient or missing, with a note."""

    __table_args__ = (UniqueConstraint("review_id", "item_number"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    item_number: int
    verdict: str = Field(max_length=10)  # fidelity.portfolio.Verdict
    note: str = Field(default="", max_length=500)
    marked_by: str = Field(max_length=120)
    marked_on: date


class PerformanceSnapshot(SQLModel, table=True):
    """The service's figures for the four quarters before the visit, prefilled from its outcomes and confirmed or
    corrected by its lead, pinned to the review (fidelity.snapshot.COLUMNS per row)."""

    review_id: int = Field(foreign_key="review.id", primary_key=True)
    rows: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    prefilled: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    confirmed_by: str = Field(max_length=120)
    confirmed_on: date


PORTFOLIO = (PortfolioEntry, PortfolioVerdict, PerformanceSnapshot)  # what a service prepares for its visit
# The rows of this module that belong to one review by its review_id, besides its steps; a round's comments (by
# round_id) go before them.
BY_REVIEW = (ModerationRound, ItemFeedback, KeptMeasures, PlanAgreement, SupportEntry, *PORTFOLIO)
