"""Round half up in decimal, as evaluation reports do: 8 × 81.65 % = 6.532 → 6.53, 6.525 → 6.53, 2.675 → 2.68."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: floats are read to 12 significant digits, so 81.64999999999999 (81.65 after float arithmetic) counts as 81.65
SIGNIFICANT_DIGITS = 12


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
