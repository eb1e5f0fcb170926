"""Quarterly outcomes as saved: one service's figures for one quarter, entered, corrected, listed or imported."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from fidelity import files, imports
from fidelity.errors import ImportRefused, InputError, check_version
from fidelity.models import OutcomePeriod, Service, utc_now
from fidelity.outcomes import FIELD_LABELS, quarter_start
from fidelity.outcomes import problems as figure_problems
from fidelity.store import access
from fidelity.store.access import Actor, Role
from fidelity.store.audit import insert_audited, record, snapshot
from fidelity.store.shared import get_row

OUTCOME_FIELDS = tuple(FIELD_LABELS)
SPLIT_COLUMN = (
    "the column first_job_starts is now two, so in-work clients' new jobs stay out of the employment rate: "
    "out_of_work_job_starts (out-of-work clients with a first job start) and in_work_job_starts (in-work "
    "clients who started a new job). Download the template for the columns."
)


def _outcome_problems(quarter: str, figures: dict[str, Any]) -> dict[str, str]:
    found = {}
    try:
        quarter_start(quarter)
    except ValueError as error:
        found["quarter"] = str(error).removeprefix("quarter: ")
    return found | figure_problems(figures)


def save_outcome(
    session: Session,
    *,
    actor: Actor,
    service_id: int,
    quarter: str,
    figures: dict[str, Any],
    replace: bool = False,
    expected_version: int | None = None,
) -> OutcomePeriod:
    """Enter (or, with `replace`, correct) one service's figures for one quarter.

    `expected_version` is the version of the quarter the user corrected: a newer one is a Conflict.
    """
    access.require_service_upkeep(session, actor, service_id, "enter outcomes")
    get_row(session, Service, service_id)
    quarter = quarter.strip().upper()
    found = _outcome_problems(quarter, figures)
    if found:
        raise InputError("; ".join(f"{FIELD_LABELS.get(k, k)}: {m}" for k, m in found.items()))
    existing = session.exec(
        select(OutcomePeriod).where(OutcomePeriod.service_id == service_id, OutcomePeriod.quarter == quarter)
    ).first()
    if existing is not None and not replace:
        raise InputError(f"quarter: {quarter} is already entered for this service; correct it instead")
    if existing is not None:
        check_version(existing, expected_version, what=f"the {quarter} figures")
    before = snapshot(existing) if existing else None
    period = _with_figures(existing or _new_period(service_id, quarter), figures)
    session.add(period)
    session.flush()
    record(session, actor=actor.name, action="update" if before else "create", row=period, before=before)
    return period


def _new_period(service_id: int, quarter: str) -> OutcomePeriod:
    return OutcomePeriod(
        service_id=service_id,
        quarter=quarter,
        quarter_start=quarter_start(quarter),
        **dict.fromkeys(OUTCOME_FIELDS, 0),
    )


def _with_figures(period: OutcomePeriod, figures: dict[str, Any]) -> OutcomePeriod:
    for field in OUTCOME_FIELDS:
        value = float(figures[field])
        setattr(period, field, value if field == "specialist_fte" else int(value))
    period.job_starts_split = True
    period.updated_at = utc_now()
    return period


def list_outcomes(session: Session, *, actor: Actor, service_id: int) -> list[OutcomePeriod]:
    access.require_service_read(session, actor, service_id)
    return list(
        session.exec(
            select(OutcomePeriod).where(OutcomePeriod.service_id == service_id).order_by(OutcomePeriod.quarter_start)
        )
    )


def import_outcomes(session: Session, *, actor: Actor, content: bytes, filename: str) -> list[int]:
    """Import quarters from CSV or XLSX: all rows or none; refuses unknown services, services outside the
    actor's own, and quarters entered twice."""
    access.require_role(actor, (Role.SERVICE_LEAD,), "enter outcomes")
    visible = access.visible_service_ids(session, actor)
    try:
        rows = imports.read_rows(
            content,
            filename,
            required=("service", "quarter", *OUTCOME_FIELDS),
            retired={"first_job_starts": SPLIT_COLUMN},
        )
    except imports.ImportFileError as error:
        raise InputError(str(error)) from error
    services = {s.name.lower(): s for s in session.exec(select(Service))}
    entered = {(p.service_id, p.quarter) for p in session.exec(select(OutcomePeriod))}
    problems = imports.Problems()
    valid: list[tuple[int, Service, str, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for row_number, row in enumerate(rows, start=2):
        if not any(str(v).strip() for v in row.values()):
            continue
        name, quarter = str(row["service"]).strip(), str(row["quarter"]).strip().upper()
        found = _outcome_problems(quarter, {f: row[f] for f in OUTCOME_FIELDS})
        service = services.get(name.lower())
        if service is not None and visible is not None and service.id not in visible:
            service = None  # one answer for a service outside the actor's own and one that does not exist
        if service is None:
            unknown = f"no service called {name!r}" + (" among your services" if visible is not None else "")
            found = {"service": unknown if name else "is empty"} | found
        elif "quarter" not in found:
            if (service.id, quarter) in entered:
                found["quarter"] = f"{quarter} is already entered for {service.name}"
            elif (name.lower(), quarter) in seen:
                found["quarter"] = f"{quarter} for {service.name} is also on row {seen[(name.lower(), quarter)]}"
            seen.setdefault((name.lower(), quarter), row_number)
        if found:
            for column, message in found.items():
                problems.add(imports.Problem(row_number, column, message))
        elif service is not None:
            valid.append((row_number, service, quarter, {f: row[f] for f in OUTCOME_FIELDS}))
    if not problems and not valid:
        problems.add(imports.Problem(2, "service", "the file has no quarters below its header row"))
    if problems:
        raise ImportRefused(problems.shown, problems.total)
    _insert_checked(session, actor, [(service.id or 0, quarter, figures) for _, service, quarter, figures in valid])
    return [row for row, *_ in valid]


def _insert_checked(session: Session, actor: Actor, quarters: list[tuple[int, str, dict[str, Any]]]) -> None:
    """New quarters already checked (figures, scope, not yet entered), inserted in one statement, each audited."""
    insert_audited(
        session,
        OutcomePeriod,
        [
            {
                "service_id": service_id,
                "quarter": quarter,
                "quarter_start": quarter_start(quarter),
                **{f: float(figures[f]) if f == "specialist_fte" else int(float(figures[f])) for f in OUTCOME_FIELDS},
                "job_starts_split": True,
            }
            for service_id, quarter, figures in quarters
        ],
        actor=actor.name,
        action="create",
    )


def outcomes_template_csv() -> bytes:
    header = ["service", "quarter", *OUTCOME_FIELDS]
    example = [
        "Example IPS service",
        "2025-Q1",
        "2.5",
        "50",
        "30",
        "25",
        "40",
        "8",
        "16",
        "2",
        "21",
        "5",
        "9",
        "6",
        "120",
    ]
    return files.csv_bytes(header, [example])
