"""The Site visit page: plan sessions, the case-record sample with its measures, evidence notes; the workspace shows them."""

from __future__ import annotations

from sqlmodel import Session, select

from fidelity import db
from fidelity.ui import navigation
from fidelity.visit_models import CaseRecord, EvidenceNote, VisitSession

from .conftest import open_app
from .test_pages import _review, _service, shown


def _visit_page(app_db: str):
    service = _service(app_db)
    review = _review(app_db, service.id, {})
    at = open_app(navigation.VISIT)
    at.selectbox(key="visit:service").set_value(service.id).run()
    assert not at.exception, at.exception
    return at, review


def _edit(at, key: str, rows: list[dict]):
    at.session_state[key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    return at


def test_site_visit__plan_saved_from_the_table(app_db: str) -> None:
    at, review = _visit_page(app_db)
    row = {
        "Session": "observation",
        "Who (role)": "employer",
        "Day": "2026-11-02",
        "Start": "14:00",
        "Minutes": 60,
        "Items": ["17", "18"],
    }
    _edit(at, f"visit:plan:{review.id}", [row]).run()
    at.button(key=f"visit:plan_save:{review.id}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Saved the visit plan: 1 session(s)."
    with Session(db.make_engine(app_db)) as s:
        saved = s.exec(select(VisitSession)).one()
    assert (saved.kind, saved.informant_role, f"{saved.start:%H:%M}", saved.minutes, saved.items) == (
        "observation",
        "employer",
        "14:00",
        60,
        [17, 18],
    )


def test_site_visit__records_with_a_name__refused_by_row_then_saved_and_measured(app_db: str) -> None:
    at, review = _visit_page(app_db)
    key = f"visit:records:{review.id}"
    bad = [
        {"Reference": "CR-1", "Referral": "2026-01-05", "First employer contact": "2026-01-15"},
        {"Reference": "Jo Bloggs", "Referral": "2026-01-05"},
    ]
    _edit(at, key, bad).run()
    at.button(key=f"visit:records_save:{review.id}").click().run()
    assert not at.exception, at.exception
    assert "row 2, reference: looks like a person's name" in shown(at.error[0].value)
    with Session(db.make_engine(app_db)) as s:
        assert s.exec(select(CaseRecord)).all() == []
    good = [
        {
            "Reference": "CR-1",
            "Referral": "2026-01-05",
            "First employer contact": "2026-01-15",
            "Benefits advice": "yes",
        },
        {
            "Reference": "CR-2",
            "Referral": "2026-01-05",
            "First employer contact": "2026-01-25",
            "Benefits advice": "no",
        },
    ]
    _edit(at, key, good).run()
    at.button(key=f"visit:records_save:{review.id}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Saved the case-record sample: 2 record(s)."
    measured = next(d.value for d in at.dataframe if "Suggests" in d.value.columns).set_index("Measure")
    assert measured.loc["Days from referral to first employer contact", ["Value", "n", "Suggests"]].tolist() == [
        15,
        2,
        5,
    ]
    assert measured.loc["People given benefits advice", "Value"] == 50

    at.switch_page(navigation.WORKSPACE).run()  # the item shows what the sample suggests
    at.selectbox(key=f"ws:item_picker:{review.id}:lead").set_value(15).run()
    assert not at.exception, at.exception
    assert any("Days from referral to first employer contact: 15 days" in shown(i.value) for i in at.info)


def test_site_visit__evidence_note_tagged_to_items__listed_and_shown_beside_each_item(app_db: str) -> None:
    at, review = _visit_page(app_db)
    at.multiselect(key="visit:note_items").set_value([7, 8])
    at.text_area(key="visit:note_text").input("Weekly group supervision, **seen** in the minutes")
    at.button(key=f"FormSubmitter:visit:note:{review.id}-Add the note").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Added the evidence note."
    assert any(shown(m.value) == "Weekly group supervision, **seen** in the minutes" for m in at.markdown)
    with Session(db.make_engine(app_db)) as s:
        assert s.exec(select(EvidenceNote)).one().items == [7, 8]
    at.switch_page(navigation.WORKSPACE).run()
    at.selectbox(key=f"ws:item_picker:{review.id}:lead").set_value(8).run()
    assert not at.exception, at.exception
    assert any("Weekly group supervision" in shown(m.value) for m in at.markdown)


def test_consensus__shows_what_the_record_sample_suggests(app_db: str) -> None:
    from datetime import date

    from fidelity.store import visits

    from ..conftest import ACTOR
    from .test_pages import _two_reviewer

    service = _service(app_db)
    scores = dict.fromkeys(range(1, 26), 4)
    review = _two_reviewer(app_db, service.id, scores, scores | {15: 2}, submit=True)
    with db.session_scope(db.make_engine(app_db)) as s:
        visits.save_records(
            s,
            actor=ACTOR,
            review_id=review.id,
            rows=[{"reference": "CR-7", "referral_date": date(2026, 1, 5), "first_employer_contact": date(2026, 3, 6)}],
        )
    at = open_app(navigation.CONSENSUS)
    at.selectbox(key="cs:service").set_value(service.id).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("No.")
    assert table.loc[15, "Record sample suggests"] == 4  # 60 days: 31-60 days scores 4
    assert any("Days from referral to first employer contact: 60 days" in shown(i.value) for i in at.info)


def test_site_visit__pack_made_edited_uploaded_with_a_conflict_chosen_and_saved(app_db: str) -> None:
    import io

    import openpyxl

    from fidelity.store import packs, ratings

    from ..conftest import ACTOR

    at, review = _visit_page(app_db)
    at.button(key=f"visit:pack:{review.id}:lead:make").click().run()
    assert not at.exception, at.exception
    assert any(b.label == "Download the pack (lead reviewer)" for b in at.get("download_button"))
    with db.session_scope(db.make_engine(app_db)) as s:
        content = packs.export_pack(s, actor=ACTOR, review_id=review.id, rater="lead")
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 2, "score": 2})  # after the pack
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["items"]["C2"], book["items"]["C3"] = 4, 5  # item 1 only in the pack; item 2 in both
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader(key=f"visit:pack_upload:{review.id}:0").set_value(("pack.xlsx", buffer.getvalue(), xlsx)).run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "On saving" in d.value.columns).set_index("Item")
    assert table.loc["1. Caseload size", "On saving"] == "takes the pack's"
    assert table.loc["2. Employment services staff", ["In the app", "In the pack", "On saving"]].tolist() == [
        "scored 2",
        "scored 5",
        "changed in both: choose below",
    ]
    at.button(key=f"visit:pack_save:{review.id}:0").click().run()
    assert "choose the pack's or the app's value for item 2" in shown(at.error[0].value)
    at.radio(key=f"visit:pack_keep:{review.id}:0:item 2").set_value("pack")
    at.button(key=f"visit:pack_save:{review.id}:0").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Saved from the pack: 2 item(s), 0 new note(s)."
    with Session(db.make_engine(app_db)) as s:
        assert ratings.scores_of(s, review.id) == {1: 4, 2: 5}


def test_self_assessment__service_lead_scores_in_the_workspace_guide_reads_and_comments(app_db: str) -> None:
    from datetime import date

    from fidelity.scale_files import load_scales
    from fidelity.store import accounts, ratings, reviews

    from ..conftest import ACTOR, SCALES_DIR

    service = _service(app_db)
    with db.session_scope(db.make_engine(app_db)) as s:
        ids = {}
        for username, role in (("lee", "service lead"), ("rae", "reviewer")):
            user = accounts.create_user(
                s,
                actor=ACTOR,
                data={
                    "username": username,
                    "display_name": username.title(),
                    "role": role,
                    "password": "pw-long-enough-1",
                },
            )
            ids[username] = user.id
        accounts.set_scopes(s, actor=ACTOR, user_id=ids["lee"], scopes=accounts.Scopes(service_ids=(service.id,)))
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=load_scales(SCALES_DIR),
            data={
                "service_id": service.id,
                "scale_id": "ips-25",
                "kind": "self-assessment",
                "visit_start": date(2026, 2, 1),
                "lead_user_id": ids["lee"],
                "guide_user_id": ids["rae"],
            },
        )
    at = open_app(navigation.WORKSPACE, as_user="lee")
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert any("Guided self-assessment review" in h.value for h in at.subheader)
    at.radio(key=f"ws:{review.id}:lead:1:score").set_value(4).run()
    assert not at.exception, at.exception
    with Session(db.make_engine(app_db)) as s:
        assert ratings.scores_of(s, review.id) == {1: 4}

    at = open_app(navigation.WORKSPACE, as_user="rae")
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert any("You are guiding this self-assessment" in i.value for i in at.info)
    at.switch_page(navigation.VISIT).run()
    at.selectbox(key="visit:service").set_value(service.id).run()
    at.multiselect(key="visit:note_items").set_value([1])
    at.text_area(key="visit:note_text").input("Ask for the caseload list by specialist")
    at.button(key=f"FormSubmitter:visit:note:{review.id}-Add the note").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Added the evidence note."
