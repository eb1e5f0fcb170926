"""Shared, cached resources for the pages: settings, engine, scales and cached readers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from fidelity import db
from fidelity.scales import Scale, load_scales
from fidelity.settings import Settings
from fidelity.store import comparisons, services, shared
from fidelity.store.access import Actor, Role
from fidelity.ui.state import Keys


def actor() -> Actor:
    """The signed-in user, as the sign-in gate found them at the start of this run."""
    return st.session_state[Keys.ACTOR]  # type: ignore[no-any-return]


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="Preparing the database…")
def _prepared_database(url: str) -> str:
    """Migrate once per process and URL; later runs reuse the engine."""
    db.migrate(url)
    db.make_engine(url)
    return url


def database_url() -> str:
    return _prepared_database(settings().database_url)


@st.cache_resource
def _scales(scales_dir: str) -> dict[str, Scale]:
    return load_scales(scales_dir)  # type: ignore[arg-type]


def scales() -> dict[str, Scale]:
    return _scales(str(settings().scales_dir))


def engine() -> Engine:
    """The database's engine (made once per URL and process by db.make_engine)."""
    return db.make_engine(database_url())


@contextmanager
def transaction() -> Iterator[Session]:
    """A write: one transaction, then every cached read is cleared so pages see the change."""
    with db.session_scope(engine()) as session:
        yield session
    clear_cached_reads()


@contextmanager
def reading() -> Iterator[Session]:
    with db.session_scope(engine()) as session:
        yield session


def services_frame(url: str) -> pd.DataFrame:
    """The services the signed-in user can see, with their latest totals (cached per user)."""
    return _services_frame(url, data_version(), *_actor_key())


@st.cache_data(ttl=600, show_spinner=False)
def _services_frame(url: str, version: int, name: str, role: str, user_id: int | None) -> pd.DataFrame:
    with db.session_scope(db.make_engine(url)) as session:
        rows = services.list_services_overview(session, actor=Actor(name=name, role=Role(role), user_id=user_id))
    columns = [
        "id",
        "Area",
        "Service",
        "Provider",
        "Programme",
        "Latest review",
        "Total",
        "Band",
        "Change",
        "In progress",
        "is_demo",
    ]
    return pd.DataFrame(
        [
            [
                r.id,
                r.area,
                r.name,
                r.provider,
                r.programme,
                r.latest_review_date,
                r.latest_total,
                r.latest_band,
                r.trend,
                r.reviews_in_progress,
                r.is_demo,
            ]
            for r in rows
        ],
        columns=columns,
    )


def _actor_key() -> tuple[str, str, int | None]:
    who = actor()
    return who.name, str(who.role), who.user_id


def _actor_of(key: tuple[str, str, int | None]) -> Actor:
    return Actor(name=key[0], role=Role(key[1]), user_id=key[2])


@st.cache_data(ttl=600, show_spinner="Reading reviews and outcomes…", max_entries=64)
def _comparison(
    url: str, version: int, who: tuple[str, str, int | None], ids: tuple[int, ...], start: date, end: date
) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return comparisons.comparison(session, actor=_actor_of(who), service_ids=list(ids), start=start, end=end)


def comparison(ids: tuple[int, ...], start: date, end: date) -> comparisons.Comparison:
    """The Compare page's reviews and quarters (cached per user and filters; cleared on every write)."""
    return _comparison(database_url(), data_version(), _actor_key(), ids, start, end)  # type: ignore[no-any-return]


@st.cache_data(ttl=600, show_spinner=False, max_entries=16)
def _pairs(url: str, version: int, who: tuple[str, str, int | None], quarters_after: int) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return comparisons.fidelity_outcome_pairs(session, actor=_actor_of(who), quarters_after=quarters_after)


def fidelity_outcome_pairs(quarters_after: int) -> list[comparisons.FidelityOutcome]:
    return _pairs(database_url(), data_version(), _actor_key(), quarters_after)  # type: ignore[no-any-return]


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _pinned_scales(url: str, hashes: tuple[str, ...]) -> dict[str, Scale]:
    with db.session_scope(db.make_engine(url)) as session:
        return shared.scales_by_hash(session, set(hashes))


def pinned_scales(hashes: Iterable[str]) -> dict[str, Scale]:
    """The scales reviews pinned, by content hash (a pinned scale never changes, so no version key)."""
    return _pinned_scales(database_url(), tuple(sorted(set(hashes))))  # type: ignore[no-any-return]


def data_version() -> int:
    """The newest audit event's id: every write adds one, in any app process, so cached reads keyed on
    it are never stale even when several processes share one database (one indexed lookup per call)."""
    with reading() as session:
        return shared.data_version(session)


def clear_cached_reads() -> None:
    """After any write: every cached read, for every user (a change can show on any page)."""
    st.cache_data.clear()
