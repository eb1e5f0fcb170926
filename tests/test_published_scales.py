"""Published scales in the database: seeding from the shipped files, publishing, retiring, verifying, moving drafts."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import yaml
from docx import Document
from pypdf import PdfReader
from sqlmodel import select

from fidelity import db, errors, reports, scale_workbook
from fidelity.models import AuditEvent, Review
from fidelity.scale_files import scale_mapping
from fidelity.scales import Scale, ScaleFileError
from fidelity.store import access, published_scales, ratings, reviews, shared

from .conftest import ACTOR, SCALES_DIR

READER = access.Actor(name="rita", role=access.Role.REVIEWER, user_id=None)


def _session(db_url: str):
    return db.session_scope(db.make_engine(db_url))


def _seeded(db_url: str, scales: dict[str, Scale]) -> None:
    with _session(db_url) as s:
        published_scales.seed_from_files(s, scales)


def _current(db_url: str) -> dict[str, Scale]:
    with _session(db_url) as s:
        return published_scales.current_scales(s)


def _next_version(scale: Scale, version: str = "2008-uk.3", **item_1: object) -> bytes:
    """The scale as an uploaded workbook with a new version (and item 1 changed as given)."""
    mapping = scale_mapping(scale)
    mapping["version"] = version
    mapping["items"][0].update(item_1)
    return scale_workbook.write_workbook(mapping)


def _publish(db_url: str, content: bytes, name: str = "next.xlsx", actor: access.Actor = ACTOR):
    with _session(db_url) as s:
        return published_scales.publish(s, actor=actor, file_name=name, content=content)


def _start(db_url: str, service_id: int, scales: dict[str, Scale], scale_id: str = "ips-25") -> Review:
    with _session(db_url) as s:
        return reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales,
            data={
                "service_id": service_id,
                "scale_id": scale_id,
                "visit_start": date(2026, 5, 1),
                "lead_reviewer": "Ann",
            },
        )


def test_seed__shipped_files__published_once_and_audited(db_url: str, scales) -> None:
    _seeded(db_url, scales)
    _seeded(db_url, scales)  # a second start adds nothing
    current = _current(db_url)
    assert {k: (s.version, s.content_hash) for k, s in current.items()} == {
        k: (s.version, s.content_hash) for k, s in scales.items()
    }
    with _session(db_url) as s:
        rows = published_scales.publications(s, actor=ACTOR)
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "publish")).all()
    assert [(r.scale_id, r.status, r.file_name) for r in rows] == [
        ("ipspc", "current", "scales/ipspc.yaml"),
        ("ips-25", "current", "scales/ips-25.yaml"),
    ]
    assert len(events) == 2 and {e.actor for e in events} == {published_scales.SHIPPED_BY}


def test_seed__new_shipped_version__published_unless_an_admin_published_one(db_url: str, scales, ips25) -> None:
    _seeded(db_url, scales)
    shipped_next = ips25.model_copy(update={"version": "2008-uk.9", "content_hash": "f" * 64})
    _seeded(db_url, {**scales, "ips-25": shipped_next})
    assert _current(db_url)["ips-25"].version == "2008-uk.9"
    _publish(db_url, _next_version(ips25, "2027.1"))
    shipped_later = ips25.model_copy(update={"version": "2008-uk.10", "content_hash": "e" * 64})
    _seeded(db_url, {**scales, "ips-25": shipped_later})
    assert _current(db_url)["ips-25"].version == "2027.1"  # the admin's version stays current


def test_publish__new_version__current_for_new_reviews_old_reviews_keep_theirs(
    db_url: str, scales, ips25, make_service
) -> None:
    _seeded(db_url, scales)
    service = make_service()
    before = _start(db_url, service.id, _current(db_url))
    _publish(db_url, _next_version(ips25, name="Caseload size, counted anew"))
    current = _current(db_url)
    assert current["ips-25"].version == "2008-uk.3" and current["ips-25"].items[0].name == "Caseload size, counted anew"
    after = _start(db_url, service.id, current)
    with _session(db_url) as s:
        kept = s.get(Review, before.id)
        assert (kept.scale_version, shared.review_scale(s, kept).items[0].name) == ("2008-uk.2", "Caseload size")
        assert s.get(Review, after.id).scale_version == "2008-uk.3"
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "publish", AuditEvent.actor == ACTOR.name)).all()
    assert len(events) == 1 and events[0].after["file_name"] == "next.xlsx"


def test_publish__refusals__same_version_invalid_file_or_not_an_admin(db_url: str, scales, ips25) -> None:
    _seeded(db_url, scales)
    with pytest.raises(errors.InputError, match=r"ips-25 version 2008-uk\.2 is already published"):
        _publish(db_url, _next_version(ips25, "2008-uk.2", name="Changed"))
    bad = scale_mapping(ips25)
    bad["version"] = "2008-uk.3"
    del bad["items"][3]["criteria"][4]
    with pytest.raises(ScaleFileError, match=r"item 4 \(team_assignment\)\.criteria: missing criteria for score 4"):
        _publish(db_url, scale_workbook.write_workbook(bad))
    with pytest.raises(errors.PermissionDenied):
        _publish(db_url, _next_version(ips25), actor=READER)
    assert _current(db_url)["ips-25"].version == "2008-uk.2"


def test_check_upload__overlay__resolved_against_the_published_base(db_url: str, scales) -> None:
    _seeded(db_url, scales)
    overlay = yaml.safe_load((SCALES_DIR / "ipspc.yaml").read_text())
    overlay["version"] = "2027.1"
    content = yaml.safe_dump(overlay, sort_keys=False).encode()
    with _session(db_url) as s:
        checked = published_scales.check_upload(s, actor=ACTOR, file_name="ipspc.yaml", content=content)
    assert checked.refusal is None and checked.replaces.version == scales["ipspc"].version
    assert checked.scale.items[0].name == scales["ipspc"].items[0].name
    overlay["extends"]["version"] = "1999"
    with _session(db_url) as s, pytest.raises(ScaleFileError, match="extends: ips-25 version 1999 is not a published"):
        published_scales.check_upload(s, actor=ACTOR, file_name="ipspc.yaml", content=yaml.safe_dump(overlay).encode())


def test_retire__current_then_previous_is_current__only_version_leaves_none(db_url: str, scales, ips25) -> None:
    _seeded(db_url, scales)
    _publish(db_url, _next_version(ips25))
    with _session(db_url) as s:
        published_scales.retire(s, actor=ACTOR, scale_id="ips-25", version="2008-uk.3")
    assert _current(db_url)["ips-25"].version == "2008-uk.2"
    with _session(db_url) as s:
        published_scales.retire(s, actor=ACTOR, scale_id="ips-25", version="2008-uk.2")
        with pytest.raises(errors.InputError, match="already retired"):
            published_scales.retire(s, actor=ACTOR, scale_id="ips-25", version="2008-uk.2")
        with pytest.raises(errors.PermissionDenied):
            published_scales.retire(s, actor=READER, scale_id="ipspc", version=scales["ipspc"].version)
    assert set(_current(db_url)) == {"ipspc"}
    with _session(db_url) as s:
        assert [e.entity_id for e in s.exec(select(AuditEvent).where(AuditEvent.action == "retire"))] != []


def _verify(db_url: str, number: int, *, actor: access.Actor = ACTOR, version: str = "2008-uk.2", **data: object):
    entered = {"item_number": number, "source_title": "Fidelity manual", "source_edition": "4th ed., 2019"}
    with _session(db_url) as s:
        return published_scales.verify_item(
            s,
            actor=actor,
            scale_id="ips-25",
            version=version,
            data=entered | {"source_page": "31", "checked_on": date(2026, 11, 30)} | data,
        )


def test_verify_item__lifts_provisional_on_that_version_everywhere_it_is_read(
    db_url: str, scales, make_service
) -> None:
    _seeded(db_url, scales)
    review = _start(db_url, make_service().id, _current(db_url))
    assert scales["ips-25"].items[3].provisional
    _verify(db_url, 4)
    with _session(db_url) as s:
        assert not shared.review_scale(s, s.get(Review, review.id)).items[3].provisional
        status = shared.criteria_status(s, review.scale_hash, shared.review_scale(s, s.get(Review, review.id)))
        audit = s.exec(select(AuditEvent).where(AuditEvent.action == "verify")).one()
    assert not _current(db_url)["ips-25"].items[3].provisional
    assert _current(db_url)["ips-25"].items[4].provisional
    assert status[4] == "Verified 30 Nov 2026: Fidelity manual (4th ed., 2019, p. 31)"
    assert status[5] == "Provisional" and status[1] == "As published"
    assert audit.after["item_number"] == 4 and audit.actor == ACTOR.name


@pytest.mark.parametrize(
    ("number", "data", "error", "message"),
    [
        (
            4,
            {"checked_on": date.today() + timedelta(days=1)},
            errors.InputError,
            "checked on: must not be in the future",
        ),
        (4, {"source_title": "  "}, errors.InputError, "source title: must not be empty"),
        (4, {"source_edition": "4th\ned."}, errors.InputError, "source edition: must be one line"),
        (26, {}, errors.InputError, "item: 26 is not an item of ips-25"),
    ],
)
def test_verify_item__bad_input__refused_naming_the_field(db_url: str, scales, number, data, error, message) -> None:
    _seeded(db_url, scales)
    with pytest.raises(error, match=message):
        _verify(db_url, number, **data)


def test_verify_item__twice_or_not_an_admin__refused(db_url: str, scales) -> None:
    _seeded(db_url, scales)
    _verify(db_url, 4)
    with pytest.raises(errors.InputError, match=r"item 4 of ips-25 version 2008-uk\.2 is already verified"):
        _verify(db_url, 4)
    with pytest.raises(errors.PermissionDenied):
        _verify(db_url, 5, actor=READER)


def test_move_draft__no_scores__moves_to_current_version_and_is_audited(
    db_url: str, scales, ips25, make_service
) -> None:
    _seeded(db_url, scales)
    service = make_service()
    empty = _start(db_url, service.id, _current(db_url))
    scored = _start(db_url, service.id, _current(db_url))
    with _session(db_url) as s:
        ratings.save_rating(s, actor=ACTOR, review_id=scored.id, data={"item_number": 1, "score": 3}, rater="lead")
        with pytest.raises(errors.InputError, match="already uses the current version"):
            published_scales.move_draft(s, actor=ACTOR, review_id=empty.id)
    _publish(db_url, _next_version(ips25))
    with _session(db_url) as s:
        assert published_scales.newer_version(s, s.get(Review, empty.id)).scale_version == "2008-uk.3"
        moved = published_scales.move_draft(s, actor=ACTOR, review_id=empty.id)
        assert (moved.scale_version, moved.scale_hash) == ("2008-uk.3", _current(db_url)["ips-25"].content_hash)
        assert published_scales.newer_version(s, moved) is None
        with pytest.raises(errors.InputError, match="has scores; a review with scores keeps its version"):
            published_scales.move_draft(s, actor=ACTOR, review_id=scored.id)
        with pytest.raises(errors.PermissionDenied):
            published_scales.move_draft(s, actor=READER, review_id=empty.id)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "move to version")).one()
    assert (event.before["scale_version"], event.after["scale_version"]) == ("2008-uk.2", "2008-uk.3")


def test_report__every_item_verified__no_warning_and_each_item_names_its_source(
    db_url: str, scales, make_service
) -> None:
    _seeded(db_url, scales)
    review = _start(db_url, make_service().id, _current(db_url))
    _verify(db_url, 4)
    with _session(db_url) as s:
        partly = reviews.report_data(s, review.id, actor=ACTOR)
    assert partly.provisional_items == 21 and "21 item(s)" in partly.provisional_warning
    for number in range(1, 26):
        if number != 4:
            _verify(db_url, number)
    with _session(db_url) as s:
        data = reviews.report_data(s, review.id, actor=ACTOR)
    assert data.provisional_items == 0 and data.provisional_warning is None
    assert {row["Criteria"] for row in data.items} == {"Verified 30 Nov 2026: Fidelity manual (4th ed., 2019, p. 31)"}
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reports.to_pdf(data))).pages)
    assert "provisional criteria" not in pdf_text and "Verified 30 Nov 2026: Fidelity manual" in pdf_text
    docx = Document(io.BytesIO(reports.to_docx(data)))
    criteria = next(t for t in docx.tables if [c.text for c in t.rows[0].cells] == ["No.", "Item", "Criteria"])
    assert criteria.rows[4].cells[2].text.startswith("Verified 30 Nov 2026")
