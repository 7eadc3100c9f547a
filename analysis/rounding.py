"""Round half up in decimal, as evaluation reports do: 8 × 81.65 % = 6.532 → 6.53, 6.525 → 6.53, 2.675 → 2.68.

The one home of how a figure is printed: pages, exports, the report, its generated text and the CLI tables all
format percentages and decimals with :func:`percent` and :func:`fixed`, so a figure reads the same everywhere
(81.645 is "81.65%" on every page, never "81.64%" on one of them).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: floats are read to 12 significant digits, so 81.64999999999999 (81.65 after float arithmetic) counts as 81.65
SIGNIFICANT_DIGITS = 12
#: what a figure that does not exist prints as
NO_FIGURE = "—"


def as_decimal(value: Decimal | float | int | str) -> Decimal:
    """The number as written, not its binary approximation (0.8165, not 0.81649999999999995…)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return Decimal(value)


def round_decimal(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_half_up(value: Decimal | float | int | str | None, places: int = 2) -> float | None:
    """Round half away from zero on the decimal value; None stays None."""
    if value is None:
        return None
    return float(round_decimal(as_decimal(value), places))


def indicator_score(weight: Decimal | float | int, index: Decimal | float | None) -> Decimal | None:
    """A satisfaction leaf's score (C4-1): round_half_up(weight × round_half_up(index, 2) / 100, 2).

    8 × 81.65 % = 6.532 → 6.53. The one computation of it: the document's ``indicator.score`` and the scorecard's
    satisfaction leaves both call this.
    """
    if index is None:
        return None
    return round_decimal(as_decimal(weight) * round_decimal(as_decimal(index), 2) / 100, 2)


def fixed(value: Decimal | float | int | None, places: int = 2, *, signed: bool = False) -> str:
    """A number with ``places`` decimals, rounded half up (6.532 → "6.53"); "—" for None.

    :param signed: with an explicit sign, as a difference reads: "+2.52", "−2.75" (a true minus sign), "0.00".
    """
    if value is None:
        return NO_FIGURE
    rounded = round_decimal(as_decimal(value), places)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.00"
    text = f"{abs(rounded) if signed else rounded:.{places}f}"
    if signed and rounded > 0:
        return "+" + text
    if signed and rounded < 0:
        return "\u2212" + text
    return text


def percent(value: Decimal | float | int | None, places: int = 2, *, rate: bool = False) -> str:
    """An index or share on 0–100 as "81.65%" (a rate on 0–1 with ``rate=True``); "—" for None."""
    if value is None:
        return NO_FIGURE
    return fixed(as_decimal(value) * 100 if rate else value, places) + "%"
