"""MarginEngine fixtures: two markets (ETH and BTC) priced by real MedianOracles that reporters poke
with signed reports, an InsuranceFund registered to the engine, traders with deposits approved for one
operator, and a helper that acts at explicit block times. Collateral has 6 or 18 decimals (every test
runs with both)."""

from __future__ import annotations

import pytest
from eth_account import Account

from bulwark.ledger import engine_claims
from bulwark.model.engine import AccountState, RiskParams  # noqa: F401  (tests import them from here)
from bulwark.model.engine_book import (  # noqa: F401  (the suite's constants; tests import them from here)
    BTC,
    ETH,
    ORACLE_CONFIG,
    REPORTERS,
    RISK,
    START_PRICES,
)
from bulwark.signing.reports import feed_id, relay, reporter_test_keys
from tests.helpers import ChainClock
from tests.unit.fund.conftest import deploy_fund


def deploy_oracle(project, guardian, name: str):
    reporters = sorted(
        (Account.from_key(k).address for k in reporter_test_keys(REPORTERS)), key=lambda a: int(a, 16)
    )
    return guardian.deploy(
        project.MedianOracle, guardian, feed_id(name), name, tuple(ORACLE_CONFIG), reporters
    )


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
    engine = guardian.deploy(project.MarginEngine, guardian, fund, oracles, [RISK.as_tuple()] * len(oracles))
    fund.setEngine(engine, True, sender=guardian)
    for account in [*traders, liquidator]:
        token.mint(account, 10**7 * 10 ** token.decimals(), sender=account)
        token.approve(engine, 2**256 - 1, sender=account)
        engine.setOperator(operator, True, sender=account)
    helper = MarginHelper(engine, token, oracles, operator, chain)
    helper.set_prices(START_PRICES)
    return engine


class MarginHelper(ChainClock):
    """Prices through signed pokes, deposits in whole tokens, fills through the operator, all at
    explicit, increasing block times."""

    def __init__(self, engine, token, oracles, operator, chain):
        super().__init__(chain)
        self.engine = engine
        self.token = token
        self.oracles = oracles
        self.operator = operator
        self.unit = 10 ** token.decimals()
        self.keys = reporter_test_keys(REPORTERS)
        self.feeds = [feed_id(oracle.description()) for oracle in oracles]  # fixed: read once

    def next(self, at: int | None = None) -> int:
        return self.at(self.now + 1 if at is None else at)

    def set_price(self, market: int, price: int, at: int | None = None, epoch: int | None = None):
        """Three reporters report `price`, observed at the poke's block time, for `epoch` (default: the
        oracle's next, read from the chain; a caller that tracks it saves the round trip)."""
        t = self.next(at)
        prices = [price] * len(self.keys)
        return relay(
            self.oracles[market],
            self.keys,
            prices,
            t,
            chain_id=self.chain.chain_id,
            feed=self.feeds[market],
            sender=self.operator,
            epoch=epoch,
        )

    def set_prices(self, prices: dict[int, int]):
        for market, price in prices.items():
            self.set_price(market, price)

    def deposit(self, account, tokens: float):
        self.next()
        return self.engine.deposit(int(tokens * self.unit), sender=account)

    def fill(self, maker, taker, market: int, size: int, price: int, at: int | None = None):
        self.next(at)
        return self.engine.fill((maker, taker, market, size, price), sender=self.operator)

    def state(self, account) -> AccountState:
        return AccountState(*self.engine.accountState(account))

    def index(self, market: int) -> int:
        return self.oracles[market].read()[0]


@pytest.fixture
def helper(engine, token, oracles, operator, chain) -> MarginHelper:
    return MarginHelper(engine, token, oracles, operator, chain)


def books(engine, token, accounts) -> tuple[int, int]:
    """ENG-01's two sides: (token balance * SCALE, sum of `accounts`' cash + fees - unsettled shared losses).
    `accounts` must be every account that ever touched the engine."""
    claims = engine_claims(engine, accounts)
    return token.balanceOf(engine) * engine.SCALE(), claims


def open_interest_sum(engine, accounts, market: int) -> int:
    """ENG-02: the sum of every account's size in `market` (must be zero)."""
    return sum(engine.position(a, market)[0] for a in accounts)
