"""The deployed suite end to end (bulwark.deploy from params/local.json, the PauseGuardian as the admin):
bad debt larger than the fund is owed by the market's other side and makes the market reduce-only, and
the guardian's timelocked operation lifts it; the books reconcile exactly throughout (ENG-01, ENG-07,
ENG-08, FND-01). The crash demo
(tests/integration/test_demo.py) walks the other flows: open, signed pokes, partial liquidation, the
breaker halting and resuming, bad debt covered."""

from __future__ import annotations

import pytest

from bulwark import PROJECT_ROOT
from bulwark.deploy import deploy_suite
from bulwark.invariants import ENG_01, ENG_02, ENG_07, ENG_08, FND_01
from bulwark.ledger import eng_01, eng_08
from bulwark.market import Clock, Venue
from bulwark.params import load_params
from bulwark.units import WAD, to_wad_nearest
from tests.fixtures.guardian import GuardianHelper
from tests.helpers import event, reverts

ETH = 0


@pytest.fixture(scope="module")
def venue(project, accounts, chain):
    params = load_params(PROJECT_ROOT / "params" / "local.json")
    suite = deploy_suite(project, accounts[0], params, local_accounts=accounts)
    return Venue(project, suite, chain, accounts[6], Clock(chain))


def test_bad_debt_beyond_the_fund_halts_new_risk_until_the_guardian_acts(venue, accounts, chain):
    suite, engine, token, fund = venue.suite, venue.engine, venue.suite.collateral, venue.suite.fund
    staker, alice, maker, keeper = accounts[0], accounts[7], accounts[8], accounts[9]
    unit = venue.unit
    for account in (staker, alice, maker, keeper):
        venue.onboard(account, 10**7)
    token.approve(fund, 2**256 - 1, sender=staker)
    fund.deposit(100 * unit, staker, sender=staker)  # a thin fund
    venue.poke(ETH, 2_000 * WAD)
    venue.deposit(alice, 2_500)
    venue.deposit(maker, 100_000)
    venue.deposit(keeper, 100_000)
    venue.fill(maker, alice, ETH, to_wad_nearest(10), 2_000 * WAD)
    for price in (1_850, 1_700, 1_560):  # within the oracle's 10% step: served, not held
        venue.poke(ETH, price * WAD)
    debt = 10 * 1_560 * WAD - (10 * 2_000 - 2_500) * WAD  # cash -17,500 + 15,600: equity -1,900
    assert venue.state(alice).equity == debt

    venue.clock.tick()
    receipt = engine.liquidate(alice, ETH, to_wad_nearest(10), sender=keeper)
    bad = event(receipt, "BadDebt")
    assert (bad.debt, bad.covered) == (-debt, 100 * WAD)
    assert fund.totalAssets() == token.balanceOf(fund) == 0, FND_01
    # the thin fund paid 100 of the debt (nothing was left for a bonus); the one short owes the rest
    assert event(receipt, "Liquidated").bonus == 0
    assert engine.lossOwed(maker, ETH) == -debt - 100 * WAD, ENG_07
    accounts_used = [alice, maker, keeper]
    assert eng_01(engine, token, accounts_used).ok, ENG_01
    assert eng_08(engine, token, accounts_used).ok, ENG_08
    assert sum(engine.position(a, ETH)[0] for a in accounts_used) == 0, ENG_02
    assert engine.market(ETH).reduceOnly

    venue.clock.tick()
    with reverts(engine.MarginEngineReduceOnly, market=ETH, account=alice):
        engine.fill((maker, alice, ETH, to_wad_nearest(1), 1_560 * WAD), sender=venue.operator)

    # the guardian acts: three signers schedule lifting reduce-only; it runs after the delay
    guardian = GuardianHelper(suite.guardian, suite.signers, chain, keeper)
    calls = [guardian.call(engine, "setReduceOnly", ETH, False)]
    venue.clock.tick()
    guardian.run(calls)
    assert not engine.market(ETH).reduceOnly
    venue.poke(ETH, 1_560 * WAD)  # two days passed: a fresh price first
    venue.deposit(alice, 1_000)
    venue.fill(maker, alice, ETH, to_wad_nearest(1), 1_560 * WAD)
    assert engine.position(alice, ETH)[0] == to_wad_nearest(1)
