"""The case-record sample: references that carry no personal data, and the measures items use, with boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fidelity.record_sample import RecordFacts, date_problems, measures, reference_problem

START = date(2026, 1, 5)


@pytest.mark.parametrize("reference", ["CR-0042", "IPS/2024/117", "2024-000117", "Case 17", "A12", "R7"])
def test_reference__the_services_own_code__kept(reference: str) -> None:
    assert reference_problem(reference) is None


@pytest.mark.parametrize(
    ("reference", "what"),
    [
        ("john.smith@nhs.net", "an email address"),
        ("485 777 3456", "an NHS number"),
        ("4857773456", "an NHS number"),
        ("07700 900123", "a phone number"),
        ("+44 7700 900123", "a phone number"),
        ("12/03/1980", "a date"),
        ("1980-03-12", "a date"),
        ("3 Mar 1980", "a date"),
        ("NR1 3AB", "a postcode"),
        ("nr13ab", "a postcode"),
        ("John Smith", "a person's name"),
        ("Smith", "at least one digit"),
        ("", "give the service's own record reference"),
        ("X" * 31, "at most 30 characters"),
    ],
)
def test_reference__personal_data__refused_saying_what_it_looks_like(reference: str, what: str) -> None:
    assert what in (reference_problem(reference) or "")


def _record(n: int, *, days: int | None = None, **facts: object) -> RecordFacts:
    contact = START + timedelta(days=days) if days is not None else None
    return RecordFacts(reference=f"CR-{n}", referral_date=START, first_employer_contact=contact, **facts)


def test_measures__days_to_employer_contact__mean_median_share_within_limit_and_suggestion(ips25) -> None:
    sample = [_record(1, days=10), _record(2, days=30), _record(3, days=31), _record(4, days=89), _record(5)]
    found = measures(sample, ips25)[15]
    assert (found.value, found.n, found.suggested) == (40, 4, 4)  # mean 40 days: 31-60 scores 4
    assert found.detail == "mean; median 30 days; 2 of 4 within 30 days"
    assert found.text == (
        "Days from referral to first employer contact: 40 days (mean; median 30 days; 2 of 4 within 30 days; n = 4)"
        "; suggests 4"
    )


@pytest.mark.parametrize(
    ("days", "score"), [(30, 5), (31, 4), (60, 4), (61, 3), (150, 3), (151, 2), (270, 2), (271, 1)]
)
def test_measures__days_at_each_threshold__suggest_the_scales_score(ips25, days: int, score: int) -> None:
    assert measures([_record(1, days=days)], ips25)[15].suggested == score


def test_measures__competitive_jobs_share__suggests_by_the_scale_without_the_caseload_rule(ips25) -> None:
    jobs = [_record(n, job_start=START, job_competitive=n != 1) for n in range(1, 11)]  # 9 of 10
    found = measures(jobs, ips25)[21]
    assert (found.value, found.n, found.suggested) == (90, 10, 4)  # 85-94% scores 4; n under 10 not forced to 1


def test_measures__shares_without_thresholds__measure_and_n_but_no_suggestion(ips25) -> None:
    sample = [
        _record(1, benefits_advice=True, job_start=START, profile_updated_after_job=True, in_work_contacts=3),
        _record(2, benefits_advice=False, job_start=START, profile_updated_after_job=False, in_work_contacts=0),
        _record(3, benefits_advice=True),
        _record(4, profile_updated_after_job=True),  # no job: not counted for the profile measure
    ]
    found = measures(sample, ips25)
    assert (round(found[12].value), found[12].n, found[12].suggested) == (67, 3, None)
    assert (found[14].value, found[14].n) == (50, 2)
    assert (found[22].value, found[22].n, found[22].detail) == (50, 2, "1 of 2 people in work had support contacts")


def test_measures__empty_sample__every_measure_says_no_records(ips25, ipspc) -> None:
    for scale in (ips25, ipspc):
        found = measures([], scale)
        assert set(found) == {12, 14, 15, 21, 22}
        assert all(m.value is None and m.n == 0 and m.suggested is None for m in found.values())
        assert found[15].text == "Days from referral to first employer contact: no records to measure yet (n = 0)"


def test_date_problems__out_of_order__each_named() -> None:
    record = RecordFacts(
        reference="CR-1",
        referral_date=START,
        first_meeting=START - timedelta(days=1),
        job_start=START + timedelta(days=9),
        job_end=START + timedelta(days=3),
    )
    assert date_problems(record) == ["first meeting: is before the referral date", "job end: is before the job start"]
    assert date_problems(RecordFacts(reference="CR-2", job_end=START)) == ["job end: give the job start too"]
