"""A sample of case records read on a visit: a record reference that carries no personal data, and the
measures the items use (with the score an item's thresholds suggest, and n). Pure: no database, no UI.

Only the service's own record reference and dates are kept, never a name or an identifier.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from fidelity import scoring
from fidelity.scales import Item, Scale

REFERENCE_LIMIT = 30

# What a record reference must not be, each with the words a reviewer is told.
_IDENTIFIERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"@"), "an email address"),
    (re.compile(r"(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)"), "an NHS number (ten digits)"),
    (re.compile(r"(\+44|(?<!\d)0)\s*\d[\d\s-]{8,}"), "a phone number"),
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"), "a date (a date of birth?)"),
    (
        re.compile(r"\b\d{1,2}\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d{2,4}\b", re.I),
        "a date (a date of birth?)",
    ),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I), "a postcode"),
    (re.compile(r"\b[A-Za-z][a-z'-]+\s+[A-Za-z][a-z'-]+\b"), "a person's name"),
]


def reference_problem(reference: str) -> str | None:
    """Why a record reference cannot be kept (it looks like personal data), or None when it can."""
    text = reference.strip()
    if not text:
        return "give the service's own record reference"
    if len(text) > REFERENCE_LIMIT:
        return f"at most {REFERENCE_LIMIT} characters"
    for pattern, what in _IDENTIFIERS:
        if pattern.search(text):
            return (
                f"looks like {what}; use the service's own record reference (for example CR-0042), "
                "never a name or an identifier"
            )
    if not any(character.isdigit() for character in text):
        return "a record reference has at least one digit (for example CR-0042); a word alone may be a name"
    return None


@dataclass(frozen=True)
class RecordFacts:
    """What a reviewer reads in one case record: dates and yes/no facts, no personal data."""

    reference: str
    referral_date: date | None = None
    first_meeting: date | None = None
    first_employer_contact: date | None = None
    profile_present: bool | None = None
    profile_updated_after_job: bool | None = None
    benefits_advice: bool | None = None
    job_start: date | None = None
    job_end: date | None = None
    job_competitive: bool | None = None
    in_work_contacts: int | None = None


def date_problems(record: RecordFacts) -> list[str]:
    """Dates out of order in one record, each naming its field."""
    problems = []
    if record.referral_date:
        for name in ("first_meeting", "first_employer_contact", "job_start"):
            when = getattr(record, name)
            if when and when < record.referral_date:
                problems.append(f"{name.replace('_', ' ')}: is before the referral date")
    if record.job_start and record.job_end and record.job_end < record.job_start:
        problems.append("job end: is before the job start")
    if record.job_end and not record.job_start:
        problems.append("job end: give the job start too")
    return problems


@dataclass(frozen=True)
class Measure:
    """A measure from the sample for one item: its value, n, the detail, and the score it suggests (if any)."""

    item_number: int
    item_name: str
    name: str
    value: float | None
    unit: str
    n: int
    detail: str
    suggested: int | None

    @property
    def text(self) -> str:
        """One line for the workspace, the consensus page and the report."""
        if self.value is None:
            return f"{self.name}: no records to measure yet (n = 0)"
        suggestion = f"; suggests {self.suggested}" if self.suggested is not None else ""
        return f"{self.name}: {self.value:.0f}{self.unit} ({self.detail}; n = {self.n}){suggestion}"


def _share(flags: Sequence[bool]) -> float | None:
    return 100 * sum(flags) / len(flags) if flags else None


def _days_to_employer(records: Sequence[RecordFacts], item: Item) -> tuple[float | None, int, str]:
    days = [
        (r.first_employer_contact - r.referral_date).days
        for r in records
        if r.referral_date and r.first_employer_contact and r.first_employer_contact >= r.referral_date
    ]
    if not days:
        return None, 0, ""
    limit = next((t.at_most for t in item.metric.thresholds if t.at_most is not None), None) if item.metric else None
    within = f"; {sum(d <= limit for d in days)} of {len(days)} within {limit:.0f} days" if limit is not None else ""
    return statistics.fmean(days), len(days), f"mean; median {statistics.median(days):.0f} days{within}"


def _competitive(records: Sequence[RecordFacts], _item: Item) -> tuple[float | None, int, str]:
    jobs = [r.job_competitive for r in records if r.job_start and r.job_competitive is not None]
    share = _share(jobs)
    return share, len(jobs), f"{sum(jobs)} of {len(jobs)} jobs competitive" if jobs else ""


def _flag_share(
    field: str, what: str, among: Callable[[RecordFacts], bool] = lambda r: True
) -> Callable[..., tuple[float | None, int, str]]:
    def measure(records: Sequence[RecordFacts], _item: Item) -> tuple[float | None, int, str]:
        flags = [getattr(r, field) for r in records if among(r) and getattr(r, field) is not None]
        return _share(flags), len(flags), f"{sum(flags)} of {len(flags)} {what}" if flags else ""

    return measure


def _in_work_support(records: Sequence[RecordFacts], _item: Item) -> tuple[float | None, int, str]:
    working = [r.in_work_contacts > 0 for r in records if r.job_start and r.in_work_contacts is not None]
    return (
        _share(working),
        len(working),
        f"{sum(working)} of {len(working)} people in work had support contacts" if working else "",
    )


# item id -> (the measure's name, unit, how it is computed). The ids are shared by ips-25 and ipspc.
MEASURES: dict[str, tuple[str, str, Callable[[Sequence[RecordFacts], Item], tuple[float | None, int, str]]]] = {
    "rapid_job_search": ("Days from referral to first employer contact", " days", _days_to_employer),
    "competitive_jobs": ("Jobs that are competitive", "%", _competitive),
    "work_incentives_planning": (
        "People given benefits advice",
        "%",
        _flag_share("benefits_advice", "had benefits advice"),
    ),
    "vocational_assessment": (
        "Profiles updated after a job",
        "%",
        _flag_share("profile_updated_after_job", "profiles updated after a job", lambda r: r.job_start is not None),
    ),
    "individualized_follow_along": ("People in work with support contacts", "%", _in_work_support),
}


def measures(records: Sequence[RecordFacts], scale: Scale) -> dict[int, Measure]:
    """Item number -> the sample's measure for each item the sample informs, with its suggested score.

    A score is suggested only where the item has thresholds for the measure (a metric); the reviewer decides.
    Item 21's rule for fewer than 10 people in work concerns the whole caseload, not the sample, so it is
    not applied here.
    """
    found = {}
    for item in scale.items:
        if item.id not in MEASURES:
            continue
        name, unit, compute = MEASURES[item.id]
        value, n, detail = compute(records, item)
        suggested = scoring.suggested_score_from_metric(item, value) if item.metric and value is not None else None
        found[item.number] = Measure(item.number, item.name, name, value, unit, n, detail, suggested)
    return found
