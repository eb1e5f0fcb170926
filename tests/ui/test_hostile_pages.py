"""Hostile text on every page: shown as typed, never as markup, and every CSV download neutralised."""

from __future__ import annotations

import csv
import io

import pytest
import streamlit as st

from fidelity import files
from fidelity.scale_files import load_scales
from fidelity.ui import navigation
from fidelity.ui.widgets import md

from ..conftest import SCALES_DIR
from ..hostile import FORMULA, NAMES, live_trigger, plant
from .conftest import open_app

MARKUP = [NAMES[7], NAMES[8], NAMES[9]]  # script, HTML, Markdown with a link and an image
# page -> the key of its service picker (None: the page shows every service)
PAGES = {
    navigation.HOME: None,
    navigation.SERVICES: None,
    navigation.COMPARE: None,
    navigation.HISTORY: "history:service",
    navigation.SUMMARY: "summary:service",
    navigation.REPORT: "report:service",
    navigation.PLAN: "plan:service",
    navigation.OUTCOMES: "outcomes:service",
    navigation.WORKSPACE: "ws:service",
    navigation.SCALES: None,
    navigation.PROGRAMME: None,
    navigation.CALIBRATION: None,
    navigation.ITEMS_OUTCOMES: None,
    navigation.TIMELINE: "timeline:service",
}


TABS = {
    navigation.COMPARE: (
        "compare:tab",
        ["Fidelity and employment", "Items across sites", "Bands over time", "One service over time", "Funnel plot"],
    ),
    navigation.PROGRAMME: ("programme:tab", ["Bands", "Median total", "Outcomes", "Reviews due", "Overdue actions"]),
    navigation.CALIBRATION: (
        "calibration:tab",
        ["Agreement over time", "By principle", "By item", "A review in detail"],
    ),
}


def _rendered(at) -> list[str]:
    rendered = [
        element.value
        for kind in ("markdown", "caption", "title", "header", "subheader", "info", "success", "warning", "error")
        for element in getattr(at, kind)
    ]
    return rendered + [str(value) for table in at.table for value in table.value.to_numpy().ravel()]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every CSV a page offers for download, as the shared writer made it (a CSV written only when its button is
    pressed is written here as the button is drawn)."""
    made: list[bytes] = []
    real, real_button = files.frame_csv, st.download_button

    def recording(*args: object, **kwargs: object) -> bytes:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    def pressing(label: str, data: object, *args: object, **kwargs: object) -> object:
        return real_button(label, data() if callable(data) else data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "frame_csv", recording)
    monkeypatch.setattr(st, "download_button", pressing)
    return made


@pytest.mark.parametrize("page", list(PAGES), ids=lambda p: p.rsplit("/", 1)[-1].removesuffix(".py"))
def test_page__hostile_text_everywhere__shown_as_text_and_downloads_neutralised(
    app_db: str, downloads: list[bytes], page: str
) -> None:
    ids = plant(app_db, load_scales(SCALES_DIR))
    at = open_app(page)
    if PAGES[page]:
        at.selectbox(key=PAGES[page]).set_value(ids["service"]).run()
    assert not at.exception, at.exception
    rendered = _rendered(at)
    tab_key, tabs = TABS.get(page, (None, []))
    for tab in tabs:  # only an open tab is drawn: open each
        at.session_state[tab_key] = tab
        at.run()
        assert not at.exception, (tab, at.exception)
        rendered += _rendered(at)
    for text in MARKUP:
        assert not any(text in shown for shown in rendered), f"{text!r} rendered as markup on {page}"
    if page == navigation.REPORT:
        assert md(FORMULA) in rendered  # the service's name in the summary table, as text
    for content in downloads:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
        assert not any(live_trigger(cell) for row in rows for cell in row), page
    if page in (navigation.COMPARE, navigation.SUMMARY, navigation.PLAN):  # their tables hold typed text
        assert any(f"'{FORMULA}".encode() in content.replace(b'""', b'"') for content in downloads), page
