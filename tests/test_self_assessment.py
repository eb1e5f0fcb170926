"""Guided self-assessment: the service lead scores their own service, a reviewer may guide it; kept apart in comparisons."""

from __future__ import annotations

from datetime import date

import pytest

from fidelity import db, errors
from fidelity.models import GUIDE, Rater
from fidelity.store import access, accounts, comparisons, ratings, reviews, visits

from .conftest import ACTOR, all_items


def _s(url: str):
    return db.session_scope(db.make_engine(url))


@pytest.fixture
def people(db_url: str, make_service):
    """A service; its lead (scoped to it), another service's lead, and a reviewer: as they sign in."""
    service, other = make_service(), make_service()
    made = {}
    with _s(db_url) as s:
        for username, role, scope in (
            ("lee", "service lead", service.id),
            ("kim", "service lead", other.id),
            ("rae", "reviewer", None),
        ):
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
            if scope:
                accounts.set_scopes(s, actor=ACTOR, user_id=user.id, scopes=accounts.Scopes(service_ids=(scope,)))
            made[username] = accounts.actor_of(user)
    return service, made


def _start(url: str, service_id: int, scales, **data: object):
    with _s(url) as s:
        return reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales,
            data={
                "service_id": service_id,
                "scale_id": "ips-25",
                "kind": "self-assessment",
                "visit_start": date(2026, 2, 1),
            }
            | data,
        )


def test_self_assessment__service_lead_scores_guide_comments_and_it_is_labelled(db_url: str, scales, people) -> None:
    service, who = people
    review = _start(db_url, service.id, scales, lead_user_id=who["lee"].user_id, guide_user_id=who["rae"].user_id)
    assert (review.lead_reviewer, review.guide, review.kind_label) == ("Lee", "Rae", "guided self-assessment")
    with _s(db_url) as s:
        for number, score in all_items(3).items():
            ratings.save_rating(s, actor=who["lee"], review_id=review.id, data={"item_number": number, "score": score})
        with pytest.raises(errors.PermissionDenied):
            ratings.save_rating(s, actor=who["rae"], review_id=review.id, data={"item_number": 1, "score": 5})
        visits.add_note(
            s,
            actor=who["rae"],
            review_id=review.id,
            rater=GUIDE,
            data={"text": "Ask for the caseload list", "items": [1]},
        )
        with pytest.raises(errors.PermissionDenied):
            visits.add_note(s, actor=who["kim"], review_id=review.id, rater=GUIDE, data={"text": "x", "items": [1]})
    with _s(db_url) as s:
        context = reviews.review_context(s, review.id, actor=who["lee"])
        assert [(n.rater, n.text) for n in context.notes_for(1)] == [(GUIDE, "Ask for the caseload list")]
        assert context.review.reviewer_name(GUIDE) == "Rae"
        reviews.finalise_review(s, actor=who["lee"], review_id=review.id)
        assert reviews.report_data(s, review.id, actor=who["lee"]).kind == "guided self-assessment"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lead_user": "rae"}, "lead reviewer: a guided self-assessment is scored by a service lead account"),
        ({"lead_user": "kim"}, "lead reviewer: this service lead's account does not cover the service"),
        ({"lead_user": "lee", "second_user_id": "rae"}, "second reviewer: a self-assessment has one rater"),
        ({}, "lead reviewer: choose the service lead account who scores the service"),
        ({"lead_user": "lee", "kind": "baseline"}, "lead reviewer: user .* is not an active reviewer or admin account"),
        (
            {"lead_user": "rae", "kind": "baseline", "guide_user_id": "rae"},
            "guiding reviewer: only a guided self-assessment",
        ),
    ],
)
def test_self_assessment__wrong_people__refused_naming_the_field(db_url: str, scales, people, data, message) -> None:
    service, who = people
    entered = {
        k: who[v].user_id if k in ("second_user_id", "guide_user_id") else v
        for k, v in data.items()
        if k != "lead_user"
    }
    if "lead_user" in data:
        entered["lead_user_id"] = who[data["lead_user"]].user_id
    with pytest.raises(errors.InputError, match=message):
        _start(db_url, service.id, scales, **entered)


def test_comparisons__self_assessments_kept_apart_unless_included(db_url: str, scales, people, make_review) -> None:
    service, who = people
    make_review(service.id, scores=all_items(4), final=True, visit=date(2026, 1, 10))
    review = _start(db_url, service.id, scales, lead_user_id=who["lee"].user_id)
    with _s(db_url) as s:
        for number, score in all_items(2).items():
            ratings.save_rating(s, actor=who["lee"], review_id=review.id, data={"item_number": number, "score": score})
        reviews.finalise_review(s, actor=who["lee"], review_id=review.id)
    window = {"service_ids": [service.id], "start": date(2026, 1, 1), "end": date(2026, 12, 31)}
    with _s(db_url) as s:
        apart = comparisons.comparison(s, actor=ACTOR, **window)
        together = comparisons.comparison(s, actor=ACTOR, include_self=True, **window)
    assert [r.total for r in apart.finals] == [100]
    assert [(r.total, r.kind_label) for r in together.finals] == [
        (100, "follow-up (single reviewer)"),
        (50, "guided self-assessment"),
    ]
    assert Rater.LEAD in review.raters and access.assigned_raters(who["lee"], review) == (Rater.LEAD,)


def test_services_list__latest_total_from_independent_reviews_only(db_url: str, scales, people, make_review) -> None:
    from fidelity.store import services

    service, who = people
    make_review(service.id, scores=all_items(4), final=True, visit=date(2026, 1, 10))
    review = _start(db_url, service.id, scales, lead_user_id=who["lee"].user_id)  # later, by the service itself
    with _s(db_url) as s:
        for number, score in all_items(2).items():
            ratings.save_rating(s, actor=who["lee"], review_id=review.id, data={"item_number": number, "score": score})
        reviews.finalise_review(s, actor=who["lee"], review_id=review.id)
        row = next(r for r in services.list_services_overview(s, actor=ACTOR) if r.id == service.id)
    assert (row.latest_total, row.latest_review_date) == (100, date(2026, 1, 10))
