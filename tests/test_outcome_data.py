"""Quarterly outcomes in the database: entry, correction, and import all rows or none."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from fidelity import db, errors
from fidelity.models import OutcomePeriod
from fidelity.store import outcomes

from .conftest import ACTOR, sqlite_with_service
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
    assert (period.quarter, period.quarter_start.month, period.first_job_starts) == ("2025-Q1", 1, 16)
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
            figures=GOOD | {"referrals": -2, "first_job_starts": 60, "total_job_starts": 60},
        )
    message = str(error.value)
    assert "quarter: '2025-Q5' is not a quarter like 2024-Q2" in message
    assert "referrals: -2 cannot be negative" in message
    assert "people with a first job start: is more than the active caseload" in message
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
            _row(quarter="2025-Q2", first_job_starts=70, total_job_starts=70),
            "row 3, column first_job_starts: is more than the active caseload",
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
