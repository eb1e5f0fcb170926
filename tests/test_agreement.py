"""Agreement statistics against values worked out by hand."""

from __future__ import annotations

import pytest

from fidelity import agreement


def _scores(values: list[int]) -> dict[int, int]:
    return dict(enumerate(values, start=1))


def test_kappa__identical_varied_scores__one() -> None:
    a = _scores([1, 2, 3, 4, 5, 3])
    assert agreement.quadratic_weighted_kappa(a, a) == pytest.approx(1.0)


def test_kappa__hand_worked_example__matches() -> None:
    """Four items: A = 1,2,3,4 and B = 1,2,4,4.

    Observed weighted disagreement: one pair (3,4) off by one -> w = 1/16, share 1/4 -> 1/64.
    Marginals A: 1,2,3,4 each 1/4; B: 1 1/4, 2 1/4, 4 1/2.
    Expected = sum_ij w_ij pA_i pB_j with w = (i-j)^2/16:
      A=1: (0*1/4 + 1*1/4 + 9*1/2)/16 * 1/4 = 4.75/64
      A=2: (1*1/4 + 0*1/4 + 4*1/2)/16 * 1/4 = 2.25/64
      A=3: (4*1/4 + 1*1/4 + 1*1/2)/16 * 1/4 = 1.75/64
      A=4: (9*1/4 + 4*1/4 + 0*1/2)/16 * 1/4 = 3.25/64      total 12/64
    kappa = 1 - (1/64) / (12/64) = 11/12.
    """
    a, b = _scores([1, 2, 3, 4]), _scores([1, 2, 4, 4])
    assert agreement.quadratic_weighted_kappa(a, b) == pytest.approx(11 / 12)


def test_kappa__perfect_reversal__minus_one() -> None:
    """A = 1,5 and B = 5,1: observed disagreement equals the maximum; expected is half of it."""
    assert agreement.quadratic_weighted_kappa(_scores([1, 5]), _scores([5, 1])) == pytest.approx(-1.0)


def test_kappa__both_constant_same_score__undefined() -> None:
    a = _scores([3, 3, 3])
    assert agreement.quadratic_weighted_kappa(a, a) is None


def test_kappa__one_reviewer_constant__zero() -> None:
    """With no variation in B, expected and observed disagreement are equal: kappa 0."""
    assert agreement.quadratic_weighted_kappa(_scores([2, 3, 4]), _scores([3, 3, 3])) == pytest.approx(0.0)


def test_exact_and_adjacent__mixed__shares() -> None:
    a, b = _scores([1, 2, 3, 4, 5]), _scores([1, 3, 5, 4, 4])
    assert agreement.exact_agreement(a, b) == pytest.approx(2 / 5)
    assert agreement.adjacent_agreement(a, b) == pytest.approx(4 / 5)  # only item 3 is 2 apart


def test_agreement__differences__signed_by_item() -> None:
    result = agreement.agreement(_scores([1, 2, 3]), _scores([1, 4, 2]))
    assert result.differences == {2: 2, 3: -1}
    assert result.items == 3


def test_agreement__only_common_items__counted() -> None:
    assert agreement.exact_agreement({1: 3, 2: 4}, {2: 4, 3: 1}) == 1.0


def test_agreement__nothing_in_common__refused() -> None:
    with pytest.raises(agreement.AgreementError, match="no scored item in common"):
        agreement.exact_agreement({1: 3}, {2: 3})


def test_agreement__score_out_of_range__refused() -> None:
    with pytest.raises(agreement.AgreementError, match="whole numbers 1-5"):
        agreement.agreement({1: 6}, {1: 3})
