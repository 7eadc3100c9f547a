"""Frequency tables of the choice questions (the satisfaction document's ``choices`` block).

Choice questions describe the respondents (a centre's kind, its channels of use); they are counted, never scored.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analysis.questionnaire import ChoiceQuestion, Questionnaire


@dataclass(frozen=True)
class ChoiceAnswer:
    """One response's answer to a choice question: the option values ticked and the 其他 text, if any."""

    values: tuple[int, ...] = ()
    other: str | None = None

    @property
    def answered(self) -> bool:
        return bool(self.values) or bool(self.other)


NO_ANSWER = ChoiceAnswer()


def choice_tables(questionnaire: Questionnaire, answers: Mapping[str, Sequence[ChoiceAnswer]]) -> list[dict]:
    """One table per choice question over the given (valid) responses: ``n`` respondents who answered it (an option
    or 其他), each option's count and share of ``n`` (a ``multiple`` question's shares may sum past 1), the 其他
    count and its texts in response order."""
    return [_table(question, answers.get(question.key, ())) for question in questionnaire.choice_questions]


def _table(question: ChoiceQuestion, answers: Sequence[ChoiceAnswer]) -> dict:
    answered = [answer for answer in answers if answer.answered]
    n = len(answered)
    counts = {option.value: 0 for option in question.options}
    for answer in answered:
        for value in set(answer.values):
            if value in counts:
                counts[value] += 1
    others = [answer.other for answer in answered if answer.other]
    return {
        "key": question.key, "text": question.text, "text_en": question.text_en, "kind": question.kind, "n": n,
        "options": [{"value": option.value, "label": option.label, "label_en": option.label_en,
                     "count": counts[option.value], "share": counts[option.value] / n if n else None}
                    for option in question.options],
        "other_count": len(others), "other_share": len(others) / n if n and question.other else None,
        "other": others,
    }
