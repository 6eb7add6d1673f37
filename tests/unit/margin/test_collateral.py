"""MarginEngine collateral: deposits credit what arrived (fee-on-transfer included), withdrawals need
min(equity, collateral) >= IM afterwards (ENG-05), the accounting identity holds (ENG-01)."""

from __future__ import annotations

from bulwark.abi.scopes import EngineScope, OracleScope
from bulwark.invariants import ENG_01, ENG_05, ENG_06
from bulwark.model.engine_book import ETH
from bulwark.units import WAD, to_wad_down
from tests.helpers import event, reverts


def test_deposit_credits_cash_in_wad(helper, engine, token, traders):
    receipt = helper.deposit(traders[0], 1_000)
    scale = engine.SCALE()
    assert scale * helper.unit == WAD
    assert engine.cash(traders[0]) == 1_000 * WAD
    log = event(receipt, "Deposited")
    assert (log.account, log.amount, log.received) == (traders[0], 1_000 * helper.unit, 1_000 * helper.unit)
    assert token.balanceOf(engine) * scale == engine.cash(traders[0]) + engine.fees(), ENG_01


def test_withdraw_without_positions_returns_cash(helper, engine, token, traders):
    helper.deposit(traders[0], 1_000)
    before = token.balanceOf(traders[1])
    receipt = engine.withdraw(400 * helper.unit, traders[1], sender=traders[0])
    assert token.balanceOf(traders[1]) - before == 400 * helper.unit
    assert engine.cash(traders[0]) == 600 * WAD
    log = event(receipt, "Withdrawn")
    assert (log.account, log.receiver, log.amount) == (traders[0], traders[1], 400 * helper.unit)


def test_withdraw_more_than_cash_reverts(helper, engine, traders):
    helper.deposit(traders[0], 100)
    with reverts(
        engine.MarginEngineInsufficientMargin, account=traders[0], equityWithoutProfit=-WAD, initialMargin=0
    ):
        engine.withdraw(101 * helper.unit, traders[0], sender=traders[0])


def test_withdraw_keeps_initial_margin_and_excludes_unrealised_profit(helper, engine, traders):
    helper.deposit(traders[0], 1_000)
    helper.deposit(traders[1], 1_000)
    helper.fill(traders[1], traders[0], ETH, to_wad_down(1), 2_000 * WAD)  # trader 0 long 1 ETH at 2000
    helper.set_price(ETH, 2_200 * WAD)  # +200 unrealised
    state = helper.state(traders[0])
    assert state.equity == 1_200 * WAD and state.collateral == 1_000 * WAD
    # IM = 1 * 2200 * 5% * 2 = 220; withdrawable = collateral - IM = 780, not equity - IM = 980
    assert state.initial_margin == 220 * WAD
    with reverts(
        engine.MarginEngineInsufficientMargin,
        account=traders[0],
        equityWithoutProfit=219 * WAD,
        initialMargin=220 * WAD,
    ):
        engine.withdraw(781 * helper.unit, traders[0], sender=traders[0])
    engine.withdraw(780 * helper.unit, traders[0], sender=traders[0])
    after = helper.state(traders[0])
    assert min(after.equity, after.collateral) >= after.initial_margin, ENG_05


def test_unrealised_loss_counts_against_withdrawals(helper, engine, traders):
    helper.deposit(traders[0], 1_000)
    helper.deposit(traders[1], 1_000)
    helper.fill(traders[1], traders[0], ETH, to_wad_down(1), 2_000 * WAD)
    helper.set_price(ETH, 1_800 * WAD)  # -200 unrealised
    state = helper.state(traders[0])
    assert state.equity == 800 * WAD and state.collateral == 1_000 * WAD
    # IM = 1800 * 10% = 180: withdrawable 620
    with reverts(
        engine.MarginEngineInsufficientMargin,
        account=traders[0],
        equityWithoutProfit=179 * WAD,
        initialMargin=180 * WAD,
    ):
        engine.withdraw(621 * helper.unit, traders[0], sender=traders[0])


def test_zero_amounts_and_zero_receiver_revert(helper, engine, traders):
    helper.deposit(traders[0], 10)
    with reverts(engine.MarginEngineZeroAmount):
        engine.deposit(0, sender=traders[0])
    with reverts(engine.MarginEngineZeroAmount):
        engine.withdraw(0, traders[0], sender=traders[0])
    with reverts(engine.MarginEngineZeroAddress):
        engine.withdraw(1, "0x" + "00" * 20, sender=traders[0])


def test_deposit_and_withdraw_pauses(helper, engine, guardian, traders):
    helper.deposit(traders[0], 10)
    until = helper.now + 3_600
    engine.setPause(EngineScope.DEPOSIT | EngineScope.WITHDRAW, until, sender=guardian)
    with reverts(engine.GuardedPaused, scope=EngineScope.DEPOSIT, pausedUntil=until):
        engine.deposit(1, sender=traders[0])
    with reverts(engine.GuardedPaused, scope=EngineScope.WITHDRAW, pausedUntil=until):
        engine.withdraw(1, traders[0], sender=traders[0])


def test_fee_on_transfer_collateral_credits_what_arrived(project, guardian, decimals, accounts):
    from tests.fixtures.fund import deploy_fund

    token = guardian.deploy(project.FeeOnTransferERC20, decimals)
    fund = deploy_fund(project, guardian, token)
    engine = guardian.deploy(project.MarginEngine, guardian, fund, [], [], [])
    trader = accounts[1]
    amount = 1_000 * 10**decimals
    token.mint(trader, amount, sender=trader)
    token.approve(engine, amount, sender=trader)
    receipt = engine.deposit(amount, sender=trader)
    arrived = amount - amount // 100
    assert event(receipt, "Deposited").received == arrived
    assert engine.cash(trader) == arrived * engine.SCALE()
    assert token.balanceOf(engine) * engine.SCALE() == engine.cash(trader), ENG_01


def test_withdrawals_halt_while_a_held_markets_oracle_is_paused_and_resume_after(
    helper, engine, oracles, traders, guardian
):
    """A paused (or stale, or tripped) price halts withdrawals of accounts that hold the market; an
    account without positions still withdraws (ENG-06)."""
    helper.deposit(traders[0], 1_000)
    helper.deposit(traders[1], 1_000)
    helper.deposit(traders[2], 1_000)
    helper.fill(traders[1], traders[0], ETH, to_wad_down(1), 2_000 * WAD)
    until = helper.now + 600
    oracles[ETH].setPause(OracleScope.READ, until, sender=guardian)
    with reverts(oracles[ETH].GuardedPaused, scope=OracleScope.READ, pausedUntil=until):
        engine.withdraw(helper.unit, traders[0], sender=traders[0])
    assert engine.cash(traders[0]) == (1_000 - 2_000) * WAD, ENG_06
    engine.withdraw(helper.unit, traders[2], sender=traders[2])  # no position: no price needed
    helper.set_price(ETH, 2_000 * WAD, at=until)
    engine.withdraw(helper.unit, traders[0], sender=traders[0])
