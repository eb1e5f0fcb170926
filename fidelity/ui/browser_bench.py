"""The browser benchmark (python -m fidelity bench --browser): what a person waits for after a click.

It starts the app with `streamlit run` on the database at DATABASE_URL, and beside it a bare two-page
Streamlit app (the floor: what any Streamlit page costs). In headless Chromium it signs in through the
form as an admin, chooses the service with an open review as a user would, then clicks each sidebar page
in turn. A click is timed from the click until the page has settled: the script has run (Streamlit's
run state went to running and back), the status widget is gone and every Plotly chart has drawn. The
first visit to each page fills the caches and is shown on its own; then each page is clicked `clicks`
times and the median and worst are shown, with the bytes the server sent over the WebSocket for that click
(counted from Chromium's DevTools protocol frames).

The benchmark writes to the database it measures: it adds demo accounts named bench.* (a new random
password each run) and gives the service lead and commissioner accounts the chosen service and every
programme. Run it on the demo data, or on a copy.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from fidelity import db
from fidelity.errors import InputError
from fidelity.models import Area, Programme, Review, ReviewStatus, Service, User
from fidelity.store import access, accounts
from fidelity.store.access import Actor, Role
from fidelity.ui import app_server, navigation
from fidelity.ui.protocol_client import ends_run, starts_run

TARGET_RATIO, TARGET_COMPARE_RATIO, TARGET_WORST_MS = 3, 6, 2000
FLOOR_APP = """import streamlit as st

def first():
    st.title("First page")
    st.write("A bare Streamlit page: a title and a line of text.")

def second():
    st.title("Second page")
    st.write("Another bare page.")

st.navigation([st.Page(first, title="First"), st.Page(second, title="Second")]).run()
"""
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!chart.querySelector('.main-svg')) return false;
  }
  return true;
}"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@dataclass(frozen=True)
class BenchAccount:
    username: str
    password: str
    role: Role


@dataclass(frozen=True)
class Preparation:
    """The accounts the benchmark signs in with, and the service it chooses (as the Service box shows it)."""

    accounts: dict[Role, BenchAccount]
    service_label: str


def _bench_user(session: Session, username: str, role: Role) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        data = {"username": username, "display_name": f"Benchmark {role}", "role": str(role)}
        user = accounts.create_user(session, actor=access.operator("bench"), data=data, is_demo=True)
    return user


def prepare(url: str) -> Preparation:
    """Bench accounts with fresh passwords, scoped to the service with an open review (else the first)."""
    db.migrate(url)
    operator = access.operator("bench")
    with db.session_scope(db.make_engine(url)) as session:
        review = session.exec(
            select(Review).where(Review.status != ReviewStatus.FINAL).order_by(col(Review.id)).limit(1)
        ).first()
        service_id = review.service_id if review else session.exec(select(Service.id).order_by(col(Service.id))).first()
        if service_id is None:
            raise InputError(
                "database: there are no services to time; load the demo data first (python -m fidelity demo)"
            )
        service = session.get(Service, service_id)
        area = session.get(Area, service.area_id) if service and service.area_id else None
        label = f"{service.name if service else ''} — {area.name if area else ''}"
        users = {role: _bench_user(session, f"bench.{str(role).replace(' ', '-')}", role) for role in Role}
        lead = session.get(User, review.lead_user_id) if review and review.lead_user_id else None
        if lead is not None and lead.is_demo and lead.is_active:
            users[Role.REVIEWER] = lead  # a reviewer sees the reviews they are assigned to
        programmes = tuple(p for p in session.exec(select(Programme.id)) if p is not None)
        accounts.set_scopes(
            session,
            actor=operator,
            user_id=users[Role.SERVICE_LEAD].id,
            scopes=accounts.Scopes(service_ids=(service_id,)),
        )
        accounts.set_scopes(
            session,
            actor=operator,
            user_id=users[Role.COMMISSIONER].id,
            scopes=accounts.Scopes(programme_ids=programmes),
        )
        made = {}
        for role, user in users.items():
            password = secrets.token_urlsafe(12)
            accounts.set_password(session, actor=operator, user_id=int(user.id or 0), password=password)
            made[role] = BenchAccount(user.username, password, role)
    return Preparation(made, label)


def shown_url(url: str) -> str:
    """The database URL without its password, for a benchmark's heading."""
    return db.make_engine(url).url.render_as_string(hide_password=True)


def role_pages(role: Role) -> list[str]:
    """The sidebar pages a role sees, in sidebar order."""
    return [title for titles in navigation.titles(Actor("bench", role)).values() for title in titles]


class FrameCounter:
    """What the server sends over the page's WebSocket, read from Chromium's DevTools protocol: the bytes, and
    when a script run has finished (Streamlit's `script_finished` message)."""

    def __init__(self) -> None:
        self.received = 0
        self.started = False
        self.finished = asyncio.Event()

    def on_frame(self, event: dict[str, Any]) -> None:
        response = event.get("response", {})
        payload = response.get("payloadData", "")
        if response.get("opcode") != 2:
            self.received += len(payload.encode())
            return
        data = base64.b64decode(payload)
        self.received += len(data)
        try:
            message = ForwardMsg.FromString(data)
        except Exception:
            return
        if starts_run(message):
            self.started = True  # a run begun after the click: an earlier run's end does not count
        elif self.started and ends_run(message):
            self.finished.set()

    async def attach(self, page: Any) -> None:
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameReceived", self.on_frame)

    def reset(self) -> None:
        self.received = 0
        self.started = False
        self.finished.clear()


async def timed_click(page: Any, title: str, counter: FrameCounter) -> tuple[float, int]:
    """Milliseconds from clicking a sidebar link until the script has run and the page has settled, and the
    bytes the server sent meanwhile."""
    counter.reset()
    box = await page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).bounding_box()
    started = time.perf_counter()
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # no actionability waits
    await asyncio.wait_for(counter.finished.wait(), timeout=120)
    await page.wait_for_function(SETTLED, polling="raf")
    return (time.perf_counter() - started) * 1000, counter.received


async def sign_in(page: Any, url: str, account: BenchAccount) -> None:
    await page.goto(url)
    await page.wait_for_selector(IDLE)
    await page.get_by_label("Username").fill(account.username)
    await page.get_by_label("Password", exact=True).fill(account.password)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_text(f"Signed in as {account.username}").wait_for()
    await page.wait_for_selector(IDLE)


async def choose_service(page: Any, label: str) -> None:
    """Choose the service on Service history, as a user would: open the Service box, type, pick."""
    await page.get_by_test_id("stSidebar").get_by_role("link", name="Service history", exact=True).click()
    await page.get_by_role("heading", name="Service history").wait_for()
    await page.wait_for_selector(IDLE)
    box = page.get_by_role("combobox", name="Service")
    await box.click()
    await box.fill(label.split(" — ")[0])
    await page.get_by_role("option", name=label, exact=True).click()
    await page.wait_for_selector(IDLE)


async def launch(playwright: Any) -> Any:
    return await playwright.chromium.launch(
        executable_path=app_server.CHROMIUM, headless=True, args=app_server.CHROME_ARGS
    )


@dataclass
class PageClicks:
    page: str
    first_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def worst_ms(self) -> float:
        return max(self.times_ms)


@dataclass
class BrowserBench:
    database: str
    floor: PageClicks
    pages: list[PageClicks] = field(default_factory=list)

    def ratio(self, clicks: PageClicks) -> float:
        return clicks.median_ms / self.floor.median_ms

    def table(self) -> str:
        lines = [
            f"Database: {self.database}. Headless Chromium; click to settled, {len(self.floor.times_ms)} clicks a page "
            "after a first visit.",
            "",
            "| page | first visit ms | median ms | worst ms | median / floor | KB sent (median) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for clicks in [self.floor, *self.pages]:
            lines.append(
                f"| {clicks.page} | {clicks.first_ms:.0f} | {clicks.median_ms:.0f} | {clicks.worst_ms:.0f} | "
                f"{self.ratio(clicks):.1f} | {statistics.median(clicks.sent) / 1024:.1f} |"
            )
        return "\n".join(lines)

    def misses(self) -> list[str]:
        found = []
        for clicks in self.pages:
            limit = TARGET_COMPARE_RATIO if clicks.page == "Compare sites" else TARGET_RATIO
            if self.ratio(clicks) > limit:
                found.append(f"{clicks.page}: median {self.ratio(clicks):.1f} x the floor (target within {limit})")
            if clicks.worst_ms > TARGET_WORST_MS:
                found.append(f"{clicks.page}: worst {clicks.worst_ms:.0f} ms (target at most {TARGET_WORST_MS})")
        return found


async def _time_pages(
    browser: Any,
    url: str,
    titles: list[str],
    clicks: int,
    progress: Callable[[str], None],
    before: Callable[[Any], Any] | None = None,
) -> list[PageClicks]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(120_000)
    counter = FrameCounter()
    await counter.attach(page)
    if before is None:
        await page.goto(url)
        await page.wait_for_selector(IDLE)
    else:
        await before(page)
    found = {title: PageClicks(title) for title in titles}
    for round_ in range(clicks + 1):
        progress(f"round {round_ + 1} of {clicks + 1}: {', '.join(titles)}")
        for title in titles:
            took, sent = await timed_click(page, title, counter)
            if round_ == 0:
                found[title].first_ms = took
            else:
                found[title].times_ms.append(took)
                found[title].sent.append(sent)
    await context.close()
    return list(found.values())


async def _run(url: str, clicks: int, pages: list[str] | None, progress: Callable[[str], None]) -> BrowserBench:
    from playwright.async_api import async_playwright

    chosen = prepare(url)
    admin = chosen.accounts[Role.ADMIN]
    titles = [t for t in role_pages(Role.ADMIN) if not pages or t in pages]
    if "Home" not in titles:
        titles.insert(0, "Home")  # a click needs somewhere to come from
    with tempfile.TemporaryDirectory() as folder:
        floor_script = Path(folder) / "floor_app.py"
        floor_script.write_text(FLOOR_APP)
        app, app_url = app_server.start_app(url, Path(folder) / "app.log")
        floor, floor_url = app_server.start_app(url, Path(folder) / "floor.log", script=floor_script)
        try:
            async with async_playwright() as playwright:
                browser = await launch(playwright)
                progress("timing the bare two-page app (the floor)")
                floor_clicks = await _time_pages(browser, floor_url, ["Second", "First"], clicks, progress)

                async def signed_in(page: Any) -> None:
                    await sign_in(page, app_url, admin)
                    await choose_service(page, chosen.service_label)

                progress(f"timing {len(titles)} pages as {admin.username}")
                timed = await _time_pages(browser, app_url, titles, clicks, progress, signed_in)
                await browser.close()
        finally:
            app_server.stop_app(app)
            app_server.stop_app(floor)
    floor_page = PageClicks(
        "Bare two-page app (floor)",
        first_ms=floor_clicks[0].first_ms,
        times_ms=floor_clicks[0].times_ms + floor_clicks[1].times_ms,
        sent=floor_clicks[0].sent + floor_clicks[1].sent,
    )
    return BrowserBench(shown_url(url), floor_page, timed)


def run(
    url: str, *, clicks: int = 5, pages: list[str] | None = None, progress: Callable[[str], None] | None = None
) -> BrowserBench:
    return asyncio.run(_run(url, clicks, pages, progress or (lambda _message: None)))
