"""The evidence portfolio a service assembles before its visit: for each item, the evidence it will show (a title and
which of the scale's data sources it is), checked against the sources the scale expects, and the lead reviewer's
audit of it (sufficient or missing). Pure: no database, no Streamlit."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from fidelity.scales import DATA_SOURCE_LABELS

TITLE_LIMIT = 200
NOTE_LIMIT = 500


class Verdict(StrEnum):
    SUFFICIENT = "sufficient"
    MISSING = "missing"


def uncovered(expected: Sequence[str], listed: Sequence[str]) -> list[str]:
    """The data sources the scale expects for an item that no listed evidence is yet."""
    return [source for source in expected if source not in set(listed)]


def source_names(sources: Sequence[str]) -> str:
    return ", ".join(f"{s} ({DATA_SOURCE_LABELS[s].split(' (')[0].lower()})" for s in sources)
