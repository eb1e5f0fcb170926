"""A scale as a spreadsheet: the XLSX authoring format, to and from a scale's mapping, without loss.

One sheet per part of the scale; child sheets name their item by number. A blank cell is a key left
out (so an overlay restates only what it changes); `none` in a list cell is an empty list. Text is
written through `files` (never a formula) and read back exactly. No database and no Streamlit.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fidelity import files
from fidelity.scales import SCORES, ScaleFileError

Loc = tuple[int | str, ...]

UNPACKED_LIMIT = 20_000_000  # bytes of a scale workbook's sheets once unzipped
RATIO_LIMIT = 100  # unzipped / zipped, per member: more is a zip bomb, not a scale
ROW_LIMIT = 2_000  # rows per sheet


@dataclass(frozen=True)
class ScaleSource:
    """A scale file's mapping before validation, and how to say where in the file a key came from."""

    name: str
    raw: dict[str, Any]
    locate: Callable[[Loc], str | None]
    fingerprint: bytes  # what the content hash is made from
    problems: tuple[str, ...] = ()  # found while reading, before validation


# sheet -> its columns; the first sheet is read as key | value rows
SCALE_KEYS = ("id", "version", "title", "source", "extends_id", "extends_version")
SHEETS: dict[str, tuple[str, ...]] = {
    "scale": ("key", "value"),
    "bands": ("label", "min", "max", "provisional"),
    "sections": ("id", "title"),
    "principles": ("id", "number", "title", "summary", "provisional"),
    "items": (
        "number",
        "code",
        "id",
        "name",
        "section",
        "principles",
        "data_sources",
        "provisional",
        "notes",
        "modification_what",
        "modification_why",
    ),
    "criteria": ("item", *(f"score_{s}" for s in SCORES)),
    "metrics": (
        "item",
        "name",
        "unit",
        "numerator",
        "denominator",
        "percent",
        "small_base_below",
        "small_base_score",
    ),
    "thresholds": ("item", "score", "at_least", "above", "at_most", "below"),
    "checklists": ("item", "element"),
    "checklist_scores": ("item", "elements_ticked", "score"),
}
ABOUT = "about"
_LISTS = {"principles", "data_sources"}
_BOOLS = {"provisional", "percent"}
_INTS = {"number", "min", "max", "score", "item", "elements_ticked", "small_base_score"}
# where a column's value goes inside its item (items, metrics sheets)
_ITEM_PATHS: dict[str, tuple[str, ...]] = {
    "modification_what": ("modification", "what"),
    "modification_why": ("modification", "why"),
}
_METRIC_PATHS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "unit": ("unit",),
    "numerator": ("calculator", "numerator"),
    "denominator": ("calculator", "denominator"),
    "percent": ("calculator", "percent"),
    "small_base_below": ("calculator", "small_base", "below"),
    "small_base_score": ("calculator", "small_base", "score"),
}

ABOUT_TEXT = (
    "An IPS fidelity scale, one sheet per part. Check it with: python -m fidelity scale-check FILE.xlsx",
    "scale: one row per key: id, version, title, source; extends_id and extends_version for a scale that "
    "modifies another (it then lists only the items it changes, each with modification_what and _why).",
    "bands: label, min and max total; sections: id and title; principles: id, number, title, summary.",
    "items: one row per item, numbered from 1 in order; principles and data_sources are lists separated by "
    "commas (data sources: MIS, DOC, INT, OBS); write none for an empty list.",
    "criteria: one row per item: what earns each score 1-5.",
    "metrics and thresholds: an item measured by a number; thresholds in order, each setting one of "
    "at_least, above, at_most, below; the last row of an item is the fallback and sets none.",
    "checklists: one row per element, in order; checklist_scores: the score for each number of elements ticked.",
    "provisional and percent: TRUE or FALSE. A blank cell leaves the key out.",
)


# ----- writing --------------------------------------------------------------------------------


def _list_cell(values: Iterable[str]) -> str:
    listed = list(values)
    return ", ".join(listed) if listed else "none"


def _rows_of(raw: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """The scale's mapping as rows per sheet (only the sheets it has something for)."""
    extends = raw.get("extends") or {}
    top = {key: raw.get(key) for key in SCALE_KEYS[:4]} | {
        "extends_id": extends.get("id"),
        "extends_version": extends.get("version"),
    }
    rows: dict[str, list[list[Any]]] = {"scale": [[key, value] for key, value in top.items() if value is not None]}
    for sheet in ("bands", "sections", "principles"):
        if sheet in raw:
            rows[sheet] = [[entry.get(column) for column in SHEETS[sheet]] for entry in raw[sheet]]
    if "items" not in raw:
        return rows
    for sheet in ("items", "criteria", "metrics", "thresholds", "checklists", "checklist_scores"):
        rows[sheet] = []
    for item in raw["items"]:
        number = item.get("number")
        modification = item.get("modification") or {}
        rows["items"].append(
            [
                _list_cell(item[column])
                if column in _LISTS and column in item
                else modification.get(column.removeprefix("modification_"))
                if column in _ITEM_PATHS
                else item.get(column)
                for column in SHEETS["items"]
            ]
        )
        if "criteria" in item:
            rows["criteria"].append([number, *(item["criteria"].get(score) for score in SCORES)])
        if metric := item.get("metric"):
            rows["metrics"].append([number, *(_dig(metric, path) for path in _METRIC_PATHS.values())])
            for threshold in metric.get("thresholds", []):
                rows["thresholds"].append([number, *(threshold.get(column) for column in SHEETS["thresholds"][1:])])
        if checklist := item.get("checklist"):
            rows["checklists"] += [[number, element] for element in checklist.get("elements", [])]
            counts = checklist.get("score_for_count", {})
            rows["checklist_scores"] += [[number, count, counts[count]] for count in sorted(counts)]
    return rows


def _dig(mapping: dict[str, Any], path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(step)  # type: ignore[assignment]
    return mapping


def write_workbook(raw: dict[str, Any] | None = None) -> bytes:
    """The scale's mapping as an XLSX workbook; with no scale, the empty template."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    about = book.create_sheet(ABOUT)
    about.column_dimensions["A"].width = 120
    for line in ABOUT_TEXT:
        about.append(files.xlsx_row(about, [line]))
    rows = _rows_of(raw) if raw is not None else {}
    for sheet_name, columns in SHEETS.items():
        sheet = book.create_sheet(sheet_name)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns):
            letter = chr(ord("A") + index)
            sheet.column_dimensions[letter].width = 60 if column.startswith(("score_", "value", "summary")) else 18
        sheet.append(files.xlsx_row(sheet, list(columns)))
        for row in rows.get(sheet_name, []):
            sheet.append(files.xlsx_row(sheet, ["" if value is None else value for value in row]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ----- reading --------------------------------------------------------------------------------


def check_zip(name: str, content: bytes) -> None:
    """Refuse a workbook before parsing it when its unzipped size or compression would exhaust the server."""
    problem = files.check_xlsx(content, unpacked_limit=UNPACKED_LIMIT, ratio_limit=RATIO_LIMIT)
    if problem:
        raise ScaleFileError(f"{name}: {problem}")


@dataclass
class _Reader:
    name: str
    raw: dict[str, Any] = field(default_factory=dict)
    places: dict[Loc, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    item_at: dict[int, int] = field(default_factory=dict)  # item number -> its position in items

    def problem(self, place: str, message: str) -> None:
        self.problems.append(f"{self.name}: {place}: {message}")

    def locate(self, loc: Loc) -> str | None:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.places:
                return self.places[loc[:end]]
        return None


def _value(column: str, value: Any) -> Any:
    """A cell as the scale's mapping holds it: escapes off, lists split, numbers and flags typed."""
    value = files.read_cell(value)
    if isinstance(value, str) and not value.strip():
        return None
    if column in _LISTS and isinstance(value, str):
        return [] if value.strip().lower() == "none" else [part.strip() for part in value.split(",") if part.strip()]
    if column in _BOOLS and isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    if column in _INTS | {"value"} and isinstance(value, float) and value.is_integer():
        return int(value)
    if column in _INTS and isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _sheet_rows(reader: _Reader, sheet_name: str, sheet: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for each non-blank row; unknown or missing columns are problems."""
    rows = sheet.iter_rows(values_only=True)
    header = [files.read_cell(cell) for cell in next(rows, ())]
    columns = SHEETS[sheet_name]
    while header and header[-1] in (None, ""):
        header.pop()
    for index, title in enumerate(header):
        if title not in columns:
            reader.problem(
                f"sheet {sheet_name}, column {index + 1}",
                f"{title!r} is not a column of this sheet (an unknown key: check its spelling); "
                f"its columns are {', '.join(columns)}",
            )
    if sheet_name != "scale" and header and header[0] != columns[0]:
        return
    for number, values in enumerate(rows, start=2):
        if number > ROW_LIMIT + 1:
            reader.problem(f"sheet {sheet_name}", f"more than {ROW_LIMIT:,} rows; a scale has far fewer")
            return
        cells = {
            title: _value(title, value)
            for title, value in zip(header, values, strict=False)
            if title in columns and value is not None
        }
        cells = {title: value for title, value in cells.items() if value is not None}
        if cells:
            yield number, cells


def read_workbook(name: str, content: bytes) -> ScaleSource:
    """A scale workbook's mapping, each key placed by sheet, row and column for problem messages."""
    check_zip(name, content)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ScaleFileError(f"{name}: not an XLSX workbook that can be read ({type(error).__name__})") from error
    reader = _Reader(name)
    try:
        for sheet_name in book.sheetnames:
            if sheet_name not in SHEETS and sheet_name != ABOUT:
                reader.problem(
                    f"sheet {sheet_name}",
                    f"not a sheet of a scale workbook (an unknown key: check its spelling); "
                    f"its sheets are {', '.join(SHEETS)}",
                )
        for sheet_name in SHEETS:
            if sheet_name in book.sheetnames:
                rows = list(_sheet_rows(reader, sheet_name, book[sheet_name]))
                _READERS[sheet_name](reader, rows)
    finally:
        book.close()
    fingerprint = json.dumps(reader.raw, sort_keys=True, default=str).encode()
    return ScaleSource(name, reader.raw, reader.locate, fingerprint, tuple(reader.problems))


def _place(sheet: str, row: int, column: str | None = None) -> str:
    return f"sheet {sheet}, row {row}" + (f", column {column}" if column else "")


def _read_scale(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    for number, cells in rows:
        key, value = cells.get("key"), cells.get("value")
        if key not in SCALE_KEYS:
            reader.problem(
                _place("scale", number, "key"),
                f"{key!r} is not a key of a scale (an unknown key: check its spelling); the keys are {', '.join(SCALE_KEYS)}",
            )
            continue
        if key in reader.raw or (
            key.startswith("extends_") and key.removeprefix("extends_") in reader.raw.get("extends", {})
        ):
            reader.problem(_place("scale", number, "key"), f"{key} is given twice")
            continue
        if value is None:
            continue
        value = str(int(value)) if isinstance(value, float) and value.is_integer() else value
        value = str(value) if key in ("version", "extends_version") and isinstance(value, int) else value
        if key.startswith("extends_"):
            reader.raw.setdefault("extends", {})[key.removeprefix("extends_")] = value
            reader.places[("extends",)] = _place("scale", number)
        else:
            reader.raw[key] = value
            reader.places[(key,)] = _place("scale", number)


def _read_list(sheet: str) -> Callable[[_Reader, list[tuple[int, dict[str, Any]]]], None]:
    def read(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
        if not rows:
            return
        reader.raw[sheet] = []
        reader.places[(sheet,)] = _place(sheet, 1)
        for position, (number, cells) in enumerate(rows):
            reader.raw[sheet].append(cells)
            reader.places[(sheet, position)] = _place(sheet, number)
            for column in cells:
                reader.places[(sheet, position, column)] = _place(sheet, number, column)

    return read


def _read_items(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    if not rows:
        return
    reader.raw["items"] = []
    reader.places[("items",)] = _place("items", 1)
    for position, (number, cells) in enumerate(rows):
        item: dict[str, Any] = {}
        for column, value in cells.items():
            path = _ITEM_PATHS.get(column, (column,))
            _put(item, path, value)
            reader.places[("items", position, *path)] = _place("items", number, column)
        reader.raw["items"].append(item)
        reader.places[("items", position)] = _place("items", number)
        if isinstance(item.get("number"), int):
            if item["number"] in reader.item_at:
                reader.problem(_place("items", number, "number"), f"item {item['number']} is on two rows")
            reader.item_at.setdefault(item["number"], position)


def _put(mapping: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for step in path[:-1]:
        mapping = mapping.setdefault(step, {})
    mapping[path[-1]] = value


def _item_rows(
    reader: _Reader, sheet: str, rows: list[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any], int, dict[str, Any]]]:
    """(row number, cells, item position, item) for each row of a child sheet whose item is on the items sheet."""
    for row, cells in rows:
        number = cells.get("item")
        position = reader.item_at.get(number) if isinstance(number, int) else None
        if position is None:
            reader.problem(_place(sheet, row, "item"), f"item {number!r} is not a number on the items sheet")
            continue
        yield row, cells, position, reader.raw["items"][position]


def _read_criteria(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    for number, cells, position, item in _item_rows(reader, "criteria", rows):
        if "criteria" in item:
            reader.problem(_place("criteria", number, "item"), f"item {cells['item']} has criteria on two rows")
            continue
        item["criteria"] = {score: cells[f"score_{score}"] for score in SCORES if f"score_{score}" in cells}
        reader.places[("items", position, "criteria")] = _place("criteria", number)
        for score in SCORES:
            reader.places[("items", position, "criteria", score)] = _place("criteria", number, f"score_{score}")


def _read_metrics(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    for number, cells, position, item in _item_rows(reader, "metrics", rows):
        if "metric" in item:
            reader.problem(_place("metrics", number, "item"), f"item {cells['item']} has a metric on two rows")
            continue
        metric: dict[str, Any] = {}
        for column, path in _METRIC_PATHS.items():
            if column in cells:
                _put(metric, path, cells[column])
                reader.places[("items", position, "metric", *path)] = _place("metrics", number, column)
        item["metric"] = metric
        reader.places[("items", position, "metric")] = _place("metrics", number)


def _read_thresholds(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    for number, cells, position, item in _item_rows(reader, "thresholds", rows):
        if "metric" not in item:
            reader.problem(
                _place("thresholds", number, "item"), f"item {cells['item']} has no row on the metrics sheet"
            )
            continue
        thresholds = item["metric"].setdefault("thresholds", [])
        index = len(thresholds)
        thresholds.append({column: value for column, value in cells.items() if column != "item"})
        reader.places[("items", position, "metric", "thresholds", index)] = _place("thresholds", number)
        for column in cells:
            reader.places[("items", position, "metric", "thresholds", index, column)] = _place(
                "thresholds", number, column
            )


def _read_checklists(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    for number, cells, position, item in _item_rows(reader, "checklists", rows):
        elements = item.setdefault("checklist", {}).setdefault("elements", [])
        reader.places.setdefault(("items", position, "checklist"), _place("checklists", number))
        reader.places[("items", position, "checklist", "elements", len(elements))] = _place("checklists", number)
        elements.append(cells.get("element"))


def _read_checklist_scores(reader: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> None:
    for number, cells, position, item in _item_rows(reader, "checklist_scores", rows):
        counts = item.setdefault("checklist", {}).setdefault("score_for_count", {})
        count = cells.get("elements_ticked")
        if count in counts:
            reader.problem(
                _place("checklist_scores", number, "elements_ticked"),
                f"{count} is given twice for item {cells['item']}",
            )
        counts[count] = cells.get("score")
        reader.places.setdefault(
            ("items", position, "checklist", "score_for_count"), _place("checklist_scores", number)
        )


_READERS: dict[str, Callable[[_Reader, list[tuple[int, dict[str, Any]]]], None]] = {
    "scale": _read_scale,
    "bands": _read_list("bands"),
    "sections": _read_list("sections"),
    "principles": _read_list("principles"),
    "items": _read_items,
    "criteria": _read_criteria,
    "metrics": _read_metrics,
    "thresholds": _read_thresholds,
    "checklists": _read_checklists,
    "checklist_scores": _read_checklist_scores,
}
