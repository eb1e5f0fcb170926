"""Engines, transactions and schema migrations. SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Integer, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, create_engine

from fidelity import insight_models, lifecycle_models, models, security_models, visit_models  # noqa: F401  -- registers the tables
from fidelity.errors import Conflict

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_engines_lock = Lock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA busy_timeout=5000")  # wait for a writer instead of failing at once
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten in the file, not just unlinked
    cursor.close()


def make_engine(url: str) -> Engine:
    """One engine per URL for the life of the process (engines are thread-safe; sessions are not)."""
    with _engines_lock:
        if url not in _engines:
            if url.startswith("sqlite"):
                path = url.removeprefix("sqlite:///")
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return _engines[url]


def dispose_engine(url: str) -> None:
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commits when the block succeeds, rolls everything back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except StaleDataError as error:
            session.rollback()
            raise Conflict(
                "Someone else saved the same thing at the same moment, so your change was not saved. "
                "Your entry is still shown: check the current values and save again."
            ) from error
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database schema up to the newest migration (safe to run on every start)."""
    command.upgrade(alembic_config(url), "head")


def schema_ready(url: str) -> bool:
    return inspect(make_engine(url)).has_table("alembic_version")


def reset_sequences(connection: Connection) -> None:
    """After inserts with explicit ids, PostgreSQL's id sequences must continue after the largest id."""
    for table in SQLModel.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer):
            name, column = table.name, key[0].name
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{column}'), "
                    f'COALESCE((SELECT MAX({column}) FROM "{name}"), 0) + 1, false)'
                )
            )


def forget_deleted(engine: Engine) -> None:
    """After personal data is deleted: SQLite copies the write-ahead log into the file and empties it, so no
    earlier version of a page holding the deleted text stays in the log. (PostgreSQL keeps dead rows until a
    vacuum reuses their space: see the README.)"""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
