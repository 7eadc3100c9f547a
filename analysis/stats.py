"""Reliability (Cronbach's α) and the Kruskal–Wallis group test, from arrays; ``None`` where undefined."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Cronbach's α needs at least this many listwise-complete respondents (spec)
MIN_COMPLETE_FOR_ALPHA = 3


@dataclass(frozen=True)
class Reliability:
    cronbach_alpha: float | None
    n_complete: int
    #: per item, NaN where undefined (two items leave one, and α of one item is undefined)
    alpha_if_deleted: np.ndarray
    #: corrected item–total correlation per item (item vs. the sum of the others), NaN where undefined
    item_total_r: np.ndarray


@dataclass(frozen=True)
class KruskalWallis:
    statistic: float
    df: int
    p_value: float
    epsilon_squared: float


def reliability_from_moments(n: int, sums: np.ndarray, cross: np.ndarray) -> Reliability | None:
    """Cronbach's α, α-if-deleted and item–total r from the complete respondents' sums and cross-products.

    ``sums`` (J,) and ``cross`` (J, J) are Σx and Σxxᵀ over listwise-complete rows; any constant shift of the
    values gives the same result, so callers may subtract the lowest option to keep the sums exact.
    """
    items = len(sums)
    if n < MIN_COMPLETE_FOR_ALPHA or items < 2:
        return None
    covariance = (cross - np.outer(sums, sums) / n) / (n - 1)
    item_variance = np.diag(covariance)
    total_variance = covariance.sum()
    alpha = _alpha(items, item_variance.sum(), total_variance)
    with_rest = covariance.sum(axis=1) - item_variance           # cov(x_j, T − x_j)
    rest_variance = total_variance - 2 * covariance.sum(axis=1) + item_variance
    alpha_if_deleted = np.array([_alpha(items - 1, item_variance.sum() - item_variance[j], rest_variance[j])
                                 for j in range(items)])
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.sqrt(item_variance * rest_variance)
        item_total_r = np.where(denominator > 0, with_rest / denominator, np.nan)
    return Reliability(cronbach_alpha=None if np.isnan(alpha) else float(alpha), n_complete=int(n),
                       alpha_if_deleted=alpha_if_deleted, item_total_r=np.clip(item_total_r, -1.0, 1.0))


def reliability_warnings(alpha: float | None, item_total_r: dict[str, float | None]) -> list[dict]:
    """What R's psych::alpha warns of: a negative α, and items negatively correlated with the rest of the scale.

    Both usually mean a reversed item scored as if it were not; a reader must not take such an α at face value.
    """
    warnings = []
    if alpha is not None and alpha < 0:
        warnings.append({"code": "negative_alpha"})
    negative = [key for key, r in item_total_r.items() if r is not None and r < 0]
    if negative:
        warnings.append({"code": "negative_item_total_r", "items": negative})
    return warnings


def _alpha(items: int, item_variance_sum: float, total_variance: float) -> float:
    # a total with no variance (everyone gave the same answers) leaves α undefined, not 1
    if items < 2 or total_variance <= 0:
        return np.nan
    return items / (items - 1) * (1.0 - item_variance_sum / total_variance)


def kruskal_wallis(scores: np.ndarray, group_codes: np.ndarray) -> KruskalWallis | None:
    """Tie-corrected Kruskal–Wallis H over scores by group code (0, 1, …), with ε² = H/(n−1); None if untestable."""
    n = len(scores)
    sizes = np.bincount(group_codes)
    present = np.flatnonzero(sizes)
    if len(present) < 2:
        return None
    sizes = sizes[present]
    # sorting once and looking up the (few) distinct values is cheaper than np.unique's inverse at millions of rows
    ordered = np.sort(scores)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    distinct, ties = ordered[starts], np.diff(np.append(starts, n))
    position = np.searchsorted(distinct, scores)
    # average rank of each distinct value: the ranks it spans are (before + 1) … (before + ties)
    before = np.cumsum(ties) - ties
    ranks = (before + (ties + 1) / 2.0)[position]
    rank_sums = np.bincount(group_codes, weights=ranks)[present]
    h = 12.0 / (n * (n + 1)) * np.sum(rank_sums ** 2 / sizes) - 3.0 * (n + 1)
    tie_correction = 1.0 - np.sum(ties.astype(np.float64) ** 3 - ties) / (float(n) ** 3 - n)
    if tie_correction <= 0:
        return None
    h /= tie_correction
    df = len(present) - 1
    return KruskalWallis(statistic=float(h), df=df, p_value=chi_square_survival(float(h), df),
                         epsilon_squared=float(h / (n - 1)))


def chi_square_survival(x: float, df: int) -> float:
    """P(χ² ≥ x) with ``df`` (a whole number) degrees of freedom, as ``scipy.stats.chi2.sf``.

    For a whole df the series is finite (Abramowitz & Stegun 26.4.4–5): e^(−x/2) Σ (x/2)^j / j! for even df, and
    erfc(√(x/2)) + e^(−x/2) Σ (x/2)^(j−½) / Γ(j+½) for odd df. Its terms are summed from their logarithms, so a
    large statistic with many groups neither overflows nor underflows before the sum. Written out rather than
    imported because scipy.special alone takes a fifth of a second to import, longer than the whole document of
    a survey of a few hundred centres.
    """
    if x <= 0:
        return 1.0
    half = x / 2.0
    if df % 2 == 0:
        logs = [j * math.log(half) - half - math.lgamma(j + 1) for j in range(df // 2)]
        tail = 0.0
    else:
        logs = [(j - 0.5) * math.log(half) - half - math.lgamma(j + 0.5) for j in range(1, (df + 1) // 2)]
        tail = math.erfc(math.sqrt(half))
    return min(1.0, tail + math.fsum(math.exp(term) for term in logs))
