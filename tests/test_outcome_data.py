"""Quarterly outcomes in the database: entry, correction, and import all rows or none."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from fidelity import db, errors
from fidelity.models import OutcomePeriod
from fidelity.store import outcomes

from .conftest import ACTOR, migrated_to, sqlite_with_service
from .test_outcomes import GOOD

FIELDS = list(GOOD)


def _write(url: str):
    return db.session_scope(db.make_engine(url))


def _count(url: str) -> int:
    with Session(db.make_engine(url)) as s:
        return s.exec(select(func.count()).select_from(OutcomePeriod)).one()


def _csv(*rows: list[object]) -> bytes:
    lines = [",".join(["service", "quarter", *FIELDS])] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _row(service: str = "North IPS", quarter: str = "2025-Q1", **change: object) -> list[object]:
    return [service, quarter, *[(GOOD | change)[f] for f in FIELDS]]


def test_save_outcome__then_same_quarter_again__refused_unless_correcting(db_url: str, make_service) -> None:
    service = make_service("North IPS")
    with _write(db_url) as s:
        period = outcomes.save_outcome(s, actor=ACTOR, service_id=service.id, quarter="2025-q1", figures=GOOD)
    assert (period.quarter, period.quarter_start.month, period.out_of_work_job_starts) == ("2025-Q1", 1, 16)
    assert (period.in_work_job_starts, period.job_starts_split) == (2, True)
    with pytest.raises(errors.InputError, match="2025-Q1 is already entered"), _write(db_url) as s:
        outcomes.save_outcome(s, actor=ACTOR, service_id=service.id, quarter="2025-Q1", figures=GOOD)
    with _write(db_url) as s:
        outcomes.save_outcome(
            s, actor=ACTOR, service_id=service.id, quarter="2025-Q1", figures=GOOD | {"referrals": 31}, replace=True
        )
    with Session(db.make_engine(db_url)) as s:
        assert [p.referrals for p in outcomes.list_outcomes(s, actor=ACTOR, service_id=service.id)] == [31]


def test_save_outcome__impossible_figures__named_and_nothing_saved(db_url: str, make_service) -> None:
    service = make_service()
    with pytest.raises(errors.InputError) as error, _write(db_url) as s:
        outcomes.save_outcome(
            s,
            actor=ACTOR,
            service_id=service.id,
            quarter="2025-Q5",
            figures=GOOD | {"referrals": -2, "out_of_work_job_starts": 60, "total_job_starts": 62},
        )
    message = str(error.value)
    assert "quarter: '2025-Q5' is not a quarter like 2024-Q2" in message
    assert "referrals: -2 cannot be negative" in message
    assert "out-of-work clients with a first job start: is more than the out-of-work clients" in message
    assert _count(db_url) == 0


def test_import_outcomes__good_file__all_rows(db_url: str, make_service) -> None:
    make_service("North IPS")
    make_service("South IPS")
    with _write(db_url) as s:
        rows = outcomes.import_outcomes(
            s, actor=ACTOR, content=_csv(_row(), _row("south ips", "2025-Q2")), filename="q.csv"
        )
    assert rows == [2, 3] and _count(db_url) == 2


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (_row("Nowhere IPS", "2025-Q2"), "row 3, column service: no service called 'Nowhere IPS'"),
        (_row(quarter="2025-Q2", referrals=-1), "row 3, column referrals: '-1' cannot be negative"),
        (
            _row(quarter="2025-Q2", in_work_job_starts=9, total_job_starts=70),
            "row 3, column in_work_job_starts: is more than the in-work clients",
        ),
        (_row(), "row 3, column quarter: 2025-Q1 for North IPS is also on row 2"),
        (_row(quarter="25Q2"), "row 3, column quarter: '25Q2' is not a quarter like 2024-Q2"),
    ],
)
def test_import_outcomes__bad_row__named_and_nothing_imported(db_url: str, make_service, bad, problem: str) -> None:
    make_service("North IPS")
    with pytest.raises(errors.ImportRefused) as refused, _write(db_url) as s:
        outcomes.import_outcomes(s, actor=ACTOR, content=_csv(_row(), bad), filename="q.csv")
    assert [str(p) for p in refused.value.problems] == [problem]
    assert _count(db_url) == 0


def test_import_outcomes__quarter_already_entered__refused(db_url: str, make_service) -> None:
    make_service("North IPS")
    with _write(db_url) as s:
        outcomes.import_outcomes(s, actor=ACTOR, content=_csv(_row()), filename="q.csv")
    with pytest.raises(errors.ImportRefused, match="2025-Q1 is already entered for North IPS"), _write(db_url) as s:
        outcomes.import_outcomes(s, actor=ACTOR, content=_csv(_row()), filename="q.csv")
    assert _count(db_url) == 1


def test_outcomes_template__imports_once_its_service_exists(db_url: str, make_service) -> None:
    make_service("Example IPS service")
    with _write(db_url) as s:
        assert outcomes.import_outcomes(s, actor=ACTOR, content=outcomes.outcomes_template_csv(), filename="t.csv") == [
            2
        ]


def test_cli_import_outcomes__good_then_refused(tmp_path, monkeypatch, capsys) -> None:
    from fidelity.cli import main

    url = sqlite_with_service(tmp_path / "cli.db")
    monkeypatch.setenv("DATABASE_URL", url)
    path = tmp_path / "q.csv"
    path.write_bytes(_csv(_row(), _row(quarter="2025-Q2")))
    assert main(["import-outcomes", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported 2 quarter(s)"
    assert main(["import-outcomes", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {path}: nothing imported; 2 problem(s):"
    assert err[1] == "  row 2, column quarter: 2025-Q1 is already entered for North IPS"
    db.dispose_engine(url)


def test_import_outcomes__file_with_the_old_job_starts_column__refused_saying_what_replaced_it(
    db_url: str, make_service
) -> None:
    make_service("North IPS")
    header = ",".join(["service", "quarter", *FIELDS]).replace(
        "out_of_work_job_starts,in_work_job_starts", "first_job_starts"
    )
    old = f"{header}\nNorth IPS,2025-Q1,2.5,50,30,25,40,8,16,19,5,9,6,120\n".encode()
    with pytest.raises(errors.InputError) as refused, _write(db_url) as s:
        outcomes.import_outcomes(s, actor=ACTOR, content=old, filename="old.csv")
    assert str(refused.value) == f"old.csv: row 1: {outcomes.SPLIT_COLUMN}"
    assert "out_of_work_job_starts" in str(refused.value) and "in_work_job_starts" in str(refused.value)
    assert _count(db_url) == 0


def test_migration__quarters_before_the_split__keep_figures_read_as_out_of_work_and_marked(db_url: str) -> None:
    """A quarter entered with one job-start field keeps its employment rate: the figure becomes out-of-work
    clients' job starts, in-work job starts 0, marked unsplit, with one audit event saying how it was read."""
    from alembic import command
    from sqlalchemy import text

    from fidelity.models import AuditEvent

    config = migrated_to(db_url, "fc4211e8fa3f")
    with db.make_engine(db_url).begin() as c:
        c.execute(
            text(
                "INSERT INTO outcomeperiod (service_id, quarter, quarter_start, specialist_fte, active_caseload, "
                "referrals, starts, out_of_work, in_work, first_job_starts, total_job_starts, retention_successes, "
                "sustained_13_weeks, sustained_26_weeks, employer_contacts, created_at, updated_at, version) VALUES "
                "(1, '2025-Q1', '2025-01-01', 2.5, 50, 30, 25, 40, 8, 16, 19, 5, 9, 6, 120, "
                "'2025-04-02', '2025-04-02', 1)"
            )
        )
    command.upgrade(config, "head")
    with Session(db.make_engine(db_url)) as s:
        period = s.exec(select(OutcomePeriod)).one()
        assert (period.out_of_work_job_starts, period.in_work_job_starts, period.job_starts_split) == (16, 0, False)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "migrate")).one()
        assert event.after["quarters"] == 1 and "read as out-of-work clients" in event.after["read as"]
    with _write(db_url) as s:  # correcting the quarter splits it
        outcomes.save_outcome(s, actor=ACTOR, service_id=1, quarter="2025-Q1", figures=GOOD, replace=True)
    with Session(db.make_engine(db_url)) as s:
        period = s.exec(select(OutcomePeriod)).one()
        assert (period.out_of_work_job_starts, period.in_work_job_starts, period.job_starts_split) == (16, 2, True)
    command.downgrade(config, "fc4211e8fa3f")
    with db.make_engine(db_url).begin() as c:
        assert c.execute(text("SELECT first_job_starts FROM outcomeperiod")).scalar_one() == 18
    command.upgrade(config, "head")
