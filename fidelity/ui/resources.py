"""Shared, cached resources for the pages: settings, engine, scales and cached readers.

Every cached read is keyed on the data version, so it is never stale. Small tables use st.cache_data (each
reader gets its own copy). The large read-only results (the scales, Compare sites' reviews and quarters,
the fidelity-outcome pairs) use st.cache_resource: handed out as they are instead of unpickled on every
read (which took about 150 ms a click on Compare sites at national scale), so pages must not change them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from fidelity import db
from fidelity import item_outcomes as item_associations
from fidelity import programme as programme_figures
from fidelity.scale_files import load_scales
from fidelity.scales import Scale
from fidelity.settings import Settings
from fidelity.store import (
    cadence,
    comparisons,
    item_outcomes,
    personal_data,
    programme_view,
    published_scales,
    services,
    shared,
    timelines,
)
from fidelity.store import calibration as calibration_store
from fidelity.store.access import Actor, Role
from fidelity.ui.state import Keys


def actor() -> Actor:
    """The signed-in user, as the sign-in gate found them at the start of this run."""
    return st.session_state[Keys.ACTOR]  # type: ignore[no-any-return]


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="Preparing the database…")
def _prepared_database(url: str, scales_dir: str) -> str:
    """Migrate and publish the shipped scale files the database has not seen, once per process and URL."""
    db.migrate(url)
    shipped = load_scales(scales_dir)  # type: ignore[arg-type]
    for attempt in range(3):
        try:
            with db.session_scope(db.make_engine(url)) as session:
                published_scales.seed_from_files(session, shipped)
            break
        except IntegrityError:  # another app process seeded the same scales at the same moment: look again
            if attempt == 2:
                raise
    return url


def database_url() -> str:
    found = settings()
    return _prepared_database(found.database_url, str(found.scales_dir))


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=8)
def _scales(url: str, version: int) -> dict[str, Scale]:
    with db.session_scope(db.make_engine(url)) as session:
        return published_scales.current_scales(session)


def scales() -> dict[str, Scale]:
    """The scales new reviews use (each one's current published version), as every app process sees them."""
    return _scales(database_url(), data_version())  # type: ignore[no-any-return]


@st.cache_resource(show_spinner=False, max_entries=2)
def _personal_data_deleted(url: str, day: date) -> int:
    """Delete the personal data whose day has come, once per process and day (an error is logged and tried again
    on the next run); `python -m fidelity delete-personal-data` does the same from a scheduler."""
    with db.session_scope(db.make_engine(url)) as session:
        deleted = personal_data.delete_due(session, day)
    if deleted:
        db.forget_deleted(db.make_engine(url))
        clear_cached_reads()
    return len(deleted)


def delete_due_personal_data() -> None:
    try:
        _personal_data_deleted(database_url(), date.today())
    except Exception:  # the page still opens; the log has the error, and the next run tries again
        logging.getLogger(__name__).exception("deleting personal data that was due failed")


def forget_deleted() -> None:
    """After an admin deletes personal data: no earlier copy of it left in the database's log (db.forget_deleted)."""
    db.forget_deleted(engine())


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
        "scale_hashes",
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
                (r.latest_scale_hash, r.previous_scale_hash) if r.change_spans_versions else None,
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


@st.cache_resource(ttl=600, show_spinner="Reading reviews and outcomes…", max_entries=64)
def _comparison(
    url: str,
    version: int,
    who: tuple[str, str, int | None],
    ids: tuple[int, ...],
    start: date,
    end: date,
    include_self: bool,
) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return comparisons.comparison(
            session, actor=_actor_of(who), service_ids=list(ids), start=start, end=end, include_self=include_self
        )


def comparison(ids: tuple[int, ...], start: date, end: date, *, include_self: bool = False) -> comparisons.Comparison:
    """The Compare page's reviews and quarters (cached per user and filters; cleared on every write)."""
    return _comparison(database_url(), data_version(), _actor_key(), ids, start, end, include_self)  # type: ignore[no-any-return]


@st.cache_resource(ttl=600, show_spinner=False, max_entries=16)
def _pairs(url: str, version: int, who: tuple[str, str, int | None], quarters_after: int, include_self: bool) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return comparisons.fidelity_outcome_pairs(
            session, actor=_actor_of(who), quarters_after=quarters_after, include_self=include_self
        )


def fidelity_outcome_pairs(quarters_after: int, *, include_self: bool = False) -> list[comparisons.FidelityOutcome]:
    return _pairs(database_url(), data_version(), _actor_key(), quarters_after, include_self)  # type: ignore[no-any-return]


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=64)
def _pinned_scales(url: str, version: int, hashes: tuple[str, ...]) -> dict[str, Scale]:
    with db.session_scope(db.make_engine(url)) as session:
        return shared.scales_by_hash(session, set(hashes))


def pinned_scales(hashes: Iterable[str]) -> dict[str, Scale]:
    """The scales reviews pinned, by content hash (keyed on the data version: an item may be verified since)."""
    return _pinned_scales(database_url(), data_version(), tuple(sorted(set(hashes))))  # type: ignore[no-any-return]


def frame_scale(hashes: Iterable[str]) -> Scale | None:
    """The scale whose item names and bands a cross-service page shows: the current ips-25, which the
    other scales extend, else the newest of the scales the page's reviews used, else any current scale."""
    current = scales()
    pinned = list(pinned_scales(hashes).values())
    return current.get("ips-25") or (pinned[-1] if pinned else None) or next(iter(current.values()), None)


@st.cache_resource(ttl=600, show_spinner="Reading the programme…", max_entries=32)
def _programme(url: str, version: int, who: tuple[str, str, int | None], programme_id: int, today: date) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return programme_view.programme_data(session, actor=_actor_of(who), programme_id=programme_id, today=today)


def programme(programme_id: int, today: date) -> programme_view.ProgrammeData:
    """The programme view's reviews, quarters and overdue actions (cached per user; cleared on every write)."""
    return _programme(database_url(), data_version(), _actor_key(), programme_id, today)  # type: ignore[no-any-return]


@st.cache_resource(ttl=600, show_spinner=False, max_entries=32)
def _reviews_due(url: str, version: int, who: tuple[str, str, int | None], today: date) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return cadence.reviews_due(session, actor=_actor_of(who), today=today)


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _steps_due(url: str, version: int, who: tuple[str, str, int | None], today: date) -> list[Any]:
    with db.session_scope(db.make_engine(url)) as session:
        return timelines.due_steps(session, actor=_actor_of(who), today=today)


def steps_due(today: date) -> list[timelines.DueStep]:
    """The review steps due from this user, nearest first (cached per user; cleared on every write)."""
    return _steps_due(database_url(), data_version(), _actor_key(), today)  # type: ignore[no-any-return]


def reviews_due(today: date) -> list[cadence.ReviewDue]:
    """When each service the user sees is next due a review (cached per user; cleared on every write)."""
    return _reviews_due(database_url(), data_version(), _actor_key(), today)  # type: ignore[no-any-return]


@st.cache_resource(ttl=600, show_spinner="Weighing reviewers' scores…", max_entries=32)
def _calibration(url: str, version: int, who: tuple[str, str, int | None]) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return calibration_store.calibration(session, actor=_actor_of(who))


def calibration() -> calibration_store.Calibration:
    """Reviewer calibration as this user may see it (cached per user; cleared on every write)."""
    return _calibration(database_url(), data_version(), _actor_key())  # type: ignore[no-any-return]


@st.cache_resource(ttl=600, show_spinner="Relating scores to outcomes…", max_entries=32)
def _service_points(url: str, version: int, who: tuple[str, str, int | None], measure: str, after: int) -> Any:
    with db.session_scope(db.make_engine(url)) as session:
        return item_outcomes.service_points(
            session, actor=_actor_of(who), measure=item_outcomes.Measure(measure), quarters_after=after
        )


def service_points(measure: item_outcomes.Measure, quarters_after: int) -> list[Any]:
    """Each service's latest agreed scores and its outcome after them (cached per user; cleared on every write)."""
    return _service_points(database_url(), data_version(), _actor_key(), str(measure), quarters_after)  # type: ignore[no-any-return]


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _associations(
    url: str, version: int, who: tuple[str, str, int | None], measure: str, after: int
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    points = _service_points(url, version, who, measure, after)
    scale = frame_scale([])
    if scale is None or len(points) < 4:
        return len(points), [], []
    return (
        len(points),
        item_associations.associations(points, item_associations.item_groups(scale)),
        item_associations.associations(points, item_associations.principle_groups(scale)),
    )


def associations(
    measure: item_outcomes.Measure, quarters_after: int
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Services with outcomes after a review, and each item's and principle's association with the outcome
    (cached per user; cleared on every write). No rows where there are fewer than 4 services."""
    return _associations(database_url(), data_version(), _actor_key(), str(measure), quarters_after)


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _programme_rows(
    url: str, version: int, who: tuple[str, str, int | None], programme_id: int, today: date, bands: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    data = _programme(url, version, who, programme_id, today)
    rows: dict[str, list[dict[str, Any]]] = {"pooled": programme_figures.pooled_rates(data.outcomes)}
    if data.finals:
        first = min(f.visit for f in data.finals)
        quarters = programme_figures.quarters_between(max(first, date(today.year - 4, 1, 1)), today)
        rows["shares"] = programme_figures.band_shares(data.finals, quarters, bands, len(data.services))
        rows["spread"] = programme_figures.total_spread(data.finals, quarters)
    return rows


def programme_rows(programme_id: int, today: date, bands: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """The programme view's chart rows (from at most the last five years): "shares" and "spread" when a service
    has a final review, and "pooled" outcome rates (cached per user; cleared on every write)."""
    return _programme_rows(database_url(), data_version(), _actor_key(), programme_id, today, bands)


def data_version() -> int:
    """The newest audit event's id: every write adds one, in any app process, so cached reads keyed on
    it are never stale even when several processes share one database (one indexed lookup per call)."""
    with reading() as session:
        return shared.data_version(session)


def clear_cached_reads() -> None:
    """After any write: every cached read, for every user (a change can show on any page)."""
    st.cache_data.clear()
