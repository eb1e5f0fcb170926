"""Pure scoring functions: suggested item scores, subtotals, principle profile, total, band, change.

No I/O, no database, no Streamlit. Ratings are a mapping of item number to a whole score 1-5;
unscored items are simply absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fidelity.scales import SCORES, Band, Calculator, Item, Scale

Ratings = Mapping[int, int]


class ScoringError(ValueError):
    """Input that cannot be scored, with a message a reviewer can act on."""


def check_score(score: object, *, where: str = "score") -> int:
    """A whole score 1-5, or ScoringError naming `where`."""
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise ScoringError(f"{where}: must be a whole number from 1 to 5, got {score!r}")
    return score


def metric_value(calculator: Calculator, numerator: float, denominator: float) -> float:
    """The measured value from a calculator's two inputs."""
    if numerator < 0 or denominator < 0:
        raise ScoringError("numerator and denominator cannot be negative")
    if denominator == 0:
        raise ScoringError(f"{calculator.denominator}: must be more than 0")
    value = numerator / denominator
    return value * 100 if calculator.percent else value


def suggested_score_from_metric(item: Item, value: float, *, denominator: float | None = None) -> int:
    """The score the item's thresholds give a measured value (first matching threshold wins).

    `denominator`, when given, lets a calculator's small-base rule apply (item 21: fewer than
    10 current jobs scores 1 whatever the share).
    """
    if item.metric is None:
        raise ScoringError(f"item {item.number} ({item.name}) has no metric")
    if value < 0:
        raise ScoringError(f"item {item.number}: {item.metric.name} cannot be negative")
    calculator = item.metric.calculator
    if calculator and calculator.small_base and denominator is not None and denominator < calculator.small_base.below:
        return calculator.small_base.score
    return next(t.score for t in item.metric.thresholds if t.matches(value))


def suggested_score_from_checklist(item: Item, ticked: int) -> int:
    """The score for the number of checklist elements present."""
    if item.checklist is None:
        raise ScoringError(f"item {item.number} ({item.name}) has no checklist")
    if not 0 <= ticked <= len(item.checklist.elements):
        raise ScoringError(f"item {item.number}: ticked must be 0-{len(item.checklist.elements)}, got {ticked}")
    return item.checklist.score_for_count[ticked]


def _checked(scale: Scale, ratings: Ratings) -> dict[int, int]:
    checked = {}
    for number, score in ratings.items():
        if not isinstance(number, int) or not 1 <= number <= len(scale.items):
            raise ScoringError(f"item {number!r}: {scale.id} has items 1-{len(scale.items)}")
        checked[number] = check_score(score, where=f"item {number}")
    return checked


def total_score(scale: Scale, ratings: Ratings) -> int:
    """Sum of the scored items (the running total while a review is incomplete)."""
    return sum(_checked(scale, ratings).values())


def section_subtotals(scale: Scale, ratings: Ratings) -> dict[str, int]:
    """Sum of scored items per section, by section title, in scale order."""
    checked = _checked(scale, ratings)
    subtotals = {section.title: 0 for section in scale.sections}
    for number, score in checked.items():
        subtotals[scale.section(scale.item(number).section).title] += score
    return subtotals


def principle_profile(scale: Scale, ratings: Ratings) -> dict[str, float | None]:
    """Mean score of the scored items serving each principle (None where none is scored yet)."""
    checked = _checked(scale, ratings)
    profile: dict[str, float | None] = {}
    for principle in scale.principles:
        scores = [checked[i.number] for i in scale.items if principle.id in i.principles and i.number in checked]
        profile[principle.title] = round(sum(scores) / len(scores), 2) if scores else None
    return profile


def fidelity_band(scale: Scale, total: int) -> Band:
    """The band a complete review's total falls in."""
    if not scale.min_total <= total <= scale.max_total:
        raise ScoringError(f"total {total} is outside {scale.min_total}-{scale.max_total}")
    return next(band for band in scale.bands if band.min <= total <= band.max)


@dataclass(frozen=True)
class Completeness:
    scored: int
    of: int

    @property
    def complete(self) -> bool:
        return self.scored == self.of

    @property
    def fraction(self) -> float:
        return self.scored / self.of


def completeness(scale: Scale, ratings: Ratings) -> Completeness:
    return Completeness(scored=len(_checked(scale, ratings)), of=len(scale.items))


def unscored_items(scale: Scale, ratings: Ratings) -> list[Item]:
    checked = _checked(scale, ratings)
    return [item for item in scale.items if item.number not in checked]


def reachable_bands(scale: Scale, ratings: Ratings) -> tuple[Band, Band]:
    """Lowest and highest band still reachable: unscored items all 1, or all 5.

    While a review is incomplete this is the honest answer to "which band is it in?".
    """
    total = total_score(scale, ratings)
    missing = len(scale.items) - len(ratings)
    return (
        fidelity_band(scale, total + missing * SCORES[0]),
        fidelity_band(scale, total + missing * SCORES[-1]),
    )


@dataclass(frozen=True)
class ScoreSummary:
    """Everything a review summary, the CLI and the report show about one set of ratings."""

    total: int
    band: Band | None
    completeness: Completeness
    sections: dict[str, int]
    principles: dict[str, float | None]


def summarise(scale: Scale, ratings: Ratings) -> ScoreSummary:
    done = completeness(scale, ratings)
    total = total_score(scale, ratings)
    return ScoreSummary(
        total=total,
        band=fidelity_band(scale, total) if done.complete else None,
        completeness=done,
        sections=section_subtotals(scale, ratings),
        principles=principle_profile(scale, ratings),
    )


@dataclass(frozen=True)
class Change:
    total: int | None
    items: dict[int, int]


def change_since(scale: Scale, current: Ratings, previous: Ratings) -> Change:
    """Per-item and total change against the previous final review (items scored in both).

    The total change is given only when both reviews are complete.
    """
    now, before = _checked(scale, current), _checked(scale, previous)
    items = {number: now[number] - before[number] for number in sorted(now) if number in before}
    both_complete = len(now) == len(before) == len(scale.items)
    return Change(total=sum(now.values()) - sum(before.values()) if both_complete else None, items=items)
