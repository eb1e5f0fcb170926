"""The offline visit pack: one reviewer's scoring of one review as an XLSX workbook, and reading it back.

A pack holds only its own rater's scores, evidence and notes (never the other reviewer's), the
review's case-record sample, and, on hidden sheets, the values as they were when it was made, so an
upload can tell what the reviewer changed from what changed in the app meanwhile. Every problem on
upload is named by sheet, row and column. No database and no Streamlit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fidelity import files
from fidelity.scales import DATA_SOURCE_LABELS, SCORES, Scale

FORMAT = "ips-fidelity-visit-pack/1"
PACK_LIMIT = 5_000_000  # bytes uploaded
UNPACKED_LIMIT = 30_000_000
ROW_LIMIT = 500

ABOUT_KEYS = (
    "format",
    "review_id",
    "rater",
    "reviewer",
    "service",
    "scale_id",
    "scale_version",
    "scale_hash",
    "made_at",
)
ITEM_COLUMNS = ("item", "name", "score", "evidence", "data_sources", *(f"criteria_{s}" for s in SCORES))
RECORD_COLUMNS = (
    "reference",
    "referral_date",
    "first_meeting",
    "first_employer_contact",
    "profile_present",
    "benefits_advice",
    "job_start",
    "job_end",
    "job_competitive",
    "profile_updated_after_job",
    "in_work_contacts",
)
NOTE_COLUMNS = ("note_id", "items", "text")
_DATES = {"referral_date", "first_meeting", "first_employer_contact", "job_start", "job_end"}
_FLAGS = {"profile_present", "benefits_advice", "job_competitive", "profile_updated_after_job"}
ABOUT_TEXT = (
    "Score each item on the items sheet (a whole number 1-5), with your evidence and data sources "
    "(MIS, DOC, INT, OBS, separated by commas). Add case records on the records sheet (yes or no in the "
    "yes/no columns) and new evidence notes at the end of the notes sheet (items as 7, 8). Then upload "
    "this file on the Site visit page. Do not change this sheet or the hidden ones."
)


class PackError(ValueError):
    """A pack that cannot be read; `problems` name the sheet, row and column of each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems[:100]))
        self.problems = problems


@dataclass(frozen=True)
class PackItem:
    score: int | None = None
    evidence: str = ""
    data_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pack:
    about: dict[str, str]
    items: dict[int, PackItem]
    baseline: dict[int, PackItem]
    records: list[dict[str, Any]]
    baseline_records: list[dict[str, Any]]
    new_notes: list[tuple[list[int], str]] = field(default_factory=list)

    @property
    def review_id(self) -> int:
        return int(self.about["review_id"])

    @property
    def rater(self) -> str:
        return self.about["rater"]


# ----- writing --------------------------------------------------------------------------------


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _record_row(record: dict[str, Any]) -> list[Any]:
    return [
        _flag(record.get(c)) if c in _FLAGS else ("" if record.get(c) is None else record.get(c))
        for c in RECORD_COLUMNS
    ]


def write_pack(
    about: dict[str, str],
    scale: Scale,
    items: dict[int, PackItem],
    records: list[dict[str, Any]],
    notes: list[tuple[int, list[int], str]],
) -> bytes:
    """The pack as a workbook: about, items (with criteria), records, notes; the baseline on hidden sheets."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "about"
    for key in ABOUT_KEYS:
        sheet.append(files.xlsx_row(sheet, [key, about[key]]))
    sheet.append([])
    sheet.append(files.xlsx_row(sheet, ["how to", ABOUT_TEXT]))
    sheet.column_dimensions["B"].width = 90

    def table(name: str, columns: tuple[str, ...], rows: list[list[Any]], *, hidden: bool = False) -> Any:
        ws = book.create_sheet(name)
        ws.append(files.xlsx_row(ws, list(columns)))
        for row in rows:
            ws.append(files.xlsx_row(ws, row))
        ws.freeze_panes = "A2"
        if hidden:
            ws.sheet_state = "hidden"
        return ws

    def item_rows(values: dict[int, PackItem], *, with_text: bool) -> list[list[Any]]:
        rows = []
        for item in scale.items:
            entry = values.get(item.number, PackItem())
            row = [item.number, item.name, entry.score or "", entry.evidence, ", ".join(entry.data_sources)]
            rows.append(row + ([item.criteria[s] for s in SCORES] if with_text else []))
        return rows

    ws = table("items", ITEM_COLUMNS, item_rows(items, with_text=True))
    last = len(scale.items) + 1
    score = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True)
    score.error, score.showErrorMessage = "A score is a whole number from 1 to 5.", True
    ws.add_data_validation(score)
    score.add(f"C2:C{last}")
    for letter, width in (("B", 40), ("C", 8), ("D", 60), ("E", 16)):
        ws.column_dimensions[letter].width = width

    ws = table("records", RECORD_COLUMNS, [_record_row(r) for r in records])
    yes_no = DataValidation(type="list", formula1='"yes,no"', allow_blank=True, showErrorMessage=True)
    dates = DataValidation(
        type="date", operator="greaterThan", formula1="36526", allow_blank=True, showErrorMessage=True
    )
    count = DataValidation(
        type="whole", operator="between", formula1="0", formula2="1000", allow_blank=True, showErrorMessage=True
    )
    for validation in (yes_no, dates, count):
        ws.add_data_validation(validation)
    for index, column in enumerate(RECORD_COLUMNS):
        letter = chr(ord("A") + index)
        target = (
            yes_no
            if column in _FLAGS
            else dates
            if column in _DATES
            else count
            if column == "in_work_contacts"
            else None
        )
        if target is not None:
            target.add(f"{letter}2:{letter}{ROW_LIMIT + 1}")  # every row a reviewer may fill
        ws.column_dimensions[letter].width = 16
    table(
        "notes", NOTE_COLUMNS, [[note_id, ", ".join(map(str, note_items)), text] for note_id, note_items, text in notes]
    )
    table("baseline_items", ITEM_COLUMNS[:5], item_rows(items, with_text=False), hidden=True)
    table("baseline_records", RECORD_COLUMNS, [_record_row(r) for r in records], hidden=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ----- reading --------------------------------------------------------------------------------


@dataclass
class _Reading:
    problems: list[str] = field(default_factory=list)

    def problem(self, sheet: str, row: int, column: str, message: str) -> None:
        self.problems.append(f"sheet {sheet}, row {row}, column {column}: {message}")


def _rows(book: Any, name: str, columns: tuple[str, ...], reading: _Reading) -> list[tuple[int, dict[str, Any]]]:
    if name not in book.sheetnames:
        reading.problems.append(f"sheet {name}: missing; download a new pack")
        return []
    rows = book[name].iter_rows(values_only=True)
    header = tuple(files.read_cell(c) for c in next(rows, ()))[: len(columns)]
    if header != columns[: len(header)] or len(header) < min(len(columns), 5 if name == "items" else len(columns)):
        reading.problems.append(f"sheet {name}, row 1: the columns must be {', '.join(columns)}")
        return []
    found = []
    for number, values in enumerate(rows, start=2):
        if number > ROW_LIMIT + 1:
            reading.problems.append(f"sheet {name}: more than {ROW_LIMIT} rows")
            break
        cells = {c: files.read_cell(v) for c, v in zip(columns, values, strict=False)}
        if any(v not in (None, "") for v in cells.values()):
            found.append((number, cells))
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _score(value: Any) -> int | None:
    if value in (None, ""):
        return None
    number = float(value) if not isinstance(value, str) else float(value.strip())
    if not number.is_integer() or int(number) not in SCORES:
        raise ValueError("must be a whole number 1-5")
    return int(number)


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as error:
        raise ValueError("must be a date (YYYY-MM-DD)") from error


def _yes_no(value: Any) -> bool | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in ("yes", "no", "true", "false"):
        return text in ("yes", "true")
    raise ValueError("must be yes or no")


def _count(value: Any) -> int | None:
    if value in (None, ""):
        return None
    number = float(value)
    if not number.is_integer() or not 0 <= number <= 1000:
        raise ValueError("must be a whole number 0-1000")
    return int(number)


def _items(value: Any, n_items: int) -> list[int]:
    parts = [p.strip() for p in _text(value).replace(";", ",").split(",") if p.strip()]
    numbers = sorted({int(float(p)) for p in parts if p.replace(".", "", 1).isdigit()})
    if len(numbers) != len(set(parts)) or not numbers or any(not 1 <= n <= n_items for n in numbers):
        raise ValueError(f"must be item numbers 1-{n_items}, separated by commas")
    return numbers


def _item_values(
    reading: _Reading, sheet: str, rows: list[tuple[int, dict[str, Any]]], scale: Scale
) -> dict[int, PackItem]:
    values: dict[int, PackItem] = {}
    for number, cells in rows:
        try:
            item_number = int(float(cells.get("item")))
            scale.item(item_number)
        except (TypeError, ValueError, KeyError):
            reading.problem(sheet, number, "item", f"must be an item number 1-{len(scale.items)}")
            continue
        try:
            score = _score(cells.get("score"))
        except ValueError as error:
            reading.problem(sheet, number, "score", str(error))
            continue
        sources = tuple(s.strip().upper() for s in _text(cells.get("data_sources")).split(",") if s.strip())
        unknown = [s for s in sources if s not in DATA_SOURCE_LABELS]
        if unknown:
            reading.problem(sheet, number, "data_sources", f"{', '.join(unknown)}: use {', '.join(DATA_SOURCE_LABELS)}")
            continue
        evidence = "" if cells.get("evidence") is None else str(cells.get("evidence"))
        values[item_number] = PackItem(score, evidence, sources)
    return values


def _record_values(reading: _Reading, sheet: str, rows: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    records = []
    for number, cells in rows:
        record: dict[str, Any] = {"reference": _text(cells.get("reference"))}
        for column in RECORD_COLUMNS[1:]:
            parse = _date if column in _DATES else _yes_no if column in _FLAGS else _count
            try:
                record[column] = parse(cells.get(column))
            except (TypeError, ValueError) as error:
                reading.problem(sheet, number, column, str(error) if isinstance(error, ValueError) else "not readable")
        records.append(record)
    return records


def read_pack(name: str, content: bytes, scale_for: Any) -> Pack:
    """A pack's contents; PackError lists every problem by sheet, row and column.

    `scale_for(about)` gives the scale the pack was made on (it checks the review, rater and version).
    """
    if len(content) > PACK_LIMIT:
        raise PackError([f"{name}: the file is {len(content):,} bytes; a visit pack is at most {PACK_LIMIT:,}"])
    problem = files.check_xlsx(content, unpacked_limit=UNPACKED_LIMIT)
    if problem:
        raise PackError([f"{name}: {problem}"])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise PackError([f"{name}: not a workbook that can be read ({type(error).__name__})"]) from error
    try:
        about = {}
        if "about" in book.sheetnames:
            for key, value, *_ in book["about"].iter_rows(max_row=len(ABOUT_KEYS), values_only=True):
                about[_text(files.read_cell(key))] = _text(files.read_cell(value))
        if about.get("format") != FORMAT or not about.get("review_id", "").isdigit():
            raise PackError([f"{name}: sheet about: not a visit pack made by this app (format {FORMAT})"])
        scale: Scale = scale_for(about)
        reading = _Reading()
        items = _item_values(reading, "items", _rows(book, "items", ITEM_COLUMNS, reading), scale)
        baseline = _item_values(
            reading, "baseline_items", _rows(book, "baseline_items", ITEM_COLUMNS[:5], reading), scale
        )
        records = _record_values(reading, "records", _rows(book, "records", RECORD_COLUMNS, reading))
        baseline_records = _record_values(
            reading, "baseline_records", _rows(book, "baseline_records", RECORD_COLUMNS, reading)
        )
        new_notes = []
        for number, cells in _rows(book, "notes", NOTE_COLUMNS, reading):
            if cells.get("note_id") not in (None, ""):
                continue  # notes already in the app are shown for reference and not changed from a pack
            try:
                noted = _items(cells.get("items"), len(scale.items))
            except ValueError as error:
                reading.problem("notes", number, "items", str(error))
                continue
            if not _text(cells.get("text")):
                reading.problem("notes", number, "text", "write the note, or clear the row")
                continue
            new_notes.append((noted, str(cells.get("text")).strip()))
    finally:
        book.close()
    if reading.problems:
        raise PackError(reading.problems)
    return Pack(about, items, baseline, records, baseline_records, new_notes)
