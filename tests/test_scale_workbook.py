"""The XLSX authoring format: lossless both ways over the shipped scales, problems named by sheet, row and column."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from fidelity import scale_workbook
from fidelity.cli import main
from fidelity.scale_files import build_scale, load_scale, read_source
from fidelity.scales import Scale, ScaleFileError

from .conftest import SCALES_DIR

SHIPPED = ["ips-25", "ipspc"]


def _raw(name: str) -> dict:
    return yaml.safe_load((SCALES_DIR / f"{name}.yaml").read_text())


def _same_scale(a: Scale, b: Scale) -> bool:
    return a.model_dump(exclude={"content_hash"}) == b.model_dump(exclude={"content_hash"})


def _edited(raw: dict, edit) -> bytes:
    """The scale as a workbook, changed by `edit(book)`."""
    book = openpyxl.load_workbook(io.BytesIO(scale_workbook.write_workbook(raw)))
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _problems(name: str, content: bytes) -> list[str]:
    with pytest.raises(ScaleFileError) as refused:
        build_scale(read_source(name, content), base_for=None)
    return str(refused.value).splitlines()


@pytest.mark.parametrize("name", SHIPPED)
def test_workbook__shipped_scale__round_trips_to_the_same_mapping_and_scale(name: str) -> None:
    raw = _raw(name)
    source = read_source(f"{name}.xlsx", scale_workbook.write_workbook(raw))
    assert source.problems == ()
    assert source.raw == raw  # the overlay stays an overlay: only its restated fields come back
    again = read_source("again.xlsx", scale_workbook.write_workbook(source.raw))
    assert again.raw == raw


@pytest.mark.parametrize("name", SHIPPED)
def test_scale_convert__yaml_to_xlsx_to_yaml__loads_as_the_same_scale(name: str, tmp_path: Path, capsys) -> None:
    (tmp_path / "ips-25.yaml").write_bytes((SCALES_DIR / "ips-25.yaml").read_bytes())  # an overlay's base
    workbook, back = tmp_path / f"{name}.xlsx", tmp_path / "back" / f"{name}.yaml"
    back.parent.mkdir()
    assert main(["scale-convert", str(SCALES_DIR / f"{name}.yaml"), str(workbook)]) == 0
    assert main(["scale-convert", str(workbook), str(back)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {name} version" in out and "(25 items)" in out
    original = load_scale(SCALES_DIR / f"{name}.yaml")
    assert _same_scale(load_scale(workbook, published=SCALES_DIR), original)
    assert _same_scale(load_scale(back, published=SCALES_DIR), original)


def test_scale_convert__invalid_scale__refused_naming_the_problem_and_nothing_written(tmp_path: Path, capsys) -> None:
    raw = _raw("ips-25")
    del raw["items"][3]["criteria"][4]
    source = tmp_path / "bad.yaml"
    source.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert main(["scale-convert", str(source), str(tmp_path / "bad.xlsx")]) == 2
    assert "item 4 (team_assignment).criteria: missing criteria for score 4" in capsys.readouterr().err
    assert not (tmp_path / "bad.xlsx").exists()


def test_scale_check__xlsx__problems_named_by_item_field_sheet_row_and_column(tmp_path: Path, capsys) -> None:
    def edit(book: openpyxl.Workbook) -> None:
        book["criteria"]["E5"] = None  # item 4, score 4
        book["items"]["D2"] = "   "  # item 1's name: blank
        book["items"]["L1"] = "nmae"  # a typo'd extra column
        book["thresholds"]["B2"] = 9  # item 1's first threshold score
        book["checklists"].append([99, "an element of no item"])
        book.create_sheet("itmes")

    path = tmp_path / "ips-25-draft.xlsx"
    path.write_bytes(_edited(_raw("ips-25"), edit))
    assert main(["scale-check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "item 4 (team_assignment).criteria: missing criteria for score 4 (sheet criteria, row 5)" in err
    assert "item 1 (caseload_size).name: Field required (sheet items, row 2)" in err
    assert "sheet items, column 12: 'nmae' is not a column of this sheet (an unknown key" in err
    assert "item 1 (caseload_size).metric.thresholds[0].score: Input should be less than or equal to 5" in err
    assert "(sheet thresholds, row 2, column score)" in err
    assert "sheet checklists, row " in err and "item 99 is not a number on the items sheet" in err
    assert "sheet itmes: not a sheet of a scale workbook (an unknown key" in err
    assert "Traceback" not in err


def test_workbook__formula_like_text__written_as_text_and_read_back_exactly() -> None:
    raw = _raw("ips-25")
    raw["items"][0]["criteria"][1] = '=HYPERLINK("http://x","click")'
    raw["items"][1]["name"] = "'quoted"
    content = scale_workbook.write_workbook(raw)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book["criteria"]["B2"].data_type == "s" and book["criteria"]["B2"].value.startswith("'=")
    assert read_source("x.xlsx", content).raw == raw


def test_workbook__template__every_sheet_with_its_columns_and_check_names_what_is_missing() -> None:
    content = scale_workbook.write_workbook()
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["about", *scale_workbook.SHEETS]
    for sheet, columns in scale_workbook.SHEETS.items():
        assert tuple(cell.value for cell in book[sheet][1]) == columns
    problems = _problems("template.xlsx", content)
    assert {"template.xlsx: id: Field required", "template.xlsx: items: Field required"} <= set(problems)


def test_workbook__zip_bomb__refused_before_parsing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 30_000_000)
    with pytest.raises(ScaleFileError, match="unzips to 30,000,000 bytes"):
        read_source("bomb.xlsx", buffer.getvalue())
    small = io.BytesIO()
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    with pytest.raises(ScaleFileError, match="compressed more than 100 to 1"):
        read_source("bomb.xlsx", small.getvalue())


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("x.xlsx", b"not a zip", "not an XLSX workbook"),
        ("x.csv", b"id,version", "a scale file is YAML (.yaml or .yml) or a workbook (.xlsx)"),
        ("x.yaml", b"x" * 2_000_001, "a scale file is at most 2,000,000"),
    ],
)
def test_read_source__not_a_scale_file__refused_with_a_message(name: str, content: bytes, expected: str) -> None:
    with pytest.raises(ScaleFileError, match=expected.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_source(name, content)
