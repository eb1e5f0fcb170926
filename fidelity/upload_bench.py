"""Uploads at their limits, timed and weighed (`python -m fidelity bench --uploads`): a workbook bomb and an
oversized file are refused, and the largest files allowed are read. Runs on a throwaway SQLite database of its own,
each in a child process forked for it: peak memory is the child's high-water mark, less its size before the case.
Not a timed test; the README gives its figures."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session

from fidelity import db, errors, files, imports
from fidelity.scales import Scale
from fidelity.store import outcomes, past_reviews, services
from fidelity.store.access import operator

OUTCOME_FIELDS = {
    "specialist_fte": 2.5,
    "active_caseload": 50,
    "referrals": 30,
    "starts": 25,
    "out_of_work": 40,
    "in_work": 8,
    "out_of_work_job_starts": 16,
    "in_work_job_starts": 2,
    "total_job_starts": 19,
    "retention_successes": 5,
    "sustained_13_weeks": 9,
    "sustained_26_weeks": 6,
    "employer_contacts": 120,
}
QUARTERS = 40


@dataclass(frozen=True)
class UploadCase:
    name: str
    size: int  # bytes uploaded
    outcome: str
    seconds: float
    peak_growth_mb: float


def _memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _measure(name: str, content: bytes, work: Callable[[], str]) -> UploadCase:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets the high-water mark (Linux)
    before = _memory_kb("VmRSS")
    started = time.perf_counter()
    try:
        outcome = work()
    except (errors.Refused, imports.ImportFileError) as error:
        outcome = "refused: " + str(error).split(". ")[0]
    seconds = time.perf_counter() - started
    return UploadCase(name, len(content), outcome, seconds, max(0, _memory_kb("VmHWM") - before) / 1024)


def workbook_bomb(sheet_bytes: int) -> bytes:
    """A workbook-shaped zip whose one sheet unzips to `sheet_bytes` of repeated rows, written in pieces."""
    buffer = io.BytesIO()
    row = b"<row><c t='inlineStr'><is><t>x</t></is></c></row>"
    piece = row * (1_000_000 // len(row))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(sheet_bytes // len(piece)):
                sheet.write(piece)
    return buffer.getvalue()


def _outcome_rows(service_count: int) -> list[list[object]]:
    return [
        [f"Service {n:04d}", f"{2016 + q // 4}-Q{q % 4 + 1}", *OUTCOME_FIELDS.values()]
        for n in range(service_count)
        for q in range(QUARTERS)
    ]


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(
    scales: dict[str, Scale],
    *,
    rows: int = imports.ROW_LIMIT,
    review_rows: int = imports.REVIEW_ROW_LIMIT,
    bomb_bytes: int = 476_000_000,
    progress: Callable[[str], None] = lambda _: None,
) -> list[UploadCase]:
    """The cases, each measured; `rows`, `review_rows` and `bomb_bytes` smaller only to test the bench itself."""
    service_count = rows // QUARTERS
    header = ["service", "quarter", *OUTCOME_FIELDS]
    quarters = _outcome_rows(service_count)
    largest_csv = files.csv_bytes(header, quarters)
    largest_xlsx = _xlsx(header, quarters)
    review_rows = [
        [f"Service {n % service_count:04d}", (date(1950, 1, 1) + timedelta(days=n)).isoformat(), "ips-25", "baseline"]
        + ["Ann", "Bo"]
        + ["3"] * imports.ITEM_COUNT
        for n in range(review_rows)
    ]
    largest_reviews = files.csv_bytes(imports.TEMPLATE_COLUMNS, review_rows)
    progress("building a workbook bomb")
    bomb = workbook_bomb(bomb_bytes)
    oversized = largest_csv + b"x" * (50_000_000 - len(largest_csv))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'uploads.db'}"
        db.migrate(url)
        engine = db.make_engine(url)
        actor = operator()
        progress(f"adding {service_count} services")
        with db.session_scope(engine) as session:
            programme = services.create_programme(session, actor=actor, name="Programme")
            area = services.create_area(session, actor=actor, name="Area")
            for n in range(service_count):
                services.create_service(
                    session,
                    actor=actor,
                    data={
                        "name": f"Service {n:04d}",
                        "provider": "Provider",
                        "programme_id": programme.id,
                        "area_id": area.id,
                    },
                )

        def import_outcomes(content: bytes, name: str) -> Callable[[], str]:
            def work() -> str:
                with Session(engine) as session:  # read, checked and written, then rolled back
                    imported = outcomes.import_outcomes(session, actor=actor, content=content, filename=name)
                    session.rollback()
                return f"imported {len(imported):,} quarters (rolled back)"

            return work

        def import_reviews() -> str:
            with Session(engine) as session:  # read, checked and written, then rolled back
                result = past_reviews.import_past_reviews(
                    session, actor=actor, scales=scales, content=largest_reviews, filename="p.csv", today=date.today()
                )
                session.rollback()
            return f"imported {len(result.imported):,} reviews with their scores (rolled back)"

        cases = [
            ("Workbook bomb, outcomes", bomb, import_outcomes(bomb, "bomb.xlsx")),
            ("50 MB CSV, outcomes", oversized, import_outcomes(oversized, "big.csv")),
            (
                f"Largest CSV allowed, outcomes ({len(quarters):,} rows)",
                largest_csv,
                import_outcomes(largest_csv, "q.csv"),
            ),
            (f"Same as XLSX ({len(quarters):,} rows)", largest_xlsx, import_outcomes(largest_xlsx, "q.xlsx")),
            (f"Largest CSV allowed, past reviews ({len(review_rows):,} rows)", largest_reviews, import_reviews),
        ]
        results = []
        context = multiprocessing.get_context("fork")
        for name, content, work in cases:
            progress(name)
            db.dispose_engine(url)
            answers = context.SimpleQueue()  # each case in a child forked for it: none inherits another's memory
            child = context.Process(target=lambda: answers.put(_measure(name, content, work)))  # noqa: B023
            child.start()
            results.append(answers.get())
            child.join()
        db.dispose_engine(url)
    return results


def table(cases: list[UploadCase]) -> str:
    lines = ["| upload | size | seconds | peak growth MB | outcome |", "|---|---:|---:|---:|---|"]
    lines += [
        f"| {c.name} | {c.size / 1e6:.1f} MB | {c.seconds:.2f} | {c.peak_growth_mb:.0f} | {c.outcome} |" for c in cases
    ]
    return "\n".join(lines)
