"""The command line's CSV views for analysts: what the insight views and Home's due list show (and what the day's
deletion of personal data deleted), written to standard output through the shared writer (fidelity.files), so R or
Python can read them."""

from __future__ import annotations

from datetime import date
from typing import Any

from fidelity import db, files
from fidelity.item_outcomes import associations, item_groups, principle_groups
from fidelity.scales import Scale
from fidelity.store import access, accounts, calibration, item_outcomes, personal_data, programme_view, timelines


def due_command(url: str, username: str | None, *, overdue: bool, today: date) -> bytes:
    """The review steps due, as CSV: every one (as an admin sees them), or those due from one user."""
    with db.session_scope(db.make_engine(url)) as session:
        actor = accounts.actor_named(session, username) if username else access.operator()
        steps = timelines.due_steps(session, actor=actor, today=today, overdue_only=overdue)
    return files.csv_bytes(
        ["review_id", "service", "visit", "step", "owner", "due", "overdue"],
        ([s.review_id, s.service, s.visit.isoformat(), s.title, s.owner, s.due.isoformat(), s.overdue] for s in steps),
    )


def delete_personal_data_command(url: str, today: date) -> bytes:
    """Delete the personal data of every review whose deletion day has come; what was deleted, as CSV."""
    with db.session_scope(db.make_engine(url)) as session:
        deleted = personal_data.delete_due(session, today)
    db.forget_deleted(db.make_engine(url))
    return files.csv_bytes(
        ["review_id", "case_records", "evidence_notes", "audit_events_scrubbed"],
        ([d.review_id, d.case_records, d.evidence_notes, d.audit_events_scrubbed] for d in deleted),
    )


def insight_command(
    url: str, scales: dict[str, Scale], view: str, *, outcome: str = "employment", after: int = 2
) -> bytes:
    """One of the insight views as CSV (every programme, as an admin sees them)."""
    bands = [band.label for band in (scales.get("ips-25") or next(iter(scales.values()))).bands]
    with db.session_scope(db.make_engine(url)) as session:
        if view == "calibration":
            rows = [vars(summary) for summary in calibration.calibration(session, actor=access.operator()).summaries]
        elif view == "items":
            rows = _item_associations(session, scales, outcome, after)
        else:
            rows = programme_view.programme_summary(session, actor=access.operator(), today=date.today(), bands=bands)
    header = list(dict.fromkeys(key for row in rows for key in row)) or ["programme", "quarter"]
    return files.csv_bytes(header, [[row.get(key) for key in header] for row in rows])


def _item_associations(session: Any, scales: dict[str, Scale], outcome: str, after: int) -> list[dict[str, Any]]:
    measure = item_outcomes.Measure.EMPLOYMENT if outcome == "employment" else item_outcomes.Measure.JOB_STARTS
    points = item_outcomes.service_points(session, actor=access.operator(), measure=measure, quarters_after=after)
    scale = scales.get("ips-25") or next(iter(scales.values()))
    groups = {"item": item_groups(scale), "principle": principle_groups(scale)}
    return [
        {"outcome": str(measure), "quarters after": after, "kind": kind, **row}
        for kind, group in groups.items()
        for row in associations(points, group)
    ]
