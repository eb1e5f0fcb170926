"""Reviewer calibration as read from the database: who sees which reviewers, and the drift limit admins set."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from fidelity import db, demo, errors, national_demo
from fidelity.calibration import TwoReviewerScores, calibrate
from fidelity.models import AuditEvent, ItemRating, Rater, Review, User
from fidelity.store import calibration
from fidelity.store.access import Actor, Role

from .conftest import ACTOR, demo_database


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory.mktemp("calibration"))


def test_calibration__admin_every_reviewer__reviewer_only_themselves(demo_url: str) -> None:
    with Session(db.make_engine(demo_url)) as s:
        everyone = calibration.calibration(s, actor=ACTOR)
        user = s.exec(select(User).where(User.role == Role.REVIEWER).order_by(User.id)).first()
        own = calibration.calibration(s, actor=Actor(name=user.username, role=Role.REVIEWER, user_id=user.id))
    assert [r.reviewer for r in everyone.summaries] == sorted(demo.REVIEWERS)
    assert [r.reviewer for r in own.summaries] == [user.display_name]
    assert {r.reviewer for r in own.reviews} == {user.display_name}
    mine = next(r for r in everyone.summaries if r.reviewer == user.display_name)
    assert own.summaries[0] == mine  # the same numbers either way
    assert set(own.scores.row_of) <= set(everyone.scores.row_of) and len(own.scores.reviews) == mine.reviews


def test_calibration__service_lead_refused__commissioner_without_scope_sees_nobody(demo_url: str) -> None:
    with pytest.raises(errors.PermissionDenied), Session(db.make_engine(demo_url)) as s:
        calibration.calibration(s, actor=Actor(name="lee", role=Role.SERVICE_LEAD, user_id=10_000))
    with Session(db.make_engine(demo_url)) as s:
        nobody = calibration.calibration(s, actor=Actor(name="cora", role=Role.COMMISSIONER, user_id=10_000))
    assert nobody.summaries == [] and nobody.reviews == []


@pytest.mark.parametrize(
    ("points", "recent", "message"),
    [(0, 5, "points: 0 must be above 0"), (4.5, 5, "points: 4.5 must be"), (0.5, 0, "recent reviews: 0 must be"),
     (0.5, 2.5, "recent reviews: 2.5 must be"), ("x", 5, "is not two numbers")],
)  # fmt: skip
def test_set_drift_limit__out_of_range__refused_naming_the_field(demo_url: str, points, recent, message: str) -> None:
    with pytest.raises(errors.InputError, match=message), db.session_scope(db.make_engine(demo_url)) as s:
        calibration.set_drift_limit(s, actor=ACTOR, points=points, recent_reviews=recent)


def test_set_drift_limit__admin_only__audited__versioned(demo_url: str) -> None:
    with pytest.raises(errors.PermissionDenied), db.session_scope(db.make_engine(demo_url)) as s:
        calibration.set_drift_limit(
            s, actor=Actor(name="cora", role=Role.COMMISSIONER, user_id=1), points=1, recent_reviews=3
        )
    with db.session_scope(db.make_engine(demo_url)) as s:
        calibration.set_drift_limit(s, actor=ACTOR, points=0.25, recent_reviews=3)
    with Session(db.make_engine(demo_url)) as s:
        assert calibration.drift_limit(s) == calibration.Drift(0.25, 3, 1)
        assert calibration.calibration(s, actor=ACTOR).drift.points == 0.25
        assert [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "driftlimit"))] == ["create"]
    with pytest.raises(errors.Conflict), db.session_scope(db.make_engine(demo_url)) as s:
        calibration.set_drift_limit(s, actor=ACTOR, points=0.3, recent_reviews=3, expected_version=0)


def test_calibration__scores_read_in_one_list_per_review__same_as_rating_by_rating(db_url: str, scales) -> None:
    """The store reads each review's scores as one "item:score,..." text per rater (SQLite's group_concat,
    PostgreSQL's string_agg); the result is what the ratings give read one by one."""
    national_demo.load_national(db.make_engine(db_url), scales=scales, actor=ACTOR, services=6, quarters=8)
    with Session(db.make_engine(db_url)) as s:
        found = calibration.calibration(s, actor=ACTOR)
        expected = []
        for review in s.exec(select(Review).where(Review.id.in_(found.scores.row_of))).all():
            ratings = s.exec(select(ItemRating).where(ItemRating.review_id == review.id)).all()
            by_rater = {
                rater: {r.item_number: r.score for r in ratings if r.rater == rater and r.score is not None}
                for rater in (Rater.LEAD, Rater.SECOND, Rater.CONSENSUS)
            }
            expected.append(
                TwoReviewerScores(
                    review.id, found.scores.scores_of(review.id).service, review.visit_start, review.lead_reviewer,
                    review.second_reviewer, by_rater[Rater.LEAD], by_rater[Rater.SECOND], by_rater[Rater.CONSENSUS],
                )
            )  # fmt: skip
    assert len(expected) >= 10
    for review in expected:
        assert found.scores.scores_of(review.review_id) == review
    rows, summaries = calibrate(sorted(expected, key=lambda r: r.review_id))
    assert found.summaries == summaries and found.reviews == rows
