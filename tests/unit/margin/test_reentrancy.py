"""A hostile collateral token whose transfer hook re-enters the engine cannot break the books (ENG-01):
every entry point that moves tokens is non-reentrant, so the re-entrant call fails while the outer one
completes. The token itself holds an engine account, so the re-entrant call would otherwise succeed (the
control test shows it does, outside a transfer)."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from bulwark.chain.base import ZERO_ADDRESS
from bulwark.invariants import ENG_01
from bulwark.model.engine_book import RISK, START_PRICES
from tests.fixtures.fund import deploy_fund
from tests.fixtures.margin import MarginHelper, books, deploy_oracle

REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]


@pytest.fixture(scope="module")
def hostile(project, guardian, decimals, accounts, operator, chain):
    token = guardian.deploy(project.ReentrantERC20, decimals)
    oracle = deploy_oracle(project, guardian, "ETH/USD")
    fund = deploy_fund(project, guardian, token)
    engine = guardian.deploy(
        project.MarginEngine, guardian, fund, [oracle], [RISK.as_tuple()], [ZERO_ADDRESS]
    )
    fund.setEngine(engine, True, sender=guardian)
    unit = 10**decimals
    trader = accounts[1]
    token.mint(trader, 10_000 * unit, sender=trader)
    token.approve(engine, 2**256 - 1, sender=trader)
    engine.deposit(1_000 * unit, sender=trader)
    # the token contract is an account of the engine too, with collateral it could try to pull out
    token.mint(token, 1_000 * unit, sender=trader)
    token.execute(token, token.approve.encode_input(engine, 2**256 - 1), sender=trader)
    token.execute(engine, engine.deposit.encode_input(1_000 * unit), sender=trader)
    MarginHelper(engine, token, [oracle], operator, chain).set_price(0, START_PRICES[0])
    return token, engine, trader, unit


def withdraw_call(engine, token, unit) -> bytes:
    return engine.withdraw.encode_input(500 * unit, token)


def deposit_call(engine, unit) -> bytes:
    return engine.deposit.encode_input(100 * unit)


def test_the_hooks_call_works_outside_a_transfer(hostile):
    """Control: the token account may withdraw; only re-entry stops it."""
    token, engine, trader, unit = hostile
    token.execute(engine, withdraw_call(engine, token, unit), sender=trader)
    assert engine.cash(token) == 500 * unit * engine.SCALE()


@pytest.mark.parametrize("hook", ["withdraw", "deposit"])
@pytest.mark.parametrize("outer", ["deposit", "withdraw"])
def test_a_reentrant_call_from_a_transfer_hook_fails_and_the_books_hold(hostile, outer, hook):
    token, engine, trader, unit = hostile
    data = withdraw_call(engine, token, unit) if hook == "withdraw" else deposit_call(engine, unit)
    token.setHook(engine, data, sender=trader)
    calls = token.hookCalls()
    cash_before = (engine.cash(trader), engine.cash(token))
    if outer == "deposit":
        engine.deposit(10 * unit, sender=trader)
        expected = (cash_before[0] + 10 * unit * engine.SCALE(), cash_before[1])
    else:
        engine.withdraw(10 * unit, trader, sender=trader)
        expected = (cash_before[0] - 10 * unit * engine.SCALE(), cash_before[1])
    assert token.hookCalls() == calls + 1
    assert not token.lastHookSucceeded()
    assert bytes(token.lastHookReturn())[:4] == REENTRANT_CALL
    assert (engine.cash(trader), engine.cash(token)) == expected
    balance, claims = books(engine, token, [trader, token])
    assert balance == claims, ENG_01
