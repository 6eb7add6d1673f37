"""Sweeps and recommendations: what the scenario's outcome does as one parameter moves.

`--sweep PARAM=v1,v2,...` runs the scenario's seeds at each value of each named parameter (one at a
time: the others stay at the scenario's values) and tabulates bad debt, deficit and halted time.
`--recommend PARAM` searches the parameter's grid (the sweep's values when given, else its default
grid) for the most permissive value at which no run has a deficit. The search bisects the grid, so it
assumes that a deficit at one value means one at every more permissive value; the evidence lists every
value it ran, so a reader can see where that held.

Parameter names are the scenario's or the parameter file's, in snake_case or camelCase
(`maxDeviation` = `max_deviation`); market parameters apply to every market of the scenario.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bulwark.sim.scenario import Scenario, ScenarioError, parse_scenario


@dataclass(frozen=True)
class Knob:
    name: str
    where: str  # "keepers", "stakers", "push", "oracle" or "risk"
    field: str
    permissive: str  # "higher" or "lower": which way the parameter gives traders or the venue more room
    grid: tuple[float, ...]  # the default search grid, safe end first
    integer: bool = False
    help: str = ""


KNOBS = {
    k.name: k
    for k in (
        Knob(
            "keeper_lag",
            "keepers",
            "lag_blocks",
            "higher",
            (1, 5, 10, 25, 50, 100, 150, 200, 300),
            True,
            "keepers' inclusion lag [blocks]",
        ),
        Knob(
            "fund_size",
            "stakers",
            "size",
            "lower",
            (500_000, 250_000, 150_000, 100_000, 75_000, 50_000, 25_000, 10_000),
            False,
            "the InsuranceFund's size [tokens]",
        ),
        Knob(
            "heartbeat",
            "push",
            "heartbeat",
            "higher",
            (300, 600, 900, 1800, 2700, 3000),
            True,
            "the relayer's heartbeat [s]",
        ),
        Knob(
            "max_deviation",
            "oracle",
            "max_deviation",
            "higher",
            (0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5),
            False,
            "the breaker's threshold [fraction]",
        ),
        Knob(
            "confirm_delay",
            "oracle",
            "confirm_delay",
            "lower",
            (3600, 1800, 900, 600, 300, 120, 60, 0),
            True,
            "the breaker's confirmation delay [s]",
        ),
        Knob(
            "max_staleness",
            "oracle",
            "max_staleness",
            "higher",
            (900, 1800, 3600, 7200, 14400, 28800),
            True,
            "how old a served price may be [s]",
        ),
        Knob(
            "base_mmr",
            "risk",
            "base_mmr",
            "lower",
            (0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.035),
            False,
            "maintenance margin floor",
        ),
        Knob("im_factor", "risk", "im_factor", "lower", (5, 4, 3, 2.5, 2, 1.5, 1.25, 1), False, "IM / MM"),
    )
}


def knob(name: str) -> Knob:
    """The knob called `name` (snake_case or camelCase); ScenarioError listing the known ones."""
    key = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    if key not in KNOBS:
        raise ScenarioError(f"unknown sweep parameter {name!r}: choose one of {', '.join(KNOBS)}")
    return KNOBS[key]


def parse_sweep(text: str) -> tuple[Knob, list[float]]:
    """`PARAM=v1,v2,...` as its knob and values; ScenarioError (one line) otherwise."""
    name, sep, values = text.partition("=")
    if not sep or not values.strip():
        raise ScenarioError(f"--sweep {text!r}: write PARAM=v1,v2,... (e.g. base_mmr=0.05,0.08)")
    k = knob(name.strip())
    try:
        parsed = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise ScenarioError(f"--sweep {text!r}: values must be numbers") from None
    return k, [int(v) if k.integer else v for v in parsed]


def with_value(scenario: Scenario, k: Knob, value: float) -> Scenario:
    """The scenario with `k` set to `value` (validated again; a bad value is a one-line error)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    value = int(value) if k.integer else value
    if k.where in ("keepers", "stakers"):
        data[k.where][k.field] = value
    elif k.where == "push":
        for market in data["markets"].values():
            market.setdefault("push", {})[k.field] = value
    else:
        markets = data.setdefault("overrides", {}).setdefault("markets", {})
        for name in scenario.markets:
            markets.setdefault(name, {}).setdefault(k.where, {})[k.field] = value
    return parse_scenario(data, f"{scenario.name} with {k.name}={value}")


def more_permissive(k: Knob, a: float, b: float) -> bool:
    return a > b if k.permissive == "higher" else a < b


def recommend(
    k: Knob, grid: list[float], evaluate: Callable[[float], dict]
) -> tuple[float | None, list[dict]]:
    """The most permissive value of `grid` whose evaluation shows no deficit, by bisection over the
    grid ordered safe to permissive; `evaluate(value)` returns {"deficits": runs with a deficit, ...}.
    Returns (value or None when even the safest has deficits, the evidence in the order run)."""
    ordered = sorted(grid, reverse=k.permissive == "lower")
    evidence: dict[float, dict] = {}

    def safe(i: int) -> bool:
        if ordered[i] not in evidence:
            evidence[ordered[i]] = {"value": ordered[i], **evaluate(ordered[i])}
        return evidence[ordered[i]]["deficits"] == 0

    if not safe(0):
        return None, list(evidence.values())
    low, high = 0, len(ordered) - 1  # low is safe; find the last safe index
    if safe(high):
        return ordered[high], list(evidence.values())
    while high - low > 1:
        mid = (low + high) // 2
        if safe(mid):
            low = mid
        else:
            high = mid
    return ordered[low], list(evidence.values())
