"""The shared writer of CSV and XLSX files: user text stays text, numbers stay numbers, and it reads back exactly."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from fidelity import files, imports

from .hostile import CONTROL, FORMULA, LONG, NOTES, live_trigger

HOSTILE_TEXT = st.one_of(
    st.sampled_from([*NOTES, *CONTROL, LONG, "'", "", "plain"]),
    st.text(),
    st.builds(lambda trigger, rest: trigger + rest, st.sampled_from([*files.TRIGGERS, "'"]), st.text()),
)


@pytest.mark.parametrize("trigger", [*files.TRIGGERS, "'"])
def test_text_cell__starts_with_a_trigger_or_the_escape__gets_a_leading_quote(trigger: str) -> None:
    assert files.text_cell(trigger + "1+1") == "'" + trigger + "1+1"


@pytest.mark.parametrize("text", ["plain", "1+1", "a=b", " =not at the start", ""])
def test_text_cell__no_trigger_at_the_start__unchanged(text: str) -> None:
    assert files.text_cell(text) == text


@pytest.mark.parametrize("value", [-5, -0.5, 3, 2.5, None, True])
def test_cell__numbers_and_empty__stay_as_they_are(value: object) -> None:
    assert files.cell(value) is value


@given(HOSTILE_TEXT)
@settings(max_examples=300, deadline=None)
def test_read_cell__inverts_text_cell(text: str) -> None:
    assert files.read_cell(files.text_cell(text)) == text


def _csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


@given(st.lists(HOSTILE_TEXT, min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_csv_bytes__hostile_text__no_live_trigger_and_exact_round_trip_through_the_import_reader(
    texts: list[str],
) -> None:
    """It writes no cell a spreadsheet would run, and the import reader gives back exactly what was written."""
    header = [f"column {i}" for i in range(len(texts))]
    content = files.csv_bytes(header, [texts])
    for row in _csv_cells(content):
        assert not any(live_trigger(cell) for cell in row)
    rows = imports.read_rows(content, "file.csv", required=())
    assert [rows[0][f"column_{i}"] for i in range(len(texts))] == texts


IN_ONE_XLSX_CELL = HOSTILE_TEXT.filter(
    lambda t: len(t) < files.XLSX_CELL_LIMIT and not ILLEGAL_CHARACTERS_RE.search(t)
)  # longer text, and characters XML cannot hold, are the backup's to split or encode (test_safety.py)


@given(st.lists(IN_ONE_XLSX_CELL, min_size=1, max_size=4))
@settings(max_examples=60, deadline=None)
def test_xlsx_row__hostile_text__string_cells_never_formulas_and_exact_round_trip(texts: list[str]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append([f"column {i}" for i in range(len(texts))])
    sheet.append(files.xlsx_row(sheet, [*texts, 7, -2.5]))
    buffer = io.BytesIO()
    book.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue()))["data"]
    cells = next(iter(read.iter_rows(min_row=2, max_row=2)))
    assert [c.data_type for c, t in zip(cells, texts, strict=False) if t] == ["s"] * len([t for t in texts if t])
    assert [c.data_type for c in cells[-2:]] == ["n", "n"]
    assert cells[-2].value == 7 and cells[-1].value == -2.5  # numbers stay numbers
    rows = imports.read_rows(buffer.getvalue(), "file.xlsx", required=())
    assert [rows[0][f"column_{i}"] for i in range(len(texts))] == texts


@given(st.lists(HOSTILE_TEXT, min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_frame_csv__hostile_text__no_live_trigger_and_exact_round_trip(texts: list[str]) -> None:
    """A bare carriage return inside a cell is quoted, so it cannot start a row whose first cell is live."""
    frame = pd.DataFrame({f"column {i}": [text, -1] for i, text in enumerate(texts)}, dtype=object)
    content = files.frame_csv(frame)
    for row in _csv_cells(content):
        assert not any(live_trigger(cell) for cell in row)
    rows = imports.read_rows(content, "file.csv", required=())
    assert [rows[0][f"column_{i}"] for i in range(len(texts))] == texts


def test_frame_csv__text_header_and_index_neutralised__numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"Service": [FORMULA, "-North"], "Change": [-5, 3], "Rate": [-0.5, 0.25]})
    frame.index = pd.Index(["@one", "two"], name="=item")
    frame = frame.rename(columns={"Service": "+Service"})
    cells = _csv_cells(files.frame_csv(frame, index=True))
    assert cells[0] == ["'=item", "'+Service", "Change", "Rate"]
    assert cells[1] == ["'@one", "'" + FORMULA, "-5", "-0.5"]
    assert cells[2] == ["two", "'-North", "3", "0.25"]
    assert not any(live_trigger(cell) for row in cells for cell in row)
