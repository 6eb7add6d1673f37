"""poke: quorum, reporter order and membership, the latency window, epochs, price bounds, median and
updatedAt. A batch is accepted whole or not at all."""

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from bulwark.invariants import ORA_01, ORA_02, ORA_03
from bulwark.model.oracle import EMPTY, OK
from bulwark.signing.approvals import SECP256K1_N
from bulwark.signing.reports import feed_id, reporter_test_keys, sign_report
from bulwark.units import HOUR
from tests.fixtures.oracle import CONFIG, FEED, usd
from tests.helpers import event, reverts

ZERO_ADDRESS = "0x" + "00" * 20


def signer_of(oracle, report) -> str:
    """The address the oracle recovers from `report` (price, observedAt, r, vs)."""
    price, observed_at, r, vs = report
    vs = int.from_bytes(vs, "big")
    v, s = 27 + (vs >> 255), vs & ((1 << 255) - 1)
    digest = bytes(oracle.reportDigest(oracle.nextEpoch(), price, observed_at))
    return Account._recover_hash(digest, vrs=(v, int.from_bytes(r, "big"), s))


# ---------------------------------------------------------------- quorum, order, membership


@pytest.mark.parametrize("count", [0, 2])
def test_poke_with_fewer_reports_than_quorum_reverts(helper, oracle, count):
    """A poke needs at least `quorum` reports; fewer are refused and nothing is served."""
    t = helper.now + 10
    with reverts(oracle.MedianOracleQuorumNotMet, reports=count, quorum=CONFIG.quorum):
        helper.poke([usd(2000)] * count, t)
    assert oracle.latest() == (0, 0, EMPTY)


def test_quorum_reports_are_enough(helper, oracle):
    """Exactly `quorum` reports from registered reporters are served, and anyone may poke."""
    t = helper.now + 10
    receipt = helper.poke([usd(2000)] * CONFIG.quorum, t)
    updated = event(receipt, "PriceUpdated")
    assert (updated.round, updated.price, updated.updatedAt, updated.reports) == (1, usd(2000), t, 3)
    assert oracle.latest() == (usd(2000), t, OK)


def test_reports_not_in_ascending_reporter_order_revert(helper, oracle):
    """Reports must be sorted by reporter address, strictly ascending."""
    t = helper.now + 10
    batch = helper.reports([usd(2000)] * 3, t)
    batch[0], batch[1] = batch[1], batch[0]
    helper.at(t)
    with reverts(
        oracle.MedianOracleReportersNotAscending,
        previous=helper.reporters[1],
        reporter=helper.reporters[0],
    ):
        oracle.poke(oracle.nextEpoch(), batch, sender=helper.keeper)
    assert oracle.latest() == (0, 0, EMPTY)


def test_a_reporter_counted_twice_in_one_poke_reverts(helper, oracle):
    """Two reports from one reporter (even with different prices and times) are refused."""
    t = helper.now + 10
    twice = [helper.sign(0, usd(2000), t - 1), helper.sign(0, usd(3000), t)]
    batch = [s.report.as_arg() for s in twice] + helper.reports([usd(2000)], t, indices=[1])
    helper.at(t)
    with reverts(oracle.MedianOracleDuplicateReporter, reporter=helper.reporters[0]):
        oracle.poke(oracle.nextEpoch(), batch, sender=helper.keeper)
    assert oracle.latest() == (0, 0, EMPTY), ORA_03


def test_a_report_with_a_high_s_recovers_no_reporter(helper, oracle):
    """An s above n / 2 is refused before ecrecover (OpenZeppelin's low-s rule): the report recovers
    the zero address, whatever the precompile would say (kills the high-s mutant, docs/MUTATION.md).
    In EIP-2098's compact form the true twin n - s of an honest signature almost never fits below the
    parity bit, so the test sends the lowest high s, n / 2 + 1."""
    t = helper.now + 10
    batch = [list(report) for report in helper.reports([usd(2000)] * 3, t)]
    parity = int.from_bytes(batch[0][3], "big") >> 255
    batch[0][3] = ((SECP256K1_N // 2 + 1) | (parity << 255)).to_bytes(32, "big")
    helper.at(t)
    with reverts(oracle.MedianOracleNotReporter, signer=ZERO_ADDRESS):
        oracle.poke(oracle.nextEpoch(), [tuple(r) for r in batch], sender=helper.keeper)
    assert oracle.latest() == (0, 0, EMPTY), ORA_03


def test_report_from_an_unregistered_signer_reverts(helper, oracle):
    """A valid signature from a key that is not a registered reporter counts for nothing."""
    t = helper.now + 10
    outsider_key = reporter_test_keys(6)[5]
    outsider = Account.from_key(outsider_key).address
    assert not oracle.isReporter(outsider)
    foreign = sign_report(
        outsider_key, helper.chain.chain_id, oracle.address, FEED, oracle.nextEpoch(), usd(2000), t
    )
    # first in the batch, so the ordering rule does not fire before the membership rule
    batch = [foreign.report.as_arg(), *helper.reports([usd(2000)] * 2, t)]
    helper.at(t)
    with reverts(oracle.MedianOracleNotReporter, signer=outsider):
        oracle.poke(oracle.nextEpoch(), batch, sender=helper.keeper)


@pytest.mark.parametrize(
    "domain",
    [{"chain_id": 1}, {"oracle": "0x000000000000000000000000000000000000dEaD"}, {"feed": feed_id("BTC/USD")}],
    ids=["other-chain", "other-oracle", "other-feed"],
)
def test_report_signed_for_another_chain_oracle_or_feed_recovers_a_stranger(helper, oracle, domain):
    """A registered reporter's signature over another domain or feed recovers some other address here,
    which is not a reporter."""
    t = helper.now + 10
    wrong = helper.sign(0, usd(2000), t, **domain).report.as_arg()
    recovered = signer_of(oracle, wrong)
    assert recovered not in helper.reporters
    batch = [wrong, *helper.reports([usd(2000)] * 2, t, indices=[1, 2])]
    helper.at(t)
    with reverts(oracle.MedianOracleNotReporter, signer=recovered):
        oracle.poke(oracle.nextEpoch(), batch, sender=helper.keeper)
    assert oracle.latest() == (0, 0, EMPTY)


def test_python_signing_matches_the_oracle_digest(helper, oracle):
    """bulwark.signing.reports signs exactly the digest the oracle recovers from."""
    t = helper.now + 10
    report = helper.sign(3, usd(1234), t).report.as_arg()
    assert signer_of(oracle, report) == helper.reporters[3]


# ---------------------------------------------------------------- latency window


def test_report_older_than_max_report_age_reverts_and_the_boundary_is_accepted(helper, oracle):
    """observedAt must be >= now - maxReportAge: one second older reverts, exactly that old is served."""
    t = helper.now + 2 * HOUR
    oldest = t - CONFIG.maxReportAge
    times = [t, oldest - 1, t]
    with reverts(
        oracle.MedianOracleReportTooOld,
        reporter=helper.reporters[1],
        observedAt=oldest - 1,
        oldestAllowed=oldest,
    ):
        helper.poke([usd(2000)] * 3, t, observed_at=times)
    receipt = helper.poke([usd(2000)] * 3, t, observed_at=[t, oldest, t])
    assert event(receipt, "PriceUpdated").updatedAt == oldest, ORA_02


def test_report_from_beyond_max_future_skew_reverts_and_the_boundary_is_accepted(helper, oracle):
    """observedAt must be <= now + maxFutureSkew: one second later reverts, exactly that far is served."""
    t = helper.now + 10
    newest = t + CONFIG.maxFutureSkew
    with reverts(
        oracle.MedianOracleReportFromFuture,
        reporter=helper.reporters[2],
        observedAt=newest + 1,
        latestAllowed=newest,
    ):
        helper.poke([usd(2000)] * 3, t, observed_at=[t, t, newest + 1])
    helper.poke([usd(2000)] * 3, t, observed_at=[t, t, newest])
    assert oracle.latest() == (usd(2000), t, OK), ORA_02


# ---------------------------------------------------------------- epochs


def test_the_same_reports_poked_again_do_nothing_and_do_not_revert(helper, oracle):
    """A report counts only for the epoch it was signed for: resubmitting the accepted batch is a no-op
    (no event, nothing served), so a keeper whose batch was relayed first still succeeds."""
    t = helper.now + 10
    epoch = oracle.nextEpoch()
    batch = helper.reports([usd(2000)] * 3, t, epoch=epoch)
    helper.at(t)
    oracle.poke(epoch, batch, sender=helper.keeper)
    helper.at(t + 30)
    receipt = oracle.poke(epoch, batch, sender=helper.keeper)
    assert not [e for e in receipt.events if e.event_name == "PriceUpdated"], ORA_03
    assert oracle.latest()[:2] == (usd(2000), t), ORA_03
    assert oracle.nextEpoch() == epoch + 1


@pytest.mark.parametrize("offset", [-1, 1], ids=["older-epoch", "future-epoch"])
def test_reports_signed_for_any_other_epoch_revert(helper, oracle, offset):
    """Reports for an epoch before the last accepted one, or after the next, never count."""
    helper.serve(usd(2000))
    helper.serve(usd(2001))
    expected = oracle.nextEpoch()
    wrong = expected - 2 if offset < 0 else expected + 1
    with reverts(oracle.MedianOracleWrongEpoch, epoch=wrong, expected=expected):
        helper.poke([usd(2002)] * 3, helper.now + 10, epoch=wrong)
    assert oracle.latest()[0] == usd(2001), ORA_03


def test_epoch_zero_is_never_a_no_op(helper, oracle):
    """Before any update, epoch 0 is not 'the epoch just accepted': it reverts."""
    with reverts(oracle.MedianOracleWrongEpoch, epoch=0, expected=1):
        helper.poke([usd(2000)] * 3, helper.now + 10, epoch=0)


def test_a_report_observed_before_the_latest_accepted_update_reverts(helper, oracle):
    """A relayer cannot serve data older than the latest accepted update, even with reports signed for
    the current epoch: observedAt must be >= the served updatedAt."""
    t = helper.serve(usd(2000))
    with reverts(
        oracle.MedianOracleReportTooOld, reporter=helper.reporters[1], observedAt=t - 1, oldestAllowed=t
    ):
        helper.poke([usd(2001)] * 3, t + 30, observed_at=[t + 30, t - 1, t + 30])
    helper.poke([usd(2001)] * 3, t + 30, observed_at=[t + 30, t, t + 30])
    assert oracle.latest()[:2] == (usd(2001), t), ORA_02


# ---------------------------------------------------------------- price bounds


@pytest.mark.parametrize("side", ["below-min", "above-max"])
def test_price_out_of_bounds_rejects_the_whole_batch(helper, oracle, side):
    """A price outside [minPrice, maxPrice] is rejected, never clamped: the served price stays and no
    epoch moves (there is no partial acceptance)."""
    t0 = helper.serve(usd(2000))
    before = oracle.nextEpoch()
    bad = CONFIG.minPrice - 1 if side == "below-min" else CONFIG.maxPrice + 1
    t = t0 + 60
    with reverts(
        oracle.MedianOraclePriceOutOfBounds,
        reporter=helper.reporters[4],
        price=bad,
        minPrice=CONFIG.minPrice,
        maxPrice=CONFIG.maxPrice,
    ):
        helper.poke([usd(2000)] * 4 + [bad], t)
    assert oracle.latest() == (usd(2000), t0, OK)
    assert oracle.nextEpoch() == before


def test_prices_exactly_at_the_bounds_are_accepted(helper, oracle):
    """minPrice and maxPrice themselves are inside the range (the first price is served unchecked by the
    breaker, which has no reference yet)."""
    t = helper.now + 10
    helper.poke([CONFIG.minPrice, CONFIG.minPrice, CONFIG.maxPrice], t)
    assert oracle.latest() == (CONFIG.minPrice, t, OK)


# ---------------------------------------------------------------- median and updatedAt


def test_median_of_an_odd_count_is_the_middle_price(helper, oracle):
    """Five reports, in reporter order unrelated to price order: the third-lowest price is served."""
    prices = [usd(2050), usd(1990), usd(2010), usd(2100), usd(2000)]
    t = helper.now + 10
    receipt = helper.poke(prices, t)
    updated = event(receipt, "PriceUpdated")
    assert (updated.price, updated.reports) == (usd(2010), 5)
    assert min(prices) <= oracle.latest()[0] <= max(prices), ORA_01


def test_median_of_an_even_count_is_the_floor_of_the_mean_of_the_two_middle_prices(helper, oracle):
    """Four reports: (2000e18 + (2000e18 + 1)) / 2 rounds down to 2000e18."""
    prices = [usd(2010), usd(2000) + 1, usd(1990), usd(2000)]
    t = helper.now + 10
    receipt = helper.poke(prices, t)
    assert event(receipt, "PriceUpdated").price == usd(2000)
    helper.poke([usd(2000) + 1, usd(2000) + 4, usd(1990), usd(2010)], t + 10)
    assert oracle.latest()[0] == usd(2000) + 2  # (2000e18 + 1 + 2000e18 + 4) // 2


@given(prices=st.lists(st.integers(CONFIG.minPrice, 10**4 * 10**18), min_size=3, max_size=5))
def test_median_matches_the_reference_and_lies_within_the_reports(helper, oracle, chain, prices):
    """For any 3-5 prices the served price is the middle one (or the floor of the two middle ones' mean),
    so it lies between the lowest and highest report."""
    ordered = sorted(prices)
    mid = len(ordered) // 2
    expected = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) // 2
    with chain.isolate():
        helper.poke(prices, helper.now + 10)
        served = oracle.latest()[0]
    assert served == expected
    assert ordered[0] <= served <= ordered[-1], ORA_01


def test_updated_at_is_the_oldest_observation(helper, oracle):
    """A price is no fresher than its oldest input."""
    t = helper.now + 2 * HOUR
    receipt = helper.poke([usd(2000)] * 3, t, observed_at=[t - 50, t + 30, t - 100])
    assert event(receipt, "PriceUpdated").updatedAt == t - 100
    assert oracle.latest() == (usd(2000), t - 100, OK)


def test_updated_at_is_capped_at_the_block_time(helper, oracle):
    """Reports all observed slightly ahead (within maxFutureSkew) still give updatedAt == the block time."""
    t = helper.now + 10
    receipt = helper.poke([usd(2000)] * 3, t, observed_at=[t + 10, t + 20, t + 60])
    assert event(receipt, "PriceUpdated").updatedAt == t
    assert oracle.read() == (usd(2000), t)
