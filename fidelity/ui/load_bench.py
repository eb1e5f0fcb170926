"""Many users at once (python -m fidelity bench --users N): p50, p95 and worst click-to-settled time per page.

N people, each a browser context of one headless Chromium, sign in at the same moment with their role's
bench account (roles in turn: commissioner, service lead, reviewer, admin), choose the service, then for
`minutes` click a random other page of their role's sidebar after 2-5 s of thinking, until the time is up.
Every click is timed as in the browser benchmark. An error is a click that did not settle within 60 s or a
page showing an uncaught exception. The app's processes (one by default, or spread over several on one
database) report the CPU they used and their peak memory.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fidelity import db
from fidelity.store.access import Role
from fidelity.ui import app_server
from fidelity.ui.browser_bench import (
    BenchAccount,
    FrameCounter,
    choose_service,
    launch,
    prepare,
    role_pages,
    sign_in,
    timed_click,
)

ROLE_ORDER = (Role.COMMISSIONER, Role.SERVICE_LEAD, Role.REVIEWER, Role.ADMIN)
THINK_S = (2.0, 5.0)
TARGET_P95_MS, TARGET_MEMORY_MB = 1000, 1024


def percentile(values: list[float], share: float) -> float:
    """The value at `share` (0-1) of the sorted values, interpolated between the nearest two."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    place = share * (len(ordered) - 1)
    low = int(place)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


@dataclass
class ServerUse:
    cpu_s: float
    seconds: float
    peak_mb: float


@dataclass
class LoadBench:
    database: str
    users: int
    processes: int
    minutes: float
    clicks: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    servers: list[ServerUse] = field(default_factory=list)

    def all_clicks(self) -> list[float]:
        return [t for times in self.clicks.values() for t in times]

    def table(self) -> str:
        lines = [
            f"Database: {self.database}. {self.users} users at once for {self.minutes:g} min on {self.processes} app "
            f"process(es); 2-5 s between clicks.",
            "",
            "| page | clicks | p50 ms | p95 ms | worst ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for title, times in [*sorted(self.clicks.items()), ("All pages", self.all_clicks())]:
            if times:
                lines.append(
                    f"| {title} | {len(times)} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} "
                    f"| {max(times):.0f} |"
                )
        for number, server in enumerate(self.servers, 1):
            lines.append(
                f"\nApp process {number}: {server.cpu_s:.0f} s of CPU in {server.seconds:.0f} s "
                f"({server.cpu_s / server.seconds:.2f} cores on average), peak memory {server.peak_mb:.0f} MB."
            )
        lines.append(f"\nErrors: {len(self.errors)}" + "".join(f"\n- {e}" for e in self.errors[:20]))
        return "\n".join(lines)

    def misses(self) -> list[str]:
        found = []
        times = self.all_clicks()
        if times and percentile(times, 0.95) >= TARGET_P95_MS:
            found.append(f"p95 {percentile(times, 0.95):.0f} ms (target under {TARGET_P95_MS})")
        found += [
            f"app process {n}: peak memory {s.peak_mb:.0f} MB (target under {TARGET_MEMORY_MB})"
            for n, s in enumerate(self.servers, 1)
            if s.peak_mb >= TARGET_MEMORY_MB
        ]
        if self.errors:
            found.append(f"{len(self.errors)} error(s)")
        return found


async def _person(
    browser: Any, url: str, account: BenchAccount, service_label: str, minutes: float, result: LoadBench, seed: int
) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        page.set_default_timeout(60_000)
        counter = FrameCounter()
        await counter.attach(page)
        await sign_in(page, url, account)
        await choose_service(page, service_label)
        current, titles = "Service history", role_pages(account.role)
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*THINK_S))
            title = rng.choice([t for t in titles if t != current])
            try:
                took, _sent = await timed_click(page, title, counter)
            except TimeoutError as error:
                result.errors.append(f"{account.role} on {title}: did not settle ({type(error).__name__})")
                await page.reload()
                continue
            current = title
            result.clicks.setdefault(title, []).append(took)
            if await page.get_by_test_id("stException").count():
                result.errors.append(f"{account.role} on {title}: the page shows an uncaught exception")
    except Exception as error:
        result.errors.append(f"{account.role}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()


async def _run(url: str, users: int, processes: int, minutes: float, progress: Callable[[str], None]) -> LoadBench:
    from playwright.async_api import async_playwright

    chosen = prepare(url)
    result = LoadBench(db.make_engine(url).url.render_as_string(hide_password=True), users, processes, minutes)
    with tempfile.TemporaryDirectory() as folder:
        servers = [app_server.start_app(url, Path(folder) / f"app{n}.log") for n in range(processes)]
        try:
            async with async_playwright() as playwright:
                browser = await launch(playwright)
                started = time.monotonic()
                cpu_before = [app_server.cpu_seconds(process.pid) for process, _ in servers]
                progress(f"{users} users signing in and clicking for {minutes:g} min")
                await asyncio.gather(
                    *(
                        _person(
                            browser,
                            servers[n % processes][1],
                            chosen.accounts[ROLE_ORDER[n % len(ROLE_ORDER)]],
                            chosen.service_label,
                            minutes,
                            result,
                            seed=n,
                        )
                        for n in range(users)
                    )
                )
                seconds = time.monotonic() - started
                for (process, _), before in zip(servers, cpu_before, strict=True):
                    result.servers.append(
                        ServerUse(
                            app_server.cpu_seconds(process.pid) - before,
                            seconds,
                            app_server.peak_memory_mb(process.pid),
                        )
                    )
                await browser.close()
        finally:
            for process, _ in servers:
                app_server.stop_app(process)
    return result


def run(
    url: str, *, users: int, processes: int = 1, minutes: float = 2, progress: Callable[[str], None] | None = None
) -> LoadBench:
    return asyncio.run(_run(url, users, processes, minutes, progress or (lambda _message: None)))
