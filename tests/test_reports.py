"""The fidelity report: DOCX and PDF opened with reader libraries and checked for content and speed."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest
from docx import Document
from pypdf import PdfReader

from fidelity import db, reports
from fidelity.models import Rater
from fidelity.store import plans, ratings, reviews

from .conftest import ACTOR, all_items


@pytest.fixture
def report(db_url: str, make_service, scales) -> reports.ReportData:
    service = make_service("Report Test IPS")
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=scales,
            data={
                "service_id": service.id,
                "scale_id": "ipspc",
                "kind": "external",
                "visit_start": date(2026, 3, 2),
                "visit_end": date(2026, 3, 3),
                "lead_reviewer": "Ann Lead",
                "second_reviewer": "Bo Second",
            },
        )
        for rater, scores in ((Rater.LEAD, all_items(4) | {9: 2}), (Rater.SECOND, all_items(4) | {9: 3})):
            for number, score in scores.items():
                ratings.save_rating(
                    s, actor=ACTOR, review_id=review.id, data={"item_number": number, "score": score}, rater=rater
                )
            ratings.submit_scores(s, actor=ACTOR, review_id=review.id, rater=rater)
        ratings.save_rating(
            s,
            actor=ACTOR,
            review_id=review.id,
            rater=Rater.CONSENSUS,
            data={"item_number": 9, "score": 2, "recommendation": "Accept self-referrals", "rationale": "Waiting list"},
        )
        ratings.save_rating(
            s,
            actor=ACTOR,
            review_id=review.id,
            rater=Rater.CONSENSUS,
            data={"item_number": 1, "strength": "Caseloads of 18 per specialist"},
        )
        reviews.finalise_review(s, actor=ACTOR, review_id=review.id)
        plans.create_plan_from_review(s, actor=ACTOR, review_id=review.id)
    with db.session_scope(engine) as s:
        return reviews.report_data(s, review.id, actor=ACTOR)


EXPECTED = [
    "IPS fidelity review report: Report Test IPS",
    "Area 1",
    "Programme 1",
    "external",
    "Ann Lead (lead) and Bo Second",
    "ipspc v2026.2",
    "item(s) of this scale have provisional criteria",
    "98 of 125",
    "Fair",
    "Staffing",
    "Organization",
    "Services",
    "Accept self-referrals",
    "Caseloads of 18 per specialist",
    "not started",
    "Criteria of each item",
]


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_report_data__figures(report: reports.ReportData) -> None:
    assert (report.total, report.band, report.is_final) == (98, "Fair", True)
    assert report.sections == {"Staffing": 12, "Organization": 30, "Services": 56}
    assert [a["Item"] for a in report.actions] == ["9. Open access within programme eligibility"]
    assert report.actions[0]["Action"] == "Accept self-referrals"


def test_docx__contains_every_part_of_the_report(report: reports.ReportData) -> None:
    content = reports.to_docx(report)
    text = _docx_text(content)
    for expected in EXPECTED:
        assert expected in text, expected
    document = Document(io.BytesIO(content))
    assert len(document.inline_shapes) == 1  # the principle profile chart
    item_table = next(t for t in document.tables if t.rows[0].cells[0].text == "No.")
    assert len(item_table.rows) == 26
    assert [c.text for c in item_table.rows[9].cells[:4]] == ["9", "Open access within programme eligibility", "2", ""]


def test_pdf__contains_every_part_of_the_report(report: reports.ReportData) -> None:
    reader = PdfReader(io.BytesIO(reports.to_pdf(report)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # lines wrap in the PDF
    for expected in EXPECTED:
        assert expected in text, expected
    assert reader.metadata.title == "IPS fidelity review report: Report Test IPS"
    assert sum(len(page.images) for page in reader.pages) == 1


def test_report__both_files_generated_under_two_seconds(report: reports.ReportData) -> None:
    started = time.perf_counter()
    reports.to_docx(report)
    reports.to_pdf(report)
    assert time.perf_counter() - started < 2.0


def test_report__draft_review__marked_draft(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores={1: 3})
    with db.session_scope(db.make_engine(db_url)) as s:
        data = reviews.report_data(s, review.id, actor=ACTOR)
    assert not data.is_final and data.band is None
    assert "DRAFT: this review is not final" in _docx_text(reports.to_docx(data))
    assert "single reviewer" in data.kind


def test_principle_chart__png_with_every_principle(report: reports.ReportData) -> None:
    png = reports.principle_chart_png(report.principles, report.previous_principles)
    assert png.startswith(b"\x89PNG")
