"""Many users at once (python -m fidelity bench --users N): p50, p95 and worst time per page.

N people, each a real WebSocket session speaking Streamlit's own protocol (fidelity/ui/protocol_client.py),
sign in through the form at the same moment with their role's bench account (roles in turn: commissioner,
service lead, reviewer, admin), choose the service on Service history, then for `minutes` open a random
other page of their role's sidebar after 2-5 s of thinking. A click is timed from asking for the page until
the server says the run has finished: the server's side of what a person waits for (the browser's drawing
is what `bench --browser` adds, page by page). Sessions rather than browser tabs, because ten headless
Chromium tabs saturate a 2-core machine by themselves (measured: the app used 0.17 cores while ten tabs
waited seconds). An error is a run that did not finish within 60 s, or a page showing an uncaught
exception. The app's processes (one by default, or several on one database) report the CPU they used and
their peak memory.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fidelity.store.access import Role
from fidelity.ui import app_server
from fidelity.ui.browser_bench import BenchAccount, prepare, role_pages, shown_url
from fidelity.ui.protocol_client import ProtocolError, StreamlitSession

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
    received: dict[str, list[int]] = field(default_factory=dict)  # bytes the server sent for each click
    errors: list[str] = field(default_factory=list)
    servers: list[ServerUse] = field(default_factory=list)

    def all_clicks(self) -> list[float]:
        return [t for times in self.clicks.values() for t in times]

    def table(self) -> str:
        lines = [
            f"Database: {self.database}. {self.users} users at once for {self.minutes:g} min on {self.processes} app "
            f"process(es); 2-5 s between clicks; each a WebSocket session, timed until the server finished the run.",
            "",
            "| page | clicks | p50 ms | p95 ms | worst ms | KB sent (median) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        everything = [b for sent in self.received.values() for b in sent]
        for title, times, sent in [
            *((t, self.clicks[t], self.received.get(t, [])) for t in sorted(self.clicks)),
            ("All pages", self.all_clicks(), everything),
        ]:
            if times:
                kilobytes = f"{percentile([float(b) for b in sent], 0.5) / 1024:.1f}" if sent else ""
                lines.append(
                    f"| {title} | {len(times)} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} "
                    f"| {max(times):.0f} | {kilobytes} |"
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
    url: str, account: BenchAccount, service_label: str, minutes: float, result: LoadBench, seed: int
) -> None:
    rng = random.Random(seed)
    session = StreamlitSession(url)
    try:
        await session.connect()
        signed_in = await session.sign_in(account.username, account.password)
        if signed_in.exceptions or "Home" not in session.pages:
            raise ProtocolError(f"signing in as {account.username} failed: {signed_in.exceptions}")
        await session.run("Service history")
        await session.choose("Service", service_label)
        current, titles = "Service history", role_pages(account.role)
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*THINK_S))
            title = rng.choice([t for t in titles if t != current])
            try:
                run = await session.run(title)
            except TimeoutError:
                result.errors.append(f"{account.role} on {title}: no answer within 60 s")
                continue
            current = title
            result.clicks.setdefault(title, []).append(run.milliseconds)
            result.received.setdefault(title, []).append(run.received)
            result.errors += [f"{account.role} on {title}: {shown}" for shown in run.exceptions]
    except Exception as error:
        result.errors.append(f"{account.role}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await session.close()


async def _run(url: str, users: int, processes: int, minutes: float, progress: Callable[[str], None]) -> LoadBench:
    chosen = prepare(url)
    result = LoadBench(shown_url(url), users, processes, minutes)
    with tempfile.TemporaryDirectory() as folder:
        servers = [app_server.start_app(url, Path(folder) / f"app{n}.log") for n in range(processes)]
        try:
            started = time.monotonic()
            cpu_before = [app_server.cpu_seconds(process.pid) for process, _ in servers]
            progress(f"{users} users signing in and clicking for {minutes:g} min")
            await asyncio.gather(
                *(
                    _person(
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
                        app_server.cpu_seconds(process.pid) - before, seconds, app_server.peak_memory_mb(process.pid)
                    )
                )
        finally:
            for process, _ in servers:
                app_server.stop_app(process)
    return result


def run(
    url: str, *, users: int, processes: int = 1, minutes: float = 2, progress: Callable[[str], None] | None = None
) -> LoadBench:
    return asyncio.run(_run(url, users, processes, minutes, progress or (lambda _message: None)))
