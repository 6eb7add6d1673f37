"""Units, once: the fixed-point scale, time spans, and conversions whose names say how they round.

Every other module imports these; none defines its own. Conversions from a human number to a chain
integer name their rounding (`_down` truncates toward zero, `_nearest` rounds half to even, as Python's
`round`), after the house rule that rounding is always named (morpho-blue's `wMulDown`/`wDivUp`).
"""

from __future__ import annotations

from decimal import Decimal

WAD = 10**18  # [wad] 1.0 in 18-decimal fixed point

MINUTE = 60  # [s]
HOUR = 60 * MINUTE  # [s]
DAY = 24 * HOUR  # [s]
WEEK = 7 * DAY  # [s]
YEAR = 365 * DAY  # [s] the contracts' year for annualised figures

FLOAT_PLACES = 6  # decimal places of a float amount that conversions keep (floats hold no more faithfully)


def to_wad(value: int | Decimal) -> int:
    """An exact decimal as a WAD integer, e.g. to_wad(Decimal("1.5")) == 1.5e18; ValueError if `value`
    has more than 18 decimal places (nothing to round, so nothing is rounded)."""
    scaled = Decimal(value) * WAD
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 18 decimal places")
    return int(scaled)


def from_wad(value: int) -> Decimal:
    """A WAD integer as an exact decimal, e.g. from_wad(15 * 10**17) == Decimal("1.5")."""
    return Decimal(value) / WAD


def to_units_down(amount: float, decimals: int, places: int | None = None) -> int:
    """`amount` whole tokens in the smallest units of a `decimals`-decimal token, truncated toward zero
    after `places` decimal places (default: all `decimals`), e.g. to_units_down(1.5, 6) == 1_500_000."""
    places = decimals if places is None else places
    return int(amount * 10**places) * 10 ** (decimals - places)


def to_units_nearest(amount: float, decimals: int, places: int | None = None) -> int:
    """`amount` whole tokens in the smallest units of a `decimals`-decimal token, rounded to the nearest
    after `places` decimal places (default: all `decimals`)."""
    places = decimals if places is None else places
    return round(amount * 10**places) * 10 ** (decimals - places)


def to_wad_down(amount: float) -> int:
    """A human size or price as WAD, truncated after FLOAT_PLACES, e.g. to_wad_down(1.5) == 1.5e18."""
    return to_units_down(amount, 18, FLOAT_PLACES)


def to_wad_nearest(amount: float) -> int:
    """A human size or price as WAD, rounded to the nearest after FLOAT_PLACES."""
    return to_units_nearest(amount, 18, FLOAT_PLACES)


__all__ = [
    "DAY",
    "FLOAT_PLACES",
    "HOUR",
    "MINUTE",
    "WAD",
    "WEEK",
    "YEAR",
    "from_wad",
    "to_units_down",
    "to_units_nearest",
    "to_wad",
    "to_wad_down",
    "to_wad_nearest",
]
