"""InsuranceFund staking in: share pricing, zero-share deposits, the inflation attack, fee-on-transfer
tokens, revenue and donations (FND-01), and the DEPOSIT pause."""

from __future__ import annotations

from bulwark.abi.scopes import FundScope
from bulwark.invariants import FND_01
from bulwark.model.fund import DECIMALS_OFFSET
from tests.helpers import event, reverts


def test_shares_have_the_asset_decimals_plus_the_offset(fund, token):
    assert fund.decimals() == token.decimals() + DECIMALS_OFFSET
    assert fund.asset() == token.address


def test_first_deposit_mints_at_the_virtual_share_rate(helper, fund, stakers):
    receipt = helper.deposit(stakers[0], 100)
    assets = helper.units_down(100)
    expected = assets * (0 + 10**DECIMALS_OFFSET) // (0 + 1)
    assert fund.balanceOf(stakers[0]) == expected
    log = event(receipt, "Deposit")
    assert (log.sender, log.owner, log.assets, log.shares) == (stakers[0], stakers[0], assets, expected)
    assert fund.totalAssets() == helper.token.balanceOf(fund) == assets, FND_01


def test_later_deposit_is_priced_on_the_balance_before_it(helper, fund, token, stakers):
    helper.deposit(stakers[0], 100)
    fund.addRevenue(helper.units_down(7), sender=stakers[2])  # share price moves off 1:1
    supply, balance = fund.totalSupply(), token.balanceOf(fund)
    helper.deposit(stakers[1], 50)
    assets = helper.units_down(50)
    assert fund.balanceOf(stakers[1]) == assets * (supply + 10**DECIMALS_OFFSET) // (balance + 1)


def test_deposit_too_small_to_mint_a_share_reverts_and_keeps_the_assets(helper, fund, token, stakers):
    fund.deposit(1, stakers[0], sender=stakers[0])  # one wei: 1e6 virtual-rate shares
    fund.addRevenue(helper.units_down(1_000), sender=stakers[2])  # one wei now buys < 1 share unit
    # 1 wei * (supply + 1e6) // (balance + 1) == 0 once balance + 1 > supply + 1e6
    assert (fund.totalSupply() + 10**DECIMALS_OFFSET) < token.balanceOf(fund) + 1
    before = token.balanceOf(stakers[1])
    with reverts(fund.InsuranceFundZeroShares, assets=1, received=1):
        fund.deposit(1, stakers[1], sender=stakers[1])
    assert token.balanceOf(stakers[1]) == before


def test_inflation_attack_on_the_first_depositor_loses_the_attacker_money(
    helper, fund, token, stakers, accounts
):
    """The classic attack: deposit 1 wei, donate a large amount, let the victim's deposit round down.
    With a 6-decimal virtual offset the attacker's 1 wei holds as many shares as the virtual ones, so
    half the donation goes to the virtual shares, and the victim loses at most one share's worth
    (a few millionths of its deposit)."""
    attacker, victim = accounts[8], stakers[1]
    donation, deposit = helper.units_down(10_000), helper.units_down(1_000)
    token.mint(attacker, 1 + donation, sender=attacker)
    token.approve(fund, 1, sender=attacker)
    fund.deposit(1, attacker, sender=attacker)
    token.transfer(fund, donation, sender=attacker)  # the donation raises the share price
    fund.deposit(deposit, victim, sender=victim)

    supply, balance = fund.totalSupply(), token.balanceOf(fund)
    victim_value = fund.convertToAssets(fund.balanceOf(victim))
    attacker_value = fund.convertToAssets(fund.balanceOf(attacker))
    one_share = -(-(balance + 1) // (supply + 10**DECIMALS_OFFSET))
    assert deposit - victim_value <= one_share + 1
    assert (deposit - victim_value) * 100_000 < deposit  # under 0.001%
    # the attacker's gain from the victim is dwarfed by what it left to the virtual shares
    assert attacker_value < (1 + donation) * 6 // 10
    assert fund.totalAssets() == token.balanceOf(fund) == 1 + donation + deposit, FND_01


def test_revenue_raises_the_share_price_and_is_counted_exactly(helper, fund, token, stakers, engine):
    helper.deposit(stakers[0], 100)
    shares = fund.balanceOf(stakers[0])
    before = fund.convertToAssets(shares)
    receipt = fund.addRevenue(helper.units_down(10), sender=engine)
    log = event(receipt, "RevenueReceived")
    assert (log.payer, log.amount, log.received) == (engine, helper.units_down(10), helper.units_down(10))
    assert fund.convertToAssets(shares) > before
    assert fund.convertToAssets(shares) == helper.value(shares)
    assert fund.totalAssets() == token.balanceOf(fund) == helper.units_down(110), FND_01


def test_a_direct_donation_is_part_of_total_assets(helper, fund, token, stakers):
    helper.deposit(stakers[0], 100)
    token.transfer(fund, helper.units_down(5), sender=stakers[1])
    assert fund.totalAssets() == token.balanceOf(fund) == helper.units_down(105), FND_01


def test_zero_revenue_reverts(fund, engine):
    with reverts(fund.InsuranceFundZeroAmount):
        fund.addRevenue(0, sender=engine)


def test_mint_takes_the_rounded_up_assets(helper, fund, token, stakers):
    helper.deposit(stakers[0], 100)
    fund.addRevenue(helper.units_down(3), sender=stakers[2])
    shares = 12_345_678
    supply, balance = fund.totalSupply(), token.balanceOf(fund)
    expected = -(-shares * (balance + 1) // (supply + 10**DECIMALS_OFFSET))
    before = token.balanceOf(stakers[1])
    fund.mint(shares, stakers[1], sender=stakers[1])
    assert before - token.balanceOf(stakers[1]) == expected
    assert fund.balanceOf(stakers[1]) == shares


def test_mint_of_zero_shares_reverts(fund, stakers):
    with reverts(fund.InsuranceFundZeroAmount):
        fund.mint(0, stakers[0], sender=stakers[0])


def test_deposit_and_mint_revert_while_deposit_is_paused(helper, fund, stakers, guardian):
    until = helper.now + 3_600
    fund.setPause(FundScope.DEPOSIT, until, sender=guardian)
    assert fund.maxDeposit(stakers[0]) == fund.maxMint(stakers[0]) == 0
    with reverts(fund.GuardedPaused, scope=FundScope.DEPOSIT, pausedUntil=until):
        fund.deposit(helper.units_down(1), stakers[0], sender=stakers[0])
    with reverts(fund.GuardedPaused, scope=FundScope.DEPOSIT, pausedUntil=until):
        fund.mint(10**6, stakers[0], sender=stakers[0])
    helper.at(until)
    fund.deposit(helper.units_down(1), stakers[0], sender=stakers[0])  # the pause ended by itself
    assert fund.maxDeposit(stakers[0]) == 2**256 - 1


# ---------------------------------------------------------------- fee-on-transfer collateral


def arrived(amount: int) -> int:
    return amount - amount * 100 // 10_000  # FeeOnTransferERC20 burns 1%


def test_fee_on_transfer_deposit_mints_shares_for_what_arrived(fee_fund, stakers, decimals):
    fund, token = fee_fund
    first, second = 100 * 10**decimals, 40 * 10**decimals
    fund.deposit(first, stakers[0], sender=stakers[0])
    supply, balance = fund.totalSupply(), token.balanceOf(fund)
    assert balance == arrived(first)
    value_before = fund.convertToAssets(fund.balanceOf(stakers[0]))

    receipt = fund.deposit(second, stakers[1], sender=stakers[1])
    shares = arrived(second) * (supply + 10**DECIMALS_OFFSET) // (balance + 1)
    assert fund.balanceOf(stakers[1]) == shares
    assert event(receipt, "Deposit").assets == arrived(second)
    # the first staker is not diluted by the fee the second one paid
    assert fund.convertToAssets(fund.balanceOf(stakers[0])) >= value_before
    assert fund.totalAssets() == token.balanceOf(fund) == arrived(first) + arrived(second), FND_01


def test_fee_on_transfer_mint_reverts_and_loses_nothing(fee_fund, stakers, decimals):
    fund, token = fee_fund
    fund.deposit(100 * 10**decimals, stakers[0], sender=stakers[0])
    shares = 10**DECIMALS_OFFSET * 10**decimals
    assets = fund.previewMint(shares)
    before = (token.balanceOf(stakers[1]), token.balanceOf(fund), fund.totalSupply())
    with reverts(fund.InsuranceFundTransferShortfall, expected=assets, received=arrived(assets)):
        fund.mint(shares, stakers[1], sender=stakers[1])
    assert (token.balanceOf(stakers[1]), token.balanceOf(fund), fund.totalSupply()) == before


def test_fee_on_transfer_revenue_counts_what_arrived(fee_fund, stakers, decimals):
    fund, token = fee_fund
    receipt = fund.addRevenue(10 * 10**decimals, sender=stakers[2])
    assert event(receipt, "RevenueReceived").received == arrived(10 * 10**decimals)
    assert fund.totalAssets() == token.balanceOf(fund), FND_01
