"""Pages through streamlit.testing: the first start, services, and the scoring journey."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from fidelity import db
from fidelity.models import Review, Service
from fidelity.scales import Scale
from fidelity.store import plans, ratings, reviews, services
from fidelity.ui import navigation

from ..conftest import ACTOR, SCALES_DIR, new_version
from .conftest import open_app, user_id


def shown(markdown: str) -> str:
    """The text a user sees for escaped Markdown."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _service(url: str, name: str = "Norfolk IPS") -> Service:
    with db.session_scope(db.make_engine(url)) as s:
        programme = services.create_programme(s, actor=ACTOR, name="IPSPC")
        area = services.create_area(s, actor=ACTOR, name="Norfolk")
        return services.create_service(
            s, actor=ACTOR, data={"name": name, "programme_id": programme.id, "area_id": area.id}
        )


def _review(
    url: str,
    service_id: int,
    scores: dict[int, int],
    scale_id: str = "ips-25",
    *,
    scales: dict[str, Scale] | None = None,
    visit: date = date(2026, 11, 2),
) -> Review:
    from fidelity.scale_files import load_scales

    with db.session_scope(db.make_engine(url)) as s:
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales or load_scales(SCALES_DIR),
            data={"service_id": service_id, "scale_id": scale_id, "visit_start": visit, "lead_reviewer": "Ann"},
        )
        for number, score in scores.items():
            ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": number, "score": score})
        return review


def test_every_page__registered_in_navigation() -> None:
    """Each file in fidelity/ui/pages has a constant in navigation and a place in st.navigation."""
    root = Path(__file__).resolve().parents[2]
    files = {str(p.relative_to(root)) for p in (root / Path(navigation.HOME).parent).glob("*.py")}
    constants = {v for k, v in vars(navigation).items() if k.isupper() and isinstance(v, str) and v.endswith(".py")}
    assert files == constants
    assert sum(len(group) for group in navigation.pages(ACTOR).values()) == len(files)


@pytest.mark.parametrize(
    "page", [navigation.SERVICES, navigation.WORKSPACE, navigation.CONSENSUS, navigation.SUMMARY, navigation.PLAN]
)
def test_page__empty_database__explains_what_to_do(app_db: str, page: str) -> None:
    at = open_app(page)
    assert at.info, "an empty state message"


def test_home__empty_database__offers_and_loads_demo(app_db: str) -> None:
    at = open_app()
    assert any("There are no services yet" in m.value for m in at.markdown)
    at.button(key="home:load_demo").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Demo data loaded: ")
    assert any("synthetic" in i.value for i in at.info)
    assert len(at.dataframe) == 4  # every review step due (an admin's), reviews in progress, due, recently finalised
    assert [h.value for h in at.subheader] == [
        "Due from you",
        "Reviews in progress",
        "Reviews due",
        "Recently finalised",
    ]


def test_app__invalid_scale_file__clear_error_instead_of_crash(app_db: str, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "scales"
    bad.mkdir()
    (bad / "ips-25.yaml").write_text(
        (SCALES_DIR / "ips-25.yaml").read_text().replace("section: staffing", "section: staf", 1)
    )
    monkeypatch.setenv("FIDELITY_SCALES_DIR", str(bad))
    at = open_app()
    assert "item 1 (caseload_size): section 'staf' is not one of" in shown(at.error[0].value)


def test_services__add_programme_area_and_service__listed(app_db: str) -> None:
    at = open_app(navigation.SERVICES)
    at.text_input(key="add_programme:name").input("Connect to Work")
    at.button(key="FormSubmitter:add_programme-Add programme").click().run()
    at.text_input(key="add_area:name").input("Essex")
    at.button(key="FormSubmitter:add_area-Add area").click().run()
    assert at.success[0].value == "Added area “Essex”."
    at.text_input(key="add_service:name").input("Essex IPS team")
    at.text_input(key="add_service:provider").input("Essex Partnership")
    at.selectbox(key="add_service:programme").select_index(0)
    at.selectbox(key="add_service:area").select_index(0)
    at.button(key="FormSubmitter:add_service-Add service").click().run()
    assert not at.exception
    assert at.success[0].value == "Added service “Essex IPS team”."
    listed = at.dataframe[0].value
    assert listed["Service"].tolist() == ["Essex IPS team"]
    assert listed["Band"].isna().all()


def test_services__add_without_name__error_and_nothing_saved(app_db: str) -> None:
    _service(app_db)
    at = open_app(navigation.SERVICES)
    at.selectbox(key="add_service:programme").select_index(0)
    at.selectbox(key="add_service:area").select_index(0)
    at.button(key="FormSubmitter:add_service-Add service").click().run()
    assert shown(at.error[0].value) == "name: must not be empty"
    with Session(db.make_engine(app_db)) as s:
        assert len(s.exec(select(Service)).all()) == 1


def test_services__edit__renamed(app_db: str) -> None:
    service = _service(app_db)
    at = open_app(navigation.SERVICES)
    at.selectbox(key="services:edit_picker").set_value(service.id).run()
    at.text_input(key=f"edit_service:{service.id}:name").input("Norfolk & Waveney IPS")
    at.button(key=f"FormSubmitter:edit_service:{service.id}-Save changes").click().run()
    assert at.success[0].value == "Saved changes to “Norfolk & Waveney IPS”."
    assert at.dataframe[0].value["Service"].tolist() == ["Norfolk & Waveney IPS"]


def test_workspace__start_review_and_score_item_with_calculator(app_db: str) -> None:
    service = _service(app_db)
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    at.selectbox(key="start_review:scale").set_value("ipspc")
    at.selectbox(key="start_review:lead").set_value(user_id("admin"))
    at.button(key="FormSubmitter:start_review-Start review").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Review started on ipspc")
    with Session(db.make_engine(app_db)) as s:
        [review] = s.exec(select(Review)).all()
    prefix = f"ws:{review.id}:lead:1"
    assert any("Modified for primary care" in i.value for i in at.info)
    at.number_input(key=f"{prefix}:num").set_value(41.0)
    at.number_input(key=f"{prefix}:den").set_value(2.0).run()
    assert any("Suggested score: **4**" in i.value for i in at.info)
    at.radio(key=f"{prefix}:score").set_value(4)
    at.text_area(key=f"{prefix}:evidence").input("41 active clients, 2.0 FTE")
    at.button(key="ws:next_unscored").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key=f"ws:item_picker:{review.id}:lead").value == 2
    with Session(db.make_engine(app_db)) as s:
        rating = ratings.ratings_of(s, review.id)[1]
    assert (rating.score, rating.metric_value, rating.evidence) == (4, 20.5, "41 active clients, 2.0 FTE")
    assert "1 of 25 items scored" in at.get("progress")[0].proto.text


def test_workspace__choosing_a_score__saved_at_once(app_db: str) -> None:
    """Save as you go: a score is stored the moment it is chosen, with no button to press."""
    service = _service(app_db)
    review = _review(app_db, service.id, {})
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    at.radio(key=f"ws:{review.id}:lead:1:score").set_value(3).run()
    with Session(db.make_engine(app_db)) as s:
        assert ratings.scores_of(s, review.id) == {1: 3}
    assert "1 of 25 items scored" in at.get("progress")[0].proto.text
    assert any(c.value.startswith("Changes save as you go. Last saved") for c in at.caption)


def test_workspace__moving_to_another_item__saves_the_one_on_screen(app_db: str) -> None:
    service = _service(app_db)
    review = _review(app_db, service.id, {})
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    at.radio(key=f"ws:{review.id}:lead:1:score").set_value(5)
    at.button(key="ws:next").click().run()
    assert at.selectbox(key=f"ws:item_picker:{review.id}:lead").value == 2
    at.radio(key=f"ws:{review.id}:lead:2:score").set_value(3)
    at.selectbox(key=f"ws:item_picker:{review.id}:lead").set_value(5).run()
    with Session(db.make_engine(app_db)) as s:
        assert ratings.scores_of(s, review.id) == {1: 5, 2: 3}


def test_workspace__checklist__suggests_score_from_ticks(app_db: str) -> None:
    service = _service(app_db)
    review = _review(app_db, service.id, {})
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    at.selectbox(key=f"ws:item_picker:{review.id}:lead").set_value(25).run()
    for i in range(4):
        at.checkbox(key=f"ws:{review.id}:lead:25:check:{i}").check()
    at.run()
    assert any("Suggested score: **3**" in i.value for i in at.info)  # 4 of 6 strategies


def test_workspace__bad_calculator_input__not_saved_with_message(app_db: str) -> None:
    service = _service(app_db)
    review = _review(app_db, service.id, {})
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    at.number_input(key=f"ws:{review.id}:lead:1:num").set_value(20.0)
    at.number_input(key=f"ws:{review.id}:lead:1:den").set_value(0.0)
    at.radio(key=f"ws:{review.id}:lead:1:score").set_value(5).run()
    assert shown(at.error[0].value).startswith(
        "Item 1 not saved: Employment specialist full-time equivalents (FTE): must be more than 0"
    )
    with Session(db.make_engine(app_db)) as s:
        assert ratings.scores_of(s, review.id) == {}


def test_workspace__finalise_incomplete__refused_naming_items(app_db: str) -> None:
    service = _service(app_db)
    review = _review(app_db, service.id, dict.fromkeys(range(1, 24), 4))
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert "Still to score: items 24, 25" in " ".join(m.value for m in at.markdown)
    at.checkbox(key=f"ws:{review.id}:confirm").check().run()
    at.button(key="ws:finalise").click().run()
    assert shown(at.error[0].value) == "cannot finalise: 2 item(s) not scored yet (item 24, 25)"
    with Session(db.make_engine(app_db)) as s:
        assert s.get(Review, review.id).status == "scoring"


def test_workspace__score_last_item_and_finalise__locked_with_total_and_band(app_db: str) -> None:
    service = _service(app_db)
    review = _review(app_db, service.id, dict.fromkeys(range(1, 25), 4))
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert at.selectbox(key=f"ws:item_picker:{review.id}:lead").value == 25, "opens at the first unscored item"
    at.radio(key=f"ws:{review.id}:lead:25:score").set_value(5).run()
    assert at.metric[0].value == "101"
    assert at.button(key="ws:next_unscored").disabled, "nothing left to score"
    at.checkbox(key=f"ws:{review.id}:confirm").check().run()
    at.button(key="ws:finalise").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Review finalised: total 101, Good. It is now locked."
    assert "final and locked" in at.success[1].value
    assert not at.radio, "no score inputs on a locked review"


def test_summary__final_review__total_band_and_profile_chart(app_db: str) -> None:
    service = _service(app_db)
    first = _review(app_db, service.id, dict.fromkeys(range(1, 26), 3))
    with db.session_scope(db.make_engine(app_db)) as s:
        reviews.finalise_review(s, actor=ACTOR, review_id=first.id)
    at = open_app(navigation.SUMMARY)
    at.selectbox(key="summary:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "75"
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert charts[0]["layout"]["title"]["text"] == "Section subtotals"
    assert charts[0]["data"][1]["y"] == [9, 24, 42]
    profile = charts[1]
    assert profile["layout"]["title"]["text"] == "Principle profile (mean item score)"
    assert "Time-unlimited support" in profile["data"][0]["customdata"]
    assert "Time-unlimited<br>support" in profile["data"][0]["theta"]
    items = at.dataframe[-1].value
    assert items["Score"].tolist() == [3] * 25 and items["Criteria"].tolist().count("Provisional") == 22


def _two_reviewer(url: str, service_id: int, lead: dict[int, int], second: dict[int, int], submit: bool) -> Review:
    from fidelity.models import Rater
    from fidelity.scale_files import load_scales

    with db.session_scope(db.make_engine(url)) as s:
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=load_scales(SCALES_DIR),
            data={
                "service_id": service_id,
                "scale_id": "ips-25",
                "visit_start": date(2026, 11, 2),
                "lead_reviewer": "Ann",
                "second_reviewer": "Bo",
            },
        )
        for rater, scores in ((Rater.LEAD, lead), (Rater.SECOND, second)):
            for number, score in scores.items():
                ratings.save_rating(
                    s, actor=ACTOR, review_id=review.id, data={"item_number": number, "score": score}, rater=rater
                )
            if submit:
                review = ratings.submit_scores(s, actor=ACTOR, review_id=review.id, rater=rater)
        return review


def test_workspace__second_reviewer__never_sees_the_lead_scores(app_db: str) -> None:
    service = _service(app_db)
    review = _two_reviewer(app_db, service.id, {1: 5, 2: 4}, {}, submit=False)
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert at.selectbox(key=f"ws:item_picker:{review.id}:lead").value == 3
    at.selectbox(key=f"ws:item_picker:{review.id}:lead").set_value(1).run()
    assert at.radio(key=f"ws:{review.id}:lead:1:score").value == 5
    at.radio(key=f"ws:rater:{review.id}").set_value("second").run()
    assert not at.exception, at.exception
    assert at.radio(key=f"ws:{review.id}:second:1:score").value is None
    assert "0 of 25 items scored" in at.get("progress")[0].proto.text
    at.checkbox(key=f"ws:{review.id}:second:confirm").check().run()
    at.button(key="ws:submit").click().run()
    assert shown(at.error[0].value).startswith("cannot submit: 25 item(s) not scored yet")


def test_consensus__both_submitted__agreement_differences_and_finalise(app_db: str) -> None:
    service = _service(app_db)
    lead = dict.fromkeys(range(1, 26), 4)
    review = _two_reviewer(app_db, service.id, lead, lead | {5: 2}, submit=True)
    at = open_app(navigation.CONSENSUS)
    at.selectbox(key="cs:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric[:4]] == ["96%", "96%", "0.00", "1 of 25"]
    table = at.dataframe[0].value
    assert table.loc[table["No."] == 5, ["Ann", "Bo", "Difference"]].values.tolist() == [[4, 2, -2]]
    assert at.selectbox(key=f"cs:item_picker:{review.id}").value == 5  # the item to discuss comes first
    at.radio(key=f"cs:{review.id}:5:score").set_value(3)
    at.text_area(key=f"cs:{review.id}:5:recommendation").input("Meet the team weekly").run()
    at.checkbox(key=f"cs:{review.id}:confirm").check().run()
    at.button(key="cs:finalise").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Review finalised: total 99, Fair. It is now locked."
    with Session(db.make_engine(app_db)) as s:
        context = reviews.review_context(s, review.id, actor=ACTOR)
    assert context.counted_scores[5] == 3
    assert context.item_rows()[4]["Recommendation"] == "Meet the team weekly"


def test_consensus__one_reviewer_still_scoring__explains_who(app_db: str) -> None:
    service = _service(app_db)
    _two_reviewer(app_db, service.id, {1: 3}, {}, submit=False)
    at = open_app(navigation.CONSENSUS)
    at.selectbox(key="cs:service").set_value(service.id).run()
    assert "Still to submit: Ann and Bo." in at.info[0].value


def _final_single(url: str, service_id: int, scores: dict[int, int], **review: Any) -> Review:
    """A single-reviewer review, scored and finalised (`review`: scales and visit, as for _review)."""
    review = _review(url, service_id, scores, **review)
    with db.session_scope(db.make_engine(url)) as s:
        return reviews.finalise_review(s, actor=ACTOR, review_id=review.id)


def test_plan__create_drafts_then_mark_done_and_note(app_db: str) -> None:
    service = _service(app_db)
    review = _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 4) | {6: 2, 11: 3})
    at = open_app(navigation.PLAN)
    at.selectbox(key="plan:service").set_value(service.id).run()
    assert "2 item(s) scored 3 or below have no action yet: 6, 11" in at.info[0].value
    at.button(key="plan:create").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Created 2 draft action(s)")
    table = at.dataframe[0].value
    assert table["Item"].tolist() == [
        "6. Collaboration with Jobcentre Plus and employment agencies",
        "11. Executive team support for IPS",
    ]
    assert set(table["Status"]) == {"not started"}
    with Session(db.make_engine(app_db)) as s:
        first = plans.list_actions(s, actor=ACTOR, review_id=review.id)[0]
    at.selectbox(key=f"edit_action:{first.id}:status").set_value("done")
    at.text_input(key=f"edit_action:{first.id}:owner").input("Team leader")
    at.button(key=f"FormSubmitter:edit_action:{first.id}-Save action").click().run()
    assert at.success[0].value == "Action saved."
    at.text_input(key=f"note:{first.id}:text").input("Met the JCP work coach")
    at.button(key=f"FormSubmitter:note:{first.id}-Add note").click().run()
    assert at.success[0].value == "Note added."
    with Session(db.make_engine(app_db)) as s:
        action = plans.list_actions(s, actor=ACTOR, review_id=review.id)[0]
        assert (action.status, action.owner, action.done_on) == ("done", "Team leader", date.today())
        assert [n.text for n in plans.notes_of(s, [action.id])[action.id]] == ["Met the JCP work coach"]
    assert [m.value for m in at.metric[:5]] == ["1", "0", "1", "0", "0"]


def test_plan__a_mistyped_due_date__refused_by_name_and_nothing_saved(app_db: str) -> None:
    service = _service(app_db)
    review = _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 4))
    at = open_app(navigation.PLAN)
    at.selectbox(key="plan:service").set_value(service.id).run()
    assert at.text_input(key="add_action:due").label == "Due (DD/MM/YYYY)"
    at.text_area(key="add_action:description").input("Agree a job-retention protocol with the GP practices")
    at.text_input(key="add_action:due").input("31/02/2027")
    at.button(key="FormSubmitter:add_action-Add action").click().run()
    assert not at.exception, at.exception
    assert "Due: 31/02/2027 is not a real date" in shown(at.error[0].value)
    with Session(db.make_engine(app_db)) as s:
        assert plans.list_actions(s, actor=ACTOR, review_id=review.id) == []
    at.text_area(key="add_action:description").input("Agree a job-retention protocol with the GP practices")
    at.text_input(key="add_action:due").input("28/02/2027")
    at.button(key="FormSubmitter:add_action-Add action").click().run()
    with Session(db.make_engine(app_db)) as s:
        [action] = plans.list_actions(s, actor=ACTOR, review_id=review.id)
    assert action.due_date == date(2027, 2, 28)


def test_plan__overdue_actions__counted_and_flagged(app_db: str) -> None:
    service = _service(app_db)
    review = _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 4))
    with db.session_scope(db.make_engine(app_db)) as s:
        plans.add_action(
            s, actor=ACTOR, review_id=review.id, data={"description": "Late", "due_date": date(2020, 1, 1)}
        )
        plans.add_action(
            s, actor=ACTOR, review_id=review.id, data={"description": "Later", "due_date": date(2099, 1, 1)}
        )
    at = open_app(navigation.PLAN)
    at.selectbox(key="plan:service").set_value(service.id).run()
    assert at.metric[4].value == "1"
    assert at.dataframe[0].value["Overdue"].tolist() == ["overdue", ""]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Plan progress: actions and actions done"


def test_report__final_review__shown_with_downloads(app_db: str) -> None:
    service = _service(app_db)
    _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 4) | {3: 2})
    at = open_app(navigation.REPORT)
    at.selectbox(key="report:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert shown(at.header[0].value) == "IPS fidelity review report: Norfolk IPS"
    facts = at.table[0].value
    assert facts.loc["Total", "Value"] == "98 of 125" and facts.loc["Band", "Value"] == "Fair"
    assert at.download_button(key="report:docx") and at.download_button(key="report:pdf")
    assert not at.warning[0].value.startswith("This review is not final")


def test_history__rises_and_falls_by_item(app_db: str) -> None:
    service = _service(app_db)
    base = dict.fromkeys(range(1, 26), 3)
    _final_single(app_db, service.id, base)
    with db.session_scope(db.make_engine(app_db)) as s:  # a later visit: item 1 rises, item 2 falls
        from fidelity.scale_files import load_scales

        later = reviews.start_review(
            s,
            actor=ACTOR,
            scales=load_scales(SCALES_DIR),
            data={
                "service_id": service.id,
                "scale_id": "ips-25",
                "visit_start": date(2027, 5, 1),
                "lead_reviewer": "Ann",
            },
        )
        for number, score in (base | {1: 5, 2: 2}).items():
            ratings.save_rating(s, actor=ACTOR, review_id=later.id, data={"item_number": number, "score": score})
        reviews.finalise_review(s, actor=ACTOR, review_id=later.id)
    at = open_app(navigation.HISTORY)
    at.selectbox(key="history:service").set_value(service.id).run()
    assert not at.exception, at.exception
    timeline = at.dataframe[0].value
    assert timeline["Total"].tolist() == [75, 76]
    grid = at.dataframe[1].value
    assert grid.iloc[0].tolist() == [3, 5] and grid.iloc[1].tolist() == [3, 2]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["y"] == [75, 76]
    zones = [shape["y0"] for shape in spec["layout"]["shapes"] if shape["type"] == "rect"]
    assert zones == [114.5, 99.5, 73.5, 24.5]


def _past_csv(*rows: list[object]) -> bytes:
    header = ["service", "review_date", "scale", "kind", *[f"item_{n}" for n in range(1, 26)]]
    return "\n".join(",".join(map(str, r)) for r in [header, *rows]).encode()


def test_import__bad_file__problems_by_row_and_column_and_nothing_imported(app_db: str) -> None:
    _service(app_db)
    at = open_app(navigation.IMPORT)
    content = _past_csv(
        ["Norfolk IPS", "2024-02-01", "ips-25", "baseline", *[3] * 25],
        ["Norfolk IPS", "2024-09-01", "ips-25", "follow-up", *[3] * 24, 7],
    )
    at.file_uploader(key="import:file").set_value(("past.csv", content, "text/csv")).run()
    assert not at.exception, at.exception
    assert shown(at.error[0].value).startswith("Nothing can be imported: 1 problem(s).")
    assert at.dataframe[0].value.to_dict("records") == [
        {"Row": 3, "Column": "item_25", "Message": "'7' is not a whole number 1-5"}
    ]
    assert not any(b.key == "import:go" for b in at.button)


def test_import__good_file__imported_once(app_db: str) -> None:
    _service(app_db)
    at = open_app(navigation.IMPORT)
    content = _past_csv(["Norfolk IPS", "2024-02-01", "ips-25", "baseline", *[3] * 25])
    at.file_uploader(key="import:file").set_value(("past.csv", content, "text/csv")).run()
    at.button(key="import:go").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Imported 1 review(s)."
    at.button(key="import:go").click().run()
    assert at.success[0].value == "Imported 0 review(s). Skipped 1 already in the app."
    with Session(db.make_engine(app_db)) as s:
        assert [r.total for r in s.exec(select(Review))] == [75]


OUTCOME_FIGURES = {
    "specialist_fte": 2.0,
    "active_caseload": 40,
    "referrals": 20,
    "starts": 20,
    "out_of_work": 30,
    "in_work": 5,
    "out_of_work_job_starts": 12,
    "in_work_job_starts": 1,
    "total_job_starts": 14,
    "retention_successes": 3,
    "sustained_13_weeks": 6,
    "sustained_26_weeks": 4,
    "employer_contacts": 90,
}


def test_outcomes__enter_quarter__rates_and_benchmarks_charted(app_db: str) -> None:
    service = _service(app_db)
    at = open_app(navigation.OUTCOMES)
    at.selectbox(key="outcomes:service").set_value(service.id).run()
    assert at.info[0].value.startswith("No quarter has been entered")
    at.text_input(key="outcome_entry:quarter").input("2025-Q3")
    for field, value in OUTCOME_FIGURES.items():
        at.number_input(key=f"outcome_entry:{field}").set_value(value)
    at.button(key="FormSubmitter:outcome_entry-Save quarter").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Saved 2025-Q3."
    table = at.dataframe[0].value
    assert table["Employment rate (IPS Grow: out-of-work clients into work)"].tolist() == [40.0]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["y"] == [40.0]
    notes = [a["text"].replace("<br>", " ") for a in spec["layout"]["annotations"]]  # wrapped to fit the margin
    assert "IPS Grow employment-rate benchmark (40%)" in notes
    assert "DWP comparison: sustained outcomes 21-30% of starts" in notes


def test_outcomes__quarter_entered_before_the_split__says_how_it_was_read(app_db: str) -> None:
    from fidelity.models import OutcomePeriod
    from fidelity.store import outcomes

    service = _service(app_db)
    with db.session_scope(db.make_engine(app_db)) as s:
        outcomes.save_outcome(s, actor=ACTOR, service_id=service.id, quarter="2025-Q2", figures=OUTCOME_FIGURES)
        s.exec(select(OutcomePeriod)).one().job_starts_split = False  # as the migration leaves older quarters
    at = open_app(navigation.OUTCOMES)
    at.selectbox(key="outcomes:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert shown(at.warning[0].value).startswith("2025-Q2: Entered before the job-start fields were split")
    assert at.dataframe[0].value["Job starts split by work status"].tolist() == ["no: entered before the split"]
    assert "never in the employment rate" in at.number_input(key="outcome_entry:in_work_job_starts").help
    assert "employment rate's numerator" in at.number_input(key="outcome_entry:out_of_work_job_starts").help


def test_outcomes__impossible_quarter__refused_with_field(app_db: str) -> None:
    service = _service(app_db)
    at = open_app(navigation.OUTCOMES)
    at.selectbox(key="outcomes:service").set_value(service.id).run()
    at.text_input(key="outcome_entry:quarter").input("2025-Q3")
    for field, value in (OUTCOME_FIGURES | {"out_of_work_job_starts": 45, "total_job_starts": 46}).items():
        at.number_input(key=f"outcome_entry:{field}").set_value(value)
    at.button(key="FormSubmitter:outcome_entry-Save quarter").click().run()
    message = shown(at.error[0].value)
    assert "out-of-work clients with a first job start: is more than the out-of-work clients" in message


def test_compare__demo_data__league_table_and_every_chart(app_db: str) -> None:
    from fidelity import demo
    from fidelity.scale_files import load_scales

    with db.session_scope(db.make_engine(app_db)) as s:
        summary = demo.load_demo(s, actor=ACTOR, scales=load_scales(SCALES_DIR), today=date(2026, 11, 22))
    at = open_app(navigation.COMPARE)
    assert not at.exception, at.exception
    league = at.dataframe[0].value
    assert len(league) == summary.services
    assert league["Total"].dropna().is_monotonic_decreasing
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert len(titles) == 1  # only the open tab is drawn
    specs = {}
    for tab in ("Items across sites", "Bands over time", "One service over time", "Funnel plot"):
        at.session_state["compare:tab"] = tab
        at.run()
        assert not at.exception, at.exception
        specs[tab] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        titles += [spec["layout"]["title"]["text"] for spec in specs[tab]]
        if tab == "Funnel plot":
            funnel_notes = [shown(c.value) for c in at.caption]
    assert len(titles) == 7
    # the first demo service's staffing gap: its moving ranges are screened out of the XmR limits, and said so
    xmr_spec = next(spec for spec in specs["One service over time"] if "XmR" in spec["layout"]["title"]["text"])
    left_out = [t for t in xmr_spec["data"] if t["name"] == "Moving range left out of the limits"]
    assert left_out and len(left_out[0]["x"]) == 1
    notes = [a["text"] for a in xmr_spec["layout"]["annotations"]]
    assert "Moving ranges: 1 at or above 3.267 x their mean left out before the limits were set" in notes
    assert any("exact binomial" in note and "from the smallest service shown" in note for note in funnel_notes)
    at.session_state["compare:tab"] = "One service over time"
    at.run()
    at.selectbox(key="compare:baseline").set_value(12).run()
    assert not at.exception, at.exception
    fixed = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "XmR" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    assert any(a["text"].startswith("Limits from the first 12 quarters, to ") for a in fixed["layout"]["annotations"])
    assert "End of baseline (12 quarters)" in [a["text"] for a in fixed["layout"]["annotations"]]
    marked = [a["text"] for a in xmr_spec["layout"]["annotations"] if a.get("xref") == "x"]
    assert any(text.startswith("Review ") for text in marked)  # the service's reviews on its outcome charts
    assert any(
        text.endswith(" done")  # improvement actions done that quarter
        for spec in specs["One service over time"]
        for text in (a["text"] for a in spec["layout"].get("annotations", []) if a.get("xref") == "x")
    )
    funnel = specs["Funnel plot"][0]["data"][0]
    assert funnel["name"] == "99.8% limits" and funnel["x"][0] == min(specs["Funnel plot"][0]["data"][-1]["x"])
    assert titles[0].startswith("Fidelity against employment rate<br><sup>r = 0.")
    assert "n = " in titles[0] and "95% CI" in titles[0]
    for expected in (
        "Latest agreed score per item and service",
        "Final reviews by band and year",
        "Fidelity over time",
        "Employment outcomes against benchmarks",
        "XmR chart",
        "funnel plot",
    ):
        assert any(expected in t for t in titles), expected
    at.session_state["compare:tab"] = "Fidelity and employment"
    at.multiselect(key="compare:areas").set_value(["Demo: Essex"]).run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["Area"]) == {"Demo: Essex"}


def test_outcomes__demo_data_and_import_through_the_page(app_db: str) -> None:
    from fidelity import demo
    from fidelity.scale_files import load_scales

    with db.session_scope(db.make_engine(app_db)) as s:
        demo.load_demo(s, actor=ACTOR, scales=load_scales(SCALES_DIR), today=date(2026, 11, 22))
        service = s.exec(select(Service).order_by(Service.id)).first()
    at = open_app(navigation.OUTCOMES)
    at.selectbox(key="outcomes:service").set_value(service.id).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table["Quarter"].iloc[0].startswith("2023-") and len(table) >= 8
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    marked = [a for a in spec["layout"]["annotations"] if a.get("xref") == "x"]
    assert marked and all(a["x"] in set(table["Quarter"]) for a in marked)  # reviews and actions at their quarters
    assert any(a["text"].startswith("Review ") for a in marked)
    header = ",".join(["service", "quarter", *OUTCOME_FIGURES])
    bad = f"{header}\n{service.name},{table['Quarter'].iloc[0]},{','.join(map(str, OUTCOME_FIGURES.values()))}\n"
    at.file_uploader(key="outcomes:file").set_value(("q.csv", bad.encode(), "text/csv")).run()
    at.button(key="outcomes:import").click().run()
    assert shown(at.error[0].value) == "Nothing imported: 1 problem(s)."
    good = bad.replace(table["Quarter"].iloc[0], "2026-Q4")
    at.file_uploader(key="outcomes:file").set_value(("q.csv", good.encode(), "text/csv")).run()
    at.button(key="outcomes:import").click().run()
    assert at.success[0].value == "Imported 1 quarter(s)."
    assert at.dataframe[0].value["Quarter"].iloc[-1] == "2026-Q4"


HOSTILE = "**Bold** ![img](http://evil.example/x.png) <script>alert(1)</script> :red[x]"


def test_md__every_markdown_character__escaped() -> None:
    from fidelity.ui.widgets import md

    escaped = md(HOSTILE)
    for char in "*![]()<>:":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == char), char


def test_free_text__shown_as_text_not_markup(app_db: str) -> None:
    from fidelity.models import Rater
    from fidelity.ui.widgets import md

    service = _service(app_db)
    review = _two_reviewer(app_db, service.id, {}, {}, submit=False)
    with db.session_scope(db.make_engine(app_db)) as s:
        ratings.save_rating(
            s, actor=ACTOR, review_id=review.id, rater=Rater.LEAD, data={"item_number": 1, "evidence": HOSTILE}
        )
        review_row = s.get(Review, review.id)
        review_row.lead_reviewer = HOSTILE
        s.add(review_row)
    at = open_app(navigation.WORKSPACE)
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert not at.exception, at.exception
    rendered = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert md(HOSTILE) in rendered  # the name appears, escaped
    assert HOSTILE not in rendered  # and never as raw Markdown
    assert at.text_area(key=f"ws:{review.id}:lead:1:evidence").value == HOSTILE  # kept exactly as typed


def test_history_and_compare__totals_from_two_scale_versions__say_so_and_which_items_differ(app_db: str) -> None:
    from fidelity.scale_files import load_scales

    service = _service(app_db)
    _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 3))  # on the shipped ips-25
    scale = load_scales(SCALES_DIR)["ips-25"]
    edited = new_version(scale, 7, content_hash="e" * 64, criteria={**scale.item(7).criteria, 4: "A changed criterion"})
    _final_single(
        app_db, service.id, dict.fromkeys(range(1, 26), 4), scales={"ips-25": edited}, visit=date(2026, 11, 20)
    )
    expected = (
        f"Totals here come from 2 scale versions (ips-25 version {scale.version}; ips-25 version next). "
        "Items scored differently between them: 7."
    )
    at = open_app(navigation.HISTORY)
    at.selectbox(key="history:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert any(expected in info.value for info in at.info)
    at = open_app(navigation.COMPARE)
    assert not at.exception, at.exception
    assert any(expected in info.value for info in at.info)
    at = open_app(navigation.SERVICES)  # the list's change since the previous review spans the two versions
    assert not at.exception, at.exception
    assert any(expected in info.value for info in at.info)
    assert any(shown(c.value) == "The change compares two scale versions for: Norfolk IPS." for c in at.caption)


def test_history__one_scale_version__no_notice(app_db: str) -> None:
    service = _service(app_db)
    _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 3))
    at = open_app(navigation.HISTORY)
    at.selectbox(key="history:service").set_value(service.id).run()
    assert not any("scale versions" in info.value for info in at.info)
    at = open_app(navigation.SERVICES)
    assert not any("scale versions" in info.value for info in at.info)


def test_rebase__recorded_on_outcomes_with_its_reason__compare_draws_two_periods(app_db: str) -> None:
    from .conftest import load_small_demo

    load_small_demo(app_db)
    with Session(db.make_engine(app_db)) as s:
        service = s.exec(select(Service).where(Service.name == "Demo: Cheshire West and Chester IPS team 1")).one()
    at = open_app(navigation.OUTCOMES)
    at.selectbox(key="outcomes:service").set_value(service.id).run()
    quarter = at.selectbox(key="rebase:quarter").options[4]
    at.selectbox(key="rebase:quarter").set_value(quarter)
    at.text_input(key="rebase:reason").input("A second employment specialist started")
    at.button(key="FormSubmitter:rebase-Start the new period").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == f"The XmR chart starts a new period at {quarter}."
    assert at.dataframe[1].value["Reason"].tolist() == ["A second employment specialist started"]
    compare = open_app(navigation.COMPARE)
    compare.session_state["compare:tab"] = "One service over time"
    compare.run()
    assert not compare.exception, compare.exception
    spec = next(
        json.loads(c.proto.spec)
        for c in compare.get("plotly_chart")
        if "XmR" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    notes = [a["text"] for a in spec["layout"]["annotations"]]
    assert any(n.startswith("2 periods: the mean and limits start again at each rebase.") for n in notes)
    assert "New period: A second employment specialist started" in notes, "|".join(notes)
    assert len([t for t in spec["data"] if t["name"] == "Employment rate"]) == 2  # the line breaks at the rebase
