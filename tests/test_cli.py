"""python -m fidelity score|migrate|demo: output, exit codes, and one clear line per bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from fidelity import db, demo, demo_lifecycle
from fidelity.cli import main
from fidelity.models import Area, Review, Service

from .conftest import ROOT


def _csv(tmp_path: Path, rows: list[str], header: str = "item,score") -> Path:
    path = tmp_path / "scores.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _rows(scores: dict[int, int]) -> list[str]:
    return [f"{item},{score}" for item, score in scores.items()]


ALL_FOUR = dict.fromkeys(range(1, 26), 4)


def test_score__complete_file__prints_json_and_exits_0(tmp_path: Path) -> None:
    """It runs as a real process and prints exactly one JSON object."""
    scores = ALL_FOUR | {1: 5, 2: 5, 3: 5, 15: 5, 23: 2}
    result = subprocess.run(
        [sys.executable, "-m", "fidelity", "score", "--scale", "ips-25", str(_csv(tmp_path, _rows(scores)))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "scale": "ips-25",
        "version": "2008-uk.2",
        "items_scored": 25,
        "total": 102,
        "band": "Good",
        "sections": {"Staffing": 15, "Organization": 32, "Services": 55},
        "principles": {
            "Competitive employment": 4.0,
            "Zero exclusion": 4.0,
            "Integration with treatment": 4.2,  # items 2 (5), 4, 5, 6, 25 (4)
            "Client preferences": 4.0,
            "Benefits planning": 4.0,
            "Rapid job search": 4.5,
            "Systematic job development": 4.0,
            "Time-unlimited support": 3.0,
        },
    }


def test_score__ipspc__uses_modified_principle_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--scale", "ipspc", str(_csv(tmp_path, _rows(dict.fromkeys(range(1, 26), 3))))]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["scale"], out["total"], out["band"]) == ("ipspc", 75, "Fair")
    assert "Time-limited, individual support" in out["principles"]


def test_score__rows_in_any_order_with_blank_lines__accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(reversed(_rows(dict.fromkeys(range(1, 26), 1))))
    rows.insert(5, "")
    assert main(["score", "--scale", "ips-25", str(_csv(tmp_path, rows))]) == 0
    assert json.loads(capsys.readouterr().out)["band"] == "Not IPS"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([*_rows(ALL_FOUR), "26,3"], "row 27: item '26' is not an item of ips-25 (1-25)"),
        ([*_rows(ALL_FOUR), "x,3"], "row 27: item 'x' is not an item of ips-25 (1-25)"),
        (_rows(ALL_FOUR | {7: 0}), "row 8: score '0' for item 7 must be a whole number 1-5"),
        (_rows(ALL_FOUR | {7: 6}), "row 8: score '6' for item 7 must be a whole number 1-5"),
        ([*_rows(ALL_FOUR)[:24], "25,3.5"], "row 26: score '3.5' for item 25 must be a whole number 1-5"),
        ([*_rows(ALL_FOUR)[:24], "25,"], "row 26: score '' for item 25 must be a whole number 1-5"),
        ([*_rows(ALL_FOUR), "3,4"], "row 27: item 3 appears twice (first on row 4)"),
        (_rows(ALL_FOUR)[:-2], "missing item(s) 24, 25; all 25 items need a score"),
        ([*_rows(ALL_FOUR)[:24], "25,4,extra"], "row 26: expected 2 values (item,score), got 3"),
    ],
)
def test_score__bad_row__exits_2_with_one_line_naming_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[str], message: str
) -> None:
    path = _csv(tmp_path, rows)
    assert main(["score", "--scale", "ips-25", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {path}: {message}\n"


def test_score__wrong_header__refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, _rows(ALL_FOUR), header="number,value")
    assert main(["score", "--scale", "ips-25", str(path)]) == 2
    assert "row 1: header must be 'item,score', got 'number,value'" in capsys.readouterr().err


def test_score__unknown_scale__lists_known(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--scale", "seqf", str(_csv(tmp_path, _rows(ALL_FOUR)))]) == 2
    assert capsys.readouterr().err == "error: unknown scale 'seqf'; known scales: ips-25, ipspc\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "absent.csv", "file not found"),
        (lambda p: p, "cannot read the file"),
        (lambda p: (p / "b.csv").write_bytes(b"\xff\xfe\x00\x81bad") and p / "b.csv", "cannot read the file"),
        (lambda p: (p / "e.csv").write_text("") and p / "e.csv", "the file is empty"),
    ],
    ids=["missing", "directory", "not-utf8", "empty"],
)
def test_score__unreadable_file__exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, message: str
) -> None:
    path = make(tmp_path) or tmp_path / "e.csv"
    assert main(["score", "--scale", "ips-25", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_migrate_and_demo__fresh_sqlite__loads_labelled_demo_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 0
    assert "database is up to date" in capsys.readouterr().out
    assert main(["demo"]) == 0
    assert capsys.readouterr().out.startswith("loaded demo data: ")
    with Session(db.make_engine(url)) as session:
        areas = session.exec(select(Area.name)).all()
        assert len(areas) == 12 and all(name.startswith("Demo: ") for name in areas)
        assert session.exec(select(func.min(Review.visit_start))).one().year == 2023
        per_area = dict(session.exec(select(Area.name, func.count()).join(Service).group_by(Area.name)).all())
        lead_area = per_area.pop(f"Demo: {demo.LEAD_AREA}")
        assert set(per_area.values()) <= {2, 3}  # the lead area also has a service at each stage of a review
        assert lead_area - demo_lifecycle.STAGES in {2, 3}
    assert main(["demo"]) == 2
    assert "already loaded" in capsys.readouterr().err
    db.dispose_engine(url)


@pytest.mark.parametrize(
    "args, problem",
    [
        (["--users", "0"], "--users and --processes: give at least 1"),
        (["--users", "2", "--processes", "0"], "--users and --processes: give at least 1"),
        (["--browser", "--clicks", "0"], "--clicks: give at least 1"),
    ],
)
def test_bench__counts_below_one__refused_in_one_line(
    args: list[str], problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bench.db'}")
    assert main(["bench", *args]) == 2
    assert capsys.readouterr().err == f"error: {problem}\n"


def _services(url: str) -> int:
    """How many services the demo made (about 32: the count depends on the day it is dated)."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    with Session(db.make_engine(url)) as s:
        return s.exec(select(func.count()).select_from(Service)).one()


def test_insight_programme__csv_of_each_programme_by_quarter(tmp_path, monkeypatch, capsys) -> None:
    """The programme view's figures for an analyst: one row per programme and quarter, shares adding to 1."""
    import csv
    import io

    from .conftest import demo_database

    url = demo_database(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["insight", "programme"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["programme"] for r in rows} == {"Demo: IPS in Primary Care (IPSPC)"}
    assert rows[0]["quarter"] == "2023-Q2" and rows[-1]["services"] == str(_services(url))
    shares = [k for k in rows[-1] if k.startswith("share ")]
    assert shares == ["share Exemplary", "share Good", "share Fair", "share Not IPS", "share not yet reviewed"]
    for row in rows:
        assert abs(sum(float(row[k]) for k in shares) - 1) < 1e-9
    latest = rows[-1]
    assert float(latest["q1 total"]) <= float(latest["median total"]) <= float(latest["q3 total"])
    assert latest["job-start rate"] == ""  # the quarter under way has no outcomes yet: blank, not 0
    assert 0 < float(rows[-2]["job-start rate"]) < 1


def test_insight_calibration__csv_one_row_per_reviewer(tmp_path, monkeypatch, capsys) -> None:
    import csv
    import io

    from .conftest import demo_database

    monkeypatch.setenv("DATABASE_URL", demo_database(tmp_path))
    assert main(["insight", "calibration"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["reviewer"] for r in rows] == sorted(demo.REVIEWERS)
    assert {"exact_with_agreed", "kappa_with_other", "recent_mean_difference", "drifting"} <= set(rows[0])
    assert all(0 <= float(r["exact_with_agreed"]) <= 1 and r["drifting"] in ("True", "False") for r in rows)


def test_insight_items__csv_of_items_then_principles_with_q(tmp_path, monkeypatch, capsys) -> None:
    import csv
    import io

    from .conftest import demo_database

    url = demo_database(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["insight", "items", "--outcome", "job-starts", "--after", "1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["kind"] for r in rows] == ["item"] * 25 + ["principle"] * 8
    assert {r["outcome"] for r in rows} == {"job-start rate"} and {r["quarters after"] for r in rows} == {"1"}
    estimated = [float(r["rho"]) for r in rows[:25] if r["rho"]]
    assert estimated == sorted(estimated, reverse=True)
    assert len({r["n"] for r in rows}) == 1 and 24 <= int(rows[0]["n"]) <= _services(url)
