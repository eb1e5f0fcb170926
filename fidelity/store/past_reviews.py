"""Past reviews from a file (CSV or XLSX): checked by `fidelity.imports`, saved here as final reviews, all or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from fidelity import imports, scoring
from fidelity.errors import ImportRefused, InputError
from fidelity.models import ItemRating, Review, ReviewStatus, Service, counted_rater_of, utc_now
from fidelity.scales import Scale
from fidelity.store import access
from fidelity.store.access import Actor
from fidelity.store.audit import insert_audited, insert_rows
from fidelity.store.shared import pin_scale


@dataclass(frozen=True)
class ImportResult:
    imported: list[int]  # file rows imported
    already_present: list[int]  # file rows whose review was imported before


def import_past_reviews(
    session: Session, *, actor: Actor, scales: dict[str, Scale], content: bytes, filename: str, today: date
) -> ImportResult:
    """Import final past reviews from CSV or XLSX: all rows or none; a review already present is skipped."""
    access.require_admin(actor, "import past reviews")
    try:
        rows = imports.read_rows(content, filename, row_limit=imports.REVIEW_ROW_LIMIT)
    except imports.ImportFileError as error:
        raise InputError(str(error)) from error
    services = {s.name.lower(): s for s in session.exec(select(Service))}
    checked = imports.check_rows(rows, services={k: v.name for k, v in services.items()}, scales=scales, today=today)
    if not checked.ok:
        raise ImportRefused(checked.problems.shown, checked.problems.total)
    existing = {
        (r.service_id, r.visit_start, r.scale_id)
        for r in session.exec(select(Review).where(col(Review.service_id).in_([s.id for s in services.values()])))
    }
    imported, present, new_reviews, new_scores = [], [], [], []
    for past in checked.reviews:
        service = services[past.service.lower()]
        if (service.id, past.visit, past.scale_id) in existing:
            present.append(past.row)
            continue
        scale = scales[past.scale_id]
        pin_scale(session, scale)
        summary = scoring.summarise(scale, past.scores)
        finalised = utc_now()
        new_reviews.append(
            {
                "service_id": service.id or 0,
                "scale_id": scale.id,
                "scale_version": scale.version,
                "scale_hash": scale.content_hash,
                "kind": past.kind,
                "status": ReviewStatus.FINAL,
                "visit_start": past.visit,
                "lead_reviewer": past.lead_reviewer,
                "second_reviewer": past.second_reviewer,
                "total": summary.total,
                "band": summary.band.label if summary.band else None,
                "finalised_at": finalised,
                "lead_submitted_at": finalised,
                "second_submitted_at": finalised if past.second_reviewer else None,
            }
        )
        new_scores.append((past, counted_rater_of(past.second_reviewer)))
        existing.add((service.id, past.visit, past.scale_id))
        imported.append(past.row)
    # a statement for each 500 reviews (each audited) and one for their scores: no object per row, memory bounded
    for start in range(0, len(new_reviews), 500):
        review_ids = insert_audited(
            session, Review, new_reviews[start : start + 500], actor=actor.name, action="import"
        )
        scores = [
            {
                "review_id": review_id,
                "item_number": number,
                "rater": rater,
                "score": score,
                "evidence": f"Imported from {filename}, row {past.row}.",
            }
            for review_id, (past, rater) in zip(review_ids, new_scores[start : start + 500], strict=True)
            for number, score in past.scores.items()
        ]
        insert_rows(session, ItemRating, scores)
    session.flush()
    return ImportResult(imported=imported, already_present=present)


# --- quarterly outcomes ---------------------------------------------------------------------------
