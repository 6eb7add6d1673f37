"""Price paths: a scenario's sources as functions of scenario time, on the step grid.

Point paths interpolate linearly or hold each price until the next point (`step`). Generated paths are
seeded geometric random walks with Poisson jumps, sampled once per step; the generated markets of a
scenario share one Gaussian factor with correlation `scenario.correlation`. The same seed gives the same
paths in every process (random.Random seeded with a string is stable across runs and platforms).
"""

from __future__ import annotations

import bisect
import math
import random

from bulwark.sim.scenario import Generated, PricePath, Scenario
from bulwark.units import YEAR


def point_price(path: PricePath, t: float) -> float:
    """The price of a point path at time `t` (flat before the first point and after the last)."""
    points = path.points
    times = [p[0] for p in points]
    i = bisect.bisect_right(times, t)
    if i == 0:
        return points[0][1]
    if i == len(points) or path.interpolation == "step":
        return points[i - 1][1]
    (t0, p0), (t1, p1) = points[i - 1], points[i]
    return p0 + (p1 - p0) * (t - t0) / (t1 - t0)


def _walk(spec: Generated, shocks: list[float], step: int, rng: random.Random) -> list[float]:
    dt = step / YEAR
    drift = (spec.drift - spec.volatility**2 / 2) * dt
    prices, log_price = [spec.start], math.log(spec.start)
    for z in shocks:
        log_price += drift + spec.volatility * math.sqrt(dt) * z
        if spec.jumps is not None and rng.random() < spec.jumps.rate * step / 86_400:
            log_price += math.log1p(max(-0.99, rng.gauss(spec.jumps.mean, spec.jumps.stdev)))
        prices.append(math.exp(log_price))
    return prices


class Paths:
    """Every source of every market of `scenario`, for one seed."""

    def __init__(self, scenario: Scenario, seed: int):
        self.step = scenario.step
        steps = scenario.duration // scenario.step + 1
        common = random.Random(f"{seed}:paths:common")
        factor = [common.gauss(0, 1) for _ in range(steps)]
        rho = scenario.correlation
        self._sampled: dict[tuple[str, str], list[float]] = {}
        self._paths: dict[tuple[str, str], PricePath] = {}
        for market, spec in scenario.markets.items():
            for name, path in spec.sources.items():
                self._paths[(market, name)] = path
                if path.generated is None:
                    continue
                rng = random.Random(f"{seed}:paths:{market}:{name}")
                shocks = [rho * f + math.sqrt(1 - rho**2) * rng.gauss(0, 1) for f in factor]
                self._sampled[(market, name)] = _walk(path.generated, shocks[: steps - 1], self.step, rng)

    def price(self, market: str, source: str, t: float) -> float:
        """The source's price at `t` (generated paths: linear between their step samples)."""
        sampled = self._sampled.get((market, source))
        if sampled is None:
            return point_price(self._paths[(market, source)], t)
        t = min(max(t, 0), (len(sampled) - 1) * self.step)
        i, rest = divmod(t, self.step)
        i = int(i)
        if i + 1 >= len(sampled):
            return sampled[-1]
        return sampled[i] + (sampled[i + 1] - sampled[i]) * rest / self.step
