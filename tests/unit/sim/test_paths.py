"""Price paths: interpolation, steps, and seeded random walks that are reproducible and correlated."""

import itertools
import math

from bulwark.sim.paths import Paths, point_price
from bulwark.sim.scenario import PricePath, parse_scenario
from tests.unit.sim.test_scenario import BASE, with_change


def test_points_interpolate_linearly_or_in_steps_and_hold_outside():
    linear = PricePath(points=[(60, 100.0), (120, 200.0)])
    step = PricePath(points=[(60, 100.0), (120, 200.0)], interpolation="step")
    assert point_price(linear, 0) == 100.0 and point_price(linear, 1000) == 200.0
    assert point_price(linear, 90) == 150.0
    assert point_price(step, 90) == 100.0 and point_price(step, 120) == 200.0


def generated(correlation: float, seed: int = 7) -> Paths:
    data = with_change("correlation", correlation)
    walk = {
        "generated": {"start": 100, "volatility": 0.8, "jumps": {"rate": 5, "mean": -0.05, "stdev": 0.01}}
    }
    data["markets"] = {"DAI/USD": {"sources": {"fair": walk}}, "ETH/USD": {"sources": {"fair": walk}}}
    return Paths(parse_scenario(data), seed)


def returns(paths: Paths, market: str) -> list[float]:
    prices = [paths.price(market, "fair", t) for t in range(0, BASE_DURATION, paths.step)]
    return [math.log(b / a) for a, b in itertools.pairwise(prices)]


BASE_DURATION = parse_scenario(BASE).duration


def test_generated_paths_are_reproducible_by_seed():
    a, b, c = generated(0.5), generated(0.5), generated(0.5, seed=8)
    assert returns(a, "DAI/USD") == returns(b, "DAI/USD")
    assert returns(a, "DAI/USD") != returns(c, "DAI/USD")
    assert a.price("DAI/USD", "fair", 0) == 100


def correlation(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    cov = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y))


def test_markets_share_the_common_factor_as_correlated():
    near = generated(0.95)
    far = generated(0.0)
    assert correlation(returns(near, "DAI/USD"), returns(near, "ETH/USD")) > 0.8
    assert abs(correlation(returns(far, "DAI/USD"), returns(far, "ETH/USD"))) < 0.4


def test_trader_draws_are_uniform_or_log_uniform_within_their_range():
    import random

    from bulwark.sim.runner import draw
    from bulwark.sim.scenario import Range

    rng = random.Random(1)
    uniform = [draw(rng, Range(low=1, high=4, draw="uniform")) for _ in range(4000)]
    log_uniform = [draw(rng, Range(low=1, high=4)) for _ in range(4000)]
    assert min(uniform) >= 1 and max(uniform) <= 4 and min(log_uniform) >= 1 and max(log_uniform) <= 4
    assert abs(sum(uniform) / 4000 - 2.5) < 0.05  # mean of U(1, 4)
    assert abs(sum(log_uniform) / 4000 - 3 / math.log(4)) < 0.05  # mean of a log-uniform on [1, 4]: 2.16
