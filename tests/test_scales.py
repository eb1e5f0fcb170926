"""The shipped scales load and keep their structure; malformed files are refused with exact messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from fidelity.scale_files import load_scale, load_scales
from fidelity.scale_versions import items_that_differ, mixed_versions_note
from fidelity.scales import Scale, ScaleFileError

from .conftest import SCALES_DIR, new_version


def test_load_scales__shipped_folder__both_scales_load(scales: dict[str, Scale]) -> None:
    assert sorted(scales) == ["ips-25", "ipspc"]


@pytest.mark.parametrize("scale_id", ["ips-25", "ipspc"])
def test_scale__structure__25_items_in_sections_of_3_8_14(scales: dict[str, Scale], scale_id: str) -> None:
    scale = scales[scale_id]
    assert [i.number for i in scale.items] == list(range(1, 26))
    sizes = {s.id: sum(1 for i in scale.items if i.section == s.id) for s in scale.sections}
    assert sizes == {"staffing": 3, "organization": 8, "services": 14}
    assert len(scale.principles) == 8
    assert [(b.label, b.min, b.max) for b in scale.bands] == [
        ("Exemplary", 115, 125),
        ("Good", 100, 114),
        ("Fair", 74, 99),
        ("Not IPS", 25, 73),
    ]
    for item in scale.items:
        assert sorted(item.criteria) == [1, 2, 3, 4, 5], item.number
        assert item.data_sources, item.number


def test_ips25__sourced_items__only_items_1_to_3_are_confirmed(ips25: Scale) -> None:
    """domain.md: anchors of items 1-3 were confirmed; 4-25 come from memory and are provisional."""
    assert [i.number for i in ips25.items if not i.provisional] == [1, 2, 3]


def test_ips25__computable_items__have_metrics_or_checklists(ips25: Scale) -> None:
    metrics = [i.number for i in ips25.items if i.metric]
    checklists = {i.number: len(i.checklist.elements) for i in ips25.items if i.checklist}
    assert metrics == [1, 2, 15, 16, 17, 19, 20, 21, 24]
    assert checklists == {5: 5, 8: 5, 10: 5, 11: 5, 13: 4, 25: 6}


def test_ipspc__same_frame_as_ips25__numbers_codes_sections_and_bands_kept(ips25: Scale, ipspc: Scale) -> None:
    assert [(i.number, i.code, i.id, i.section) for i in ipspc.items] == [
        (i.number, i.code, i.id, i.section) for i in ips25.items
    ]
    assert ipspc.bands == ips25.bands and ipspc.sections == ips25.sections


def test_ipspc__modified_items__say_what_and_why_and_are_provisional(ips25: Scale, ipspc: Scale) -> None:
    modified = [i for i in ipspc.items if i.modification]
    assert [i.number for i in modified] == [1, 4, 5, 6, 9, 15, 22, 23]
    for item in modified:
        assert item.provisional and item.modification.what and item.modification.why
    assert ipspc.item(23).criteria != ips25.item(23).criteria  # time-limited support
    assert "retention" in ipspc.item(1).name.lower() and "in-work" in ipspc.item(1).modification.what
    assert ipspc.item(2) == ips25.item(2)  # unmodified items are inherited as they are


def test_ipspc__principles__modified_for_primary_care(ipspc: Scale) -> None:
    titles = {p.id: p.title for p in ipspc.principles}
    assert "primary" in titles["integration"].lower()
    assert "time-limited" in titles["follow_along"].lower()


def test_scale__content_hash__changes_with_the_file_and_with_its_base(tmp_path: Path) -> None:
    for name in ("ips-25.yaml", "ipspc.yaml"):
        (tmp_path / name).write_text((SCALES_DIR / name).read_text())
    before = load_scales(tmp_path)
    base = tmp_path / "ips-25.yaml"
    base.write_text(base.read_text().replace("Caseload size\n", "Caseload size (edited)\n", 1))
    after = load_scales(tmp_path)
    assert after["ips-25"].content_hash != before["ips-25"].content_hash
    assert after["ipspc"].content_hash != before["ipspc"].content_hash
    assert len(before["ips-25"].content_hash) == 64


def test_scale__json_round_trip__equal(ipspc: Scale) -> None:
    assert Scale.from_json(ipspc.to_json()) == ipspc


# --- malformed files -------------------------------------------------------------------------


def _ips25_raw() -> dict:
    return yaml.safe_load((SCALES_DIR / "ips-25.yaml").read_text())


def _write(tmp_path: Path, raw: dict, name: str = "ips-25.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_load_scale__criterion_missing__names_file_item_and_field(tmp_path: Path) -> None:
    raw = _ips25_raw()
    del raw["items"][3]["criteria"][4]
    path = _write(tmp_path, raw)
    with pytest.raises(ScaleFileError) as error:
        load_scale(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "id: team_assignment" in text)
    criteria_line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if n > line and "criteria:" in text
    )
    assert str(error.value) == (
        f"{path}: item 4 (team_assignment).criteria: missing criteria for score 4 (line {criteria_line})"
    )


def test_load_scale__score_out_of_range_in_threshold__names_the_field(tmp_path: Path) -> None:
    raw = _ips25_raw()
    raw["items"][0]["metric"]["thresholds"][0]["score"] = 6
    with pytest.raises(ScaleFileError, match=r"item 1 \(caseload_size\)\.metric\.thresholds\[0\]\.score"):
        load_scale(_write(tmp_path, raw))


def test_load_scale__unknown_section__names_the_item(tmp_path: Path) -> None:
    raw = _ips25_raw()
    raw["items"][6]["section"] = "staff"
    with pytest.raises(ScaleFileError, match=r"item 7 \(vocational_unit\): section 'staff' is not one of"):
        load_scale(_write(tmp_path, raw))


def test_load_scale__duplicate_item_id__names_both_items(tmp_path: Path) -> None:
    raw = _ips25_raw()
    raw["items"][1]["id"] = "caseload_size"
    with pytest.raises(ScaleFileError, match=r"item 2 \(caseload_size\): id 'caseload_size' is already used by item 1"):
        load_scale(_write(tmp_path, raw))


def test_load_scale__checklist_map_incomplete__says_which_counts(tmp_path: Path) -> None:
    raw = _ips25_raw()
    del raw["items"][4]["checklist"]["score_for_count"][5]
    with pytest.raises(ScaleFileError, match=r"item 5 \(team_contact\)\.checklist: .*missing \[5\]"):
        load_scale(_write(tmp_path, raw))


def test_load_scale__bands_with_gap__refused(tmp_path: Path) -> None:
    raw = _ips25_raw()
    raw["bands"][1]["min"] = 101
    with pytest.raises(ScaleFileError, match="'Fair' ends at 99 but 'Good' starts at 101"):
        load_scale(_write(tmp_path, raw))


def test_load_scale__unknown_field__refused(tmp_path: Path) -> None:
    raw = _ips25_raw()
    raw["items"][2]["critera"] = {}
    with pytest.raises(ScaleFileError, match=r"item 3 \(vocational_generalists\)\.critera: Extra inputs"):
        load_scale(_write(tmp_path, raw))


def test_load_scale__duplicate_yaml_key__refused_with_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        textwrap.dedent("""\
        id: x
        version: "1"
        id: y
    """)
    )
    with pytest.raises(ScaleFileError, match=r"x\.yaml: not valid YAML at line 3, column 1: duplicate key 'id'$"):
        load_scale(path)


def test_load_scale__missing_file__names_it(tmp_path: Path) -> None:
    with pytest.raises(ScaleFileError, match=r"nope\.yaml: cannot read the file"):
        load_scale(tmp_path / "nope.yaml")


def test_load_scale__overlay_of_wrong_base_version__refused(tmp_path: Path) -> None:
    (tmp_path / "ips-25.yaml").write_text((SCALES_DIR / "ips-25.yaml").read_text())
    overlay = yaml.safe_load((SCALES_DIR / "ipspc.yaml").read_text())
    overlay["extends"]["version"] = "1999"
    with pytest.raises(ScaleFileError, match="extends: needs ips-25 version 1999"):
        load_scale(_write(tmp_path, overlay, "ipspc.yaml"))


def test_load_scale__overlay_item_without_modification__refused(tmp_path: Path) -> None:
    (tmp_path / "ips-25.yaml").write_text((SCALES_DIR / "ips-25.yaml").read_text())
    overlay = yaml.safe_load((SCALES_DIR / "ipspc.yaml").read_text())
    del overlay["items"][0]["modification"]
    with pytest.raises(ScaleFileError, match=r"ipspc\.yaml: item 1\.modification: say what was modified and why"):
        load_scale(_write(tmp_path, overlay, "ipspc.yaml"))


def test_load_scale__overlay_moves_item_to_other_section__refused(tmp_path: Path) -> None:
    (tmp_path / "ips-25.yaml").write_text((SCALES_DIR / "ips-25.yaml").read_text())
    overlay = yaml.safe_load((SCALES_DIR / "ipspc.yaml").read_text())
    overlay["items"][1]["section"] = "services"
    with pytest.raises(ScaleFileError, match=r"item 4\.section: cannot change the section of an inherited item"):
        load_scale(_write(tmp_path, overlay, "ipspc.yaml"))


def test_load_scales__file_name_differs_from_id__refused(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text((SCALES_DIR / "ips-25.yaml").read_text())
    with pytest.raises(ScaleFileError, match=r"other\.yaml: id: 'ips-25' must match the file name"):
        load_scales(tmp_path)


# --- totals from different versions --------------------------------------------------------------


def _edited(scale: Scale, **item_changes: object) -> Scale:
    """The scale with item 4 changed (and a new hash), as a new version of the file would be."""
    return new_version(scale, 4, content_hash="f" * 64, **item_changes)


def test_items_that_differ__criteria_changed__names_the_item(ips25: Scale) -> None:
    changed = _edited(ips25, criteria={**ips25.item(4).criteria, 3: "Something else"})
    assert items_that_differ(ips25, changed) == [4]


def test_items_that_differ__only_notes_or_provisional_changed__none(ips25: Scale) -> None:
    assert items_that_differ(ips25, _edited(ips25, notes="A new note", provisional=False)) == []


def test_items_that_differ__ipspc_against_ips25__its_modified_items(ips25: Scale, ipspc: Scale) -> None:
    modified = [item.number for item in ipspc.items if item.modification]
    assert items_that_differ(ips25, ipspc) == modified


def test_mixed_versions_note__one_version__none(ips25: Scale) -> None:
    assert mixed_versions_note([ips25, ips25]) is None


def test_mixed_versions_note__two_versions__names_both_and_the_items(ips25: Scale) -> None:
    changed = _edited(ips25, criteria={**ips25.item(4).criteria, 3: "Something else"})
    note = mixed_versions_note([ips25, changed, ips25])
    assert note == (
        f"Totals here come from 2 scale versions (ips-25 version {ips25.version}; ips-25 version next). "
        "Items scored differently between them: 4. Compare totals across them with care."
    )


def test_mixed_versions_note__same_version_label_edited_file__told_apart_by_hash(ips25: Scale) -> None:
    changed = _edited(ips25, name="Renamed").model_copy(update={"version": ips25.version})
    note = mixed_versions_note([ips25, changed])
    assert note is not None and f"({ips25.content_hash[:7]})" in note and "(fffffff)" in note
