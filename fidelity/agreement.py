"""Inter-rater agreement between two reviewers' item scores. Pure functions, no I/O.

Quadratic-weighted Cohen's kappa: kappa = 1 - sum(w * observed) / sum(w * expected), with
w[i][j] = (i - j)^2 / (k - 1)^2 over the k score categories (1-5), observed the joint proportions
of the two reviewers' scores and expected the product of their marginal proportions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CATEGORIES = (1, 2, 3, 4, 5)


class AgreementError(ValueError):
    pass


def _paired(first: Mapping[int, int], second: Mapping[int, int]) -> list[tuple[int, int]]:
    """Scores of the items both reviewers scored, in item order."""
    pairs = [(first[n], second[n]) for n in sorted(first) if n in second]
    if not pairs:
        raise AgreementError("the two reviewers have no scored item in common")
    for a, b in pairs:
        if a not in CATEGORIES or b not in CATEGORIES:
            raise AgreementError(f"scores must be whole numbers 1-5, got {a!r} and {b!r}")
    return pairs


def _exact(pairs: list[tuple[int, int]]) -> float:
    return sum(a == b for a, b in pairs) / len(pairs)


def _adjacent(pairs: list[tuple[int, int]]) -> float:
    return sum(abs(a - b) <= 1 for a, b in pairs) / len(pairs)


def _kappa(pairs: list[tuple[int, int]]) -> float | None:
    """With quadratic weights the sums over the k x k table reduce to moments: the observed disagreement is the
    mean squared difference, the expected one var(a) + var(b) + (mean(a) - mean(b))^2 (population moments; the
    weights' 1/(k-1)^2 cancels)."""
    n = len(pairs)
    mean_a = sum(a for a, _ in pairs) / n
    mean_b = sum(b for _, b in pairs) / n
    observed = sum((a - b) ** 2 for a, b in pairs) / n
    var_a = sum((a - mean_a) ** 2 for a, _ in pairs) / n
    var_b = sum((b - mean_b) ** 2 for _, b in pairs) / n
    expected = var_a + var_b + (mean_a - mean_b) ** 2
    if expected == 0:
        return None
    return 1 - observed / expected


def exact_agreement(first: Mapping[int, int], second: Mapping[int, int]) -> float:
    """Share of items (0-1) given the same score by both reviewers."""
    return _exact(_paired(first, second))


def adjacent_agreement(first: Mapping[int, int], second: Mapping[int, int]) -> float:
    """Share of items (0-1) where the two scores are at most one point apart."""
    return _adjacent(_paired(first, second))


def quadratic_weighted_kappa(first: Mapping[int, int], second: Mapping[int, int]) -> float | None:
    """Cohen's kappa with quadratic weights; None when undefined (no expected disagreement,
    as when both reviewers give every item one and the same score)."""
    return _kappa(_paired(first, second))


@dataclass(frozen=True)
class Agreement:
    items: int
    exact: float
    adjacent: float
    kappa: float | None
    differences: dict[int, int]  # item number -> second minus first, where they differ


def agreement(first: Mapping[int, int], second: Mapping[int, int]) -> Agreement:
    pairs = _paired(first, second)
    return Agreement(
        items=len(pairs),
        exact=_exact(pairs),
        adjacent=_adjacent(pairs),
        kappa=_kappa(pairs),
        differences={n: second[n] - first[n] for n in sorted(first) if n in second and first[n] != second[n]},
    )
