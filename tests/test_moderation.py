"""Moderation and the service's feedback, in the database: the agreed draft goes to a moderator who is not one of
the reviewers, who approves it or returns items (only those reopen; every round kept and audited); the approved
draft is presented to the service, whose leads see it only from then and may send further evidence per item within
the window; the reviewers answer each; then, and only then, the review is finalised."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from alembic import command
from docx import Document
from pypdf import PdfReader
from sqlalchemy import inspect
from sqlmodel import Session, select

from fidelity import db, errors, reports, timeline
from fidelity.lifecycle_models import ReviewStep
from fidelity.models import AuditEvent, Rater, Review
from fidelity.store import moderation, ratings, reviews, timelines

from .conftest import ACTOR, all_items, migrated_to, table_dump
from .test_access import World, _write, world  # noqa: F401  (the fixture; F811 waived for this file)

TODAY = date(2026, 2, 2)  # three weeks after the draft's visit (10 January 2026)


def _agree_all(world: World, score: int = 3) -> None:
    """Both reviewers score every item alike and submit: every item is agreed."""
    with _write(world.url) as s:
        for rater, who in ((Rater.LEAD, "rev1"), (Rater.SECOND, "rev2")):
            for number, value in all_items(score).items():
                data = {"item_number": number, "score": value}
                ratings.save_rating(s, actor=world.actors[who], review_id=world.draft_id, data=data, rater=rater)
            ratings.submit_scores(s, actor=world.actors[who], review_id=world.draft_id, rater=rater)


def _assign(world: World, who: str = "rev3") -> None:
    with _write(world.url) as s:
        timelines.assign_moderator(s, actor=ACTOR, review_id=world.draft_id, user_id=world.actors[who].user_id)


def _send(world: World, who: str = "rev1") -> None:
    with _write(world.url) as s:
        moderation.send_for_moderation(s, actor=world.actors[who], review_id=world.draft_id, today=TODAY)


def _decide(world: World, decision: str, comments: dict[int, str] | None = None, who: str = "rev3") -> None:
    actor = ACTOR if who == "admin" else world.actors[who]
    with _write(world.url) as s:
        moderation.decide(
            s, actor=actor, review_id=world.draft_id, decision=decision, comments=comments or {}, today=TODAY
        )


def _agreed(world: World, number: int, score: int, who: str = "rev1") -> None:
    with _write(world.url) as s:
        data = {"item_number": number, "score": score}
        ratings.save_rating(s, actor=world.actors[who], review_id=world.draft_id, data=data, rater=Rater.CONSENSUS)


def _present(world: World, today: date = TODAY) -> Review:
    with _write(world.url) as s:
        return moderation.present_report(s, actor=world.actors["rev1"], review_id=world.draft_id, today=today)


def _steps(world: World) -> dict[str, ReviewStep]:
    with Session(db.make_engine(world.url)) as s:
        return {step.key: step for step in timelines.review_steps(s, actor=ACTOR, review_id=world.draft_id)}


def _finalise(world: World, today: date) -> Review:
    with _write(world.url) as s:
        return reviews.finalise_review(s, actor=world.actors["rev1"], review_id=world.draft_id, today=today)


@pytest.fixture
def approved(world: World) -> World:
    """The draft agreed at 3 on every item, moderated by REV3, approved and presented on TODAY."""
    _agree_all(world)
    _assign(world)
    _send(world)
    _decide(world, "approved")
    _present(world)
    return world


def test_send__needs_a_moderator_agreed_items_and_the_lead_reviewer(world: World) -> None:
    with pytest.raises(errors.InputError, match="moderation: both reviewers submit their scores and agree them"):
        _assign(world)
        _send(world)
    _agree_all(world)
    with pytest.raises(errors.PermissionDenied, match="only the lead reviewer"):
        _send(world, "rev2")
    with _write(world.url) as s:
        timelines.assign_moderator(s, actor=ACTOR, review_id=world.draft_id, user_id=None)
    with pytest.raises(errors.InputError, match="moderator: an admin assigns a moderator"):
        _send(world)
    _assign(world)
    _send(world)
    assert _steps(world)["report_written"].status == "done"
    with pytest.raises(errors.InputError, match="already with the moderator"):
        _send(world)


def test_moderator__never_one_of_the_reviewers(world: World) -> None:
    with pytest.raises(errors.InputError, match="moderator: REV1 reviewed this service's review"):
        _assign(world, "rev1")


def test_decide__only_the_moderator__returned_needs_a_comment__changes_nothing_when_refused(world: World) -> None:
    _agree_all(world)
    _assign(world)
    _send(world)
    before = table_dump(world.url)
    for who in ("rev1", "rev2", "admin"):
        with pytest.raises(errors.PermissionDenied, match="only the review's moderator"):
            _decide(world, "approved", who=who)
    with pytest.raises(errors.InputError, match="comments: say what to look at again on at least one item"):
        _decide(world, "returned", {4: "   "})
    with pytest.raises(errors.InputError, match="item: 26 is not an item of this review's scale"):
        _decide(world, "returned", {26: "No such item"})
    with pytest.raises(errors.InputError, match="decision: 'maybe' is not one of approved, returned"):
        _decide(world, "maybe")
    assert table_dump(world.url) == before


def test_returned__only_those_items_reopen__every_round_kept_and_audited(world: World) -> None:
    _agree_all(world)
    _assign(world)
    _send(world)
    with pytest.raises(errors.ReviewLocked, match="the draft is with the moderator"):
        _agreed(world, 3, 4)
    _decide(world, "returned", {3: "The caseload figures support a 4", 7: "Say which evidence"})
    _agreed(world, 3, 4)
    with pytest.raises(errors.ReviewLocked, match=r"item 5: the moderator returned item\(s\) 3, 7; only those"):
        _agreed(world, 5, 4)
    _send(world)
    _decide(world, "approved")
    with pytest.raises(errors.ReviewLocked, match="the moderator approved the draft"):
        _agreed(world, 3, 5)
    with Session(db.make_engine(world.url)) as s:
        rounds = moderation.rounds_of(s, world.draft_id)
        comments = moderation.comments_of(s, [r.id for r in rounds])
        events = s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        scores = ratings.scores_of(s, world.draft_id, rater=Rater.CONSENSUS)
    assert [(r.number, r.decision, r.decided_by) for r in rounds] == [(1, "returned", "rev3"), (2, "approved", "rev3")]
    assert comments == {rounds[0].id: {3: "The caseload figures support a 4", 7: "Say which evidence"}}
    assert scores[3] == 4
    actions = [e.action for e in events if e.entity in ("moderationround", "moderationcomment")]
    returned = ["send_for_moderation", "moderation_returned", "create", "create"]
    assert actions == [*returned, "send_for_moderation", "moderation_approved"]
    assert _steps(world)["report_moderated"].status == "done"


def test_service_lead__sees_the_draft_only_once_presented(world: World) -> None:
    _agree_all(world)
    _assign(world)
    _send(world)
    _decide(world, "approved")
    lead = world.actors["lead"]
    with Session(db.make_engine(world.url)) as s:
        with pytest.raises(errors.PermissionDenied, match="is not one you can see"):
            reviews.get_review(s, world.draft_id, actor=lead)
        assert world.draft_id not in {r.id for r in reviews.list_reviews(s, actor=lead)}
    with pytest.raises(errors.PermissionDenied, match="only the lead reviewer"), _write(world.url) as s:
        moderation.present_report(s, actor=world.actors["rev2"], review_id=world.draft_id, today=TODAY)
    presented = _present(world)
    assert (presented.report_shared_on, presented.feedback_until) == (TODAY, TODAY + timedelta(days=7))
    with Session(db.make_engine(world.url)) as s:
        assert reviews.get_review(s, world.draft_id, actor=lead).id == world.draft_id
        assert world.draft_id in {r.id for r in reviews.list_reviews(s, actor=lead)}
        with pytest.raises(
            errors.PermissionDenied, match="is not one you can see"
        ):  # a commissioner sees it when it is final, as before
            reviews.get_review(s, world.draft_id, actor=world.actors["comm"])
    steps = _steps(world)
    assert steps["report_presented"].status == "done"
    assert steps["feedback_sent"].due == TODAY + timedelta(days=7)


def test_present__before_approval__refused(world: World) -> None:
    _agree_all(world)
    _assign(world)
    _send(world)
    with pytest.raises(errors.InputError, match="the moderator approves the draft before it is presented"):
        _present(world)


def _feedback(world: World, item: int, text: str, today: date = TODAY) -> int:
    with _write(world.url) as s:
        return moderation.send_feedback(
            s, actor=world.actors["lead"], review_id=world.draft_id, item_number=item, evidence=text, today=today
        ).id


def _answer(world: World, feedback_id: int, answer: str, reason: str, score: int | None = None, who: str = "rev2"):
    with _write(world.url) as s:
        return moderation.answer_feedback(
            s, actor=world.actors[who], feedback_id=feedback_id, answer=answer, reason=reason, new_score=score
        )


def test_feedback__within_the_window_only__by_the_service_lead(approved: World) -> None:
    world = approved
    last_day = TODAY + timedelta(days=7)
    _feedback(world, 9, "Our caseload audit for Q3 shows 18 per worker", today=last_day)
    before = table_dump(world.url)
    with pytest.raises(errors.InputError, match="feedback: the window for further evidence closed on"):
        _feedback(world, 9, "Late", today=last_day + timedelta(days=1))
    with pytest.raises(errors.PermissionDenied, match="the service's leads send feedback"), _write(world.url) as s:
        moderation.send_feedback(
            s, actor=world.actors["rev1"], review_id=world.draft_id, item_number=9, evidence="x", today=TODAY
        )
    with pytest.raises(errors.InputError, match="further evidence: must not be empty"):
        _feedback(world, 9, "  ")
    with pytest.raises(errors.InputError, match="item: 30 is not an item"):
        _feedback(world, 30, "Evidence")
    with pytest.raises(errors.InputError, match="further evidence: at most 5,000 characters"):
        _feedback(world, 9, "x" * 5_001)
    assert table_dump(world.url) == before


def test_answer__accepted_changes_the_agreed_score__not_accepted_keeps_it__reasons_required(approved: World) -> None:
    world = approved
    first = _feedback(world, 9, "Caseload audit: 18 per worker")
    second = _feedback(world, 12, "Benefits counselling leaflet")
    with pytest.raises(errors.PermissionDenied, match="the review's reviewers answer"):
        _answer(world, first, "accepted", "Yes", 4, who="lead")
    with pytest.raises(errors.InputError, match="reason: must not be empty"):
        _answer(world, first, "accepted", " ", 4)
    with pytest.raises(errors.InputError, match="score: accepting the evidence changes the agreed score"):
        _answer(world, first, "accepted", "Convincing")
    with pytest.raises(errors.InputError, match="score: the agreed score is 3 already"):
        _answer(world, first, "accepted", "Convincing", 3)
    accepted = _answer(world, first, "accepted", "The audit shows it", 4)
    assert (accepted.score_before, accepted.score_after, accepted.answered_by) == (3, 4, "rev2")
    refused = _answer(world, second, "not accepted", "A leaflet is not counselling")
    assert (refused.score_before, refused.score_after) == (None, None)
    with pytest.raises(errors.InputError, match="feedback: answered already"):
        _answer(world, second, "accepted", "Changed my mind", 4)
    with Session(db.make_engine(world.url)) as s:
        scores = ratings.scores_of(s, world.draft_id, rater=Rater.CONSENSUS)
        audited = s.exec(select(AuditEvent).where(AuditEvent.entity == "itemrating", AuditEvent.action == "update"))
        changes = [(e.before["score"], e.after["score"]) for e in audited if e.after["item_number"] == 9]
    assert (scores[9], scores[12]) == (4, 3)
    assert changes == [(3, 4)]


def test_finalise__waits_for_approval_presentation_answers_and_the_window(world: World) -> None:
    _agree_all(world)
    _assign(world)
    _send(world)
    with pytest.raises(errors.InputError, match="cannot finalise: the moderator approves the draft first"):
        _finalise(world, TODAY)
    _decide(world, "approved")
    with pytest.raises(errors.InputError, match="cannot finalise: present the moderated draft"):
        _finalise(world, TODAY)
    _present(world)
    sent = _feedback(world, 9, "Caseload audit")
    after_window = TODAY + timedelta(days=8)
    with pytest.raises(errors.InputError, match=r"answer the service's further evidence first \(1 unanswered\)"):
        _finalise(world, after_window)
    _answer(world, sent, "accepted", "The audit shows it", 4)
    with pytest.raises(errors.InputError, match="the service may send further evidence until"):
        _finalise(world, TODAY + timedelta(days=7))
    final = _finalise(world, after_window)
    assert (final.status, final.total) == ("final", 24 * 3 + 4)


def test_finalise__early_once_the_service_marks_its_feedback_sent(approved: World) -> None:
    world = approved
    step_id = _steps(world)[timeline.FEEDBACK_STEP].id
    with _write(world.url) as s:
        timelines.mark_step(s, actor=world.actors["lead"], step_id=step_id, status="done", today=TODAY)
    assert _finalise(world, TODAY).status == "final"


def test_review_without_a_moderator__finalised_from_agreed_scores_as_before(world: World) -> None:
    _agree_all(world)
    assert _finalise(world, TODAY).status == "final"


def test_migration__down_and_up__tables_and_columns(db_url: str) -> None:
    config = migrated_to(db_url, "6a7b8c9d0e1f")
    inspector = inspect(db.make_engine(db_url))
    assert "moderationround" not in inspector.get_table_names()
    command.upgrade(config, "head")
    inspector = inspect(db.make_engine(db_url))
    assert {"moderationround", "moderationcomment", "itemfeedback"} <= set(inspector.get_table_names())
    assert {"report_shared_on", "feedback_until"} <= {c["name"] for c in inspector.get_columns("review")}
    command.downgrade(config, "6a7b8c9d0e1f")
    assert "itemfeedback" not in inspect(db.make_engine(db_url)).get_table_names()


def test_report_appendix__feedback_and_answers_in_page_data_docx_and_pdf(approved: World) -> None:
    world = approved
    sent = _feedback(world, 9, "Caseload audit: 18 per worker")
    _answer(world, sent, "accepted", "The audit shows it", 4)
    with Session(db.make_engine(world.url)) as s:
        data = reviews.report_data(s, world.draft_id, actor=world.actors["lead"])
    assert data.feedback == [
        {
            "Item": "9. " + data.items[8]["Item"],
            "Further evidence": "Caseload audit: 18 per worker",
            "Sent by": "lead",
            "Answer": "accepted",
            "Reason": "The audit shows it",
            "Score": "3 to 4",
        }
    ]
    docx_text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(reports.to_docx(data))).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "Caseload audit: 18 per worker" in docx_text and "The audit shows it" in docx_text
    pages = PdfReader(io.BytesIO(reports.to_pdf(data))).pages
    pdf_text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert (
        "further evidence and the reviewers’ answers" in pdf_text.replace("'", "’") and "The audit shows it" in pdf_text
    )


def test_delete_draft__after_moderation_and_feedback__takes_them_with_it(approved: World) -> None:
    world = approved
    _feedback(world, 9, "Caseload audit")
    with _write(world.url) as s:
        reviews.delete_draft_review(s, actor=ACTOR, review_id=world.draft_id)
    with Session(db.make_engine(world.url)) as s:
        assert moderation.rounds_of(s, world.draft_id) == [] and moderation.feedback_of(s, world.draft_id) == []
