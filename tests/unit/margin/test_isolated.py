"""MarginEngine isolated markets: a market listed with its own InsuranceFund is held only by a subaccount
that holds nothing else; its bad debt is covered by its own fund and then shared with its own other side,
and its fees go to its own fund. The shared fund, the shared fee pool and other markets' accounts never pay
for it (ENG-10)."""

from __future__ import annotations

import pytest

from bulwark.invariants import ENG_01, ENG_10, GRD_04
from bulwark.model.engine_book import ETH, RISK
from bulwark.units import WAD, to_wad_down
from tests.fixtures.fund import deploy_fund
from tests.fixtures.margin import MarginHelper, books, deploy_oracle
from tests.helpers import event, reverts

THIN = 2  # the isolated market's id
MAX = 2**256 - 1


@pytest.fixture(scope="module")
def own_fund(project, guardian, token, accounts):
    """The isolated market's own fund: 10,000 staked, at most 1,000 out per window (PARAMS)."""
    own = deploy_fund(project, guardian, token)
    staker = accounts[5]
    token.approve(own, MAX, sender=staker)
    own.deposit(10_000 * 10 ** token.decimals(), staker, sender=staker)
    return own


@pytest.fixture(scope="module")
def thin(project, guardian, engine, own_fund):
    """A thin market, THIN, priced by its own oracle, isolated with its own fund."""
    oracle = deploy_oracle(project, guardian, "MNGO/USD")
    receipt = engine.addIsolatedMarket(oracle, RISK.as_tuple(), own_fund, sender=guardian)
    own_fund.setEngine(engine, True, sender=guardian)
    return oracle, receipt


@pytest.fixture
def iso(engine, token, oracles, operator, chain, thin, traders, liquidator) -> MarginHelper:
    """The helper over all three markets, MNGO at 10; every trader, the liquidator and their subaccount 1
    funded with 100,000."""
    helper = MarginHelper(engine, token, [*oracles, thin[0]], operator, chain)
    helper.set_prices({0: 2_000 * WAD, 1: 30_000 * WAD, THIN: 10 * WAD})
    for account in (*traders, liquidator):
        helper.deposit(account, 100_000)
        engine.depositTo(1, 100_000 * helper.unit, sender=account)
    return helper


def test_the_guardian_lists_an_isolated_market_with_its_own_fund(
    project, engine, fund, own_fund, thin, token, guardian, stranger, oracles
):
    oracle, receipt = thin
    log = event(receipt, "MarketIsolated")
    assert (log.market, log.fund) == (THIN, own_fund.address)
    assert event(receipt, "MarketAdded").market == THIN
    assert [engine.isIsolated(m) for m in range(3)] == [False, False, True]
    assert (engine.market(THIN).fund, engine.market(ETH).fund) == (own_fund.address, fund.address)
    assert token.allowance(engine, own_fund) == MAX  # sweepMarketFees pays it
    with reverts(engine.GuardedNotGuardian, caller=stranger, guardian=guardian):
        engine.addIsolatedMarket(
            oracle, RISK.as_tuple(), deploy_fund(project, guardian, token), sender=stranger
        )
    with reverts(engine.MarginEngineZeroAddress):
        engine.addIsolatedMarket(oracle, RISK.as_tuple(), "0x" + "00" * 20, sender=guardian)
    with reverts(engine.MarginEngineFundInUse, fund=fund, market=MAX):
        engine.addIsolatedMarket(oracle, RISK.as_tuple(), fund, sender=guardian)
    with reverts(engine.MarginEngineFundInUse, fund=own_fund, market=THIN):
        engine.addIsolatedMarket(oracle, RISK.as_tuple(), own_fund, sender=guardian)
    other = guardian.deploy(project.MockERC20, "Other", "O", 6)
    foreign = deploy_fund(project, guardian, other)
    with reverts(engine.MarginEngineFundAsset, fund=foreign, asset=other, collateral=token):
        engine.addIsolatedMarket(oracle, RISK.as_tuple(), foreign, sender=guardian)
    assert engine.marketCount() == 3, GRD_04
    with reverts(engine.MarginEngineNotIsolated, market=ETH):
        engine.sweepMarketFees(ETH, sender=stranger)


def test_an_isolated_market_is_held_only_by_a_subaccount_that_holds_nothing_else(engine, iso, traders):
    trader, other = traders[0], traders[1]
    sub = engine.subaccount(trader, 1)
    iso.fill(other, trader, ETH, to_wad_down(1), 2_000 * WAD)
    with reverts(engine.MarginEngineIsolatedMarket, account=trader, market=THIN, held=1 << ETH):
        iso.fill(engine.subaccount(other, 1), trader, THIN, to_wad_down(100), 10 * WAD)
    iso.fill(engine.subaccount(other, 1), sub, THIN, to_wad_down(100), 10 * WAD)
    with reverts(engine.MarginEngineIsolatedMarket, account=sub, market=ETH, held=1 << THIN):
        iso.fill(other, sub, ETH, to_wad_down(1), 2_000 * WAD)
    # closed, the subaccount may hold anything again
    iso.fill(engine.subaccount(other, 1), sub, THIN, -to_wad_down(100), 10 * WAD)
    iso.fill(other, sub, ETH, to_wad_down(1), 2_000 * WAD)
    assert engine.position(sub, ETH)[0] == to_wad_down(1), ENG_10


def test_isolated_bad_debt_is_paid_by_its_own_fund_then_by_its_own_other_side(
    engine, iso, token, fund, own_fund, traders, liquidator, accounts
):
    """A whale's subaccount: 1,000 and long 1,000 MNGO at 10, from two shorts (600 and 400). MNGO falls to
    7: the whale is 2,000 under water. Its own fund pays its cap of 1,000; the other 1,000 is owed by
    the MNGO shorts, 600 and 400. The shared fund, the shared fees and the ETH traders pay nothing."""
    whale = accounts[7]
    token.mint(whale, 1_000 * iso.unit, sender=whale)
    token.approve(engine, MAX, sender=whale)
    engine.setOperator(iso.operator, True, sender=whale)
    engine.depositTo(3, 1_000 * iso.unit, sender=whale)
    big = engine.subaccount(whale, 3)
    shorts = [engine.subaccount(traders[1], 1), engine.subaccount(traders[2], 1)]
    iso.fill(shorts[0], big, THIN, to_wad_down(600), 10 * WAD)
    iso.fill(shorts[1], big, THIN, to_wad_down(400), 10 * WAD)
    iso.fill(traders[1], traders[0], ETH, to_wad_down(10), 2_000 * WAD)  # a shared market's bystanders
    bystanders = [traders[0], traders[1]]
    equity_before = [iso.state(a).equity for a in bystanders]
    shared_fund, fees = token.balanceOf(fund), engine.fees()
    own_before = token.balanceOf(own_fund)

    iso.set_price(THIN, 7 * WAD)
    assert iso.state(big).equity == -2_000 * WAD
    # the liquidator's own account trades ETH, so the position goes to a subaccount that holds nothing
    iso.fill(traders[2], liquidator, ETH, to_wad_down(1), 2_000 * WAD)
    with reverts(engine.MarginEngineIsolatedMarket, account=liquidator, market=THIN, held=1 << ETH):
        engine.liquidate(big, THIN, to_wad_down(1_000), sender=liquidator)
    receipt = engine.liquidateInto(big, THIN, to_wad_down(1_000), 1, sender=liquidator)
    assert event(receipt, "Liquidated").liquidator == engine.subaccount(liquidator, 1)
    bad, shared = event(receipt, "BadDebt"), event(receipt, "LossShared")
    assert (bad.account, bad.debt, bad.covered) == (big, 2_000 * WAD, 1_000 * WAD)
    assert (shared.market, shared.longs, shared.amount) == (THIN, False, 1_000 * WAD)
    assert token.balanceOf(own_fund) == own_before - 1_000 * iso.unit, ENG_10  # its cap, all to the debt
    assert (token.balanceOf(fund), engine.fees()) == (shared_fund, fees), ENG_10
    owed = [engine.lossOwed(a, THIN) for a in shorts]
    assert 600 * WAD <= owed[0] <= 600 * WAD + 2 and 400 * WAD <= owed[1] <= 400 * WAD + 2, ENG_10
    assert [iso.state(a).equity for a in bystanders] == equity_before, ENG_10
    assert engine.lossOwed(traders[0], ETH) == engine.lossOwed(traders[1], ETH) == 0, ENG_10
    # the shared pool does not net an isolated market's loss
    with reverts(engine.MarginEngineZeroAmount):
        engine.sweepFees(sender=liquidator)
    assert engine.unsettledLoss(THIN) == 1_000 * WAD, ENG_10
    everyone = [*traders, liquidator, *(engine.subaccount(a, 1) for a in (*traders, liquidator)), big]
    assert books(engine, token, everyone)[0] == books(engine, token, everyone)[1], ENG_01


def test_an_isolated_markets_insurance_share_goes_to_its_own_fund(
    engine, iso, token, fund, own_fund, traders, liquidator
):
    """Long 1,000 MNGO at 10 on 1,000 of collateral; at 9.4 equity 400 < MM 470: a partial liquidation's
    insurance share accrues to the market's own fees, and sweepMarketFees pays its own fund."""
    long, short = engine.subaccount(traders[0], 1), engine.subaccount(traders[1], 1)
    engine.transferMargin(1, 0, 99_000 * iso.unit, sender=traders[0])
    iso.fill(short, long, THIN, to_wad_down(1_000), 10 * WAD)
    iso.set_price(THIN, 94 * WAD // 10)
    shared = engine.fees()
    amount = engine.maxLiquidation(long, THIN)
    receipt = engine.liquidateInto(long, THIN, amount, 1, sender=liquidator)
    share = event(receipt, "Liquidated").insuranceShare
    assert share > 0 and engine.market(THIN).fees == share, ENG_10
    assert engine.fees() == shared, ENG_10
    fund_before, own_before = token.balanceOf(fund), token.balanceOf(own_fund)
    swept = engine.sweepMarketFees(THIN, sender=traders[2])
    log = event(swept, "MarketFeesSwept")
    paid = share // engine.SCALE()
    assert (log.market, log.amount, log.netted) == (THIN, paid, 0)
    assert token.balanceOf(own_fund) == own_before + paid and token.balanceOf(fund) == fund_before, ENG_10
    assert engine.market(THIN).fees == share - paid * engine.SCALE()
