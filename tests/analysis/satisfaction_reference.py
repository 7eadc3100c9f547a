"""Straightforward re-implementations of the spec's estimators, written independently of ``analysis``.

Slow and loop-based on purpose: they follow the wording of ``docs/satisfaction-json.md`` line by line.
"""
import math

import numpy as np

LINEAR = {5: 100.0, 4: 75.0, 3: 50.0, 2: 25.0, 1: 0.0}


def points_matrix(answers, points=LINEAR):
    """p(r, i), NaN where the answer is blank or N/A."""
    return np.vectorize(lambda x: points.get(int(x), np.nan) if not math.isnan(x) else np.nan)(answers)


def overall_from_item_indexes(item_indexes, dimensions):
    """Σ W_k·D_k / Σ W_k with D_k = Σ wᵢ·Iᵢ / Σ wᵢ, each over the defined terms; ``dimensions`` as (W, [(col, w)])."""
    dimension_indexes = []
    for weight, items in dimensions:
        defined = [(w, item_indexes[col]) for col, w in items if not math.isnan(item_indexes[col])]
        if defined:
            dimension_indexes.append((weight, sum(w * v for w, v in defined) / sum(w for w, _ in defined)))
    if not dimension_indexes:
        return math.nan
    return sum(w * v for w, v in dimension_indexes) / sum(w for w, _ in dimension_indexes)


def respondent_score(row_points, dimensions):
    """o(r): the same roll-up over one respondent's own points."""
    return overall_from_item_indexes(list(row_points), dimensions)


def equal_weight_dimensions(items, per_dimension):
    """(1, [(col, 1), …]) per consecutive block of ``per_dimension`` items, like questionnaire-2017.yaml."""
    return [(1.0, [(c, 1.0) for c in range(start, start + per_dimension)]) for start in range(0, items, per_dimension)]


def exact_respondent_score(row, dimensions, points):
    """o(r) in rational arithmetic: ``row`` of option values (NaN or unscored = undefined), ``points`` a map
    value -> Fraction, ``dimensions`` as (W, [(col, w)]) with Fraction weights; None without any defined item."""
    weighted = []
    for weight, items in dimensions:
        defined = [(w, points[int(row[col])]) for col, w in items
                   if not math.isnan(row[col]) and int(row[col]) in points]
        if defined:
            weighted.append((weight, sum(w * p for w, p in defined) / sum(w for w, _ in defined)))
    if not weighted:
        return None
    return sum(w * d for w, d in weighted) / sum(w for w, _ in weighted)
