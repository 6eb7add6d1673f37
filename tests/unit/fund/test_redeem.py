"""InsuranceFund staking out: request, cooldown, window, the lower of request-time and current value
(FND-03), locked shares, cancellation, the ERC4626 paths that would skip the cooldown, and the REQUEST
and REDEEM pauses."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import FundScope
from bulwark.invariants import FND_01, FND_03
from bulwark.model.fund import PARAMS
from tests.helpers import event, reverts, view_reverts


@pytest.fixture
def staked(helper, fund, stakers):
    """stakers[0] and stakers[1] hold 100 and 300 tokens' worth of shares."""
    helper.deposit(stakers[0], 100)
    helper.deposit(stakers[1], 300)
    return fund.balanceOf(stakers[0])


def test_request_records_the_value_and_the_window(helper, fund, stakers, staked):
    t = helper.now + 10
    receipt = helper.request(stakers[0], staked, at=t)
    assets = helper.value(staked)
    assert assets == helper.units_down(100)
    claimable, expires = t + PARAMS.cooldown, t + PARAMS.cooldown + PARAMS.redeemWindow
    assert tuple(fund.redeemRequest(stakers[0])) == (staked, assets, claimable, expires)
    log = event(receipt, "RedeemRequested")
    assert (log.owner, log.shares, log.assets, log.claimableAt, log.expiresAt) == (
        stakers[0],
        staked,
        assets,
        claimable,
        expires,
    )
    assert receipt.return_value == assets
    assert fund.lockedShares(stakers[0]) == staked


def test_redeem_before_the_cooldown_ends_reverts_and_at_its_end_pays(helper, fund, token, stakers, staked):
    t = helper.now + 10
    helper.request(stakers[0], staked, at=t)
    claimable = t + PARAMS.cooldown
    helper.at(claimable - 1)
    with reverts(
        fund.InsuranceFundCooldownActive, owner=stakers[0], timestamp=claimable - 1, claimableAt=claimable
    ):
        fund.redeem(staked, stakers[0], stakers[0], sender=stakers[0])
    assert fund.maxRedeem(stakers[0]) == 0
    before = token.balanceOf(stakers[0])
    receipt = helper.redeem(stakers[0], staked, at=claimable)
    assert token.balanceOf(stakers[0]) - before == helper.units_down(100), FND_03
    claimed = event(receipt, "RedeemClaimed")
    assert (claimed.owner, claimed.shares, claimed.requestedAssets, claimed.paid) == (
        stakers[0],
        staked,
        helper.units_down(100),
        helper.units_down(100),
    )
    withdrawn = event(receipt, "Withdraw")
    assert (withdrawn.owner, withdrawn.assets, withdrawn.shares) == (
        stakers[0],
        helper.units_down(100),
        staked,
    )
    assert fund.balanceOf(stakers[0]) == 0
    assert tuple(fund.redeemRequest(stakers[0])) == (0, 0, 0, 0)
    assert fund.totalAssets() == token.balanceOf(fund) == helper.units_down(300), FND_01


def test_redeem_after_the_window_reverts_and_unlocks_the_shares(helper, fund, stakers, staked):
    t = helper.now + 10
    helper.request(stakers[0], staked, at=t)
    expires = t + PARAMS.cooldown + PARAMS.redeemWindow
    helper.at(expires)
    with reverts(fund.InsuranceFundRequestExpired, owner=stakers[0], expiresAt=expires):
        fund.redeem(staked, stakers[0], stakers[0], sender=stakers[0])
    assert fund.lockedShares(stakers[0]) == 0
    fund.transfer(stakers[2], 1, sender=stakers[0])  # transferable again
    helper.request(stakers[0], staked - 1)  # and may be requested again
    assert fund.redeemRequest(stakers[0]).shares == staked - 1


def test_payout_is_capped_at_the_request_time_value_when_the_price_rises(
    helper, fund, token, stakers, staked
):
    helper.request(stakers[0], staked)
    fund.addRevenue(helper.units_down(40), sender=stakers[2])  # +10% on 400
    assert helper.value(staked) > helper.units_down(100)
    before = token.balanceOf(stakers[0])
    helper.redeem(stakers[0], staked, at=helper.now + PARAMS.cooldown)
    assert token.balanceOf(stakers[0]) - before == helper.units_down(100), FND_03
    # the gain the leaver gave up stays with the remaining staker
    assert fund.convertToAssets(fund.balanceOf(stakers[1])) > helper.units_down(300)


def test_payout_follows_a_loss_during_the_cooldown(helper, fund, token, stakers, staked, engine):
    helper.request(stakers[0], staked)
    helper.cover(engine, 200)  # the fund loses half
    now_value = helper.value(staked)
    assert now_value < helper.units_down(100)
    before = token.balanceOf(stakers[0])
    receipt = helper.redeem(stakers[0], staked, at=helper.now + PARAMS.cooldown)
    assert token.balanceOf(stakers[0]) - before == now_value, FND_03
    assert event(receipt, "RedeemClaimed").paid == now_value


def test_claimable_and_max_redeem_report_the_open_window(helper, fund, stakers, staked):
    t = helper.now + 10
    helper.request(stakers[0], staked, at=t)
    assert fund.claimableAssets(stakers[0]) == 0
    helper.mine_at(t + PARAMS.cooldown)
    assert fund.maxRedeem(stakers[0]) == staked
    assert fund.claimableAssets(stakers[0]) == helper.units_down(100)
    assert fund.maxWithdraw(stakers[0]) == 0


def test_redeem_must_take_exactly_the_requested_shares(helper, fund, stakers, staked):
    helper.request(stakers[0], staked)
    helper.at(helper.now + PARAMS.cooldown)
    with reverts(fund.InsuranceFundRedeemMismatch, owner=stakers[0], shares=staked - 1, requested=staked):
        fund.redeem(staked - 1, stakers[0], stakers[0], sender=stakers[0])


def test_plain_erc4626_exits_that_would_skip_the_cooldown_revert(helper, fund, stakers, staked):
    with reverts(fund.InsuranceFundCooldownRequired, owner=stakers[0]):
        fund.redeem(staked, stakers[0], stakers[0], sender=stakers[0])
    # withdraw is pure (it always reverts), so Ape calls it rather than sending a transaction
    view_reverts(
        fund.InsuranceFundWithdrawUnsupported, fund.withdraw, helper.units_down(1), stakers[0], stakers[0]
    )
    view_reverts(fund.InsuranceFundAsyncRedeem, fund.previewRedeem, staked)
    view_reverts(fund.InsuranceFundAsyncRedeem, fund.previewWithdraw, helper.units_down(1))
    assert fund.maxRedeem(stakers[0]) == 0


def test_an_approved_spender_redeems_for_the_owner_with_its_allowance(helper, fund, token, stakers, staked):
    spender = stakers[2]
    helper.request(stakers[0], staked)
    fund.approve(spender, staked, sender=stakers[0])
    helper.at(helper.now + PARAMS.cooldown)
    before = token.balanceOf(spender)
    fund.redeem(staked, spender, stakers[0], sender=spender)
    assert token.balanceOf(spender) - before == helper.units_down(100)
    assert fund.allowance(stakers[0], spender) == 0


def test_a_stranger_cannot_redeem_someone_elses_request(helper, fund, stakers, staked, stranger):
    helper.request(stakers[0], staked)
    helper.at(helper.now + PARAMS.cooldown)
    with reverts(fund.ERC20InsufficientAllowance, spender=stranger, allowance=0, needed=staked):
        fund.redeem(staked, stranger, stakers[0], sender=stranger)


def test_requested_shares_cannot_be_transferred(helper, fund, stakers, staked):
    helper.request(stakers[0], staked // 2)
    free = staked - staked // 2
    with reverts(
        fund.InsuranceFundSharesLocked, owner=stakers[0], shares=free + 1, balance=staked, locked=staked // 2
    ):
        fund.transfer(stakers[2], free + 1, sender=stakers[0])
    fund.transfer(stakers[2], free, sender=stakers[0])  # the unlocked part moves
    assert fund.balanceOf(stakers[0]) == staked // 2


def test_requested_shares_cannot_be_moved_by_an_approved_spender_either(helper, fund, stakers, staked):
    helper.request(stakers[0], staked)
    fund.approve(stakers[2], staked, sender=stakers[0])
    with reverts(fund.InsuranceFundSharesLocked, owner=stakers[0], shares=1, balance=staked, locked=staked):
        fund.transferFrom(stakers[0], stakers[2], 1, sender=stakers[2])


def test_a_second_request_while_one_is_live_reverts(helper, fund, stakers, staked):
    t = helper.now + 10
    helper.request(stakers[0], staked // 2, at=t)
    expires = t + PARAMS.cooldown + PARAMS.redeemWindow
    with reverts(fund.InsuranceFundRequestPending, owner=stakers[0], shares=staked // 2, expiresAt=expires):
        fund.requestRedeem(staked - staked // 2, sender=stakers[0])


def test_requesting_more_than_the_balance_or_nothing_reverts(fund, stakers, staked):
    with reverts(
        fund.InsuranceFundSharesLocked, owner=stakers[0], shares=staked + 1, balance=staked, locked=0
    ):
        fund.requestRedeem(staked + 1, sender=stakers[0])
    with reverts(fund.InsuranceFundZeroAmount):
        fund.requestRedeem(0, sender=stakers[0])


def test_cancel_unlocks_the_shares(helper, fund, stakers, staked):
    helper.request(stakers[0], staked)
    receipt = fund.cancelRedeem(sender=stakers[0])
    log = event(receipt, "RedeemCancelled")
    assert (log.owner, log.shares) == (stakers[0], staked)
    assert fund.lockedShares(stakers[0]) == 0
    fund.transfer(stakers[2], staked, sender=stakers[0])
    assert fund.balanceOf(stakers[2]) == staked


def test_cancel_without_a_live_request_reverts(fund, stakers, staked):
    with reverts(fund.InsuranceFundCooldownRequired, owner=stakers[0]):
        fund.cancelRedeem(sender=stakers[0])


def test_a_request_keeps_the_cooldown_it_was_made_with(helper, fund, stakers, staked, guardian):
    t = helper.now + 10
    helper.request(stakers[0], staked, at=t)
    fund.setParams(
        (PARAMS.cooldown * 2, PARAMS.redeemWindow, helper.units_down(PARAMS.maxOutflow)), sender=guardian
    )
    helper.redeem(stakers[0], staked, at=t + PARAMS.cooldown)  # the old cooldown applies
    assert fund.balanceOf(stakers[0]) == 0


def test_request_and_redeem_revert_while_their_scopes_are_paused(helper, fund, stakers, staked, guardian):
    until = helper.now + 30 * 86_400
    fund.setPause(FundScope.REQUEST, until, sender=guardian)
    with reverts(fund.GuardedPaused, scope=FundScope.REQUEST, pausedUntil=until):
        fund.requestRedeem(staked, sender=stakers[1])
    fund.setPause(FundScope.REQUEST, 0, sender=guardian)
    helper.request(stakers[0], staked)
    fund.setPause(FundScope.REDEEM, until, sender=guardian)
    helper.mine_at(helper.now + PARAMS.cooldown)  # the window is open; views see it
    assert fund.maxRedeem(stakers[0]) == 0
    assert fund.claimableAssets(stakers[0]) == 0  # nothing can be claimed while REDEEM is paused
    with reverts(fund.GuardedPaused, scope=FundScope.REDEEM, pausedUntil=until):
        fund.redeem(staked, stakers[0], stakers[0], sender=stakers[0])
    fund.cancelRedeem(sender=stakers[0])  # leaving the queue is never paused
    assert fund.lockedShares(stakers[0]) == 0
