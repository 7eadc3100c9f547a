"""The satisfaction document (``docs/satisfaction-json.md``, schema ``satisfaction/v1``) from an answers matrix.

Pure: a :class:`~analysis.questionnaire.Questionnaire`, a numpy matrix of valid responses and the population counts
in; a JSON-ready dict out (plain ints, floats, strings and ``None`` — never NaN or numpy scalars).

Beyond the spec's keys the document carries (keys may be added, never renamed):
``distribution`` at the top level (answers per option over all items), ``scoring.top``, ``title_en`` on dimensions,
``text_en`` on items, and ``n`` on group rows (respondents with a score). ``groups``, ``reliability``,
``indicator``, ``highest``/``lowest`` and ``nonresponse_bounds`` are always present and ``null`` when they do not
apply (no grouping given, too few complete respondents, no indicator, no index, unknown population), so every
document has the same key set — save ``choices``, which the spec lists as present when it applies (the
questionnaire has choice questions). An interval is ``null`` when its figure has no index or fewer than 2
respondents.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from analysis.china_time import CHINA_STANDARD_TIME
from analysis.choices import ChoiceAnswer, choice_tables
from analysis.indexes import AnswerCoding, IndexTree
from analysis.intervals import (BOOTSTRAP_RESAMPLES, bootstrap_replicates, delta_half_widths,
                                finite_population_correction, percentile_intervals)
from analysis.questionnaire import Questionnaire
from analysis.ranks import ExactScores, tie_classes
from analysis.rounding import indicator_score
from analysis.stats import kruskal_wallis, reliability_from_moments, reliability_warnings

SCHEMA = "satisfaction/v1"
#: above this many valid responses the delta method replaces the bootstrap (spec)
BOOTSTRAP_MAX_RESPONSES = 20_000
#: rows per block in the single pass over the responses; bounds the temporaries at 1.7 million rows
ROW_BLOCK = 65_536


@dataclass(frozen=True)
class Population:
    """The counts the document reports next to the valid responses."""

    #: invitations issued (roster size); None = unknown population, no finite-population correction
    issued: int | None
    #: responses submitted, valid or not
    submitted: int
    issued_by_group: dict[str, int] | None = None
    submitted_by_group: dict[str, int] | None = None
    #: issued is a known population (a roster), so intervals get the finite-population correction; offline rows
    #: without a roster count as issued (spec) but are no population
    from_roster: bool = True

    @property
    def finite_population(self) -> int | None:
        return self.issued if self.from_roster else None


def ranked_groups(rows: list[dict]) -> list[dict]:
    """Group rows as pages and reports rank them: highest index first (ties keep the roster order), then no index."""
    return sorted(rows, key=lambda row: (row["index"] is None, -(row["index"] or 0.0)))


def answer_distribution(questionnaire: Questionnaire, answers: np.ndarray) -> dict[str, int]:
    """Answers per option over all Likert items, plus ``na`` and ``missing`` (the report's overall chart)."""
    coding = AnswerCoding.from_questionnaire(questionnaire)
    states = coding.states(_answer_matrix(questionnaire, answers))
    return coding.distribution_dict(coding.distribution(states).sum(axis=0))


def satisfaction_document(questionnaire: Questionnaire, answers: np.ndarray, *, population: Population,
                          groups: Sequence | np.ndarray | None = None, group_by: str | None = None,
                          survey: dict | None = None, generated_at: datetime | None = None,
                          respondent_ids: Sequence | np.ndarray | None = None, seed: int = 20180618,
                          choices: Mapping[str, Sequence[ChoiceAnswer]] | None = None) -> dict:
    """The satisfaction document for the valid responses ``answers`` (rows) × Likert items (columns).

    :param answers: option values as float, NaN for a blank, the questionnaire's N/A value for 不了解;
        only valid responses, in any order (the document does not depend on it).
    :param groups: a label per row (e.g. the district) for the group rows and the Kruskal–Wallis test.
    :param respondent_ids: a code per row (e.g. the centre) that enters the snapshot hash.
    :param seed: the bootstrap's seed, so equal inputs give an equal document.
    :param choices: per choice question key, the valid responses' answers; the ``choices`` block is present when
        the questionnaire has choice questions.
    """
    coding = AnswerCoding.from_questionnaire(questionnaire)
    tree = IndexTree.from_questionnaire(questionnaire)
    # reversed items are reflected once, here: every figure below reads "higher = more satisfied"
    states = coding.reflect(coding.states(_answer_matrix(questionnaire, answers)), questionnaire.reversed_items)
    valid = len(states)
    if valid > population.submitted:
        raise ValueError(f"population.submitted: {population.submitted} is fewer than the {valid} valid responses")
    labels, group_codes = _group_codes(groups, valid, population)
    ids = _respondent_ids(respondent_ids, valid)

    # one canonical row order (by answers, then id) makes the bootstrap and the hash independent of the input order
    # and of the grouping: the grouping may change the group rows, never an overall figure
    order = _canonical_order(states, coding.state_count, ids)
    states, group_codes = np.take(states, order, axis=0), group_codes[order]
    ids = ids[order] if ids is not None else None
    use_bootstrap = valid <= BOOTSTRAP_MAX_RESPONSES
    group_rows = _rows_by_group(group_codes, len(labels))
    summary = _Summary.of(coding, tree, states, group_codes, group_rows, with_cross=not use_bootstrap)

    sums, counts = summary.sums, summary.counts
    item_index, dimension_index, overall = tree.indexes(sums, counts)
    estimates = np.concatenate([item_index, dimension_index, [overall]])
    target_n = np.concatenate([counts, summary.dimension_n, [summary.overall_n]])
    group_estimates = np.array([tree.indexes(summary.group_sums[g], summary.group_counts[g])[2]
                                for g in range(len(labels))])
    group_population = (population.issued_by_group or {}) if population.from_roster else {}
    group_fpc = np.array([finite_population_correction(group_population.get(label), len(rows))
                          for label, rows in zip(labels, group_rows)])
    fpc = finite_population_correction(population.finite_population, valid)

    if use_bootstrap:
        low, high, group_low, group_high = _bootstrap(tree, coding, states, group_rows,
                                                      estimates, group_estimates, fpc, group_fpc, seed)
        ci_method = "bootstrap-percentile"
    else:
        low, high, group_low, group_high = _delta(tree, summary, group_rows, estimates, group_estimates,
                                                  fpc, group_fpc, valid)
        ci_method = "delta"
    if population.finite_population is not None:
        ci_method += "-fpc"
    interval = _Intervals(low, high, target_n)

    top2_counts = summary.distribution[:, :2].sum(axis=1) * 100.0
    distribution = coding.as_ticked(summary.distribution, questionnaire.reversed_items)
    item_top2, dimension_top2, _ = tree.indexes(top2_counts, counts)
    overall_value = _number(overall)

    items_doc = [{
        "key": item.key, "text": item.text, "text_en": item.text_en, "weight": _weight(item.weight),
        "index": _number(item_index[j]), "ci95": interval.of(j), "n": int(counts[j]),
        "top2_share": _number(item_top2[j]), "distribution": coding.distribution_dict(distribution[j]),
    } for j, item in enumerate(questionnaire.items)]
    dimensions_doc = []
    first_item = 0
    for k, dimension in enumerate(questionnaire.dimensions):
        index = _number(dimension_index[k])
        dimensions_doc.append({
            "key": dimension.key, "title": dimension.title, "title_en": dimension.title_en,
            "weight": _weight(dimension.weight), "index": index,
            "ci95": interval.of(len(item_index) + k), "n": int(summary.dimension_n[k]),
            "delta_pp": _difference(index, overall_value), "top2_share": _number(dimension_top2[k]),
            "items": items_doc[first_item:first_item + len(dimension.items)],
        })
        first_item += len(dimension.items)

    document = {
        "schema": SCHEMA,
        "survey": survey if survey is not None else _offline_survey(questionnaire),
        "generated_at": _china_time(generated_at),
        "snapshot": _snapshot(questionnaire, states, ids),
        "scoring": _scoring(questionnaire),
        "counts": _counts(population, valid),
        "ci_method": ci_method,
        "overall": {"index": overall_value, "ci95": interval.of(len(estimates) - 1), "n": summary.overall_n},
        "dimensions": dimensions_doc,
        "distribution": coding.distribution_dict(distribution.sum(axis=0)),
        "nonresponse_bounds": _nonresponse_bounds(tree, coding, sums, counts, population.issued, valid),
        "highest": _extreme(dimensions_doc, max),
        "lowest": _extreme(dimensions_doc, min),
        "reliability": _reliability(questionnaire, summary),
        "groups": None if groups is None else _groups(
            group_by, labels, summary, group_estimates, _Intervals(group_low, group_high, summary.group_n),
            group_codes, population, ExactScores.from_questionnaire(questionnaire), states),
        "indicator": _indicator(questionnaire, overall_value),
    }
    if questionnaire.choice_questions:
        document["choices"] = choice_tables(questionnaire, choices or {})
    return document


# --- one pass over the responses ---------------------------------------------------------------

@dataclass(frozen=True)
class _Summary:
    """Everything the document needs from the rows, gathered in one blocked pass in canonical row order."""

    sums: np.ndarray                 # (J,) points per item over all rows
    counts: np.ndarray               # (J,) answers with points per item
    cross: np.ndarray | None         # (2J, 2J) ZᵀZ of z = (points, answered), for the delta method
    group_sums: np.ndarray           # (G, J) the same per group
    group_counts: np.ndarray         # (G, J)
    group_cross: np.ndarray | None   # (G, 2J, 2J)
    scores: np.ndarray               # (n,) respondent scores o(r), NaN where r answered no item
    dimension_n: np.ndarray          # (K,) respondents with a dimension score d(r, k)
    group_n: np.ndarray              # (G,) respondents with a score o(r) per group
    distribution: np.ndarray         # (J, states) answers per item and state
    alpha_n: int                     # listwise-complete respondents and their moments, for Cronbach's α
    alpha_sums: np.ndarray
    alpha_cross: np.ndarray

    @property
    def overall_n(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.scores)))

    @classmethod
    def of(cls, coding: AnswerCoding, tree: IndexTree, states: np.ndarray, group_codes: np.ndarray,
           group_rows: list[np.ndarray], with_cross: bool) -> _Summary:
        n, items = states.shape
        group_count = len(group_rows)
        sums, counts = np.zeros(items), np.zeros(items)
        cross = np.zeros((2 * items, 2 * items)) if with_cross else None
        group_sums, group_counts = np.zeros((group_count, items)), np.zeros((group_count, items))
        group_cross = np.zeros((group_count, 2 * items, 2 * items)) if with_cross else None
        scores = np.full(n, np.nan)
        dimension_n = np.zeros(tree.membership.shape[1], dtype=np.int64)
        alpha_sums, alpha_cross, alpha_n = np.zeros(items), np.zeros((items, items)), 0
        distribution = np.zeros((items, coding.state_count), dtype=np.int64)
        # raw option values shifted to start at 0: integer sums stay exact in float64
        values_by_state = np.asarray(coding.option_values + (0, 0), dtype=np.float64) - min(coding.option_values)
        for first in range(0, n, ROW_BLOCK):
            block = states[first:first + ROW_BLOCK]
            points = coding.points_by_state[block]
            defined = block < coding.na_state
            distribution += coding.distribution(block)
            # the overall sums never see the grouping, so no grouping can change an overall figure by a float bit
            sums += points.sum(axis=0)
            counts += defined.sum(axis=0)
            if cross is not None:
                z = np.hstack([points, defined])
                cross += z.T @ z
            # a respondent's d(r, k) and o(r) are the estimator applied to their own row
            _, respondent_dimensions, respondent_overall = tree.indexes(points, defined)
            scores[first:first + len(block)] = respondent_overall
            dimension_n += np.count_nonzero(~np.isnan(respondent_dimensions), axis=0)
            complete = values_by_state[block[defined.all(axis=1)]]
            alpha_n += len(complete)
            alpha_sums += complete.sum(axis=0)
            alpha_cross += complete.T @ complete
        # the groups' own pass, over each group's rows (a copy, so each block is contiguous)
        for g, rows in enumerate(group_rows):
            for first in range(0, len(rows), ROW_BLOCK):
                block = states[rows[first:first + ROW_BLOCK]]
                points = coding.points_by_state[block]
                defined = block < coding.na_state
                group_sums[g] += points.sum(axis=0)
                group_counts[g] += defined.sum(axis=0)
                if group_cross is not None:
                    z = np.hstack([points, defined])
                    group_cross[g] += z.T @ z
        group_n = np.bincount(group_codes[~np.isnan(scores)], minlength=group_count)[:group_count]
        return cls(sums, counts, cross, group_sums, group_counts, group_cross, scores, dimension_n, group_n,
                   distribution, alpha_n, alpha_sums, alpha_cross)


# --- intervals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Intervals:
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray

    def of(self, position: int) -> list[float] | None:
        """``[low, high]`` of one figure, or None without an index or with fewer than 2 respondents."""
        low, high = self.low[position], self.high[position]
        if self.n[position] < 2 or np.isnan(low) or np.isnan(high):
            return None
        return [float(low), float(high)]


def _bootstrap(tree, coding, states, group_rows, estimates, group_estimates, fpc, group_fpc, seed):
    """Percentile intervals of the targets and groups from one set of seeded resamples."""
    empty = np.full(len(estimates), np.nan), np.full(len(estimates), np.nan)
    empty_groups = np.full(len(group_estimates), np.nan), np.full(len(group_estimates), np.nan)
    if len(states) < 2:
        return *empty, *empty_groups
    targets, groups = bootstrap_replicates(tree, coding.points_by_state[states], states < coding.na_state,
                                           group_rows, seed=seed, resamples=BOOTSTRAP_RESAMPLES)
    low, high = percentile_intervals(estimates, targets, fpc)
    if groups is None:
        return low, high, *empty_groups
    return low, high, *percentile_intervals(group_estimates, groups, group_fpc)


def _delta(tree, summary, group_rows, estimates, group_estimates, fpc, group_fpc, valid):
    """Delta-method intervals of the targets and groups from the summary's cross-products."""
    half = fpc * delta_half_widths(tree, summary.sums, summary.counts, summary.cross, valid)
    group_half = np.array([
        correction * delta_half_widths(tree, sums, counts, cross, len(rows))[-1] if len(rows) > 1 else np.nan
        for correction, sums, counts, cross, rows
        in zip(group_fpc, summary.group_sums, summary.group_counts, summary.group_cross, group_rows)])
    return estimates - half, estimates + half, group_estimates - group_half, group_estimates + group_half


# --- document parts ----------------------------------------------------------------------------

def _counts(population: Population, valid: int) -> dict:
    issued = population.issued
    return {"issued": issued, "submitted": population.submitted, "valid": valid,
            "invalid": population.submitted - valid,
            "return_rate": population.submitted / issued if issued else None,
            "valid_rate": valid / issued if issued else None}


def _scoring(questionnaire: Questionnaire) -> dict:
    scoring = questionnaire.scoring
    return {"scheme": scoring.scheme,
            "points": {str(v): _weight(scoring.points[v]) for v in questionnaire.option_values},
            "not_applicable": questionnaire.na_value, "top": scoring.top}


def _nonresponse_bounds(tree, coding, sums, counts, issued, valid) -> dict | None:
    """The overall index had every unit not counted answered every item with the lowest (highest) option."""
    if issued is None:
        return None
    missing_units = max(issued - valid, 0)
    option_points = coding.points_by_state[:len(coding.option_values)]
    lower = tree.indexes(sums + missing_units * option_points.min(), counts + missing_units)[2]
    upper = tree.indexes(sums + missing_units * option_points.max(), counts + missing_units)[2]
    return {"missing_units": missing_units, "lower": _number(lower), "upper": _number(upper)}


def _extreme(dimensions: list[dict], choose) -> dict | None:
    """The dimension with the highest (``max``) or lowest (``min``) index; the first in questionnaire order wins."""
    indexed = [d for d in dimensions if d["index"] is not None]
    if not indexed:
        return None
    chosen = choose(indexed, key=lambda d: d["index"])
    return {"key": chosen["key"], "index": chosen["index"], "delta_pp": chosen["delta_pp"]}


def _reliability(questionnaire: Questionnaire, summary: _Summary) -> dict | None:
    result = reliability_from_moments(summary.alpha_n, summary.alpha_sums, summary.alpha_cross)
    if result is None:
        return None
    keys = [item.key for item in questionnaire.items]
    item_total_r = {key: _number(v) for key, v in zip(keys, result.item_total_r)}
    return {"cronbach_alpha": result.cronbach_alpha, "n_complete": result.n_complete,
            "alpha_if_deleted": {key: _number(v) for key, v in zip(keys, result.alpha_if_deleted)},
            "item_total_r": item_total_r,
            "warnings": reliability_warnings(result.cronbach_alpha, item_total_r)}


def _groups(group_by, labels, summary, group_estimates, interval, group_codes, population, exact, states) -> dict:
    """A row per group in the population's order (every roster group, counts as integers) and the group test."""
    issued_by_group = population.issued_by_group
    submitted_by_group = population.submitted_by_group
    valid_by_group = np.bincount(group_codes, minlength=len(labels))[:len(labels)]
    rows = []
    for g, label in enumerate(labels):
        valid = int(valid_by_group[g])
        issued = issued_by_group.get(label, 0) if issued_by_group is not None else None
        # without submitted counts per group, the valid responses are all that is known to have come back
        submitted = submitted_by_group.get(label, 0) if submitted_by_group is not None else valid
        rows.append({"group": label, "issued": issued, "submitted": submitted, "valid": valid,
                     "valid_rate": valid / issued if issued else None, "index": _number(group_estimates[g]),
                     "ci95": interval.of(g), "n": int(summary.group_n[g])})
    scored = np.flatnonzero(~np.isnan(summary.scores))
    # ranks by exact score: float noise must never split a tie (spec), see analysis.ranks
    classes = tie_classes(summary.scores[scored], lambda i: exact.score(states[scored[i]]))
    test = kruskal_wallis(classes, group_codes[scored])
    return {"by": group_by, "rows": rows, "test": None if test is None else {
        "name": "kruskal-wallis", "statistic": test.statistic, "df": test.df, "p_value": test.p_value,
        "epsilon_squared": test.epsilon_squared}}


def _indicator(questionnaire: Questionnaire, overall: float | None) -> dict | None:
    indicator = questionnaire.indicator
    if indicator is None:
        return None
    return {"code": indicator.code, "name": indicator.name, "weight": _weight(indicator.weight),
            "index": overall, "score": _number_or_none(indicator_score(indicator.weight, overall))}


def _offline_survey(questionnaire: Questionnaire) -> dict:
    return {"key": questionnaire.key, "title": questionnaire.title, "year": questionnaire.year,
            "questionnaire_version": questionnaire.version, "status": "offline"}


def _china_time(moment: datetime | None) -> str:
    moment = moment if moment is not None else datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError("generated_at: needs a time zone (times are stored in UTC)")
    return moment.astimezone(CHINA_STANDARD_TIME).isoformat(timespec="seconds")


# --- rows: checking, ordering, hashing ---------------------------------------------------------

def _answer_matrix(questionnaire: Questionnaire, answers) -> np.ndarray:
    matrix = np.asarray(answers, dtype=np.float64)
    items = len(questionnaire.items)
    if matrix.size == 0:
        return matrix.reshape(0, items)
    if matrix.ndim != 2 or matrix.shape[1] != items:
        raise ValueError(f"answers: expected one column per Likert item ({items}), got shape {matrix.shape}")
    return matrix


def _group_codes(groups, n: int, population: Population) -> tuple[list[str], np.ndarray]:
    """The group labels in the population's order and each row's position among them ([] when not grouped).

    Labels follow the roster's first appearance (``issued_by_group``), then groups only submitted or only seen
    among the rows (in sorted order, so the row order of the input never shows); a blank value is the group "".
    """
    if groups is None:
        return [], np.zeros(n, dtype=np.int64)
    given = groups.tolist() if isinstance(groups, np.ndarray) else list(groups)
    if len(given) != n:
        raise ValueError(f"groups: {len(given)} labels for {n} responses")
    # dicts number the labels in one pass; sorting millions of strings would cost more than the whole analysis
    distinct = dict.fromkeys(given)
    seen = {value: _group_label(value) for value in distinct}
    labels = list(dict.fromkeys([*(population.issued_by_group or {}), *(population.submitted_by_group or {}),
                                 *sorted(set(seen.values()))]))
    position = {label: g for g, label in enumerate(labels)}
    code_of = {value: position[label] for value, label in seen.items()}
    return labels, np.fromiter(map(code_of.__getitem__, given), dtype=np.int64, count=n)


def _group_label(value) -> str:
    return "" if value is None else str(value)


def _respondent_ids(respondent_ids, n: int) -> np.ndarray | None:
    if respondent_ids is None:
        return None
    ids = np.asarray(respondent_ids, dtype=str) if n else np.empty(0, dtype=str)
    if len(ids) != n:
        raise ValueError(f"respondent_ids: {len(ids)} ids for {n} responses")
    return ids


def _canonical_order(states: np.ndarray, state_count: int, ids: np.ndarray | None) -> np.ndarray:
    """Row order by answers (then id): a function of the rows' content alone, never of their order or grouping."""
    keys = np.zeros(len(states), dtype=np.int64)
    span = 1
    for column in states.T:
        if span * state_count >= 2 ** 62:
            # renumber the distinct prefixes densely (order kept) so the key stays within int64
            distinct, keys = np.unique(keys, return_inverse=True)
            span = len(distinct)
        keys = keys * state_count + column
        span *= state_count
    if ids is not None:
        return np.lexsort((ids, keys))
    return np.argsort(keys, kind="stable")


def _rows_by_group(group_codes: np.ndarray, groups: int) -> list[np.ndarray]:
    """Each group's row positions, in canonical order."""
    if groups == 0:
        return []
    # a stable sort of small integers is a radix sort, several times faster than a comparison sort
    by_group = np.argsort(group_codes.astype(np.int16) if groups < 2 ** 15 else group_codes, kind="stable")
    bounds = np.searchsorted(group_codes[by_group], np.arange(groups + 1))
    return [by_group[bounds[g]:bounds[g + 1]] for g in range(groups)]


def _snapshot(questionnaire, states, ids) -> str:
    """``sha256:`` over the questionnaire, its scoring and the canonically ordered rows (answers, id).

    The grouping stays out: the same valid responses give the same hash whatever grouping is asked of them.
    """
    digest = hashlib.sha256()
    header = {"questionnaire": questionnaire.source, "scoring": _scoring(questionnaire),
              "items": [item.key for item in questionnaire.items]}
    digest.update(json.dumps(header, sort_keys=True, ensure_ascii=False).encode())
    digest.update(np.ascontiguousarray(states).tobytes())
    if ids is not None:
        digest.update("\x1f".join(ids.tolist()).encode())
    return "sha256:" + digest.hexdigest()


# --- plain JSON values -------------------------------------------------------------------------

def _number(value) -> float | None:
    """A float, or None for NaN (JSON has no NaN)."""
    value = float(value)
    return None if np.isnan(value) else value


def _number_or_none(value) -> float | None:
    return None if value is None else float(value)


def _weight(value: float) -> int | float:
    """Weights and points as written in the definition: 8, not 8.0."""
    return int(value) if float(value).is_integer() else float(value)


def _difference(index: float | None, overall: float | None) -> float | None:
    return index - overall if index is not None and overall is not None else None
