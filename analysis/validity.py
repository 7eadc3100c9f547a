"""The valid-questionnaire rule (有效问卷): answered share and straight-lining, computed from one response."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analysis.questionnaire import Questionnaire

#: reasons, stored with the response so the console can explain a decision
REASON_TOO_FEW_ANSWERED = "too_few_answered"
REASON_STRAIGHT_LINING = "straight_lining"


@dataclass(frozen=True)
class ValidityCheck:
    #: share of Likert items answered (N/A counts as answered)
    answered_share: float
    #: at or above the questionnaire's ``min_answered_share``
    complete_enough: bool
    #: the same option on every Likert item (flag for review, never invalid by itself)
    straight_lined: bool

    @property
    def automatic_status(self) -> str:
        """``valid`` or ``invalid``, as the questionnaire's rules decide without a reviewer."""
        return "valid" if self.complete_enough else "invalid"

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if not self.complete_enough:
            reasons.append(REASON_TOO_FEW_ANSWERED)
        if self.straight_lined:
            reasons.append(REASON_STRAIGHT_LINING)
        return reasons


def check_validity(questionnaire: Questionnaire, answers: Mapping[str, int | None]) -> ValidityCheck:
    """Apply the questionnaire's validity rules to one response's Likert answers (item key -> value or None)."""
    items = questionnaire.items
    given = [answers.get(item.key) for item in items]
    answered = [value for value in given if value is not None]
    share = len(answered) / len(items) if items else 0.0
    straight = (questionnaire.flag_straight_lining and len(items) > 1 and len(answered) == len(items)
                and len(set(answered)) == 1 and answered[0] != questionnaire.na_value)
    return ValidityCheck(answered_share=share, complete_enough=share + 1e-12 >= questionnaire.min_answered_share,
                         straight_lined=straight)
