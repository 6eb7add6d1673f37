"""InsuranceFund fixtures: a fund over a 6- or 18-decimal collateral token (every test runs with both),
one registered engine, stakers with minted balances, and a helper that acts at explicit block times."""

from __future__ import annotations

import pytest

from bulwark.model.fund import (
    BUCKET_SECONDS,
    DECIMALS_OFFSET,
    MAX_SHARES_PER_ASSET,
    OUTFLOW_BUCKETS,
    OUTFLOW_WINDOW,
    PARAMS,
    VIRTUAL_SHARES,
    Params,
)
from bulwark.units import to_units_down
from tests.helpers import ChainClock


@pytest.fixture(scope="module")
def engine(accounts):
    """The registered engine (a plain account stands in for a MarginEngine)."""
    return accounts[7]


@pytest.fixture(scope="module")
def stakers(accounts):
    return accounts[1:4]


def fund_args(
    guardian, token, params: Params = PARAMS, outflow_window: int = OUTFLOW_WINDOW, engines=()
) -> tuple:
    """InsuranceFund constructor arguments; `params.maxOutflow` in whole tokens."""
    unit = 10 ** token.decimals()
    on_chain = (params.cooldown, params.redeemWindow, params.maxOutflow * unit)
    return (guardian, token, "Bulwark Insurance", "bINS", outflow_window, on_chain, list(engines))


def deploy_fund(
    project, guardian, token, params: Params = PARAMS, outflow_window: int = OUTFLOW_WINDOW, engines=()
):
    return guardian.deploy(
        project.InsuranceFund, *fund_args(guardian, token, params, outflow_window, engines)
    )


@pytest.fixture(scope="module")
def fund(project, guardian, token, engine, stakers):
    fund = deploy_fund(project, guardian, token)
    fund.setEngine(engine, True, sender=guardian)
    unit = 10 ** token.decimals()
    for account in [*stakers, engine]:
        token.mint(account, 1_000_000 * unit, sender=account)
        token.approve(fund, 2**256 - 1, sender=account)
    return fund


class FundHelper(ChainClock):
    """Amounts in whole tokens (`units_down`) and actions at explicit, increasing block times."""

    def __init__(self, fund, token, chain):
        super().__init__(chain)
        self.fund = fund
        self.token = token
        self.decimals = token.decimals()
        self.unit = 10**self.decimals

    def units_down(self, tokens: float) -> int:
        """Whole tokens in the token's smallest units, truncated."""
        return to_units_down(tokens, self.decimals)

    def deposit(self, staker, tokens: float, at: int | None = None):
        self.at(self.now + 1 if at is None else at)
        return self.fund.deposit(self.units_down(tokens), staker, sender=staker)

    def request(self, staker, shares: int, at: int | None = None):
        self.at(self.now + 1 if at is None else at)
        return self.fund.requestRedeem(shares, sender=staker)

    def redeem(self, staker, shares: int, at: int | None = None, receiver=None):
        self.at(self.now + 1 if at is None else at)
        return self.fund.redeem(shares, receiver or staker, staker, sender=staker)

    def cover(self, engine, tokens: float, at: int | None = None):
        self.at(self.now + 1 if at is None else at)
        return self.fund.cover(self.units_down(tokens), sender=engine)

    def value(self, shares: int) -> int:
        """ERC4626 convertToAssets, recomputed in Python from the fund's balance and supply."""
        assets, supply = self.token.balanceOf(self.fund), self.fund.totalSupply()
        return shares * (assets + 1) // (supply + 10**DECIMALS_OFFSET)

    def depleted(self) -> bool:
        """The fund's depletion rule: a deposit would mint more than MAX_SHARES_PER_ASSET per unit."""
        return depleted(self.token.balanceOf(self.fund), self.fund.totalSupply())

    def recapitalisation(self) -> int:
        """The least revenue (in units) after which deposits are open again."""
        return recapitalisation(self.token.balanceOf(self.fund), self.fund.totalSupply())

    def drain(self, engine) -> None:
        """The engine covers the fund's whole balance, waiting for the outflow tally to clear when the
        cap leaves less than the balance."""
        while (balance := self.token.balanceOf(self.fund)) > 0:
            if self.fund.outflowAllowance() < balance:
                self.mine_at(self.now + (OUTFLOW_BUCKETS + 1) * BUCKET_SECONDS)
            self.at(self.now + 1)
            self.fund.cover(balance, sender=engine)


def depleted(assets: int, supply: int) -> bool:
    """Deposits are refused while supply + 10^DECIMALS_OFFSET > MAX_SHARES_PER_ASSET * (assets + 1)."""
    return supply + VIRTUAL_SHARES > MAX_SHARES_PER_ASSET * (assets + 1)


def recapitalisation(assets: int, supply: int) -> int:
    """The least revenue that makes `depleted` false (0 if it is already)."""
    return max(0, -(-(supply + VIRTUAL_SHARES) // MAX_SHARES_PER_ASSET) - 1 - assets)


@pytest.fixture
def helper(fund, token, chain) -> FundHelper:
    return FundHelper(fund, token, chain)
