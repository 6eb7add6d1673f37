"""One scenario, written once against the chain lane, replayed on both backends.

`Recorder` hooks a chain's `send` and `warp`: every transaction (deployments included) and every move
of the clock becomes a record (status, gas, return or revert data, decoded error, logs, created
address, block and time) followed by a probe: a batch of views over the whole suite (balances,
positions, market states, fund totals, oracle prices and breakers, guardian operations and pauses).
`replay(chain)` runs the scenario and returns the records; tests/differential/test_backends.py
compares them across backends field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account import Account

from bulwark.actors.guardian import GuardianDesk
from bulwark.actors.guardian import call as guardian_call
from bulwark.chain import Reverted
from bulwark.deploy import deploy_suite_on
from bulwark.model.engine_book import BTC, ETH
from bulwark.params import read_params
from bulwark.signing.approvals import (
    cancel_message,
    clear_breaker_message,
    extend_pause_message,
    operation_id,
    pause_message,
    sign,
    suspend_reporter_message,
    with_high_s,
)
from bulwark.signing.reports import reporter_test_keys, sign_batch
from bulwark.units import DAY, HOUR, WAD

PARAMS = "params/local.json"


MAX_UINT = 2**256 - 1
ZERO = "0x0000000000000000000000000000000000000000"

# engine scopes, fund scopes, oracle scopes (the contracts' SCOPE_* constants)
TRADE, LIQUIDATE, DEPOSIT, WITHDRAW = 1, 2, 4, 8
FUND_DEPOSIT, FUND_REQUEST, FUND_REDEEM, FUND_COVER = 1, 2, 4, 8
POKE, READ = 1, 2

# dev accounts: 0 deployer (also a keeper), 1-5 guardian signers, the rest below
OPERATOR, MAKER, TRADER, WHALE, LIQUIDATOR, STAKER = 6, 7, 8, 9, 10, 11


@dataclass
class Record:
    """One transaction or clock move, and the probe taken after it."""

    step: str
    kind: str  # "tx" or "warp"
    block: int
    timestamp: int
    sender: str | None = None
    to: str | None = None
    status: bool | None = None
    gas_used: int | None = None
    output: bytes | None = None
    error: tuple | None = None  # (name, args) of the decoded custom error
    logs: tuple = ()
    contract_address: str | None = None
    probe: tuple = field(default=(), repr=False)

    FIELDS = (
        "kind",
        "block",
        "timestamp",
        "sender",
        "to",
        "status",
        "gas_used",
        "output",
        "error",
        "logs",
        "contract_address",
    )


def _result(value) -> object:
    if isinstance(value, Reverted):
        return ("reverted", value.error.name, tuple(sorted(value.error.args.items())))
    return value


class Recorder:
    """Records every `send` and `warp` of `chain` (by replacing them on the instance) with a probe."""

    def __init__(self, chain):
        self.chain = chain
        self.records: list[Record] = []
        self.step = "start"
        self.views: list[tuple[str, str, bytes]] = []  # (label, address, calldata)
        self._send, self._warp = chain.send, chain.warp
        chain.send = self.send
        chain.warp = self.warp

    def watch(self, label: str, contract, fn: str, *args) -> None:
        self.views.append((label, contract.address, getattr(contract, fn).calldata(*args)))

    def watch_balance(self, label: str, address: str) -> None:
        self.views.append((label, None, address))

    def probe(self) -> tuple:
        calls = [(a, d) for _, a, d in self.views if a is not None]
        results = iter(self.chain.call_many(calls) if calls else [])
        probe = []
        for label, address, data in self.views:
            value = self.chain.balance(data) if address is None else _result(next(results))
            probe.append((label, value))
        return tuple(probe)

    def send(self, sender, to, data, value=0, output=False):
        receipt = self._send(sender, to, data, value=value, output=True)
        self.records.append(
            Record(
                self.step,
                "tx",
                self.chain.block_number,
                self.chain.timestamp,
                sender,
                to,
                receipt.status,
                receipt.gas_used,
                receipt.output,
                None
                if receipt.error is None
                else (receipt.error.name, tuple(sorted(receipt.error.args.items()))),
                tuple((log.address, log.topics, log.data) for log in receipt.logs),
                receipt.contract_address,
                self.probe(),
            )
        )
        return receipt

    def warp(self, timestamp):
        self._warp(timestamp)
        self.records.append(
            Record(self.step, "warp", self.chain.block_number, self.chain.timestamp, probe=self.probe())
        )

    def errors(self) -> set[str]:
        return {r.error[0] for r in self.records if r.error}

    def events(self) -> set[str]:
        from bulwark.chain.artifacts import load_artifacts

        known = load_artifacts().events
        return {
            known[log[1][0]].name for r in self.records for log in r.logs if log[1] and log[1][0] in known
        }


class Scenario:
    """The suite from params/local.json and the moves of the scenario, backend-agnostic."""

    def __init__(self, chain):
        self.chain = chain
        self.rec = Recorder(chain)
        self.a = chain.accounts
        self.rec.step = "deploy suite"
        params = read_params(PARAMS)[0]
        self.suite = deploy_suite_on(chain, params)
        s = self.suite
        self.guardian, self.token, self.fund, self.engine = s.guardian, s.collateral, s.fund, s.engine
        self.oracles = s.oracles
        self.plan = s.plan
        self.signer_keys = chain.keys[1:6]
        self.unit = 10**self.plan.decimals
        self.ops: list[bytes] = []
        self.desk = GuardianDesk(chain, self.guardian)
        self._watch()

    # --- probes -------------------------------------------------------------------------------------
    def _watch(self) -> None:
        w, a = self.rec.watch, self.a
        actors = [a[0], a[OPERATOR], a[MAKER], a[TRADER], a[WHALE], a[LIQUIDATOR], a[STAKER]]
        for who in actors:
            w(f"token.balanceOf({who})", self.token, "balanceOf", who)
            w(f"engine.cash({who})", self.engine, "cash", who)
            w(f"engine.accountState({who})", self.engine, "accountState", who)
            for m in (ETH, BTC):
                w(f"engine.position({who},{m})", self.engine, "position", who, m)
                w(f"engine.lossOwed({who},{m})", self.engine, "lossOwed", who, m)
            w(f"fund.balanceOf({who})", self.fund, "balanceOf", who)
        for who in (self.engine.address, self.fund.address):
            w(f"token.balanceOf({who})", self.token, "balanceOf", who)
        self.rec.watch_balance("ether(guardian)", self.guardian.address)
        for m in (ETH, BTC):
            w(f"engine.market({m})", self.engine, "market", m)
            w(f"engine.mmr({m})", self.engine, "mmr", m)
            w(f"engine.unsettledLoss({m})", self.engine, "unsettledLoss", m)
        w("engine.fees", self.engine, "fees")
        for scope in (TRADE, LIQUIDATE, DEPOSIT, WITHDRAW):
            w(f"engine.pausedUntil({scope})", self.engine, "pausedUntil", scope)
        for fn in ("totalAssets", "totalSupply", "outflowUsed", "outflowAllowance", "params"):
            w(f"fund.{fn}", self.fund, fn)
        w("fund.redeemRequest(staker)", self.fund, "redeemRequest", a[STAKER])
        w("fund.lockedShares(staker)", self.fund, "lockedShares", a[STAKER])
        for scope in (FUND_DEPOSIT, FUND_REQUEST, FUND_REDEEM, FUND_COVER):
            w(f"fund.pausedUntil({scope})", self.fund, "pausedUntil", scope)
        for i, oracle in enumerate(self.oracles):
            for fn in (
                "latest",
                "breaker",
                "nextEpoch",
                "latestRoundData",
                "annualisedVolatility",
                "volatilitySample",
                "spareReporters",
                "config",
                "reporters",
            ):
                w(f"oracle{i}.{fn}", oracle, fn)
            for scope in (POKE, READ):
                w(f"oracle{i}.pausedUntil({scope})", oracle, "pausedUntil", scope)
            for r in self.plan.markets[i].reporters[:2]:
                w(f"oracle{i}.suspendedUntil({r})", oracle, "suspendedUntil", r)
        for fn in ("signers", "threshold", "delay", "pendingDelay"):
            w(f"guardian.{fn}", self.guardian, fn)

    def watch_operation(self, op: bytes) -> None:
        self.rec.watch(f"guardian.operation({op.hex()})", self.guardian, "operation", op)

    # --- helpers ------------------------------------------------------------------------------------
    def step(self, name: str) -> None:
        self.rec.step = name

    @property
    def now(self) -> int:
        return self.chain.timestamp

    def reports(self, market: int, prices, *, keys=None, epoch=None, observed_at=None):
        oracle = self.oracles[market]
        keys = keys if keys is not None else self.plan.markets[market].reporter_keys[:5]
        epoch = oracle.nextEpoch() if epoch is None else epoch
        prices = [prices] * len(keys) if isinstance(prices, int) else prices
        batch = sign_batch(
            keys,
            self.chain.chain_id,
            oracle.address,
            self.plan.markets[market].feed_id,
            epoch,
            prices,
            self.now if observed_at is None else observed_at,
        )
        return epoch, batch

    def poke(self, market: int, price: int, *, sender=None, **kw):
        epoch, batch = self.reports(market, price, **kw)
        return self.oracles[market].poke.attempt(epoch, batch, sender=sender or self.a[OPERATOR])

    def approvals(self, message, signers=(1, 2, 3), valid_for=DAY):
        return self.desk.approvals(message, signers, valid_for)

    def schedule(self, calls, salt: int, signers=(1, 2, 3), sender=None):
        op = operation_id_of(calls, salt)
        if op not in self.ops:
            self.ops.append(op)
            self.watch_operation(op)
        return self.desk.schedule(calls, salt, signers, sender=sender or self.a[OPERATOR])

    def call(self, contract, fn: str, *args, value: int = 0) -> tuple:
        return guardian_call(contract, fn, *args, value=value)

    def fill(self, maker, taker, market, size, price, sender=None):
        return self.engine.fill.attempt(
            (self.a[maker], self.a[taker], market, size, price), sender=sender or self.a[OPERATOR]
        )

    def expect(self, receipt, error: str | None = None):
        """The scenario checks itself: a step that should pass passed, a revert is the one intended."""
        if error is None:
            assert receipt.status, f"{self.rec.step}: {receipt.error}"
        else:
            receipt.assert_reverted(error)
        return receipt

    def deploy_fails(self, name: str, *args, error: str) -> None:
        try:
            self.chain.deploy(name, *args, sender=self.a[0])
        except Reverted as revert:
            assert revert.error.name == error, f"{self.rec.step}: {revert.error}"
        else:
            raise AssertionError(f"{self.rec.step}: deploying {name} should revert with {error}")


def operation_id_of(calls, salt: int) -> bytes:
    return operation_id(calls, salt.to_bytes(32, "big"))


def replay(chain) -> list[Record]:
    """The whole scenario on `chain`; returns what the recorder saw."""
    s = Scenario(chain)
    run(s)
    return s.rec.records


def run(s: Scenario) -> None:
    a, chain, engine, fund, token, guardian = s.a, s.chain, s.engine, s.fund, s.token, s.guardian
    eth, btc, *_ = s.oracles  # and THIN/USD, isolated, priced by nobody here
    expect, unit = s.expect, s.unit
    keys = s.plan.markets[ETH].reporter_keys

    s.step("constructor errors")
    signers, thresholds = list(s.plan.signers), list(s.plan.thresholds)
    bounds, pausers = list(s.plan.bounds.as_tuple()), list(s.plan.pausers)
    delay = s.plan.delay
    fails = [
        ([], thresholds, delay, bounds, pausers, "PauseGuardianSignerCountOutOfBounds"),
        ([ZERO, *signers[1:]], thresholds, delay, bounds, pausers, "PauseGuardianInvalidSigner"),
        (signers, [9, 2, 1, 2, 2], delay, bounds, pausers, "PauseGuardianInvalidThreshold"),
        (signers, thresholds, 1, bounds, pausers, "PauseGuardianDelayOutOfBounds"),
        (signers, thresholds, delay, [*bounds[1::-1], *bounds[2:]], pausers, "PauseGuardianInvalidBounds"),
        (signers, thresholds, delay, bounds, [*pausers, *pausers], "PauseGuardianInvalidPauser"),
        (signers, thresholds, delay, bounds, list(a[:9]), "PauseGuardianPauserCountOutOfBounds"),
    ]
    for *args, error in fails:
        s.deploy_fails("PauseGuardian", *args, error=error)
    market = s.plan.markets[ETH]
    config = market.config
    s.deploy_fails(
        "MedianOracle",
        ZERO,
        market.feed_id,
        "X",
        tuple(config),
        market.reporters,
        error="GuardedZeroGuardian",
    )
    s.deploy_fails(
        "MedianOracle",
        guardian.address,
        market.feed_id,
        "X",
        tuple(config._replace(volatilityTau=0)),
        market.reporters,
        error="MedianOracleInvalidConfig",
    )
    s.deploy_fails(
        "MedianOracle",
        guardian.address,
        market.feed_id,
        "X",
        tuple(config),
        market.reporters[:6],
        error="MedianOracleFaultToleranceViolated",
    )
    many = sorted((Account.from_key(k).address for k in reporter_test_keys(33)), key=lambda x: int(x, 16))
    s.deploy_fails(
        "MedianOracle",
        guardian.address,
        market.feed_id,
        "X",
        tuple(config),
        many,
        error="MedianOracleTooManyReporters",
    )
    fund_args = (s.plan.fund_name, s.plan.fund_symbol)
    s.deploy_fails(
        "InsuranceFund",
        guardian.address,
        token.address,
        *fund_args,
        1,
        tuple(s.plan.fund_config),
        [engine.address],
        error="InsuranceFundInvalidOutflowWindow",
    )
    s.deploy_fails(
        "InsuranceFund",
        guardian.address,
        token.address,
        *fund_args,
        s.plan.outflow_window,
        tuple(s.plan.fund_config._replace(redeemWindow=0)),
        [engine.address],
        error="InsuranceFundInvalidParams",
    )
    s.deploy_fails(
        "InsuranceFund",
        guardian.address,
        token.address,
        *fund_args,
        s.plan.outflow_window,
        tuple(s.plan.fund_config),
        [ZERO],
        error="InsuranceFundEngineMembership",
    )
    risk = market.risk.as_tuple()
    oracles = [eth.address, btc.address]
    s.deploy_fails(
        "MarginEngine",
        guardian.address,
        ZERO,
        oracles,
        [risk, risk],
        [ZERO] * 2,
        error="MarginEngineZeroAddress",
    )
    s.deploy_fails(
        "MarginEngine",
        guardian.address,
        fund.address,
        oracles,
        [risk],
        [ZERO] * 2,
        error="MarginEngineMarketsMismatch",
    )
    s.deploy_fails(
        "MarginEngine",
        guardian.address,
        fund.address,
        oracles,
        [risk, (0, *risk[1:])],
        [ZERO] * 2,
        error="MarginEngineInvalidRiskParams",
    )
    s.deploy_fails(
        "MarginEngine",
        guardian.address,
        fund.address,
        [eth.address] * 17,
        [risk] * 17,
        [ZERO] * 17,
        error="MarginEngineTooManyMarkets",
    )
    big = chain.deploy("MockERC20", "Nineteen", "N19", 19, sender=a[0])

    def new_fund(asset: str):
        """A fund like the suite's over `asset`, with a[0] as its engine."""
        config = (s.plan.outflow_window, tuple(s.plan.fund_config), [a[0]])
        return chain.deploy("InsuranceFund", guardian.address, asset, *fund_args, *config, sender=a[0])

    fund19 = new_fund(big.address)
    s.deploy_fails(
        "MarginEngine",
        guardian.address,
        fund19.address,
        oracles,
        [risk, risk],
        [ZERO] * 2,
        error="MarginEngineInvalidCollateral",
    )
    s.deploy_fails("AggregatorAdapter", eth.address, 19, error="AggregatorAdapterInvalidDecimals")
    s.deploy_fails("AggregatorAdapter", a[0], 8, error="AggregatorAdapterNotContract")
    adapter = chain.deploy("AggregatorAdapter", eth.address, 8, sender=a[0])

    s.step("no price yet")
    expect(eth.read.attempt(sender=a[0]), "MedianOracleNoPrice")

    s.step("accounts fund themselves")
    for who in (0, MAKER, TRADER, WHALE, LIQUIDATOR, STAKER):
        expect(token.mint.attempt(a[who], 10**6 * unit, sender=a[who]))
        expect(token.approve.attempt(engine.address, MAX_UINT, sender=a[who]))
        expect(engine.setOperator.attempt(a[OPERATOR], True, sender=a[who]))
    expect(token.approve.attempt(fund.address, MAX_UINT, sender=a[STAKER]))
    s.step("ERC20 errors")
    expect(token.transfer.attempt(a[1], 10**9 * unit, sender=a[0]), "ERC20InsufficientBalance")
    expect(token.transferFrom.attempt(a[0], a[1], 1, sender=a[1]), "ERC20InsufficientAllowance")
    expect(token.transfer.attempt(ZERO, 1, sender=a[0]), "ERC20InvalidReceiver")
    expect(token.transferFrom.attempt(ZERO, a[1], 0, sender=a[1]), "ERC20InvalidApprover")
    expect(token.approve.attempt(ZERO, 1, sender=a[0]), "ERC20InvalidSpender")

    s.step("first prices")
    expect(s.poke(ETH, 2_000 * WAD))
    expect(s.poke(BTC, 30_000 * WAD))
    expect(adapter.latestRoundData.attempt(sender=a[0]))

    s.step("poke errors")
    epoch, batch = s.reports(ETH, 2_000 * WAD)
    expect(eth.poke.attempt(epoch, batch[:4], sender=a[0]), "MedianOracleQuorumNotMet")
    expect(eth.poke.attempt(epoch, batch[::-1], sender=a[0]), "MedianOracleReportersNotAscending")
    expect(eth.poke.attempt(epoch, [batch[0], *batch[:4]], sender=a[0]), "MedianOracleDuplicateReporter")
    expect(eth.poke.attempt(epoch + 1, batch, sender=a[0]), "MedianOracleWrongEpoch")
    expect(s.poke(ETH, 2_000 * WAD, keys=[*keys[:4], chain.keys[0]]), "MedianOracleNotReporter")
    expect(s.poke(ETH, 2_000 * WAD, observed_at=s.now - 301), "MedianOracleReportTooOld")
    expect(s.poke(ETH, 2_000 * WAD, observed_at=s.now + 61), "MedianOracleReportFromFuture")
    expect(s.poke(ETH, 2 * 10**6 * WAD), "MedianOraclePriceOutOfBounds")
    expect(eth.getRoundData.attempt(99, sender=a[0]), "MedianOracleRoundUnavailable")
    expect(eth.twap.attempt(0, sender=a[0]), "MedianOracleHistoryTooShort")

    s.step("fund deposit")
    expect(fund.deposit.attempt(600 * unit, a[STAKER], sender=a[STAKER]))
    expect(fund.deposit.attempt(0, a[STAKER], sender=a[STAKER]), "InsuranceFundZeroShares")
    expect(fund.mint.attempt(0, a[STAKER], sender=a[STAKER]), "InsuranceFundZeroAmount")
    expect(
        fund.withdraw.attempt(1, a[STAKER], a[STAKER], sender=a[STAKER]), "InsuranceFundWithdrawUnsupported"
    )
    expect(fund.previewRedeem.attempt(1, sender=a[STAKER]), "InsuranceFundAsyncRedeem")
    expect(fund.cover.attempt(1, sender=a[STAKER]), "InsuranceFundNotEngine")
    expect(fund.cancelRedeem.attempt(sender=a[STAKER]), "InsuranceFundCooldownRequired")

    s.step("engine deposits")
    for who, tokens in (
        (MAKER, 300_000),
        (TRADER, 15_000),
        (WHALE, 25_000),
        (LIQUIDATOR, 100_000),
        (0, 60_000),
        (STAKER, 5_000),
    ):
        expect(engine.deposit.attempt(tokens * unit, sender=a[who]))
    expect(engine.deposit.attempt(0, sender=a[0]), "MarginEngineZeroAmount")
    expect(engine.withdraw.attempt(1, ZERO, sender=a[0]), "MarginEngineZeroAddress")
    chain.sleep(60)

    s.step("fills")
    p = 2_000 * WAD
    expect(s.fill(MAKER, WHALE, ETH, 100 * WAD, p))
    expect(s.fill(MAKER, TRADER, ETH, 50 * WAD, p))
    expect(s.fill(MAKER, LIQUIDATOR, BTC, WAD, 30_000 * WAD))
    s.step("fill errors")
    expect(s.fill(MAKER, MAKER, ETH, WAD, p), "MarginEngineSelfTrade")
    expect(s.fill(MAKER, TRADER, ETH, WAD, p, sender=a[1]), "MarginEngineNotOperator")
    expect(s.fill(MAKER, TRADER, ETH, 0, p), "MarginEngineZeroAmount")
    expect(s.fill(MAKER, TRADER, 7, WAD, p), "MarginEngineUnknownMarket")
    expect(s.fill(MAKER, TRADER, ETH, WAD, p * 11 // 10), "MarginEnginePriceOutOfBand")
    expect(s.fill(MAKER, TRADER, ETH, 20_000 * WAD, p), "MarginEngineOpenInterestCap")
    expect(s.fill(MAKER, LIQUIDATOR, ETH, WAD // 1000, p), "MarginEngineDustPosition")
    expect(s.fill(MAKER, TRADER, ETH, 100 * WAD, p), "MarginEngineInsufficientMargin")
    expect(engine.liquidate.attempt(a[MAKER], ETH, WAD, sender=a[LIQUIDATOR]), "MarginEngineNotLiquidatable")
    expect(engine.liquidate.attempt(a[MAKER], ETH, WAD, sender=a[MAKER]), "MarginEngineSelfLiquidation")
    expect(engine.liquidate.attempt(a[0], ETH, WAD, sender=a[LIQUIDATOR]), "MarginEngineNoPosition")
    expect(engine.coverLoss.attempt(BTC, sender=a[0]), "MarginEngineNoLossOwed")
    expect(engine.sweepFees.attempt(sender=a[0]), "MarginEngineZeroAmount")

    s.step("subaccounts")
    maker_sub = engine.subaccount(a[MAKER], 1)
    expect(engine.depositTo.attempt(1, 20_000 * unit, sender=a[MAKER]))
    expect(engine.transferMargin.attempt(1, 2, 1_000 * unit, sender=a[MAKER]))
    expect(engine.transferMargin.attempt(2, 2, unit, sender=a[MAKER]), "MarginEngineSameSubaccount")
    expect(engine.setSubaccountOperator.attempt(3, a[OPERATOR], True, sender=a[TRADER]))
    expect(engine.fill.attempt((maker_sub, a[TRADER], ETH, WAD, p), sender=a[OPERATOR]))
    expect(
        engine.fill.attempt((maker_sub, a[MAKER], ETH, WAD, p), sender=a[OPERATOR]), "MarginEngineSelfTrade"
    )
    expect(engine.withdrawFrom.attempt(2, unit, a[MAKER], sender=a[MAKER]))
    expect(engine.sweepMarketFees.attempt(ETH, sender=a[0]), "MarginEngineNotIsolated")

    s.step("an isolated market is held alone")
    own = new_fund(token.address)
    for funds, error in (
        ([fund19.address, ZERO], "MarginEngineFundAsset"),
        ([fund.address, ZERO], "MarginEngineFundInUse"),
    ):
        s.deploy_fails(
            "MarginEngine", guardian.address, fund.address, oracles, [risk, risk], funds, error=error
        )
    solo = chain.deploy(
        "MarginEngine",
        guardian.address,
        fund.address,
        oracles,
        [risk, risk],
        [ZERO, own.address],
        sender=a[0],
    )
    for who in (MAKER, TRADER):
        expect(token.approve.attempt(solo.address, MAX_UINT, sender=a[who]))
        expect(solo.setOperator.attempt(a[OPERATOR], True, sender=a[who]))
        expect(solo.deposit.attempt(50_000 * unit, sender=a[who]))
    expect(solo.fill.attempt((a[MAKER], a[TRADER], ETH, WAD, p), sender=a[OPERATOR]))
    isolated = (a[MAKER], a[TRADER], BTC, WAD // 10, 30_000 * WAD)
    expect(solo.fill.attempt(isolated, sender=a[OPERATOR]), "MarginEngineIsolatedMarket")

    s.step("breaker trips on BTC and the guardian clears it")
    chain.sleep(30)
    expect(s.poke(BTC, 40_000 * WAD)).event("BreakerTripped")
    expect(btc.read.attempt(sender=a[0]), "MedianOracleTripped")
    epoch = btc.nextEpoch() - 1
    stale = s.approvals(clear_breaker_message(btc.address, False, epoch - 1), (1, 2))
    expect(
        guardian.clearBreaker.attempt(btc.address, False, epoch - 1, stale, sender=a[OPERATOR]),
        "PauseGuardianBreakerMoved",
    )
    approvals = s.approvals(clear_breaker_message(btc.address, False, epoch), (1, 2))
    expect(
        guardian.clearBreaker.attempt(btc.address, False, epoch, approvals[:1], sender=a[OPERATOR]),
        "PauseGuardianInsufficientApprovals",
    )
    expect(guardian.clearBreaker.attempt(btc.address, False, epoch, approvals, sender=a[OPERATOR]))
    expect(
        guardian.clearBreaker.attempt(btc.address, False, epoch, approvals, sender=a[OPERATOR]),
        "PauseGuardianPauseReplayed",
    )
    again = s.approvals(clear_breaker_message(btc.address, True, epoch), (1, 2))
    expect(
        guardian.clearBreaker.attempt(btc.address, True, epoch, again, sender=a[OPERATOR]),
        "MedianOracleNotTripped",
    )

    s.step("approval errors")
    until = s.now + HOUR
    msg = pause_message(engine.address, TRADE, until)
    one = s.approvals(msg, (2,))
    good = one[0]
    expect(
        guardian.pause.attempt(
            engine.address, TRADE, until, [good._replace(validUntil=s.now - 1)], sender=a[0]
        ),
        "PauseGuardianApprovalExpired",
    )
    two = s.approvals(msg, (2, 3))
    expect(
        guardian.pause.attempt(engine.address, TRADE, until, two[::-1], sender=a[0]),
        "PauseGuardianApprovalsNotAscending",
    )
    expect(
        guardian.pause.attempt(engine.address, TRADE, until, [good, good], sender=a[0]),
        "PauseGuardianDuplicateApproval",
    )
    stranger = sign(chain.keys[0], msg, chain.chain_id, guardian.address, s.now + HOUR)
    expect(
        guardian.pause.attempt(engine.address, TRADE, until, [stranger], sender=a[0]),
        "PauseGuardianNotSigner",
    )
    expect(
        guardian.pause.attempt(engine.address, TRADE, until, [good._replace(chainId=1)], sender=a[0]),
        "PauseGuardianWrongChain",
    )
    expect(
        guardian.pause.attempt(
            engine.address, TRADE, until, [good._replace(verifyingContract=a[0])], sender=a[0]
        ),
        "PauseGuardianWrongContract",
    )
    expect(
        guardian.pause.attempt(
            engine.address, TRADE, until, [good._replace(signature=with_high_s(good.signature))], sender=a[0]
        ),
        "PauseGuardianSignatureHighS",
    )
    expect(
        guardian.pause.attempt(
            engine.address, TRADE, until, [good._replace(signature=good.signature[:64])], sender=a[0]
        ),
        "PauseGuardianSignatureLength",
    )
    other = s.approvals(pause_message(engine.address, TRADE, until + 1), (2,))[0]
    expect(
        guardian.pause.attempt(
            engine.address, TRADE, until, [good._replace(signature=other.signature)], sender=a[0]
        ),
        "PauseGuardianInvalidSignature",
    )
    expect(guardian.pause.attempt(engine.address, TRADE, s.now, one, sender=a[0]), "PauseGuardianPauseInPast")
    far = s.now + 10 * DAY
    expect(
        guardian.pause.attempt(
            engine.address,
            TRADE,
            far,
            s.approvals(pause_message(engine.address, TRADE, far), (2,)),
            sender=a[0],
        ),
        "PauseGuardianPauseTooLong",
    )
    expect(guardian.addSigner.attempt(a[0], sender=a[1]), "PauseGuardianOnlySelf")
    expect(engine.setPause.attempt(TRADE, until, sender=a[1]), "GuardedNotGuardian")
    expect(guardian.schedule.attempt([], b"\x00" * 32, [], sender=a[1]), "PauseGuardianEmptyOperation")

    s.step("pause relayed with one approval, then extended")
    expect(guardian.pause.attempt(engine.address, TRADE, until, one, sender=a[OPERATOR])).event("Paused")
    expect(s.fill(MAKER, TRADER, ETH, WAD, p), "GuardedPaused")
    later = s.now + 2 * HOUR
    expect(
        guardian.pause.attempt(
            engine.address,
            TRADE,
            later,
            s.approvals(pause_message(engine.address, TRADE, later), (2,)),
            sender=a[0],
        ),
        "PauseGuardianAlreadyPaused",
    )
    ext = s.approvals(extend_pause_message(engine.address, TRADE, until - 1), (1, 2, 3))
    expect(
        guardian.extendPause.attempt(engine.address, TRADE, until - 1, ext, sender=a[0]),
        "PauseGuardianNotExtending",
    )
    ext = s.approvals(extend_pause_message(engine.address, TRADE, later), (1, 2, 3))
    expect(guardian.extendPause.attempt(engine.address, TRADE, later, ext, sender=a[0]))
    liq = s.approvals(pause_message(engine.address, LIQUIDATE, until), (2,))
    expect(
        guardian.pause.attempt(engine.address, LIQUIDATE, until, liq, sender=a[0]),
        "PauseGuardianInsufficientApprovals",
    )
    chain.sleep(2 * HOUR)

    s.step("signer pauses the fund's deposits by itself")
    dep_until = s.now + HOUR
    expect(guardian.pause.attempt(fund.address, FUND_DEPOSIT, dep_until, [], sender=a[3]))
    expect(fund.deposit.attempt(unit, a[STAKER], sender=a[STAKER]), "GuardedPaused")

    s.step("reporter suspended on the fast path")
    reporter = s.plan.markets[ETH].reporters[0]
    susp_until = s.now + HOUR
    sus = s.approvals(suspend_reporter_message(eth.address, reporter, susp_until), (4, 5))
    expect(guardian.suspendReporter.attempt(eth.address, reporter, susp_until, sus, sender=a[0]))
    sus2 = s.approvals(suspend_reporter_message(eth.address, reporter, susp_until + 1), (4, 5))
    expect(
        guardian.suspendReporter.attempt(eth.address, reporter, susp_until + 1, sus2, sender=a[0]),
        "PauseGuardianAlreadySuspended",
    )
    key_of = {Account.from_key(k).address: k for k in keys}
    expect(
        s.poke(ETH, 2_000 * WAD, keys=[key_of[r] for r in s.plan.markets[ETH].reporters[:5]]),
        "MedianOracleReporterSuspended",
    )

    s.step("price walks down: partial and insolvent liquidations")
    expect(s.poke(ETH, 1_850 * WAD, keys=keys[1:6]))
    expect(s.poke(BTC, 30_000 * WAD))
    chain.sleep(60)
    expect(s.poke(ETH, 1_740 * WAD, keys=keys[1:6]))
    state = engine.accountState(a[TRADER])
    assert 0 < state.equity < state.maintenanceMargin, state
    part = engine.maxLiquidation(a[TRADER], ETH)
    expect(s.fill(MAKER, TRADER, ETH, -WAD, 1_740 * WAD), "MarginEngineUnhealthy")
    expect(
        engine.liquidate.attempt(a[TRADER], ETH, part + WAD, sender=a[LIQUIDATOR]),
        "MarginEngineLiquidationTooLarge",
    )
    expect(engine.liquidate.attempt(a[TRADER], ETH, part, sender=a[LIQUIDATOR])).event("Liquidated")
    assert engine.accountState(a[WHALE]).equity < 0
    expect(
        engine.liquidate.attempt(a[WHALE], ETH, 50 * WAD, sender=a[STAKER]), "MarginEngineInsufficientMargin"
    )
    first = expect(engine.liquidate.attempt(a[WHALE], ETH, 50 * WAD, sender=a[LIQUIDATOR]))
    first.event("BadDebt")
    second = expect(engine.liquidate.attempt(a[WHALE], ETH, 50 * WAD, sender=a[0]))
    second.event("LossShared")
    expect(s.fill(MAKER, TRADER, ETH, WAD, 1_740 * WAD), "MarginEngineReduceOnly")
    expect(engine.coverLoss.attempt(ETH, sender=a[0]), "MarginEngineFundPaidNothing")
    chain.sleep(HOUR)  # the fund's deposit pause ends
    expect(fund.deposit.attempt(unit, a[STAKER], sender=a[STAKER]), "InsuranceFundDepleted")

    s.step("fund request and redeem")
    shares = fund.balanceOf(a[STAKER])
    expect(fund.requestRedeem.attempt(0, sender=a[STAKER]), "InsuranceFundZeroAmount")
    expect(fund.requestRedeem.attempt(shares + 1, sender=a[STAKER]), "InsuranceFundSharesLocked")
    expect(fund.requestRedeem.attempt(shares // 2, sender=a[STAKER]))
    expect(fund.requestRedeem.attempt(shares // 2, sender=a[STAKER]), "InsuranceFundRequestPending")
    expect(fund.transfer.attempt(a[0], shares, sender=a[STAKER]), "InsuranceFundSharesLocked")
    expect(
        fund.redeem.attempt(shares // 2, a[STAKER], a[STAKER], sender=a[STAKER]),
        "InsuranceFundCooldownActive",
    )
    expect(fund.cancelRedeem.attempt(sender=a[STAKER]))
    expect(
        fund.redeem.attempt(shares // 2, a[STAKER], a[STAKER], sender=a[STAKER]),
        "InsuranceFundCooldownRequired",
    )
    expect(fund.requestRedeem.attempt(shares // 4, sender=a[STAKER]))

    s.step("guardian operations scheduled")
    ops = {
        "lift reduce-only": [s.call(engine, "setReduceOnly", ETH, False)],
        "cancelled": [s.call(engine, "setReduceOnly", BTC, True)],
        "expires": [s.call(engine, "setReduceOnly", BTC, True)],
        "known signer": [s.call(guardian, "addSigner", a[1])],
        "zero signer": [s.call(guardian, "addSigner", ZERO)],
        "not a pauser": [s.call(guardian, "removePauser", a[0])],
        "bad thresholds": [s.call(guardian, "setThresholds", 9, 2, 1, 2, 2)],
        "bad delay": [s.call(guardian, "setDelay", 1)],
        "no ether": [(a[0], 1, b"")],
        "no code": [(a[0], 0, b"\x01")],
        "no such function": [(token.address, 0, b"\xde\xad\xbe\xef")],
        "known reporter": [s.call(eth, "setReporter", s.plan.markets[ETH].reporters[1], True)],
        "one reporter fewer": [s.call(eth, "setReporter", s.plan.markets[ETH].reporters[1], False)],
        "bad config": [s.call(eth, "setConfig", tuple(config._replace(volatilityTau=0)))],
        "known engine": [s.call(fund, "setEngine", engine.address, True)],
        "bad fund params": [s.call(fund, "setParams", tuple(s.plan.fund_config._replace(redeemWindow=0)))],
        "zero oracle": [s.call(engine, "addMarket", ZERO, risk)],
        "bad risk": [s.call(engine, "setRiskParams", ETH, (0, *risk[1:]))],
        "no scopes": [s.call(fund, "setPause", 0, 0)],
        "suspend all": [
            s.call(btc, "suspendReporter", r, s.now + 10 * DAY) for r in s.plan.markets[BTC].reporters[:3]
        ],
    }
    scheduled = {}
    for salt, (name, calls) in enumerate(ops.items(), start=1):
        op, salt_bytes, receipt = s.schedule(calls, salt)
        expect(receipt)
        scheduled[name] = (op, salt_bytes, calls)
    op, salt_bytes, calls = scheduled["lift reduce-only"]
    expect(s.schedule(calls, 1)[2], "PauseGuardianUnexpectedState")
    expect(
        s.schedule([s.call(engine, "setReduceOnly", ETH, False)], 999, signers=(1, 2))[2],
        "PauseGuardianInsufficientApprovals",
    )
    expect(guardian.execute.attempt(calls, salt_bytes, sender=a[0]), "PauseGuardianOperationNotReady")
    c_op = scheduled["cancelled"][0]
    expect(guardian.cancel.attempt(c_op, s.approvals(cancel_message(c_op), (4, 5)), sender=a[0]))

    s.step("guardian operations executed after the delay")
    chain.sleep(delay)
    expect(guardian.execute.attempt(calls, salt_bytes, sender=a[0])).event("OperationExecuted")
    expect(guardian.execute.attempt(calls, salt_bytes, sender=a[0]), "PauseGuardianUnexpectedState")
    expect(
        guardian.execute.attempt(scheduled["cancelled"][2], scheduled["cancelled"][1], sender=a[0]),
        "PauseGuardianUnexpectedState",
    )
    failing = {
        "known signer": "PauseGuardianSignerMembership",
        "zero signer": "PauseGuardianInvalidSigner",
        "not a pauser": "PauseGuardianNotPauser",
        "bad thresholds": "PauseGuardianInvalidThreshold",
        "bad delay": "PauseGuardianDelayOutOfBounds",
        "no ether": "InsufficientBalance",
        "no code": "AddressEmptyCode",
        "no such function": "FailedCall",
        "known reporter": "MedianOracleReporterMembership",
        "one reporter fewer": "MedianOracleFaultToleranceViolated",
        "bad config": "MedianOracleInvalidConfig",
        "known engine": "InsuranceFundEngineMembership",
        "bad fund params": "InsuranceFundInvalidParams",
        "zero oracle": "MarginEngineZeroAddress",
        "bad risk": "MarginEngineInvalidRiskParams",
        "no scopes": "GuardedInvalidScopes",
        "suspend all": "MedianOracleSuspensionBreaksQuorum",
    }
    for name, error in failing.items():
        _, salt_bytes, calls = scheduled[name]
        expect(guardian.execute.attempt(calls, salt_bytes, sender=a[0]), error)
    expect(eth.read.attempt(sender=a[0]), "MedianOracleStale")

    s.step("revenue refills the fund, which covers the shared loss")
    expect(fund.addRevenue.attempt(0, sender=a[STAKER]), "InsuranceFundZeroAmount")
    expect(fund.addRevenue.attempt(5_000 * unit, sender=a[STAKER]))
    expect(engine.coverLoss.attempt(ETH, sender=a[0]))
    expect(engine.sweepFees.attempt(sender=a[0]))

    s.step("prices again; redeem within the window")
    chain.warp(fund.redeemRequest(a[STAKER]).claimableAt)
    expect(s.poke(ETH, 1_740 * WAD))
    expect(s.poke(BTC, 30_000 * WAD))
    expect(s.fill(MAKER, LIQUIDATOR, ETH, -WAD, 1_740 * WAD))
    quarter = shares // 4
    expect(
        fund.redeem.attempt(quarter + 1, a[STAKER], a[STAKER], sender=a[STAKER]),
        "InsuranceFundRedeemMismatch",
    )
    expect(fund.redeem.attempt(quarter, a[STAKER], a[STAKER], sender=a[STAKER]))
    expect(fund.requestRedeem.attempt(quarter, sender=a[STAKER]))

    s.step("an operation expires; the request window closes")
    chain.sleep(s.plan.bounds.grace_period + 3 * DAY)
    _, salt_bytes, calls = scheduled["expires"]
    expect(guardian.execute.attempt(calls, salt_bytes, sender=a[0]), "PauseGuardianOperationExpired")
    expect(
        fund.redeem.attempt(quarter, a[STAKER], a[STAKER], sender=a[STAKER]), "InsuranceFundRequestExpired"
    )
    expect(s.poke(ETH, 1_740 * WAD))
    expect(s.poke(BTC, 30_000 * WAD))
    expect(engine.withdraw.attempt(1_000 * unit, a[MAKER], sender=a[MAKER]))
