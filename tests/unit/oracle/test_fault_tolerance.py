"""ORA-05's bound and its tightness: quorum 3 tolerates faultTolerance f = 1 hostile key. With one hostile
key in a batch, whichever subset a relayer picks, the accepted median lies between the lowest and highest
honest report of that batch; with f + 1 = 2 hostile keys (and f = 1 honest report) the keys choose the
median, and can walk the served price away from every honest report by up to maxDeviation per update
(the breaker bounds the step, not the direction)."""

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from bulwark.invariants import ORA_01, ORA_05
from bulwark.model.oracle import OK, REPORTERS, median, within
from tests.fixtures.oracle import CONFIG, usd

HONEST_PRICE = usd(2000)


def accepted_median(oracle) -> int:
    """The median the last poke was accepted with: the served price, or the candidate it is held as."""
    tripped, candidate, *_ = oracle.breaker()
    return candidate if tripped else oracle.latest()[0]


def test_two_hostile_keys_push_the_median_below_every_honest_report_and_walk_it(helper, oracle):
    """f + 1 = 2 hostile keys (reporters 0 and 1) with one honest report (reporter 2, always 2,000): each
    update the keys sign 9% below the served price, inside maxDeviation, so the breaker serves it. The
    served price is below every honest report from the first such update on, and after four updates it
    has walked to ~1,371, 31% below the honest price: the bound is tight."""
    t = helper.serve(HONEST_PRICE)  # honest reporters 0-2
    honest = [HONEST_PRICE] * (REPORTERS - 2)  # what reporters 2, 3 and 4 observe, every time
    served = HONEST_PRICE
    for step in range(4):
        hostile = served * 91 // 100
        t += 60
        helper.poke([hostile, hostile, HONEST_PRICE], t, indices=[0, 1, 2])
        price, updated_at, status = oracle.latest()
        assert (price, updated_at, status) == (hostile, t, OK), f"update {step} was not served"
        assert within(price, served, CONFIG.maxDeviation)  # the breaker bounded the step ...
        assert price < min(honest)  # ... not the direction: below every honest report
        served = price
    assert served < HONEST_PRICE * 69 // 100


def test_one_hostile_key_never_moves_the_median_outside_the_honest_range_for_any_subset(
    helper, oracle, chain
):
    """f = 1: reporter 0 is hostile and signs minPrice or maxPrice; honest reporters 1-4 report 1,990,
    2,000, 2,010 and 2,020. For every subset of at least quorum - 1 honest reports the relayer joins it
    with, the median lies between the lowest and highest honest report of the batch (ORA-05), and so it is
    served (the breaker measures it against the served 2,000)."""
    honest = {1: usd(1990), 2: usd(2000), 3: usd(2010), 4: usd(2020)}
    t0 = helper.serve(HONEST_PRICE)
    for hostile in (CONFIG.minPrice, CONFIG.maxPrice):
        for size in range(CONFIG.quorum - 1, len(honest) + 1):
            for chosen in combinations(sorted(honest), size):
                with chain.isolate():
                    prices = [hostile] + [honest[i] for i in chosen]
                    helper.poke(prices, t0 + 60, indices=[0, *chosen])
                    low, high = min(honest[i] for i in chosen), max(honest[i] for i in chosen)
                    price = accepted_median(oracle)
                    assert price == median(prices), ORA_01
                    assert low <= price <= high, ORA_05
                    assert oracle.latest()[2] == OK, ORA_05


@given(
    hostile=st.sampled_from(range(REPORTERS)),
    hostile_price=st.one_of(
        st.sampled_from([CONFIG.minPrice, CONFIG.maxPrice]),
        st.integers(CONFIG.minPrice, CONFIG.maxPrice),
        st.integers(-5_000, 5_000).map(lambda bps: HONEST_PRICE * (10_000 + bps) // 10_000),
    ),
    noise=st.lists(st.integers(-1_500, 1_500), min_size=REPORTERS, max_size=REPORTERS),
    left_out=st.sets(st.integers(0, REPORTERS - 1), max_size=REPORTERS - CONFIG.quorum),
)
def test_with_at_most_f_hostile_keys_the_median_lies_within_the_honest_reports(
    helper, oracle, chain, hostile, hostile_price, noise, left_out
):
    """One poke after a served 2,000: honest reporters report 2,000 +-15% (noise in bp), the hostile key
    anything in [minPrice, maxPrice], and the relayer drops up to two reports but keeps the hostile one.
    Served or held by the breaker, the median lies between the lowest and highest honest report (ORA-05)
    and within the whole batch (ORA-01)."""
    indices = [i for i in range(REPORTERS) if i == hostile or i not in left_out]
    prices = [
        hostile_price if i == hostile else HONEST_PRICE * (10_000 + noise[i]) // 10_000 for i in indices
    ]
    honest = [p for i, p in zip(indices, prices, strict=True) if i != hostile]
    with chain.isolate():
        t0 = helper.serve(HONEST_PRICE)
        helper.poke(prices, t0 + 60, indices=indices)
        price = accepted_median(oracle)
        assert price == median(prices)
        assert min(prices) <= price <= max(prices), ORA_01
        assert min(honest) <= price <= max(honest), ORA_05
