"""The benchmark: how fast each page runs on the database at DATABASE_URL (python -m fidelity bench).

For each page it measures, in this process with Streamlit's AppTest (signed in as an admin, a service
and its latest review chosen):
- cold: the page's first run with empty data caches (the server already running);
- warm: the median of later runs (what a user waits for on each click);
- SQL: the same SQL statements the cold run sent, replayed bare on one connection with every row
  fetched, and how many there were;
- Python: the warm run's time outside SQL (each warm run less the time its own statements took);
then the time to save one item rating (median of 20 saves, each its own transaction) and the peak
memory of the process.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fidelity import db
from fidelity.models import ItemRating, Rater, Review, ReviewStatus, Service, User
from fidelity.settings import PROJECT_ROOT
from fidelity.store import access, accounts, ratings

PAGES = {
    "Home": "fidelity/ui/pages/home.py",
    "Services": "fidelity/ui/pages/services.py",
    "Review workspace": "fidelity/ui/pages/review_workspace.py",
    "Consensus": "fidelity/ui/pages/consensus.py",
    "Review summary": "fidelity/ui/pages/review_summary.py",
    "Report": "fidelity/ui/pages/report.py",
    "Service history": "fidelity/ui/pages/service_history.py",
    "Compare sites": "fidelity/ui/pages/compare.py",
    "Programme view": "fidelity/ui/pages/programme_view.py",
    "Reviewer calibration": "fidelity/ui/pages/calibration.py",
    "Items and outcomes": "fidelity/ui/pages/items_outcomes.py",
    "Outcomes": "fidelity/ui/pages/outcomes.py",
    "Improvement plan": "fidelity/ui/pages/improvement_plan.py",
    "Site visit": "fidelity/ui/pages/site_visit.py",
    "Users": "fidelity/ui/pages/users.py",
    "Scales": "fidelity/ui/pages/scales.py",
    "Audit log": "fidelity/ui/pages/audit_log.py",
}
TARGET_WARM_MS, TARGET_COLD_MS, TARGET_SAVE_MS, TARGET_MEMORY_MB = 300, 2000, 50, 500
TARGET_PYTHON_MS, TARGET_COMPARE_PYTHON_MS = 50, 150


@dataclass
class PageTiming:
    page: str
    cold_ms: float
    warm_ms: float
    sql_ms: float
    queries: int
    python_ms: float = 0.0

    @property
    def python_target_ms(self) -> int:
        return TARGET_COMPARE_PYTHON_MS if self.page == "Compare sites" else TARGET_PYTHON_MS


@dataclass
class BenchResult:
    database: str
    rows: dict[str, int]
    pages: list[PageTiming] = field(default_factory=list)
    save_ms: float = 0.0
    peak_mb: float = 0.0
    floor_ms: float = 0.0  # Streamlit's own cost of one run of an app that only writes a title

    def table(self) -> str:
        lines = [
            f"Database: {self.database}; " + ", ".join(f"{n:,} {t}" for t, n in self.rows.items()),
            "",
            "| page | cold ms | warm ms | SQL ms (queries) | Python ms outside SQL |",
            "|---|---:|---:|---:|---:|",
        ]
        for p in self.pages:
            lines.append(
                f"| {p.page} | {p.cold_ms:.0f} | {p.warm_ms:.0f} | {p.sql_ms:.2f} ({p.queries}) | {p.python_ms:.0f} |"
            )
        lines += [
            "",
            f"Save one item rating: {self.save_ms:.1f} ms. Peak memory of the process: {self.peak_mb:.0f} MB. "
            f"Streamlit's own cost of a run (an app that only writes a title): {self.floor_ms:.1f} ms.",
        ]
        return "\n".join(lines)

    def misses(self) -> list[str]:
        """Targets not met, in words."""
        found = []
        for p in self.pages:
            if p.warm_ms >= TARGET_WARM_MS:
                found.append(f"{p.page}: warm {p.warm_ms:.0f} ms (target under {TARGET_WARM_MS})")
            if p.cold_ms >= TARGET_COLD_MS:
                found.append(f"{p.page}: cold {p.cold_ms:.0f} ms (target under {TARGET_COLD_MS})")
            if p.python_ms >= p.python_target_ms:
                found.append(
                    f"{p.page}: {p.python_ms:.0f} ms of Python outside SQL (target under {p.python_target_ms})"
                )
        if self.save_ms >= TARGET_SAVE_MS:
            found.append(f"saving a rating: {self.save_ms:.1f} ms (target under {TARGET_SAVE_MS})")
        if self.peak_mb >= TARGET_MEMORY_MB:
            found.append(f"peak memory {self.peak_mb:.0f} MB (target under {TARGET_MEMORY_MB})")
        return found


class _SqlRecorder:
    """Collects every statement an engine runs while `on`, and the seconds statements take while `timing`."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.timing = False
        self.statements: list[tuple[str, Any]] = []
        self.seconds = 0.0
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if self.on and not many:
            self.statements.append((statement, parameters))
        self._started = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        if self.timing:
            self.seconds += time.perf_counter() - self._started


def _replay(engine: Engine, statements: list[tuple[str, Any]]) -> float:
    """Seconds to run the statements bare on one connection, fetching every row (best of three)."""
    best = float("inf")
    for _ in range(3):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                if cursor.description:
                    cursor.fetchall()
            best = min(best, time.perf_counter() - started)
            raw.rollback()
        finally:
            raw.close()
    return best


@contextmanager
def compiled_once() -> Iterator[None]:
    """Compile each script once, as the server does.

    AppTest gives every run a new ScriptCache, so it recompiles the app and page scripts (with
    Streamlit's "magic" rewrite) on every run; a server process keeps one cache and compiles each
    script once. Timing warm runs without this would count compilation no user waits for.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    saved = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = saved


def _bench_admin(url: str) -> tuple[int, int]:
    """An active admin's id and credential version (a benchmark account made when there is none)."""
    with db.session_scope(db.make_engine(url)) as session:
        admin = session.exec(
            select(User.id, User.credential_version).where(User.role == access.Role.ADMIN, User.is_active)
        ).first()
        if admin is not None:
            return int(admin[0]), int(admin[1])
        user = accounts.create_user(
            session,
            actor=access.operator("bench"),
            data={"username": "bench.admin", "display_name": "Benchmark admin", "role": "admin"},
            is_demo=True,
        )
        return int(user.id or 0), user.credential_version


def _choices(url: str) -> dict[str, int]:
    """The service with an open review (else the first), its latest final review and the open one."""
    with Session(db.make_engine(url)) as session:
        open_review = session.exec(
            select(Review).where(Review.status != ReviewStatus.FINAL).order_by(Review.id).limit(1)
        ).first()
        service_id = open_review.service_id if open_review else session.exec(select(Review.service_id)).first()
        final = session.exec(
            select(Review.id)
            .where(Review.service_id == service_id, Review.status == ReviewStatus.FINAL)
            .order_by(Review.visit_start.desc())  # type: ignore[attr-defined]
        ).first()
    return {
        "service": int(service_id or 0),
        "final": int(final or 0),
        "open": int(open_review.id if open_review else 0),
    }


def run(
    url: str, *, repeats: int = 5, pages: list[str] | None = None, progress: Callable[[str], None] | None = None
) -> BenchResult:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from fidelity.ui.state import Keys

    os.environ["DATABASE_URL"] = url
    db.migrate(url)
    engine = db.make_engine(url)
    admin_id, credentials = _bench_admin(url)
    chosen = _choices(url)
    with Session(engine) as session:
        rows = {
            name: int(session.exec(select(func.count()).select_from(model)).one())
            for name, model in (
                ("services", Service),
                ("reviews", Review),
                ("item ratings", ItemRating),
            )
        }
    result = BenchResult(database=engine.url.render_as_string(hide_password=True), rows=rows)
    recorder = _SqlRecorder(engine)
    app = str(PROJECT_ROOT / "streamlit_app.py")
    with compiled_once():
        for title, path in PAGES.items():
            if pages and title not in pages:
                continue
            if progress:
                progress(title)
            st.cache_data.clear()
            at = AppTest.from_file(app, default_timeout=120)
            at.session_state[Keys.USER_ID] = admin_id
            at.session_state[Keys.CREDENTIALS] = credentials
            at.session_state[Keys.SERVICE_ID] = chosen["service"]
            open_pages = ("Review workspace", "Consensus")
            at.session_state[Keys.REVIEW_ID] = chosen["open"] if title in open_pages else chosen["final"]
            at.run()  # sign-in gate and Home: the server is up and the user signed in
            at.switch_page(path)
            recorder.statements.clear()
            recorder.on = True
            started = time.perf_counter()
            at.run()
            cold = time.perf_counter() - started
            recorder.on = False
            if at.exception:
                raise RuntimeError(f"{title}: {at.exception[0].message}")
            statements = list(recorder.statements)
            warm, outside_sql = [], []
            for _ in range(repeats):
                recorder.seconds, recorder.timing = 0.0, True
                started = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - started)
                recorder.timing = False
                outside_sql.append(warm[-1] - recorder.seconds)
            result.pages.append(
                PageTiming(
                    page=title,
                    cold_ms=cold * 1000,
                    warm_ms=statistics.median(warm) * 1000,
                    sql_ms=_replay(engine, statements) * 1000,
                    queries=len(statements),
                    python_ms=statistics.median(outside_sql) * 1000,
                )
            )
        result.floor_ms = _floor() * 1000
    result.save_ms = _save_time(url, chosen["open"]) * 1000
    result.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _floor() -> float:
    """Median seconds for AppTest to run a script that only writes a title: the cost no page can avoid."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("import streamlit as st\nst.title('floor')").run()
    times = []
    for _ in range(10):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _save_time(url: str, review_id: int) -> float:
    """Median seconds to save one item rating, each save its own transaction, as the app does."""
    if not review_id:
        return float("nan")
    engine = db.make_engine(url)
    times = []
    for attempt in range(20):
        started = time.perf_counter()
        with db.session_scope(engine) as session:
            ratings.save_rating(
                session,
                actor=access.operator("bench"),
                review_id=review_id,
                data={"item_number": 1 + attempt % 25, "evidence": f"benchmark save {attempt} {time.time()}"},
                rater=Rater.LEAD,
            )
        times.append(time.perf_counter() - started)
    return statistics.median(times)
