"""Tables of sign-in safety and instance settings: failed sign-ins counted per username and client (so a stranger
cannot lock an account's owner out from elsewhere, and an unknown username is treated exactly as a known one), and
the settings an admin switches (demo sign-in on an instance that also holds real services)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from fidelity.models import utc_now


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins in a row for one username (as typed, lower case, whether or not an account has it) from one
    client (its IP address as the server sees it; empty when unknown)."""

    __table_args__ = (UniqueConstraint("username", "client"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120)
    client: str = Field(max_length=64)
    failures: int = 0
    last_failed_at: datetime = Field(default_factory=utc_now, index=True)


class AppSetting(SQLModel, table=True):
    """One setting an admin switched, by name (see fidelity.store.settings for the names and defaults)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=200)
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utc_now)
