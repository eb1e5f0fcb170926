"""The site visit of a review: its plan, its case-record sample and the evidence notes tagged to items.

The review's reviewers (and admins) change them while the review is open. The plan and the record
sample are the review's, seen by both reviewers; evidence notes are each reviewer's own until both
have submitted their scores, like the scores themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from fidelity import reports
from fidelity.errors import InputError, PermissionDenied, validated
from fidelity.lifecycle_models import KeptMeasures
from fidelity.models import GUIDE, Rater, Review, Service, utc_now
from fidelity.record_sample import Measure, RecordFacts, date_problems, measures
from fidelity.scales import Scale
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import get_row, require_open, review_scale
from fidelity.visit_models import CaseRecord, EvidenceNote, NoteInput, RecordInput, SessionInput, VisitSession

ROW_LIMIT = 200  # sessions or records saved at once


def _editable(session: Session, actor: Actor, review_id: int) -> Review:
    review = access.review_for(session, actor, review_id)
    access.require_review_edit(actor, review)
    require_open(review)
    _not_deleted(review)
    return review


def _not_deleted(review: Review) -> None:
    if review.personal_data_deleted_at is not None:
        raise InputError(
            f"personal data: this review's case records and evidence notes were deleted on "
            f"{review.personal_data_deleted_at:%d %B %Y}; no more are recorded"
        )


def _row_problems(rows: list[dict[str, Any]], model: type, scale: Scale) -> tuple[list[Any], list[str]]:
    """Each row validated; every problem named by its row (1-based, as the table shows it) and field."""
    if len(rows) > ROW_LIMIT:
        return [], [f"at most {ROW_LIMIT} rows at once; this has {len(rows)}"]
    entered, problems = [], []
    for number, row in enumerate(rows, start=1):
        try:
            entry = model.model_validate({k: v for k, v in row.items() if k != "id"})
        except ValidationError as error:
            problems += [
                f"row {number}, {'.'.join(map(str, e['loc'])).replace('_', ' ')}: {e['msg'].removeprefix('Value error, ')}"
                for e in error.errors()
            ]
            continue
        outside = [n for n in getattr(entry, "items", []) if n > len(scale.items)]
        if outside:
            problems.append(f"row {number}, items: {scale.id} has items 1-{len(scale.items)}, not {outside}")
        if isinstance(entry, RecordInput):
            problems += [f"row {number}, {p}" for p in date_problems(RecordFacts(**entry.model_dump()))]
        entered.append((row.get("id"), entry))
    return entered, problems


def _save_rows(
    session: Session, actor: Actor, review: Review, rows: list[dict[str, Any]], *, model: type, table: type, what: str
) -> list[Any]:
    """Replace the review's rows of `table` with `rows` (kept by id where given): all saved, or none."""
    existing = {r.id: r for r in session.exec(select(table).where(table.review_id == review.id))}
    entered, problems = _row_problems(rows, model, review_scale(session, review))
    unknown = [row_id for row_id, _ in entered if row_id is not None and row_id not in existing]
    problems += [f"row id {row_id}: is not a row of this review" for row_id in unknown]
    if model is RecordInput:
        references = [entry.reference.lower() for _, entry in entered]
        problems += [
            f"reference: {ref!r} is on two rows" for ref in sorted({r for r in references if references.count(r) > 1})
        ]
    if problems:
        raise InputError(f"{what}: nothing saved; " + "; ".join(problems))
    before = [snapshot(r) for r in existing.values()]
    kept = {row_id for row_id, _ in entered if row_id is not None}
    for row_id, stale in existing.items():
        if row_id not in kept:
            if table is VisitSession:  # notes from a session that is dropped keep their text
                for note in session.exec(select(EvidenceNote).where(EvidenceNote.session_id == row_id)):
                    note.session_id = None
                    session.add(note)
            session.delete(stale)
    saved = []
    for row_id, entry in entered:
        row = existing[row_id] if row_id is not None else table(review_id=review.id)
        for name, value in entry.model_dump().items():
            setattr(row, name, value)
        row.updated_at = utc_now()
        session.add(row)
        saved.append(row)
    session.flush()
    record(
        session,
        actor=actor.name,
        action="update",
        entity=what,
        entity_id=review.id,
        before={"rows": before},
        after={"rows": [snapshot(r) for r in saved]},
    )
    return saved


def save_plan(session: Session, *, actor: Actor, review_id: int, rows: list[dict[str, Any]]) -> list[VisitSession]:
    """The visit plan as the table shows it: one row per session, kept by id; all saved or none."""
    review = _editable(session, actor, review_id)
    return _save_rows(session, actor, review, rows, model=SessionInput, table=VisitSession, what="visit plan")


def save_records(session: Session, *, actor: Actor, review_id: int, rows: list[dict[str, Any]]) -> list[CaseRecord]:
    """The case-record sample as the table shows it: one row per record, kept by id; all saved or none."""
    review = _editable(session, actor, review_id)
    return _save_rows(session, actor, review, rows, model=RecordInput, table=CaseRecord, what="case-record sample")


def add_note(session: Session, *, actor: Actor, review_id: int, rater: str, data: dict[str, Any]) -> EvidenceNote:
    """An evidence note of this reviewer's, tagged to the items it informs."""
    review = access.review_for(session, actor, review_id)
    if rater == GUIDE and review.is_self_assessment:  # the guiding reviewer comments on the service's evidence
        if not (actor.is_admin or access.guides(actor, review)):
            raise PermissionDenied(f"not allowed: you do not guide review {review.id}")
    else:
        access.require_review_edit(actor, review, rater)
        if rater not in review.raters:
            raise InputError(f"rater: this review's reviewers are {', '.join(review.raters)}")
    require_open(review)
    _not_deleted(review)
    entered = validated(NoteInput, data)
    scale = review_scale(session, review)
    outside = [n for n in entered.items if n > len(scale.items)]
    if outside:
        raise InputError(f"items: {scale.id} has items 1-{len(scale.items)}, not {outside}")
    if entered.session_id is not None:
        visit_session = session.get(VisitSession, entered.session_id)
        if visit_session is None or visit_session.review_id != review_id:
            raise InputError(f"session: {entered.session_id} is not a session of this review's visit plan")
    note = EvidenceNote(review_id=review_id, rater=rater, **entered.model_dump())
    session.add(note)
    session.flush()
    record(session, actor=actor.name, action="create", row=note)
    return note


@dataclass(frozen=True)
class Visit:
    """A review's visit as this user may see it."""

    review: Review
    scale: Scale
    sessions: list[VisitSession]
    records: list[CaseRecord]
    notes: list[EvidenceNote]
    measures: dict[int, Measure] = field(default_factory=dict)

    def notes_for(self, item_number: int) -> list[EvidenceNote]:
        return [note for note in self.notes if item_number in note.items]


def visible_raters(actor: Actor, review: Review) -> tuple[str, ...]:
    """Whose evidence notes this user sees: their own until both reviewers have submitted (admins: all)."""
    held = access.assigned_raters(actor, review)
    if actor.is_admin or not held or review.consensus_open or review.single_reviewer:
        return (Rater.LEAD, Rater.SECOND, GUIDE)
    return held


def _measured(records: list[CaseRecord], scale: Scale) -> dict[int, Measure]:
    facts = [RecordFacts(**RecordInput.model_validate(r, from_attributes=True).model_dump()) for r in records]
    return measures(facts, scale)


def sample_measures(session: Session, review: Review, scale: Scale) -> dict[int, Measure]:
    """The case-record sample's measures for the review's items (the same for both reviewers); once the records
    are deleted with the review's personal data, the measures kept then."""
    if review.personal_data_deleted_at is not None:
        kept = session.get(KeptMeasures, review.id)
        return {m["item_number"]: Measure(**m) for m in kept.measures} if kept else {}
    return _measured(visit_records(session, review.id or 0), scale)


def _plan(session: Session, review_id: int) -> list[VisitSession]:
    query = select(VisitSession).where(VisitSession.review_id == review_id)
    return list(session.exec(query.order_by(col(VisitSession.day), col(VisitSession.start))))


def visit_of(session: Session, *, actor: Actor, review_id: int) -> Visit:
    """The review, its scale and its visit: the Site visit page's one read."""
    review = access.review_for(session, actor, review_id)
    scale = review_scale(session, review)
    records = visit_records(session, review_id)
    return Visit(
        review, scale, _plan(session, review_id), records, notes_of(session, actor, review), _measured(records, scale)
    )


def notes_of(session: Session, actor: Actor, review: Review) -> list[EvidenceNote]:
    """The review's evidence notes this user may see, oldest first."""
    query = select(EvidenceNote).where(
        EvidenceNote.review_id == review.id, col(EvidenceNote.rater).in_(visible_raters(actor, review))
    )
    return list(session.exec(query.order_by(col(EvidenceNote.created_at), col(EvidenceNote.id))))


def agenda(session: Session, *, actor: Actor, review_id: int) -> reports.Agenda:
    """The visit plan as a one-page agenda for the service."""
    review = access.review_for(session, actor, review_id)
    service = get_row(session, Service, review.service_id)
    plan = _plan(session, review_id)
    return reports.Agenda(
        service=service.name,
        visit=f"{review.visit_start:%d %b %Y}" + (f" to {review.visit_end:%d %b %Y}" if review.visit_end else ""),
        reviewers=review.lead_reviewer + (f" and {review.second_reviewer}" if review.second_reviewer else ""),
        scale_label=review_scale(session, review).label,
        sessions=[
            (s.day, f"{s.start:%H:%M}", s.minutes, s.kind, s.informant_role, ", ".join(map(str, s.items)) or "-")
            for s in plan
        ],
    )


def visit_records(session: Session, review_id: int) -> list[CaseRecord]:
    return list(session.exec(select(CaseRecord).where(CaseRecord.review_id == review_id).order_by(col(CaseRecord.id))))


def notes_by(session: Session, review_id: int, rater: str) -> list[EvidenceNote]:
    """One reviewer's own evidence notes on a review (for their offline pack)."""
    query = select(EvidenceNote).where(EvidenceNote.review_id == review_id, EvidenceNote.rater == rater)
    return list(session.exec(query.order_by(col(EvidenceNote.created_at), col(EvidenceNote.id))))
