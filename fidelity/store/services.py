"""Programmes, areas and services: added, changed, and listed with their latest fidelity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from fidelity.errors import InputError, check_version, validated
from fidelity.models import (
    Area,
    NamedCreate,
    Programme,
    Review,
    ReviewKind,
    ReviewStatus,
    Service,
    ServiceCreate,
    utc_now,
)
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import get_row, in_force, name_taken, readable_reviews, visible_only


def _create_named(session: Session, model: type[Programme] | type[Area], *, actor: Actor, name: str) -> Any:
    access.require_admin(actor, f"add a {model.__name__.lower()}")
    data = validated(NamedCreate, {"name": name})
    if name_taken(session, model, data.name):
        raise InputError(f"name: a {model.__name__.lower()} called {data.name!r} already exists")
    row = model(name=data.name)
    session.add(row)
    session.flush()
    record(session, actor=actor.name, action="create", row=row)
    return row


def create_programme(session: Session, *, actor: Actor, name: str) -> Programme:
    return _create_named(session, Programme, actor=actor, name=name)  # type: ignore[no-any-return]


def create_area(session: Session, *, actor: Actor, name: str) -> Area:
    return _create_named(session, Area, actor=actor, name=name)  # type: ignore[no-any-return]


def list_programmes(session: Session) -> list[Programme]:
    return list(session.exec(select(Programme).order_by(Programme.name)))


def list_areas(session: Session) -> list[Area]:
    return list(session.exec(select(Area).order_by(Area.name)))


# --- services -----------------------------------------------------------------------------------


def _check_service_links(session: Session, data: ServiceCreate) -> None:
    if session.get(Programme, data.programme_id) is None:
        raise InputError(f"programme: {data.programme_id} is not a known programme")
    if session.get(Area, data.area_id) is None:
        raise InputError(f"area: {data.area_id} is not a known area")


def create_service(session: Session, *, actor: Actor, data: dict[str, Any]) -> Service:
    access.require_admin(actor, "add a service")
    service_in = validated(ServiceCreate, data)
    _check_service_links(session, service_in)
    if name_taken(session, Service, service_in.name):
        raise InputError(f"name: a service called {service_in.name!r} already exists")
    service = Service.model_validate(service_in)
    session.add(service)
    session.flush()
    record(session, actor=actor.name, action="create", row=service)
    return service


def update_service(
    session: Session, *, actor: Actor, service_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Service:
    access.require_admin(actor, "change a service")
    service = get_row(session, Service, service_id)
    check_version(service, expected_version, what=f"service {service.name}")
    before = snapshot(service)
    service_in = validated(ServiceCreate, {**service.model_dump(include=set(ServiceCreate.model_fields)), **data})
    _check_service_links(session, service_in)
    if name_taken(session, Service, service_in.name, except_id=service_id):
        raise InputError(f"name: a service called {service_in.name!r} already exists")
    for field, value in service_in.model_dump().items():
        setattr(service, field, value)
    service.updated_at = utc_now()
    session.add(service)
    session.flush()
    record(session, actor=actor.name, action="update", row=service, before=before)
    return service


def get_service(session: Session, service_id: int, *, actor: Actor) -> Service:
    access.require_service_read(session, actor, service_id)
    return get_row(session, Service, service_id)


@dataclass(frozen=True)
class ServiceOverview:
    id: int
    name: str
    provider: str
    programme: str
    area: str
    is_demo: bool
    latest_review_date: date | None
    latest_total: int | None
    latest_band: str | None
    previous_total: int | None
    reviews_in_progress: int
    latest_scale_hash: str | None = None
    previous_scale_hash: str | None = None

    @property
    def change_spans_versions(self) -> bool:
        """The change compares totals from two different scales or versions."""
        return self.previous_scale_hash is not None and self.previous_scale_hash != self.latest_scale_hash

    @property
    def trend(self) -> int | None:
        if self.latest_total is None or self.previous_total is None:
            return None
        return self.latest_total - self.previous_total


def list_services_overview(session: Session, *, actor: Actor) -> list[ServiceOverview]:
    """Every service the actor can see, with its latest and previous independent final totals (guided
    self-assessments are kept apart), in three queries."""
    visible = access.visible_service_ids(session, actor)
    services = session.exec(
        visible_only(
            select(Service, Programme.name, Area.name)
            .join(Programme, col(Service.programme_id) == Programme.id)
            .join(Area, col(Service.area_id) == Area.id)
            .order_by(Area.name, Service.name),
            visible,
            Service.id,
        )
    ).all()
    finals = session.exec(
        visible_only(
            select(Review.service_id, Review.visit_start, Review.total, Review.band, Review.scale_hash)
            .where(in_force(), Review.kind != ReviewKind.SELF_ASSESSMENT)  # kept apart from independent reviews
            .order_by(col(Review.service_id), col(Review.visit_start).desc(), col(Review.id).desc()),
            visible,
            Review.service_id,
        )
    ).all()
    in_progress = dict(
        session.exec(
            readable_reviews(
                select(Review.service_id, func.count())
                .where(Review.status != ReviewStatus.FINAL)
                .group_by(Review.service_id),
                actor,
                visible,
            )
        ).all()
    )
    latest: dict[int, list[tuple[date, int | None, str | None, str]]] = {}
    for service_id, visit, total, band, scale_hash in finals:
        history = latest.setdefault(service_id, [])
        if len(history) < 2:
            history.append((visit, total, band, scale_hash))
    rows = []
    for service, programme, area in services:
        history = latest.get(service.id or 0, [])
        rows.append(
            ServiceOverview(
                id=service.id or 0,
                name=service.name,
                provider=service.provider,
                programme=programme,
                area=area,
                is_demo=service.is_demo,
                latest_review_date=history[0][0] if history else None,
                latest_total=history[0][1] if history else None,
                latest_band=history[0][2] if history else None,
                previous_total=history[1][1] if len(history) > 1 else None,
                reviews_in_progress=in_progress.get(service.id or 0, 0),
                latest_scale_hash=history[0][3] if history else None,
                previous_scale_hash=history[1][3] if len(history) > 1 else None,
            )
        )
    return rows


def has_services(session: Session) -> bool:
    return session.exec(select(Service.id).limit(1)).first() is not None
