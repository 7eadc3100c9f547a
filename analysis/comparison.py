"""Year-over-year comparison of two surveys of the same questionnaire: change per dimension and its test.

Pure: two satisfaction documents and the respondent scores behind them in; a JSON-ready dict out. The change is
the difference of the documents' indexes (the figures the report prints), in percentage points; its test is the
two-sided Mann–Whitney U test on the respondent dimension scores ``d(r, k)`` of the two surveys.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from analysis.indexes import AnswerCoding, IndexTree
from analysis.questionnaire import Questionnaire
from analysis.ranks import ExactScores, tie_classes
from analysis.rounding import round_half_up

#: the exact score of respondent r: d(r, k) for dimension position k, o(r) for None
ExactScore = Callable[[int, int | None], Fraction | None]

#: a change is called significant below this p-value
SIGNIFICANCE_LEVEL = 0.05


@dataclass(frozen=True)
class RespondentScores:
    """Each valid respondent's dimension scores d(r, k) (columns in questionnaire order) and overall score o(r)."""

    dimension_keys: tuple[str, ...]
    #: (respondents, dimensions); NaN where the respondent answered no item of the dimension
    dimensions: np.ndarray
    #: (respondents,); NaN where the respondent answered no item at all
    overall: np.ndarray
    #: the same scores in rational arithmetic, so the test ranks exact ties as ties (analysis.ranks)
    exact: ExactScore


@dataclass(frozen=True)
class MannWhitney:
    """Two-sided Mann–Whitney U test, normal approximation with tie and continuity correction."""

    #: U of the second (later) sample: the number of pairs in which the later score is higher, ties counting half
    statistic: float
    p_value: float
    #: rank-biserial correlation 2U/(n₁n₂) − 1: +1 when every later score is higher, −1 when every one is lower
    rank_biserial: float
    n_earlier: int
    n_later: int


def respondent_scores(questionnaire: Questionnaire, answers: np.ndarray) -> RespondentScores:
    """d(r, k) and o(r) (docs/satisfaction-json.md) of every row of an answers matrix (option values, NaN = blank)."""
    coding = AnswerCoding.from_questionnaire(questionnaire)
    tree = IndexTree.from_questionnaire(questionnaire)
    states = coding.states(np.asarray(answers, dtype=np.float64).reshape(-1, len(questionnaire.items)))
    _, dimensions, overall = tree.indexes(coding.points_by_state[states], states < coding.na_state)
    exact = ExactScores.from_questionnaire(questionnaire)
    return RespondentScores(tuple(d.key for d in questionnaire.dimensions), dimensions, overall,
                            lambda r, k: exact.score(states[r], k))


def mann_whitney_u(earlier: np.ndarray, later: np.ndarray, exact_earlier: Callable | None = None,
                   exact_later: Callable | None = None) -> MannWhitney | None:
    """The test of whether later scores tend to differ from earlier ones; None when a sample is empty or all tie.

    :param exact_earlier: the exact score of an earlier respondent by row (and ``exact_later``): given both, equal
        scores tie whatever float noise separates them (analysis.ranks).
    """
    earlier = np.asarray(earlier, dtype=np.float64)
    later = np.asarray(later, dtype=np.float64)
    earlier_rows, later_rows = np.flatnonzero(~np.isnan(earlier)), np.flatnonzero(~np.isnan(later))
    earlier, later = earlier[earlier_rows], later[later_rows]
    n1, n2 = len(earlier), len(later)
    if n1 == 0 or n2 == 0:
        return None
    from scipy.stats import rankdata  # here: only the year-over-year comparison pays for importing scipy.stats

    values = np.concatenate([earlier, later])
    if exact_earlier is not None and exact_later is not None:
        values = tie_classes(values, lambda i: exact_earlier(int(earlier_rows[i])) if i < n1
                             else exact_later(int(later_rows[i - n1])))
    ranks = rankdata(values)
    u_later = float(ranks[n1:].sum() - n2 * (n2 + 1) / 2)
    n = n1 + n2
    _, tie_sizes = np.unique(ranks, return_counts=True)
    tie_term = float((tie_sizes ** 3 - tie_sizes).sum()) / (n * (n - 1))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return None
    mean = n1 * n2 / 2
    # continuity correction towards the mean, as scipy.stats.mannwhitneyu(use_continuity=True)
    z = max(abs(u_later - mean) - 0.5, 0.0) / math.sqrt(variance)
    p_value = min(1.0, math.erfc(z / math.sqrt(2)))
    return MannWhitney(statistic=u_later, p_value=p_value, rank_biserial=2 * u_later / (n1 * n2) - 1,
                       n_earlier=n1, n_later=n2)


def compare_surveys(earlier: dict, later: dict, earlier_scores: RespondentScores,
                    later_scores: RespondentScores) -> dict:
    """Change of the overall index and of every dimension both documents share, earlier → later, with its test.

    ``change_pp`` is the difference of the rounded figures (two decimals), so it matches what the report prints.
    """
    earlier_dimensions = {d["key"]: d for d in earlier["dimensions"]}
    rows = []
    for dimension in later["dimensions"]:
        before = earlier_dimensions.get(dimension["key"])
        if before is None or dimension["key"] not in earlier_scores.dimension_keys:
            continue
        k_earlier = earlier_scores.dimension_keys.index(dimension["key"])
        k_later = later_scores.dimension_keys.index(dimension["key"])
        test = mann_whitney_u(earlier_scores.dimensions[:, k_earlier], later_scores.dimensions[:, k_later],
                              lambda r: earlier_scores.exact(r, k_earlier), lambda r: later_scores.exact(r, k_later))
        rows.append({"key": dimension["key"], "title": dimension["title"], "title_en": dimension.get("title_en"),
                     **_change(before["index"], dimension["index"], test)})
    overall = _change(earlier["overall"]["index"], later["overall"]["index"],
                      mann_whitney_u(earlier_scores.overall, later_scores.overall,
                                     lambda r: earlier_scores.exact(r, None), lambda r: later_scores.exact(r, None)))
    return {"earlier": earlier["survey"], "later": later["survey"], "test": "mann-whitney-u",
            "significance_level": SIGNIFICANCE_LEVEL, "overall": overall, "dimensions": rows}


def _change(before: float | None, after: float | None, test: MannWhitney | None) -> dict:
    change = None
    if before is not None and after is not None:
        change = round_half_up(round_half_up(after, 2) - round_half_up(before, 2), 2)
    return {"earlier": before, "later": after, "change_pp": change,
            "statistic": test.statistic if test else None, "p_value": test.p_value if test else None,
            "rank_biserial": test.rank_biserial if test else None,
            "significant": bool(test.p_value < SIGNIFICANCE_LEVEL) if test else None}
