"""Review cadence as saved: each programme's rule where an admin set one, and when each service's next review
is due from its latest independent final review in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from fidelity.cadence import DEFAULT_CADENCE, Cadence, DueStatus, due_status, next_review_due
from fidelity.errors import InputError, check_version
from fidelity.insight_models import CadenceRule
from fidelity.models import Area, Programme, Review, ReviewKind, Service, utc_now
from fidelity.store import access
from fidelity.store.access import Actor, require_admin
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import get_row, in_force, visible_only


def programme_cadences(session: Session) -> dict[int, CadenceRule]:
    """The rules admins have set, by programme id."""
    return {rule.programme_id: rule for rule in session.exec(select(CadenceRule))}


def cadence_of(rule: CadenceRule | None) -> Cadence:
    return DEFAULT_CADENCE if rule is None else Cadence(rule.months_below_good, rule.months_good_or_better)


def set_cadence(
    session: Session,
    *,
    actor: Actor,
    programme_id: int,
    months_below_good: Any,
    months_good_or_better: Any,
    expected_version: int | None = None,
) -> CadenceRule:
    """Set a programme's review cadence (admins). `expected_version` is the rule's version the admin saw."""
    require_admin(actor, "change the review cadence")
    get_row(session, Programme, programme_id)
    try:
        cadence = Cadence(_months(months_below_good), _months(months_good_or_better))
    except ValueError as error:
        raise InputError(str(error)) from error
    rule = session.exec(select(CadenceRule).where(CadenceRule.programme_id == programme_id)).first()
    if rule is not None:
        check_version(rule, expected_version, what="the programme's review cadence")
    before = snapshot(rule) if rule else None
    rule = rule or CadenceRule(programme_id=programme_id, months_below_good=0, months_good_or_better=0, updated_by="")
    rule.months_below_good, rule.months_good_or_better = cadence.months_below_good, cadence.months_good_or_better
    rule.updated_by, rule.updated_at = actor.name, utc_now()
    session.add(rule)
    session.flush()
    record(session, actor=actor.name, action="update" if before else "create", row=rule, before=before)
    return rule


def reset_cadence(session: Session, *, actor: Actor, programme_id: int) -> None:
    """Return a programme to the default cadence (admins)."""
    require_admin(actor, "change the review cadence")
    rule = session.exec(select(CadenceRule).where(CadenceRule.programme_id == programme_id)).first()
    if rule is not None:
        record(
            session, actor=actor.name, action="delete", entity="cadencerule", entity_id=rule.id, before=snapshot(rule)
        )
        session.delete(rule)
        session.flush()


def _months(value: Any) -> Any:
    """A whole number typed as text or a float (a number input) is taken as months; anything else is checked."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class ReviewDue:
    service_id: int
    service: str
    programme_id: int
    programme: str
    area: str
    last_review: date | None  # the visit of the latest independent final review in force
    last_total: int | None
    last_band: str | None
    cadence: Cadence
    due: date | None
    status: DueStatus


def reviews_due(session: Session, *, actor: Actor, today: date) -> list[ReviewDue]:
    """Every service the actor can see, with when its next review is due; overdue first, then by due date, and
    services never reviewed last."""
    visible = access.visible_service_ids(session, actor)
    services = session.exec(
        visible_only(
            select(Service.id, Service.name, Programme.id, Programme.name, Area.name)
            .join(Programme, col(Service.programme_id) == Programme.id)
            .join(Area, col(Service.area_id) == Area.id),
            visible,
            Service.id,
        )
    ).all()
    latest: dict[int, tuple[date, int | None, str | None]] = {}
    for service_id, visit, total, band in session.exec(
        visible_only(
            select(Review.service_id, Review.visit_start, Review.total, Review.band)
            .where(in_force(), Review.kind != ReviewKind.SELF_ASSESSMENT)
            .order_by(col(Review.visit_start), col(Review.id)),
            visible,
            Review.service_id,
        )
    ):
        latest[service_id] = (visit, total, band)
    rules = programme_cadences(session)
    found = []
    for service_id, name, programme_id, programme, area in services:
        cadence = cadence_of(rules.get(programme_id))
        visit, total, band = latest.get(service_id, (None, None, None))
        due = next_review_due(visit, total or 0, cadence) if visit is not None else None
        found.append(
            ReviewDue(
                service_id,
                name,
                programme_id,
                programme,
                area,
                visit,
                total,
                band,
                cadence,
                due,
                due_status(due, today),
            )
        )
    return sorted(found, key=lambda r: (r.due is None, r.due or date.max, r.service))
