"""Quarterly employment outcomes of one service: checks and derived rates. Pure functions, no I/O.

Definitions (shared/domain.md section 6): the employment rate follows IPS Grow (from April 2024):
out-of-work clients who moved into work, over out-of-work clients; in-work (job-retention)
clients are left out of both, so their new jobs are entered in a field of their own and never
reach its numerator. Job-start and sustained-outcome rates are over programme starts, as in the
DWP comparison (35-45% job starts, 21-30% sustained outcomes); the job-start rate counts every
person with a first job start, out of work or in work.

Quarters entered before the two job-start fields were split (1 December 2026) had one field,
"people with a first job start"; it was read as out-of-work clients' job starts, and those
quarters are marked (`job_starts_split` false) wherever their rates are shown.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")

# Benchmarks, each with its source, for charts.
BENCHMARKS = (
    ("IPS Grow employment-rate benchmark (40%)", 0.40),
    ("US IPS learning community: minimal (31%)", 0.31),
    ("US IPS learning community: average (41%)", 0.41),
    ("US IPS learning community: excellent (50%)", 0.50),
)
DWP_JOB_STARTS = (0.35, 0.45)  # Work and Health Programme comparison in the DWP IPSPC letter
DWP_SUSTAINED = (0.21, 0.30)


@dataclass(frozen=True)
class OutcomeFigures:
    """One service's figures for one quarter. Counts are people unless the name says otherwise."""

    specialist_fte: float
    active_caseload: int
    referrals: int
    starts: int  # engaged: vocational profile started
    out_of_work: int
    in_work: int  # job-retention clients
    out_of_work_job_starts: int  # out-of-work clients with a first job start: the employment rate's numerator
    in_work_job_starts: int  # in-work (job-retention) clients who started a new job: not in the employment rate
    total_job_starts: int  # all job starts, second jobs included
    retention_successes: int
    sustained_13_weeks: int  # baseline threshold job outcome
    sustained_26_weeks: int  # higher threshold job outcome
    employer_contacts: int  # face-to-face

    @property
    def people_into_work(self) -> int:
        """Everyone with a first job start in the quarter, out of work or in work."""
        return self.out_of_work_job_starts + self.in_work_job_starts


FIELD_LABELS = {
    "specialist_fte": "employment specialist FTE",
    "active_caseload": "active caseload",
    "referrals": "referrals",
    "starts": "starts (engaged)",
    "out_of_work": "out-of-work clients",
    "in_work": "in-work (retention) clients",
    "out_of_work_job_starts": "out-of-work clients with a first job start",
    "in_work_job_starts": "in-work clients who started a new job",
    "total_job_starts": "total job starts",
    "retention_successes": "retention successes",
    "sustained_13_weeks": "sustained outcomes at 13 weeks",
    "sustained_26_weeks": "sustained outcomes at 26 weeks",
    "employer_contacts": "face-to-face employer contacts",
}


FIELD_HELP = {
    "out_of_work_job_starts": "Clients who were out of work (unemployed or economically inactive) and started their "
    "first paid job in the quarter. This is the employment rate's numerator (IPS Grow, from April 2024).",
    "in_work_job_starts": "Clients who were in work when referred (job retention) and started a new job in the "
    "quarter. Counted in the job-start rate, never in the employment rate.",
}
UNSPLIT_NOTE = (
    "Entered before the job-start fields were split (1 December 2026): its one figure, people with a first job "
    "start, was read as out-of-work clients' job starts, so its employment rate may include in-work clients' new "
    "jobs. Correct the quarter to split it."
)


def quarter_start(quarter: str) -> date:
    """'2024-Q2' -> 1 April 2024."""
    match = QUARTER.match(quarter.strip())
    if not match:
        raise ValueError(f"quarter: {quarter!r} is not a quarter like 2024-Q2")
    year, q = int(match.group(1)), int(match.group(2))
    return date(year, 3 * q - 2, 1)


def quarter_of(day: date) -> date:
    """The first day of the quarter holding `day`."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(start: date) -> str:
    """ "2024-Q2" for a quarter starting on `start`."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def quarter_end(start: date) -> date:
    """The last day of the quarter starting on `start`."""
    month = start.month + 2
    return date(start.year, month, calendar.monthrange(start.year, month)[1])


@dataclass(frozen=True)
class ChartEvent:
    quarter: str
    short: str  # on the chart: "Review 104, 2 done"
    long: str  # in its table: "Review 104 (Good); 2 actions done"


def chart_events(
    reviews: Iterable[tuple[date, int | None, str | None]], actions_done: Iterable[date]
) -> list[ChartEvent]:
    """What to mark on a service's outcome charts, by quarter: its final reviews (visit, total, band) and how many
    improvement actions were done, in quarter order, one mark per quarter."""
    short: dict[str, list[str]] = {}
    long: dict[str, list[str]] = {}
    for visit, total, band in sorted(reviews, key=lambda r: r[0]):
        quarter = quarter_label(quarter_of(visit))
        named = "Review" + (f" {total}" if total is not None else "")
        short.setdefault(quarter, []).append(named)
        long.setdefault(quarter, []).append(named + (f" ({band})" if band else ""))
    done: dict[str, int] = {}
    for day in actions_done:
        quarter = quarter_label(quarter_of(day))
        done[quarter] = done.get(quarter, 0) + 1
    for quarter, count in done.items():
        short.setdefault(quarter, []).append(f"{count} done")
        long.setdefault(quarter, []).append(f"{count} action{'s' if count > 1 else ''} done")
    return [ChartEvent(quarter, ", ".join(short[quarter]), "; ".join(long[quarter])) for quarter in sorted(short)]


MOST_PEOPLE = 100_000  # in any one figure of one service's quarter: far above any IPS service
MOST_FTE = 1_000


def problems(figures: Mapping[str, object]) -> dict[str, str]:
    """Every impossible figure, by field name; empty when the quarter is consistent. Figures are bounded to a
    plausible range, so none can overflow what a database column holds."""
    found: dict[str, str] = {}
    values: dict[str, float] = {}
    for field in fields(OutcomeFigures):
        raw = figures.get(field.name)
        whole = field.name != "specialist_fte"
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            found[field.name] = "is empty"
            continue
        try:
            number = float(raw) if not isinstance(raw, bool) else float("nan")
        except (TypeError, ValueError):
            found[field.name] = f"{raw!r} is not a number"
            continue
        if number != number or number < 0:
            found[field.name] = f"{raw!r} cannot be negative" if number < 0 else f"{raw!r} is not a number"
        elif number > (MOST_PEOPLE if whole else MOST_FTE):
            found[field.name] = f"{raw!r} is more than {MOST_PEOPLE if whole else MOST_FTE:,}; check the figure"
        elif whole and not number.is_integer():
            found[field.name] = f"{raw!r} must be a whole number of people"
        else:
            values[field.name] = number

    def check(field: str, ok: bool, message: str) -> None:
        if field not in found and ok is False:
            found[field] = message

    v = values
    if {"out_of_work", "in_work", "active_caseload"} <= v.keys():
        check(
            "active_caseload",
            v["out_of_work"] + v["in_work"] <= v["active_caseload"],
            "is smaller than out-of-work plus in-work clients",
        )
    if {"out_of_work_job_starts", "out_of_work"} <= v.keys():
        check(
            "out_of_work_job_starts",
            v["out_of_work_job_starts"] <= v["out_of_work"],
            "is more than the out-of-work clients",
        )
    if {"in_work_job_starts", "in_work"} <= v.keys():
        check("in_work_job_starts", v["in_work_job_starts"] <= v["in_work"], "is more than the in-work clients")
    if {"total_job_starts", "out_of_work_job_starts", "in_work_job_starts"} <= v.keys():
        check(
            "total_job_starts",
            v["total_job_starts"] >= v["out_of_work_job_starts"] + v["in_work_job_starts"],
            "is fewer than the people with a first job start (out-of-work and in-work together)",
        )
    if {"retention_successes", "in_work"} <= v.keys():
        check("retention_successes", v["retention_successes"] <= v["in_work"], "is more than the in-work clients")
    if {"sustained_26_weeks", "sustained_13_weeks"} <= v.keys():
        check(
            "sustained_26_weeks",
            v["sustained_26_weeks"] <= v["sustained_13_weeks"],
            "is more than the outcomes sustained at 13 weeks",
        )
    if {"specialist_fte", "active_caseload"} <= v.keys():
        check(
            "specialist_fte",
            v["specialist_fte"] > 0 or v["active_caseload"] == 0,
            "must be more than 0 when there is a caseload",
        )
    return found


@dataclass(frozen=True)
class Rates:
    employment_rate: float | None  # IPS Grow: out-of-work clients into work
    job_start_rate: float | None  # everyone with a first job start / starts
    sustained_rate: float | None  # 26-week sustained outcomes / starts
    caseload_per_fte: float | None


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def rates(figures: OutcomeFigures) -> Rates:
    return Rates(
        employment_rate=_share(figures.out_of_work_job_starts, figures.out_of_work),
        job_start_rate=_share(figures.people_into_work, figures.starts),
        sustained_rate=_share(figures.sustained_26_weeks, figures.starts),
        caseload_per_fte=_share(figures.active_caseload, figures.specialist_fte),
    )
