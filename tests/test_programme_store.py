"""Review cadence and the programme view as saved: admins set a programme's rule (audited, versioned); due dates
from the latest independent final review in force; commissioners see only their programmes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from fidelity import db, errors, plans
from fidelity.cadence import DueStatus
from fidelity.models import AuditEvent
from fidelity.store import accounts, cadence, programme_view
from fidelity.store.access import Actor, Role

from .conftest import ACTOR, all_items

TODAY = date(2026, 11, 30)


def _write(url: str):
    return db.session_scope(db.make_engine(url))


def test_reviews_due__6_months_below_good_12_at_good__never_reviewed_last(db_url, make_service, make_review) -> None:
    fair, good, new = make_service("Fair IPS"), make_service("Good IPS"), make_service("New IPS")
    make_review(fair.id, visit=date(2026, 3, 1), scores=all_items(3), final=True)  # 75
    make_review(good.id, visit=date(2026, 3, 1), scores=all_items(4), final=True)  # 100
    with Session(db.make_engine(db_url)) as s:
        due = cadence.reviews_due(s, actor=ACTOR, today=TODAY)
    assert [(r.service, r.due, r.status) for r in due] == [
        ("Fair IPS", date(2026, 9, 1), DueStatus.OVERDUE),
        ("Good IPS", date(2027, 3, 1), DueStatus.NOT_DUE),
        ("New IPS", None, DueStatus.NEVER_REVIEWED),
    ]
    assert new.id in {r.service_id for r in due}


def test_reviews_due__open_review_and_self_assessment_do_not_count(db_url, make_service, make_review) -> None:
    service = make_service("North IPS")
    make_review(service.id, visit=date(2025, 1, 10), scores=all_items(3), final=True)
    make_review(service.id, visit=date(2026, 10, 1), scores={1: 4})  # still open
    with Session(db.make_engine(db_url)) as s:
        (row,) = cadence.reviews_due(s, actor=ACTOR, today=TODAY)
    assert (row.last_review, row.due, row.status) == (date(2025, 1, 10), date(2025, 7, 10), DueStatus.OVERDUE)


def test_set_cadence__admin_only__audited__then_used__then_reset(db_url, make_service, make_review) -> None:
    service = make_service("North IPS")
    make_review(service.id, visit=date(2026, 3, 1), scores=all_items(3), final=True)
    lead = Actor(name="lee", role=Role.COMMISSIONER, user_id=99)
    with pytest.raises(errors.PermissionDenied), _write(db_url) as s:
        cadence.set_cadence(
            s, actor=lead, programme_id=service.programme_id, months_below_good=3, months_good_or_better=9
        )
    with _write(db_url) as s:
        rule = cadence.set_cadence(
            s, actor=ACTOR, programme_id=service.programme_id, months_below_good="3", months_good_or_better=9.0
        )
    assert (rule.months_below_good, rule.months_good_or_better, rule.version) == (3, 9, 1)
    with Session(db.make_engine(db_url)) as s:
        (row,) = cadence.reviews_due(s, actor=ACTOR, today=TODAY)
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "cadencerule")).all()
    assert row.due == date(2026, 6, 1) and [e.action for e in events] == ["create"]
    with pytest.raises(errors.Conflict), _write(db_url) as s:  # someone else saved version 1 -> 2 in between
        cadence.set_cadence(
            s,
            actor=ACTOR,
            programme_id=service.programme_id,
            months_below_good=4,
            months_good_or_better=9,
            expected_version=1,
        )
        cadence.set_cadence(
            s,
            actor=ACTOR,
            programme_id=service.programme_id,
            months_below_good=5,
            months_good_or_better=9,
            expected_version=1,
        )
    with _write(db_url) as s:
        cadence.reset_cadence(s, actor=ACTOR, programme_id=service.programme_id)
    with Session(db.make_engine(db_url)) as s:
        (row,) = cadence.reviews_due(s, actor=ACTOR, today=TODAY)
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "cadencerule"))]
    assert row.due == date(2026, 9, 1) and actions == ["create", "delete"]


@pytest.mark.parametrize(
    ("below", "good", "message"),
    [(0, 12, "months below good: 0 is not"), (6, 61, "months good or better: 61 is not"), ("six", 12, "'six' is not")],
)
def test_set_cadence__months_out_of_range__refused_naming_the_field(db_url, make_service, below, good, message) -> None:
    service = make_service()
    with pytest.raises(errors.InputError, match=message), _write(db_url) as s:
        cadence.set_cadence(
            s, actor=ACTOR, programme_id=service.programme_id, months_below_good=below, months_good_or_better=good
        )
    with Session(db.make_engine(db_url)) as s:
        assert cadence.programme_cadences(s) == {}


def test_programme_data__commissioner_sees_own_programme_only__overdue_actions_counted(
    db_url, make_service, make_review
) -> None:
    mine, other = make_service("North IPS"), make_service("South IPS")
    review = make_review(mine.id, visit=date(2026, 1, 10), scores=all_items(3), final=True)
    make_review(other.id, visit=date(2026, 1, 10), scores=all_items(4), final=True)
    with _write(db_url) as s:
        from fidelity.store import plans as plan_store

        actions = plan_store.create_plan_from_review(s, actor=ACTOR, review_id=review.id)
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
        accounts.set_scopes(s, actor=ACTOR, user_id=user.id, scopes=accounts.Scopes(programme_ids=(mine.programme_id,)))
    commissioner = Actor(name="cora", role=Role.COMMISSIONER, user_id=user.id)
    with Session(db.make_engine(db_url)) as s:
        assert programme_view.programmes(s, actor=commissioner) == {mine.programme_id: "Programme 1"}
        data = programme_view.programme_data(s, actor=commissioner, programme_id=other.programme_id, today=TODAY)
        assert data.services == {} and data.finals == []
        later = date.today().replace(year=date.today().year + 1)  # the plan's actions are due 6 weeks from today
        data = programme_view.programme_data(s, actor=commissioner, programme_id=mine.programme_id, today=later)
    assert list(data.services) == [mine.id] and [f.total for f in data.finals] == [75]
    open_actions = [a for a in actions if a.status in plans.OPEN]
    assert [(r.service, r.overdue) for r in data.overdue_actions] == [("North IPS", len(open_actions))]
    with pytest.raises(errors.PermissionDenied), Session(db.make_engine(db_url)) as s:
        programme_view.programmes(s, actor=Actor(name="lee", role=Role.SERVICE_LEAD, user_id=5))
