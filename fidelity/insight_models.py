"""Tables of the insight views: the review cadence admins set per programme, the limit past which a
reviewer's recent scoring is flagged as drifting from the agreed scores, and where a service's XmR chart is rebased."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from fidelity.models import utc_now, version_column

_cadence_version = version_column()


class CadenceRule(SQLModel, table=True):
    """A programme's review cadence where an admin set one; other programmes follow fidelity.cadence's default
    (6 months after a review below Good, 12 after Good or better)."""

    __mapper_args__ = {"version_id_col": _cadence_version}

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    months_below_good: int
    months_good_or_better: int
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_cadence_version)


_drift_version = version_column()


class DriftLimit(SQLModel, table=True):
    """The one row of calibration settings, where an admin set them (fidelity.calibration has the defaults): a
    reviewer is flagged when the mean difference of their scores from the agreed ones, over their latest
    `recent_reviews` two-reviewer reviews, is further from 0 than `points`."""

    __mapper_args__ = {"version_id_col": _drift_version}

    id: int | None = Field(default=None, primary_key=True)
    points: float
    recent_reviews: int
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_drift_version)


class ChartRebase(SQLModel, table=True):
    """Where a service's XmR chart starts a new period: at a recorded change (a final review or an improvement
    action of the service) with its reason; never made automatically."""

    __table_args__ = (UniqueConstraint("service_id", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    quarter: str = Field(max_length=7)  # the first quarter of the new period, "2025-Q2"
    reason: str = Field(max_length=500)
    review_id: int | None = Field(default=None, foreign_key="review.id")
    action_id: int | None = Field(default=None, foreign_key="improvementaction.id")
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utc_now)
