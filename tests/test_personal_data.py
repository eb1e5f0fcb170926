"""Personal data gathered for a review, deleted on time: the day set when the moderated report is presented (never
before it), the case-record sample and evidence notes deleted by the day's sweep or an admin, their measures and the
scores kept, the audit log keeping that it happened but not the text; afterwards the deleted text is nowhere in the
database (its rows or, for SQLite, the file's bytes), the analysis export or a sealed backup."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from fidelity import db, errors, sealed
from fidelity.models import AuditEvent, Rater, Review
from fidelity.store import backup, personal_data, reviews, visits
from fidelity.visit_models import CaseRecord, EvidenceNote

from .conftest import ACTOR, table_dump
from .test_access import World, _write, world  # noqa: F401  (the fixture; F811 waived for this file)
from .test_moderation import TODAY, _steps, approved  # noqa: F401  (the fixture)

NOTE = "Marker note QZXJ-4417: the worker met the client at home"
REFERENCE = "QZXR-9921"
PASSPHRASE = "correct horse battery staple 42"


def _gathered(world: World) -> None:
    """The draft's case-record sample (three records) and an evidence note, entered during the visit."""
    rev1 = world.actors["rev1"]
    with _write(world.url) as s:
        rows = [
            {"reference": ref, "referral_date": date(2025, 12, 1), "first_employer_contact": date(2025, 12, 1 + d)}
            for ref, d in ((REFERENCE, 10), ("QZXR-9922", 20), ("QZXR-9923", 24))
        ]
        visits.save_records(s, actor=rev1, review_id=world.draft_id, rows=rows)
        visits.add_note(s, actor=rev1, review_id=world.draft_id, rater=Rater.LEAD, data={"text": NOTE, "items": [15]})


@pytest.fixture
def presented(approved: World) -> World:
    """The draft agreed, moderated and presented on TODAY, with its visit's personal data."""
    _gathered(approved)
    return approved


def _review(world: World) -> Review:
    with Session(db.make_engine(world.url)) as s:
        return s.get(Review, world.draft_id)


def _measures(world: World) -> dict:
    with Session(db.make_engine(world.url)) as s:
        return reviews.review_context(s, world.draft_id, actor=ACTOR).measures


def test_deletion_day__two_weeks_after_the_report__an_admin_moves_it_never_before(presented: World) -> None:
    world = presented
    assert _review(world).personal_data_delete_on == TODAY + timedelta(days=14)
    before = table_dump(world.url)
    refused = pytest.raises(
        errors.InputError, match="deletion day: 01 February 2026 is before the report was presented"
    )
    with refused, _write(world.url) as s:
        personal_data.set_deletion_day(s, actor=ACTOR, review_id=world.draft_id, day=TODAY - timedelta(days=1))
    with pytest.raises(errors.PermissionDenied), _write(world.url) as s:
        personal_data.set_deletion_day(s, actor=world.actors["rev1"], review_id=world.draft_id, day=TODAY)
    assert table_dump(world.url) == before
    with _write(world.url) as s:
        personal_data.set_deletion_day(s, actor=ACTOR, review_id=world.draft_id, day=TODAY)
    assert _review(world).personal_data_delete_on == TODAY


def test_deletion_day__not_before_the_report_is_presented(world: World) -> None:
    refused = pytest.raises(
        errors.InputError, match="deletion day: it is set when the report is presented to the service"
    )
    with refused, _write(world.url) as s:
        personal_data.set_deletion_day(s, actor=ACTOR, review_id=world.draft_id, day=TODAY)


def test_sweep__deletes_on_the_day__keeps_measures_and_scores__audit_without_the_text(presented: World) -> None:
    world = presented
    measured = _measures(world)
    day = TODAY + timedelta(days=14)
    with _write(world.url) as s:
        assert personal_data.delete_due(s, day - timedelta(days=1)) == []
    with _write(world.url) as s:
        deleted = personal_data.delete_due(s, day)
    assert [(d.case_records, d.evidence_notes) for d in deleted] == [(3, 1)]
    assert _measures(world) == measured and measured[15].n == 3  # the sample's measures stay
    with Session(db.make_engine(world.url)) as s:
        assert s.exec(select(CaseRecord)).all() == [] and s.exec(select(EvidenceNote)).all() == []
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "delete_personal_data")).one()
        assert reviews.report_data(s, world.draft_id, actor=ACTOR).total == 75
    assert (event.actor, event.after["deleted"]["case_records"], event.after["deleted"]["evidence_notes"]) == (
        personal_data.SCHEDULED,
        3,
        1,
    )
    assert _review(world).personal_data_deleted_at is not None
    assert _steps(world)["personal_data_deleted"].status == "done"
    refused = pytest.raises(
        errors.InputError, match="personal data: this review's case records and evidence notes were"
    )
    with refused, _write(world.url) as s:
        visits.add_note(
            s,
            actor=world.actors["rev1"],
            review_id=world.draft_id,
            rater=Rater.LEAD,
            data={"text": "x", "items": [1]},
        )
    with _write(world.url) as s:
        assert personal_data.delete_due(s, day + timedelta(days=30)) == []  # once only


def test_delete_now__admin_only__then_the_text_is_nowhere(presented: World, tmp_path: Path) -> None:
    world = presented
    with pytest.raises(errors.PermissionDenied), _write(world.url) as s:
        personal_data.delete_personal_data(s, actor=world.actors["rev1"], review_id=world.draft_id, today=TODAY)
    assert NOTE in repr(table_dump(world.url)) and REFERENCE in repr(table_dump(world.url))  # the probe finds it
    with _write(world.url) as s:
        personal_data.delete_personal_data(s, actor=ACTOR, review_id=world.draft_id, today=TODAY)
    engine = db.make_engine(world.url)
    db.forget_deleted(engine)
    dumped = repr(table_dump(world.url))
    assert NOTE not in dumped and REFERENCE not in dumped and "QZX" not in dumped
    if world.url.startswith("sqlite"):
        path = Path(world.url.removeprefix("sqlite:///"))
        for file in (path, path.with_name(path.name + "-wal")):
            raw = file.read_bytes() if file.exists() else b""
            assert b"QZXJ-4417" not in raw and REFERENCE.encode() not in raw, file
    exported = [backup.export_xlsx(engine, actor=ACTOR), backup.export_csv_zip(engine, actor=ACTOR)]
    exported.append(sealed.unseal(backup.export_backup(engine, actor=ACTOR, passphrase=PASSPHRASE), PASSPHRASE))
    for content in exported:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                text = archive.read(name)
                assert b"QZXJ-4417" not in text and REFERENCE.encode() not in text, name
