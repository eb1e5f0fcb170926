"""The Programme view page and Home's reviews due: on the demo data, as an admin and as a commissioner."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, select

from fidelity import db, demo
from fidelity.insight_models import CadenceRule
from fidelity.models import Programme
from fidelity.scale_files import load_scales
from fidelity.store import accounts
from fidelity.ui import navigation

from ..conftest import ACTOR, SCALES_DIR
from .conftest import open_app


def _demo(url: str) -> int:
    with db.session_scope(db.make_engine(url)) as s:
        demo.load_demo(s, actor=ACTOR, scales=load_scales(SCALES_DIR), today=date(2026, 11, 22))
        return s.exec(select(Programme.id)).one()


def test_programme_view__demo__bands_totals_outcomes_due_and_overdue_actions(app_db: str) -> None:
    _demo(app_db)
    at = open_app(navigation.PROGRAMME)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Services"] == "37"  # the small demo dated 22 November 2026
    assert len(at.get("plotly_chart")) == 1  # only the open tab is drawn
    specs, captions, downloads = [], [], []
    for tab in ("Bands", "Median total", "Outcomes", "Reviews due", "Overdue actions"):
        at.session_state["programme:tab"] = tab
        at.run()
        assert not at.exception, at.exception
        specs += [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        captions += [c.value for c in at.caption]
        downloads += [b.label for b in at.get("download_button")]
    assert [s["layout"]["title"]["text"].split(":")[0] for s in specs] == [
        "Services in each band",
        "Median fidelity total and interquartile range",
        "Job starts and sustained outcomes over starts, pooled",
    ]
    notes = [a["text"].replace("<br>", " ") for a in specs[2]["layout"]["annotations"]]
    assert "Work and Health Programme: job starts 35-45%" in notes
    assert any(c.startswith("The next review is due 6 months after") and "the app's default" in c for c in captions)
    assert downloads.count("Download as CSV") == 3
    assert "Download overdue actions (CSV)" in downloads


def test_programme_view__admin_sets_the_cadence__saved_audited_and_used(app_db: str) -> None:
    programme_id = _demo(app_db)
    at = open_app(navigation.PROGRAMME)
    at.number_input(key="programme:cadence:below").set_value(3)
    at.number_input(key="programme:cadence:good").set_value(18)
    at.button(key="FormSubmitter:programme:cadence-Save the cadence").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Review cadence saved."
    at.session_state["programme:tab"] = "Reviews due"
    at.run()
    assert any(c.value.startswith("The next review is due 3 months after") for c in at.caption)
    with Session(db.make_engine(app_db)) as s:
        rule = s.exec(select(CadenceRule)).one()
    assert (rule.programme_id, rule.months_below_good, rule.months_good_or_better) == (programme_id, 3, 18)
    at.button(key="programme:cadence:reset").click().run()
    assert at.success[0].value == "The programme follows the default cadence again."


def test_programme_view__commissioner__no_cadence_form__service_lead__page_not_listed(app_db: str) -> None:
    programme_id = _demo(app_db)
    with db.session_scope(db.make_engine(app_db)) as s:
        user = accounts.create_user(
            s,
            actor=ACTOR,
            data={
                "username": "cora",
                "display_name": "Cora",
                "role": "commissioner",
                "password": "commission key 9 south",
            },
        )
        accounts.set_scopes(s, actor=ACTOR, user_id=user.id, scopes=accounts.Scopes(programme_ids=(programme_id,)))
        accounts.create_user(
            s,
            actor=ACTOR,
            data={"username": "lee", "display_name": "Lee", "role": "service lead", "password": "service key 4 north"},
        )
    at = open_app(navigation.PROGRAMME, as_user="cora")
    assert not at.exception, at.exception
    assert not [n for n in at.number_input if n.key and n.key.startswith("programme:cadence")]
    home = open_app(as_user="cora")
    assert "Reviews due" in [h.value for h in home.subheader]
    lead = open_app(as_user="lee")
    links = [link.label for link in lead.get("page_link")]
    assert "Compare sites" in links and "Programme view" not in links
