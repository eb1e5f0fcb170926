"""Improvement plans: rules (pure) and data access on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from fidelity import db, errors
from fidelity.models import ImprovementAction
from fidelity.plans import ActionDates, ActionStatus, default_due_date, is_overdue, needs_action, progress_over_time
from fidelity.store import plans, ratings, reviews

from .conftest import ACTOR, all_items


@pytest.mark.parametrize(("score", "needed"), [(1, True), (3, True), (4, False), (5, False), (None, False)])
def test_needs_action__score_3_or_below(score: int | None, needed: bool) -> None:
    assert needs_action(score) is needed


def test_default_due_date__six_weeks_after_report() -> None:
    assert default_due_date(date(2026, 1, 5)) == date(2026, 2, 16)


@pytest.mark.parametrize(
    ("due", "status", "overdue"),
    [
        (date(2026, 3, 1), ActionStatus.NOT_STARTED, True),
        (date(2026, 3, 1), ActionStatus.IN_PROGRESS, True),
        (date(2026, 3, 1), ActionStatus.DONE, False),
        (date(2026, 3, 1), ActionStatus.DROPPED, False),
        (date(2026, 3, 2), ActionStatus.NOT_STARTED, False),  # due today is not yet overdue
    ],
)
def test_is_overdue__open_and_past_due(due: date, status: str, overdue: bool) -> None:
    assert is_overdue(due, status, today=date(2026, 3, 2)) is overdue


def test_progress_over_time__weekly_counts_of_actions_and_done() -> None:
    actions = [
        ActionDates(created=date(2026, 3, 4), done_on=date(2026, 3, 12), status="done"),
        ActionDates(created=date(2026, 3, 4), done_on=None, status="in progress"),
        ActionDates(created=date(2026, 3, 11), done_on=None, status="not started"),
    ]
    rows = progress_over_time(actions, until=date(2026, 3, 20))
    assert rows == [
        {"week": date(2026, 3, 2), "actions": 2, "done": 0},
        {"week": date(2026, 3, 9), "actions": 3, "done": 1},
        {"week": date(2026, 3, 16), "actions": 3, "done": 1},
    ]
    assert progress_over_time([], until=date(2026, 3, 20)) == []


@pytest.fixture
def final_review(db_url: str, make_service, make_review):
    scores = all_items(4) | {2: 3, 9: 1, 17: 2}
    return make_review(make_service().id, scores=scores, final=True)


def _write(url: str):
    return db.session_scope(db.make_engine(url))


def test_create_plan__items_3_or_below__one_draft_action_each_due_in_6_weeks(db_url: str, final_review) -> None:
    with _write(db_url) as s:
        created = plans.create_plan_from_review(s, actor=ACTOR, review_id=final_review.id)
    assert [a.item_number for a in created] == [2, 9, 17]
    report_day = final_review.finalised_at.date()
    assert {a.due_date for a in created} == {report_day + timedelta(weeks=6)}
    assert all(a.status == "not started" for a in created)
    with _write(db_url) as s:  # again: nothing duplicated
        assert plans.create_plan_from_review(s, actor=ACTOR, review_id=final_review.id) == []


def test_create_plan__prefilled_from_recommendation(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores=all_items(4) | {5: 2})
    with _write(db_url) as s:
        ratings.save_rating(
            s,
            actor=ACTOR,
            review_id=review.id,
            data={"item_number": 5, "recommendation": "Join the weekly team meeting"},
        )
        reviews.finalise_review(s, actor=ACTOR, review_id=review.id)
        [action] = plans.create_plan_from_review(s, actor=ACTOR, review_id=review.id)
    assert action.description == "Join the weekly team meeting"


def test_create_plan__review_not_final__refused(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores={1: 2})
    with pytest.raises(errors.InputError, match="finalise the review first"), _write(db_url) as s:
        plans.create_plan_from_review(s, actor=ACTOR, review_id=review.id)


def test_update_action__done_records_day_and_reopen_clears(db_url: str, final_review) -> None:
    with _write(db_url) as s:
        action = plans.add_action(
            s,
            actor=ACTOR,
            review_id=final_review.id,
            data={"description": "Weekly supervision", "due_date": date(2026, 6, 1)},
        )
    with _write(db_url) as s:
        done = plans.update_action(s, actor=ACTOR, action_id=action.id, data={"status": "done"})
    assert (done.status, done.done_on) == ("done", date.today())
    with _write(db_url) as s:
        reopened = plans.update_action(s, actor=ACTOR, action_id=action.id, data={"status": "in progress"})
    assert reopened.done_on is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": " "}, "description: must not be empty"),
        ({"status": "finished"}, "status: Input should be 'not started', 'in progress', 'done' or 'dropped'"),
        ({"item_number": 30}, "item: 30 is not an item of ips-25"),
        ({"due_date": "soon"}, "due date: Input should be a valid date"),
    ],
)
def test_action__bad_input__refused_and_unchanged(db_url: str, final_review, data, message) -> None:
    with _write(db_url) as s:
        action = plans.add_action(
            s,
            actor=ACTOR,
            review_id=final_review.id,
            data={"description": "Original", "due_date": date(2026, 6, 1), "item_number": 4},
        )
    with pytest.raises(errors.InputError, match=message), _write(db_url) as s:
        plans.update_action(s, actor=ACTOR, action_id=action.id, data=data)
    with Session(db.make_engine(db_url)) as s:
        assert s.get(ImprovementAction, action.id).description == "Original"


def test_action_notes__dated_and_listed_in_order(db_url: str, final_review) -> None:
    with _write(db_url) as s:
        action = plans.add_action(
            s,
            actor=ACTOR,
            review_id=final_review.id,
            data={"description": "Employer log", "due_date": date(2026, 6, 1)},
        )
        plans.add_action_note(s, actor=ACTOR, action_id=action.id, noted_on=date(2026, 5, 2), text="Second")
        plans.add_action_note(s, actor=ACTOR, action_id=action.id, noted_on=date(2026, 4, 1), text="First")
    with Session(db.make_engine(db_url)) as s:
        notes = plans.notes_of(s, [action.id])[action.id]
    assert [(n.noted_on, n.text) for n in notes] == [(date(2026, 4, 1), "First"), (date(2026, 5, 2), "Second")]
    with pytest.raises(errors.InputError, match="note: must not be empty"), _write(db_url) as s:
        plans.add_action_note(s, actor=ACTOR, action_id=action.id, noted_on=date(2026, 5, 2), text="  ")


def test_list_actions__by_service_across_reviews(db_url: str, make_service, make_review) -> None:
    service = make_service()
    first = make_review(service.id, visit=date(2025, 1, 1), scores=all_items(3), final=True)
    with _write(db_url) as s:
        plans.create_plan_from_review(s, actor=ACTOR, review_id=first.id)
    with Session(db.make_engine(db_url)) as s:
        assert len(plans.list_actions(s, actor=ACTOR, service_id=service.id)) == 25
        assert plans.list_actions(s, actor=ACTOR, service_id=service.id + 1000) == []


def test_next_review__shows_previous_plan_actions_and_score_change(db_url: str, make_service, make_review) -> None:
    service = make_service()
    first = make_review(service.id, visit=date(2025, 1, 1), scores=all_items(4) | {9: 2}, final=True)
    with _write(db_url) as s:
        [action] = plans.create_plan_from_review(s, actor=ACTOR, review_id=first.id)
        plans.update_action(s, actor=ACTOR, action_id=action.id, data={"status": "done"})
    second = make_review(service.id, visit=date(2025, 9, 1), scores=all_items(4), final=True)
    with Session(db.make_engine(db_url)) as s:
        rows = reviews.review_context(s, second.id, actor=ACTOR).actions_since_previous()
    assert rows == [
        {
            "No.": 9,
            "Item": "Zero exclusion criteria",
            "Action": "Raise “Zero exclusion criteria” above score 2",
            "Status": "done",
            "Score then": 2,
            "Score now": 4,
            "Change": 2,
        }
    ]
