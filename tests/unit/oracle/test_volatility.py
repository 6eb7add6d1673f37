"""The EWMA volatility estimate against a Python reference of the documented formula.

On each served update with dt = updatedAt - previous updatedAt > 0: r = |p1 - p0| / p0, the per-second
variance v = r^2 / dt, var += (v - var) * dt / (dt + tau); annualised = sqrt(var * 365 days), in WAD.
"""

import math

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import event

from .conftest import CONFIG, WAD, usd

YEAR = 365 * 86_400
UINT64_MAX = 2**64 - 1


class VolatilityReference:
    """The documented rule in Python integers, rounded exactly as the contract rounds: Math.mulDiv and
    `/` floor, Math.sqrt floors, the variance saturates at uint64 max. A served update whose updatedAt is
    not later than the previous one leaves the variance as it is but still becomes the reference."""

    def __init__(self, tau: int):
        self.tau = tau
        self.variance = 0  # [wad per s]
        self.last: tuple[int, int] | None = None  # (price, updatedAt) served last

    def serve(self, price: int, updated_at: int) -> int:
        if self.last is not None and updated_at > self.last[1]:
            p0, u0 = self.last
            dt = updated_at - u0
            r = abs(price - p0) * WAD // p0
            sample = r * r // WAD // dt
            step = dt + self.tau
            if sample >= self.variance:
                self.variance += (sample - self.variance) * dt // step
            else:
                self.variance -= (self.variance - sample) * dt // step
            self.variance = min(self.variance, UINT64_MAX)
        self.last = (price, updated_at)
        return self.annualised

    @property
    def annualised(self) -> int:
        return math.isqrt(self.variance * YEAR * WAD)


def float_annualised(points, tau) -> float:
    """The same formula in floating point, without any rounding: a check on units, not on wei."""
    variance, last = 0.0, None
    for price, updated_at in points:
        if last is not None and updated_at > last[1]:
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
    """Served pokes at known times and prices (rises, falls, an unchanged price, a poke whose updatedAt
    does not advance, a month-long gap): annualisedVolatility() and every PriceUpdated event equal the
    integer reference exactly (tolerance 0 wei), and the unrounded float formula to 1e-9 relative."""
    reference = VolatilityReference(CONFIG.volatilityTau)
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
    assert u == t + 10_860  # same updatedAt as the previous update: dt = 0, variance unchanged
    poke(usd(1960), t + 11_500)  # dt counted from the served updatedAt
    poke(usd(1960), t + 13_300)  # no move: the estimate decays
    poke(usd(2100), t + 13_300 + 30 * 86_400)  # a month later, +7.1%
    assert reference.annualised > 0
    assert math.isclose(
        oracle.annualisedVolatility() / WAD, float_annualised(served, CONFIG.volatilityTau), rel_tol=1e-9
    )


@given(
    steps=st.lists(
        st.tuples(st.integers(1, 2 * 86_400), st.integers(-999, 1000)),  # (dt [s], move [bp])
        min_size=1,
        max_size=5,
    )
)
def test_volatility_matches_the_reference_for_any_served_moves(helper, oracle, chain, steps):
    """Any sequence of served moves within maxDeviation at any spacing: exact to the wei (tolerance 0)."""
    reference = VolatilityReference(CONFIG.volatilityTau)
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


def test_guardian_accepted_candidate_moves_the_estimate_and_it_saturates(helper, oracle, guardian):
    """clearBreaker(true) is a served update too (dt = candidateAt - updatedAt); a minPrice -> maxPrice
    jump in one second saturates the variance at uint64 max instead of overflowing."""
    reference = VolatilityReference(CONFIG.volatilityTau)
    t0 = helper.serve(CONFIG.minPrice)
    reference.serve(CONFIG.minPrice, t0)
    helper.serve(CONFIG.maxPrice, t0 + 1)
    assert oracle.breaker()[0]
    helper.at(t0 + 2)
    receipt = oracle.clearBreaker(True, sender=guardian)
    expected = reference.serve(CONFIG.maxPrice, t0 + 1)
    assert reference.variance == UINT64_MAX
    assert event(receipt, "PriceUpdated").annualisedVolatility == expected
    assert oracle.annualisedVolatility() == expected == math.isqrt(UINT64_MAX * YEAR * WAD)
