"""Tables of the site visit: the visit plan's sessions, the case-record sample, and evidence notes tagged to items.

No personal data about service users: a session names an informant's role, never a person; a case
record holds the service's own reference and dates only (see `record_sample.reference_problem`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fidelity.models import utc_now
from fidelity.record_sample import REFERENCE_LIMIT, reference_problem
from fidelity.text import required_paragraphs


class SessionKind(StrEnum):
    INTERVIEW = "interview"
    OBSERVATION = "observation"  # e.g. an employment specialist with an employer
    TEAM_MEETING = "team meeting"
    RECORDS = "case records"
    OTHER = "other"


INFORMANT_ROLES = (
    "employment specialist",
    "team leader or IPS supervisor",
    "clinician",
    "GP or primary care staff",
    "service manager",
    "senior manager",
    "client",
    "family member",
    "employer",
    "Jobcentre Plus work coach",
    "other partner",
)
NOTE_LIMIT = 5_000


def _items(value: Any) -> list[int]:
    """Item numbers, each once and in order."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        raise ValueError("must be item numbers")
    if any(n < 1 for n in value):
        raise ValueError("item numbers start at 1")
    return sorted(set(value))


class SessionInput(SQLModel):
    kind: SessionKind
    informant_role: str = Field(max_length=60)
    day: date
    start: time  # local time on the visit day
    minutes: int = Field(ge=5, le=600)
    items: list[int] = Field(default_factory=list)

    @field_validator("informant_role")
    @classmethod
    def _a_role_not_a_person(cls, value: str) -> str:
        if value not in INFORMANT_ROLES:
            raise ValueError(f"choose a role ({', '.join(INFORMANT_ROLES)}), never a person's name")
        return value

    _items = field_validator("items", mode="before")(_items)


class VisitSession(SQLModel, table=True):
    """One session of the visit plan: who is met (by role), when, for how long, and which items it informs."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    kind: str = Field(max_length=20)
    informant_role: str = Field(max_length=60)
    day: date
    start: time
    minutes: int
    items: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now)


class RecordInput(SQLModel):
    reference: str = Field(max_length=REFERENCE_LIMIT)
    referral_date: date | None = None
    first_meeting: date | None = None
    first_employer_contact: date | None = None
    profile_present: bool | None = None
    profile_updated_after_job: bool | None = None
    benefits_advice: bool | None = None
    job_start: date | None = None
    job_end: date | None = None
    job_competitive: bool | None = None
    in_work_contacts: int | None = Field(default=None, ge=0, le=1_000)

    @field_validator("reference")
    @classmethod
    def _no_personal_data(cls, value: str) -> str:
        problem = reference_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()


class CaseRecord(RecordInput, table=True):
    """One case record of the sample, under the service's own reference: dates and facts, nothing personal."""

    __table_args__ = (UniqueConstraint("review_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    updated_at: datetime = Field(default_factory=utc_now)


class NoteInput(SQLModel):
    text: str = Field(max_length=NOTE_LIMIT)
    items: list[int] = Field(min_length=1)
    session_id: int | None = None

    _text = field_validator("text")(required_paragraphs)
    _items = field_validator("items", mode="before")(_items)


class EvidenceNote(SQLModel, table=True):
    """Evidence a reviewer gathered, from a session or not, tagged to the items it informs (one or more)."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    rater: str = Field(max_length=10)  # whose note: each reviewer's own until both have submitted
    session_id: int | None = Field(default=None, foreign_key="visitsession.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    items: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
