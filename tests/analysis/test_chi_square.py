"""The chi-square tail behind the Kruskal–Wallis p-value, against scipy over small to very large statistics."""
import pytest
from scipy.stats import chi2

from analysis.stats import chi_square_survival


@pytest.mark.parametrize("df", [*range(1, 41), 99, 100, 255, 256, 1000])
@pytest.mark.parametrize("x", [0.0, 1e-9, 0.01, 0.5, 1.0, 3.84, 10.0, 15.0, 30.0, 100.0, 1000.0, 1e5])
def test_matches_scipy(df, x):
    expected = chi2.sf(x, df)
    if expected < 1e-300:
        assert chi_square_survival(x, df) < 1e-300
    else:
        assert chi_square_survival(x, df) == pytest.approx(expected, rel=1e-10)


def test_hand_computed_values():
    # df 2: e^(−x/2); df 1 at the 95th percentile 3.841458820694124: 0.05
    assert chi_square_survival(4.0, 2) == pytest.approx(0.1353352832366127, rel=1e-14)
    assert chi_square_survival(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-12)
