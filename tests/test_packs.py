"""Offline visit packs: out and back, three-way comparison, conflicts, refusals, blind scoring, all or nothing."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlmodel import select

from fidelity import db, errors
from fidelity.cli import main
from fidelity.models import AuditEvent, Rater, Review
from fidelity.store import packs, ratings, shared, visits
from fidelity.visit_models import CaseRecord, EvidenceNote
from fidelity.visit_pack import PackError

from .conftest import reviewed_by_two, sqlite_with_service
from .test_visits import _s


def _rate(url: str, actor, review_id: int, rater: str, number: int, **data: object) -> None:
    with _s(url) as s:
        ratings.save_rating(s, actor=actor, review_id=review_id, data={"item_number": number, **data}, rater=rater)


def _export(url: str, actor, review_id: int, rater: str = Rater.LEAD) -> bytes:
    with _s(url) as s:
        return packs.export_pack(s, actor=actor, review_id=review_id, rater=rater)


def _edit(content: bytes, edit) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cells(content: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def test_export__only_the_raters_own_scores_and_notes__never_the_other_reviewers(db_url: str, two) -> None:
    review, ann, bo = two
    _rate(db_url, ann, review.id, Rater.LEAD, 1, score=3, evidence="Ann saw 24 on the caseload")
    _rate(db_url, bo, review.id, Rater.SECOND, 1, score=5, evidence="SECRET-BO evidence")
    with _s(db_url) as s:
        visits.add_note(
            s, actor=bo, review_id=review.id, rater=Rater.SECOND, data={"text": "SECRET-BO note", "items": [1]}
        )
    content = _export(db_url, ann, review.id)
    cells = _cells(content)
    assert "Ann saw 24 on the caseload" in cells
    assert not any("SECRET-BO" in c for c in cells)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [row[0].value for row in book["about"].iter_rows(max_row=3)] == ["format", "review_id", "rater"]
    assert str(book["items"].data_validations.dataValidation[0].sqref) == "C2:C26"
    assert book["baseline_items"].sheet_state == "hidden"
    with pytest.raises(errors.PermissionDenied):
        _export(db_url, bo, review.id, Rater.LEAD)  # Bo cannot take Ann's pack


def test_pack__edited_offline__changes_saved_all_at_once_and_audited(db_url: str, two) -> None:
    review, ann, _ = two
    _rate(db_url, ann, review.id, Rater.LEAD, 1, score=3)

    def edit(book) -> None:
        book["items"]["C2"] = 4  # item 1: 3 -> 4
        book["items"]["C3"] = 5  # item 2: new
        book["items"]["D3"] = "'=SUM(1) read as text"  # as the app writes text a spreadsheet would run
        book["items"]["E3"] = "doc, int"
        book["records"].append(["CR-9", date(2026, 1, 5), None, date(2026, 1, 20), "yes", "yes"])
        book["notes"].append([None, "7, 8", "Team meeting: weekly, minuted"])

    content = _edit(_export(db_url, ann, review.id), edit)
    with _s(db_url) as s:
        checked = packs.check_pack(s, actor=ann, file_name="pack.xlsx", content=content, review_id=review.id)
    assert checked.from_pack == [1, 2] and checked.records == packs.PACK and checked.conflicts == []
    with _s(db_url) as s:
        packs.apply_pack(s, actor=ann, file_name="pack.xlsx", content=content, keep={}, review_id=review.id)
    with _s(db_url) as s:
        saved = ratings.ratings_of(s, review.id, rater=Rater.LEAD)
        assert (saved[1].score, saved[2].score, saved[2].evidence, saved[2].data_sources) == (
            4,
            5,
            "=SUM(1) read as text",
            ["DOC", "INT"],
        )
        assert [r.reference for r in s.exec(select(CaseRecord))] == ["CR-9"]
        assert s.exec(select(EvidenceNote)).one().items == [7, 8]
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "visit pack", AuditEvent.action == "import")).one()
    assert event.after["items from the pack"] == [1, 2] and event.after["notes added"] == 1


def test_pack__both_changed_an_item__conflict_until_the_reviewer_chooses(db_url: str, two) -> None:
    review, ann, _ = two
    _rate(db_url, ann, review.id, Rater.LEAD, 3, score=3)
    content = _edit(_export(db_url, ann, review.id), lambda book: book["items"].__setitem__("C4", 5))
    _rate(db_url, ann, review.id, Rater.LEAD, 3, score=2)  # changed in the app after the pack was made
    with _s(db_url) as s:
        checked = packs.check_pack(s, actor=ann, file_name="p.xlsx", content=content)
        row = checked.rows[2]
        assert (row.app.score, row.pack.score, row.outcome) == (2, 5, packs.CONFLICT)
        with pytest.raises(errors.InputError, match="choose the pack's or the app's value for item 3; nothing saved"):
            packs.apply_pack(s, actor=ann, file_name="p.xlsx", content=content, keep={})
    with _s(db_url) as s:
        packs.apply_pack(s, actor=ann, file_name="p.xlsx", content=content, keep={"item 3": packs.PACK})
    with _s(db_url) as s:
        assert ratings.scores_of(s, review.id, rater=Rater.LEAD)[3] == 5


def test_pack__unchanged_offline__keeps_what_changed_in_the_app(db_url: str, two) -> None:
    review, ann, _ = two
    _rate(db_url, ann, review.id, Rater.LEAD, 3, score=3)
    content = _export(db_url, ann, review.id)
    _rate(db_url, ann, review.id, Rater.LEAD, 3, score=2)
    with _s(db_url) as s:
        assert packs.check_pack(s, actor=ann, file_name="p.xlsx", content=content).rows[2].outcome == packs.APP
        packs.apply_pack(s, actor=ann, file_name="p.xlsx", content=content, keep={})
    with _s(db_url) as s:
        assert ratings.scores_of(s, review.id, rater=Rater.LEAD)[3] == 2


def test_pack__bad_cells__every_one_named_and_nothing_saved(db_url: str, two) -> None:
    review, ann, _ = two

    def edit(book) -> None:
        book["items"]["C8"] = 7
        book["items"]["E9"] = "DOC, GP"
        book["records"].append(["CR-1", "soon"])
        book["notes"].append([None, "7, 99", "x"])

    content = _edit(_export(db_url, ann, review.id), edit)
    with _s(db_url) as s, pytest.raises(PackError) as refused:
        packs.apply_pack(s, actor=ann, file_name="p.xlsx", content=content, keep={})
    assert refused.value.problems == [
        "sheet items, row 8, column score: must be a whole number 1-5",
        "sheet items, row 9, column data_sources: GP: use MIS, DOC, INT, OBS",
        "sheet records, row 2, column referral_date: must be a date (YYYY-MM-DD)",
        "sheet notes, row 2, column items: must be item numbers 1-25, separated by commas",
    ]
    with _s(db_url) as s:
        assert ratings.ratings_of(s, review.id, rater=Rater.LEAD) == {}


def test_pack__another_review_rater_submitted_or_scale_version__refused_saying_why(
    db_url: str, two, make_service, scales
) -> None:
    review, ann, bo = two
    content = _export(db_url, ann, review.id)
    with _s(db_url) as s:
        with pytest.raises(errors.InputError, match=f"this pack is for review {review.id}, not the review chosen"):
            packs.check_pack(s, actor=ann, file_name="p.xlsx", content=content, review_id=review.id + 1)
        with pytest.raises(errors.PermissionDenied):
            packs.check_pack(s, actor=bo, file_name="p.xlsx", content=content)
        shared.pin_scale(s, scales["ips-25"].model_copy(update={"version": "next", "content_hash": "f" * 64}))
        changed = s.get(Review, review.id)
        changed.scale_hash, changed.scale_version = "f" * 64, "next"  # as if moved to a newer version
        s.add(changed)
    with (
        _s(db_url) as s,
        pytest.raises(errors.InputError, match=r"the review now uses version next\. Download a new pack"),
    ):
        packs.check_pack(s, actor=ann, file_name="p.xlsx", content=content)
    with _s(db_url) as s:
        changed = s.get(Review, review.id)
        changed.scale_hash, changed.scale_version = review.scale_hash, review.scale_version
        s.add(changed)
    for number in range(1, 26):
        _rate(db_url, ann, review.id, Rater.LEAD, number, score=4)
    with _s(db_url) as s:
        ratings.submit_scores(s, actor=ann, review_id=review.id, rater=Rater.LEAD)
    with _s(db_url) as s, pytest.raises(errors.ReviewLocked, match="has submitted their scores"):
        packs.check_pack(s, actor=ann, file_name="p.xlsx", content=content)
    with _s(db_url) as s, pytest.raises(PackError, match="not a visit pack made by this app"):
        packs.check_pack(
            s, actor=ann, file_name="p.xlsx", content=_edit(content, lambda b: b["about"].__setitem__("B1", "x"))
        )


def test_cli_visit_pack__export_then_import_as_the_reviewer(tmp_path, monkeypatch, capsys, scales) -> None:
    url = sqlite_with_service(tmp_path / "cli.db")
    review, _, _ = reviewed_by_two(url, 1, scales)
    monkeypatch.setenv("DATABASE_URL", url)
    path = tmp_path / "pack.xlsx"
    assert main(["visit-pack", "export", str(review.id), "--rater", "lead", str(path)]) == 0
    assert f"wrote the lead reviewer's pack for review {review.id}" in capsys.readouterr().out
    path.write_bytes(_edit(path.read_bytes(), lambda book: book["items"].__setitem__("C2", 4)))
    assert main(["visit-pack", "import", str(path), "--user", "bo"]) == 2
    assert "not allowed" in capsys.readouterr().err
    assert main(["visit-pack", "import", str(path), "--user", "ann"]) == 0
    assert capsys.readouterr().out.strip() == f"saved from the pack into review {review.id}: items 1; 0 note(s) added"
    with _s(url) as s:
        assert ratings.scores_of(s, review.id, rater=Rater.LEAD) == {1: 4}
    db.dispose_engine(url)
