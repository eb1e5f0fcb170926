"""The browser and many-users benchmarks' arithmetic and targets, and how they read Streamlit's WebSocket frames."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from sqlmodel import Session, select
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from fidelity import charts, db, demo
from fidelity.models import User, UserScope
from fidelity.store import access, accounts
from fidelity.store.access import Role
from fidelity.ui import browser_bench, load_bench
from fidelity.ui.browser_bench import BrowserBench, FrameCounter, PageClicks
from fidelity.ui.load_bench import LoadBench, ServerUse, percentile

from .conftest import run_async


def test_percentile__interpolates_between_the_nearest_two() -> None:
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)
    assert percentile([10.0, 0.0], 1.0) == 10.0
    assert percentile([10.0, 0.0], 0.0) == 0.0


def _bench(**medians: float) -> BrowserBench:
    floor = PageClicks("Bare two-page app (floor)", 90, [100.0, 100.0], [900, 900])
    pages = [PageClicks(title.replace("_", " "), 0, [t, t, t], [2048] * 3) for title, t in medians.items()]
    return BrowserBench("sqlite://", floor, pages)


def test_browser_bench__three_times_the_floor_for_pages_six_for_compare_sites() -> None:
    assert _bench(Home=300, Compare_sites=600).misses() == []
    assert _bench(Home=301).misses() == ["Home: median 3.0 x the floor (target within 3)"]
    assert _bench(Compare_sites=601).misses() == ["Compare sites: median 6.0 x the floor (target within 6)"]
    slow = _bench(Home=150)
    slow.pages[0].times_ms.append(2001)
    assert slow.misses() == ["Home: worst 2001 ms (target at most 2000)"]


def test_browser_bench__table_shows_the_floor_then_each_page_with_its_kilobytes() -> None:
    rows = _bench(Home=250).table().splitlines()
    assert "| Bare two-page app (floor) | 90 | 100 | 100 | 1.0 | 0.9 |" in rows
    assert "| Home | 0 | 250 | 250 | 2.5 | 2.0 |" in rows


def test_load_bench__targets_p95_memory_and_errors() -> None:
    fast = LoadBench("sqlite://", 30, 1, 2, {"Home": [100.0] * 19 + [999.0]}, {"Home": [2048] * 20})
    fast.servers.append(ServerUse(60, 120, 500))
    assert fast.misses() == []
    assert "| All pages | 20 | 100 | 145 | 999 | 2.0 |" in fast.table()
    assert "60 s of CPU in 120 s (0.50 cores on average), peak memory 500 MB" in fast.table()
    slow = LoadBench("sqlite://", 30, 1, 2, {"Home": [1000.0] * 20}, errors=["reviewer on Home: did not settle"])
    slow.servers.append(ServerUse(10, 120, 1024))
    assert slow.misses() == [
        "p95 1000 ms (target under 1000)",
        "app process 1: peak memory 1024 MB (target under 1024)",
        "1 error(s)",
    ]


def _frame(message: ForwardMsg) -> dict[str, object]:
    payload = base64.b64encode(message.SerializeToString()).decode()
    return {"response": {"opcode": 2, "payloadData": payload}}


def test_frame_counter__counts_bytes_and_sees_the_script_finish() -> None:
    running, finished = ForwardMsg(), ForwardMsg()
    running.session_status_changed.script_is_running = True
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY

    async def read() -> FrameCounter:
        counter = FrameCounter()
        counter.on_frame(_frame(finished))  # the end of a run that began before the click
        assert not counter.finished.is_set()
        counter.reset()
        counter.on_frame(_frame(running))
        assert not counter.finished.is_set()
        counter.on_frame(_frame(finished))
        counter.on_frame({"response": {"opcode": 1, "payloadData": "text"}})
        return counter

    counter = run_async(read())
    assert counter.finished.is_set()
    assert counter.received == len(running.SerializeToString()) + len(finished.SerializeToString()) + 4
    counter.reset()
    assert counter.received == 0 and not counter.finished.is_set()


def test_role_pages__each_role_times_its_own_sidebar() -> None:
    assert "Users" in browser_bench.role_pages(Role.ADMIN)
    assert "Users" not in browser_bench.role_pages(Role.COMMISSIONER)
    assert "Review workspace" in browser_bench.role_pages(Role.REVIEWER)
    assert set(load_bench.ROLE_ORDER) == set(Role)


def test_prepare__bench_accounts_scoped_with_fresh_passwords(db_url: str, scales) -> None:
    db.migrate(db_url)
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:
        demo.load_demo(s, actor=access.operator(), scales=scales, today=date(2026, 11, 22))
    first = browser_bench.prepare(db_url)
    second = browser_bench.prepare(db_url)  # a second run reuses the accounts with new passwords
    assert " — " in first.service_label
    with Session(engine) as s:
        for role, account in second.accounts.items():
            user = s.exec(select(User).where(User.username == account.username)).one()
            assert user.role == role and user.is_demo and user.is_active
            assert accounts.password_matches(user.password_hash, account.password)
            assert not accounts.password_matches(user.password_hash, first.accounts[role].password)
        lead = s.exec(select(User).where(User.username == second.accounts[Role.SERVICE_LEAD].username)).one()
        assert len(s.exec(select(UserScope).where(UserScope.user_id == lead.id)).all()) == 1
        for role, account in second.accounts.items():
            signed_in = accounts.sign_in(s, username=account.username, password=account.password)
            assert signed_in.actor is not None and signed_in.actor.role == role


def test_scatter__webgl_only_for_many_points() -> None:
    def kinds(n: int) -> set[str]:
        points = [{"service": f"S{i % 50}", "total": 60 + i % 60, "rate": 0.3} for i in range(n)]
        figure = charts.fidelity_outcome_scatter(points, line=None, summary="s", title="t")
        return {trace.type for trace in figure.data}

    assert kinds(charts.WEBGL_POINTS) == {"scatter"}
    assert kinds(charts.WEBGL_POINTS + 1) == {"scattergl"}
