"""The Reviewer calibration page on the demo data: every reviewer for an admin, only themselves for a reviewer,
the reviews behind the numbers, and the drift limit an admin sets."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from fidelity import db, demo
from fidelity.insight_models import DriftLimit
from fidelity.models import User
from fidelity.store.access import Role
from fidelity.ui import navigation

from ..conftest import ACTOR
from .conftest import load_small_demo, open_app


def test_calibration__admin__every_demo_reviewer_their_reviews_and_principles(app_db: str) -> None:
    load_small_demo(app_db)
    at = open_app(navigation.CALIBRATION)
    assert not at.exception, at.exception
    summary = at.dataframe[0].value
    assert len(summary) == len(demo.REVIEWERS) and set(summary["Reviewer"]) == set(demo.REVIEWERS)
    assert summary["Reviews"].sum() > 2 * len(demo.REVIEWERS)
    assert summary["Exact with agreed (%)"].between(0, 100).all()
    first = summary["Reviewer"].iloc[0]
    drawn = {}
    for tab in ("Agreement over time", "By principle", "By item", "A review in detail"):
        at.session_state["calibration:tab"] = tab
        at.run()
        assert not at.exception, at.exception
        drawn[tab] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]  # only the open tab's
        if tab == "By item":
            by_item = at.dataframe[-1].value
    assert [[s["layout"]["title"]["text"] for s in specs] for specs in drawn.values()] == [
        [f"Agreement over time: {first}"],
        [f"Scores against the agreed ones, by principle: {first}"],
        [],
        [],
    ]
    assert len(drawn["By principle"][0]["data"][0]["y"]) == 8  # the eight IPS principles
    assert len(by_item) == 25 and list(by_item.columns) == ["reviewer", "group", "mean difference", "n"]
    detail = at.dataframe[-1].value
    assert list(detail.columns)[3:] == ["Agreed", "Difference from agreed"] and len(detail) == 25


def test_calibration__reviewer__sees_only_their_own_calibration(app_db: str) -> None:
    load_small_demo(app_db)
    with Session(db.make_engine(app_db)) as s:
        reviewer = s.exec(select(User).where(User.role == Role.REVIEWER).order_by(User.id)).first()
    at = open_app(navigation.CALIBRATION, as_user=reviewer.username)
    assert not at.exception, at.exception
    assert at.dataframe[0].value["Reviewer"].tolist() == [reviewer.display_name]
    assert at.selectbox(key="calibration:reviewer").options == [reviewer.display_name]
    assert not [n for n in at.number_input if n.key and n.key.startswith("calibration:drift")]


def test_calibration__admin_sets_the_drift_limit__flags_follow_it(app_db: str) -> None:
    load_small_demo(app_db)
    at = open_app(navigation.CALIBRATION)
    at.number_input(key="calibration:drift:points").set_value(0.1)
    at.number_input(key="calibration:drift:recent").set_value(3)
    at.button(key="FormSubmitter:calibration:drift-Save the drift limit").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Drift limit saved."
    with Session(db.make_engine(app_db)) as s:
        saved = s.exec(select(DriftLimit)).one()
    assert (saved.points, saved.recent_reviews) == (0.1, 3)
    summary = at.dataframe[0].value
    assert "Latest 3 reviews" in summary.columns
    flagged = summary[summary["Latest 3 reviews"].abs() > 0.1]["Reviewer"].tolist()
    assert summary[summary["Drifting"] == "yes"]["Reviewer"].tolist() == flagged


def test_calibration__service_lead__page_not_listed(app_db: str) -> None:
    from fidelity.store import accounts

    with db.session_scope(db.make_engine(app_db)) as s:
        accounts.create_user(
            s,
            actor=ACTOR,
            data={"username": "lee", "display_name": "Lee", "role": "service lead", "password": "service key 4 north"},
        )
    links = [link.label for link in open_app(as_user="lee").get("page_link")]
    assert "Reviewer calibration" not in links and "Services" in links
