"""InsuranceFund cover: engines only (FND-02), min(amount, balance, allowance), Covered and Shortfall,
the rolling outflow cap (FND-04) at its bucket edges, and the COVER pause."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import FundScope
from bulwark.invariants import FND_01, FND_02, FND_03, FND_04
from bulwark.model.fund import BUCKET_SECONDS, OUTFLOW_BUCKETS, OUTFLOW_WINDOW, PARAMS
from tests.helpers import event, reverts


@pytest.fixture
def staked(helper, stakers):
    """5,000 tokens staked: more than the 1,000-token outflow cap."""
    helper.deposit(stakers[0], 5_000)


def bucket_start(helper) -> int:
    """A bucket boundary comfortably after the head block."""
    return (helper.now // BUCKET_SECONDS + 2) * BUCKET_SECONDS


def test_cover_pays_the_engine_and_emits_covered(helper, fund, token, engine, staked):
    before = token.balanceOf(engine)
    receipt = helper.cover(engine, 250)
    assert token.balanceOf(engine) - before == helper.units_down(250)
    assert receipt.return_value == helper.units_down(250)
    log = event(receipt, "Covered")
    assert (log.engine, log.requested, log.paid) == (engine, helper.units_down(250), helper.units_down(250))
    assert not [e for e in receipt.events if e.event_name == "Shortfall"]
    assert fund.totalAssets() == token.balanceOf(fund) == helper.units_down(4_750), FND_01
    assert fund.outflowUsed() == helper.units_down(250)
    assert fund.outflowAllowance() == helper.units_down(PARAMS.maxOutflow - 250)


def test_cover_beyond_the_cap_pays_the_allowance_and_reports_the_shortfall(helper, fund, engine, staked):
    helper.cover(engine, 600)
    receipt = helper.cover(engine, 600)
    assert receipt.return_value == helper.units_down(400), FND_04
    short = event(receipt, "Shortfall")
    assert (short.engine, short.unpaid, short.balance, short.allowance) == (
        engine,
        helper.units_down(200),
        helper.units_down(4_400),
        helper.units_down(400),
    )
    receipt = helper.cover(engine, 1)
    assert receipt.return_value == 0, FND_04
    assert event(receipt, "Covered").paid == 0
    assert event(receipt, "Shortfall").unpaid == helper.units_down(1)


def test_cover_beyond_the_balance_pays_the_balance(helper, fund, token, engine, stakers, guardian):
    helper.deposit(stakers[0], 300)
    receipt = helper.cover(engine, 500)
    assert receipt.return_value == helper.units_down(300)
    short = event(receipt, "Shortfall")
    assert (short.unpaid, short.balance, short.allowance) == (
        helper.units_down(200),
        helper.units_down(300),
        helper.units_down(PARAMS.maxOutflow),
    )
    assert token.balanceOf(fund) == fund.totalAssets() == 0, FND_01


def test_the_cap_holds_over_any_window_and_frees_up_one_bucket_after_it(helper, fund, engine, staked):
    """Paid at t0 (a bucket start) counts until the bucket OUTFLOW_BUCKETS + 1 later begins: at
    t0 + OUTFLOW_WINDOW - 1 and at t0 + OUTFLOW_WINDOW (still inside the tally's last bucket) nothing more
    is paid; once that bucket ends, the full cap is available again."""
    t0 = bucket_start(helper)
    helper.cover(engine, PARAMS.maxOutflow, at=t0)
    assert helper.cover(engine, 1, at=t0 + OUTFLOW_WINDOW - 1).return_value == 0, FND_04
    last_counted = t0 + OUTFLOW_BUCKETS * BUCKET_SECONDS  # the first second of the 9th bucket
    assert helper.cover(engine, 1, at=last_counted + BUCKET_SECONDS - 1).return_value == 0, FND_04
    paid = helper.cover(engine, PARAMS.maxOutflow, at=last_counted + BUCKET_SECONDS).return_value
    assert paid == helper.units_down(PARAMS.maxOutflow)


def test_the_allowance_frees_bucket_by_bucket(helper, fund, engine, staked):
    t0 = bucket_start(helper)
    helper.cover(engine, 300, at=t0)
    helper.cover(engine, 700, at=t0 + 3 * BUCKET_SECONDS)
    helper.mine_at(t0 + (OUTFLOW_BUCKETS + 1) * BUCKET_SECONDS)  # the first payout left the tally
    assert fund.outflowUsed() == helper.units_down(700)
    assert fund.outflowAllowance() == helper.units_down(300)


def test_only_a_registered_engine_can_cover(helper, fund, token, stranger, staked):
    before = token.balanceOf(fund)
    with reverts(fund.InsuranceFundNotEngine, caller=stranger):
        fund.cover(helper.units_down(1), sender=stranger)
    assert token.balanceOf(fund) == before, FND_02


def test_a_deregistered_engine_can_no_longer_cover(helper, fund, engine, guardian, staked):
    receipt = fund.setEngine(engine, False, sender=guardian)
    log = event(receipt, "EngineUpdated")
    assert (log.engine, log.registered) == (engine, False)
    assert not fund.isEngine(engine)
    with reverts(fund.InsuranceFundNotEngine, caller=engine):
        fund.cover(helper.units_down(1), sender=engine)


def test_a_zero_cover_reverts(fund, engine, staked):
    with reverts(fund.InsuranceFundZeroAmount):
        fund.cover(0, sender=engine)


def test_cover_reverts_while_paused(helper, fund, engine, guardian, staked):
    until = helper.now + 3_600
    fund.setPause(FundScope.COVER, until, sender=guardian)
    with reverts(fund.GuardedPaused, scope=FundScope.COVER, pausedUntil=until):
        fund.cover(helper.units_down(1), sender=engine)


def test_after_a_drain_and_recapitalisation_a_stake_beyond_2_128_shares_is_redeemed_in_full(
    helper, fund, token, engine, stakers
):
    """Cover takes the whole balance while shares are outstanding, so deposits wait for revenue
    (InsuranceFundDepleted). After the least revenue that reopens them a unit mints close to
    MAX_SHARES_PER_ASSET shares, so a new stake of 4 * 10^8 tokens holds, with 18 decimals, more than
    2^128 shares, which its request holds whole (RedeemRequest.shares is uint256): after the cooldown
    it redeems what it put in, less at most a millionth to the old shares and rounding (FND-03)."""
    helper.deposit(stakers[0], 300)
    helper.cover(engine, 300)
    assert fund.totalAssets() == 0 and fund.totalSupply() > 0, FND_01
    with reverts(fund.InsuranceFundDepleted, totalAssets=0, totalSupply=fund.totalSupply()):
        fund.deposit(helper.units_down(100), stakers[1], sender=stakers[1])
    fund.addRevenue(helper.recapitalisation(), sender=engine)
    stake = 4 * 10**8
    token.mint(stakers[1], helper.units_down(stake), sender=stakers[1])
    helper.deposit(stakers[1], stake)
    shares = fund.balanceOf(stakers[1])
    assert shares > 2**128 or token.decimals() < 18
    before = token.balanceOf(stakers[1])
    helper.request(stakers[1], shares)
    helper.redeem(stakers[1], shares, at=helper.now + PARAMS.cooldown)
    paid = token.balanceOf(stakers[1]) - before
    assert helper.units_down(stake) * 999_999 // 1_000_000 <= paid <= helper.units_down(stake), FND_03
    assert fund.balanceOf(stakers[1]) == 0
