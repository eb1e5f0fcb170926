"""Dates typed into one text box (the app's date field): day/month/year or ISO, real dates only."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidelity import errors
from fidelity.text import date_text, typed_date
from fidelity.ui.widgets import entered_date


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("27/03/2027", date(2027, 3, 27)),
        ("7/3/2027", date(2027, 3, 7)),
        (" 07-03-2027 ", date(2027, 3, 7)),
        ("07.03.2027", date(2027, 3, 7)),
        ("2027-03-07", date(2027, 3, 7)),
        ("29/02/2028", date(2028, 2, 29)),
        ("", None),
        ("   ", None),
    ],
)
def test_typed_date__accepted_forms(typed: str, day: date | None) -> None:
    assert typed_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2027", "31/02/2027 is not a real date"),
        ("29/02/2027", "is not a real date"),
        ("00/01/2027", "is not a real date"),
        ("12/13/2027", "is not a real date"),
        ("March 2027", "enter a date as DD/MM/YYYY"),
        ("27/03/27", "enter a date as DD/MM/YYYY"),
        ("2027/03/07", "enter a date as DD/MM/YYYY"),
        ("=1+1", "enter a date as DD/MM/YYYY"),
    ],
)
def test_typed_date__not_a_date__refused_with_the_form_to_use(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        typed_date(typed)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_typed_date__reads_back_what_date_text_writes(day: date) -> None:
    assert typed_date(date_text(day)) == day


def test_entered_date__names_the_field_and_asks_for_a_required_one() -> None:
    with pytest.raises(errors.InputError, match=r"^Due: 31/02/2027 is not a real date"):
        entered_date("Due", "31/02/2027")
    with pytest.raises(errors.InputError, match=r"^Due: enter a date as DD/MM/YYYY$"):
        entered_date("Due", "")
    assert entered_date("Last visit day", "", required=False) is None
