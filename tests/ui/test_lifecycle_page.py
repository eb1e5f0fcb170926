"""Moderation and the service's feedback on the Review timeline page, each step by its owner signed in as themselves:
the lead reviewer sends the agreed draft, the moderator returns an item with a comment (shown on the Consensus page)
and then approves, the lead reviewer presents it, the service lead sends further evidence, the second reviewer
accepts it and the agreed score changes; the Report page shows the service lead the draft with the appendix."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from sqlmodel import Session

from fidelity import db
from fidelity.models import Rater
from fidelity.store import ratings, reviews, timelines

from ..conftest import ACTOR, all_items
from .conftest import open_app, user_id
from .test_pages import shown
from .test_timeline_page import _world


def _agreed_review(url: str) -> tuple[int, int]:
    """Norfolk IPS with its lead (lee); ann and bo reviewed it 20 days ago and agreed 3 on every item; cy moderates."""
    service_id, review_id = _world(url, visit_in_days=-20)
    with db.session_scope(db.make_engine(url)) as s:
        for rater in (Rater.LEAD, Rater.SECOND):
            for number, score in all_items(3).items():
                data = {"item_number": number, "score": score}
                ratings.save_rating(s, actor=ACTOR, review_id=review_id, data=data, rater=rater)
            ratings.submit_scores(s, actor=ACTOR, review_id=review_id, rater=rater)
        timelines.assign_moderator(s, actor=ACTOR, review_id=review_id, user_id=user_id("cy"))
    return service_id, review_id


def _open(service_id: int, who: str, page: str = "TIMELINE"):  # type: ignore[no-untyped-def]
    from fidelity.ui import navigation

    at = open_app(getattr(navigation, page), as_user=who)
    key = {
        "TIMELINE": "timeline:service",
        "CONSENSUS": "cs:service",
        "REPORT": "report:service",
        "PLAN": "plan:service",
    }[page]
    at.selectbox(key=key).set_value(service_id).run()
    assert not at.exception, at.exception
    return at


def _stage(at) -> str:  # type: ignore[no-untyped-def]
    return next(m.value for m in at.markdown if m.value.startswith("Stage: "))


def _score(review_id: int, url: str, number: int) -> int:
    with Session(db.make_engine(url)) as s:
        return ratings.scores_of(s, review_id, rater=Rater.CONSENSUS)[number]


def test_moderation_and_feedback__each_by_its_owner(app_db: str) -> None:
    service_id, review_id = _agreed_review(app_db)
    lee = _open(service_id, "lee")
    assert _stage(lee).startswith("Stage: **agreeing scores**")
    assert "life:feedback:text" not in [t.key for t in lee.text_area]

    ann = _open(service_id, "ann")
    ann.button(key="life:send").click().run()
    assert ann.success[0].value == "The draft went to the moderator."
    assert _stage(ann).startswith("Stage: **with the moderator**")

    cy = _open(service_id, "cy")
    cy.radio(key="life:decision").set_value("returned").run()
    cy.multiselect(key="life:returned").set_value([3]).run()
    cy.text_area(key="life:comment:3").input("Supervision notes suggest weekly, not daily")
    cy.button(key="life:decide").click().run()
    assert not cy.exception, cy.exception
    assert cy.success[0].value == "1 item(s) returned to the reviewers."
    rounds = next(d.value for d in cy.dataframe if "Comment" in d.value.columns)
    assert "Supervision notes suggest weekly, not daily" in rounds["Comment"].tolist()

    consensus = _open(service_id, "ann", "CONSENSUS")
    consensus.selectbox(key=f"cs:item_picker:{review_id}").set_value(3).run()
    assert any("Supervision notes suggest weekly, not daily" in w.value for w in consensus.warning)
    ann = _open(service_id, "ann")
    ann.button(key="life:send").click().run()
    cy = _open(service_id, "cy")
    cy.button(key="life:decide").click().run()
    assert cy.success[0].value == "Draft approved."

    ann = _open(service_id, "ann")
    ann.checkbox(key="life:present:ok").check().run()
    ann.button(key="life:present").click().run()
    assert ann.success[0].value.startswith("The report is recorded as presented")

    lee = _open(service_id, "lee")
    assert _stage(lee).startswith("Stage: **open for the service's feedback**")
    lee.selectbox(key="life:feedback:item").set_value(9)
    lee.text_area(key="life:feedback:text").input("Caseload audit for Q3: 18 per worker")
    lee.button(key="FormSubmitter:life:feedback-Send the evidence").click().run()
    assert not lee.exception, lee.exception
    assert shown(lee.success[0].value) == "Sent: further evidence on 9. Zero exclusion criteria."

    bo = _open(service_id, "bo")
    feedback_id = next(t.key for t in bo.text_area if t.key.startswith("life:answer:")).removesuffix(":reason")
    bo.radio(key=f"{feedback_id}:a").set_value("accepted")
    bo.selectbox(key=f"{feedback_id}:score").set_value(4)
    bo.text_area(key=f"{feedback_id}:reason").input("The audit shows a caseload within the range for a 4")
    bo.button(key=f"FormSubmitter:{feedback_id}-Save the answer").click().run()
    assert not bo.exception, bo.exception
    assert bo.success[0].value == "Answer saved: accepted."
    assert _score(review_id, app_db, 9) == 4

    report = _open(service_id, "lee", "REPORT")
    assert "Appendix: the service's further evidence and the reviewers' answers" in [h.value for h in report.subheader]
    assert report.dataframe[-1].value["Score"].tolist() == ["3 to 4"]


def test_moderator_page__a_returned_draft_needs_a_comment(app_db: str) -> None:
    service_id, _ = _agreed_review(app_db)
    ann = _open(service_id, "ann")
    ann.button(key="life:send").click().run()
    cy = _open(service_id, "cy")
    cy.radio(key="life:decision").set_value("returned").run()
    cy.button(key="life:decide").click().run()
    assert shown(cy.error[0].value) == "comments: say what to look at again on at least one item to return the draft"
    assert _stage(cy).startswith("Stage: **with the moderator**")


def _presented_with_personal_data(url: str, presented_on: date) -> tuple[int, int]:
    """The agreed review with a case record and an evidence note, moderated and presented on `presented_on`."""
    from fidelity.store import moderation, visits

    service_id, review_id = _agreed_review(url)
    with db.session_scope(db.make_engine(url)) as s:
        row = {"reference": "QZXR-1", "referral_date": date(2025, 12, 1), "first_meeting": date(2025, 12, 3)}
        visits.save_records(s, actor=ACTOR, review_id=review_id, rows=[row])
        note = {"text": "Marker note QZXJ", "items": [4]}
        visits.add_note(s, actor=ACTOR, review_id=review_id, rater=Rater.LEAD, data=note)
        moderation.send_for_moderation(s, actor=ACTOR, review_id=review_id, today=presented_on)
    cy = _open(service_id, "cy")
    cy.button(key="life:decide").click().run()
    with db.session_scope(db.make_engine(url)) as s:
        moderation.present_report(s, actor=ACTOR, review_id=review_id, today=presented_on)
    return service_id, review_id


def _gathered_rows(url: str) -> int:
    from sqlmodel import func, select

    from fidelity.visit_models import CaseRecord, EvidenceNote

    with Session(db.make_engine(url)) as s:
        return sum(s.exec(select(func.count()).select_from(t)).one() for t in (CaseRecord, EvidenceNote))


def test_personal_data__admin_refused_a_day_before_the_report__deletes_now_after_confirming(app_db: str) -> None:
    service_id, _ = _presented_with_personal_data(app_db, date.today())
    admin = _open(service_id, "admin")
    assert any("are deleted on" in m.value for m in admin.markdown)
    admin.text_input(key="life:deletion:day").input((date.today() - timedelta(days=1)).strftime("%d/%m/%Y"))
    admin.button(key="FormSubmitter:life:deletion-Save the deletion day").click().run()
    assert "is before the report was presented" in admin.error[0].value
    assert admin.button(key="life:delete").proto.disabled
    admin.checkbox(key="life:delete:ok").check().run()
    admin.button(key="life:delete").click().run()
    assert not admin.exception, admin.exception
    assert admin.success[0].value.startswith("Deleted: 1 case record(s) and 1 evidence note(s)")
    assert _gathered_rows(app_db) == 0
    assert not [m for m in admin.markdown if "are deleted on" in m.value]


def test_personal_data__due_day_passed__the_app_deletes_it_when_opened(app_db: str) -> None:
    _presented_with_personal_data(app_db, date.today() - timedelta(days=20))  # due 6 days ago
    assert _gathered_rows(app_db) == 2
    st.cache_resource.clear()  # a new process, or the first page opened on a new day
    open_app(as_user="lee")
    assert _gathered_rows(app_db) == 0


def test_plan__agreed_by_the_service_lead_and_the_lead_reviewer__then_support_logged(app_db: str) -> None:
    from fidelity.store import plans

    service_id, review_id = _agreed_review(app_db)
    with db.session_scope(db.make_engine(app_db)) as s:
        timelines.assign_moderator(s, actor=ACTOR, review_id=review_id, user_id=None)
        reviews.finalise_review(s, actor=ACTOR, review_id=review_id)
        data = {"description": "Weekly supervision", "due_date": date.today() + timedelta(days=60)}
        plans.add_action(s, actor=ACTOR, review_id=review_id, data=data)
    lee = _open(service_id, "lee", "PLAN")
    assert any(m.value.startswith("**Not agreed yet.**") for m in lee.markdown)
    lee.button(key="plan:agree").click().run()
    assert lee.success[0].value == "Marked agreed. It is agreed when both have marked it."
    assert "plan:support:notes" not in [t.key for t in lee.text_area]
    ann = _open(service_id, "ann", "PLAN")
    ann.button(key="plan:agree").click().run()
    assert any(m.value.startswith("**Agreed.**") for m in ann.markdown)
    ann.selectbox(key="plan:support:kind").set_value("visit")
    ann.number_input(key="plan:support:hours").set_value(2.5)
    ann.text_area(key="plan:support:notes").input("Fidelity workshop with the team")
    ann.button(key="FormSubmitter:plan:support-Log the support").click().run()
    assert not ann.exception, ann.exception
    assert ann.success[0].value.startswith("Logged: visit, 2.5 hours on")
    assert ann.dataframe[-1].value["Notes"].tolist() == ["Fidelity workshop with the team"]


def test_portfolio_and_snapshot__service_lead_lists_and_confirms__lead_reviewer_audits__workspace_shows(
    app_db: str,
) -> None:
    service_id, review_id = _world(app_db)  # the visit in 30 days
    lee = _open(service_id, "lee")
    lee.selectbox(key="portfolio:item").set_value(1)
    lee.selectbox(key="portfolio:kind").set_value("MIS")
    lee.text_input(key="portfolio:title").input("Caseload report, last quarter")
    lee.button(key="FormSubmitter:portfolio:add-Add to the portfolio").click().run()
    assert not lee.exception, lee.exception
    assert shown(lee.success[0].value).startswith("Added to the portfolio for 1.")
    table = lee.dataframe[1].value
    assert table.loc[0, "Evidence listed"] == "Caseload report, last quarter (MIS)"
    assert "MIS" not in table.loc[0, "Sources not yet covered"]
    assert "portfolio:audit:item" not in [s.key for s in lee.selectbox]  # the lead reviewer audits, not the service

    lee.session_state[f"snapshot:editor:{review_id}"] = {
        "edited_rows": {3: {"Referrals": 31, "Job starts": 7}},
        "added_rows": [],
        "deleted_rows": [],
    }
    lee.button(key="snapshot:confirm").click().run()
    assert not lee.exception, lee.exception
    assert lee.success[0].value.startswith("The performance snapshot is confirmed")

    ann = _open(service_id, "ann")
    ann.selectbox(key="portfolio:audit:item").set_value(1)
    ann.radio(key="portfolio:audit:verdict").set_value("missing")
    ann.text_input(key="portfolio:audit:note").input("Only one quarter; send four")
    ann.button(key="FormSubmitter:portfolio:audit-Save the audit").click().run()
    assert not ann.exception, ann.exception
    assert ann.dataframe[1].value.loc[0, "Audit"] == "missing: Only one quarter; send four"
    assert "snapshot:confirm" not in [b.key for b in ann.button]

    from fidelity.ui import navigation

    workspace = open_app(navigation.WORKSPACE, as_user="ann")
    workspace.selectbox(key="ws:service").set_value(service_id).run()
    assert not workspace.exception, workspace.exception
    infos = [i.value for i in workspace.info]
    assert any("In the service's portfolio." in v and "missing" in v for v in infos), infos
    snapshot_table = workspace.dataframe[0].value
    assert snapshot_table.loc[3, "Referrals"] == 31 and snapshot_table.loc[3, "Job starts"] == 7
