"""AppTest fixtures: each test gets its own migrated SQLite file and empty Streamlit caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from fidelity import db
from fidelity.models import User
from fidelity.store import accounts
from fidelity.ui.state import Keys

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    db.migrate(url)
    with db.session_scope(db.make_engine(url)) as session:
        accounts.create_first_admin(
            session, {"username": "admin", "display_name": "Ada Admin", "password": "ada long password 1"}
        )
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()
    db.dispose_engine(url)


def user_id(username: str) -> int:
    """The id of an account in the app's database (DATABASE_URL)."""
    return signed_in_as(username)[0]


def signed_in_as(username: str) -> tuple[int, int]:
    """An account's id and credential version, as a session that signed in now holds them."""
    import os

    from sqlmodel import select

    with db.session_scope(db.make_engine(os.environ["DATABASE_URL"])) as session:
        return session.exec(select(User.id, User.credential_version).where(User.username == username)).one()


def open_app(page: str | None = None, *, as_user: str | None = "admin") -> AppTest:
    """The app, signed in as `as_user` (None: not signed in), optionally switched to `page`."""
    at = AppTest.from_file(APP, default_timeout=60)
    if as_user is not None:
        at.session_state[Keys.USER_ID], at.session_state[Keys.CREDENTIALS] = signed_in_as(as_user)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def load_small_demo(url: str) -> None:
    """The small demo (37 services), dated 22 November 2026, into the app's database."""
    from datetime import date

    from fidelity import demo
    from fidelity.scale_files import load_scales
    from fidelity.store import access

    with db.session_scope(db.make_engine(url)) as session:
        demo.load_demo(
            session, actor=access.operator("tests"), scales=load_scales(ROOT / "scales"), today=date(2026, 11, 22)
        )
