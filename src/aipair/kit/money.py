"""Money as integers of micro-USD; Decimal at the edges, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MICRO = 1_000_000


def usd_to_micro(amount: Decimal) -> int:
    """Whole micro-USD of a Decimal amount of dollars."""
    return int((amount * MICRO).to_integral_value(rounding=ROUND_HALF_UP))


def micro_to_usd(amount: int) -> Decimal:
    """Dollars (Decimal) of an integer amount of micro-USD."""
    return (Decimal(amount) / MICRO).quantize(Decimal("0.000001"))
