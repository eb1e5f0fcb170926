"""python -m fidelity scale-check FILE: a one-line summary, or every problem by item, field and line; never a traceback."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.cli import main

from .conftest import SCALES_DIR


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["scale-check", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def _ips25_raw() -> dict:
    return yaml.safe_load((SCALES_DIR / "ips-25.yaml").read_text())


@pytest.mark.parametrize("name", ["ips-25.yaml", "ipspc.yaml"])
def test_scale_check__shipped_scale__exit_0_with_a_one_line_summary(name: str, capsys) -> None:
    code, out, err = _check(SCALES_DIR / name, capsys)
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert ": ok: " in out and "25 items in 3 sections, 8 principles" in out
    assert "bands Exemplary 115-125, Good 100-114, Fair 74-99, Not IPS 25-73" in out


def test_scale_check__overlay_alone__checked_against_the_published_base(tmp_path: Path, capsys) -> None:
    shutil.copy(SCALES_DIR / "ipspc.yaml", tmp_path / "ipspc.yaml")
    code, out, _ = _check(tmp_path / "ipspc.yaml", capsys)
    assert code == 0 and "ipspc version" in out


def test_scale_check__top_level_typo__unknown_key_named_with_its_line(tmp_path: Path, capsys) -> None:
    raw = _ips25_raw()
    raw["itmes"] = raw.pop("items")
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("itmes:"))
    code, out, err = _check(path, capsys)
    assert (code, out) == (2, "")
    assert f"{path}: itmes: Extra inputs are not permitted (an unknown key: check its spelling) (line {line})" in err
    assert f"{path}: items: Field required" in err
    assert "Traceback" not in err


def test_scale_check__several_problems__every_one_named_by_item_field_and_line(tmp_path: Path, capsys) -> None:
    raw = _ips25_raw()
    del raw["items"][3]["criteria"][4]
    raw["items"][6]["critera"] = raw["items"][6].pop("criteria")
    raw["items"][0]["metric"]["thresholds"][0]["score"] = 9
    path = tmp_path / "ips-25.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    code, _, err = _check(path, capsys)
    assert code == 2
    assert err.startswith("error: 4 problem(s):\n")
    assert "item 4 (team_assignment).criteria: missing criteria for score 4 (line " in err
    assert "item 7 (vocational_unit).critera: Extra inputs are not permitted (an unknown key" in err
    assert "item 7 (vocational_unit).criteria: Field required (line " in err
    assert "item 1 (caseload_size).metric.thresholds[0].score: " in err


def test_scale_check__overlay_problems__all_listed(tmp_path: Path, capsys) -> None:
    overlay = textwrap.dedent("""\
        id: mine
        version: "1"
        title: Mine
        source: a test
        extends: {id: ips-25, version: "2008-uk.2"}
        bands: []
        items:
          - number: 1
            name: No modification given
          - number: 4
            section: services
            modification: {what: moved, why: testing}
          - number: 40
            modification: {what: x, why: y}
    """)
    path = tmp_path / "mine.yaml"
    path.write_text(overlay)
    code, _, err = _check(path, capsys)
    assert code == 2
    assert "bands: a scale that extends another keeps its bands; remove this key" in err
    assert "item 1.modification: say what was modified and why" in err
    assert "item 4.section: cannot change the section of an inherited item" in err
    assert "items[2].number: must be an item of ips-25 (1-25)" in err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scale.csv", b"id,version\n", "a scale file is YAML (.yaml or .yml) or a workbook (.xlsx)"),
        ("scale.xlsx", b"PK\x03\x04", "not an XLSX workbook"),
        ("version.yaml", b"id: x\nversion: '1 <b>'\n", "version: String should match pattern"),
        ("binary.yaml", b"\xff\xfe\x00\x00", "not UTF-8 text"),
        ("empty.yaml", b"", "a scale file must be a mapping"),
        ("list.yaml", b"- a\n- b\n", "a scale file must be a mapping"),
        ("broken.yaml", b"id: [unclosed\n", "not valid YAML at line"),
        ("extends.yaml", b"id: x\nextends: 5\n", "extends: names no usable base scale"),
        ("nobase.yaml", b"id: x\nextends: {id: nowhere, version: '1'}\n", "nowhere.yaml: cannot read the file"),
    ],
)
def test_scale_check__malformed_file__refused_with_a_message(tmp_path: Path, capsys, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = _check(path, capsys)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_scale_check__missing_file__named(tmp_path: Path, capsys) -> None:
    code, _, err = _check(tmp_path / "nope.yaml", capsys)
    assert code == 2 and "nope.yaml: cannot read the file" in err


YAMLISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)
KEYS = st.sampled_from(["id", "version", "title", "source", "bands", "sections", "principles", "items", "extends"])


@given(st.dictionaries(KEYS, YAMLISH, max_size=9))
@settings(max_examples=150, deadline=None)
def test_scale_check__any_mapping__a_summary_or_problems_never_a_crash(tmp_path_factory, raw: dict) -> None:
    path = tmp_path_factory.mktemp("scale") / "any.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["scale-check", str(path)]) in (0, 2)
