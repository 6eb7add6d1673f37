"""MarginEngine fills: operator approval, the price band, zero-sum sizes (ENG-02), open-interest caps,
IM for risk-increasing fills (ENG-05), MM for reducing ones, dust, reduce-only, realised PnL, and halts
on a stale, tripped or paused oracle (ENG-06)."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import EngineScope
from bulwark.invariants import ENG_01, ENG_02, ENG_05, ENG_06
from bulwark.model.engine import RiskParams, margins
from bulwark.model.engine_book import BTC, ETH, RISK
from bulwark.units import WAD, to_wad_down
from tests.fixtures.margin import books, open_interest_sum
from tests.helpers import event, reverts

PRICE = 2_000 * WAD


@pytest.fixture
def funded(helper, traders):
    """traders[0] and traders[1] hold 1,000 each; traders[2] 100,000."""
    helper.deposit(traders[0], 1_000)
    helper.deposit(traders[1], 1_000)
    helper.deposit(traders[2], 100_000)
    return traders


def test_a_fill_moves_size_and_cash_zero_sum(helper, engine, token, funded, operator):
    maker, taker = funded[1], funded[0]
    receipt = helper.fill(maker, taker, ETH, to_wad_down(2), PRICE)
    assert engine.position(taker, ETH) == (to_wad_down(2), 4_000 * WAD)
    assert engine.position(maker, ETH) == (-to_wad_down(2), -4_000 * WAD)
    assert engine.cash(taker) == (1_000 - 4_000) * WAD
    assert engine.cash(maker) == (1_000 + 4_000) * WAD
    assert open_interest_sum(engine, funded, ETH) == 0, ENG_02
    assert engine.market(ETH).openInterest == to_wad_down(2)
    log = event(receipt, "Filled")
    assert (log.market, log.maker, log.taker, log.size, log.price, log.operator) == (
        ETH,
        maker,
        taker,
        to_wad_down(2),
        PRICE,
        operator,
    )
    balance, claims = books(engine, token, funded)
    assert balance == claims, ENG_01


def test_both_accounts_must_approve_the_operator(helper, engine, funded, operator, stranger):
    engine.setOperator(operator, False, sender=funded[1])
    with reverts(engine.MarginEngineNotOperator, account=funded[1], operator=operator):
        helper.fill(funded[1], funded[0], ETH, to_wad_down(1), PRICE)
    with reverts(engine.MarginEngineNotOperator, account=funded[0], operator=stranger):
        engine.fill((funded[0], funded[2], ETH, to_wad_down(1), PRICE), sender=stranger)


def test_operator_approval_is_recorded_and_emitted(engine, traders, stranger):
    receipt = engine.setOperator(stranger, True, sender=traders[0])
    log = event(receipt, "OperatorUpdated")
    assert (log.owner, log.operator, log.approved) == (traders[0], stranger, True)
    assert engine.isOperator(traders[0], stranger)


def test_self_trade_zero_size_and_unknown_market_revert(helper, engine, funded):
    with reverts(engine.MarginEngineSelfTrade, owner=funded[0]):
        helper.fill(funded[0], funded[0], ETH, to_wad_down(1), PRICE)
    with reverts(engine.MarginEngineZeroAmount):
        helper.fill(funded[1], funded[0], ETH, 0, PRICE)
    with reverts(engine.MarginEngineUnknownMarket, market=7, markets=2):
        helper.fill(funded[1], funded[0], 7, to_wad_down(1), PRICE)


def test_the_price_band_is_inclusive_at_max_trade_deviation(helper, engine, funded):
    edge = PRICE * (WAD + RISK.maxTradeDeviation) // WAD
    helper.fill(funded[1], funded[0], ETH, to_wad_down(1), edge)
    with reverts(
        engine.MarginEnginePriceOutOfBand,
        market=ETH,
        price=edge + 1,
        index=PRICE,
        maxDeviation=RISK.maxTradeDeviation,
    ):
        helper.fill(funded[1], funded[0], ETH, to_wad_down(1), edge + 1)
    low = PRICE * (WAD - RISK.maxTradeDeviation) // WAD
    with reverts(
        engine.MarginEnginePriceOutOfBand,
        market=ETH,
        price=low - 1,
        index=PRICE,
        maxDeviation=RISK.maxTradeDeviation,
    ):
        helper.fill(funded[1], funded[0], ETH, -to_wad_down(1), low - 1)


def test_a_risk_increasing_fill_needs_initial_margin(helper, engine, funded):
    # IM = 10% of notional: 1,000 of equity carries at most 5 ETH at 2,000
    helper.fill(funded[2], funded[0], ETH, to_wad_down(5), PRICE)
    state = helper.state(funded[0])
    assert state.without_profit >= state.initial_margin == 1_000 * WAD, ENG_05
    with reverts(
        engine.MarginEngineInsufficientMargin,
        account=funded[0],
        equityWithoutProfit=1_000 * WAD,
        initialMargin=1_020 * WAD,
    ):
        helper.fill(funded[2], funded[0], ETH, to_wad_down(0.1), PRICE)


def test_initial_margin_rounds_up_against_the_trader(helper, engine, funded, guardian):
    """IM = ceil(MM * imFactor) (ENG-05): a factor finer than MM's grain leaves a fraction, which the
    trader pays (kills the IM-rounding mutant, docs/MUTATION.md)."""
    risk = RiskParams(imFactor=3 * WAD // 2 + 1)
    engine.setRiskParams(ETH, risk.as_tuple(), sender=guardian)
    size = to_wad_down(5) - 7
    mm, im = margins(size, PRICE, risk.baseMmr, risk.imFactor)
    assert im == mm * risk.imFactor // WAD + 1  # the fraction is there
    helper.fill(funded[2], funded[0], ETH, size, PRICE)
    state = helper.state(funded[0])
    assert (state.maintenance_margin, state.initial_margin) == (mm, im), ENG_05


def test_unrealised_profit_does_not_fund_new_risk(helper, engine, funded):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(5), PRICE)
    helper.set_price(ETH, 2_100 * WAD)  # +500 unrealised, IM now 1,050
    state = helper.state(funded[0])
    assert (state.equity, state.collateral, state.initial_margin) == (1_500 * WAD, 1_000 * WAD, 1_050 * WAD)
    with reverts(
        engine.MarginEngineInsufficientMargin,
        account=funded[0],
        equityWithoutProfit=1_000 * WAD,
        initialMargin=1_071 * WAD,
    ):
        helper.fill(funded[2], funded[0], ETH, to_wad_down(0.1), 2_100 * WAD)


def test_a_reducing_fill_needs_only_maintenance(helper, engine, funded):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(5), PRICE)
    helper.set_price(ETH, 1_900 * WAD)  # equity 500, MM 475, IM 950: below IM, above MM
    state = helper.state(funded[0])
    assert state.maintenance_margin <= state.equity < state.initial_margin
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(1), 1_900 * WAD)  # reduces: allowed
    assert engine.position(funded[0], ETH)[0] == to_wad_down(4)


def test_a_reducing_fill_must_leave_the_account_above_maintenance(helper, engine, funded):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(5), PRICE)
    helper.set_price(ETH, 1_880 * WAD)  # equity 400 < MM 470: liquidatable
    low = 1_880 * WAD * 95 // 100  # the band's edge: selling 1 there realises 94 of loss
    # equity 400 - 94 = 306 against MM 4 * 1,880 * 5% = 376
    with reverts(
        engine.MarginEngineUnhealthy, account=funded[0], equity=306 * WAD, maintenanceMargin=376 * WAD
    ):
        helper.fill(funded[2], funded[0], ETH, -to_wad_down(1), low)
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(1), 1_880 * WAD)  # at the index it restores health
    state = helper.state(funded[0])
    assert (state.equity, state.maintenance_margin) == (400 * WAD, 376 * WAD)


def test_open_interest_cap(helper, engine, funded, guardian):
    capped = RiskParams(openInterestCap=to_wad_down(3))
    engine.setRiskParams(ETH, capped.as_tuple(), sender=guardian)
    helper.fill(funded[2], funded[0], ETH, to_wad_down(3), PRICE)
    with reverts(
        engine.MarginEngineOpenInterestCap, market=ETH, openInterest=to_wad_down(3.5), cap=to_wad_down(3)
    ):
        helper.fill(funded[2], funded[1], ETH, to_wad_down(0.5), PRICE)
    # a fill between two longs that moves the position does not raise open interest
    helper.fill(funded[0], funded[1], ETH, to_wad_down(1), PRICE)
    assert engine.market(ETH).openInterest == to_wad_down(3)


def test_a_fill_may_not_leave_dust(helper, engine, funded):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(1), PRICE)
    remainder = to_wad_down(1) - (to_wad_down(1) - RISK.dustSize + 1)
    with reverts(
        engine.MarginEngineDustPosition, account=funded[0], market=ETH, size=remainder, dustSize=RISK.dustSize
    ):
        helper.fill(funded[2], funded[0], ETH, -(to_wad_down(1) - RISK.dustSize + 1), PRICE)
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(1), PRICE)  # closing to zero is fine
    assert engine.position(funded[0], ETH) == (0, 0)


def test_closing_realises_pnl_into_collateral(helper, engine, funded):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(2), PRICE)
    helper.set_price(ETH, 2_050 * WAD)
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(2), 2_050 * WAD)
    assert engine.position(funded[0], ETH) == (0, 0)
    assert engine.cash(funded[0]) == (1_000 + 100) * WAD
    state = helper.state(funded[0])
    assert state.collateral == state.equity == 1_100 * WAD
    engine.withdraw(1_100 * helper.unit, funded[0], sender=funded[0])  # realised profit is withdrawable


def test_a_partial_close_releases_the_basis_pro_rata_and_a_flip_opens_at_the_fill(helper, engine, funded):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(2), PRICE)
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(0.5), 2_010 * WAD)
    assert engine.position(funded[0], ETH) == (to_wad_down(1.5), 3_000 * WAD)
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(2), 2_020 * WAD)  # flips to short 0.5 at 2,020
    assert engine.position(funded[0], ETH) == (-to_wad_down(0.5), -1_010 * WAD)
    assert open_interest_sum(engine, funded, ETH) == 0, ENG_02


def test_reduce_only_market_refuses_new_risk_but_allows_reductions(helper, engine, funded, guardian):
    helper.fill(funded[2], funded[0], ETH, to_wad_down(2), PRICE)
    receipt = engine.setReduceOnly(ETH, True, sender=guardian)
    assert event(receipt, "ReduceOnlyUpdated").reduceOnly
    with reverts(engine.MarginEngineReduceOnly, market=ETH, account=funded[1]):
        helper.fill(funded[2], funded[1], ETH, to_wad_down(1), PRICE)
    helper.fill(funded[2], funded[0], ETH, -to_wad_down(1), PRICE)  # both sides reduce
    assert engine.position(funded[0], ETH)[0] == to_wad_down(1)


def test_trade_pause(helper, engine, funded, guardian):
    until = helper.now + 600
    engine.setPause(EngineScope.TRADE, until, sender=guardian)
    with reverts(engine.GuardedPaused, scope=EngineScope.TRADE, pausedUntil=until):
        helper.fill(funded[1], funded[0], ETH, to_wad_down(1), PRICE)


def test_a_stale_oracle_halts_fills_in_its_market_only(helper, engine, oracles, funded):
    max_staleness = oracles[ETH].config().maxStaleness
    updated_at = oracles[ETH].latest()[1]
    helper.set_price(BTC, 30_000 * WAD, at=updated_at + max_staleness + 1)  # BTC fresh, ETH stale
    with reverts(oracles[ETH].MedianOracleStale, age=max_staleness + 2, maxStaleness=max_staleness):
        helper.fill(funded[1], funded[0], ETH, to_wad_down(1), PRICE, at=updated_at + max_staleness + 2)
    helper.fill(funded[1], funded[0], BTC, to_wad_down(0.01), 30_000 * WAD)  # the other market trades
    assert engine.position(funded[0], ETH)[0] == 0, ENG_06


def test_a_tripped_oracle_halts_fills(helper, engine, oracles, funded):
    helper.set_price(ETH, 900 * WAD)  # -55%: beyond maxDeviation (50%), the breaker holds it
    assert oracles[ETH].breaker()[0]
    with reverts(oracles[ETH].MedianOracleTripped, candidate=900 * WAD, trippedAt=helper.now):
        helper.fill(funded[1], funded[0], ETH, to_wad_down(1), PRICE)
    assert engine.position(funded[0], ETH)[0] == 0, ENG_06
