"""Offline visit packs: a reviewer's own scoring of one review out as a workbook and back in, all or nothing.

On the way back, each item is compared three ways: as the pack was made (its baseline), as the pack
is now, and as the app is now. What only the pack changed is taken from the pack; what only the app
changed stays; where both changed differently the reviewer chooses (a conflict).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from fidelity.errors import InputError, ReviewLocked
from fidelity.models import ItemRating, Rater, Review, ReviewStatus, Service, utc_now
from fidelity.scales import Scale
from fidelity.store import access, ratings, visits
from fidelity.store.access import Actor
from fidelity.store.audit import record
from fidelity.store.shared import get_row, review_scale
from fidelity.visit_models import RecordInput
from fidelity.visit_pack import FORMAT, Pack, PackItem, read_pack, write_pack

PACK = "pack"
APP = "app"
SAME = "same"
CONFLICT = "conflict"


def _own_items(rated: dict[int, ItemRating]) -> dict[int, PackItem]:
    return {
        number: PackItem(rating.score, rating.evidence or "", tuple(rating.data_sources or ()))
        for number, rating in rated.items()
    }


def _records(session: Session, review_id: int) -> list[dict[str, Any]]:
    rows = visits.visit_records(session, review_id)
    return [RecordInput.model_validate(r, from_attributes=True).model_dump() for r in rows]


def _scorable(session: Session, actor: Actor, review: Review, rater: str) -> Scale:
    """The review's scale, when this user may score it as `rater` now; refuses otherwise, saying why."""
    if rater not in (Rater.LEAD, Rater.SECOND) or rater not in review.raters:
        raise InputError(f"rater: review {review.id} has no {rater} reviewer")
    access.require_review_edit(actor, review, rater)
    if review.status == ReviewStatus.FINAL:
        raise ReviewLocked(f"review {review.id} is final and locked; a pack can no longer change it")
    if review.submitted(rater):
        raise ReviewLocked(
            f"{review.reviewer_name(rater)} has submitted their scores; a pack can no longer change them"
        )
    return review_scale(session, review)


def export_pack(session: Session, *, actor: Actor, review_id: int, rater: str) -> bytes:
    """The reviewer's pack for one review: only their own scores and notes, and the review's record sample."""
    review = access.review_for(session, actor, review_id)
    scale = _scorable(session, actor, review, rater)
    service = get_row(session, Service, review.service_id)
    about = {
        "format": FORMAT,
        "review_id": str(review.id),
        "rater": rater,
        "reviewer": review.reviewer_name(rater),
        "service": service.name,
        "scale_id": scale.id,
        "scale_version": scale.version,
        "scale_hash": review.scale_hash,
        "made_at": utc_now().isoformat(timespec="seconds"),
    }
    own = _own_items(ratings.ratings_of(session, review_id, rater=rater))
    notes = [(n.id or 0, n.items, n.text) for n in visits.notes_by(session, review_id, rater)]
    content = write_pack(about, scale, own, _records(session, review_id), notes)
    record(session, actor=actor.name, action="export", entity="visit pack", entity_id=review_id, after={"rater": rater})
    return content


@dataclass(frozen=True)
class PackRow:
    item_number: int
    name: str
    app: PackItem
    pack: PackItem
    outcome: str  # same, pack (taken from the pack), app (the app's kept), conflict (the reviewer chooses)


@dataclass(frozen=True)
class PackCheck:
    pack: Pack
    review: Review
    rows: list[PackRow]
    records: str  # same, pack, app or conflict, for the case-record sample as a whole

    @property
    def conflicts(self) -> list[str]:
        found = [f"item {row.item_number}" for row in self.rows if row.outcome == CONFLICT]
        return found + (["records"] if self.records == CONFLICT else [])

    @property
    def from_pack(self) -> list[int]:
        return [row.item_number for row in self.rows if row.outcome == PACK]


def _outcome(baseline: Any, pack: Any, app: Any) -> str:
    if pack == app:
        return SAME
    if pack == baseline:
        return APP
    return PACK if app == baseline else CONFLICT


def _sorted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: str(r.get("reference", "")).lower())


def check_pack(
    session: Session, *, actor: Actor, file_name: str, content: bytes, review_id: int | None = None
) -> PackCheck:
    """Read an uploaded pack and compare it with the app; refuses a pack for another review or rater, a
    submitted or final review, or a scale version the review no longer uses (PackError: problems by cell)."""

    def scale_for(about: dict[str, str]) -> Scale:
        wanted = int(about["review_id"])
        if review_id is not None and wanted != review_id:
            raise InputError(f"file: this pack is for review {wanted}, not the review chosen ({review_id})")
        review = access.review_for(session, actor, wanted)  # missing and not yours answered alike
        scale = _scorable(session, actor, review, about.get("rater", ""))
        if about.get("scale_hash") != review.scale_hash:
            raise InputError(
                f"file: this pack was made on {about.get('scale_id')} version {about.get('scale_version')}; the review "
                f"now uses version {review.scale_version}. Download a new pack and copy your work across"
            )
        return scale

    pack = read_pack(file_name, content, scale_for)
    review = get_row(session, Review, pack.review_id)
    scale = review_scale(session, review)
    app = _own_items(ratings.ratings_of(session, review.id or 0, rater=pack.rater))
    rows = [
        PackRow(
            item.number,
            item.name,
            app.get(item.number, PackItem()),
            pack.items.get(item.number, PackItem()),
            _outcome(
                pack.baseline.get(item.number, PackItem()),
                pack.items.get(item.number, PackItem()),
                app.get(item.number, PackItem()),
            ),
        )
        for item in scale.items
    ]
    records = _outcome(
        _sorted(pack.baseline_records), _sorted(pack.records), _sorted(_records(session, review.id or 0))
    )
    return PackCheck(pack, review, rows, records)


def apply_pack(
    session: Session,
    *,
    actor: Actor,
    file_name: str,
    content: bytes,
    keep: dict[str, str],
    review_id: int | None = None,
) -> PackCheck:
    """Save what the pack changed (and, for each conflict, what `keep` chose: 'pack' or 'app'): all or nothing."""
    checked = check_pack(session, actor=actor, file_name=file_name, content=content, review_id=review_id)
    undecided = [name for name in checked.conflicts if keep.get(name) not in (PACK, APP)]
    if undecided:
        raise InputError(f"conflicts: choose the pack's or the app's value for {', '.join(undecided)}; nothing saved")
    pack, review = checked.pack, checked.review
    taken = []
    for row in checked.rows:
        if row.outcome == PACK or (row.outcome == CONFLICT and keep[f"item {row.item_number}"] == PACK):
            data = {
                "item_number": row.item_number,
                "score": row.pack.score,
                "evidence": row.pack.evidence,
                "data_sources": list(row.pack.data_sources),
            }
            ratings.save_rating(session, actor=actor, review_id=review.id or 0, data=data, rater=pack.rater)
            taken.append(row.item_number)
    records_taken = checked.records == PACK or (checked.records == CONFLICT and keep["records"] == PACK)
    if records_taken:
        existing = {r.reference.lower(): r.id for r in visits.visit_records(session, review.id or 0)}
        rows = [r | {"id": existing.get(str(r["reference"]).lower())} for r in pack.records]
        visits.save_records(session, actor=actor, review_id=review.id or 0, rows=rows)
    for noted, text in pack.new_notes:
        visits.add_note(
            session, actor=actor, review_id=review.id or 0, rater=pack.rater, data={"text": text, "items": noted}
        )
    record(
        session,
        actor=actor.name,
        action="import",
        entity="visit pack",
        entity_id=review.id,
        after={
            "file": file_name,
            "rater": pack.rater,
            "items from the pack": taken,
            "conflicts": {name: keep[name] for name in checked.conflicts},
            "case records from the pack": records_taken,
            "notes added": len(pack.new_notes),
        },
    )
    return checked
