"""Reads: latest() never reverts and says why a price is not served; read() and latestRoundData() serve
only a fresh, untripped price while reads are live; the AggregatorV3Interface surface."""

import pytest

from bulwark.abi.scopes import OracleScope
from bulwark.invariants import ORA_04
from bulwark.model.oracle import DESCRIPTION, EMPTY, OK, PAUSED, STALE
from tests.fixtures.oracle import CONFIG, FEED, usd
from tests.helpers import reverts, view_reverts


def test_before_any_price_latest_says_empty_and_reads_revert(oracle):
    """No price yet: latest() returns zeros with status Empty; read() and latestRoundData() revert."""
    assert oracle.latest() == (0, 0, EMPTY)
    view_reverts(oracle.MedianOracleNoPrice, oracle.read)
    view_reverts(oracle.MedianOracleNoPrice, oracle.latestRoundData)
    view_reverts(oracle.MedianOracleRoundUnavailable, oracle.getRoundData, 0, oldestRound=0, latestRound=0)


def test_a_fresh_price_is_served_everywhere(helper, oracle):
    """Status Ok; read() and latestRoundData() agree on price and time; the round counts served updates."""
    t = helper.serve(usd(2000))
    assert oracle.latest() == (usd(2000), t, OK)
    assert oracle.read() == (usd(2000), t)
    assert oracle.latestRoundData() == (1, usd(2000), t, t, 1)
    t2 = helper.serve(usd(2010), t + 60)
    assert oracle.latestRoundData() == (2, usd(2010), t2, t2, 2)


def test_price_exactly_max_staleness_old_is_served_and_one_second_older_reverts(helper, oracle):
    """Age is measured from updatedAt (the oldest observation), inclusive at maxStaleness."""
    t = helper.now + 2 * 3600
    helper.poke([usd(2000)] * 3, t, observed_at=[t - 100, t, t])
    updated = t - 100
    helper.mine_at(updated + CONFIG.maxStaleness)
    assert oracle.read() == (usd(2000), updated), ORA_04
    assert oracle.latest() == (usd(2000), updated, OK)
    helper.mine_at(updated + CONFIG.maxStaleness + 1)
    assert oracle.latest() == (usd(2000), updated, STALE)
    age = CONFIG.maxStaleness + 1
    view_reverts(oracle.MedianOracleStale, oracle.read, age=age, maxStaleness=CONFIG.maxStaleness)
    view_reverts(oracle.MedianOracleStale, oracle.latestRoundData, age=age, maxStaleness=CONFIG.maxStaleness)


def test_a_fresh_poke_makes_a_stale_price_servable_again(helper, oracle):
    """Staleness is a state of the served price, not a latch."""
    t = helper.serve(usd(2000))
    t2 = helper.serve(usd(2000), t + CONFIG.maxStaleness + 100)
    assert oracle.latest() == (usd(2000), t2, OK)
    assert oracle.read() == (usd(2000), t2), ORA_04


def test_paused_reads_revert_but_latest_still_reports(helper, oracle, guardian):
    """With SCOPE_READ paused, read() and latestRoundData() revert with the scope and expiry; latest()
    returns the price with status Paused; at the expiry reads are live again."""
    t = helper.serve(usd(2000))
    until = t + 600
    helper.at(t + 1)
    oracle.setPause(OracleScope.READ, until, sender=guardian)
    assert oracle.latest() == (usd(2000), t, PAUSED)
    view_reverts(oracle.GuardedPaused, oracle.read, scope=OracleScope.READ, pausedUntil=until)
    view_reverts(oracle.GuardedPaused, oracle.latestRoundData, scope=OracleScope.READ, pausedUntil=until)
    helper.serve(usd(2001), t + 2)  # pokes go on while reads are paused
    helper.mine_at(until)
    assert oracle.latest() == (usd(2001), t + 2, OK)
    assert oracle.read() == (usd(2001), t + 2)


def test_paused_pokes_revert_with_scope_and_expiry(helper, oracle, guardian):
    """With SCOPE_POKE paused nothing is accepted; reads keep serving the last price."""
    t = helper.serve(usd(2000))
    until = t + 600
    helper.at(t + 1)
    oracle.setPause(OracleScope.POKE, until, sender=guardian)
    with reverts(oracle.GuardedPaused, scope=OracleScope.POKE, pausedUntil=until):
        helper.poke([usd(2001)] * 3, t + 10)
    assert oracle.read() == (usd(2000), t)
    helper.serve(usd(2001), until)
    assert oracle.read() == (usd(2001), until)


def test_aggregator_metadata(oracle, guardian):
    """decimals() is 18 (WAD), version() 1, description() the deployment's; the feed id, the reporter
    limit, the guardian and the configuration are readable."""
    assert oracle.decimals() == 18
    assert oracle.version() == 1
    assert oracle.description() == DESCRIPTION
    assert oracle.FEED_ID() == FEED
    assert oracle.MAX_REPORTERS() == 32
    assert oracle.GUARDIAN() == guardian.address
    assert oracle.config() == tuple(CONFIG)
    assert oracle.pauseScopes() == OracleScope.POKE | OracleScope.READ


@pytest.mark.parametrize("round_id", [0, 3, 2**80 - 1])
def test_rounds_never_served_are_unavailable(helper, oracle, round_id):
    """getRoundData(latest) equals latestRoundData(), the previous round is kept, any round not served
    reverts with the kept range."""
    t = helper.serve(usd(2000))
    helper.serve(usd(2010), t + 60)
    assert oracle.getRoundData(2) == oracle.latestRoundData() == (2, usd(2010), t + 60, t + 60, 2)
    assert oracle.getRoundData(1) == (1, usd(2000), t, t, 1)
    view_reverts(
        oracle.MedianOracleRoundUnavailable,
        oracle.getRoundData,
        round_id,
        roundId=round_id,
        oldestRound=1,
        latestRound=2,
    )
