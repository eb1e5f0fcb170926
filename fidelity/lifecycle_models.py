"""Tables of a review's lifecycle: each programme's timeline of steps (where an admin changed IPS Grow's default,
fidelity.timeline), and each review's steps with their owner, due date, status and who marked them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
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
