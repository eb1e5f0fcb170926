"""The evidence portfolio of a review: what the service lists per item (a title and a data source, never a file), and
the lead reviewer's audit of each item's evidence before the visit (its step on the timeline done when every item is
audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from fidelity.errors import InputError, PermissionDenied
from fidelity.lifecycle_models import PortfolioEntry, PortfolioVerdict
from fidelity.models import Rater, Review
from fidelity.portfolio import NOTE_LIMIT, TITLE_LIMIT, Verdict
from fidelity.scales import DATA_SOURCE_LABELS, Scale
from fidelity.store import access, timelines
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import THIS_SCALE, entered_text, require_item, require_open, review_scale
from fidelity.text import one_line, required_line

AUDIT_STEP = "portfolio_audited"


@dataclass(frozen=True)
class Portfolio:
    review: Review
    scale: Scale
    entries: dict[int, list[PortfolioEntry]]  # item number -> its evidence, in the order listed
    verdicts: dict[int, PortfolioVerdict]
    lists_evidence: bool  # a lead of the service, while the review is open
    audits: bool  # the lead reviewer, while the review is open


def _lists(session: Session, actor: Actor, review: Review) -> bool:
    return access.leads_service(session, actor, review.service_id)


def _audits(actor: Actor, review: Review) -> bool:
    return Rater.LEAD in access.assigned_raters(actor, review)


def entries_of(session: Session, review_id: int) -> dict[int, list[PortfolioEntry]]:
    found: dict[int, list[PortfolioEntry]] = {}
    query = select(PortfolioEntry).where(PortfolioEntry.review_id == review_id).order_by(col(PortfolioEntry.id))
    for entry in session.exec(query):
        found.setdefault(entry.item_number, []).append(entry)
    return found


def verdicts_of(session: Session, review_id: int) -> dict[int, PortfolioVerdict]:
    query = select(PortfolioVerdict).where(PortfolioVerdict.review_id == review_id)
    return {v.item_number: v for v in session.exec(query)}


def portfolio_of(session: Session, *, actor: Actor, review_id: int) -> Portfolio:
    review = timelines.timeline_review(session, actor, review_id)
    is_open = review.status != "final"
    return Portfolio(
        review=review,
        scale=review_scale(session, review),
        entries=entries_of(session, review_id),
        verdicts=verdicts_of(session, review_id),
        lists_evidence=is_open and _lists(session, actor, review),
        audits=is_open and _audits(actor, review),
    )


def add_entry(
    session: Session, *, actor: Actor, review_id: int, item_number: int, title: str, kind: str
) -> PortfolioEntry:
    """A lead of the service lists a piece of evidence for an item: its title and which data source it is."""
    review = timelines.timeline_review(session, actor, review_id)
    if not _lists(session, actor, review):
        raise PermissionDenied("not allowed: the service's leads list the evidence in its portfolio")
    require_open(review)
    require_item(review_scale(session, review), item_number, THIS_SCALE)
    if kind not in DATA_SOURCE_LABELS:
        raise InputError(f"kind: {kind!r} is not one of {', '.join(DATA_SOURCE_LABELS)}")
    cleaned = entered_text(title, "title", limit=TITLE_LIMIT, check=required_line)
    entry = PortfolioEntry(review_id=review_id, item_number=item_number, title=cleaned, kind=kind, added_by=actor.name)
    session.add(entry)
    session.flush()
    record(session, actor=actor.name, action="create", row=entry)
    return entry


def remove_entry(session: Session, *, actor: Actor, entry_id: int) -> None:
    entry = session.get(PortfolioEntry, entry_id)
    refused = PermissionDenied("not allowed: the service's leads change the evidence in its portfolio")
    if entry is None:
        raise refused
    review = timelines.timeline_review(session, actor, entry.review_id)
    if not _lists(session, actor, review):
        raise refused
    require_open(review)
    before = snapshot(entry)
    session.delete(entry)
    session.flush()
    record(session, actor=actor.name, action="delete", entity="portfolioentry", entity_id=entry_id, before=before)


def audit_item(
    session: Session, *, actor: Actor, review_id: int, item_number: int, verdict: str, note: str, today: date
) -> PortfolioVerdict:
    """The lead reviewer marks an item's evidence sufficient or missing; once every item is marked, the timeline's
    audit step is done."""
    review = timelines.timeline_review(session, actor, review_id)
    if not _audits(actor, review):
        raise PermissionDenied("not allowed: the lead reviewer audits the portfolio")
    require_open(review)
    require_item(review_scale(session, review), item_number, THIS_SCALE)
    if verdict not in {v.value for v in Verdict}:
        raise InputError(f"verdict: {verdict!r} is not one of {', '.join(v.value for v in Verdict)}")
    cleaned = entered_text(note, "note", limit=NOTE_LIMIT, check=one_line)
    found = session.exec(
        select(PortfolioVerdict).where(
            PortfolioVerdict.review_id == review_id, PortfolioVerdict.item_number == item_number
        )
    ).first()
    before = snapshot(found) if found else None
    marked = found or PortfolioVerdict(
        review_id=review_id, item_number=item_number, verdict=verdict, marked_by="", marked_on=today
    )
    marked.verdict, marked.note, marked.marked_by, marked.marked_on = verdict, cleaned, actor.name, today
    session.add(marked)
    session.flush()
    record(session, actor=actor.name, action="update" if before else "create", row=marked, before=before)
    if len(verdicts_of(session, review_id)) == len(review_scale(session, review).items):
        timelines.complete_step(session, actor, review, AUDIT_STEP, today)
    return marked
