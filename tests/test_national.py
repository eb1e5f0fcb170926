"""The national-scale demo data and the benchmark command, at a small size so the tests stay quick
(the full size is measured by hand and reported in the README)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from fidelity import db, demo, national_demo
from fidelity.models import ImprovementAction, ItemRating, OutcomePeriod, Review, ReviewStatus, Service, User
from fidelity.store import outcomes, services, shared

from .conftest import ACTOR, ROOT, table_dump


def _count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_national__shape_and_every_review_complete(db_url: str, scales) -> None:
    summary = national_demo.load_national(
        db.make_engine(db_url), scales=scales, actor=ACTOR, services=30, quarters=40, today=date(2026, 11, 22)
    )
    with Session(db.make_engine(db_url)) as s:
        assert (summary.services, _count(s, Service)) == (30, 30)
        assert _count(s, OutcomePeriod) == 30 * 40 == summary.quarters
        assert 8 <= summary.reviews / 30 <= 11  # about ten reviews each over ten years
        finals = s.exec(select(Review).where(Review.status == ReviewStatus.FINAL)).all()
        assert (
            _count(s, ItemRating) == summary.ratings == 25 * 3 * len(finals) + 25 * 2 * (summary.reviews - len(finals))
        )
        assert _count(s, ImprovementAction) == summary.actions > 0
        first = finals[0]
        assert first.total == sum(shared.counted_scores(s, first).values())  # totals match agreed scores
        quarters = [p.quarter for p in outcomes.list_outcomes(s, actor=ACTOR, service_id=first.service_id)]
        assert quarters[0] == "2016-Q4" and quarters[-1] == "2026-Q3"
    with db.session_scope(db.make_engine(db_url)) as s:  # ids continue after the bulk-inserted ones
        assert services.create_programme(s, actor=ACTOR, name="Real programme").id is not None


def test_national__removed_with_the_demo_data(db_url: str, scales, make_service) -> None:
    make_service("Real IPS")
    before = table_dump(db_url)
    national_demo.load_national(db.make_engine(db_url), scales=scales, actor=ACTOR, services=15, quarters=8)
    with db.session_scope(db.make_engine(db_url)) as s:
        assert demo.remove_demo(s, actor=ACTOR) == 15
    after = table_dump(db_url)
    for table in ("service", "review", "itemrating", "improvementaction", "outcomeperiod", "programme", "area"):
        assert after[table] == before[table], table
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(User).where(User.is_demo)).all() == []


def test_cli_demo_national_then_bench(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'national.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    load = subprocess.run(
        [sys.executable, "-m", "fidelity", "demo", "--scale", "national", "--services", "20", "--quarters", "12"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert load.returncode == 0, load.stderr
    assert "20 services" in load.stdout
    bench = subprocess.run(
        [
            sys.executable,
            "-m",
            "fidelity",
            "bench",
            "--repeats",
            "2",
            "--page",
            "Compare sites",
            "--page",
            "Review workspace",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=300,
    )
    assert bench.returncode == 0, bench.stderr
    rows = [
        line
        for line in bench.stdout.splitlines()
        if line.startswith("| Compare sites") or line.startswith("| Review workspace")
    ]
    assert len(rows) == 2
    cold, warm = (float(cell) for cell in rows[0].split("|")[2:4])
    assert warm > 0 and cold > 0
    assert "Save one item rating:" in bench.stdout and "Targets:" in bench.stdout


def test_bench__compiles_each_script_once_as_a_server_does(monkeypatch) -> None:
    """AppTest recompiles the script on every run; the benchmark must not time that (a server does not)."""
    from streamlit.runtime.scriptrunner import magic
    from streamlit.testing.v1 import AppTest

    from fidelity.ui import bench

    compiled: list[str] = []
    rewrite = magic.add_magic
    monkeypatch.setattr(magic, "add_magic", lambda code, path: compiled.append(path) or rewrite(code, path))
    script = "import streamlit as st\nst.title('x')"

    at = AppTest.from_string(script)
    for _ in range(3):
        at.run()
    assert len(compiled) == 3  # AppTest on its own: every run

    compiled.clear()
    with bench.compiled_once():
        at = AppTest.from_string(script)
        for _ in range(3):
            at.run()
    assert len(compiled) == 1
