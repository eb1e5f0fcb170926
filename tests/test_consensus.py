"""Two reviewers: independent scores, submission, consensus, and totals from the agreed scores only."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from fidelity import db, errors
from fidelity.models import ItemRating, Rater, Review
from fidelity.store import ratings, reviews, shared

from .conftest import ACTOR, all_items, migrated_to

LEAD_SCORES = all_items(4)
SECOND_SCORES = all_items(4) | {3: 5, 7: 2}


def _write(url: str):
    return db.session_scope(db.make_engine(url))


def _two_reviewer_review(url: str, service_id: int, scales) -> Review:
    with _write(url) as s:
        return reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales,
            data={
                "service_id": service_id,
                "scale_id": "ips-25",
                "visit_start": date(2026, 5, 1),
                "lead_reviewer": "Ann",
                "second_reviewer": "Bo",
            },
        )


def _score(url: str, review_id: int, rater: str, scores: dict[int, int]) -> None:
    with _write(url) as s:
        for number, score in scores.items():
            ratings.save_rating(
                s, actor=ACTOR, review_id=review_id, data={"item_number": number, "score": score}, rater=rater
            )


def _submit(url: str, review_id: int, rater: str) -> Review:
    with _write(url) as s:
        return ratings.submit_scores(s, actor=ACTOR, review_id=review_id, rater=rater)


@pytest.fixture
def submitted_review(db_url: str, make_service, scales) -> Review:
    review = _two_reviewer_review(db_url, make_service().id, scales)
    _score(db_url, review.id, Rater.LEAD, LEAD_SCORES)
    _score(db_url, review.id, Rater.SECOND, SECOND_SCORES)
    _submit(db_url, review.id, Rater.LEAD)
    return _submit(db_url, review.id, Rater.SECOND)


def test_submit__incomplete__refused_naming_items(db_url: str, make_service, scales) -> None:
    review = _two_reviewer_review(db_url, make_service().id, scales)
    _score(db_url, review.id, Rater.LEAD, dict.fromkeys(range(1, 24), 3))
    with pytest.raises(errors.InputError, match=r"cannot submit: 2 item\(s\) not scored yet \(item 24, 25\)"):
        _submit(db_url, review.id, Rater.LEAD)


def test_consensus__before_both_submitted__closed(db_url: str, make_service, scales) -> None:
    review = _two_reviewer_review(db_url, make_service().id, scales)
    _score(db_url, review.id, Rater.LEAD, LEAD_SCORES)
    _submit(db_url, review.id, Rater.LEAD)
    with pytest.raises(errors.InputError, match="agreed scores open when both reviewers have submitted"):
        _score(db_url, review.id, Rater.CONSENSUS, {1: 4})
    with pytest.raises(errors.InputError, match="both reviewers must submit"), _write(db_url) as s:
        reviews.finalise_review(s, actor=ACTOR, review_id=review.id)


def test_submitted_scores__cannot_change(db_url: str, make_service, scales) -> None:
    review = _two_reviewer_review(db_url, make_service().id, scales)
    _score(db_url, review.id, Rater.LEAD, LEAD_SCORES)
    _submit(db_url, review.id, Rater.LEAD)
    with pytest.raises(errors.ReviewLocked, match="Ann has submitted their scores"):
        _score(db_url, review.id, Rater.LEAD, {1: 1})
    with pytest.raises(errors.ReviewLocked, match="already submitted"):
        _submit(db_url, review.id, Rater.LEAD)


def test_both_submitted__consensus_opens_with_equal_items_agreed(db_url: str, submitted_review: Review) -> None:
    assert submitted_review.status == "consensus"
    with Session(db.make_engine(db_url)) as s:
        agreed = ratings.scores_of(s, submitted_review.id, rater=Rater.CONSENSUS)
    assert sorted(agreed) == [n for n in range(1, 26) if n not in (3, 7)]


def test_finalise__consensus_incomplete__names_items_to_agree(db_url: str, submitted_review: Review) -> None:
    with pytest.raises(errors.InputError, match=r"2 item\(s\) not agreed yet \(item 3, 7\)"), _write(db_url) as s:
        reviews.finalise_review(s, actor=ACTOR, review_id=submitted_review.id)


def test_finalise__total_counts_agreed_scores_only(db_url: str, submitted_review: Review) -> None:
    _score(db_url, submitted_review.id, Rater.CONSENSUS, {3: 5, 7: 1})
    with _write(db_url) as s:
        final = reviews.finalise_review(s, actor=ACTOR, review_id=submitted_review.id)
    assert (final.total, final.band) == (100 - 4 + 5 - 4 + 1, "Fair")  # lead alone would be 100, Good
    with Session(db.make_engine(db_url)) as s:
        context = reviews.review_context(s, submitted_review.id, actor=ACTOR)
    assert context.counted_scores[7] == 1 and context.scores(Rater.LEAD)[7] == 4


def test_single_reviewer__no_second_or_consensus_scores(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id)
    assert review.single_reviewer and review.kind_label.endswith("(single reviewer)")
    with pytest.raises(errors.InputError, match="this review has no second reviewer"):
        _score(db_url, review.id, Rater.SECOND, {1: 3})
    with pytest.raises(errors.InputError, match="this review has no consensus reviewer"):
        _score(db_url, review.id, Rater.CONSENSUS, {1: 3})


def test_migration__reviews_finalised_before_two_reviewers__keep_totals(db_url: str) -> None:
    """The lead's scores of an already-final two-reviewer review become its agreed scores."""
    config = migrated_to(db_url, "5e3241a10594")
    with db.make_engine(db_url).begin() as c:
        c.execute(
            text(
                "INSERT INTO scalesnapshot (content_hash, scale_id, scale_version, content, created_at) "
                "VALUES ('h', 'ips-25', 'v', '{}', '2025-01-01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO review (id, service_id, scale_id, scale_version, scale_hash, kind, status, visit_start, "
                "lead_reviewer, second_reviewer, total, band, created_at, updated_at, finalised_at) VALUES "
                "(1, 1, 'ips-25', 'v', 'h', 'follow-up', 'final', '2025-01-01', 'Ann', 'Bo', 50, 'Not IPS', "
                "'2025-01-01', '2025-01-01', '2025-01-20')"
            )
        )
        for number in range(1, 26):
            c.execute(
                text(
                    "INSERT INTO itemrating (review_id, item_number, rater, score, evidence, data_sources, "
                    "checklist_ticked, updated_at) VALUES (1, :n, 'lead', 2, 'e', '[]', '[]', '2025-01-01')"
                ),
                {"n": number},
            )
    command.upgrade(config, "head")
    with Session(db.make_engine(db_url)) as s:
        review = s.get(Review, 1)
        assert shared.counted_scores(s, review) == all_items(2)
        assert review.consensus_open
        assert len(s.exec(select(ItemRating).where(ItemRating.rater == "consensus")).all()) == 25
