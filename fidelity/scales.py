"""Fidelity scales as data: the typed, validated models of a scale. Reading files is `scale_files`'s."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=40)  # e.g. 2008-uk.2
    title: str = Field(min_length=1, max_length=200)
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

    def with_verified(self, numbers: Iterable[int]) -> Scale:
        """This scale with the provisional flag lifted from the items whose criteria were verified."""
        verified = set(numbers)
        if not any(item.provisional and item.number in verified for item in self.items):
            return self
        items = tuple(
            item.model_copy(update={"provisional": False}) if item.number in verified else item for item in self.items
        )
        return self.model_copy(update={"items": items})

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


def describe(scale: Scale) -> str:
    """One line: id, version, items, sections, principles, bands and provisional items."""
    bands = ", ".join(f"{b.label} {b.min}-{b.max}" for b in scale.bands)
    provisional = sum(item.provisional for item in scale.items)
    return (
        f"{scale.id} version {scale.version}: {len(scale.items)} items in {len(scale.sections)} sections, "
        f"{len(scale.principles)} principles; bands {bands}; {provisional} provisional item(s)"
    )


def scale_fingerprint(scale: Scale) -> dict[str, str]:
    return {"scale_id": scale.id, "scale_version": scale.version, "scale_hash": scale.content_hash}
