"""The review's attacks on the oracle (issue 10), replayed against the demo's own parameter file
(params/local.json: seven reporters, quorum 5, faultTolerance 2): leaked reporter keys, a relayer with
no key holding old reports, hostile keys keeping the breaker tripped, and a relayer front-running a
keeper. Each used to succeed; each now fails in the way the interface promises."""

from __future__ import annotations

import pytest

from bulwark import PROJECT_ROOT
from bulwark.deploy import plan_market
from bulwark.invariants import ORA_02, ORA_03, ORA_05, ORA_07
from bulwark.model.oracle import OK, TRIPPED
from bulwark.params import load_params
from bulwark.signing.reports import sign_batch
from tests.fixtures.oracle import usd
from tests.helpers import ChainClock, event, reverts

PLAN = plan_market(load_params(PROJECT_ROOT / "params" / "local.json").markets[0])  # ETH/USD
CONFIG = PLAN.config
KEYS = list(PLAN.reporter_keys)
HOSTILE = KEYS[:2]  # two leaked keys: the declared tolerance
HONEST = KEYS[2:]


def test_the_demo_parameters_declare_two_hostile_keys():
    """params/local.json's ETH oracle: 7 reporters, quorum 5, faultTolerance 2 (ORA-05's rule holds)."""
    assert (len(PLAN.reporters), CONFIG.quorum, CONFIG.faultTolerance) == (7, 5, 2)


@pytest.fixture
def feed(project, guardian, chain, stranger):
    oracle = guardian.deploy(
        project.MedianOracle, guardian, PLAN.feed_id, PLAN.name, tuple(CONFIG), list(PLAN.reporters)
    )
    return Feed(oracle, chain, stranger)


class Feed(ChainClock):
    """The demo's ETH oracle with its seven test keys; `relayer` pokes."""

    def __init__(self, oracle, chain, relayer):
        super().__init__(chain)
        self.oracle, self.relayer = oracle, relayer

    def batch(self, keys, prices, observed_at, epoch=None):
        epoch = self.oracle.nextEpoch() if epoch is None else epoch
        return epoch, sign_batch(
            keys, self.chain.chain_id, self.oracle.address, PLAN.feed_id, epoch, prices, observed_at
        )

    def poke(self, signed, at):
        epoch, reports = signed
        self.at(at)
        return self.oracle.poke(epoch, reports, sender=self.relayer)

    def serve_honestly(self, price, at):
        self.poke(self.batch(HONEST, [price] * len(HONEST), at), at)


def test_two_leaked_keys_cannot_walk_the_price_below_every_honest_report(feed):
    """The drain: two hostile keys report far below, the relayer adds the fewest honest reports quorum
    allows, step after step. The median never leaves the honest range, so the price never moves and
    there is nothing to realise against the InsuranceFund (ORA-05)."""
    t = feed.now + 10
    feed.serve_honestly(usd(2000), t)
    for _ in range(5):
        t += 60
        honest = [usd(2000) - 2 * 10**18, usd(2000), usd(2000) + 2 * 10**18]  # noise of +-$2
        signed = feed.batch(HOSTILE + HONEST[:3], [usd(1820)] * 2 + honest, t)
        receipt = feed.poke(signed, t)
        served = event(receipt, "PriceUpdated").price
        assert min(honest) <= served <= max(honest), ORA_05
    assert feed.oracle.latest() == (usd(2000) - 2 * 10**18, t, OK), ORA_05


def test_a_relayer_without_keys_cannot_serve_reports_older_than_the_latest_update(feed):
    """The stale relay: a relayer holds unused honest reports (1,850) while the keeper serves live ones
    (1,550). Reports of an epoch already accepted never count again (ORA-03), and reports observed before
    the latest accepted update are too old whatever epoch they name (ORA-02)."""
    t0 = feed.now + 10
    held = feed.batch(HONEST, [usd(1850)] * len(HONEST), t0)  # signed for the next epoch, held back
    feed.serve_honestly(usd(1550), t0 + 60)  # the keeper's live batch takes that epoch
    epoch, reports = held
    # the held batch names the epoch just accepted: it does nothing
    feed.at(t0 + 120)
    receipt = feed.oracle.poke(epoch, reports, sender=feed.relayer)
    assert not [e for e in receipt.events if e.event_name == "PriceUpdated"], ORA_03
    assert feed.oracle.latest()[:2] == (usd(1550), t0 + 60), ORA_03
    # re-signed for the current epoch, reports observed before the latest update are too old
    stale = feed.batch(HONEST, [usd(1850)] * len(HONEST), t0)
    with reverts(feed.oracle.MedianOracleReportTooOld, observedAt=t0, oldestAllowed=t0 + 60):  # ORA-02
        feed.poke(stale, t0 + 180)
    assert feed.oracle.latest()[:2] == (usd(1550), t0 + 60), ORA_02
    # once a later epoch is accepted, the held batch names a past epoch and reverts
    feed.serve_honestly(usd(1552), t0 + 240)
    with reverts(feed.oracle.MedianOracleWrongEpoch, epoch=epoch, expected=epoch + 2):
        feed.poke(held, t0 + 300)
    assert feed.oracle.latest()[0] == usd(1552), ORA_03


def test_a_keeper_front_run_with_its_own_reports_still_succeeds(feed):
    """The keeper's batch (all seven reports) is copied and relayed first with the lowest five: the
    served price comes from the same update's honest reports, and the keeper's own poke succeeds as a
    no-op instead of reverting (ORA-03)."""
    t = feed.now + 10
    prices = [usd(1549), usd(1550), usd(1550), usd(1551), usd(1552), usd(1553), usd(1554)]
    epoch, keeper_batch = feed.batch(KEYS, prices, t)
    lowest = sorted(range(7), key=lambda i: prices[i])[:5]
    front = feed.batch([KEYS[i] for i in lowest], [prices[i] for i in lowest], t, epoch)
    feed.poke(front, t)
    served = feed.oracle.latest()[0]
    assert min(prices) <= served <= max(prices), ORA_05
    receipt = feed.oracle.poke(epoch, keeper_batch, sender=feed.relayer)
    assert receipt.status == 1
    assert feed.oracle.latest()[0] == served


def test_two_hostile_keys_cannot_keep_the_breaker_tripped_after_a_genuine_move(feed):
    """After a genuine 15% fall, two hostile keys report far-away prices in every poke to restart the
    wait; with faultTolerance 2 the median follows the honest level, which holds, and read() resumes at
    the first honest update confirmDelay after the trip (ORA-07)."""
    t0 = feed.now + 10
    feed.serve_honestly(usd(2000), t0)
    t1 = t0 + 60
    feed.poke(feed.batch(HOSTILE + HONEST[:3], [usd(3000), usd(1000)] + [usd(1700)] * 3, t1), t1)
    assert feed.oracle.latest()[2] == TRIPPED
    for k, far in enumerate([usd(900), usd(4000), usd(1000)], start=1):
        t = t1 + 150 * k
        feed.poke(feed.batch(HOSTILE + HONEST[:3], [far, far] + [usd(1700)] * 3, t), t)
        assert feed.oracle.breaker()[4:] == (usd(1700), t1), ORA_07
    t = t1 + CONFIG.confirmDelay
    feed.poke(feed.batch(HOSTILE + HONEST[:3], [usd(900), usd(900)] + [usd(1701)] * 3, t), t)
    assert feed.oracle.read() == (usd(1701), t), ORA_07


def test_three_leaked_keys_are_beyond_the_bound_and_choose_the_median(feed):
    """f + 1 = 3 keys with the two honest reports quorum still needs: the median is hostile, below every
    honest report (the bound is tight); the breaker still caps each step at maxDeviation."""
    t = feed.now + 10
    feed.serve_honestly(usd(2000), t)
    hostile = KEYS[:3]
    honest = [usd(2000), usd(2001)]
    receipt = feed.poke(feed.batch(hostile + HONEST[1:3], [usd(1820)] * 3 + honest, t + 60), t + 60)
    assert event(receipt, "PriceUpdated").price == usd(1820) < min(honest)
