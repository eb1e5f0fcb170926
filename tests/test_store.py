"""Data access on SQLite and PostgreSQL: services, reviews, ratings, finalising, audit, transactions."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import Session, func, select

from fidelity import db, demo, demo_lifecycle, errors, stats
from fidelity.models import AuditEvent, ItemRating, OutcomePeriod, Review, ScaleSnapshot, Service
from fidelity.store import comparisons, ratings, reviews, services, shared

from .conftest import ACTOR, all_items


def _write(db_url: str):
    return db.session_scope(db.make_engine(db_url))


def _audit(db_url: str, entity: str) -> list[AuditEvent]:
    with Session(db.make_engine(db_url)) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)))


def test_migrations__head__match_the_models(db_url: str) -> None:
    """alembic check: no difference between the migrations and the SQLModel tables."""
    command.check(db.alembic_config(db_url))
    tables = set(inspect(db.make_engine(db_url)).get_table_names())
    assert {"programme", "area", "service", "review", "itemrating", "auditevent", "scalesnapshot"} <= tables


def test_migrate__run_twice__is_harmless(db_url: str) -> None:
    db.migrate(db_url)
    assert db.schema_ready(db_url)


def test_create_service__valid__saved_with_audit(db_url: str, make_service) -> None:
    service = make_service("North IPS", provider="  NHS Trust  ")
    with Session(db.make_engine(db_url)) as s:
        saved = s.get(Service, service.id)
    assert (saved.name, saved.provider) == ("North IPS", "NHS Trust")
    events = _audit(db_url, "service")
    assert [(e.action, e.actor, e.after["name"]) for e in events] == [("create", ACTOR.name, "North IPS")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "   "}, "name: must not be empty"),
        ({"programme_id": 999}, "programme: 999 is not a known programme"),
        ({"area_id": 999}, "area: 999 is not a known area"),
        ({"name": "x" * 161}, "name: String should have at most 160 characters"),
    ],
)
def test_create_service__bad_input__names_field_and_saves_nothing(db_url: str, make_service, change, message) -> None:
    existing = make_service()
    data = {"name": "New", "provider": "", "programme_id": existing.programme_id, "area_id": existing.area_id} | change
    with pytest.raises(errors.InputError, match=message), _write(db_url) as s:
        services.create_service(s, actor=ACTOR, data=data)
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(Service)).one() == 1


def test_create_service__duplicate_name_any_case__refused(db_url: str, make_service) -> None:
    first = make_service("Essex IPS")
    with (
        pytest.raises(errors.InputError, match="name: a service called 'ESSEX ips' already exists"),
        _write(db_url) as s,
    ):
        services.create_service(
            s, actor=ACTOR, data={"name": "ESSEX ips", "programme_id": first.programme_id, "area_id": first.area_id}
        )


def test_update_service__rename__before_and_after_audited(db_url: str, make_service) -> None:
    service = make_service("Old name")
    with _write(db_url) as s:
        services.update_service(s, actor=ACTOR, service_id=service.id, data={"name": "New name"})
    update = _audit(db_url, "service")[-1]
    assert (update.action, update.before["name"], update.after["name"]) == ("update", "Old name", "New name")


def test_update_service__missing__not_found(db_url: str) -> None:
    with pytest.raises(errors.NotFound, match="service 42 does not exist"), _write(db_url) as s:
        services.update_service(s, actor=ACTOR, service_id=42, data={"name": "x"})


def test_start_review__pins_scale_id_version_hash_and_snapshot(db_url: str, make_service, make_review, ipspc) -> None:
    review = make_review(make_service().id, scale_id="ipspc")
    assert (review.scale_id, review.scale_version, review.scale_hash, review.status) == (
        "ipspc",
        ipspc.version,
        ipspc.content_hash,
        "draft",
    )
    with Session(db.make_engine(db_url)) as s:
        assert shared.review_scale(s, review) == ipspc
        assert s.exec(select(func.count()).select_from(ScaleSnapshot)).one() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scale_id": "seqf"}, "scale: 'seqf' is not one of"),
        ({"lead_reviewer": " "}, "lead reviewer: choose who leads the review"),
        ({"visit_end": date(2024, 12, 31)}, "visit end: must be on or after the visit start"),
        ({"kind": "audit"}, "kind: Input should be 'baseline', 'follow-up', 'self-assessment' or 'external'"),
    ],
)
def test_start_review__bad_input__refused(db_url: str, make_service, scales, change, message) -> None:
    data = {
        "service_id": make_service().id,
        "scale_id": "ips-25",
        "visit_start": date(2025, 1, 1),
        "lead_reviewer": "A",
    }
    with pytest.raises(errors.InputError, match=message), _write(db_url) as s:
        reviews.start_review(s, actor=ACTOR, scales=scales, data=data | change)


def test_save_rating__create_then_update__one_row_two_audit_events(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id)
    with _write(db_url) as s:
        ratings.save_rating(
            s,
            actor=ACTOR,
            review_id=review.id,
            data={
                "item_number": 1,
                "score": 3,
                "metric_numerator": 52,
                "metric_denominator": 2,
                "metric_value": 26,
                "data_sources": ["MIS"],
                "evidence": "Caseload list",
            },
        )
    with _write(db_url) as s:
        ratings.save_rating(
            s, actor=ACTOR, review_id=review.id, data={"item_number": 1, "score": 4, "evidence": "Recount"}
        )
    with Session(db.make_engine(db_url)) as s:
        rows = s.exec(select(ItemRating)).all()
        assert [(r.score, r.evidence, r.metric_value) for r in rows] == [(4, "Recount", 26.0)]
        assert s.get(Review, review.id).status == "scoring"
    assert [(e.action, (e.before or {}).get("score"), e.after["score"]) for e in _audit(db_url, "itemrating")] == [
        ("create", None, 3),
        ("update", 3, 4),
    ]


def test_save_rating__some_fields_given__others_keep_stored_values(db_url: str, make_service, make_review) -> None:
    """A save that carries only the evidence never blanks the score (and the other way round)."""
    review = make_review(make_service().id, scores={4: 2})
    with _write(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 4, "evidence": "Team lists"})
    with _write(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 4, "score": 3})
    with Session(db.make_engine(db_url)) as s:
        rating = ratings.ratings_of(s, review.id)[4]
    assert (rating.score, rating.evidence) == (3, "Team lists")


def test_save_rating__nothing_changed__no_write_no_audit(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores={2: 5})
    with _write(db_url) as s:
        assert ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 2, "score": 5}) is not None
        assert ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 3}) is None
    assert len(_audit(db_url, "itemrating")) == 1


def test_save_rating__checklist_ticks__kept_sorted_and_unique(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id)
    with _write(db_url) as s:
        rating = ratings.save_rating(
            s, actor=ACTOR, review_id=review.id, data={"item_number": 5, "score": 3, "checklist_ticked": [4, 0, 4, 2]}
        )
    assert rating.checklist_ticked == [0, 2, 4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"item_number": 26, "score": 3}, "item: 26 is not an item of ips-25"),
        ({"item_number": 1, "score": 6}, "score: Input should be less than or equal to 5"),
        ({"item_number": 1, "score": 2.5}, "score: Input should be a valid integer"),
        ({"item_number": 5, "checklist_ticked": [5]}, "checklist: item 5 has elements 0-4, got \\[5\\]"),
        ({"item_number": 1, "data_sources": ["TEA"]}, "data sources: unknown \\['TEA'\\]"),
        ({"item_number": 1, "metric_numerator": -3}, "metric numerator: Input should be greater than or equal to 0"),
    ],
)
def test_save_rating__bad_input__refused_and_nothing_saved(
    db_url: str, make_service, make_review, data, message
) -> None:
    review = make_review(make_service().id)
    with pytest.raises(errors.InputError, match=message), _write(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data=data)
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(ItemRating)).one() == 0
        assert s.get(Review, review.id).status == "draft"


def test_finalise__unscored_items__refused_naming_them(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores=all_items(4) | {})
    with _write(db_url) as s:  # clear two scores, keeping the evidence rows
        for number in (7, 19):
            ratings.save_rating(
                s, actor=ACTOR, review_id=review.id, data={"item_number": number, "score": None, "evidence": "tbc"}
            )
    with (
        pytest.raises(errors.InputError, match=r"cannot finalise: 2 item\(s\) not scored yet \(item 7, 19\)"),
        _write(db_url) as s,
    ):
        reviews.finalise_review(s, actor=ACTOR, review_id=review.id)
    with Session(db.make_engine(db_url)) as s:
        assert s.get(Review, review.id).status == "scoring"


def test_finalise__complete__locks_with_total_and_band(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores=all_items(4) | {1: 5, 2: 5}, final=True)
    assert (review.status, review.total, review.band) == ("final", 102, "Good")
    assert review.finalised_at is not None
    with pytest.raises(errors.ReviewLocked, match="is final and locked"), _write(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 1, "score": 1})
    with pytest.raises(errors.ReviewLocked), _write(db_url) as s:
        reviews.finalise_review(s, actor=ACTOR, review_id=review.id)
    with Session(db.make_engine(db_url)) as s:
        assert ratings.scores_of(s, review.id)[1] == 5
    finalised = [e for e in _audit(db_url, "review") if e.action == "finalise"]
    assert len(finalised) == 1 and finalised[0].before["status"] == "scoring" and finalised[0].after["total"] == 102


def test_session_scope__error_midway__rolls_back_everything(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id)
    with pytest.raises(errors.InputError), _write(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 1, "score": 5})
        ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 2, "score": 9})
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(ItemRating)).one() == 0
        assert _audit(db_url, "itemrating") == []


def test_services_overview__latest_and_previous_final__trend(db_url: str, make_service, make_review) -> None:
    reviewed, _fresh = make_service("Reviewed"), make_service("Fresh")
    make_review(reviewed.id, visit=date(2024, 1, 10), scores=all_items(3), final=True)
    make_review(reviewed.id, visit=date(2024, 7, 10), scores=all_items(4), final=True)
    make_review(reviewed.id, visit=date(2025, 7, 10), scores={1: 5})  # in progress: not counted
    with Session(db.make_engine(db_url)) as s:
        rows = {r.name: r for r in services.list_services_overview(s, actor=ACTOR)}
    latest = rows["Reviewed"]
    assert (latest.latest_total, latest.latest_band, latest.previous_total, latest.trend) == (100, "Good", 75, 25)
    assert (latest.latest_review_date, latest.reviews_in_progress) == (date(2024, 7, 10), 1)
    assert (rows["Fresh"].latest_total, rows["Fresh"].trend) == (None, None)


def test_previous_final_review__same_scale_earlier_visit(db_url: str, make_service, make_review) -> None:
    service = make_service()
    first = make_review(service.id, visit=date(2024, 1, 1), scores=all_items(3), final=True)
    make_review(service.id, scale_id="ipspc", visit=date(2024, 6, 1), scores=all_items(5), final=True)
    current = make_review(service.id, visit=date(2025, 1, 1))
    with Session(db.make_engine(db_url)) as s:
        assert reviews.previous_final_review(s, current).id == first.id
        assert reviews.previous_final_review(s, first) is None


def test_list_reviews_with_services__progress_counts(db_url: str, make_service, make_review) -> None:
    service = make_service("Counted")
    make_review(service.id, scores={1: 3, 2: 4, 3: 5})
    with Session(db.make_engine(db_url)) as s:
        [listing] = reviews.list_reviews_with_services(s, actor=ACTOR, statuses=("draft", "scoring"))
    assert (listing.service_name, listing.scored) == ("Counted", 3)


def test_load_demo__twelve_areas_complete_final_reviews(db_url: str, scales) -> None:
    with _write(db_url) as s:
        summary = demo.load_demo(s, actor=ACTOR, scales=scales, today=date(2026, 11, 22))
    with Session(db.make_engine(db_url)) as s:
        finals = s.exec(select(Review).where(Review.status == "final")).all()
        assert all(r.total is not None and 25 <= r.total <= 125 for r in finals)
        assert {r.band for r in finals} <= {"Exemplary", "Good", "Fair", "Not IPS"}
        assert len({r.band for r in finals}) >= 3  # varied enough to be useful
        assert summary.services == s.exec(select(func.count()).select_from(Service)).one()
        assert 24 + demo_lifecycle.STAGES <= summary.services <= 36 + demo_lifecycle.STAGES
        assert min(r.visit_start for r in finals).year == 2023
        assert all(r.scale_id == "ipspc" for r in finals)
        assert summary.quarters > 0
        quarters_of = dict(
            s.exec(select(OutcomePeriod.service_id, func.count()).group_by(OutcomePeriod.service_id)).all()
        )
        assert set(quarters_of) == set(s.exec(select(Service.id)).all())  # every demo service has outcomes
        assert min(s.exec(select(OutcomePeriod.quarter_start)).all()).year == 2023
        pairs = comparisons.fidelity_outcome_pairs(s, actor=ACTOR)
    correlation = stats.pearson([p.total for p in pairs], [p.employment_rate for p in pairs])
    assert 0.2 <= correlation.r <= 0.45, correlation  # modest, as in the literature (r about 0.3)
    with pytest.raises(demo.DemoAlreadyLoaded), _write(db_url) as s:
        demo.load_demo(s, actor=ACTOR, scales=scales)
