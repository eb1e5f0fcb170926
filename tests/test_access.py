"""Roles and scopes, enforced in the data layer: each role can do its job, and every forbidden action is
refused with a clear error and changes nothing (checked by comparing every table before and after)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from fidelity import db, demo, errors
from fidelity.errors import PermissionDenied
from fidelity.models import Rater
from fidelity.outcomes import FIELD_LABELS
from fidelity.store import (
    accounts,
    amendments,
    audit,
    backup,
    comparisons,
    outcomes,
    past_reviews,
    plans,
    ratings,
    reviews,
    services,
)
from fidelity.store.access import Actor, Role

from .conftest import ACTOR, all_items, table_dump

FIGURES = dict(zip(FIELD_LABELS, [2.0, 40, 20, 12, 30, 5, 10, 1, 12, 3, 6, 4, 80], strict=True))


@dataclass
class World:
    url: str
    actors: dict[str, Actor]
    services: dict[str, int]
    draft_id: int  # two-reviewer review of North, in scoring: lead r1, second r2
    north_final_id: int  # final review of North (lead r1)
    south_final_id: int  # final review of South (lead r3)
    north_action_id: int


def _write(url: str) -> Any:
    return db.session_scope(db.make_engine(url))


@pytest.fixture
def world(db_url: str, scales) -> World:
    with _write(db_url) as s:
        p1 = services.create_programme(s, actor=ACTOR, name="IPSPC")
        p2 = services.create_programme(s, actor=ACTOR, name="Connect to Work")
        a1 = services.create_area(s, actor=ACTOR, name="Norfolk")
        a2 = services.create_area(s, actor=ACTOR, name="Surrey")
        north = services.create_service(
            s, actor=ACTOR, data={"name": "North IPS", "programme_id": p1.id, "area_id": a1.id}
        )
        south = services.create_service(
            s, actor=ACTOR, data={"name": "South IPS", "programme_id": p2.id, "area_id": a2.id}
        )
        users = {}
        for username, role in [
            ("rev1", Role.REVIEWER),
            ("rev2", Role.REVIEWER),
            ("rev3", Role.REVIEWER),
            ("lead", Role.SERVICE_LEAD),
            ("comm", Role.COMMISSIONER),
            ("admin2", Role.ADMIN),
        ]:
            user = accounts.create_user(
                s, actor=ACTOR, data={"username": username, "display_name": username.upper(), "role": role}
            )
            users[username] = accounts.actor_of(user)
        accounts.set_scopes(
            s, actor=ACTOR, user_id=users["lead"].user_id, scopes=accounts.Scopes(service_ids=(north.id,))
        )
        accounts.set_scopes(
            s, actor=ACTOR, user_id=users["comm"].user_id, scopes=accounts.Scopes(programme_ids=(p1.id,))
        )

        def review(service_id: int, lead: str, second: str | None = None, visit: date = date(2025, 1, 10)) -> int:
            data = {"service_id": service_id, "scale_id": "ips-25", "visit_start": visit}
            data |= {"lead_user_id": users[lead].user_id, "second_user_id": users[second].user_id if second else None}
            return reviews.start_review(s, actor=ACTOR, scales=scales, data=data).id

        north_final = review(north.id, "rev1")
        south_final = review(south.id, "rev3")
        for review_id in (north_final, south_final):
            for number, score in all_items(3).items():
                ratings.save_rating(s, actor=ACTOR, review_id=review_id, data={"item_number": number, "score": score})
            reviews.finalise_review(s, actor=ACTOR, review_id=review_id)
        action = plans.add_action(
            s,
            actor=ACTOR,
            review_id=north_final,
            data={"description": "Weekly supervision", "due_date": date(2025, 6, 1)},
        )
        draft = review(north.id, "rev1", "rev2", visit=date(2026, 1, 10))
        ratings.save_rating(s, actor=users["rev1"], review_id=draft, data={"item_number": 1, "score": 4})
        ratings.save_rating(
            s, actor=users["rev2"], review_id=draft, data={"item_number": 1, "score": 2}, rater=Rater.SECOND
        )
        for service in (north, south):
            outcomes.save_outcome(s, actor=ACTOR, service_id=service.id, quarter="2025-Q2", figures=FIGURES)
    return World(
        url=db_url,
        actors=users,
        services={"north": north.id, "south": south.id},
        draft_id=draft,
        north_final_id=north_final,
        south_final_id=south_final,
        north_action_id=action.id,
    )


def _forbidden_writes(w: World, scales) -> dict[str, Callable[[Session, Actor], Any]]:
    north, south = w.services["north"], w.services["south"]
    return {
        "add a programme": lambda s, a: services.create_programme(s, actor=a, name="New"),
        "add a service": lambda s, a: services.create_service(
            s, actor=a, data={"name": "New IPS", "programme_id": 1, "area_id": 1}
        ),
        "change a service": lambda s, a: services.update_service(s, actor=a, service_id=north, data={"name": "X"}),
        "start a review": lambda s, a: reviews.start_review(
            s,
            actor=a,
            scales=scales,
            data={"service_id": north, "scale_id": "ips-25", "visit_start": date(2026, 2, 1), "lead_reviewer": "X"},
        ),
        "score as lead": lambda s, a: ratings.save_rating(
            s, actor=a, review_id=w.draft_id, data={"item_number": 2, "score": 5}
        ),
        "score as second": lambda s, a: ratings.save_rating(
            s, actor=a, review_id=w.draft_id, data={"item_number": 2, "score": 5}, rater=Rater.SECOND
        ),
        "finalise": lambda s, a: reviews.finalise_review(s, actor=a, review_id=w.draft_id),
        "amend a final review": lambda s, a: amendments.amend_review(
            s, actor=a, review_id=w.north_final_id, reason="typo", changes={1: {"score": 5}}
        ),
        "delete a draft": lambda s, a: reviews.delete_draft_review(s, actor=a, review_id=w.draft_id),
        "import past reviews": lambda s, a: past_reviews.import_past_reviews(
            s, actor=a, scales=scales, content=b"service\n", filename="x.csv", today=date.today()
        ),
        "add an action (own service)": lambda s, a: plans.add_action(
            s, actor=a, review_id=w.north_final_id, data={"description": "X", "due_date": date(2026, 1, 1)}
        ),
        "update an action": lambda s, a: plans.update_action(
            s, actor=a, action_id=w.north_action_id, data={"status": "done"}
        ),
        "add an action to another service": lambda s, a: plans.add_action(
            s, actor=a, review_id=w.south_final_id, data={"description": "X", "due_date": date(2026, 1, 1)}
        ),
        "enter outcomes (own service)": lambda s, a: outcomes.save_outcome(
            s, actor=a, service_id=north, quarter="2025-Q3", figures=FIGURES
        ),
        "enter outcomes for another service": lambda s, a: outcomes.save_outcome(
            s, actor=a, service_id=south, quarter="2025-Q3", figures=FIGURES
        ),
        "add a user": lambda s, a: accounts.create_user(
            s, actor=a, data={"username": "new", "display_name": "New", "role": "admin"}
        ),
        "change a user's role": lambda s, a: accounts.update_user(
            s, actor=a, user_id=w.actors["rev3"].user_id, data={"role": "admin"}
        ),
        "set someone else's password": lambda s, a: accounts.set_password(
            s, actor=a, user_id=w.actors["admin2"].user_id, password="another-password"
        ),
        "read the audit log": lambda s, a: audit.list_audit(s, actor=a),
        "export the database": lambda s, a: backup.export_csv_zip(db.make_engine(w.url), actor=a),
        "load the demo data": lambda s, a: demo.load_demo(s, actor=a, scales=scales),
        "read another service's history": lambda s, a: reviews.service_history(s, south, actor=a),
        "read another service's outcomes": lambda s, a: outcomes.list_outcomes(s, actor=a, service_id=south),
        "read another service's review": lambda s, a: reviews.review_context(s, w.south_final_id, actor=a),
        "read a draft review": lambda s, a: reviews.review_context(s, w.draft_id, actor=a),
    }


ALLOWED = {
    "rev1": {"score as lead", "finalise", "amend a final review", "read a draft review"},
    "rev3": {"read another service's history", "read another service's outcomes", "read another service's review"},
    "lead": {"add an action (own service)", "update an action", "enter outcomes (own service)"},
    "comm": set(),
}


@pytest.mark.parametrize("username", ["rev1", "rev3", "lead", "comm"])
def test_each_role__forbidden_actions_refused_and_nothing_changes(world: World, scales, username: str) -> None:
    actor = world.actors[username]
    actions = _forbidden_writes(world, scales)
    for what, action in actions.items():
        if what in ALLOWED[username]:
            continue
        before = table_dump(world.url)
        with pytest.raises(PermissionDenied, match=r"^not allowed: ") as refused, _write(world.url) as s:
            action(s, actor)
        assert table_dump(world.url) == before, f"{username}: '{what}' changed data although refused"
        assert len(str(refused.value)) > len("not allowed: "), what


@pytest.mark.parametrize("username", ["rev1", "rev3", "lead", "comm"])
def test_each_role__allowed_actions_succeed(world: World, scales, username: str) -> None:
    actor = world.actors[username]
    actions = _forbidden_writes(world, scales)
    for what in sorted(ALLOWED[username]):
        if what == "finalise":
            continue  # needs every item agreed; covered in the two-reviewer tests
        with _write(world.url) as s:
            actions[what](s, actor)


def test_admin__does_everything(world: World, scales) -> None:
    admin = world.actors["admin2"]
    for what, action in _forbidden_writes(world, scales).items():
        if what in {"finalise", "delete a draft", "import past reviews"}:
            continue  # finalise needs consensus; deleting the draft would break later steps; import needs a file
        with _write(world.url) as s:
            action(s, admin)
    with _write(world.url) as s:
        reviews.delete_draft_review(s, actor=admin, review_id=world.draft_id)


def test_reviewer__sees_only_own_scores_until_both_submit(world: World) -> None:
    with Session(db.make_engine(world.url)) as s:
        as_lead = reviews.review_context(s, world.draft_id, actor=world.actors["rev1"])
        as_second = reviews.review_context(s, world.draft_id, actor=world.actors["rev2"])
        as_admin = reviews.review_context(s, world.draft_id, actor=world.actors["admin2"])
    assert set(as_lead.ratings) == {Rater.LEAD} and as_lead.scores(Rater.LEAD) == {1: 4}
    assert set(as_second.ratings) == {Rater.SECOND} and as_second.scores(Rater.SECOND) == {1: 2}
    assert set(as_admin.ratings) == {Rater.LEAD, Rater.SECOND}


def test_visibility__each_role_lists_only_its_services(world: World) -> None:
    expected = {"rev1": {"North IPS"}, "rev3": {"South IPS"}, "lead": {"North IPS"}, "comm": {"North IPS"}}
    expected["admin2"] = {"North IPS", "South IPS"}
    with Session(db.make_engine(world.url)) as s:
        for username, names in expected.items():
            listed = {o.name for o in services.list_services_overview(s, actor=world.actors[username])}
            assert listed == names, username
        lead_reviews = reviews.list_reviews(s, actor=world.actors["lead"], service_id=world.services["north"])
        assert [r.id for r in lead_reviews] == [world.north_final_id]  # final only: the draft is the reviewers'
        comparison = comparisons.comparison(
            s,
            actor=world.actors["comm"],
            service_ids=list(world.services.values()),
            start=date(2020, 1, 1),
            end=date(2030, 1, 1),
        )
        assert {r.service_id for r in comparison.finals} == {world.services["north"]}
        assert {p.service_id for p in comparison.periods} == {world.services["north"]}


def test_service_lead__outcomes_file_with_another_service_refused_by_row(world: World) -> None:
    header = "service,quarter," + ",".join(FIELD_LABELS)
    values = ",".join(str(v) for v in FIGURES.values())
    content = f"{header}\nNorth IPS,2025-Q3,{values}\nSouth IPS,2025-Q3,{values}\nNowhere IPS,2025-Q3,{values}\n"
    before = table_dump(world.url)
    with pytest.raises(errors.ImportRefused) as refused, _write(world.url) as s:
        outcomes.import_outcomes(s, actor=world.actors["lead"], content=content.encode(), filename="q.csv")
    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [  # another's and none: one answer
        (3, "service", "no service called 'South IPS' among your services"),
        (4, "service", "no service called 'Nowhere IPS' among your services"),
    ]
    assert table_dump(world.url) == before


def test_switched_off_account__no_longer_acts(world: World) -> None:
    with _write(world.url) as s:
        accounts.update_user(s, actor=ACTOR, user_id=world.actors["rev1"].user_id, data={"is_active": False})
    with Session(db.make_engine(world.url)) as s:
        assert accounts.current_actor(s, world.actors["rev1"].user_id, 1) is None
