"""Reading and checking files of past reviews (CSV or XLSX). No database: `fidelity.store.past_reviews` saves them.

Every problem is reported with its row (the header is row 1) and column; a file with any problem
imports nothing. A cell's leading single quote is the escape `fidelity.files` writes before text a
spreadsheet would run as a formula, and is taken off.

An upload is bounded before it is parsed, in this order: its size; a workbook's unzipped size and compression
from the zip directory; the header row; then the rows, read one at a time up to ROW_LIMIT. At most PROBLEM_LIMIT
problems are kept to show, with the count of all of them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fidelity import files
from fidelity.scales import SCORES, Scale
from fidelity.text import one_line

FILE_LIMIT = 5_000_000  # bytes uploaded: 25,000 rows of outcomes or past reviews take 2-4 MB as CSV
UNPACKED_LIMIT = 60_000_000  # bytes of a workbook once unzipped
ROW_LIMIT = 25_000  # rows below the header: ten years of quarters for 600 services
REVIEW_ROW_LIMIT = 5_000  # past reviews, each with 25 scores: 5,000 import in about 5 s
PROBLEM_LIMIT = 100  # problems kept to show; all are counted
ITEM_COUNT = 25
KINDS = ("baseline", "follow-up", "self-assessment", "external")
REQUIRED = ("service", "review_date", "scale", "kind")
OPTIONAL = ("lead_reviewer", "second_reviewer")
REVIEWER_NAME_LIMIT = 120  # as Review.lead_reviewer
ITEM_COLUMNS = tuple(f"item_{n}" for n in range(1, ITEM_COUNT + 1))
TEMPLATE_COLUMNS = (*REQUIRED, *OPTIONAL, *ITEM_COLUMNS)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not its rows)."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class PastReview:
    row: int
    service: str
    visit: date
    scale_id: str
    kind: str
    lead_reviewer: str
    second_reviewer: str | None
    scores: dict[int, int]


class Problems:
    """A file's problems: the first PROBLEM_LIMIT kept to show, every one counted."""

    def __init__(self) -> None:
        self.shown: list[Problem] = []
        self.total = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.shown) < PROBLEM_LIMIT:
            self.shown.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass
class CheckedFile:
    reviews: list[PastReview] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def _normal(header: str) -> str:
    """'Review date' -> review_date; 'Item 7' or '7' -> item_7."""
    text = re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")
    if text.isdigit():
        return f"item_{int(text)}"
    return re.sub(r"^item_?0*(\d+)$", lambda m: f"item_{int(m.group(1))}", text)


def read_rows(
    content: bytes,
    filename: str,
    required: tuple[str, ...] = (*REQUIRED, *ITEM_COLUMNS),
    *,
    retired: dict[str, str] | None = None,
    row_limit: int = ROW_LIMIT,
) -> list[dict[str, Any]]:
    """The file's rows as dicts keyed by normalised column name; `required` columns must be there. A column
    named in `retired` is refused with its message (what replaced it), so an old file is not read wrongly. Bounded
    as the module says: a file over a limit is refused before the part past the limit is read."""
    if len(content) > FILE_LIMIT:
        raise ImportFileError(
            f"{filename}: the file is {len(content):,} bytes; at most {FILE_LIMIT:,} ({FILE_LIMIT // 1_000_000} MB) "
            "are read. Split it into smaller files."
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportFileError(f"{filename}: not UTF-8 text; save the CSV as UTF-8") from error
        table: Iterator[Sequence[Any]] = csv.reader(io.StringIO(text, newline=""))
    elif suffix in (".xlsx", ".xlsm"):
        if problem := files.check_xlsx(content, unpacked_limit=UNPACKED_LIMIT):
            raise ImportFileError(f"{filename}: {problem}")
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises several unrelated types for a damaged file
            raise ImportFileError(f"{filename}: cannot be opened as an Excel workbook ({error})") from error
        table = sheet.iter_rows(values_only=True)
    else:
        raise ImportFileError(f"{filename}: use a .csv or .xlsx file")
    try:
        return _rows(table, filename, required, retired or {}, row_limit)
    except ImportFileError:
        raise
    except csv.Error as error:
        raise ImportFileError(f"{filename}: not a readable CSV file ({error})") from error
    except Exception as error:  # a workbook damaged past its header: openpyxl raises several unrelated types
        if suffix == ".csv":
            raise
        raise ImportFileError(f"{filename}: cannot be read as an Excel workbook ({error})") from error


def _rows(
    table: Iterator[Sequence[Any]], filename: str, required: tuple[str, ...], retired: dict[str, str], row_limit: int
) -> list[dict[str, Any]]:
    first = next(table, None)
    if first is None or not any(str(c).strip() for c in first if c is not None):
        raise ImportFileError(f"{filename}: the file is empty; the first row must name the columns")
    headers = [_normal(files.read_cell("" if h is None else h)) for h in first]
    while headers and not headers[-1]:
        headers.pop()
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicated:
        raise ImportFileError(f"{filename}: row 1: column(s) {', '.join(duplicated)} appear more than once")
    for column, message in retired.items():
        if column in headers:
            raise ImportFileError(f"{filename}: row 1: {message}")
    missing = [c for c in required if c not in headers and c not in ITEM_COLUMNS]
    missing_items = [c for c in required if c in ITEM_COLUMNS and c not in headers]
    missing += ["item_1 to item_25"] if len(missing_items) == ITEM_COUNT else missing_items
    if missing:
        raise ImportFileError(f"{filename}: row 1: missing column(s) {', '.join(missing)}")
    rows = []
    width = len(headers)
    for values in table:
        if len(rows) == row_limit:
            raise ImportFileError(
                f"{filename}: more than {row_limit:,} rows below the header; split it into smaller files"
            )
        values = values[:width]  # a cell far to the right of the columns is never read
        rows.append(
            {
                h: files.read_cell("" if i >= len(values) or values[i] is None else values[i])
                for i, h in enumerate(headers)
                if h
            }
        )
    return rows


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _score(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if value in SCORES else None
    text = _text(value)
    return int(text) if text.isdigit() and int(text) in SCORES else None


def check_rows(
    rows: list[dict[str, Any]], *, services: Mapping[str, str], scales: Mapping[str, Scale], today: date
) -> CheckedFile:
    """Check every row; `services` maps lower-case service name to its name as stored."""
    checked = CheckedFile()
    seen: dict[tuple[str, date, str], int] = {}
    for row_number, row in enumerate(rows, start=2):
        if not any(_text(v) for v in row.values()):
            continue
        problems: list[Problem] = []

        def problem(
            column: str, message: str, row_number: int = row_number, problems: list[Problem] = problems
        ) -> None:
            problems.append(Problem(row_number, column, message))

        service = services.get(_text(row["service"]).lower())
        if not _text(row["service"]):
            problem("service", "is empty")
        elif service is None:
            problem("service", f"no service called {_text(row['service'])!r}; add it on the Services page first")
        visit = _date(row["review_date"])
        if visit is None:
            problem("review_date", f"{_text(row['review_date'])!r} is not a date (use YYYY-MM-DD)")
        elif visit > today:
            problem("review_date", f"{visit:%Y-%m-%d} is in the future")
        scale_id = _text(row["scale"])
        if scale_id not in scales:
            problem("scale", f"{scale_id!r} is not one of {', '.join(sorted(scales))}")
        kind = _text(row["kind"]).lower()
        if kind not in KINDS:
            problem("kind", f"{_text(row['kind'])!r} is not one of {', '.join(KINDS)}")
        for column in OPTIONAL:
            name = _text(row.get(column))
            if len(name) > REVIEWER_NAME_LIMIT:
                problem(column, f"is {len(name)} characters; at most {REVIEWER_NAME_LIMIT}")
            else:
                try:
                    one_line(name)
                except ValueError as error:
                    problem(column, str(error))
        scores = {}
        for number, column in enumerate(ITEM_COLUMNS, start=1):
            score = _score(row[column])
            if score is None:
                shown = _text(row[column])
                problem(
                    column,
                    "is empty; a past review needs all 25 scores"
                    if not shown
                    else f"{shown!r} is not a whole number 1-5",
                )
            else:
                scores[number] = score
        if service and visit and scale_id in scales:
            key = (service, visit, scale_id)
            if key in seen:
                problem("review_date", f"the same review (service, date and scale) is also on row {seen[key]}")
            seen.setdefault(key, row_number)
        if problems:
            for found in problems:
                checked.problems.add(found)
            continue
        assert service is not None and visit is not None
        checked.reviews.append(
            PastReview(
                row=row_number,
                service=service,
                visit=visit,
                scale_id=scale_id,
                kind=kind,
                lead_reviewer=_text(row.get("lead_reviewer")) or "Imported record",
                second_reviewer=_text(row.get("second_reviewer")) or None,
                scores=scores,
            )
        )
    if not checked.reviews and not checked.problems:
        checked.problems.add(Problem(2, "service", "the file has no reviews below its header row"))
    return checked


def template_csv() -> bytes:
    """A header row and one example row, for people preparing a file."""
    example = [
        "Example IPS service",
        "2024-03-14",
        "ips-25",
        "follow-up",
        "A. Reviewer",
        "B. Reviewer",
        *["3"] * ITEM_COUNT,
    ]
    return files.csv_bytes(TEMPLATE_COLUMNS, [example])
