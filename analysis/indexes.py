"""Answer coding and the index roll-up (item → dimension → overall) of ``docs/satisfaction-json.md``.

Everything is vectorised over leading axes, so the same estimator gives the point estimate, a respondent's
score ``o(r)``, every bootstrap resample and every group row: one definition, used everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.questionnaire import Questionnaire

#: rows coded per step; keeps the float temporaries of a 1.7-million-row matrix in cache
CODING_BLOCK = 16_384
#: marks an answer that is neither a scale option, the N/A value nor blank
UNKNOWN_STATE = 255


@dataclass(frozen=True)
class AnswerCoding:
    """Maps option values to small integer states: options high→low, then N/A, then missing."""

    #: option values from the most satisfied down, the first ``len(option_values)`` states
    option_values: tuple[int, ...]
    na_value: int | None
    #: points (0–100) per state; N/A and missing carry 0 and are masked out by ``defined``
    points_by_state: np.ndarray
    #: 100 for the two highest options, else 0: the top-2 share is an index over these
    top2_by_state: np.ndarray

    @classmethod
    def from_questionnaire(cls, questionnaire: Questionnaire) -> AnswerCoding:
        values = questionnaire.option_values
        points = [questionnaire.scoring.points[v] for v in values] + [0.0, 0.0]
        top2 = [100.0 if rank < 2 else 0.0 for rank in range(len(values))] + [0.0, 0.0]
        return cls(option_values=values, na_value=questionnaire.na_value,
                   points_by_state=np.asarray(points, dtype=np.float64),
                   top2_by_state=np.asarray(top2, dtype=np.float64))

    @property
    def na_state(self) -> int:
        return len(self.option_values)

    @property
    def missing_state(self) -> int:
        return len(self.option_values) + 1

    @property
    def state_count(self) -> int:
        return len(self.option_values) + 2

    def states(self, answers: np.ndarray) -> np.ndarray:
        """Code an answers matrix (option values as float, NaN = blank) into uint8 states; rejects unknown values."""
        values = self.option_values + ((self.na_value,) if self.na_value is not None else ())
        lowest = min(values)
        # a lookup table by value − lowest + 1; slot 0 holds the blank, values off the scale stay UNKNOWN
        table = np.full(max(values) - lowest + 2, UNKNOWN_STATE, dtype=np.uint8)
        table[0] = self.missing_state
        for state, value in enumerate(values):
            table[value - lowest + 1] = state
        states = np.empty(answers.shape, dtype=np.uint8)
        for first in range(0, len(answers), CODING_BLOCK):
            block = answers[first:first + CODING_BLOCK]
            blank = np.isnan(block)
            position = np.where(blank, 0.0, block - lowest + 1.0)
            # slot 0 is the blank's alone: a value one below the lowest option lands there too and is no blank
            on_table = ((position >= 1) | blank) & (position < len(table))
            index = np.where(on_table, position, 0.0).astype(np.intp)
            on_table &= index == position
            coded = np.take(table, index)
            coded[~on_table] = UNKNOWN_STATE
            states[first:first + CODING_BLOCK] = coded
        unknown = states == UNKNOWN_STATE
        if unknown.any():
            rows, columns = np.nonzero(unknown)
            found = sorted({float(v) for v in np.unique(answers[unknown])})
            raise ValueError(f"answers: {len(rows)} value(s) not on the scale {found}, first at row {rows[0]}, "
                             f"column {columns[0]}")
        return states

    def reflect(self, states: np.ndarray, reversed_items: tuple[bool, ...]) -> np.ndarray:
        """The states with reversed items' columns mirrored (option rank r ↔ m − 1 − r): on the mirrored scale a
        reversed item requires, that is lo + hi − x. N/A and missing stay as they are."""
        columns = np.flatnonzero(reversed_items)
        if not len(columns):
            return states
        mirror = np.arange(256, dtype=np.uint8)
        mirror[:len(self.option_values)] = mirror[:len(self.option_values)][::-1]
        reflected = states.copy()
        reflected[:, columns] = mirror[states[:, columns]]
        return reflected

    def as_ticked(self, distribution: np.ndarray, reversed_items: tuple[bool, ...]) -> np.ndarray:
        """Counts per item and state of reflected states, turned back into counts of the options as ticked."""
        rows = np.flatnonzero(reversed_items)
        ticked = distribution.copy()
        m = len(self.option_values)
        ticked[rows, :m] = distribution[rows, :m][:, ::-1]
        return ticked

    def distribution(self, states: np.ndarray) -> np.ndarray:
        """Counts per item (rows) and state (columns) of a states matrix."""
        items = states.shape[1]
        offsets = np.arange(items, dtype=np.intp) * self.state_count
        flat = (states.astype(np.intp) + offsets).ravel()
        return np.bincount(flat, minlength=items * self.state_count).reshape(items, self.state_count)

    def distribution_dict(self, counts: np.ndarray) -> dict[str, int]:
        """One item's (or all items') state counts as the document's ``{"5": …, "na": …, "missing": …}``."""
        labelled = {str(value): int(counts[state]) for state, value in enumerate(self.option_values)}
        labelled["na"] = int(counts[self.na_state])
        labelled["missing"] = int(counts[self.missing_state])
        return labelled


@dataclass(frozen=True)
class IndexTree:
    """Item and dimension weights: how item indexes roll up into dimension indexes and the overall index."""

    item_weights: np.ndarray          # (J,)
    membership: np.ndarray            # (J, K) 1.0 where item j belongs to dimension k
    dimension_weights: np.ndarray     # (K,)

    @classmethod
    def from_questionnaire(cls, questionnaire: Questionnaire) -> IndexTree:
        dimensions = questionnaire.dimensions
        membership = np.zeros((len(questionnaire.items), len(dimensions)))
        j = 0
        for k, dimension in enumerate(dimensions):
            membership[j:j + len(dimension.items), k] = 1.0
            j += len(dimension.items)
        return cls(item_weights=np.asarray([item.weight for item in questionnaire.items], dtype=np.float64),
                   membership=membership,
                   dimension_weights=np.asarray([d.weight for d in dimensions], dtype=np.float64))

    @property
    def target_count(self) -> int:
        """Items, dimensions and the overall index: the figures that get an interval."""
        return self.membership.shape[0] + self.membership.shape[1] + 1

    def indexes(self, sums: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Item, dimension and overall indexes from per-item point sums and answer counts (NaN = no index)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            items = sums / counts
        item_defined = counts > 0
        dimensions = _weighted_mean(items, item_defined, self.item_weights[:, None] * self.membership)
        dimension_defined = ~np.isnan(dimensions)
        overall = _weighted_mean(dimensions, dimension_defined, self.dimension_weights[:, None])[..., 0]
        return items, dimensions, overall

    def coefficients(self, item_defined: np.ndarray) -> np.ndarray:
        """(J, J+K+1) weights that turn item indexes into every target, given which items have an index."""
        item_columns = self.item_weights[:, None] * self.membership * item_defined[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            to_dimensions = np.nan_to_num(item_columns / item_columns.sum(axis=0))
        dimension_defined = item_columns.sum(axis=0) > 0
        dimension_column = self.dimension_weights * dimension_defined
        total = dimension_column.sum()
        to_overall = to_dimensions @ (dimension_column / total if total > 0 else dimension_column)
        return np.hstack([np.eye(len(self.item_weights)), to_dimensions, to_overall[:, None]])


def _weighted_mean(values: np.ndarray, defined: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ w·v / Σ w over the defined values, for each column of ``weights``; NaN where nothing is defined."""
    numerator = np.where(defined, values, 0.0) @ weights
    denominator = defined.astype(np.float64) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)
