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


def exact_agreement(first: Mapping[int, int], second: Mapping[int, int]) -> float:
    """Share of items (0-1) given the same score by both reviewers."""
    pairs = _paired(first, second)
    return sum(a == b for a, b in pairs) / len(pairs)


def adjacent_agreement(first: Mapping[int, int], second: Mapping[int, int]) -> float:
    """Share of items (0-1) where the two scores are at most one point apart."""
    pairs = _paired(first, second)
    return sum(abs(a - b) <= 1 for a, b in pairs) / len(pairs)


def quadratic_weighted_kappa(first: Mapping[int, int], second: Mapping[int, int]) -> float | None:
    """Cohen's kappa with quadratic weights; None when undefined (no expected disagreement,
    as when both reviewers give every item one and the same score)."""
    pairs = _paired(first, second)
    n, k = len(pairs), len(CATEGORIES)
    index = {score: i for i, score in enumerate(CATEGORIES)}
    observed = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        observed[index[a]][index[b]] += 1 / n
    rows = [sum(row) for row in observed]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    weight = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    disagreement_observed = sum(weight[i][j] * observed[i][j] for i in range(k) for j in range(k))
    disagreement_expected = sum(weight[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    if disagreement_expected == 0:
        return None
    return 1 - disagreement_observed / disagreement_expected


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
        exact=exact_agreement(first, second),
        adjacent=adjacent_agreement(first, second),
        kappa=quadratic_weighted_kappa(first, second),
        differences={n: second[n] - first[n] for n in sorted(first) if n in second and first[n] != second[n]},
    )
