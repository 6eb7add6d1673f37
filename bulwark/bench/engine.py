"""Gas of MarginEngine's paths, measured from receipts on a local chain.

A fresh suite (collateral, fund, two oracles, engine) per run. The accounts that are liquidated hold
positions in both markets, so every liquidation reads two oracles (cross margin), which is the realistic
case; prices move through real signed pokes. Figures are whole-transaction gas_used.

Liquidations are measured in steady state: the keeper already holds a position in the market and fees
have accrued before (a warm-up liquidation of another account), as on a live venue. A keeper's very first
liquidation in a market, and the engine's first fee, each write a zero slot (about 20,000 gas more);
`LIQ_FIRST` reports that case.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account

from bulwark.abi.scopes import FundScope
from bulwark.model.engine import RiskParams
from bulwark.model.oracle import OracleConfig
from bulwark.signing.reports import feed_id, relay, reporter_test_keys
from bulwark.units import WAD

AAVE_V3_LIQUIDATION_GAS = 340_000  # Aave v3 liquidationCall, as commonly measured (not measured here)
LIQUIDATION_TARGET = 200_000
DECIMALS = 6
UNIT = 10**DECIMALS
# three reporters, all needed (tolerating no hostile key); a wide breaker so the crash path is served
ORACLE_CONFIG = tuple(OracleConfig(3, 0, 1800, 60, 3600, 600, 86_400, 300, WAD // 2, WAD, 10**6 * WAD))
FUND_PARAMS = (7 * 86_400, 2 * 86_400, 100_000 * UNIT)

DEPOSIT = "deposit"
WITHDRAW = "withdraw (2 positions, IM check)"
FILL_OPEN = "fill: open a position"
FILL_ADD = "fill: add to positions in 2 markets"
LIQ_FIRST = "liquidate: partial, keeper's first in the market"
LIQ_PARTIAL = "liquidate: partial"
LIQ_INSOLVENT_PART = "liquidate: insolvent, part of a leg (fund pays debt share and bonus)"
LIQ_INSOLVENT_LAST = "liquidate: insolvent, last leg (fund pays the rest)"
LIQ_SHARED = "liquidate: insolvent, fund paused (loss shared with the other side)"
FILL_SETTLE = "fill: a position pays what it owes of a shared loss"
SWEEP_NETS = "sweepFees: the fees first pay down a shared loss"
COVER_LATER = "coverLoss: the fund pays the rest of a shared loss later"
PATHS = (
    DEPOSIT,
    WITHDRAW,
    FILL_OPEN,
    FILL_ADD,
    LIQ_FIRST,
    LIQ_PARTIAL,
    LIQ_INSOLVENT_PART,
    LIQ_INSOLVENT_LAST,
    LIQ_SHARED,
    FILL_SETTLE,
    SWEEP_NETS,
    COVER_LATER,
)
LIQUIDATIONS = (LIQ_PARTIAL, LIQ_INSOLVENT_PART, LIQ_INSOLVENT_LAST, LIQ_SHARED)  # steady state


@dataclass(frozen=True)
class EngineGas:
    gas: dict[str, int]

    def worst_liquidation(self) -> int:
        """The costliest steady-state liquidation path (the target is set for the partial one)."""
        return max(self.gas[p] for p in LIQUIDATIONS)


def measure_engine_gas(project, chain, deployer, accounts) -> EngineGas:
    """`accounts`: at least six funded test accounts (four traders, a liquidator, an operator)."""
    alice, bob, dave, carol, keeper, operator = accounts[:6]
    keys = reporter_test_keys(3)
    reporters = sorted((Account.from_key(k).address for k in keys), key=lambda a: int(a, 16))
    token = deployer.deploy(project.MockERC20, "USD Coin", "USDC", DECIMALS)
    oracles = [
        deployer.deploy(project.MedianOracle, deployer, feed_id(name), name, ORACLE_CONFIG, reporters)
        for name in ("ETH/USD", "BTC/USD")
    ]
    fund = deployer.deploy(
        project.InsuranceFund, deployer, token, "Insurance", "INS", 86_400, FUND_PARAMS, []
    )
    risk = RiskParams().as_tuple()
    engine = deployer.deploy(project.MarginEngine, deployer, fund, oracles, [risk, risk])
    fund.setEngine(engine, True, sender=deployer)
    token.mint(deployer, 100_000 * UNIT, sender=deployer)
    token.approve(fund, 2**256 - 1, sender=deployer)
    fund.deposit(100_000 * UNIT, deployer, sender=deployer)
    for account in (alice, bob, dave, carol, keeper):
        token.mint(account, 10**7 * UNIT, sender=account)
        token.approve(engine, 2**256 - 1, sender=account)
        engine.setOperator(operator, True, sender=account)

    clock = [chain.blocks.head.timestamp]

    def at_next() -> int:
        clock[0] += 1
        chain.pending_timestamp = clock[0]
        return clock[0]

    def poke(market: int, price: int):
        t = at_next()
        oracle = oracles[market]
        feed = feed_id(oracle.description())
        relay(oracle, keys, [price] * len(keys), t, chain_id=chain.chain_id, feed=feed, sender=operator)

    def send(call, *args, **kwargs) -> int:
        at_next()
        return call(*args, **kwargs).gas_used

    def fill(maker, taker, market, size, price):
        return send(engine.fill, (maker, taker, market, size, price), sender=operator)

    poke(0, 2_000 * WAD)
    poke(1, 30_000 * WAD)
    gas = {DEPOSIT: send(engine.deposit, 100_000 * UNIT, sender=carol)}
    send(engine.deposit, 300 * UNIT, sender=alice)
    send(engine.deposit, 300 * UNIT, sender=bob)
    send(engine.deposit, 300 * UNIT, sender=dave)
    send(engine.deposit, 1_000_000 * UNIT, sender=keeper)
    gas[FILL_OPEN] = fill(carol, alice, 0, WAD, 2_000 * WAD)  # alice long 1 ETH
    gas[FILL_ADD] = fill(carol, alice, 1, WAD // 100, 30_000 * WAD)  # and 0.01 BTC
    for trader in (bob, dave):
        fill(carol, trader, 0, WAD, 2_000 * WAD)
        fill(carol, trader, 1, WAD // 100, 30_000 * WAD)
    gas[WITHDRAW] = send(engine.withdraw, 1 * UNIT, carol, sender=carol)

    poke(0, 1_820 * WAD)  # alice and bob: equity 300 - 180 - 27 = 93 < MM 91 + 13.65
    poke(1, 27_300 * WAD)
    gas[LIQ_FIRST] = send(engine.liquidate, dave, 0, engine.maxLiquidation(dave, 0), sender=keeper)
    gas[LIQ_PARTIAL] = send(engine.liquidate, alice, 0, engine.maxLiquidation(alice, 0), sender=keeper)
    poke(0, 1_500 * WAD)  # alice and bob insolvent: both legs lose
    poke(1, 24_000 * WAD)
    half = engine.position(alice, 0)[0] // 2
    gas[LIQ_INSOLVENT_PART] = send(engine.liquidate, alice, 0, half, sender=keeper)
    send(engine.liquidate, alice, 1, engine.position(alice, 1)[0], sender=keeper)
    gas[LIQ_INSOLVENT_LAST] = send(engine.liquidate, alice, 0, engine.position(alice, 0)[0], sender=keeper)
    fund.setPause(FundScope.COVER, clock[0] + 86_400, sender=deployer)  # the fund pays nothing
    gas[LIQ_SHARED] = send(engine.liquidate, bob, 0, engine.position(bob, 0)[0], sender=keeper)
    send(engine.liquidate, bob, 1, engine.position(bob, 1)[0], sender=keeper)  # shared in BTC too
    # carol, the only short, owed part of bob's ETH loss; buying back 0.1 ETH settles it
    gas[FILL_SETTLE] = fill(carol, keeper, 0, -WAD // 10, 1_500 * WAD)
    # the accrued insurance shares first pay down what the BTC shorts owe; the fund, unpaused, the rest
    gas[SWEEP_NETS] = send(engine.sweepFees, sender=keeper)
    send(fund.setPause, FundScope.COVER, 0, sender=deployer)
    gas[COVER_LATER] = send(engine.coverLoss, 1, sender=keeper)
    return EngineGas(gas)
