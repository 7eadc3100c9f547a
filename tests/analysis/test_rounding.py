"""The one formatter of figures: round half up on the decimal value, one way everywhere."""
from decimal import Decimal

import pytest

from analysis.rounding import fixed, percent, round_half_up


@pytest.mark.parametrize(("value", "expected"), [
    (81.645, "81.65%"), (81.644999, "81.64%"), (2.675, "2.68%"), (0.0, "0.00%"), (100, "100.00%"),
    (Decimal("6.525"), "6.53%"), (None, "—"),
    # 81.65 after float arithmetic is 81.64999999999999: still 81.65
    (0.1 + 81.55, "81.65%"),
])
def test_percent_rounds_half_up(value, expected):
    assert percent(value) == expected


def test_a_rate_prints_as_its_percentage():
    assert percent(218 / 221, rate=True) == "98.64%"
    assert percent(0.816450, rate=True) == "81.65%"
    assert percent(None, rate=True) == "—"
    assert percent(1 / 3, 0, rate=True) == "33%"


@pytest.mark.parametrize(("value", "places", "signed", "expected"), [
    (6.532, 2, False, "6.53"), (6.525, 2, False, "6.53"), (0.8125, 3, False, "0.813"), (-2.745, 2, False, "-2.75"),
    (2.52, 2, True, "+2.52"), (-2.745, 2, True, "\u22122.75"), (-0.0001, 2, True, "0.00"), (0, 1, True, "0.0"),
    (None, 2, True, "—"),
])
def test_fixed(value, places, signed, expected):
    assert fixed(value, places, signed=signed) == expected


def test_python_rounding_would_differ_where_the_rule_matters():
    # the reason for one home: format() rounds 2.675 (binary 2.67499…) down, the report's rule rounds it up
    assert f"{2.675:.2f}" == "2.67"
    assert round_half_up(2.675) == 2.68 and fixed(2.675) == "2.68"
