"""Fidelity scales as data: typed, validated models loaded from `scales/*.yaml`. No I/O beyond reading files."""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCORES = (1, 2, 3, 4, 5)
DataSource = Literal["MIS", "DOC", "INT", "OBS"]
DATA_SOURCE_LABELS: dict[str, str] = {
    "MIS": "Management information system",
    "DOC": "Document review (case records, profiles, plans)",
    "INT": "Interviews",
    "OBS": "Observation",
}


class ScaleFileError(ValueError):
    """A scale file that cannot be used; the message names the file, the item and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Frozen):
    label: str
    min: int
    max: int
    provisional: bool = False


class Section(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str


class Principle(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    number: int
    title: str
    summary: str
    provisional: bool = False


class Threshold(_Frozen):
    """Score given when the measured value meets the one condition set (none: every other value)."""

    score: int = Field(ge=1, le=5)
    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    below: float | None = None

    @property
    def conditions(self) -> dict[str, float]:
        named = {"at_least": self.at_least, "above": self.above, "at_most": self.at_most, "below": self.below}
        return {name: limit for name, limit in named.items() if limit is not None}

    def matches(self, value: float) -> bool:
        checks = {
            "at_least": lambda limit: value >= limit,
            "above": lambda limit: value > limit,
            "at_most": lambda limit: value <= limit,
            "below": lambda limit: value < limit,
        }
        return all(checks[name](limit) for name, limit in self.conditions.items())


class SmallBase(_Frozen):
    """A denominator too small to judge: fewer than `below` gives `score` whatever the ratio."""

    below: float = Field(gt=0)
    score: int = Field(ge=1, le=5)


class Calculator(_Frozen):
    """The metric as numerator / denominator (x 100 when `percent`), typed in by the reviewer."""

    numerator: str
    denominator: str
    percent: bool = False
    small_base: SmallBase | None = None


class Metric(_Frozen):
    name: str
    unit: str
    calculator: Calculator | None = None
    thresholds: tuple[Threshold, ...]

    @field_validator("thresholds")
    @classmethod
    def _ordered_with_fallback(cls, thresholds: tuple[Threshold, ...]) -> tuple[Threshold, ...]:
        if len(thresholds) < 2:
            raise ValueError("needs at least two thresholds")
        *conditional, fallback = thresholds
        for position, threshold in enumerate(conditional):
            if len(threshold.conditions) != 1:
                raise ValueError(
                    f"threshold {position + 1} (score {threshold.score}) must set exactly one of "
                    "at_least, above, at_most, below"
                )
        if fallback.conditions:
            raise ValueError("the last threshold is the fallback and sets no condition")
        scores = [t.score for t in thresholds]
        if len(set(scores)) != len(scores):
            raise ValueError(f"scores repeat: {scores}")
        return thresholds


class Checklist(_Frozen):
    elements: tuple[str, ...] = Field(min_length=1)
    score_for_count: dict[int, int]

    @model_validator(mode="after")
    def _every_count_mapped(self) -> Self:
        expected = set(range(len(self.elements) + 1))
        if set(self.score_for_count) != expected:
            missing = sorted(expected - set(self.score_for_count))
            extra = sorted(set(self.score_for_count) - expected)
            raise ValueError(
                f"score_for_count must map every count 0-{len(self.elements)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unexpected {extra}" if extra else "")
            )
        scores = [self.score_for_count[count] for count in sorted(expected)]
        if any(score not in SCORES for score in scores):
            raise ValueError(f"score_for_count scores must be whole numbers 1-5, got {scores}")
        if scores != sorted(scores):
            raise ValueError(f"score_for_count must not fall as more elements are ticked: {scores}")
        return self


class Modification(_Frozen):
    what: str
    why: str


class Item(_Frozen):
    number: int = Field(ge=1)
    code: str
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    section: str
    principles: tuple[str, ...] = ()
    data_sources: tuple[DataSource, ...] = Field(min_length=1)
    criteria: dict[int, str]
    provisional: bool = False
    notes: str | None = None
    metric: Metric | None = None
    checklist: Checklist | None = None
    modification: Modification | None = None

    @field_validator("criteria")
    @classmethod
    def _criteria_for_every_score(cls, criteria: dict[int, str]) -> dict[int, str]:
        missing = [score for score in SCORES if not str(criteria.get(score) or "").strip()]
        if missing:
            raise ValueError(f"missing criteria for score {', '.join(map(str, missing))}")
        extra = sorted(set(criteria) - set(SCORES))
        if extra:
            raise ValueError(f"scores must be 1-5, found {extra}")
        return criteria

    @model_validator(mode="after")
    def _metric_or_checklist(self) -> Self:
        if self.metric is not None and self.checklist is not None:
            raise ValueError("an item has a metric or a checklist, not both")
        return self


class Scale(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: str
    title: str
    source: str
    extends: dict[str, str] | None = None
    bands: tuple[Band, ...]
    sections: tuple[Section, ...]
    principles: tuple[Principle, ...]
    items: tuple[Item, ...]
    content_hash: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        section_ids = {s.id for s in self.sections}
        principle_ids = {p.id for p in self.principles}
        seen_ids: dict[str, int] = {}
        for position, item in enumerate(self.items, start=1):
            where = f"item {item.number} ({item.id})"
            if item.number != position:
                problems.append(f"{where}: number must be {position}; items are numbered 1-{len(self.items)} in order")
            if item.id in seen_ids:
                problems.append(f"{where}: id {item.id!r} is already used by item {seen_ids[item.id]}")
            seen_ids.setdefault(item.id, item.number)
            if item.section not in section_ids:
                problems.append(f"{where}: section {item.section!r} is not one of {sorted(section_ids)}")
            for principle in item.principles:
                if principle not in principle_ids:
                    problems.append(f"{where}: principle {principle!r} is not one of {sorted(principle_ids)}")
        problems += _band_problems(self.bands, len(self.items))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.id} v{self.version})"

    @property
    def min_total(self) -> int:
        return len(self.items) * SCORES[0]

    @property
    def max_total(self) -> int:
        return len(self.items) * SCORES[-1]

    @property
    def has_provisional_items(self) -> bool:
        return any(item.provisional for item in self.items)

    def item(self, number: int) -> Item:
        if not 1 <= number <= len(self.items):
            raise KeyError(f"{self.id} has no item {number}; items are 1-{len(self.items)}")
        return self.items[number - 1]

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def to_json(self) -> str:
        """The resolved scale, for pinning a copy beside the reviews that use it."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> Scale:
        return cls.model_validate_json(text)


def _band_problems(bands: Iterable[Band], n_items: int) -> list[str]:
    ordered = sorted(bands, key=lambda b: b.min)
    if not ordered:
        return ["bands: at least one band is needed"]
    problems = []
    low, high = n_items * SCORES[0], n_items * SCORES[-1]
    if ordered[0].min != low:
        problems.append(f"bands: the lowest band must start at {low} (every item scored 1)")
    if ordered[-1].max != high:
        problems.append(f"bands: the highest band must end at {high} (every item scored 5)")
    for lower, upper in itertools.pairwise(ordered):
        if upper.min != lower.max + 1:
            problems.append(f"bands: {lower.label!r} ends at {lower.max} but {upper.label!r} starts at {upper.min}")
    problems += [f"bands: {b.label!r} has min {b.min} above max {b.max}" for b in ordered if b.min > b.max]
    return problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys instead of silently keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> tuple[dict[str, Any], yaml.Node]:
    """The file's mapping, and its node tree (for the line of each key)."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
        nodes = yaml.compose(text, Loader=_UniqueKeyLoader)
    except OSError as error:
        raise ScaleFileError(f"{path}: cannot read the file ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise ScaleFileError(f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ScaleFileError(f"{path}: not valid YAML{where}: {problem}") from error
    if not isinstance(raw, dict):
        raise ScaleFileError(f"{path}: a scale file must be a mapping with id, version, items ...")
    return raw, nodes


def _line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line (1-based) of the deepest key or list entry along `loc` that the file has."""
    line = None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            key, node = next(((k, v) for k, v in node.value if str(k.value) == str(step)), (None, None))
            if key is not None:
                line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _where(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """Turn a validation location into words: items[3] becomes 'item 4 (team_assignment)'."""
    parts: list[str] = []
    node: Any = raw
    for index, step in enumerate(loc):
        if isinstance(step, int) and isinstance(node, list) and index > 0 and loc[index - 1] == "items":
            entry = node[step] if step < len(node) else {}
            number = entry.get("number", step + 1) if isinstance(entry, dict) else step + 1
            ident = entry.get("id") if isinstance(entry, dict) else None
            parts[-1] = f"item {number}" + (f" ({ident})" if ident else "")
        elif isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    text = ".".join(parts).replace(".[", "[")
    return text


def _format_errors(
    path: Path, raw: dict[str, Any], error: ValidationError, line_of: Callable[[tuple[int | str, ...]], int | None]
) -> list[str]:
    lines = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message += " (an unknown key: check its spelling)"
        where = _where(raw, loc)
        line = line_of(loc)
        at = f" (line {line})" if line else ""
        lines.append(f"{path}: {where}: {message}{at}" if where else f"{path}: {message}{at}")
    return lines


_FRAME_FIELDS = ("code", "id", "section")


def _apply_overlay(path: Path, raw: dict[str, Any], base: Scale) -> tuple[dict[str, Any], list[str]]:
    """Resolve a scale that `extends` another: restated items replace fields of the base item.

    Returns the resolved scale and every problem found; an item with a problem is left as the base has it.
    """
    wanted = raw["extends"]
    if not isinstance(wanted, dict) or set(wanted) != {"id", "version"}:
        raise ScaleFileError(f"{path}: extends: give the base scale as {{id: ..., version: ...}}")
    if str(wanted["version"]) != base.version:
        raise ScaleFileError(
            f"{path}: extends: needs {wanted['id']} version {wanted['version']}, "
            f"but scales/{base.id}.yaml is version {base.version}"
        )
    problems = [
        f"{path}: {kept}: a scale that extends another keeps its {kept}; remove this key"
        for kept in ("bands", "sections")
        if kept in raw
    ]
    merged_items = [item.model_dump(exclude_none=True) for item in base.items]
    changes = raw.get("items") or []
    for position, change in enumerate(changes if isinstance(changes, list) else [changes]):
        number = change.get("number") if isinstance(change, dict) else None
        if not isinstance(change, dict) or not isinstance(number, int) or not 1 <= number <= len(merged_items):
            problems.append(f"{path}: items[{position}].number: must be an item of {base.id} (1-{len(merged_items)})")
            continue
        where = f"item {number}"
        found = [] if "modification" in change else [f"{path}: {where}.modification: say what was modified and why"]
        found += [
            f"{path}: {where}.{field}: cannot change the {field} of an inherited item"
            for field in _FRAME_FIELDS
            if field in change and change[field] != merged_items[number - 1][field]
        ]
        problems += found
        if not found:
            merged_items[number - 1] = {**merged_items[number - 1], **change}
    resolved = {key: value for key, value in raw.items() if key != "items"}
    resolved.setdefault("principles", [p.model_dump() for p in base.principles])
    resolved["bands"] = [b.model_dump() for b in base.bands]
    resolved["sections"] = [s.model_dump() for s in base.sections]
    resolved["items"] = merged_items
    return resolved, problems


def _base_path(path: Path, base_id: str, published: Path | None) -> Path:
    """The base of an overlay: beside the file, else among the published scales."""
    beside = path.parent / f"{base_id}.yaml"
    if beside.exists() or published is None:
        return beside
    return Path(published) / f"{base_id}.yaml"


def load_scale(path: Path, *, published: Path | None = None, _chain: tuple[str, ...] = ()) -> Scale:
    """Read and validate one scale file; raise ScaleFileError naming the file, item, field and line of
    every problem. A file that `extends` another finds its base beside it or in `published`."""
    path = Path(path)
    raw, nodes = _read_yaml(path)
    digest = hashlib.sha256(path.read_bytes())
    problems: list[str] = []
    line_of = functools.partial(_line, nodes)
    if "extends" in raw:
        base_id = raw["extends"].get("id") if isinstance(raw["extends"], dict) else None
        if not base_id or base_id in _chain or base_id == raw.get("id"):
            raise ScaleFileError(f"{path}: extends: names no usable base scale ({base_id!r})")
        base = load_scale(_base_path(path, str(base_id), published), _chain=(*_chain, str(raw.get("id"))))
        restated = {
            change.get("number"): position
            for position, change in enumerate(raw.get("items") or [])
            if isinstance(change, dict)
        }
        line_of = functools.partial(_overlay_line, nodes, restated)
        raw, problems = _apply_overlay(path, raw, base)
        digest.update(base.content_hash.encode())
    raw["content_hash"] = digest.hexdigest()
    try:
        scale = Scale.model_validate(raw)
    except ValidationError as error:
        problems += _format_errors(path, raw, error, line_of)
    if problems:
        raise ScaleFileError("\n".join(problems))
    return scale


def _overlay_line(nodes: yaml.Node, restated: dict[Any, int], loc: tuple[int | str, ...]) -> int | None:
    """In an overlay, resolved item i is the file's entry with number i + 1 (if it restates that item)."""
    if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int):
        position = restated.get(loc[1] + 1)
        return None if position is None else _line(nodes, ("items", position, *loc[2:]))
    return _line(nodes, loc)


def describe(scale: Scale) -> str:
    """One line: id, version, items, sections, principles, bands and provisional items."""
    bands = ", ".join(f"{b.label} {b.min}-{b.max}" for b in scale.bands)
    provisional = sum(item.provisional for item in scale.items)
    return (
        f"{scale.id} version {scale.version}: {len(scale.items)} items in {len(scale.sections)} sections, "
        f"{len(scale.principles)} principles; bands {bands}; {provisional} provisional item(s)"
    )


def load_scales(scales_dir: Path) -> dict[str, Scale]:
    """Every scale in a folder, by id."""
    scales: dict[str, Scale] = {}
    for path in sorted(Path(scales_dir).glob("*.yaml")):
        scale = load_scale(path)
        if scale.id in scales:
            raise ScaleFileError(f"{path}: id: {scale.id!r} is already used by another file")
        if path.stem != scale.id:
            raise ScaleFileError(f"{path}: id: {scale.id!r} must match the file name ({path.stem}.yaml)")
        scales[scale.id] = scale
    if not scales:
        raise ScaleFileError(f"{scales_dir}: no scale files (*.yaml) found")
    return scales


def scale_fingerprint(scale: Scale) -> dict[str, str]:
    return {"scale_id": scale.id, "scale_version": scale.version, "scale_hash": scale.content_hash}
