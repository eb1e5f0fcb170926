"""A synthetic national dataset for load and speed tests: hundreds of services over ten years.

`load_national` writes with bulk inserts (one statement per batch, not one ORM object per row), so
600 services, about 6,000 two-reviewer reviews with 450,000 item ratings, their improvement plans
and 24,000 outcome quarters load in well under two minutes on SQLite. Every row is demo data
(`is_demo`, names starting "Demo national:") and goes with "Remove demo data".
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from fidelity import db, plans, scoring
from fidelity.demo import DemoAlreadyLoaded, Progress, independent_score, item_scores, quarter_figures
from fidelity.models import (
    Area,
    AuditEvent,
    ImprovementAction,
    ItemRating,
    OutcomePeriod,
    Programme,
    Rater,
    Review,
    ReviewKind,
    ReviewStatus,
    ScaleSnapshot,
    Service,
    User,
    UserScope,
)
from fidelity.outcomes import quarter_label
from fidelity.scales import Scale
from fidelity.store.access import Actor, Role, require_admin

PROGRAMMES = ["Demo national: Connect to Work", "Demo national: IPS in Primary Care"]
BATCH = 20_000


@dataclass(frozen=True)
class NationalSummary:
    services: int
    reviews: int
    ratings: int
    actions: int
    quarters: int
    seconds: float


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _next_id(connection: Connection, model: type[SQLModel]) -> int:
    table = _table(model)
    return int(connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _quarter_starts(last: date, count: int) -> list[date]:
    first_month = 3 * ((last.month - 1) // 3) + 1
    day = date(last.year, first_month, 1)
    starts = []
    for _ in range(count):
        day = date(day.year - (day.month == 1), (day.month - 4) % 12 + 1, 1)
        starts.append(day)
    return starts[::-1]  # the `count` complete quarters before the one holding `last`


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def _batched(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _account(user_id: int, username: str, name: str, role: Role, now: datetime) -> dict[str, Any]:
    """A national demo account row. It has no password: these accounts own reviews for load tests and
    cannot sign in."""
    return {
        "id": user_id,
        "username": f"demo.national.{username}",
        "display_name": f"Demo national {name}",
        "role": str(role),
        "password_hash": "",
        "is_active": True,
        "is_demo": True,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def load_national(
    engine: Engine,
    *,
    scales: dict[str, Scale],
    actor: Actor,
    services: int = 600,
    quarters: int = 40,
    today: date | None = None,
    seed: int = 2026,
    progress: Progress | None = None,
) -> NationalSummary:
    """Generate and insert the national dataset in one transaction (admins only)."""
    import time as clock

    require_admin(actor, "load the demo data")
    started = clock.perf_counter()
    today = today or date.today()
    rng = random.Random(seed)
    scale = scales["ips-25"]
    items = [item.number for item in scale.items]
    quarter_days = _quarter_starts(today, quarters)
    with engine.begin() as connection:
        if connection.execute(select(Programme.id).where(Programme.is_demo == True)).first():  # noqa: E712
            raise DemoAlreadyLoaded("demo data is already loaded; remove it first")
        if (
            connection.execute(select(ScaleSnapshot).where(ScaleSnapshot.content_hash == scale.content_hash)).first()
            is None
        ):
            connection.execute(
                insert(_table(ScaleSnapshot)).values(
                    content_hash=scale.content_hash,
                    scale_id=scale.id,
                    scale_version=scale.version,
                    content=scale.to_json(),
                    created_at=datetime.now(UTC),
                )
            )
        now = datetime.now(UTC)
        ids = {m: _next_id(connection, m) for m in (Programme, Area, Service, User, Review, ImprovementAction)}
        programmes = [{"id": ids[Programme] + i, "name": n, "is_demo": True} for i, n in enumerate(PROGRAMMES)]
        area_count = max(1, services // 15)
        areas = [
            {"id": ids[Area] + i, "name": f"Demo national: area {i + 1:03d}", "is_demo": True}
            for i in range(area_count)
        ]
        reviewer_count = max(4, services // 15)
        users = [
            _account(ids[User] + i, f"reviewer{i + 1:03d}", f"reviewer {i + 1:03d}", Role.REVIEWER, now)
            for i in range(reviewer_count)
        ]
        service_rows, review_rows, rating_rows, action_rows, outcome_rows = [], [], [], [], []
        review_id, action_id = ids[Review], ids[ImprovementAction]
        for index in range(services):
            if progress and index % 50 == 0:
                progress(0.6 * index / services, f"Generating service {index + 1} of {services}")
            service_id = ids[Service] + index
            service_rows.append(
                {
                    "id": service_id,
                    "name": f"Demo national: service {index + 1:04d}",
                    "provider": f"Demo provider {rng.randint(1, 80):02d}",
                    "programme_id": programmes[index % len(programmes)]["id"],
                    "area_id": areas[index % len(areas)]["id"],
                    "is_demo": True,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            level = rng.uniform(2.4, 3.8)
            totals_by_day: list[tuple[date, int]] = []
            visit = quarter_days[0] + timedelta(days=rng.randint(10, 200))
            position = 0
            while visit < today:
                open_now = visit > today - timedelta(days=60)
                scores = item_scores(rng, level, len(items))
                total = sum(scores.values())
                lead, second = rng.sample(users, 2)
                finalised = None if open_now else _moment(visit + timedelta(days=rng.randint(7, 27)))
                review_rows.append(
                    {
                        "id": review_id,
                        "service_id": service_id,
                        "scale_id": scale.id,
                        "scale_version": scale.version,
                        "scale_hash": scale.content_hash,
                        "kind": str(ReviewKind.BASELINE if position == 0 else ReviewKind.FOLLOW_UP),
                        "status": str(ReviewStatus.SCORING if open_now else ReviewStatus.FINAL),
                        "visit_start": visit,
                        "visit_end": visit + timedelta(days=1),
                        "lead_reviewer": lead["display_name"],
                        "second_reviewer": second["display_name"],
                        "lead_user_id": lead["id"],
                        "second_user_id": second["id"],
                        "total": None if open_now else total,
                        "band": None if open_now else scoring.fidelity_band(scale, total).label,
                        "lead_submitted_at": finalised,
                        "second_submitted_at": finalised,
                        "created_at": _moment(visit - timedelta(days=30)),
                        "updated_at": finalised or now,
                        "finalised_at": finalised,
                    }
                )
                for number, score in scores.items():
                    base = {
                        "review_id": review_id,
                        "item_number": number,
                        "data_sources": ["DOC", "INT"],
                        "checklist_ticked": [],
                    }
                    base |= {"updated_at": now, "version": 1, "metric_numerator": None, "metric_denominator": None}
                    base |= {"metric_value": None, "rationale": "", "strength": "", "recommendation": ""}
                    raters = [
                        (Rater.LEAD, independent_score(rng, score)),
                        (Rater.SECOND, independent_score(rng, score)),
                    ]
                    if not open_now:
                        raters.append((Rater.CONSENSUS, score))
                    for rater, value in raters:
                        rating_rows.append(
                            base | {"rater": str(rater), "score": value, "evidence": "Demo national (synthetic)."}
                        )
                    if not open_now and plans.needs_action(score):
                        report = finalised.date() if finalised else visit
                        done = rng.random() < (0.7 if (today - report).days > 180 else 0.2)
                        action_rows.append(
                            {
                                "id": action_id,
                                "review_id": review_id,
                                "item_number": number,
                                "description": f"Demo national: raise item {number} above {score}",
                                "owner": "Demo national team leader",
                                "due_date": plans.default_due_date(report),
                                "status": str(plans.ActionStatus.DONE if done else plans.ActionStatus.IN_PROGRESS),
                                "done_on": plans.default_due_date(report) if done else None,
                                "created_at": _moment(report),
                                "updated_at": _moment(report),
                                "version": 1,
                            }
                        )
                        action_id += 1
                if not open_now:
                    totals_by_day.append((visit, total))
                review_id += 1
                position += 1
                level = min(4.8, level + rng.uniform(-0.05, 0.3))
                visit += timedelta(days=365 + rng.randint(-40, 40))
            for quarter in quarter_days:
                known = [t for day, t in totals_by_day if day <= quarter]
                fidelity = known[-1] if known else 85
                outcome_rows.append(
                    {
                        "service_id": service_id,
                        "quarter": quarter_label(quarter),
                        "quarter_start": quarter,
                        **quarter_figures(rng, fidelity),
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
        steps = [
            (Programme, programmes),
            (Area, areas),
            (User, users),
            (Service, service_rows),
            (Review, review_rows),
            (ItemRating, rating_rows),
            (ImprovementAction, action_rows),
            (OutcomePeriod, outcome_rows),
        ]
        total_rows = sum(len(rows) for _, rows in steps)
        written = 0
        for model, rows in steps:
            for batch in _batched(rows):
                connection.execute(insert(_table(model)), batch)
                written += len(batch)
                if progress:
                    progress(0.6 + 0.4 * written / total_rows, f"Writing {model.__tablename__}")  # type: ignore[attr-defined]
        commissioner_id = ids[User] + len(users)
        connection.execute(
            insert(_table(User)), [_account(commissioner_id, "commissioner", "commissioner", Role.COMMISSIONER, now)]
        )
        connection.execute(
            insert(_table(UserScope)), [{"user_id": commissioner_id, "programme_id": p["id"]} for p in programmes]
        )
        summary = NationalSummary(
            services=len(service_rows),
            reviews=len(review_rows),
            ratings=len(rating_rows),
            actions=len(action_rows),
            quarters=len(outcome_rows),
            seconds=round(clock.perf_counter() - started, 1),
        )
        connection.execute(
            insert(_table(AuditEvent)).values(
                at=datetime.now(UTC),
                actor=actor.name,
                action="load_demo",
                entity="demo",
                entity_id="national",
                after={k: v for k, v in summary.__dict__.items() if k != "seconds"},
            )
        )
        if connection.dialect.name == "postgresql":
            db.reset_sequences(connection)
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    return summary
