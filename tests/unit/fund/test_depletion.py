"""InsuranceFund depletion and recapitalisation: while a deposit would mint more than
MAX_SHARES_PER_ASSET shares per asset unit (shares outstanding, assets nearly gone), deposit and mint
revert with InsuranceFundDepleted and maxDeposit/maxMint are 0; addRevenue reopens them; every staker,
old and new, still exits through request -> cooldown -> redeem at what FND-03 allows (FND-05); repeated
drains keep the share supply within MAX_SHARES_PER_ASSET per unit ever deposited."""

from __future__ import annotations

from bulwark.invariants import FND_01, FND_03, FND_05
from bulwark.model.fund import MAX_SHARES_PER_ASSET, PARAMS, VIRTUAL_SHARES
from tests.helpers import reverts

MAX_UINT = 2**256 - 1


def exit_all(helper, fund, token, owners) -> dict:
    """Every owner requests all its shares, then (after the last cooldown) redeems them; checks each
    payout is exactly min(value at request, value at redeem) and returns what each was paid."""
    requests = {}
    for owner in owners:
        shares = fund.balanceOf(owner)
        value = helper.value(shares)
        assets = helper.request(owner, shares).return_value
        assert assets == value, FND_05
        requests[owner] = (shares, assets)
    matured = helper.now + PARAMS.cooldown
    paid = {}
    for k, owner in enumerate(owners):
        shares, requested = requests[owner]
        value = helper.value(shares)
        before = token.balanceOf(owner)
        helper.redeem(owner, shares, at=matured + k)
        paid[owner] = token.balanceOf(owner) - before
        assert paid[owner] == min(requested, value), FND_05
        assert fund.balanceOf(owner) == 0, FND_05
    return paid


def test_the_depletion_bound_is_a_million_times_the_initial_share_rate(fund):
    assert fund.MAX_SHARES_PER_ASSET() == MAX_SHARES_PER_ASSET == VIRTUAL_SHARES * 10**6
    assert 10 ** fund.DECIMALS_OFFSET() == VIRTUAL_SHARES  # the exact-bound test checks the contract too


def test_deposit_and_mint_into_a_drained_fund_revert_with_its_assets_and_supply(
    helper, fund, token, engine, stakers
):
    """Cover takes the whole balance while shares are outstanding: a deposit would mint at
    (supply + 10^6) / 1 shares per unit, so deposit and mint revert, naming the balance and supply,
    and take nothing."""
    helper.deposit(stakers[0], 300)
    helper.drain(engine)
    supply = fund.totalSupply()
    assert fund.totalAssets() == 0 and supply > 0, FND_01
    assert helper.depleted()
    before = token.balanceOf(stakers[1])
    with reverts(fund.InsuranceFundDepleted, totalAssets=0, totalSupply=supply):
        fund.deposit(helper.units_down(100), stakers[1], sender=stakers[1])
    with reverts(fund.InsuranceFundDepleted, totalAssets=0, totalSupply=supply):
        fund.mint(10**6, stakers[1], sender=stakers[1])
    assert token.balanceOf(stakers[1]) == before
    assert fund.totalSupply() == supply


def test_max_deposit_and_max_mint_are_zero_while_depleted_and_open_after_recapitalisation(
    helper, fund, engine, stakers
):
    helper.deposit(stakers[0], 300)
    assert fund.maxDeposit(stakers[1]) == fund.maxMint(stakers[1]) == MAX_UINT
    helper.drain(engine)
    assert fund.maxDeposit(stakers[1]) == fund.maxMint(stakers[1]) == 0
    fund.addRevenue(helper.units_down(1), sender=engine)
    assert not helper.depleted()
    assert fund.maxDeposit(stakers[1]) == fund.maxMint(stakers[1]) == MAX_UINT


def test_deposits_are_refused_exactly_when_a_unit_would_mint_more_than_the_bound(
    helper, fund, engine, stakers
):
    """10^6 - 1 units deposited (10^6 shares each) and drained to zero leave supply + 10^6 == 10^12 *
    (0 + 1): at the bound, still open. A one-unit deposit there mints 10^12 shares (the bound exactly);
    covering that unit puts the fund past the bound, and one unit of revenue brings it back to it."""
    fund.deposit(10**6 - 1, stakers[0], sender=stakers[0])
    fund.cover(10**6 - 1, sender=engine)
    assert (fund.totalAssets(), fund.totalSupply() + VIRTUAL_SHARES) == (0, MAX_SHARES_PER_ASSET)
    assert fund.maxDeposit(stakers[1]) == MAX_UINT
    fund.deposit(1, stakers[1], sender=stakers[1])
    assert fund.balanceOf(stakers[1]) == MAX_SHARES_PER_ASSET
    fund.cover(1, sender=engine)
    supply = fund.totalSupply()
    assert supply + VIRTUAL_SHARES == 2 * MAX_SHARES_PER_ASSET
    assert fund.maxDeposit(stakers[1]) == 0
    with reverts(fund.InsuranceFundDepleted, totalAssets=0, totalSupply=supply):
        fund.deposit(1, stakers[1], sender=stakers[1])
    assert helper.recapitalisation() == 1
    fund.addRevenue(1, sender=engine)
    assert fund.maxDeposit(stakers[1]) == MAX_UINT
    fund.deposit(1, stakers[2], sender=stakers[2])
    assert fund.balanceOf(stakers[2]) == MAX_SHARES_PER_ASSET


def test_a_fund_that_lost_99_9_percent_still_takes_deposits_at_a_fair_price(
    helper, fund, token, engine, stakers
):
    """1,000 tokens staked, 999 covered: a unit now mints about 10^9 shares, a thousandth of the bound;
    the new stake is worth what it paid (less rounding)."""
    helper.deposit(stakers[0], 1_000)
    helper.cover(engine, 999)
    assert not helper.depleted()
    assert fund.maxDeposit(stakers[1]) == MAX_UINT
    helper.deposit(stakers[1], 100)
    value = fund.convertToAssets(fund.balanceOf(stakers[1]))
    assert helper.units_down(100) - 2 <= value <= helper.units_down(100)


def test_the_least_revenue_that_restores_the_bound_reopens_deposits(helper, fund, engine, stakers):
    """addRevenue is the way back: one unit short of `recapitalisation()` stays depleted, the last unit
    reopens deposits (and the revenue belongs to the stakers who bore the loss)."""
    helper.deposit(stakers[0], 300)
    helper.drain(engine)
    need = helper.recapitalisation()
    assert need > 1
    fund.addRevenue(need - 1, sender=engine)
    assert helper.depleted() and fund.maxDeposit(stakers[1]) == 0
    with reverts(fund.InsuranceFundDepleted, totalAssets=need - 1, totalSupply=fund.totalSupply()):
        fund.deposit(helper.units_down(1), stakers[1], sender=stakers[1])
    fund.addRevenue(1, sender=engine)
    assert not helper.depleted() and fund.maxDeposit(stakers[1]) == MAX_UINT
    helper.deposit(stakers[1], 100)


def test_after_a_drain_and_recapitalisation_every_staker_exits_at_what_fnd_03_allows(
    helper, fund, token, engine, stakers
):
    """Two stakers' shares survive a full drain; deposits are refused; 50 tokens of revenue (theirs)
    reopen them; a third staker deposits 100. Then every staker, old and new, requests all its shares,
    waits the cooldown and redeems for exactly min(value at request, value at redeem): the old ones
    share the revenue 3:2, the new one gets its deposit back, less rounding."""
    helper.deposit(stakers[0], 300)
    helper.deposit(stakers[1], 200)
    helper.drain(engine)
    with reverts(fund.InsuranceFundDepleted, totalAssets=0, totalSupply=fund.totalSupply()):
        fund.deposit(helper.units_down(100), stakers[2], sender=stakers[2])
    fund.addRevenue(helper.units_down(50), sender=engine)
    helper.deposit(stakers[2], 100)
    paid = exit_all(helper, fund, token, stakers)
    assert helper.units_down(30) - 2 <= paid[stakers[0]] <= helper.units_down(30), FND_03
    assert helper.units_down(20) - 2 <= paid[stakers[1]] <= helper.units_down(20), FND_03
    assert helper.units_down(100) - 2 <= paid[stakers[2]] <= helper.units_down(100), FND_03
    assert fund.totalSupply() == 0


def test_five_drains_and_recapitalisations_never_overflow_the_share_supply(
    helper, fund, token, engine, stakers
):
    """Each cycle: a staker deposits 900 tokens, cover drains the fund, deposits are refused, the least
    revenue that reopens them is paid in (after the first cycle about what was deposited at the bound's
    rate: the shares outstanding priced at the floor). The supply never exceeds MAX_SHARES_PER_ASSET
    shares per unit ever deposited (before the bound, an 18-decimal supply overflowed at the deposit
    after the third drain), a last stake is worth what it paid, and every staker exits at what FND-03
    allows, the payouts adding up to the fund's balance less rounding."""
    deposited = 0
    for cycle in range(5):
        staker = stakers[cycle % len(stakers)]
        supply = fund.totalSupply()
        helper.deposit(staker, 900)
        deposited += helper.units_down(900)
        assert fund.totalSupply() - supply <= MAX_SHARES_PER_ASSET * helper.units_down(900)
        assert fund.totalSupply() <= MAX_SHARES_PER_ASSET * deposited
        helper.drain(engine)
        assert fund.totalAssets() == 0
        with reverts(fund.InsuranceFundDepleted, totalAssets=0, totalSupply=fund.totalSupply()):
            fund.deposit(helper.units_down(900), staker, sender=staker)
        fund.addRevenue(helper.recapitalisation(), sender=engine)
        assert fund.maxDeposit(staker) == MAX_UINT
    held = fund.balanceOf(stakers[0])
    helper.deposit(stakers[0], 100)
    minted = fund.balanceOf(stakers[0]) - held
    assert helper.units_down(100) - 2 <= helper.value(minted) <= helper.units_down(100)
    assets = fund.totalAssets()
    paid = exit_all(helper, fund, token, stakers)
    assert assets - len(stakers) <= sum(paid.values()) <= assets, FND_03
    assert fund.totalSupply() == 0
