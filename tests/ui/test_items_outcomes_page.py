"""The Items and outcomes page on the demo data: items and principles charted with intervals, a table view with
n, p and q, and the outcome and quarters chosen by the user."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from fidelity import db, errors
from fidelity.store import item_outcomes
from fidelity.store.access import Actor, Role
from fidelity.ui import navigation

from .conftest import load_small_demo, open_app


def test_items_outcomes__demo__25_items_and_8_principles_with_intervals(app_db: str) -> None:
    load_small_demo(app_db)
    at = open_app(navigation.ITEMS_OUTCOMES)
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Services"] == "32"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert [s["layout"]["title"]["text"] for s in specs] == [
        "Employment rate and each item's score",
        "Employment rate and each principle's score",
    ]
    dots = [sum(len(t["x"]) for t in spec["data"]) for spec in specs]
    assert dots == [25, 8]
    assert all("array" in t["error_x"] for t in specs[0]["data"] if t["x"])
    assert any("not that they cause them" in c.value for c in at.caption)
    at.selectbox(key="items_outcomes:measure").set_value(item_outcomes.Measure.JOB_STARTS).run()
    assert not at.exception, at.exception
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"].startswith("Job-start rate")


def test_items_outcomes__too_few_services__says_how_many(app_db: str) -> None:
    at = open_app(navigation.ITEMS_OUTCOMES)
    assert not at.exception, at.exception
    assert at.info[0].value.startswith("0 service(s) have a final review with outcome quarters after it")


def test_service_points__service_lead_refused(app_db: str) -> None:
    with pytest.raises(errors.PermissionDenied), Session(db.make_engine(app_db)) as s:
        item_outcomes.service_points(s, actor=Actor(name="lee", role=Role.SERVICE_LEAD, user_id=3))
