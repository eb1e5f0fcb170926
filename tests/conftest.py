"""Shared fixtures: the shipped scales, and a fresh migrated database per test (SQLite, and PostgreSQL
when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlmodel import Session

from fidelity import db
from fidelity.models import Review, Service
from fidelity.scale_files import load_scales
from fidelity.scales import Scale
from fidelity.store import access, accounts, ratings, reviews, services

ROOT = Path(__file__).resolve().parents[1]
SCALES_DIR = ROOT / "scales"
ACTOR = access.operator("tester")


@pytest.fixture(scope="session")
def scales() -> dict[str, Scale]:
    return load_scales(SCALES_DIR)


@pytest.fixture(scope="session")
def ips25(scales: dict[str, Scale]) -> Scale:
    return scales["ips-25"]


@pytest.fixture(scope="session")
def ipspc(scales: dict[str, Scale]) -> Scale:
    return scales["ipspc"]


def reset_postgres(url: str) -> None:
    """Empty the test database: drop and recreate the public schema."""
    db.dispose_engine(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def migrated_to(db_url: str, revision: str) -> Config:
    """The test database emptied and migrated only as far as `revision`, holding programme, area and service 1,
    to test a later migration on rows written before it. Returns the Alembic configuration to go on with."""
    if db_url.startswith("postgresql"):
        reset_postgres(db_url)
    else:
        db.dispose_engine(db_url)
        Path(db_url.removeprefix("sqlite:///")).unlink()
    config = db.alembic_config(db_url)
    command.upgrade(config, revision)
    with db.make_engine(db_url).begin() as c:
        c.execute(text("INSERT INTO programme (id, name, is_demo) VALUES (1, 'P', false)"))
        c.execute(text("INSERT INTO area (id, name, is_demo) VALUES (1, 'A', false)"))
        c.execute(
            text(
                "INSERT INTO service (id, name, provider, programme_id, area_id, is_demo, created_at, updated_at) "
                "VALUES (1, 'S', '', 1, 1, false, '2025-01-01', '2025-01-01')"
            )
        )
    return config


def restore_target(db_url: str, tmp_path: Path) -> str:
    """An empty, migrated database on the same backend as `db_url`, to restore a backup into."""
    if db_url.startswith("sqlite"):
        target = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        reset_postgres(db_url)
        target = db_url
    db.migrate(target)
    return target


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend; PostgreSQL is skipped without TEST_DATABASE_URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url:
            pytest.skip("set TEST_DATABASE_URL=postgresql+psycopg://... to run the PostgreSQL leg")
        reset_postgres(url)
    db.migrate(url)
    yield url
    db.dispose_engine(url)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session whose work the test commits itself (through db.session_scope in the code under test)."""
    with Session(db.make_engine(db_url), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def make_service(db_url: str) -> Callable[..., Service]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **extra: Any) -> Service:
        n = next(counter)
        with db.session_scope(db.make_engine(db_url)) as s:
            programme = services.create_programme(s, actor=ACTOR, name=f"Programme {n}")
            area = services.create_area(s, actor=ACTOR, name=f"Area {n}")
            return services.create_service(
                s,
                actor=ACTOR,
                data={
                    "name": name or f"Service {n}",
                    "provider": "Provider",
                    "programme_id": programme.id,
                    "area_id": area.id,
                    **extra,
                },
            )

    return make


def sqlite_with_service(path: Path, name: str = "North IPS") -> str:
    """The URL of a new, migrated SQLite file database holding one service (programme "P", area "A"):
    for tests of commands that open the database themselves."""
    url = f"sqlite:///{path}"
    db.migrate(url)
    with db.session_scope(db.make_engine(url)) as s:
        programme = services.create_programme(s, actor=ACTOR, name="P")
        area = services.create_area(s, actor=ACTOR, name="A")
        services.create_service(s, actor=ACTOR, data={"name": name, "programme_id": programme.id, "area_id": area.id})
    return url


@pytest.fixture
def make_review(db_url: str, scales: dict[str, Scale]) -> Callable[..., Review]:
    """Start a review and, optionally, score it (`scores`: item -> score) and finalise it."""

    def make(
        service_id: int,
        *,
        scale_id: str = "ips-25",
        visit: date = date(2025, 3, 1),
        scores: dict[int, int] | None = None,
        final: bool = False,
    ) -> Review:
        with db.session_scope(db.make_engine(db_url)) as s:
            review = reviews.start_review(
                s,
                actor=ACTOR,
                scales=scales,
                data={"service_id": service_id, "scale_id": scale_id, "visit_start": visit, "lead_reviewer": "Lead"},
            )
            for number, score in (scores or {}).items():
                ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": number, "score": score})
            if final:
                review = reviews.finalise_review(s, actor=ACTOR, review_id=review.id)
            return review

    return make


def new_version(scale: Scale, number: int, *, content_hash: str, **changes: Any) -> Scale:
    """The scale with item `number` changed and a new version and hash, as an edited file would be."""
    items = list(scale.items)
    items[number - 1] = items[number - 1].model_copy(update=changes)
    return scale.model_copy(update={"items": tuple(items), "version": "next", "content_hash": content_hash})


def all_items(score: int = 4, n: int = 25) -> dict[int, int]:
    return dict.fromkeys(range(1, n + 1), score)


def table_dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: compare two to prove nothing changed."""
    from sqlalchemy import select as sa_select
    from sqlmodel import SQLModel

    with db.make_engine(url).connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(sa_select(table).order_by(*table.primary_key.columns))
            ]
            for table in SQLModel.metadata.sorted_tables
        }


def reviewed_by_two(url: str, service_id: int, scales: dict[str, Scale]) -> tuple[Review, access.Actor, access.Actor]:
    """A two-reviewer review of the service by two new reviewer accounts (ann, bo), and them as they sign in."""
    with db.session_scope(db.make_engine(url)) as s:
        ids = [
            accounts.create_user(
                s,
                actor=ACTOR,
                data={"username": u, "display_name": u.title(), "role": "reviewer", "password": "pw-long-enough-1"},
            ).id
            for u in ("ann", "bo")
        ]
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales,
            data={
                "service_id": service_id,
                "scale_id": "ips-25",
                "visit_start": date(2026, 5, 1),
                "lead_user_id": ids[0],
                "second_user_id": ids[1],
            },
        )
    ann = access.Actor(name="ann", role=access.Role.REVIEWER, user_id=ids[0])
    bo = access.Actor(name="bo", role=access.Role.REVIEWER, user_id=ids[1])
    return review, ann, bo


@pytest.fixture
def two(db_url: str, make_service, scales) -> tuple[Review, access.Actor, access.Actor]:
    """A two-reviewer review of a new service, and its two reviewers as they sign in."""
    return reviewed_by_two(db_url, make_service().id, scales)


def demo_database(tmp_path: Path) -> str:
    """A SQLite file in tmp_path with the migrations applied and the small demo loaded (dated today)."""
    from fidelity import demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    db.migrate(url)
    with db.session_scope(db.make_engine(url)) as session:
        demo.load_demo(session, actor=access.operator(), scales=load_scales(ROOT / "scales"), today=date.today())
    return url


def run_async(coroutine: Any) -> Any:
    """Run a coroutine to the end on its own thread: the browser tests' Playwright keeps an event loop running
    in this thread for the whole session, where asyncio.run is refused."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
