"""Number formats shared by the Markdown reports, the chart annotations and the CLI's tables: token
amounts, fractions, durations and counts, each as one short string ("n/a" where there is no value)."""

from __future__ import annotations

from itertools import dropwhile

from bulwark.units import DAY, HOUR, MINUTE

MISSING = "n/a"


def tokens(x: float | None) -> str:
    """Whole tokens with thousands separators and 2 decimals, e.g. 1234567.891 -> '1,234,567.89'."""
    return MISSING if x is None else f"{x:,.2f}"


def fraction(x: float | None) -> str:
    """A plain fraction as a percentage with 2 decimals, e.g. 0.0512 -> '5.12%'."""
    return MISSING if x is None else f"{x * 100:.2f}%"


def count(x: float | None) -> str:
    """A count as an integer with thousands separators, e.g. 12345.0 -> '12,345'."""
    return MISSING if x is None else f"{round(x):,}"


def duration(seconds: float | None) -> str:
    """A span in its two largest units, rounded to the second, e.g. 4800 -> '1h 20m', 90 -> '1m 30s',
    3600 -> '1h', 0 -> '0s'."""
    if seconds is None:
        return MISSING
    left, parts = round(seconds), []
    for size, unit in ((DAY, "d"), (HOUR, "h"), (MINUTE, "m"), (1, "s")):
        number, left = divmod(left, size)
        parts.append((number, unit))
    leading = list(dropwhile(lambda part: part[0] == 0, parts))[:2]
    return " ".join(f"{number}{unit}" for number, unit in leading if number) or "0s"


def seconds(x: float | None) -> str:
    """A duration with its raw seconds, e.g. 4800 -> '1h 20m (4,800 s)'."""
    return MISSING if x is None else f"{duration(x)} ({x:,.0f} s)"


def price(x: float | None) -> str:
    """A price in at most 8 significant digits with thousands separators, e.g. 64123.45 -> '64,123.45'."""
    return MISSING if x is None else f"{x:,.8g}"


def number(x: float | None) -> str:
    """A figure of no known unit, in at most 6 significant digits, e.g. 0.05 -> '0.05'."""
    return MISSING if x is None else f"{x:g}"


BY_UNIT = {"tokens": tokens, "fraction": fraction, "count": count, "s": seconds}


def by_unit(x: float | None, unit: str) -> str:
    """`x` formatted for its unit (a `bulwark.sim.result.METRICS` unit); plain `number` for others."""
    return BY_UNIT.get(unit, number)(x)


def seeds_label(seeds: list[int]) -> str:
    """'seed 7' for one seed, 'seeds 7..38' for several."""
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {min(seeds)}..{max(seeds)}"
