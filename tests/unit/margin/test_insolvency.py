"""MarginEngine insolvency: an account with equity <= 0 is closed in parts by several liquidators, each
meeting its own IM and paid a bonus by the fund; its debt is booked to the markets where it lost, pro rata
to each market's loss; the fund covers first (within its cap), and the rest is owed by the opposite side
of that market pro rata to size (ENG-07). No bystander pays, and no withdrawal order changes what anyone
gets (ENG-08); the books balance exactly at every step (ENG-01)."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import FundScope
from bulwark.invariants import ENG_01, ENG_02, ENG_07, ENG_08
from bulwark.model.engine_book import BTC, ETH, RISK
from bulwark.units import WAD, to_wad_down
from tests.fixtures.margin import books, open_interest_sum
from tests.helpers import event, reverts


@pytest.fixture
def whale(helper, traders, liquidator):
    """traders[0]: 25,000 of collateral, long 100 ETH at 2,000 from traders[2]. At 1,740 its equity is
    25,000 - 200,000 + 174,000 = -1,000; closing it whole needs IM 10% of 174,000 = 17,400."""
    helper.deposit(traders[0], 25_000)
    helper.deposit(traders[2], 100_000)
    helper.deposit(liquidator, 100_000)
    helper.fill(traders[2], traders[0], ETH, to_wad_down(100), 2_000 * WAD)
    return traders[0]


@pytest.fixture
def keepers(accounts, token, engine, helper):
    """Two keepers with 12,000 each: 24,000 together, each less than the 17,400 the whole would need."""
    pair = [accounts[7], accounts[8]]
    for keeper in pair:
        token.mint(keeper, 12_000 * helper.unit, sender=keeper)
        token.approve(engine, 2**256 - 1, sender=keeper)
        helper.deposit(keeper, 12_000)
    return pair


def everyone(traders, liquidator, *more):
    """Every account that touched the engine, each once (the bystander accounts[7] is a keeper too)."""
    return list(dict.fromkeys([*traders, liquidator, *more]))


def test_two_keepers_each_close_part_of_an_insolvent_whale_at_the_debt_it_had(
    helper, engine, token, fund, whale, keepers, traders, liquidator
):
    helper.set_price(ETH, 1_740 * WAD)
    assert helper.state(whale).equity == -1_000 * WAD
    with reverts(engine.MarginEngineInsufficientMargin, account=keepers[0]):
        engine.liquidate(whale, ETH, to_wad_down(100), sender=keepers[0])  # one keeper cannot take it all

    fund_before = token.balanceOf(fund)
    first = engine.liquidate(whale, ETH, to_wad_down(50), sender=keepers[0])
    second = engine.liquidate(whale, ETH, to_wad_down(50), sender=keepers[1])
    assert engine.position(whale, ETH) == (0, 0) and engine.cash(whale) == 0
    assert [engine.position(k, ETH)[0] for k in keepers] == [to_wad_down(50), to_wad_down(50)]

    # the debt booked is the 1,000 the whale owed when it became insolvent, half per part
    debts = [event(r, "BadDebt").debt for r in (first, second)]
    assert debts == [500 * WAD, 500 * WAD] and sum(debts) == 1_000 * WAD, ENG_07
    # the bonus, 2% of the part's notional, is paid by the fund within its cap (1,000 per window):
    # the first part's cover pays its debt (500), then 500 of its 1,740 bonus; the second finds the cap used
    nominal = to_wad_down(50) * 1_740 * RISK.liquidationBonus // WAD
    assert nominal == 1_740 * WAD
    assert [event(r, "Liquidated").bonus for r in (first, second)] == [500 * WAD, 0]
    assert [event(r, "BadDebt").covered for r in (first, second)] == [500 * WAD, 0]
    assert fund_before - token.balanceOf(fund) == 1_000 * helper.unit
    # what the fund could not pay (the second part's 500) is owed by the opposite side: the only short
    shared = event(second, "LossShared")
    assert (shared.market, shared.longs, shared.amount) == (ETH, False, 500 * WAD)
    assert engine.lossOwed(traders[2], ETH) == 500 * WAD, ENG_07
    assert open_interest_sum(engine, everyone(traders, liquidator, *keepers), ETH) == 0, ENG_02
    balance, claims = books(engine, token, everyone(traders, liquidator, *keepers))
    assert balance == claims, ENG_01


def test_an_insolvent_part_may_not_leave_dust_or_exceed_the_position(helper, engine, whale, liquidator):
    helper.set_price(ETH, 1_740 * WAD)
    with reverts(
        engine.MarginEngineLiquidationTooLarge,
        account=whale,
        market=ETH,
        amount=to_wad_down(100) + 1,
        maximum=to_wad_down(100),
    ):
        engine.liquidate(whale, ETH, to_wad_down(100) + 1, sender=liquidator)
    with reverts(engine.MarginEngineDustPosition, account=whale, market=ETH, size=RISK.dustSize - 1):
        engine.liquidate(whale, ETH, to_wad_down(100) - RISK.dustSize + 1, sender=liquidator)
    assert engine.maxLiquidation(whale, ETH) == to_wad_down(100)


@pytest.fixture
def two_shorts(helper, traders, liquidator, accounts, token, engine):
    """traders[0] long 100 ETH at 2,000 (25,000 of collateral) against traders[1] short 60 and traders[2]
    short 40; accounts[7] deposits 500 and never trades."""
    bystander = accounts[7]
    token.mint(bystander, 500 * helper.unit, sender=bystander)
    token.approve(engine, 2**256 - 1, sender=bystander)
    helper.deposit(bystander, 500)
    helper.deposit(traders[0], 25_000)
    helper.deposit(traders[1], 100_000)
    helper.deposit(traders[2], 100_000)
    helper.deposit(liquidator, 100_000)
    helper.fill(traders[1], traders[0], ETH, to_wad_down(60), 2_000 * WAD)
    helper.fill(traders[2], traders[0], ETH, to_wad_down(40), 2_000 * WAD)
    return bystander


def test_bad_debt_the_fund_cannot_pay_is_owed_by_the_opposite_side_pro_rata_to_size(
    helper, engine, token, fund, guardian, two_shorts, traders, liquidator
):
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)  # the fund pays nothing
    helper.set_price(ETH, 1_740 * WAD)
    bystander_before = helper.state(two_shorts)
    equity_before = {a: helper.state(a).equity for a in traders[1:]}
    receipt = engine.liquidate(traders[0], ETH, to_wad_down(100), sender=liquidator)
    assert event(receipt, "Liquidated").bonus == 0  # the fund paid nothing, so no bonus either
    bad = event(receipt, "BadDebt")
    assert (bad.market, bad.account, bad.debt, bad.covered) == (ETH, traders[0], 1_000 * WAD, 0)
    shared = event(receipt, "LossShared")
    assert (shared.longs, shared.amount, shared.openInterest) == (False, 1_000 * WAD, to_wad_down(100))
    # 10 per ETH short: 600 and 400, each rounded up (never less than the loss)
    owed = [engine.lossOwed(a, ETH) for a in traders[1:]]
    assert owed == [600 * WAD, 400 * WAD], ENG_07
    assert [equity_before[a] - helper.state(a).equity for a in traders[1:]] == owed, ENG_07
    assert helper.state(two_shorts) == bystander_before, ENG_07  # the bystander pays nothing
    assert engine.market(ETH).reduceOnly
    everybody = everyone(traders, liquidator, two_shorts)
    balance, claims = books(engine, token, everybody)
    assert balance == claims, ENG_01

    # the bystander withdraws its 500 in full at once
    engine.withdraw(500 * helper.unit, two_shorts, sender=two_shorts)
    assert token.balanceOf(two_shorts) == 500 * helper.unit, ENG_08


def test_no_withdrawal_order_changes_what_anyone_gets(
    helper, engine, token, fund, guardian, chain, two_shorts, traders, liquidator
):
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)
    helper.set_price(ETH, 1_740 * WAD)
    engine.liquidate(traders[0], ETH, to_wad_down(100), sender=liquidator)
    # the liquidator sells its 100 back to the shorts at the index: every position closes (reduce-only
    # allows it)
    helper.fill(traders[1], liquidator, ETH, -to_wad_down(60), 1_740 * WAD)
    helper.fill(traders[2], liquidator, ETH, -to_wad_down(40), 1_740 * WAD)
    everybody = everyone(traders, liquidator, two_shorts)
    assert all(engine.position(a, ETH)[0] == 0 for a in everybody)
    # each account's claim is its cash, now settled (the shorts paid what they owed)
    claims = {a: engine.cash(a) // engine.SCALE() for a in everybody}
    assert claims[traders[1]] == (100_000 + 60 * 260 - 600) * helper.unit, ENG_07
    balance = token.balanceOf(engine) * engine.SCALE()
    assert balance >= sum(engine.cash(a) for a in everybody) + engine.fees(), ENG_08

    def withdraw_all(order) -> dict:
        got = {}
        for account in order:
            before = token.balanceOf(account)
            if claims[account]:
                engine.withdraw(claims[account], account, sender=account)
            got[account] = token.balanceOf(account) - before
        return got

    snapshot = chain.snapshot()
    forward = withdraw_all(everybody)
    chain.restore(snapshot)
    backward = withdraw_all(everybody[::-1])
    assert forward == backward == claims, ENG_08


def test_a_cross_margined_loss_is_booked_to_the_market_it_came_from(
    helper, engine, token, fund, guardian, traders, liquidator
):
    """traders[0] is long 10 ETH at 2,000 (it loses) and long 1 BTC at 30,000 (flat), with 5,200 of
    collateral. ETH falls to 1,400: equity 5,200 - 6,000 = -800. Closing ETH first books all 800 to ETH;
    closing BTC afterwards books nothing to BTC, whose market stays open."""
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)
    helper.deposit(traders[0], 5_200)
    helper.deposit(traders[1], 100_000)
    helper.deposit(traders[2], 100_000)
    helper.deposit(liquidator, 100_000)
    helper.fill(traders[1], traders[0], ETH, to_wad_down(10), 2_000 * WAD)
    helper.fill(traders[2], traders[0], BTC, to_wad_down(1), 30_000 * WAD)
    helper.set_price(ETH, 1_400 * WAD)
    assert helper.state(traders[0]).equity == -800 * WAD

    eth = engine.liquidate(traders[0], ETH, to_wad_down(10), sender=liquidator)
    bad = event(eth, "BadDebt")
    assert (bad.market, bad.debt) == (ETH, 800 * WAD), ENG_07
    assert helper.state(traders[0]).equity == 0
    btc = engine.liquidate(traders[0], BTC, to_wad_down(1), sender=liquidator)
    assert not [e for e in btc.events if e.event_name in ("BadDebt", "LossShared")], ENG_07
    assert engine.lossOwed(traders[1], ETH) == 800 * WAD, ENG_07
    assert engine.lossOwed(traders[2], BTC) == 0, ENG_07
    assert (engine.market(ETH).reduceOnly, engine.market(BTC).reduceOnly) == (True, False)
    assert engine.cash(traders[0]) == 0
    everybody = everyone(traders, liquidator)
    balance, claims = books(engine, token, everybody)
    assert balance == claims, ENG_01


def test_a_position_opened_after_a_shared_loss_owes_nothing_of_it(
    helper, engine, token, fund, guardian, two_shorts, traders, liquidator, accounts
):
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)
    helper.set_price(ETH, 1_740 * WAD)
    engine.liquidate(traders[0], ETH, to_wad_down(100), sender=liquidator)
    engine.setReduceOnly(ETH, False, sender=guardian)
    # traders[0], now flat with cash 0, deposits again and shorts 1 ETH to the liquidator
    helper.deposit(traders[0], 1_000)
    helper.fill(liquidator, traders[0], ETH, -to_wad_down(1), 1_740 * WAD)
    assert engine.lossOwed(traders[0], ETH) == 0, ENG_07
    # a short adding to its position first pays what it owed, then owes nothing more
    cash_before = engine.cash(traders[1])
    helper.fill(liquidator, traders[1], ETH, -to_wad_down(1), 1_740 * WAD)
    assert engine.lossOwed(traders[1], ETH) == 0
    assert cash_before - engine.cash(traders[1]) == 600 * WAD - 1_740 * WAD, ENG_07
    assert engine.unsettledLoss(ETH) == 400 * WAD  # traders[2] still owes its part
    balance, claims = books(engine, token, everyone(traders, liquidator, two_shorts))
    assert balance == claims, ENG_01


@pytest.fixture
def shared_loss(helper, engine, fund, guardian, two_shorts, traders, liquidator):
    """The fund's COVER is paused when the whale (traders[0], long 100) is closed at 1,740: its 1,000 of
    debt is owed by traders[1] (short 60: 600) and traders[2] (short 40: 400)."""
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)
    helper.set_price(ETH, 1_740 * WAD)
    engine.liquidate(traders[0], ETH, to_wad_down(100), sender=liquidator)
    assert [engine.lossOwed(a, ETH) for a in traders[1:]] == [600 * WAD, 400 * WAD]
    return two_shorts


def test_the_fund_covers_a_shared_loss_later_when_its_pause_ends(
    helper, engine, token, fund, guardian, stranger, shared_loss, traders, liquidator
):
    with reverts(engine.MarginEngineFundPaidNothing, market=ETH, owed=1_000 * WAD):
        engine.coverLoss(ETH, sender=stranger)
    helper.next()
    fund.setPause(FundScope.COVER, 0, sender=guardian)  # the pause is lifted
    fund_before = token.balanceOf(fund)
    receipt = engine.coverLoss(ETH, sender=stranger)
    recovered = event(receipt, "LossRecovered")
    assert (recovered.market, recovered.longs, recovered.amount, recovered.unsettled) == (
        ETH,
        False,
        1_000 * WAD,
        0,
    )
    assert fund_before - token.balanceOf(fund) == 1_000 * helper.unit
    assert [engine.lossOwed(a, ETH) for a in traders[1:]] == [0, 0], ENG_07
    assert engine.market(ETH).recoveredLoss == 1_000 * WAD
    with reverts(engine.MarginEngineNoLossOwed, market=ETH):
        engine.coverLoss(ETH, sender=stranger)
    balance, claims = books(engine, token, everyone(traders, liquidator, shared_loss))
    assert balance == claims, ENG_01


def test_a_recovery_relieves_what_positions_still_owe_pro_rata_and_refunds_no_one(
    helper, engine, token, fund, guardian, stranger, shared_loss, traders, liquidator, accounts
):
    """traders[1] pays its 600 by changing its position; a newcomer opens a short; then the fund, its cap
    lowered to 300, pays 300 of the 400 traders[2] still owes: traders[2] owes 100, and neither traders[1]
    nor the newcomer gets anything."""
    helper.fill(traders[1], liquidator, ETH, -to_wad_down(1), 1_740 * WAD)  # traders[1] buys 1 back
    assert engine.lossOwed(traders[1], ETH) == 0
    engine.setReduceOnly(ETH, False, sender=guardian)
    helper.deposit(traders[0], 1_000)
    helper.fill(liquidator, traders[0], ETH, -to_wad_down(1), 1_740 * WAD)  # a new short
    cash = {a: engine.cash(a) for a in (traders[1], traders[0])}
    helper.next()
    fund.setParams((7 * 86_400, 2 * 86_400, 300 * helper.unit), sender=guardian)
    helper.next()
    fund.setPause(FundScope.COVER, 0, sender=guardian)
    receipt = engine.coverLoss(ETH, sender=stranger)
    assert event(receipt, "LossRecovered").amount == 300 * WAD
    assert engine.lossOwed(traders[2], ETH) == 100 * WAD, ENG_07
    assert engine.lossOwed(traders[0], ETH) == 0, ENG_07
    assert {a: engine.cash(a) for a in cash} == cash, ENG_07
    assert engine.unsettledLoss(ETH) == 100 * WAD
    balance, claims = books(engine, token, everyone(traders, liquidator, shared_loss))
    assert balance == claims, ENG_01


def test_sweep_fees_first_nets_what_positions_owe_of_shared_losses(
    helper, engine, token, fund, shared_loss, traders, liquidator, stranger
):
    """A solvent BTC liquidation accrues an insurance share; sweeping it pays down what the ETH shorts
    owe, pro rata, before any of it goes to the fund."""
    helper.deposit(traders[0], 1_000)
    helper.fill(traders[2], traders[0], BTC, to_wad_down(0.1), 30_000 * WAD)
    helper.set_price(ETH, 1_740 * WAD)  # ETH stays live
    helper.set_price(BTC, 21_000 * WAD)  # equity 100 < MM 105
    engine.liquidate(traders[0], BTC, engine.maxLiquidation(traders[0], BTC), sender=liquidator)
    fees = engine.fees()
    assert 0 < fees < 1_000 * WAD
    owed = [engine.lossOwed(a, ETH) for a in traders[1:]]
    fund_before = token.balanceOf(fund)
    receipt = engine.sweepFees(sender=stranger)
    swept = event(receipt, "FeesSwept")
    assert (swept.amount, swept.netted) == (0, fees)
    assert token.balanceOf(fund) == fund_before and engine.fees() == 0
    assert event(receipt, "LossRecovered").amount == fees
    after = [engine.lossOwed(a, ETH) for a in traders[1:]]
    unsettled = 1_000 * WAD
    for before, now in zip(owed, after, strict=True):  # each relieved by the recovered fraction
        exact = before * (unsettled - fees) // unsettled  # the scale rounds up, to 1e-18 of what is owed
        assert exact <= now <= exact + before // WAD + 2, ENG_07
    assert engine.unsettledLoss(ETH) == unsettled - fees
    balance, claims = books(engine, token, everyone(traders, liquidator, shared_loss))
    assert balance == claims, ENG_01


def test_positions_from_before_a_full_recovery_owe_their_part_of_the_next_shared_loss(
    helper, engine, token, fund, guardian, stranger, shared_loss, traders, liquidator, keepers, operator
):
    """Found by the engine machine on the lane: once the fund has recovered all of a side's loss (a new
    era), a second shared loss must be owed by every position of that side, those held since before the
    recovery too (traders[1] short 60, traders[2] short 40), not only by positions opened since."""
    helper.next()
    fund.setPause(FundScope.COVER, 0, sender=guardian)
    engine.coverLoss(ETH, sender=stranger)  # all of it: the short side starts a new era
    assert engine.unsettledLoss(ETH) == 0
    engine.setReduceOnly(ETH, False, sender=guardian)
    # a new whale, long 100 at 1,740 from the two keepers (short 50 each), insolvent at 1,500
    helper.deposit(traders[0], 18_000)
    for keeper in keepers:
        engine.setOperator(operator, True, sender=keeper)
        helper.fill(keeper, traders[0], ETH, to_wad_down(50), 1_740 * WAD)
    fund.setPause(FundScope.COVER, helper.now + 86_400, sender=guardian)  # the fund pays nothing this time
    helper.set_price(ETH, 1_500 * WAD)
    receipt = engine.liquidate(traders[0], ETH, to_wad_down(100), sender=liquidator)
    shared = event(receipt, "LossShared")
    assert shared.openInterest == to_wad_down(200)  # 60 + 40 + 50 + 50 short
    shorts = [traders[1], traders[2], *keepers]
    owed = [engine.lossOwed(a, ETH) for a in shorts]
    per_unit = -(-shared.amount * WAD // to_wad_down(200))  # rounded up, as the index is
    assert owed == [-(-to_wad_down(s) * per_unit // WAD) for s in (60, 40, 50, 50)], ENG_07
    assert sum(owed) >= engine.unsettledLoss(ETH) == shared.amount, ENG_08
    balance, claims = books(engine, token, everyone(traders, liquidator, shared_loss, *keepers))
    assert balance == claims, ENG_01
