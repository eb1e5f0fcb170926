"""Shared, cached resources for the pages: settings, engine, scales and cached readers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st
from sqlmodel import Session

from fidelity import db, repository
from fidelity.access import Actor, Role
from fidelity.scales import Scale, load_scales
from fidelity.settings import Settings
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


@contextmanager
def transaction() -> Iterator[Session]:
    """A write: one transaction, then every cached read is cleared so pages see the change."""
    with db.session_scope(db.make_engine(database_url())) as session:
        yield session
    clear_cached_reads()


@contextmanager
def reading() -> Iterator[Session]:
    with db.session_scope(db.make_engine(database_url())) as session:
        yield session


def services_frame(url: str) -> pd.DataFrame:
    """The services the signed-in user can see, with their latest totals (cached per user)."""
    who = actor()
    return _services_frame(url, who.name, str(who.role), who.user_id)


@st.cache_data(ttl=600, show_spinner=False)
def _services_frame(url: str, name: str, role: str, user_id: int | None) -> pd.DataFrame:
    with db.session_scope(db.make_engine(url)) as session:
        rows = repository.list_services_overview(session, actor=Actor(name=name, role=Role(role), user_id=user_id))
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


def clear_cached_reads() -> None:
    _services_frame.clear()
