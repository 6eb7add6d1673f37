"""The review's fund drain, replayed on the suite deployed from params/local.json: an attacker holds two
leaked reporter keys and two trading accounts, opens a position between them, relays pokes with its two
keys and the fewest honest reports quorum allows to walk the price down, and would liquidate its own
long into bad debt the InsuranceFund pays while its short withdraws the profit. With the declared
tolerance of two hostile keys (7 reporters, quorum 5) the served price stays within the honest reports,
the long never becomes liquidatable, and the fund pays nothing (ORA-05, FND-01)."""

from __future__ import annotations

import pytest

from bulwark import PROJECT_ROOT
from bulwark.deploy import deploy_suite
from bulwark.invariants import FND_01, ORA_05
from bulwark.market import Clock, Venue
from bulwark.params import load_params
from bulwark.signing.reports import sign_batch
from bulwark.units import WAD, to_wad_nearest
from tests.helpers import reverts

ETH = 0
STEPS = 5
STEP = 91 * WAD // 100  # each hostile print 9% below the last: inside the breaker's 10%


@pytest.fixture(scope="module")
def venue(project, accounts, chain):
    params = load_params(PROJECT_ROOT / "params" / "local.json")
    suite = deploy_suite(project, accounts[0], params, local_accounts=accounts)
    return Venue(project, suite, chain, accounts[6], Clock(chain))


def test_two_leaked_keys_cannot_drain_the_fund_through_a_wash_position(venue, accounts):
    suite, engine, token, fund = venue.suite, venue.engine, venue.suite.collateral, venue.suite.fund
    staker, long, short, keeper = accounts[0], accounts[7], accounts[8], accounts[9]
    plan, oracle = suite.plan.markets[ETH], suite.oracles[ETH]
    hostile, honest = plan.reporter_keys[:2], plan.reporter_keys[2:]
    assert len(hostile) == plan.config.faultTolerance, ORA_05
    unit = venue.unit
    for account in (staker, long, short, keeper):
        venue.onboard(account, 10**7)
    token.approve(fund, 2**256 - 1, sender=staker)
    fund.deposit(20_000 * unit, staker, sender=staker)
    fund_before = fund.totalAssets()
    venue.poke(ETH, 2_000 * WAD)
    venue.deposit(long, 2_500)
    venue.deposit(short, 10_000)
    venue.fill(short, long, ETH, to_wad_nearest(10), 2_000 * WAD)  # the attacker trades with itself

    target = 2_000 * WAD
    for _ in range(STEPS):
        target = target * STEP // WAD
        at = venue.clock.tick(60)
        live = [2_000 * WAD - WAD, 2_000 * WAD, 2_000 * WAD + WAD]  # what honest reporters see
        epoch = oracle.nextEpoch()
        keys, prices = [*hostile, *honest[:3]], [target, target, *live]
        batch = sign_batch(keys, venue.chain.chain_id, oracle.address, plan.feed_id, epoch, prices, at)
        oracle.poke(epoch, batch, sender=short)
        served = oracle.latest()[0]
        assert min(live) <= served <= max(live), ORA_05
    assert target < 1_250 * WAD  # the walk the attacker asked for: -37%

    state = venue.state(long)
    venue.clock.tick()
    with reverts(engine.MarginEngineNotLiquidatable, account=long):
        engine.liquidate(long, ETH, to_wad_nearest(10), sender=keeper)
    assert state.equity > state.maintenance_margin
    assert fund.totalAssets() == fund_before == token.balanceOf(fund), FND_01
    # the short has no profit to take: withdrawing more than it put in fails on its margin
    venue.clock.tick()
    with reverts(engine.MarginEngineInsufficientMargin, account=short):
        engine.withdraw(10_001 * unit, short, sender=short)
