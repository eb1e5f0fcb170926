"""Database tables (SQLModel) and the validated input models that create and change them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fidelity.plans import ActionStatus
from fidelity.text import one_line, paragraphs, required_line, required_paragraphs


def utc_now() -> datetime:
    return datetime.now(UTC)


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SCORING = "scoring"
    CONSENSUS = "consensus"
    FINAL = "final"


class ReviewKind(StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow-up"
    SELF_ASSESSMENT = "self-assessment"
    EXTERNAL = "external"


class Rater(StrEnum):
    LEAD = "lead"
    SECOND = "second"
    CONSENSUS = "consensus"


def version_column() -> Column[int]:
    """A row version for optimistic concurrency: SQLAlchemy updates only the version it read."""
    return Column("version", Integer, nullable=False, server_default="1")


GUIDE = "guide"  # the reviewer guiding a self-assessment: comments, never scores


def counted_rater_of(second_reviewer: str | None) -> Rater:
    """Whose scores make a review's total: the agreed ones, or the only reviewer's."""
    return Rater.CONSENSUS if second_reviewer else Rater.LEAD


def kind_label_of(kind: str, second_reviewer: str | None) -> str:
    """A review's kind as shown everywhere, saying when one reviewer scored alone (a self-assessment is
    the service's own scoring, so it says that instead)."""
    if kind == ReviewKind.SELF_ASSESSMENT:
        return "guided self-assessment"
    return kind if second_reviewer else f"{kind} (single reviewer)"


def _optional_line(value: str | None) -> str | None:
    return one_line(value or "") or None


# --- users --------------------------------------------------------------------------------------

_user_version = version_column()


class User(SQLModel, table=True):
    """A person who signs in. `password_hash` is empty for single-sign-on-only accounts."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254, index=True)
    role: str = Field(max_length=20)
    password_hash: str = Field(default="", max_length=255)
    is_active: bool = True
    is_demo: bool = False
    # Shown on the sign-in page while demo data is loaded; removed with the demo data.
    demo_password: str | None = Field(default=None, max_length=80)
    last_signed_in_at: datetime | None = None
    # Raised when the password changes or is reset: a session signed in under an older one is signed out.
    credential_version: int = 1
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_user_version)

    __mapper_args__ = {"version_id_col": _user_version}


class UserScope(SQLModel, table=True):
    """What a service lead leads (a service) or a commissioner commissions (a programme or an area)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    service_id: int | None = Field(default=None, foreign_key="service.id")
    programme_id: int | None = Field(default=None, foreign_key="programme.id")
    area_id: int | None = Field(default=None, foreign_key="area.id")


# --- programmes, areas, services ------------------------------------------------------------


class Programme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    is_demo: bool = False


class Area(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    is_demo: bool = False


class NamedCreate(SQLModel):
    name: str = Field(max_length=120)

    _name = field_validator("name")(required_line)


class ServiceBase(SQLModel):
    name: str = Field(max_length=160)
    provider: str = Field(default="", max_length=160)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    area_id: int = Field(foreign_key="area.id", index=True)


class ServiceCreate(ServiceBase):
    _name = field_validator("name")(required_line)

    _provider = field_validator("provider")(one_line)


_service_version = version_column()


class Service(ServiceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=160, unique=True)
    is_demo: bool = False
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_service_version)

    __mapper_args__ = {"version_id_col": _service_version}


# --- scales pinned by reviews -----------------------------------------------------------------


class ScaleSnapshot(SQLModel, table=True):
    """The resolved scale exactly as a review used it, so later edits never change old reviews."""

    content_hash: str = Field(primary_key=True, max_length=64)
    scale_id: str = Field(max_length=40)
    scale_version: str = Field(max_length=40)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class PublishedScale(SQLModel, table=True):
    """A scale version new reviews can use: the shipped files seed these; admins publish and retire them."""

    __table_args__ = (UniqueConstraint("scale_id", "scale_version"),)

    id: int | None = Field(default=None, primary_key=True)
    scale_id: str = Field(max_length=40, index=True)
    scale_version: str = Field(max_length=40)
    content_hash: str = Field(foreign_key="scalesnapshot.content_hash", max_length=64)
    file_name: str = Field(max_length=200)
    shipped: bool = False  # seeded from the app's own scales/ folder
    published_at: datetime = Field(default_factory=utc_now)
    published_by: str = Field(max_length=120)
    retired_at: datetime | None = None
    retired_by: str | None = Field(default=None, max_length=120)


class VerificationInput(SQLModel):
    """Where an item's criteria were checked: the source a person read, and when."""

    item_number: int = Field(ge=1)
    source_title: str = Field(max_length=300)
    source_edition: str = Field(max_length=120)
    source_page: str = Field(default="", max_length=40)
    checked_on: date

    _title = field_validator("source_title", "source_edition")(required_line)
    _page = field_validator("source_page")(one_line)

    @field_validator("checked_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("must not be in the future")
        return value


class ItemVerification(VerificationInput, table=True):
    """An item's criteria checked against a named source: the provisional flag is lifted for that version."""

    __table_args__ = (UniqueConstraint("content_hash", "item_number"),)

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(foreign_key="scalesnapshot.content_hash", max_length=64, index=True)
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utc_now)


# --- reviews and ratings ----------------------------------------------------------------------


class ReviewCreate(SQLModel):
    service_id: int
    scale_id: str
    kind: ReviewKind = ReviewKind.FOLLOW_UP
    visit_start: date
    visit_end: date | None = None
    lead_reviewer: str = Field(default="", max_length=120)
    second_reviewer: str | None = Field(default=None, max_length=120)
    lead_user_id: int | None = None
    second_user_id: int | None = None
    guide_user_id: int | None = None  # a self-assessment's guiding reviewer, who comments

    _lead = field_validator("lead_reviewer")(one_line)
    _second = field_validator("second_reviewer")(_optional_line)

    @field_validator("visit_end")
    @classmethod
    def _end_after_start(cls, value: date | None, info: Any) -> date | None:
        start = info.data.get("visit_start")
        if value is not None and start is not None and value < start:
            raise ValueError("must be on or after the visit start")
        return value


class Review(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    scale_id: str = Field(max_length=40)
    scale_version: str = Field(max_length=40)
    scale_hash: str = Field(foreign_key="scalesnapshot.content_hash", max_length=64)
    kind: str = Field(max_length=20)
    status: str = Field(default=ReviewStatus.DRAFT, max_length=20, index=True)
    visit_start: date
    visit_end: date | None = None
    lead_reviewer: str = Field(max_length=120)
    second_reviewer: str | None = Field(default=None, max_length=120)
    lead_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    second_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    # A guided self-assessment is scored by the service's lead; a reviewer may guide it and comment.
    guide_user_id: int | None = Field(default=None, foreign_key="user.id")
    guide: str | None = Field(default=None, max_length=120)
    moderator_user_id: int | None = Field(default=None, foreign_key="user.id")  # moderates the draft report
    report_shared_on: date | None = None  # the moderated draft report presented to the service
    feedback_until: date | None = None  # the last day the service may send further evidence on items
    personal_data_delete_on: date | None = None  # the case-record sample and evidence notes are deleted on this day
    personal_data_deleted_at: datetime | None = None
    # An amendment is a new final review that corrects an earlier one, which stays as it was.
    amends_id: int | None = Field(default=None, foreign_key="review.id", index=True)
    amendment_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    total: int | None = None
    band: str | None = Field(default=None, max_length=40)
    lead_submitted_at: datetime | None = None
    second_submitted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    finalised_at: datetime | None = None

    @property
    def single_reviewer(self) -> bool:
        """Scored by one reviewer (a self-assessment or a review with no second reviewer)."""
        return not self.second_reviewer

    @property
    def counted_rater(self) -> Rater:
        """Whose scores make the total: the agreed (consensus) ones, or the only reviewer's."""
        return counted_rater_of(self.second_reviewer)

    @property
    def raters(self) -> tuple[Rater, ...]:
        return (Rater.LEAD,) if self.single_reviewer else (Rater.LEAD, Rater.SECOND)

    def reviewer_name(self, rater: str) -> str:
        names = {Rater.LEAD: self.lead_reviewer, Rater.SECOND: self.second_reviewer or "", GUIDE: self.guide or ""}
        return names.get(rater, "agreed")

    @property
    def is_self_assessment(self) -> bool:
        return self.kind == ReviewKind.SELF_ASSESSMENT

    def submitted(self, rater: str) -> bool:
        return {Rater.LEAD: self.lead_submitted_at, Rater.SECOND: self.second_submitted_at}.get(rater) is not None

    @property
    def consensus_open(self) -> bool:
        return not self.single_reviewer and all(self.submitted(r) for r in self.raters)

    @property
    def kind_label(self) -> str:
        """The kind as shown everywhere, saying when one reviewer scored alone."""
        return kind_label_of(self.kind, self.second_reviewer)


class RatingInput(SQLModel):
    """What a reviewer saves for one item; everything but the item is optional while scoring."""

    item_number: int
    score: int | None = Field(default=None, ge=1, le=5)
    evidence: str = Field(default="", max_length=20_000)
    data_sources: list[str] = Field(default_factory=list)
    metric_numerator: float | None = Field(default=None, ge=0)
    metric_denominator: float | None = Field(default=None, ge=0)
    metric_value: float | None = Field(default=None, ge=0)
    checklist_ticked: list[int] = Field(default_factory=list)
    rationale: str = Field(default="", max_length=20_000)
    strength: str = Field(default="", max_length=20_000)
    recommendation: str = Field(default="", max_length=20_000)

    _notes = field_validator("evidence", "rationale", "strength", "recommendation")(paragraphs)


_rating_version = version_column()


class ItemRating(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("review_id", "item_number", "rater"),)
    __mapper_args__ = {"version_id_col": _rating_version}

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    item_number: int
    rater: str = Field(default=Rater.LEAD, max_length=20)
    score: int | None = None
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    data_sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    metric_numerator: float | None = None
    metric_denominator: float | None = None
    metric_value: float | None = None
    checklist_ticked: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The agreed (consensus) rating's reasons, and what goes into the report.
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    strength: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    recommendation: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_rating_version)


# --- audit -------------------------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, index=True)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40, index=True)
    entity_id: str = Field(max_length=80, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


# --- improvement plans -----------------------------------------------------------------------


class ActionInput(SQLModel):
    """What a service lead enters or changes for one improvement action."""

    item_number: int | None = Field(default=None, ge=1)
    description: str = Field(max_length=5_000)
    owner: str = Field(default="", max_length=120)
    due_date: date
    status: ActionStatus = ActionStatus.NOT_STARTED

    _description = field_validator("description")(required_paragraphs)
    _owner = field_validator("owner")(one_line)


class NoteInput(SQLModel):
    """A dated progress note on an improvement action."""

    note: str = Field(max_length=2_000)

    _note = field_validator("note")(required_paragraphs)


class AmendmentReason(SQLModel):
    """Why a final review is corrected."""

    reason: str = Field(max_length=2_000)

    _reason = field_validator("reason")(paragraphs)


_action_version = version_column()


class ImprovementAction(SQLModel, table=True):
    __mapper_args__ = {"version_id_col": _action_version}

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    item_number: int | None = None
    description: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", max_length=120)
    due_date: date
    status: str = Field(default=ActionStatus.NOT_STARTED, max_length=20)
    done_on: date | None = None
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_action_version)


class ActionNote(SQLModel, table=True):
    """A dated progress note on an improvement action."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    noted_on: date
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


# --- quarterly outcomes ------------------------------------------------------------------------


_outcome_version = version_column()


class OutcomePeriod(SQLModel, table=True):
    """One service's employment outcomes for one quarter (service-level counts, no personal data)."""

    __table_args__ = (UniqueConstraint("service_id", "quarter"),)
    __mapper_args__ = {"version_id_col": _outcome_version}

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    quarter: str = Field(max_length=7)  # "2024-Q2"
    quarter_start: date = Field(index=True)
    specialist_fte: float
    active_caseload: int
    referrals: int
    starts: int
    out_of_work: int
    in_work: int
    out_of_work_job_starts: int  # the employment rate's numerator
    in_work_job_starts: int  # in-work clients who started a new job: never in the employment rate
    total_job_starts: int
    retention_successes: int
    sustained_13_weeks: int
    sustained_26_weeks: int
    employer_contacts: int
    # False for quarters entered before the job starts were split by clients' work status (1 December 2026),
    # whose one figure was read as out-of-work clients' job starts: see fidelity.outcomes.UNSPLIT_NOTE.
    job_starts_split: bool = True
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1, sa_column=_outcome_version)
