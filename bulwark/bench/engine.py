"""Gas of MarginEngine's paths, measured from receipts on a local chain.

A fresh suite (collateral, fund, three oracles, engine) per run: two shared markets and an isolated one
with its own fund. The accounts that are liquidated hold
positions in both markets, so every liquidation reads two oracles (cross margin), which is the realistic
case; prices move through real signed pokes. Figures are whole-transaction gas_used.

Liquidations are measured in steady state: the keeper already holds a position in the market and fees
have accrued before (a warm-up liquidation of another account), as on a live venue. A keeper's very first
liquidation in a market, and the engine's first fee, each write a zero slot (about 20,000 gas more);
`LIQ_FIRST` reports that case.

Subaccounts: the SUB_ rows repeat deposit, withdraw, fill and liquidation in a subaccount other than 0
(the same positions as the id-0 rows next to them), so the table shows what a subaccount costs; ISO_LIQ
is an insolvent position in the isolated market, closed into the keeper's subaccount that holds only it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account

from bulwark.abi.scopes import FundScope
from bulwark.chain.base import ZERO_ADDRESS
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
SUB_DEPOSIT = "depositTo: first deposit, opens the subaccount"
SUB_WITHDRAW = "withdrawFrom: a subaccount (2 positions, IM check)"
SUB_TRANSFER = "transferMargin: between subaccounts (source holds 2 positions, IM check)"
SUB_FILL_OPEN = "fill: open a position in a subaccount"
SUB_LIQ_PARTIAL = "liquidate: partial, a subaccount"
ISO_LIQ = "liquidateInto: isolated market, insolvent (its own fund pays), into a subaccount"
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
    SUB_DEPOSIT,
    SUB_WITHDRAW,
    SUB_TRANSFER,
    SUB_FILL_OPEN,
    SUB_LIQ_PARTIAL,
    ISO_LIQ,
)
# steady state
LIQUIDATIONS = (LIQ_PARTIAL, LIQ_INSOLVENT_PART, LIQ_INSOLVENT_LAST, LIQ_SHARED, SUB_LIQ_PARTIAL, ISO_LIQ)
ISOLATED = 2  # the isolated market's id


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
        for name in ("ETH/USD", "BTC/USD", "THIN/USD")
    ]
    fund, own = (
        deployer.deploy(project.InsuranceFund, deployer, token, name, name, 86_400, FUND_PARAMS, [])
        for name in ("INS", "INS-THIN")
    )
    risk = RiskParams().as_tuple()
    funds = [ZERO_ADDRESS, ZERO_ADDRESS, own]
    engine = deployer.deploy(project.MarginEngine, deployer, fund, oracles, [risk] * 3, funds)
    token.mint(deployer, 200_000 * UNIT, sender=deployer)
    for insurer in (fund, own):
        insurer.setEngine(engine, True, sender=deployer)
        token.approve(insurer, 2**256 - 1, sender=deployer)
        insurer.deposit(100_000 * UNIT, deployer, sender=deployer)
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
    poke(ISOLATED, 10 * WAD)
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
    # bob's subaccount 1 holds what alice holds; bob's own account stays as it is
    erin = engine.subaccount(bob, 1)
    gas[SUB_DEPOSIT] = send(engine.depositTo, 1, 300 * UNIT, sender=bob)
    gas[SUB_FILL_OPEN] = fill(carol, erin, 0, WAD, 2_000 * WAD)
    fill(carol, erin, 1, WAD // 100, 30_000 * WAD)
    gas[SUB_WITHDRAW] = send(engine.withdrawFrom, 1, 1 * UNIT, bob, sender=bob)
    send(engine.transferMargin, 1, 2, 1 * UNIT, sender=bob)  # opens subaccount 2
    gas[SUB_TRANSFER] = send(engine.transferMargin, 1, 2, 1 * UNIT, sender=bob)

    poke(0, 1_820 * WAD)  # alice and bob: equity 300 - 180 - 27 = 93 < MM 91 + 13.65
    poke(1, 27_300 * WAD)
    gas[LIQ_FIRST] = send(engine.liquidate, dave, 0, engine.maxLiquidation(dave, 0), sender=keeper)
    gas[LIQ_PARTIAL] = send(engine.liquidate, alice, 0, engine.maxLiquidation(alice, 0), sender=keeper)
    gas[SUB_LIQ_PARTIAL] = send(engine.liquidate, erin, 0, engine.maxLiquidation(erin, 0), sender=keeper)
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

    # the isolated market: two whales' subaccounts long 100 each against carol's subaccount; at 8.5 both are
    # 50 under water; the keeper's subaccount 3 (which holds only this market) closes one, then the other
    whales = [engine.subaccount(w, 3) for w in (alice, dave)]
    for who in (alice, dave, carol, keeper):
        send(engine.depositTo, 3, (100 if who in (alice, dave) else 100_000) * UNIT, sender=who)
    for whale in whales:
        fill(engine.subaccount(carol, 3), whale, ISOLATED, 100 * WAD, 10 * WAD)
    poke(ISOLATED, 85 * WAD // 10)
    send(engine.liquidateInto, whales[0], ISOLATED, 100 * WAD, 3, sender=keeper)
    gas[ISO_LIQ] = send(engine.liquidateInto, whales[1], ISOLATED, 100 * WAD, 3, sender=keeper)
    return EngineGas(gas)
