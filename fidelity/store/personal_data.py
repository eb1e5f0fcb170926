"""Personal data gathered for a review, deleted on time: the case-record sample and the evidence notes go (their text
scrubbed from the audit log too); the sample's measures per item, the scores and the report stay.

The day is set when the moderated draft is presented, or a review without a moderator is finalised (the timeline's
"personal data deleted" step, two weeks after by default); an admin may move it (never before the report) or delete now. `delete_due` deletes every review whose day
has come: the app runs it once a day and `python -m fidelity delete-personal-data` runs it from a scheduler.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from fidelity.errors import InputError
from fidelity.lifecycle_models import KeptMeasures
from fidelity.models import AuditEvent, Review, utc_now
from fidelity.store import access, timelines, visits
from fidelity.store.access import Actor, operator, require_admin
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import review_scale
from fidelity.timeline import DELETION_STEP
from fidelity.visit_models import CaseRecord, EvidenceNote

SCHEDULED = "scheduled deletion"  # the actor named in the audit log when the day's sweep deletes


@dataclass(frozen=True)
class Deleted:
    review_id: int
    case_records: int
    evidence_notes: int
    audit_events_scrubbed: int


def set_deletion_day(session: Session, *, actor: Actor, review_id: int, day: date) -> Review:
    """An admin moves the day a review's personal data is deleted: never before the report was presented."""
    require_admin(actor, "set the day a review's personal data is deleted")
    review = access.review_for(session, actor, review_id)
    if review.personal_data_deleted_at is not None:
        raise InputError(f"deletion day: the personal data was deleted on {review.personal_data_deleted_at:%d %B %Y}")
    reported = review.report_shared_on or (review.finalised_at.date() if review.finalised_at else None)
    if reported is None:
        raise InputError("deletion day: it is set when the report is presented to the service (or the review is final)")
    if day < reported:
        raise InputError(f"deletion day: {day:%d %B %Y} is before the report was presented ({reported:%d %B %Y})")
    before = snapshot(review)
    review.personal_data_delete_on = day
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="update", row=review, before=before)
    return review


def delete_personal_data(session: Session, *, actor: Actor, review_id: int, today: date) -> Deleted:
    """Delete one review's case-record sample and evidence notes now (an admin, or the day's sweep), keeping the
    sample's measures; the audit log keeps that it happened, by whom and when, and how many rows, never the text."""
    require_admin(actor, "delete a review's personal data")
    review = access.review_for(session, actor, review_id)
    if review.personal_data_deleted_at is not None:
        raise InputError(f"personal data: deleted already on {review.personal_data_deleted_at:%d %B %Y}")
    records = visits.visit_records(session, review_id)
    if records:
        kept = visits.sample_measures(session, review, review_scale(session, review))
        session.merge(KeptMeasures(review_id=review_id, measures=[asdict(m) for m in kept.values()]))
    note_ids = [str(n) for n in session.exec(select(EvidenceNote.id).where(EvidenceNote.review_id == review_id))]
    session.exec(delete(EvidenceNote).where(col(EvidenceNote.review_id) == review_id))  # type: ignore[call-overload]
    session.exec(delete(CaseRecord).where(col(CaseRecord.review_id) == review_id))  # type: ignore[call-overload]
    scrubbed = _scrub_audit(session, review_id, note_ids, today)
    before = snapshot(review)
    review.personal_data_deleted_at = review.updated_at = utc_now()
    session.add(review)
    session.flush()
    deleted = Deleted(review_id, len(records), len(note_ids), scrubbed)
    record(
        session,
        actor=actor.name,
        action="delete_personal_data",
        row=review,
        before=before,
        after=snapshot(review) | {"deleted": asdict(deleted)},
    )
    timelines.complete_step(session, actor, review, DELETION_STEP, today)
    return deleted


def _scrub_audit(session: Session, review_id: int, note_ids: list[str], today: date) -> int:
    """The audit log's copies of the deleted rows: their values go, the events (who did what, when) stay."""
    gone = {"personal data": f"deleted on {today:%d %B %Y}"}
    sample = (AuditEvent.entity == "case-record sample") & (AuditEvent.entity_id == str(review_id))
    notes = (AuditEvent.entity == "evidencenote") & col(AuditEvent.entity_id).in_(note_ids)
    result = session.exec(  # type: ignore[call-overload]
        update(AuditEvent).where(sample | notes).values(before=None, after=gone)
    )
    return int(result.rowcount or 0)


def due_for_deletion(session: Session, today: date) -> list[int]:
    query = select(Review.id).where(
        col(Review.personal_data_delete_on) <= today, col(Review.personal_data_deleted_at).is_(None)
    )
    return [review_id for review_id in session.exec(query.order_by(col(Review.id))) if review_id is not None]


def delete_due(session: Session, today: date, *, actor: Actor | None = None) -> list[Deleted]:
    """Delete the personal data of every review whose deletion day has come."""
    who = actor or operator(SCHEDULED)
    return [
        delete_personal_data(session, actor=who, review_id=r, today=today) for r in due_for_deletion(session, today)
    ]
