"""MarginEngine subaccounts: every owner has numbered subaccounts, each an account of its own (margin,
fills, liquidation and bad debt per subaccount). Cash moves between one owner's subaccounts only if the
source keeps IM without unrealised profit; operators are approved for one subaccount or all; two
subaccounts of one owner never trade with or liquidate each other. A loss in one subaccount never lowers
another's equity (ENG-09), and a halted market stops only the subaccounts that hold it (ENG-11).
Subaccount 0 is the owner's own address, so single-account use is unchanged."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import EngineScope, OracleScope
from bulwark.invariants import ENG_01, ENG_05, ENG_09, ENG_11
from bulwark.model.engine import subaccount
from bulwark.model.engine_book import BTC, ETH
from bulwark.units import WAD, to_wad_down
from tests.fixtures.margin import books
from tests.helpers import event, reverts


@pytest.fixture
def owner(accounts, token, engine, operator, helper):
    """A fresh owner with tokens approved (no operator yet)."""
    owner = accounts[7]
    token.mint(owner, 10**6 * helper.unit, sender=owner)
    token.approve(engine, 2**256 - 1, sender=owner)
    return owner


def deposit_to(helper, owner, id_: int, tokens: int):
    helper.next()
    return helper.engine.depositTo(id_, tokens * helper.unit, sender=owner)


def test_subaccount_zero_is_the_owner_and_others_are_derived_and_recorded_once(engine, helper, owner):
    assert engine.subaccount(owner, 0) == owner
    sub = engine.subaccount(owner, 7)
    assert sub == subaccount(owner.address, 7) != owner.address
    assert engine.subaccountOf(sub) == (sub, 0)  # not opened yet: nobody's subaccount
    first = deposit_to(helper, owner, 7, 100)
    opened = event(first, "SubaccountOpened")
    assert (opened.owner, opened.id, opened.account) == (owner, 7, sub)
    assert event(first, "Deposited").account == sub
    assert engine.subaccountOf(sub) == (owner, 7)
    assert engine.subaccountOf(owner) == (owner, 0)
    again = deposit_to(helper, owner, 7, 100)
    assert not list(again.decode_logs(engine.SubaccountOpened))
    assert engine.cash(sub) == 200 * WAD and engine.cash(owner) == 0


def test_deposits_and_withdrawals_name_and_touch_only_their_subaccount(engine, helper, token, owner):
    deposit_to(helper, owner, 0, 300)
    deposit_to(helper, owner, 1, 500)
    sub = engine.subaccount(owner, 1)
    receipt = engine.withdrawFrom(1, 200 * helper.unit, owner, sender=owner)
    log = event(receipt, "Withdrawn")
    assert (log.account, log.receiver, log.amount) == (sub, owner, 200 * helper.unit)
    assert (engine.cash(owner), engine.cash(sub)) == (300 * WAD, 300 * WAD), ENG_09
    with reverts(engine.MarginEngineInsufficientMargin, account=sub, initialMargin=0):
        engine.withdrawFrom(1, 301 * helper.unit, owner, sender=owner)
    assert books(engine, token, [owner, sub])[0] == books(engine, token, [owner, sub])[1], ENG_01


def test_a_transfer_needs_the_sources_initial_margin_without_unrealised_profit(
    engine, helper, owner, traders
):
    """Sub 0: 2,000 and long 5 ETH at 2,000. At 2,200 its equity is 3,000 but its collateral 2,000; IM is
    10% of 11,000 = 1,100, so 900 may move and 901 may not (with the profit counted it would be 1,900)."""
    engine.setOperator(helper.operator, True, sender=owner)
    deposit_to(helper, owner, 0, 2_000)
    helper.deposit(traders[2], 100_000)
    helper.fill(traders[2], owner, ETH, to_wad_down(5), 2_000 * WAD)
    helper.set_price(ETH, 2_200 * WAD)
    sub = engine.subaccount(owner, 1)
    with reverts(
        engine.MarginEngineInsufficientMargin,
        account=owner,
        equityWithoutProfit=1_099 * WAD,
        initialMargin=1_100 * WAD,
    ):
        engine.transferMargin(0, 1, 901 * helper.unit, sender=owner)
    assert engine.cash(sub) == 0, ENG_05
    receipt = engine.transferMargin(0, 1, 900 * helper.unit, sender=owner)
    log = event(receipt, "MarginTransferred")
    assert (log["from"], log.to, log.amount) == (owner, sub, 900 * helper.unit)
    assert event(receipt, "SubaccountOpened").account == sub
    assert (engine.cash(owner), engine.cash(sub)) == ((2_000 - 10_000 - 900) * WAD, 900 * WAD)
    with reverts(engine.MarginEngineSameSubaccount, id=1):
        engine.transferMargin(1, 1, helper.unit, sender=owner)
    with reverts(engine.MarginEngineZeroAmount):
        engine.transferMargin(1, 0, 0, sender=owner)


def test_transfers_pause_with_deposits(engine, helper, owner, guardian):
    deposit_to(helper, owner, 0, 100)
    until = helper.now + 600
    engine.setPause(EngineScope.DEPOSIT, until, sender=guardian)
    with reverts(engine.GuardedPaused, scope=EngineScope.DEPOSIT, pausedUntil=until):
        engine.transferMargin(0, 1, helper.unit, sender=owner)
    engine.setPause(EngineScope.WITHDRAW, until, sender=guardian)
    with reverts(engine.GuardedPaused, scope=EngineScope.WITHDRAW, pausedUntil=until):
        engine.withdrawFrom(0, helper.unit, owner, sender=owner)


def test_an_operator_approved_for_one_subaccount_fills_only_for_it(engine, helper, owner, traders):
    deposit_to(helper, owner, 0, 10_000)
    deposit_to(helper, owner, 1, 10_000)
    helper.deposit(traders[2], 100_000)
    sub = engine.subaccount(owner, 1)
    receipt = engine.setSubaccountOperator(1, helper.operator, True, sender=owner)
    log = event(receipt, "SubaccountOperatorUpdated")
    assert (log.account, log.operator, log.approved) == (sub, helper.operator, True)
    assert engine.isSubaccountOperator(sub, helper.operator)
    assert not engine.isOperator(owner, helper.operator)
    filled = event(helper.fill(traders[2], sub, ETH, to_wad_down(1), 2_000 * WAD), "Filled")
    assert (filled.maker, filled.taker) == (traders[2], sub)
    with reverts(engine.MarginEngineNotOperator, account=owner, operator=helper.operator):
        helper.fill(traders[2], owner, ETH, to_wad_down(1), 2_000 * WAD)
    engine.setOperator(helper.operator, True, sender=owner)  # all subaccounts, 0 included
    helper.fill(traders[2], owner, ETH, to_wad_down(1), 2_000 * WAD)
    assert engine.position(owner, ETH)[0] == engine.position(sub, ETH)[0] == to_wad_down(1)
    engine.setSubaccountOperator(1, helper.operator, False, sender=owner)
    assert not engine.isSubaccountOperator(sub, helper.operator)


def test_two_subaccounts_of_one_owner_never_trade_with_or_liquidate_each_other(
    engine, helper, owner, traders
):
    engine.setOperator(helper.operator, True, sender=owner)
    deposit_to(helper, owner, 0, 10_000)
    deposit_to(helper, owner, 1, 1_000)
    sub = engine.subaccount(owner, 1)
    with reverts(engine.MarginEngineSelfTrade, owner=owner):
        helper.fill(owner, sub, ETH, to_wad_down(1), 2_000 * WAD)
    helper.deposit(traders[2], 100_000)
    helper.fill(traders[2], sub, ETH, to_wad_down(5), 2_000 * WAD)
    helper.set_price(ETH, 1_850 * WAD)  # sub: 1,000 - 750 = 250 < MM 462.5
    with reverts(engine.MarginEngineSelfLiquidation, account=sub):
        engine.liquidate(sub, ETH, to_wad_down(1), sender=owner)
    with reverts(engine.MarginEngineSelfLiquidation, account=sub):
        engine.liquidateInto(sub, ETH, to_wad_down(1), 2, sender=owner)


def long_eth_in_sub_1_short_btc_in_sub_0(engine, helper, owner, traders, liquidator, cash_0, cash_1) -> str:
    """The owner's sub 0 holds `cash_0` tokens and short 1 BTC at 30,000; sub 1 holds `cash_1` and long
    5 ETH at 2,000 (counterparties and the liquidator funded). Sub 1's address."""
    engine.setOperator(helper.operator, True, sender=owner)
    deposit_to(helper, owner, 0, cash_0)
    deposit_to(helper, owner, 1, cash_1)
    sub = engine.subaccount(owner, 1)
    for account in (traders[1], traders[2], liquidator):
        helper.deposit(account, 100_000)
    helper.fill(traders[2], sub, ETH, to_wad_down(5), 2_000 * WAD)
    helper.fill(traders[1], owner, BTC, -to_wad_down(1), 30_000 * WAD)
    return sub


def test_an_insolvent_subaccount_costs_the_owners_other_subaccounts_nothing(
    engine, helper, token, fund, owner, traders, liquidator
):
    """Sub 1 holds 1,000 and long 5 ETH; sub 0 holds 20,000 and short 1 BTC. ETH falls to 1,700: sub 1 is
    500 under water. As one cross account the owner would have stayed solvent and paid it from sub 0;
    here the fund pays sub 1's debt and sub 0 keeps every wei of its cash, position and equity (ENG-09)."""
    sub = long_eth_in_sub_1_short_btc_in_sub_0(engine, helper, owner, traders, liquidator, 20_000, 1_000)
    before = (engine.cash(owner), engine.position(owner, BTC), helper.state(owner))
    helper.set_price(ETH, 1_700 * WAD)
    assert helper.state(sub).equity == -500 * WAD
    assert helper.state(owner) == before[2], ENG_09  # the ETH crash is not in sub 0's margin
    fund_before = token.balanceOf(fund)
    receipt = engine.liquidate(sub, ETH, to_wad_down(5), sender=liquidator)
    bad = event(receipt, "BadDebt")
    assert (bad.account, bad.debt, bad.covered) == (sub, 500 * WAD, 500 * WAD)
    assert token.balanceOf(fund) == fund_before - (500 + 170) * helper.unit  # debt + bonus
    assert (engine.cash(owner), engine.position(owner, BTC), helper.state(owner)) == before, ENG_09
    everyone = [owner, sub, traders[1], traders[2], liquidator]
    assert books(engine, token, everyone)[0] == books(engine, token, everyone)[1], ENG_01


def test_a_halted_market_stops_only_the_subaccounts_that_hold_it(
    engine, helper, oracles, owner, traders, liquidator, guardian
):
    """ETH's oracle is paused. Sub 1 (long ETH) can neither withdraw, transfer out nor trade; sub 0 (short
    BTC) keeps withdrawing, transferring and trading, and is liquidated when BTC rises (ENG-11)."""
    sub = long_eth_in_sub_1_short_btc_in_sub_0(engine, helper, owner, traders, liquidator, 4_000, 5_000)
    until = helper.now + 3_600
    oracles[ETH].setPause(OracleScope.READ, until, sender=guardian)
    paused = {"scope": OracleScope.READ, "pausedUntil": until}
    with reverts(oracles[ETH].GuardedPaused, **paused):
        engine.withdrawFrom(1, helper.unit, owner, sender=owner)
    with reverts(oracles[ETH].GuardedPaused, **paused):
        engine.transferMargin(1, 0, helper.unit, sender=owner)
    with reverts(oracles[ETH].GuardedPaused, **paused):
        helper.fill(traders[2], sub, ETH, to_wad_down(1), 2_000 * WAD)
    # sub 0 does not hold ETH: the pause is not its business
    engine.withdrawFrom(0, 100 * helper.unit, owner, sender=owner)
    engine.transferMargin(0, 2, 100 * helper.unit, sender=owner)
    helper.fill(traders[1], owner, BTC, -to_wad_down(0.01), 30_000 * WAD)
    helper.set_price(BTC, 33_300 * WAD)  # sub 0: 3,800 + 30,300 - 1.01 * 33,300 = 467 < MM 1,681.65
    receipt = engine.liquidate(owner, BTC, engine.maxLiquidation(owner, BTC), sender=liquidator)
    assert event(receipt, "Liquidated").account == owner, ENG_11
    assert engine.position(sub, ETH)[0] == to_wad_down(5), ENG_11
