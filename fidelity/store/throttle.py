"""Slowed-down sign-in retries, counted per username and client (the IP address the server sees).

After FREE_TRIES failures in a row for a username from one client, that client waits 2, 4, 8 ... seconds (at most
15 minutes) before its next try is checked; the wait is answered before any password is hashed. A username nobody
has is counted and answered exactly like one an account has, so neither the message nor the time tells them apart;
and a stranger hammering an account from their machine does not lock its owner out from another. Rows older than a
day are forgotten on the next failure anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from fidelity.security_models import SignInThrottle

FREE_TRIES = 3
MAX_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)


def wait_before_next_try(failures: int, last_failed_at: datetime | None, now: datetime) -> timedelta:
    """How long a client must wait before its next try is checked (zero when it need not)."""
    if failures < FREE_TRIES or last_failed_at is None:
        return timedelta(0)
    pause = min(timedelta(seconds=2 ** (failures - FREE_TRIES + 1)), MAX_WAIT)
    return max(timedelta(0), last_failed_at + pause - now)


def _key(username: str, client: str) -> tuple[str, str]:
    return username.strip().lower()[:120], client[:64]


def waiting(session: Session, *, username: str, client: str, now: datetime) -> timedelta:
    name, where = _key(username, client)
    row = session.exec(
        select(SignInThrottle).where(SignInThrottle.username == name, SignInThrottle.client == where)
    ).first()
    return wait_before_next_try(row.failures, row.last_failed_at, now) if row else timedelta(0)


def failed(session: Session, *, username: str, client: str, now: datetime) -> None:
    """Count a failure, in one statement (two failures at the same moment both count; neither is refused)."""
    name, where = _key(username, client)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SignInThrottle).values(username=name, client=where, failures=1, last_failed_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["username", "client"],
            set_={"failures": SignInThrottle.failures + 1, "last_failed_at": now},
        )
    )
    session.execute(delete(SignInThrottle).where(col(SignInThrottle.last_failed_at) < now - FORGET_AFTER))


def cleared(session: Session, *, username: str, client: str | None = None) -> None:
    """Forget a username's failures: from one client (a sign-in from it succeeded) or all (a password reset)."""
    name = username.strip().lower()[:120]
    found = delete(SignInThrottle).where(col(SignInThrottle.username) == name)
    if client is not None:
        found = found.where(col(SignInThrottle.client) == client[:64])
    session.execute(found)
