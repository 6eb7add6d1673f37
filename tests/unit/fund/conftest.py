"""InsuranceFund fixtures: a fund over a 6- or 18-decimal collateral token (every test runs with both),
one registered engine, stakers with minted balances, and a helper that acts at explicit block times."""

from __future__ import annotations

import pytest

from tests.fixtures.fund import FundHelper, deploy_fund


@pytest.fixture(scope="module")
def engine(accounts):
    """The registered engine (a plain account stands in for a MarginEngine)."""
    return accounts[7]


@pytest.fixture(scope="module")
def stakers(accounts):
    return accounts[1:4]


@pytest.fixture(scope="module")
def fund(project, guardian, token, engine, stakers):
    fund = deploy_fund(project, guardian, token)
    fund.setEngine(engine, True, sender=guardian)
    unit = 10 ** token.decimals()
    for account in [*stakers, engine]:
        token.mint(account, 1_000_000 * unit, sender=account)
        token.approve(fund, 2**256 - 1, sender=account)
    return fund


@pytest.fixture
def helper(fund, token, chain) -> FundHelper:
    return FundHelper(fund, token, chain)


@pytest.fixture(scope="module")
def fee_fund(project, guardian, decimals, stakers):
    """A fund over a fee-on-transfer token (mocks/FeeOnTransferERC20), the stakers funded and approved."""
    token = guardian.deploy(project.FeeOnTransferERC20, decimals)
    fund = deploy_fund(project, guardian, token)
    for account in stakers:
        token.mint(account, 10**6 * 10**decimals, sender=account)
        token.approve(fund, 2**256 - 1, sender=account)
    return fund, token
