"""The site visit in the data layer: plan, case-record sample and evidence notes; all or nothing, audited, blind."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import select

from fidelity import db, errors
from fidelity.models import AuditEvent, Rater
from fidelity.store import access, ratings, reviews, visits
from fidelity.visit_models import CaseRecord, EvidenceNote, VisitSession

from .conftest import ACTOR, all_items

SESSION = {"kind": "interview", "informant_role": "team leader or IPS supervisor", "minutes": 45, "items": [7, 8]}


def _s(url: str):
    return db.session_scope(db.make_engine(url))


def _plan(url: str, actor, review_id: int, rows: list[dict]):
    with _s(url) as s:
        return visits.save_plan(s, actor=actor, review_id=review_id, rows=rows)


def _records(url: str, actor, review_id: int, rows: list[dict]):
    with _s(url) as s:
        return visits.save_records(s, actor=actor, review_id=review_id, rows=rows)


def test_save_plan__add_change_drop__kept_by_id_and_audited(db_url: str, two) -> None:
    review, ann, _ = two
    first = _plan(db_url, ann, review.id, [SESSION | {"day": date(2026, 5, 1), "start": time(9, 30)}])
    observe = {"kind": "observation", "informant_role": "employer", "minutes": 60, "items": [17, 18, 18]}
    saved = _plan(
        db_url,
        ann,
        review.id,
        [
            {"id": first[0].id, **SESSION, "minutes": 60, "day": date(2026, 5, 1), "start": time(9, 0)},
            observe | {"day": date(2026, 5, 2), "start": time(14, 0)},
        ],
    )
    assert [(r.id == first[0].id, r.minutes, r.items) for r in saved] == [(True, 60, [7, 8]), (False, 60, [17, 18])]
    _plan(db_url, ann, review.id, [])
    with _s(db_url) as s:
        assert s.exec(select(VisitSession)).all() == []
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "visit plan")).all()
    assert len(events) == 3 and events[-1].after == {"rows": []} and len(events[-1].before["rows"]) == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"informant_role": "Jo Bloggs"}, "row 2, informant role: choose a role"),
        ({"items": [26]}, "row 2, items: ips-25 has items 1-25, not [26]"),
        ({"minutes": 0}, "row 2, minutes: Input should be greater than or equal to 5"),
        ({"kind": "lunch"}, "row 2, kind: Input should be"),
    ],
)
def test_save_plan__bad_row__nothing_saved_and_the_row_and_field_named(db_url: str, two, row, message) -> None:
    review, ann, _ = two
    rows = [
        SESSION | {"day": date(2026, 5, 1), "start": time(9, 0)},
        SESSION | {"day": date(2026, 5, 1), "start": time(11, 0)} | row,
    ]
    with pytest.raises(
        errors.InputError, match="visit plan: nothing saved; .*" + message.replace("[", r"\[").replace("]", r"\]")
    ):
        _plan(db_url, ann, review.id, rows)
    with _s(db_url) as s:
        assert s.exec(select(VisitSession)).all() == []


def test_save_records__personal_data_duplicate_or_dates_out_of_order__refused_by_row(db_url: str, two) -> None:
    review, ann, _ = two
    bad = [
        {"reference": "CR-1", "referral_date": date(2026, 1, 5), "first_employer_contact": date(2026, 1, 25)},
        {"reference": "John Smith"},
        {"reference": "NR1 3AB"},
        {"reference": "cr-1"},
        {"reference": "CR-5", "referral_date": date(2026, 2, 1), "job_start": date(2026, 1, 1)},
    ]
    with pytest.raises(errors.InputError) as refused:
        _records(db_url, ann, review.id, bad)
    message = str(refused.value)
    assert "row 2, reference: looks like a person's name" in message
    assert "row 3, reference: looks like a postcode" in message
    assert "reference: 'cr-1' is on two rows" in message
    assert "row 5, job start: is before the referral date" in message
    with _s(db_url) as s:
        assert s.exec(select(CaseRecord)).all() == []


def test_records__measures_reach_the_review_and_its_report(db_url: str, two) -> None:
    review, ann, _ = two
    referral = date(2026, 1, 5)
    _records(
        db_url,
        ann,
        review.id,
        [
            {"reference": f"CR-{n}", "referral_date": referral, "first_employer_contact": date(2026, 1, 5 + d)}
            for n, d in ((1, 10), (2, 20), (3, 24))
        ],
    )
    with _s(db_url) as s:
        context = reviews.review_context(s, review.id, actor=ACTOR)
        report = reviews.report_data(s, review.id, actor=ACTOR)
    assert context.measures[15].suggested == 5 and context.measures[15].n == 3
    row = next(r for r in report.items if r["No."] == 15)
    assert row["Record sample"].startswith("Days from referral to first employer contact: 18 days")
    assert row["Record sample"].endswith("n = 3); suggests 5")


def test_notes__each_reviewers_own_until_both_submit(db_url: str, two) -> None:
    review, ann, bo = two
    with _s(db_url) as s:
        visit_session = visits.save_plan(
            s, actor=ann, review_id=review.id, rows=[SESSION | {"day": date(2026, 5, 1), "start": time(9, 0)}]
        )[0]
        visits.add_note(
            s,
            actor=ann,
            review_id=review.id,
            rater=Rater.LEAD,
            data={"text": "Team leader: weekly\ngroup supervision", "items": [8, 7], "session_id": visit_session.id},
        )
        visits.add_note(s, actor=bo, review_id=review.id, rater=Rater.SECOND, data={"text": "Bo's view", "items": [7]})
        with pytest.raises(errors.PermissionDenied):
            visits.add_note(s, actor=bo, review_id=review.id, rater=Rater.LEAD, data={"text": "as Ann", "items": [7]})
        assert [n.text for n in visits.visit_of(s, actor=bo, review_id=review.id).notes] == ["Bo's view"]
        ann_visit = visits.visit_of(s, actor=ann, review_id=review.id)
        assert [(n.items, n.session_id) for n in ann_visit.notes_for(7)] == [([7, 8], visit_session.id)]
    with _s(db_url) as s:
        for actor, rater in ((ann, Rater.LEAD), (bo, Rater.SECOND)):
            for number, score in all_items(3).items():
                ratings.save_rating(
                    s, actor=actor, review_id=review.id, data={"item_number": number, "score": score}, rater=rater
                )
            ratings.submit_scores(s, actor=actor, review_id=review.id, rater=rater)
    with _s(db_url) as s:
        assert len(visits.visit_of(s, actor=bo, review_id=review.id).notes) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "  ", "items": [7]}, "text: must not be empty"),
        ({"text": "x", "items": []}, "items: List should have at least 1 item"),
        ({"text": "x", "items": [30]}, "items: ips-25 has items 1-25, not [30]"),
        ({"text": "x", "items": [7], "session_id": 999}, "session: 999 is not a session of this review's visit plan"),
    ],
)
def test_add_note__bad_input__refused_naming_the_field(db_url: str, two, data, message) -> None:
    review, ann, _ = two
    with _s(db_url) as s, pytest.raises(errors.InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        visits.add_note(s, actor=ann, review_id=review.id, rater=Rater.LEAD, data=data)


def test_visit__a_service_lead_or_a_final_review__cannot_change_it(db_url: str, make_service, make_review) -> None:
    review = make_review(make_service().id, scores=all_items(3), final=True)
    lead = access.Actor(name="lee", role=access.Role.SERVICE_LEAD, user_id=None)
    with pytest.raises(errors.PermissionDenied):
        _plan(db_url, lead, review.id, [])
    with pytest.raises(errors.ReviewLocked):
        _records(db_url, ACTOR, review.id, [{"reference": "CR-1"}])
    with _s(db_url) as s:
        assert s.exec(select(EvidenceNote)).all() == []


def test_agenda__one_page_docx_and_pdf_with_every_session(db_url: str, two) -> None:
    import io

    from docx import Document
    from pypdf import PdfReader

    from fidelity import reports

    review, ann, _ = two
    with _s(db_url) as s:
        empty = visits.agenda(s, actor=ann, review_id=review.id)
    assert "No sessions are planned yet." in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(reports.agenda_pdf(empty))).pages
    )
    _plan(
        db_url,
        ann,
        review.id,
        [
            {
                "kind": "observation",
                "informant_role": "employer",
                "day": date(2026, 5, 2),
                "start": time(14),
                "minutes": 60,
                "items": [18, 17],
            },
            SESSION | {"day": date(2026, 5, 1), "start": time(9, 30)},
        ],
    )
    with _s(db_url) as s:
        agenda = visits.agenda(s, actor=ann, review_id=review.id)
    assert agenda.rows() == [
        ["Fri 01 May", "09:30", "45", "interview", "team leader or IPS supervisor", "7, 8"],
        ["Sat 02 May", "14:00", "60", "observation", "employer", "17, 18"],
    ]
    pdf = PdfReader(io.BytesIO(reports.agenda_pdf(agenda)))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "IPS fidelity review visit" in text and "team leader or IPS supervisor" in text and "Ann and Bo" in text
    document = Document(io.BytesIO(reports.agenda_docx(agenda)))
    assert [c.text for c in document.tables[0].rows[2].cells] == [
        "Sat 02 May",
        "14:00",
        "60",
        "observation",
        "employer",
        "17, 18",
    ]
