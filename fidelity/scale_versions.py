"""Comparing scales and versions: which items are scored differently, and the note pages show. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fidelity.scales import Scale

_NOT_SCORED = {"provisional", "notes", "modification"}  # what changes no score


def items_that_differ(a: Scale, b: Scale) -> list[int]:
    """Numbers of the items scored differently on the two scales: name, section, principles, criteria,
    metric or checklist changed (a changed note or provisional flag scores nothing differently)."""
    first = {item.number: item.model_dump(exclude=_NOT_SCORED) for item in a.items}
    second = {item.number: item.model_dump(exclude=_NOT_SCORED) for item in b.items}
    return sorted(n for n in first.keys() | second.keys() if first.get(n) != second.get(n))


def mixed_versions_note(used: Iterable[Scale]) -> str | None:
    """When totals from more than one scale or version meet on a page: which, and which items differ."""
    distinct = list({scale.content_hash: scale for scale in used}.values())
    if len(distinct) < 2:
        return None
    labels = [f"{s.id} version {s.version}" for s in distinct]
    if len(set(labels)) < len(labels):  # a file changed without a new version: tell them apart by hash
        labels = [f"{label} ({s.content_hash[:7]})" for label, s in zip(labels, distinct, strict=True)]
    first, *others = distinct
    differing = sorted({n for other in others for n in items_that_differ(first, other)})
    bands = any(other.bands != first.bands for other in others)
    items = ", ".join(map(str, differing)) if differing else "none"
    return (
        f"Totals here come from {len(distinct)} scale versions ({'; '.join(sorted(labels))}). "
        f"Items scored differently between them: {items}."
        + (" Their bands differ too." if bands else "")
        + " Compare totals across them with care."
    )


@dataclass(frozen=True)
class Difference:
    """One change between two versions of a scale, in words a scale's author reads."""

    part: str  # "item 4 (team_assignment)", "band Good", "principle integration", "scale"
    what: str  # the field: "name", "criteria for score 3", "metric thresholds", "added", "removed"
    before: str
    after: str


def _text(value: Any) -> str:
    if value is None or value == () or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_text(entry) for entry in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(entry)}" for key, entry in value.items() if entry is not None)
    return str(value)


def _fields(part: str, before: dict[str, Any], after: dict[str, Any], skip: set[str]) -> list[Difference]:
    found = []
    for field in dict.fromkeys([*before, *after]):
        if field in skip or before.get(field) == after.get(field):
            continue
        if field == "criteria":
            found += [
                Difference(
                    part,
                    f"criteria for score {score}",
                    before["criteria"].get(score, ""),
                    after["criteria"].get(score, ""),
                )
                for score in sorted(before["criteria"].keys() | after["criteria"].keys())
                if before["criteria"].get(score) != after["criteria"].get(score)
            ]
        elif field == "metric" and before.get(field) and after.get(field):
            found += [
                Difference(part, f"metric {name}", _text(before[field].get(name)), _text(after[field].get(name)))
                for name in dict.fromkeys([*before[field], *after[field]])
                if before[field].get(name) != after[field].get(name)
            ]
        else:
            found.append(Difference(part, field, _text(before.get(field)), _text(after.get(field))))
    return found


def _keyed(part: str, key: str, before: Iterable[Any], after: Iterable[Any]) -> list[Difference]:
    """Changes in a list of named things (bands by label, principles and sections by id)."""
    old = {getattr(entry, key): entry.model_dump() for entry in before}
    new = {getattr(entry, key): entry.model_dump() for entry in after}
    found = []
    for name in dict.fromkeys([*old, *new]):
        where = f"{part} {name}"
        if name not in new:
            found.append(Difference(where, "removed", _text(old[name]), ""))
        elif name not in old:
            found.append(Difference(where, "added", "", _text(new[name])))
        else:
            found += _fields(where, old[name], new[name], {key})
    return found


def differences(old: Scale, new: Scale) -> list[Difference]:
    """Every change from `old` to `new`: the scale's own fields, bands, sections, principles and items."""
    top = {"title", "source", "version"}
    found = _fields("scale", old.model_dump(include=top), new.model_dump(include=top), set())
    found += _keyed("band", "label", old.bands, new.bands)
    found += _keyed("section", "id", old.sections, new.sections)
    found += _keyed("principle", "id", old.principles, new.principles)
    old_items = {item.number: item for item in old.items}
    new_items = {item.number: item for item in new.items}
    for number in sorted(old_items.keys() | new_items.keys()):
        before, after = old_items.get(number), new_items.get(number)
        if after is None:
            found.append(Difference(f"item {number} ({before.id})", "removed", before.name, ""))  # type: ignore[union-attr]
        elif before is None:
            found.append(Difference(f"item {number} ({after.id})", "added", "", after.name))
        else:
            found += _fields(f"item {number} ({after.id})", before.model_dump(), after.model_dump(), {"number"})
    return found
