"""MarginEngine liquidations: only below maintenance (ENG-03), the size limit, the penalty that never
lowers the margin ratio (ENG-04), bad debt covered by the fund or owed by the market's other side,
which makes the market reduce-only (ENG-01, ENG-07; parts and withdrawals in test_insolvency.py), the
liquidator's own IM, halts (ENG-06), fees swept to the fund, and the liquidation-price view."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bulwark.abi.scopes import EngineScope, FundScope
from bulwark.invariants import ENG_01, ENG_02, ENG_03, ENG_04, ENG_06, ENG_07
from bulwark.model.engine import account_state, liquidation_limit, penalty
from bulwark.model.engine_book import ETH, RISK
from bulwark.units import WAD, to_wad_down
from tests.fixtures.margin import books, open_interest_sum
from tests.helpers import event, reverts


@pytest.fixture
def levered(helper, traders, liquidator):
    """traders[0]: 250 of collateral, long 1 ETH at 2,000 from traders[2]; the liquidator holds 100,000.
    Its equity is 250 - 2,000 + p and its MM 5% of p: liquidatable below p = 1,842.1."""
    helper.deposit(traders[0], 250)
    helper.deposit(traders[2], 100_000)
    helper.deposit(liquidator, 100_000)
    helper.fill(traders[2], traders[0], ETH, to_wad_down(1), 2_000 * WAD)
    return traders[0]


def everyone(traders, liquidator):
    return [*traders, liquidator]


def test_a_healthy_account_cannot_be_liquidated(helper, engine, levered, liquidator):
    helper.set_price(ETH, 1_850 * WAD)  # equity 100 >= MM 92.5
    with reverts(
        engine.MarginEngineNotLiquidatable,
        account=levered,
        equity=100 * WAD,
        maintenanceMargin=92_500 * WAD // 1000,
    ):
        engine.liquidate(levered, ETH, to_wad_down(0.1), sender=liquidator)
    assert engine.maxLiquidation(levered, ETH) == 0, ENG_03


def test_an_account_exactly_at_maintenance_cannot_be_liquidated(helper, engine, levered, liquidator):
    """ENG-03's edge: equity equal to MM is not below it (kills the `<=` mutant, docs/MUTATION.md)."""
    price = 1_842_105_263_157_894_736_843  # the one price where 250 - 2,000 + p == ceil(5% p)
    equity, mm = price - 1_750 * WAD, -(-price * RISK.baseMmr // WAD)
    assert equity == mm
    helper.set_price(ETH, price)
    with reverts(engine.MarginEngineNotLiquidatable, account=levered, equity=equity, maintenanceMargin=mm):
        engine.liquidate(levered, ETH, to_wad_down(0.1), sender=liquidator)


def test_the_liquidation_price_is_where_equity_meets_maintenance(helper, engine, levered):
    # 250 - 2,000 + p = 5% p  =>  p = 1,750 / 0.95
    expected = 1_750 * WAD * WAD // (WAD - RISK.baseMmr)
    assert engine.liquidationPrice(levered, ETH) == expected
    helper.set_price(ETH, expected // 10**12 * 10**12 + 10**12)
    assert not helper.state(levered).liquidatable
    helper.set_price(ETH, expected - 10**15)
    assert helper.state(levered).liquidatable


def test_a_partial_liquidation_takes_at_most_what_restores_the_account(
    helper, engine, token, levered, liquidator, traders
):
    helper.set_price(ETH, 1_840 * WAD)  # equity 90 < MM 92
    before = helper.state(levered)
    index = 1_840 * WAD
    limit = liquidation_limit(before, to_wad_down(1), index, RISK.baseMmr, RISK)
    assert engine.maxLiquidation(levered, ETH) == limit < to_wad_down(1)
    with reverts(
        engine.MarginEngineLiquidationTooLarge, account=levered, market=ETH, amount=limit + 1, maximum=limit
    ):
        engine.liquidate(levered, ETH, limit + 1, sender=liquidator)

    receipt = engine.liquidate(levered, ETH, limit, sender=liquidator)
    after = helper.state(levered)
    assert engine.position(levered, ETH)[0] == to_wad_down(1) - limit
    assert engine.position(liquidator, ETH)[0] == limit
    # the penalty, predicted from the account after the transfer at the index
    cash_after_close = engine.cash(levered) + sum(
        event(receipt, "Liquidated")[k] for k in ("bonus", "insuranceShare")
    )
    close = account_state(
        cash_after_close, {ETH: engine.position(levered, ETH)}, {ETH: (index, RISK.baseMmr)}, {ETH: RISK}
    )
    bonus, share = penalty(before, close, limit * index // WAD, RISK)
    log = event(receipt, "Liquidated")
    assert (log.market, log.account, log.liquidator, log.size, log.price) == (
        ETH,
        levered,
        liquidator,
        limit,
        index,
    )
    assert (log.bonus, log.insuranceShare) == (bonus, share) and bonus > 0 and share > 0
    assert engine.fees() == share
    # the account ends at (about) MM * 1.1, and its margin ratio rose
    assert after.equity * before.maintenance_margin >= before.equity * after.maintenance_margin, ENG_04
    assert after.equity >= after.maintenance_margin
    assert open_interest_sum(engine, everyone(traders, liquidator), ETH) == 0, ENG_02
    balance, claims = books(engine, token, everyone(traders, liquidator))
    assert balance == claims, ENG_01


def test_the_penalty_is_capped_so_the_margin_ratio_does_not_fall(helper, engine, levered, liquidator):
    helper.set_price(ETH, 1_800 * WAD)  # equity 50, MM 90: ratio 0.56 < (bonus + share) / mmr = 0.6
    before = helper.state(levered)
    amount = engine.maxLiquidation(levered, ETH)
    receipt = engine.liquidate(levered, ETH, amount, sender=liquidator)
    log = event(receipt, "Liquidated")
    nominal = amount * 1_800 * (RISK.liquidationBonus + RISK.insuranceShare) // WAD
    assert 0 < log.bonus + log.insuranceShare < nominal  # the cap bit
    after = helper.state(levered)
    assert after.equity * before.maintenance_margin >= before.equity * after.maintenance_margin, ENG_04


def test_a_liquidation_leaving_dust_reverts(helper, engine, levered, liquidator):
    helper.set_price(ETH, 1_800 * WAD)
    maximum = engine.maxLiquidation(levered, ETH)
    assert maximum == to_wad_down(1)  # restoring it takes more than the position: all of it may go
    amount = to_wad_down(1) - RISK.dustSize + 1
    with reverts(
        engine.MarginEngineDustPosition,
        account=levered,
        market=ETH,
        size=RISK.dustSize - 1,
        dustSize=RISK.dustSize,
    ):
        engine.liquidate(levered, ETH, amount, sender=liquidator)


def test_an_insolvent_account_closed_whole_has_its_debt_and_the_bonus_paid_by_the_fund(
    helper, engine, token, fund, levered, liquidator, traders
):
    helper.set_price(ETH, 1_700 * WAD)  # equity -50
    fund_before = token.balanceOf(fund)
    receipt = engine.liquidate(levered, ETH, to_wad_down(1), sender=liquidator)
    # the bonus, 2% of 1,700, is paid by the fund after the debt (its cap, 1,000, allows both)
    log = event(receipt, "Liquidated")
    assert (log.bonus, log.insuranceShare) == (34 * WAD, 0)
    bad = event(receipt, "BadDebt")
    assert (bad.market, bad.account, bad.debt, bad.covered) == (ETH, levered, 50 * WAD, 50 * WAD), ENG_07
    assert not [e for e in receipt.events if e.event_name == "LossShared"]
    assert fund_before - token.balanceOf(fund) == 84 * helper.unit
    assert engine.cash(levered) == 0 and engine.position(levered, ETH) == (0, 0)
    assert not engine.market(ETH).reduceOnly
    balance, claims = books(engine, token, everyone(traders, liquidator))
    assert balance == claims, ENG_01


def test_bad_debt_the_fund_cannot_pay_is_owed_by_the_other_side_and_makes_the_market_reduce_only(
    helper, engine, token, fund, levered, liquidator, traders, guardian
):
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)  # the fund pays nothing
    helper.set_price(ETH, 1_700 * WAD)
    receipt = engine.liquidate(levered, ETH, to_wad_down(1), sender=liquidator)
    bad = event(receipt, "BadDebt")
    assert (bad.debt, bad.covered) == (50 * WAD, 0)
    shared = event(receipt, "LossShared")
    assert (shared.market, shared.longs, shared.amount, shared.openInterest) == (
        ETH,
        False,
        50 * WAD,
        to_wad_down(1),
    )
    assert event(receipt, "ReduceOnlyUpdated").reduceOnly
    assert engine.lossOwed(traders[2], ETH) == 50 * WAD, ENG_07  # the one short owes it
    state = engine.market(ETH)
    assert (state.sharedLoss, engine.unsettledLoss(ETH), state.reduceOnly) == (50 * WAD, 50 * WAD, True)
    balance, claims = books(engine, token, everyone(traders, liquidator))
    assert balance == claims, ENG_01  # nothing absorbed silently: the shared loss is on the books

    with reverts(engine.MarginEngineReduceOnly, market=ETH, account=traders[1]):
        helper.fill(traders[2], traders[1], ETH, to_wad_down(0.1), 1_700 * WAD)
    engine.setReduceOnly(ETH, False, sender=guardian)  # the guardian acts
    helper.deposit(traders[1], 1_000)
    helper.fill(traders[2], traders[1], ETH, to_wad_down(0.1), 1_700 * WAD)
    assert engine.lossOwed(traders[2], ETH) == 0  # settled when its position changed
    assert engine.unsettledLoss(ETH) == 0
    balance, claims = books(engine, token, everyone(traders, liquidator))
    assert balance == claims, ENG_01


def test_bad_debt_beyond_the_outflow_cap_is_split_between_fund_and_the_other_side(
    helper, engine, token, traders, liquidator
):
    helper.deposit(traders[1], 2_500)
    helper.deposit(traders[2], 100_000)
    helper.deposit(liquidator, 100_000)
    helper.fill(traders[2], traders[1], ETH, to_wad_down(10), 2_000 * WAD)
    helper.set_price(ETH, 1_500 * WAD)  # equity 2,500 - 5,000 = -2,500; the fund's cap is 1,000
    receipt = engine.liquidate(traders[1], ETH, to_wad_down(10), sender=liquidator)
    bad = event(receipt, "BadDebt")
    assert (bad.debt, bad.covered) == (2_500 * WAD, 1_000 * WAD)
    assert event(receipt, "Liquidated").bonus == 0  # the cap went to the debt first
    assert event(receipt, "LossShared").amount == 1_500 * WAD
    assert engine.lossOwed(traders[2], ETH) == 1_500 * WAD, ENG_07
    balance, claims = books(engine, token, everyone(traders, liquidator))
    assert balance == claims, ENG_01


def test_the_liquidator_must_meet_its_own_initial_margin(helper, engine, levered, accounts):
    helper.set_price(ETH, 1_840 * WAD)
    broke = accounts[8]
    amount = engine.maxLiquidation(levered, ETH)
    with reverts(engine.MarginEngineInsufficientMargin, account=broke):
        engine.liquidate(levered, ETH, amount, sender=broke)


def test_liquidation_argument_errors(helper, engine, levered, liquidator, traders):
    helper.set_price(ETH, 1_840 * WAD)
    with reverts(engine.MarginEngineSelfLiquidation, account=levered):
        engine.liquidate(levered, ETH, to_wad_down(0.1), sender=levered)
    with reverts(engine.MarginEngineZeroAmount):
        engine.liquidate(levered, ETH, 0, sender=liquidator)
    with reverts(engine.MarginEngineNoPosition, account=traders[1], market=ETH):
        engine.liquidate(traders[1], ETH, to_wad_down(0.1), sender=liquidator)


def test_liquidations_halt_while_paused_or_on_a_stale_price(
    helper, engine, oracles, levered, liquidator, guardian
):
    helper.set_price(ETH, 1_840 * WAD)
    until = helper.now + 600
    engine.setPause(EngineScope.LIQUIDATE, until, sender=guardian)
    with reverts(engine.GuardedPaused, scope=EngineScope.LIQUIDATE, pausedUntil=until):
        engine.liquidate(levered, ETH, to_wad_down(0.1), sender=liquidator)
    stale_at = oracles[ETH].latest()[1] + oracles[ETH].config().maxStaleness + 1
    helper.at(max(stale_at, until))
    with reverts(oracles[ETH].MedianOracleStale):
        engine.liquidate(levered, ETH, to_wad_down(0.1), sender=liquidator)
    assert engine.position(levered, ETH)[0] == to_wad_down(1), ENG_06


def test_insurance_shares_are_swept_to_the_fund(helper, engine, token, fund, levered, liquidator, stranger):
    helper.set_price(ETH, 1_840 * WAD)
    engine.liquidate(levered, ETH, engine.maxLiquidation(levered, ETH), sender=liquidator)
    fees = engine.fees()
    whole = fees // engine.SCALE()
    before = token.balanceOf(fund)
    receipt = engine.sweepFees(sender=stranger)
    assert (event(receipt, "FeesSwept").amount, event(receipt, "FeesSwept").netted) == (whole, 0)
    assert token.balanceOf(fund) - before == whole
    assert engine.fees() == fees - whole * engine.SCALE()
    with reverts(engine.MarginEngineZeroAmount):
        engine.sweepFees(sender=stranger)


def test_margin_ratio_view(helper, engine, levered, traders):
    helper.set_price(ETH, 1_840 * WAD)
    state = helper.state(levered)
    assert engine.marginRatio(levered) == state.equity * WAD // state.maintenance_margin
    assert engine.marginRatio(traders[1]) == 2**255 - 1  # no positions


def test_a_liquidator_without_a_position_takes_over_a_position_below_a_raised_dust_size(
    helper, engine, levered, liquidator, guardian
):
    """The guardian raises the dust size above the account's whole position (1 ETH < 2 ETH): the account
    is still liquidated whole, and the liquidator, which held nothing, may end with a position below the
    dust size (it can always close it to zero). Dust never blocks a liquidation."""
    engine.setRiskParams(ETH, replace(RISK, dustSize=to_wad_down(2)).as_tuple(), sender=guardian)
    helper.set_price(ETH, 1_800 * WAD)
    assert engine.maxLiquidation(levered, ETH) == to_wad_down(1)
    engine.liquidate(levered, ETH, to_wad_down(1), sender=liquidator)
    assert engine.position(levered, ETH)[0] == 0, ENG_03
    assert engine.position(liquidator, ETH)[0] == to_wad_down(1)
