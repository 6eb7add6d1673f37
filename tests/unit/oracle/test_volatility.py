"""The interval-sampled EWMA volatility estimate against bulwark.model.oracle.Volatility (ORA-06).

A served update is a sample only if its updatedAt is at least volatilityInterval after the previous
sample's; then with dt the gap and r = |p1 - p0| / p0 between the two samples, v = r^2 / dt and
var += (v - var) * dt / (dt + tau); annualised = sqrt(var * 365 days), in WAD.
"""

import math

from hypothesis import given
from hypothesis import strategies as st

from bulwark.invariants import ORA_06
from bulwark.model.oracle import UINT64_MAX, Volatility, annualise
from bulwark.units import WAD, YEAR
from tests.fixtures.oracle import CONFIG, usd
from tests.helpers import event


class VolatilityReference(Volatility):
    """The model, fed the oracle's config."""

    def serve(self, price: int, updated_at: int) -> int:
        self.observe(price, updated_at, CONFIG.volatilityInterval, CONFIG.volatilityTau)
        return self.annualised

    @property
    def annualised(self) -> int:
        return annualise(self.variance)


def float_annualised(points, tau, interval) -> float:
    """The same formula in floating point, without any rounding: a check on units, not on wei."""
    variance, last = 0.0, None
    for price, updated_at in points:
        if last is None:
            last = (price, updated_at)
        elif updated_at >= last[1] + interval:
            dt = updated_at - last[1]
            v = ((price - last[0]) / last[0]) ** 2 / dt
            variance += (v - variance) * dt / (dt + tau)
            last = (price, updated_at)
    return math.sqrt(variance * YEAR)


def test_no_volatility_before_a_second_served_update(helper, oracle):
    """The first price has nothing to be compared with."""
    assert oracle.annualisedVolatility() == 0
    helper.serve(usd(2000))
    assert oracle.annualisedVolatility() == 0


def test_volatility_matches_the_reference_exactly_over_a_sequence(helper, oracle):
    """Served pokes at known times and prices (rises, falls, an unchanged price, updates faster than the
    interval, a month-long gap): annualisedVolatility() and every PriceUpdated event equal the integer
    model exactly (tolerance 0 wei), and the unrounded float formula to 1e-9 relative."""
    reference = VolatilityReference()
    t = helper.now + 2 * 3600
    served = []

    def poke(price, at, observed_at=None, indices=None):
        receipt = helper.poke([price] * 3, at, observed_at=observed_at, indices=indices)
        updated = event(receipt, "PriceUpdated")
        served.append((price, updated.updatedAt))
        assert updated.annualisedVolatility == reference.serve(price, updated.updatedAt)
        assert oracle.annualisedVolatility() == reference.annualised
        return updated.updatedAt

    u = poke(usd(2000), t)
    poke(usd(2100), t + 3600)  # +5% in an hour
    u = poke(usd(2050) + 123_456_789, t + 3660)  # -2.4% in a minute, odd wei
    poke(usd(1900), t + 10_860)  # -7.3% in two hours
    u = poke(usd(1905), t + 10_900, observed_at=[t + 10_860, t + 10_860, t + 10_900], indices=[3, 4, 0])
    assert u == t + 10_860  # same updatedAt as the previous update: no sample, variance unchanged
    poke(usd(1990), t + 11_000)  # 140 s after the sample: faster than the interval, no sample
    poke(usd(1960), t + 11_500)  # dt counted from the last sample
    poke(usd(1960), t + 13_300)  # no move: the estimate decays
    poke(usd(2100), t + 13_300 + 30 * 86_400)  # a month later, +7.1%
    assert reference.annualised > 0
    assert math.isclose(
        oracle.annualisedVolatility() / WAD,
        float_annualised(served, CONFIG.volatilityTau, CONFIG.volatilityInterval),
        rel_tol=1e-9,
    )


@given(
    steps=st.lists(
        st.tuples(st.integers(1, 2 * 86_400), st.integers(-999, 1000)),  # (dt [s], move [bp])
        min_size=1,
        max_size=5,
    )
)
def test_volatility_matches_the_reference_for_any_served_moves(helper, oracle, chain, steps):
    """Any sequence of served moves within maxDeviation at any spacing, faster or slower than the
    interval: exact to the wei (tolerance 0)."""
    reference = VolatilityReference()
    with chain.isolate():
        t, price = helper.now + 10, usd(2000)
        helper.serve(price, t)
        reference.serve(price, t)
        for dt, move in steps:
            t, price = t + dt, price * (10_000 + move) // 10_000
            helper.serve(price, t)
            reference.serve(price, t)
        assert oracle.latest()[:2] == (price, t)  # every step was served, none tripped the breaker
        assert oracle.annualisedVolatility() == reference.annualised


def test_eighteen_pokes_in_180_seconds_move_the_estimate_by_at_most_one_sample(helper, oracle):
    """The review's pump: 18 served pokes within 180 s, each +-9.5% (inside maxDeviation), ending where
    they started, used to push the estimate to ~766%/year. Now at most one of them is a sample (the
    interval is 300 s), so the variance grows by at most r^2 / (interval + tau) for the largest move r
    between the last sample and any poke of the burst (ORA-06)."""
    reference = VolatilityReference()
    t0 = helper.serve(usd(2000))
    reference.serve(usd(2000), t0)
    t = t0 + CONFIG.volatilityInterval - 60  # the burst straddles the next sampling time
    before = reference.variance
    prices = [usd(2190) if k % 2 == 0 else usd(2000) for k in range(18)]
    for k, price in enumerate(prices):
        helper.serve(price, t + 10 * k)
        reference.serve(price, t + 10 * k)
    r = (usd(2190) - usd(2000)) * WAD // usd(2000)
    bound = Volatility.one_sample_bound(r * r // WAD, CONFIG.volatilityInterval, CONFIG.volatilityTau)
    variance = oracle.annualisedVolatility() ** 2 // (YEAR * WAD)  # back from annualised, rounded down
    assert variance <= before + bound, ORA_06
    assert oracle.annualisedVolatility() == reference.annualised, ORA_06
    # the old per-update rule on the same path: sum of r^2 / (dt + tau) over 17 moves
    unsampled = sum((r * r // WAD) // (10 + CONFIG.volatilityTau) for _ in range(17))
    assert annualise(unsampled) > 5 * WAD  # > 500%/year then
    assert oracle.annualisedVolatility() < 2 * WAD, ORA_06  # < 200%/year now (one 9.5% sample)


def test_guardian_accepted_candidate_moves_the_estimate_and_it_saturates(helper, oracle, guardian):
    """clearBreaker(true) is a served update too (sampled like any other); a minPrice -> maxPrice jump
    one interval later saturates the variance at uint64 max instead of overflowing."""
    reference = VolatilityReference()
    t0 = helper.serve(CONFIG.minPrice)
    reference.serve(CONFIG.minPrice, t0)
    t1 = t0 + CONFIG.volatilityInterval
    helper.serve(CONFIG.maxPrice, t1)
    assert oracle.breaker()[0]
    helper.at(t1 + 2)
    receipt = oracle.clearBreaker(True, sender=guardian)
    expected = reference.serve(CONFIG.maxPrice, t1)
    assert reference.variance == UINT64_MAX
    assert event(receipt, "PriceUpdated").annualisedVolatility == expected
    assert oracle.annualisedVolatility() == expected == math.isqrt(UINT64_MAX * YEAR * WAD)
