"""The valid-questionnaire rule: answered share (N/A counts as answered) and straight-lining."""
from analysis.questionnaire import load_questionnaire
from analysis.validity import check_validity
from tests.conftest import QUESTIONNAIRE

Q = load_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
KEYS = [item.key for item in Q.items]


def test_complete_varied_response_is_valid_and_unflagged():
    check = check_validity(Q, dict(zip(KEYS, [5, 4, 4, 3, 5, 4, 4, 3, 2, 4, 5, 4])))
    assert check.answered_share == 1.0 and check.automatic_status == "valid" and check.reasons == []


def test_na_counts_as_answered_but_blank_does_not():
    answers = dict(zip(KEYS, [0, 0, 4, 3, 5, 4, 4, 3, 2, 4, None, None]))
    check = check_validity(Q, answers)
    assert check.answered_share == 10 / 12 and check.complete_enough  # 0.833 >= 0.8


def test_below_the_share_is_invalid_with_its_reason():
    answers = dict(zip(KEYS, [5, 4, 4, 3, 5, 4, 4, 3, 2, None, None, None]))  # 9/12 = 0.75 < 0.8
    check = check_validity(Q, answers)
    assert check.automatic_status == "invalid" and check.reasons == ["too_few_answered"]


def test_straight_lining_is_flagged_not_invalid():
    check = check_validity(Q, dict.fromkeys(KEYS, 5))
    assert check.automatic_status == "valid" and check.reasons == ["straight_lining"]


def test_all_not_applicable_is_not_straight_lining():
    assert check_validity(Q, dict.fromkeys(KEYS, 0)).straight_lined is False
