"""What changed between two questionnaire versions, in words an evaluator reads: items added, removed, reworded,
reweighted, moved; dimensions, scale, scoring, questions and the indicator likewise.

Each change is a code with its values, so a page can say it in its own language (:data:`CHANGE_MESSAGES`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.documents import N_
from analysis.questionnaire import Questionnaire

CHANGE_MESSAGES = {
    "title": N_("Title changed from “%(old)s” to “%(new)s”."),
    "scale": N_("Scale changed from %(old)s to %(new)s."),
    "not_applicable": N_("Not-applicable option changed from %(old)s to %(new)s."),
    "scoring": N_("Scoring changed from %(old)s to %(new)s."),
    "validity": N_("Validity rule changed from %(old)s to %(new)s."),
    "indicator": N_("Indicator changed from %(old)s to %(new)s."),
    "dimension_added": N_("Dimension %(key)s “%(new)s” added."),
    "dimension_removed": N_("Dimension %(key)s “%(old)s” removed."),
    "dimension_retitled": N_("Dimension %(key)s renamed from “%(old)s” to “%(new)s”."),
    "dimension_reweighted": N_("Dimension %(key)s weight changed from %(old)s to %(new)s."),
    "item_added": N_("Item %(key)s “%(new)s” added."),
    "item_removed": N_("Item %(key)s “%(old)s” removed."),
    "item_reworded": N_("Item %(key)s reworded from “%(old)s” to “%(new)s”."),
    "item_reweighted": N_("Item %(key)s weight changed from %(old)s to %(new)s."),
    "item_moved": N_("Item %(key)s moved from dimension %(old)s to %(new)s."),
    "item_reversed": N_("Item %(key)s is now reversed."),
    "item_unreversed": N_("Item %(key)s is no longer reversed."),
    "item_required": N_("Item %(key)s required changed from %(old)s to %(new)s."),
    "question_added": N_("Question %(key)s “%(new)s” added."),
    "question_removed": N_("Question %(key)s “%(old)s” removed."),
    "question_reworded": N_("Question %(key)s reworded from “%(old)s” to “%(new)s”."),
    "question_options": N_("Question %(key)s options changed from %(old)s to %(new)s."),
    "order": N_("Order of items changed."),
}


@dataclass(frozen=True)
class Change:
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return CHANGE_MESSAGES[self.code] % self.params


def diff_questionnaires(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """The changes from ``old`` to ``new``, in questionnaire order; empty when they ask and score the same."""
    changes: list[Change] = []

    def compare(code: str, before, after, **params) -> None:
        if before != after:
            changes.append(Change(code, {**params, "old": before, "new": after}))

    compare("title", old.title, new.title)
    compare("scale", _options(old.options), _options(new.options))
    compare("not_applicable", _options([old.not_applicable] if old.not_applicable else []),
            _options([new.not_applicable] if new.not_applicable else []))
    compare("scoring", _scoring(old), _scoring(new))
    compare("validity", _validity(old), _validity(new))
    compare("indicator", _indicator(old), _indicator(new))

    old_dimensions = {d.key: d for d in old.dimensions}
    new_dimensions = {d.key: d for d in new.dimensions}
    for dimension in new.dimensions:
        before = old_dimensions.get(dimension.key)
        if before is None:
            changes.append(Change("dimension_added", {"key": dimension.key, "new": dimension.title}))
            continue
        compare("dimension_retitled", before.title, dimension.title, key=dimension.key)
        compare("dimension_reweighted", _number(before.weight), _number(dimension.weight), key=dimension.key)
    changes += [Change("dimension_removed", {"key": d.key, "old": d.title})
                for d in old.dimensions if d.key not in new_dimensions]

    old_items = {item.key: (item, d.key) for d in old.dimensions for item in d.items}
    new_items = {item.key: (item, d.key) for d in new.dimensions for item in d.items}
    for key, (item, dimension) in new_items.items():
        if key not in old_items:
            changes.append(Change("item_added", {"key": key, "new": item.text}))
            continue
        before, before_dimension = old_items[key]
        compare("item_reworded", before.text, item.text, key=key)
        compare("item_reweighted", _number(before.weight), _number(item.weight), key=key)
        compare("item_moved", before_dimension, dimension, key=key)
        compare("item_required", before.required, item.required, key=key)
        if before.reverse != item.reverse:
            changes.append(Change("item_reversed" if item.reverse else "item_unreversed", {"key": key}))
    changes += [Change("item_removed", {"key": key, "old": item.text})
                for key, (item, _) in old_items.items() if key not in new_items]
    common = [key for key in old_items if key in new_items]
    if common != [key for key in new_items if key in old_items]:
        changes.append(Change("order"))

    old_questions = {q.key: q for q in (*old.choice_questions, *old.open_questions)}
    new_questions = {q.key: q for q in (*new.choice_questions, *new.open_questions)}
    for key, question in new_questions.items():
        before = old_questions.get(key)
        if before is None:
            changes.append(Change("question_added", {"key": key, "new": question.text}))
            continue
        compare("question_reworded", before.text, question.text, key=key)
        compare("question_options", _question_options(before), _question_options(question), key=key)
    changes += [Change("question_removed", {"key": key, "old": q.text})
                for key, q in old_questions.items() if key not in new_questions]
    return changes


def _options(options) -> str:
    return " / ".join(f"{option.value} {option.label}" for option in options) or "—"


def _question_options(question) -> str:
    options = getattr(question, "options", None)
    if options is None:
        return "—"
    return f"{question.kind}: {_options(options)}" + (" / 其他" if question.other else "")


def _scoring(questionnaire: Questionnaire) -> str:
    points = ", ".join(f"{v}→{_number(questionnaire.scoring.points[v])}" for v in questionnaire.option_values)
    return f"{questionnaire.scoring.scheme} ({points})"


def _validity(questionnaire: Questionnaire) -> str:
    return f"≥ {_number(questionnaire.min_answered_share)}, straight-lining {questionnaire.flag_straight_lining}"


def _indicator(questionnaire: Questionnaire) -> str:
    indicator = questionnaire.indicator
    return "—" if indicator is None else f"{indicator.code} {indicator.name} ({_number(indicator.weight)})"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
