"""Exact ties among respondent scores, so a rank test sees the numbers the answers stand for, not float noise.

A respondent's score ``o(r)`` is a ratio of small integers (points and weights are rationals), but computed in
floating point two equal scores can differ in the last bit: 184/3 comes out as 61.333333333333336 from one row and
61.33333333333333 from another, and a rank test would stop counting them as tied. Relabelling the scale linearly
(1–5 → 0–4, or the same answers declared on a 7-point scale) multiplies every score by one positive factor, so the
ranks — and Kruskal–Wallis H, p and ε² — must not change; with float noise they do.

Exact rational arithmetic on every row would cost a Python loop per respondent. Instead the float scores are sorted
and only neighbours closer than :data:`TIE_TOLERANCE` — the only pairs float noise can have split or swapped — are
settled with :class:`fractions.Fraction` computed from the definition. The result is the exact order of the exact
scores, at the cost of a few Fraction sums per noise-split tie.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from analysis.questionnaire import Questionnaire

#: Scores lie on 0–100 and the estimator takes a few dozen float steps per row, so two computations of one rational
#: differ by far less than 1e-12; distinct scores closer than this are settled exactly too, which costs only time.
TIE_TOLERANCE = 1e-9


def exact(value: float) -> Fraction:
    """A weight or points value as written in the definition (0.3 is 3/10, not its binary neighbour)."""
    return Fraction(repr(float(value)))


@dataclass(frozen=True)
class ExactScores:
    """The respondent score ``o(r)`` of ``docs/satisfaction-json.md`` in rational arithmetic."""

    #: points per answer state (options high→low), None for N/A and missing
    points_by_state: tuple[Fraction | None, ...]
    item_weights: tuple[Fraction, ...]
    #: the dimension (position) of each item
    dimension_of_item: tuple[int, ...]
    dimension_weights: tuple[Fraction, ...]

    @classmethod
    def from_questionnaire(cls, questionnaire: Questionnaire) -> ExactScores:
        values = questionnaire.option_values
        if questionnaire.scoring.scheme == "linear":
            # (x − min)/(max − min)·100 exactly: 100/3 rather than the float 33.333333333333336
            low, high = min(values), max(values)
            points = [Fraction(100 * (v - low), high - low) for v in values]
        else:
            points = [exact(questionnaire.scoring.points[v]) for v in values]
        dimension_of_item = tuple(k for k, dimension in enumerate(questionnaire.dimensions)
                                  for _ in dimension.items)
        return cls(points_by_state=(*points, None, None),
                   item_weights=tuple(exact(item.weight) for item in questionnaire.items),
                   dimension_of_item=dimension_of_item,
                   dimension_weights=tuple(exact(d.weight) for d in questionnaire.dimensions))

    def score(self, states: np.ndarray, dimension: int | None = None) -> Fraction | None:
        """``o(r)`` of one row of answer states, or ``d(r, k)`` for ``dimension`` k; None when not defined."""
        sums: dict[int, Fraction] = {}
        weights: dict[int, Fraction] = {}
        for state, weight, k in zip(states.tolist(), self.item_weights, self.dimension_of_item):
            points = self.points_by_state[state]
            if points is not None and dimension in (None, k):
                sums[k] = sums.get(k, Fraction(0)) + weight * points
                weights[k] = weights.get(k, Fraction(0)) + weight
        if not sums:
            return None
        total_weight = sum(self.dimension_weights[k] for k in sums)
        return sum(self.dimension_weights[k] * sums[k] / weights[k] for k in sums) / total_weight


def tie_classes(scores: np.ndarray, exact_score: Callable[[int], Fraction]) -> np.ndarray:
    """Dense ranks (0, 1, …) of the scores in exact order: equal rationals share a class, distinct ones never do.

    :param scores: float scores, no NaN.
    :param exact_score: the exact score of row ``i``; called only for rows whose float has a near neighbour.
    """
    n = len(scores)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(scores, kind="stable")
    ordered = scores[order]
    gaps = np.diff(ordered)
    # a boundary between classes wherever the floats differ by more than noise could explain
    boundary = np.concatenate([[True], gaps > TIE_TOLERANCE])
    needs_exact = np.concatenate([[False], (gaps > 0) & ~boundary[1:]])
    cluster_of = np.cumsum(boundary) - 1
    starts = np.flatnonzero(boundary)
    stops = np.append(starts[1:], n)
    classes_in_cluster = np.ones(len(starts), dtype=np.int64)
    within = np.zeros(n, dtype=np.int64)
    for cluster in np.unique(cluster_of[needs_exact]):
        start, stop = starts[cluster], stops[cluster]
        # one Fraction per distinct float: equal floats are one rational, since distinct scores (denominators
        # well below 10⁷ for any questionnaire of dozens of items and weights of a few decimals) lie farther
        # apart than a float step near 100 (1.4e-14)
        _, first, inverse = np.unique(ordered[start:stop], return_index=True, return_inverse=True)
        exact_values = [exact_score(int(order[start + position])) for position in first]
        distinct = sorted(set(exact_values))
        rank_of = np.array([distinct.index(value) for value in exact_values])
        within[start:stop] = rank_of[inverse]
        classes_in_cluster[cluster] = len(distinct)
    first_class = np.cumsum(classes_in_cluster) - classes_in_cluster
    classes = np.empty(n, dtype=np.int64)
    classes[order] = first_class[cluster_of] + within
    return classes
