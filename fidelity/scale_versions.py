"""Comparing scales and versions: which items are scored differently, and the note pages show. Pure."""

from __future__ import annotations

from collections.abc import Iterable

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
