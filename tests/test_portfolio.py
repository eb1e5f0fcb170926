"""Before the visit: the evidence portfolio (the service lists evidence per item, the lead reviewer audits each item)
and the performance snapshot (prefilled from the outcomes, confirmed or corrected by the service's lead, pinned to
the review and shown in the workspace and the report). Pure rules first, then the data layer on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from fidelity import db, errors, snapshot
from fidelity.outcomes import OutcomeFigures
from fidelity.store import outcomes, portfolio, reviews, snapshots, timelines

from .conftest import ACTOR, table_dump
from .test_access import FIGURES, World, _write, world  # noqa: F401  (the fixture; F811 waived for this file)

TODAY = date(2025, 12, 10)  # a month before the draft's visit (10 January 2026)


# --- the snapshot's rules ---------------------------------------------------------------------------------------


def test_quarters_before__the_four_whole_quarters_before_the_visits_quarter() -> None:
    assert snapshot.quarters_before(date(2026, 1, 10)) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert snapshot.quarters_before(date(2026, 3, 31)) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert snapshot.quarters_before(date(2026, 4, 1)) == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]


def test_prefilled__rates_from_the_figures__blank_where_nothing_entered() -> None:
    figures = OutcomeFigures(**FIGURES)
    rows = snapshot.prefilled(["2025-Q1", "2025-Q2"], {"2025-Q2": figures})
    assert rows[0] == {"Quarter": "2025-Q1"} | dict.fromkeys(snapshot.FIGURES)
    assert rows[1] == {
        "Quarter": "2025-Q2",
        "Caseload per FTE": 20.0,  # 40 clients over 2 FTE
        "Referrals": 20,
        "Job starts": 12,
        "Employment rate (%)": 33.3,  # 10 of 30 out-of-work clients
        "Sustained outcomes (26 weeks)": 4,
    }


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"Referrals": 2.5}, "row 1 (2025-Q1), Referrals: 2.5 is not a whole number"),
        ({"Employment rate (%)": 100.1}, "row 1 (2025-Q1), Employment rate (%): 100.1 is outside 0 to 100"),
        ({"Job starts": -1}, "row 1 (2025-Q1), Job starts: -1 is outside 0 to 100000"),
        ({"Caseload per FTE": "many"}, "row 1 (2025-Q1), Caseload per FTE: 'many' is not a number"),
        ({"Caseload per FTE": float("inf")}, "row 1 (2025-Q1), Caseload per FTE: inf is outside 0 to 1000"),
        ({"Quarter": "2024-Q4"}, "quarters: the snapshot covers 2025-Q1; correct the figures, not the quarters"),
    ],
)
def test_checked__bad_figures_named_by_row_and_column(change: dict, problem: str) -> None:
    row = {"Quarter": "2025-Q1"} | dict.fromkeys(snapshot.FIGURES) | change
    assert snapshot.checked([row], ["2025-Q1"])[1] == [problem]


def test_checked__bounds_themselves_and_blanks_accepted() -> None:
    row = {"Quarter": "2025-Q1", "Caseload per FTE": 1000, "Referrals": 0, "Employment rate (%)": 100, "Job starts": ""}
    cleaned, problems = snapshot.checked([row], ["2025-Q1"])
    assert problems == [] and cleaned[0]["Job starts"] is None and cleaned[0]["Employment rate (%)"] == 100.0


# --- the portfolio ----------------------------------------------------------------------------------------------


def _add(world: World, who: str = "lead", **change):  # type: ignore[no-untyped-def]
    data = {"item_number": 1, "title": "Caseload report, Q4", "kind": "MIS"} | change
    actor = ACTOR if who == "admin" else world.actors[who]
    with _write(world.url) as s:
        return portfolio.add_entry(s, actor=actor, review_id=world.draft_id, **data)


def _audit(world: World, number: int, verdict: str = "sufficient", who: str = "rev1", note: str = ""):  # type: ignore[no-untyped-def]
    with _write(world.url) as s:
        return portfolio.audit_item(
            s,
            actor=world.actors[who],
            review_id=world.draft_id,
            item_number=number,
            verdict=verdict,
            note=note,
            today=TODAY,
        )


def test_portfolio__service_lead_lists__refused_to_others__bad_input_named(world: World) -> None:
    entry = _add(world, title="  Caseload report, Q4  ")
    assert (entry.title, entry.kind, entry.added_by) == ("Caseload report, Q4", "MIS", "lead")
    before = table_dump(world.url)
    for who in ("rev1", "comm", "admin"):
        with pytest.raises(errors.PermissionDenied, match="the service's leads list the evidence"):
            _add(world, who)
    for change, message in [
        ({"kind": "PDF"}, "kind: 'PDF' is not one of MIS, DOC, INT, OBS"),
        ({"title": " "}, "title: must not be empty"),
        ({"title": "x" * 201}, "title: at most 200 characters"),
        ({"title": "a\nb"}, "title: must be one line"),
        ({"item_number": 26}, "item: 26 is not an item"),
    ]:
        with pytest.raises(errors.InputError, match=message):
            _add(world, **change)
    assert table_dump(world.url) == before
    with _write(world.url) as s:
        portfolio.remove_entry(s, actor=world.actors["lead"], entry_id=entry.id)
    with Session(db.make_engine(world.url)) as s:
        assert portfolio.entries_of(s, world.draft_id) == {}


def test_audit__lead_reviewer_only__every_item_audited_marks_the_step(world: World) -> None:
    _add(world)
    with pytest.raises(errors.PermissionDenied, match="the lead reviewer audits"):
        _audit(world, 1, who="rev2")
    with pytest.raises(errors.InputError, match="verdict: 'fine' is not one of sufficient, missing"):
        _audit(world, 1, verdict="fine")
    _audit(world, 1, "missing", note="No MIS report yet")
    _audit(world, 1, "sufficient")  # changed after the service sent it
    for number in range(2, 26):
        with Session(db.make_engine(world.url)) as s:
            step = {t.key: t for t in timelines.review_steps(s, actor=ACTOR, review_id=world.draft_id)}
        assert step["portfolio_audited"].status == "to do"
        _audit(world, number)
    with Session(db.make_engine(world.url)) as s:
        steps = {t.key: t for t in timelines.review_steps(s, actor=ACTOR, review_id=world.draft_id)}
        shown = portfolio.portfolio_of(s, actor=world.actors["lead"], review_id=world.draft_id)
        context = reviews.review_context(s, world.draft_id, actor=world.actors["rev1"])
    assert (steps["portfolio_audited"].status, steps["portfolio_audited"].done_by) == ("done", "rev1")
    assert shown.verdicts[1].verdict == "sufficient" and len(shown.verdicts) == 25
    assert [e.title for e in context.portfolio[1]] == ["Caseload report, Q4"] and context.audited[1].marked_by == "rev1"


# --- the snapshot in the data layer -----------------------------------------------------------------------------


def test_snapshot__prefilled_from_outcomes__confirmed_with_a_correction__pinned(world: World) -> None:
    with _write(world.url) as s:
        outcomes.save_outcome(s, actor=ACTOR, service_id=world.services["north"], quarter="2025-Q3", figures=FIGURES)
    with Session(db.make_engine(world.url)) as s:
        form = snapshots.snapshot_form(s, actor=world.actors["lead"], review_id=world.draft_id)
    assert form.quarters == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"] and form.confirms and form.saved is None
    assert form.rows[2]["Referrals"] == 20 and form.rows[1]["Referrals"] == 20  # 2025-Q2 was entered by the world
    corrected = [dict(r) for r in form.rows]
    corrected[3] |= {"Referrals": 25, "Job starts": 9}
    with pytest.raises(errors.PermissionDenied, match="the service's leads confirm"), _write(world.url) as s:
        snapshots.confirm_snapshot(s, actor=world.actors["rev1"], review_id=world.draft_id, rows=corrected, today=TODAY)
    bad = [dict(r) for r in corrected]
    bad[0]["Referrals"] = -3
    before = table_dump(world.url)
    refused = pytest.raises(errors.InputError, match=r"snapshot: nothing saved; row 1 \(2025-Q1\), Referrals")
    with refused, _write(world.url) as s:
        snapshots.confirm_snapshot(s, actor=world.actors["lead"], review_id=world.draft_id, rows=bad, today=TODAY)
    assert table_dump(world.url) == before
    with _write(world.url) as s:
        saved = snapshots.confirm_snapshot(
            s, actor=world.actors["lead"], review_id=world.draft_id, rows=corrected, today=TODAY
        )
    assert saved.rows[3]["Referrals"] == 25 and saved.prefilled[3]["Referrals"] is None
    with Session(db.make_engine(world.url)) as s:
        context = reviews.review_context(s, world.draft_id, actor=world.actors["rev1"])
        steps = {t.key: t for t in timelines.review_steps(s, actor=ACTOR, review_id=world.draft_id)}
        report = reviews.report_data(s, world.draft_id, actor=ACTOR)
    assert context.snapshot == saved.rows and steps["snapshot_sent"].status == "done"
    from fidelity import reports

    assert [section.title for section in reports.appendix_sections(report)] == ["Appendix: performance snapshot"]


def test_migration__down_and_up(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from .conftest import migrated_to

    config = migrated_to(db_url, "8e2f4a6b1c3d")
    assert "portfolioentry" not in inspect(db.make_engine(db_url)).get_table_names()
    command.upgrade(config, "head")
    tables = set(inspect(db.make_engine(db_url)).get_table_names())
    assert {"portfolioentry", "portfolioverdict", "performancesnapshot"} <= tables
    command.downgrade(config, "8e2f4a6b1c3d")
    assert "performancesnapshot" not in inspect(db.make_engine(db_url)).get_table_names()
