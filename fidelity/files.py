"""Tables the app writes and reads as CSV or XLSX, with user text kept as text. No database, no Streamlit.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula. Following OWASP's advice on CSV injection, every text cell that starts
with one of those gets a leading single quote, and so does text that already starts with a single
quote, so reading a file back (`read_cell`) gives exactly the text that was written. Numbers, dates
and empty cells are written as they are. In XLSX, text cells are always written as strings.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
XLSX_CELL_LIMIT = 32_767  # characters; Excel's own limit


def text_cell(text: str) -> str:
    """Text as a spreadsheet cell: neutralised when a spreadsheet would read it as a formula."""
    return ESCAPE + text if text.startswith((*TRIGGERS, ESCAPE)) else text


def cell(value: Any) -> Any:
    """A value as a cell: text through `text_cell`; anything else (numbers, dates, None) as it is."""
    return text_cell(value) if isinstance(value, str) else value


def read_cell(value: Any) -> Any:
    """A cell as read from a file this app wrote (or a person filled in): the text without its escape."""
    if isinstance(value, str) and value.startswith(ESCAPE):
        return value[1:]
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file (UTF-8) of a header and rows, every text cell through `text_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def frame_csv(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    """A DataFrame as a CSV download: text in the cells, column names and index neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(cell)
    safe.columns = [cell(str(name)) for name in safe.columns]
    if index:
        safe.index = safe.index.map(cell)
        if safe.index.name is not None:
            safe.index.name = cell(str(safe.index.name))
    # CRLF line ends, as csv_bytes and RFC 4180: then a cell holding a bare carriage return is quoted,
    # where pandas' default "\n" would leave it bare, and a spreadsheet would start a new row at it
    return safe.to_csv(index=index, lineterminator="\r\n").encode("utf-8")


def xlsx_row(sheet: Any, values: Sequence[Any]) -> list[Any]:
    """A row for an openpyxl sheet: text cells are neutralised and typed as strings, never as formulas.

    An empty string is an empty cell (XLSX has no other way to write it). A cell holds at most
    XLSX_CELL_LIMIT characters: longer text is the caller's to split (see store/backup.py).
    """
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if value == "":
            row.append(None)
        elif isinstance(value, str):
            written = WriteOnlyCell(sheet, value=text_cell(value))
            written.data_type = "s"
            row.append(written)
        else:
            row.append(value)
    return row


def check_xlsx(content: bytes, *, unpacked_limit: int, ratio_limit: int = 100) -> str | None:
    """Why a workbook must not be parsed (not a zip, too big unzipped, compressed like a zip bomb), or None.

    Reads only the zip directory, before any parser sees the file.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return "not an XLSX workbook (it cannot be opened as one)"
    unpacked = sum(member.file_size for member in members)
    if unpacked > unpacked_limit:
        return f"unzips to {unpacked:,} bytes; at most {unpacked_limit:,} are read"
    for member in members:
        if member.file_size > ratio_limit * max(member.compress_size, 1) and member.file_size > 1_000_000:
            return f"{member.filename} is compressed more than {ratio_limit} to 1; not a workbook this app reads"
    return None
