"""Chart rebases as saved: recorded at one of the service's reviews or actions with a reason, by its leads or an
admin, audited; refused when anything is missing or belongs to another service; where they fall on a chart."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from fidelity import db, errors
from fidelity.models import AuditEvent
from fidelity.store import rebases
from fidelity.store.access import Actor, Role

from .conftest import ACTOR, all_items


def _write(url: str):
    return db.session_scope(db.make_engine(url))


def test_record_rebase__at_a_final_review__listed_audited_then_removed(db_url, make_service, make_review) -> None:
    service = make_service("North IPS")
    review = make_review(service.id, visit=date(2025, 3, 1), scores=all_items(3), final=True)
    with _write(db_url) as s:
        rebase = rebases.record_rebase(
            s,
            actor=ACTOR,
            service_id=service.id,
            quarter="2025-q2",
            reason="New employment specialist",
            review_id=review.id,
        )
    with Session(db.make_engine(db_url)) as s:
        (listed,) = rebases.list_rebases(s, actor=ACTOR, service_id=service.id)
        assert (listed.quarter, listed.reason, listed.review_id) == ("2025-Q2", "New employment specialist", review.id)
        assert [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "chartrebase"))] == ["create"]
        assert rebases.changes(s, actor=ACTOR, service_id=service.id)[0][:2] == ("review", review.id)
    with pytest.raises(errors.InputError, match="already starts a new period at 2025-Q2"), _write(db_url) as s:
        rebases.record_rebase(s, actor=ACTOR, service_id=service.id, quarter="2025-Q2", reason="x", review_id=review.id)
    with _write(db_url) as s:
        rebases.delete_rebase(s, actor=ACTOR, rebase_id=rebase.id)
    with Session(db.make_engine(db_url)) as s:
        assert rebases.list_rebases(s, actor=ACTOR, service_id=service.id) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quarter": "2025-Q5"}, "is not a quarter like 2024-Q2"),
        ({"reason": "  "}, "reason: must not be empty"),
        ({"reason": "x" * 501}, "reason: at most 500 characters"),
        ({"review_id": None}, "change: choose the review or the improvement action"),
        ({"action_id": 1}, "change: choose the review or the improvement action"),
        ({"review_id": 999}, "change: review 999 is not a final review of this service"),
    ],
)
def test_record_rebase__bad_input__refused_naming_the_field(db_url, make_service, make_review, change, message) -> None:
    service = make_service("North IPS")
    review = make_review(service.id, scores=all_items(3), final=True)
    data = {"quarter": "2025-Q2", "reason": "New manager", "review_id": review.id} | change
    with pytest.raises(errors.InputError, match=message), _write(db_url) as s:
        rebases.record_rebase(s, actor=ACTOR, service_id=service.id, **data)


def test_record_rebase__another_services_review_or_a_commissioner__refused(db_url, make_service, make_review) -> None:
    mine, other = make_service("North IPS"), make_service("South IPS")
    theirs = make_review(other.id, scores=all_items(3), final=True)
    with pytest.raises(errors.InputError, match="not a final review of this service"), _write(db_url) as s:
        rebases.record_rebase(s, actor=ACTOR, service_id=mine.id, quarter="2025-Q2", reason="x", review_id=theirs.id)
    commissioner = Actor(name="cora", role=Role.COMMISSIONER, user_id=99)
    with pytest.raises(errors.PermissionDenied), _write(db_url) as s:
        rebases.record_rebase(
            s, actor=commissioner, service_id=other.id, quarter="2025-Q2", reason="x", review_id=theirs.id
        )


def test_positions__inside_the_quarters_shown_and_leaving_2_quarters_each_side() -> None:
    quarters = [f"2025-Q{q}" for q in range(1, 5)] + [f"2026-Q{q}" for q in range(1, 5)]
    assert rebases.positions(["2025-Q3", "2026-Q2"], quarters) == [2, 5]
    assert rebases.positions(["2025-Q2", "2026-Q4", "2024-Q1"], quarters) == []  # too near an end, or not shown
    assert rebases.positions(["2025-Q3", "2025-Q4"], quarters) == [2]  # a 1-quarter period is not kept
