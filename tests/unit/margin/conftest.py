"""MarginEngine fixtures: two markets (ETH and BTC) priced by real MedianOracles that reporters poke
with signed reports, an InsuranceFund registered to the engine, traders with deposits approved for one
operator, and a helper that acts at explicit block times. Collateral has 6 or 18 decimals (every test
runs with both)."""

from __future__ import annotations

import pytest

from bulwark.chain.base import ZERO_ADDRESS
from bulwark.model.engine_book import (
    RISK,
    START_PRICES,
)
from tests.fixtures.fund import deploy_fund
from tests.fixtures.margin import MarginHelper, deploy_oracle


@pytest.fixture(scope="module")
def traders(accounts):
    return accounts[1:4]


@pytest.fixture(scope="module")
def liquidator(accounts):
    return accounts[4]


@pytest.fixture(scope="module")
def operator(accounts):
    return accounts[6]


@pytest.fixture(scope="module")
def oracles(project, guardian):
    return [deploy_oracle(project, guardian, "ETH/USD"), deploy_oracle(project, guardian, "BTC/USD")]


@pytest.fixture(scope="module")
def fund(project, guardian, token, accounts):
    fund = deploy_fund(project, guardian, token)
    staker = accounts[5]
    token.mint(staker, 10**6 * 10 ** token.decimals(), sender=staker)
    token.approve(fund, 2**256 - 1, sender=staker)
    fund.deposit(10_000 * 10 ** token.decimals(), staker, sender=staker)
    return fund


@pytest.fixture(scope="module")
def engine(project, guardian, token, fund, oracles, traders, liquidator, operator, chain):
    engine = guardian.deploy(
        project.MarginEngine,
        guardian,
        fund,
        oracles,
        [RISK.as_tuple()] * len(oracles),
        [ZERO_ADDRESS] * len(oracles),
    )
    fund.setEngine(engine, True, sender=guardian)
    for account in [*traders, liquidator]:
        token.mint(account, 10**7 * 10 ** token.decimals(), sender=account)
        token.approve(engine, 2**256 - 1, sender=account)
        engine.setOperator(operator, True, sender=account)
    helper = MarginHelper(engine, token, oracles, operator, chain)
    helper.set_prices(START_PRICES)
    return engine


@pytest.fixture
def helper(engine, token, oracles, operator, chain) -> MarginHelper:
    return MarginHelper(engine, token, oracles, operator, chain)
