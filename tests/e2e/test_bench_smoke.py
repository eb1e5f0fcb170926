"""The browser benchmarks run end to end on the small demo, as the README tells people to run them.

No timing thresholds here: a shared CI machine's times say nothing. The README's tables come from the
national demo on a quiet machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fidelity.settings import PROJECT_ROOT

from ..conftest import demo_database


def _bench(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fidelity", "bench", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_bench_browser__times_the_floor_and_each_page_with_bytes_sent(tmp_path: Path) -> None:
    url = demo_database(tmp_path)
    done = _bench(url, "--browser", "--clicks", "2", "--page", "Home", "--page", "Compare sites")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line.split("|")[1].strip(): line.split("|")[2:-1] for line in done.stdout.splitlines() if line[:2] == "| "}
    assert set(rows) == {"page", "Bare two-page app (floor)", "Home", "Compare sites"}
    for page in ("Bare two-page app (floor)", "Home", "Compare sites"):
        first, median, worst, ratio, kilobytes = (float(cell) for cell in rows[page])
        assert 0 < median <= worst and first > 0 and ratio > 0 and kilobytes > 0
    assert float(rows["Compare sites"][4]) > float(rows["Bare two-page app (floor)"][4])  # charts weigh more
    assert "Targets:" in done.stdout


def test_bench_users__people_of_each_role_click_with_no_error(tmp_path: Path) -> None:
    url = demo_database(tmp_path)
    done = _bench(url, "--users", "4", "--minutes", "0.3")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 users at once" in done.stdout
    assert "Errors: 0" in done.stdout, done.stdout
    all_pages = next(line for line in done.stdout.splitlines() if line.startswith("| All pages |"))
    assert int(all_pages.split("|")[2]) >= 4  # each person clicked at least once
    assert "peak memory" in done.stdout
