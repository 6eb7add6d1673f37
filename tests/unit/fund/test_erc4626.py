"""InsuranceFund against EIP-4626's MUSTs (docs/audit/ERC.md): the previews equal what deposit and mint
do in the same state; convertTo* and the entry previews round down (mint's up), never revert and ignore
pauses and depletion, which only the max* functions report; with a fee-on-transfer token a deposit mints
less than its preview (a documented difference)."""

from __future__ import annotations

from bulwark.abi.scopes import FundScope
from bulwark.invariants import FND_01
from bulwark.model.fund import DECIMALS_OFFSET
from tests.helpers import event

MAX = 2**256 - 1


def uneven_price(helper, fund, stakers):
    """Stake 100 tokens and pay 7 units of revenue (plus one odd unit), so the share price is not 1:1."""
    helper.deposit(stakers[0], 100)
    fund.addRevenue(helper.units_down(7) + 1, sender=stakers[2])


def test_previews_equal_what_deposit_and_mint_do_in_the_same_state(helper, fund, token, stakers):
    """previewDeposit(a) is the shares deposit(a) mints (and returns in its Deposit event); previewMint(s)
    the assets mint(s) takes; both at an uneven share price."""
    uneven_price(helper, fund, stakers)
    assets = helper.units_down(50) + 3
    helper.at(helper.now + 1)
    preview = fund.previewDeposit(assets)
    receipt = fund.deposit(assets, stakers[1], sender=stakers[1])
    assert event(receipt, "Deposit").shares == preview == fund.balanceOf(stakers[1])

    shares = 12_345_678_901
    helper.at(helper.now + 1)
    cost = fund.previewMint(shares)
    before = token.balanceOf(stakers[2])
    receipt = fund.mint(shares, stakers[2], sender=stakers[2])
    assert before - token.balanceOf(stakers[2]) == cost == event(receipt, "Deposit").assets
    assert fund.totalAssets() == token.balanceOf(fund), FND_01


def test_conversions_round_against_the_caller(helper, fund, token, stakers):
    """convertToShares and previewDeposit round down, convertToAssets down, previewMint up: the vault's
    OpenZeppelin formulas with the 10^6 virtual shares and one virtual asset."""
    uneven_price(helper, fund, stakers)
    supply, balance = fund.totalSupply(), token.balanceOf(fund)
    virtual = 10**DECIMALS_OFFSET
    for amount in (1, 7, helper.units_down(3) + 1):
        assert (
            fund.convertToShares(amount)
            == fund.previewDeposit(amount)
            == amount * (supply + virtual) // (balance + 1)
        )
        assert fund.convertToAssets(amount * virtual) == amount * virtual * (balance + 1) // (
            supply + virtual
        )
        assert fund.previewMint(amount * virtual) == -(
            -amount * virtual * (balance + 1) // (supply + virtual)
        )
    assert fund.previewMint(virtual) > fund.convertToAssets(virtual)  # the rounding differs, as it must


def test_conversions_and_entry_previews_ignore_pauses_and_depletion_while_max_deposit_and_mint_say_zero(
    helper, fund, token, stakers, guardian, engine
):
    """EIP-4626: convertTo* and previewDeposit/previewMint do not revert for vault limits; maxDeposit and
    maxMint are 0 while DEPOSIT is paused and while the fund is depleted, unlimited otherwise."""
    uneven_price(helper, fund, stakers)
    assert fund.maxDeposit(stakers[1]) == fund.maxMint(stakers[1]) == MAX
    live = (
        fund.convertToShares(10**6),
        fund.convertToAssets(10**12),
        fund.previewDeposit(10**6),
        fund.previewMint(10**12),
    )
    fund.setPause(FundScope.DEPOSIT, helper.now + 3_600, sender=guardian)
    assert fund.maxDeposit(stakers[1]) == fund.maxMint(stakers[1]) == 0
    paused = (
        fund.convertToShares(10**6),
        fund.convertToAssets(10**12),
        fund.previewDeposit(10**6),
        fund.previewMint(10**12),
    )
    assert paused == live
    fund.setPause(FundScope.DEPOSIT, 0, sender=guardian)
    helper.drain(engine)
    assert helper.depleted()
    assert fund.maxDeposit(stakers[1]) == fund.maxMint(stakers[1]) == 0
    # the previews still answer, at the drained fund's rate
    supply, balance, virtual = fund.totalSupply(), token.balanceOf(fund), 10**DECIMALS_OFFSET
    assert (
        fund.previewDeposit(10**6)
        == fund.convertToShares(10**6)
        == 10**6 * (supply + virtual) // (balance + 1)
    )
    assert fund.previewMint(10**12) == -(-(10**12) * (balance + 1) // (supply + virtual))


def test_a_fee_on_transfer_deposit_mints_less_than_its_preview(fee_fund, stakers, decimals):
    """previewDeposit cannot know the token's fee: the deposit mints for the 99% that arrived, less than
    the preview (EIP-4626 asks for no more than the preview, so this differs; the fund is never diluted)."""
    fund, token = fee_fund
    fund.deposit(100 * 10**decimals, stakers[0], sender=stakers[0])
    amount = 40 * 10**decimals
    preview = fund.previewDeposit(amount)
    arrived = amount - amount // 100
    expected = fund.convertToShares(arrived)
    receipt = fund.deposit(amount, stakers[1], sender=stakers[1])
    assert event(receipt, "Deposit").shares == fund.balanceOf(stakers[1]) == expected < preview
    assert event(receipt, "Deposit").assets == arrived
    assert fund.totalAssets() == token.balanceOf(fund), FND_01
