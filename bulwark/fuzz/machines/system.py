"""The whole suite on the lane, deployed from a parameter file (default params/local.json), driven by
every kind of actor at once, and checked for properties of the whole system after every step.

Where the per-contract machines predict every outcome against a model, this one predicts little: it
lets traders, liquidators, stakers, reporters, signers and attackers act in any order, accepts most
outcomes, and checks what must hold whatever happened: the books balance (ENG-01, ENG-02, ENG-08,
FND-01), prices are fresh (ORA-04), no operation runs early (GRD-01), and the economic invariants
SYS-01..SYS-05 (bulwark.invariants). Attacks must fail (their rules assert the revert).

Actors (dev accounts; 1-5 are the guardian's signers in params/local.json):

    account  role
    0        deployer; keeper (relays executions, sweeps fees, covers losses); liquidator with 3,000 tokens
    1        signer; a bystander with 1,000 tokens in the engine who never trades (SYS-03)
    2, 3     signers
    4, 5     signers; stakers in the fund (20,000 tokens each)
    6        operator: relays fills, pokes and approvals
    7, 8     traders (20,000 tokens in the engine, 1,000,000 in the wallet)
    9        trader and liquidator with limited capital (5,000 tokens)
    10, 11   one attacker's two accounts (20,000 tokens each in the engine): wash trades between them,
             approvals signed with its own keys, replayed reports and approvals, liquidating healthy
             accounts, withdrawing past IM, executing operations early, admin calls

Reporters are the markets' test keys (plan.markets[i].reporter_keys): in each poke some are silent,
up to the oracle's faultTolerance are hostile (far-off prices), the rest honest (noise around the
market's price path, which moves in steps and gaps). Time passes in seconds, minutes, past
maxStaleness and by days.

Guided search (hypothesis.target, once per example at teardown): the lowest margin ratio among
traders, the fund's drawdown from its peak share price, the open unsettled loss and the attacker's
profit. SYS-04 runs at teardown in a snapshot: everyone exits, then the chain is put back.

    SystemMachine.with_params("params/mine.json")   # a machine class over another file
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from hypothesis import strategies as st
from hypothesis import target
from hypothesis.stateful import initialize, invariant, precondition, rule

from bulwark.abi.scopes import LOSS_SHIFTING, EngineScope, FundScope, OracleScope
from bulwark.actors.guardian import GuardianDesk
from bulwark.chain import Chain, Reverted
from bulwark.deploy import Suite, deploy_suite_on
from bulwark.fuzz.lane import LaneMachine
from bulwark.invariants import (
    ENG_01,
    ENG_02,
    ENG_03,
    ENG_05,
    ENG_08,
    FND_01,
    GRD_01,
    GRD_04,
    ORA_03,
    ORA_04,
    SYS_01,
    SYS_02,
    SYS_03,
    SYS_04,
    SYS_05,
)
from bulwark.model.engine import RiskParams
from bulwark.model.fund import Params as FundParams
from bulwark.model.oracle import OracleConfig
from bulwark.params import read_params
from bulwark.signing.approvals import (
    clear_breaker_message,
    pause_message,
    schedule_message,
    sign_all,
)
from bulwark.signing.reports import sign_batch
from bulwark.units import DAY, HOUR, WAD

DEFAULT_PARAMS = Path(__file__).resolve().parents[3] / "params" / "local.json"

KEEPER, BYSTANDER, OPERATOR = 0, 1, 6
SIGNERS = (1, 2, 3, 4, 5)
STAKERS = (4, 5)
TRADERS = (7, 8, 9)
LIQUIDATORS = (9, 0)
ATTACKERS = (10, 11)
ENGINE_ACCOUNTS = (KEEPER, BYSTANDER, *TRADERS, *ATTACKERS)  # every account that touches the engine
# tokens: (wallet mint, engine deposit, fund deposit) per account
FUNDING = {
    KEEPER: (3_000, 3_000, 0),
    BYSTANDER: (1_000, 1_000, 0),
    4: (1_000_000, 0, 20_000),
    5: (1_000_000, 0, 20_000),
    7: (1_000_000, 20_000, 0),
    8: (1_000_000, 20_000, 0),
    9: (5_000, 5_000, 0),
    10: (20_000, 20_000, 0),
    11: (20_000, 20_000, 0),
}
MAX_UINT = 2**256 - 1
OK, TRIPPED = 0, 3  # IMedianOracle.Status
ENGINE_TARGET, FUND_TARGET = "engine", "fund"
PATH_RANGE = (5, 20)  # the price path stays within 0.5x..2x of its start (tenths)
WASH_NOTIONAL = 10  # an attacker's wash position stays below 1/10 of its engine deposit (at the start price)

fractions = st.sampled_from([WAD // 100, WAD // 10, WAD // 3, WAD // 2, 9 * WAD // 10, WAD, 11 * WAD // 10])
gaps = st.sampled_from([1, 1, 30, 300, 601, HOUR + 1, DAY])


@dataclass
class Pending:
    """A scheduled guardian operation."""

    calls: list
    salt: bytes
    eta: int
    expires_at: int


class SystemMachine(LaneMachine):
    """ENG-01/02/08, FND-01, ORA-04, GRD-01 and SYS-01..SYS-05 after every step, over the whole suite."""

    params_path: ClassVar[Path] = DEFAULT_PARAMS

    @classmethod
    def with_params(cls, path: Path | str) -> type[SystemMachine]:
        """A machine class over the parameter file `path` (validated now: a bad file raises
        bulwark.params.ParamsError with a one-line reason), with a deployment of its own."""
        path = Path(path)
        read_params(path)
        return type(f"{cls.__name__}_{path.stem}", (cls,), {"params_path": path})

    @classmethod
    def deploy(cls, chain: Chain) -> dict:
        """The suite from the parameter file, every actor funded and each market priced once."""
        params, _ = read_params(cls.params_path)
        suite = deploy_suite_on(chain, params)
        acc = chain.accounts
        token, engine, fund = suite.collateral, suite.engine, suite.fund
        unit = 10**suite.plan.decimals
        for i, (minted, engine_deposit, fund_deposit) in FUNDING.items():
            token.mint.transact(acc[i], minted * unit, sender=acc[i])
            token.approve.transact(engine.address, MAX_UINT, sender=acc[i])
            token.approve.transact(fund.address, MAX_UINT, sender=acc[i])
            if engine_deposit:
                engine.deposit.transact(engine_deposit * unit, sender=acc[i])
                engine.setOperator.transact(acc[OPERATOR], True, sender=acc[i])
            if fund_deposit:
                fund.deposit.transact(fund_deposit * unit, acc[i], sender=acc[i])
        starts = []
        for m, market in enumerate(suite.plan.markets):
            c = market.config
            start = math.isqrt(c.minPrice * c.maxPrice) // WAD * WAD or c.minPrice
            starts.append(start)
            chain.sleep(1)
            oracle = suite.oracles[m]
            epoch = oracle.nextEpoch()
            keys = market.reporter_keys
            batch = sign_batch(
                keys,
                chain.chain_id,
                oracle.address,
                market.feed_id,
                epoch,
                [start] * len(keys),
                chain.timestamp,
            )
            oracle.poke.transact(epoch, batch, sender=acc[OPERATOR])
        return {"suite": suite, "starts": starts, "minted": sum(f[0] for f in FUNDING.values()) * unit}

    # ------------------------------------------------------------------ state

    def __init__(self):
        super().__init__()
        w = self.world
        self.suite: Suite = w["suite"]
        s = self.suite
        self.acc = self.chain.accounts
        self.token, self.engine, self.fund, self.guardian = s.collateral, s.engine, s.fund, s.guardian
        self.oracles, self.plan = s.oracles, s.plan
        self.markets = range(len(s.oracles))
        self.unit = 10**s.plan.decimals
        self.scale = WAD // self.unit
        self.desk = GuardianDesk(self.chain, self.guardian)
        self.thresholds = dict(
            zip(("threshold", "cancel", "pause", "shift", "breaker"), s.plan.thresholds, strict=True)
        )
        self.starts = list(w["starts"])
        self.path = list(w["starts"])
        self.supply = self.token.totalSupply()  # everything minted so far (SYS-01)
        self._probe_views = None
        self._profit = None
        self.put_in = self._attacker_value(self._probe())  # SYS-02: what the attacker holds at the start
        self.exposed = False  # an attacker account was liquidated: its other account's PnL is now real
        self.pending: dict[bytes, Pending] = {}  # scheduled, not yet executed or expired
        self.scheduled: dict[bytes, Pending] = {}  # every operation scheduled in this example (GRD-01)
        self.salt = 0
        self.receipts: list = []  # this step's receipts
        self.last_poke: dict[int, tuple] = {}  # market -> (epoch, batch) of its last accepted poke
        self.last_clear: tuple | None = None
        self.flat: dict[str, int] = {}  # SYS-03: accounts flat after the last step -> their cash
        self.peak_share_price = self._share_price()
        self.extremes = {
            "min margin ratio": None,
            "fund drawdown": 0.0,
            "open loss": 0.0,
            "attacker profit": None,
        }

    # ------------------------------------------------------------------ helpers

    def _note(self, receipt):
        self.receipts.append(receipt)
        return receipt

    def _share_price(self) -> float:
        supply = self.fund.totalSupply()
        return self.fund.totalAssets() / supply if supply else 1.0

    def _index(self, m: int) -> int:
        return self.oracles[m].latest()[0]

    def _state(self, i: int):
        try:
            return self.engine.accountState(self.acc[i])
        except Reverted:
            return None

    def _size(self, i: int, m: int) -> int:
        return self.engine.position(self.acc[i], m)[0]

    def _poke(self, m: int, honest: int, hostile: int, noise: list[int], far: int, lag: int):
        """One poke of market `m`: `hostile` reporters report `far` (tenths of the path price, or the
        config's bounds), `honest` ones the path price with `noise` (basis points); the rest are silent."""
        market, oracle = self.plan.markets[m], self.oracles[m]
        keys = list(market.reporter_keys)
        c = market.config
        hostile = min(hostile, c.faultTolerance)
        honest = min(honest, len(keys) - hostile)
        honest_prices = [self.path[m] * (10_000 + noise[j % len(noise)]) // 10_000 for j in range(honest)]
        bad = {0: c.minPrice, 1: c.maxPrice}.get(far, self.path[m] * far // 10)
        prices = honest_prices + [bad] * hostile
        used = keys[:honest] + keys[len(keys) - hostile :] if hostile else keys[:honest]
        if not used:
            return None
        epoch = oracle.nextEpoch()
        at = max(self.chain.timestamp - lag, 0)
        batch = sign_batch(used, self.chain.chain_id, oracle.address, market.feed_id, epoch, prices, at)
        r = self._note(oracle.poke.attempt(epoch, batch, sender=self.acc[OPERATOR]))
        if r.status:
            self.last_poke[m] = (epoch, batch)
            low, high = min(honest_prices), max(honest_prices)
            names = {e.name for e in r.events}
            for e in r.events:
                served = None
                if e.name == "PriceUpdated" and "BreakerCleared" not in names:
                    served = e.args["price"]
                elif e.name in ("BreakerTripped", "BreakerCandidateUpdated"):
                    served = e.args["candidate"]
                if served is not None:
                    assert low <= served <= high, (
                        f"{SYS_05}: {e.name} {served} outside the honest reports [{low}, {high}] "
                        f"({hostile} hostile at {bad})"
                    )
        return r

    def _refresh(self):
        """Every reporter reports every market's path price (one second later)."""
        self.chain.sleep(1)
        for m in self.markets:
            self._poke(m, len(self.plan.markets[m].reporter_keys), 0, [0], 10, 0)

    def _must_fail(self, receipt, invariant, what: str):
        self._note(receipt)
        assert not receipt.status, f"{invariant}: {what} went through"
        return receipt

    # ------------------------------------------------------------------ traders

    @rule(
        maker=st.sampled_from(TRADERS),
        taker=st.sampled_from(TRADERS),
        m=st.integers(0, 1),
        long=st.booleans(),
        fraction=st.sampled_from([WAD // 10, WAD // 2, 3 * WAD // 4, 9 * WAD // 10, WAD, 11 * WAD // 10]),
        offset=st.sampled_from([0, 0, 100, -100, 499, -499, 501, -501]),
    )
    def trade(self, maker, taker, m, long, fraction, offset):
        """A fill through the operator at the index price moved by `offset` basis points, for a share of
        what the poorer side's cash carries at 8x (about 80% of its IM at a fraction of one)."""
        if maker == taker or m not in self.markets:
            return
        index = self._index(m)
        cash = max(min(self.engine.cash(self.acc[taker]), self.engine.cash(self.acc[maker])), 0)
        size = cash * 8 * fraction // index or WAD // 100
        price = index * (10_000 + offset) // 10_000
        fill = (self.acc[maker], self.acc[taker], m, size if long else -size, price)
        self._note(self.engine.fill.attempt(fill, sender=self.acc[OPERATOR]))

    @rule(maker=st.sampled_from((*TRADERS, KEEPER)), taker=st.sampled_from(TRADERS), m=st.integers(0, 1))
    def close(self, maker, taker, m):
        """The taker closes its whole position at the index price."""
        if maker == taker or m not in self.markets:
            return
        size = self._size(taker, m)
        if size:
            fill = (self.acc[maker], self.acc[taker], m, -size, self._index(m))
            self._note(self.engine.fill.attempt(fill, sender=self.acc[OPERATOR]))

    @rule(who=st.sampled_from((*TRADERS, BYSTANDER)), tokens=st.sampled_from([1, 100, 5_000]))
    def deposit(self, who, tokens):
        a = self.acc[who]
        if self.token.balanceOf(a) >= tokens * self.unit:
            self._note(self.engine.deposit.attempt(tokens * self.unit, sender=a))

    @rule(who=st.sampled_from((*TRADERS, BYSTANDER)), fraction=fractions)
    def withdraw(self, who, fraction):
        a = self.acc[who]
        amount = max(self.engine.cash(a), 0) * fraction // WAD // self.scale
        if amount:
            self._note(self.engine.withdraw.attempt(amount, a, sender=a))

    # ------------------------------------------------------------------ liquidators

    @rule(
        liquidator=st.sampled_from(LIQUIDATORS),
        pick=st.integers(0, 15),
        fraction=st.sampled_from([WAD, WAD // 2, WAD // 4, WAD // 10, WAD // 25, 2 * WAD]),
    )
    def liquidate(self, liquidator, pick, fraction):
        """Take over (a share of, or beyond) what the engine lets a liquidator take of one of the accounts
        below maintenance (or, when there is none, of any position: that must fail)."""
        held = [
            (i, m) for i in TRADERS + ATTACKERS for m in self.markets if i != liquidator and self._size(i, m)
        ]
        if not held:
            return
        due = []
        for i, m in held:
            with contextlib.suppress(Reverted):
                if self.engine.maxLiquidation(self.acc[i], m):
                    due.append((i, m))
        who, m = (due or held)[pick % len(due or held)]
        try:
            most = self.engine.maxLiquidation(self.acc[who], m)
        except Reverted:
            most = 0
        amount = most * fraction // WAD or abs(self._size(who, m))
        r = self._note(self.engine.liquidate.attempt(self.acc[who], m, amount, sender=self.acc[liquidator]))
        if r.status and who in ATTACKERS:
            self.exposed = True
        if not due:
            assert not r.status, f"{ENG_03}: liquidated {who}, which was not below maintenance"

    # ------------------------------------------------------------------ keeper

    @rule(m=st.integers(0, 1))
    def cover_loss(self, m):
        """The keeper asks the fund to cover a market's open shared loss."""
        if m in self.markets and self.engine.unsettledLoss(m) > 0:
            self._note(self.engine.coverLoss.attempt(m, sender=self.acc[KEEPER]))

    @rule()
    def sweep_fees(self):
        """The keeper sweeps the engine's fees to the fund (netting what positions owe first)."""
        if self.engine.fees():
            self._note(self.engine.sweepFees.attempt(sender=self.acc[KEEPER]))

    # ------------------------------------------------------------------ stakers

    @rule(who=st.sampled_from(STAKERS), tokens=st.sampled_from([1, 1_000, 20_000]))
    def stake(self, who, tokens):
        a = self.acc[who]
        self._note(self.fund.deposit.attempt(tokens * self.unit, a, sender=a))

    @rule(who=st.sampled_from(STAKERS), fraction=fractions)
    def request_redeem(self, who, fraction):
        a = self.acc[who]
        shares = self.fund.balanceOf(a) * min(fraction, WAD) // WAD
        if shares:
            self._note(self.fund.requestRedeem.attempt(shares, sender=a))

    @rule(who=st.sampled_from(STAKERS))
    def cancel_redeem(self, who):
        self._note(self.fund.cancelRedeem.attempt(sender=self.acc[who]))

    @rule(who=st.sampled_from(STAKERS), wait=st.booleans())
    def redeem(self, who, wait):
        """Redeem the pending request (after waiting for its cooldown, or now)."""
        a = self.acc[who]
        request = self.fund.redeemRequest(a)
        if request.shares:
            if wait and request.claimableAt > self.chain.timestamp:
                self.chain.warp(request.claimableAt)
            self._note(self.fund.redeem.attempt(request.shares, a, a, sender=a))

    # ------------------------------------------------------------------ reporters and the environment

    @rule(
        m=st.integers(0, 1),
        honest=st.integers(3, 7),
        hostile=st.integers(0, 2),
        noise=st.lists(st.integers(-20, 20), min_size=1, max_size=7),
        far=st.sampled_from([0, 1, 5, 20]),
        lag=st.sampled_from([0, 0, 5, 120]),
    )
    def poke(self, m, honest, hostile, noise, far, lag):
        """Reporters report: some silent, up to faultTolerance hostile, the rest honest with noise."""
        if m in self.markets:
            self._poke(m, honest, hostile, noise, far, lag)

    @rule(
        m=st.integers(0, 1),
        move=st.sampled_from([-800, -300, -100, 100, 300, 800, -800, 800, -1_500, 1_500, -3_000, 3_000]),
    )
    def move_price(self, m, move):
        """The price path moves by `move` basis points (beyond maxDeviation: a gap), within its range, and
        every reporter reports it at once (with a second's noise for the next poke's epoch)."""
        if m in self.markets:
            low, high = (self.starts[m] * k // 10 for k in PATH_RANGE)
            self.path[m] = min(max(self.path[m] * (10_000 + move) // 10_000, low), high)
            self.chain.sleep(1)
            self._poke(m, len(self.plan.markets[m].reporter_keys), 0, [0, 5, -5], 10, 0)

    @rule(
        who=st.sampled_from(TRADERS),
        m=st.integers(0, 1),
        beyond=st.sampled_from([10, 100, 1_000]),
        then=st.one_of(
            st.none(), st.tuples(st.sampled_from(LIQUIDATORS), st.sampled_from([WAD, WAD // 4, WAD // 25]))
        ),
    )
    def move_to_liquidation(self, who, m, beyond, then):
        """The path moves `beyond` basis points past a trader's liquidation price (within its range), every
        reporter reports it, and (`then`) a liquidator acts at once."""
        if m not in self.markets or not self._size(who, m):
            return
        try:
            price = self.engine.liquidationPrice(self.acc[who], m)
        except Reverted:  # a stale price: the reporters report the path first
            self._refresh()
            try:
                price = self.engine.liquidationPrice(self.acc[who], m)
            except Reverted:
                return
        if price:
            sign = -1 if self._size(who, m) > 0 else 1
            low, high = (self.starts[m] * k // 10 for k in PATH_RANGE)
            goal = min(max(price * (10_000 + sign * beyond) // 10_000, low), high)
            # in steps inside maxDeviation, so the breaker lets each through
            step = self.plan.markets[m].config.maxDeviation * 9 // 10
            for _ in range(10):
                served = self._index(m)
                self.path[m] = min(max(goal, served - served * step // WAD), served + served * step // WAD)
                self.chain.sleep(1)
                r = self._poke(m, len(self.plan.markets[m].reporter_keys), 0, [0], 10, 0)
                if self.path[m] == goal or not r.status:
                    break
            if then is not None:
                self.liquidate(then[0], 0, then[1])

    @rule(seconds=gaps)
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    # ------------------------------------------------------------------ guardian signers

    def _pause_targets(self):
        yield self.engine, EngineScope
        yield self.fund, FundScope
        for oracle in self.oracles:
            yield oracle, OracleScope

    @rule(which=st.integers(0, 3), bit=st.integers(0, 3), signers=st.integers(1, 3),
          duration=st.sampled_from([60, HOUR, 3 * DAY]))  # fmt: skip
    def pause(self, which, bit, signers, duration):
        """A fast pause: one signer suffices for a scope that shifts no loss, shiftPauseThreshold for one
        that does; fewer must fail."""
        targets = list(self._pause_targets())
        contract, scopes = targets[which % len(targets)]
        members = list(scopes)
        scope = members[bit % len(members)]
        shifting = bool(LOSS_SHIFTING[scopes] & scope)
        needed = self.thresholds["shift"] if shifting else self.thresholds["pause"]
        until = self.chain.timestamp + min(duration, self.plan.bounds.max_pause)
        approvals = self.desk.approvals(pause_message(contract.address, int(scope), until), SIGNERS[:signers])
        r = self._note(self.guardian.pause.attempt(contract.address, int(scope), until, approvals,
                                                   sender=self.acc[OPERATOR]))  # fmt: skip
        if signers < needed:
            assert not r.status, f"{GRD_04}: a pause of {scope!r} passed with {signers} < {needed} signers"

    def _change(self, kind: int, choice: int) -> list[tuple]:
        """A valid timelocked change: risk, oracle config, fund params, or reduce-only on/off."""
        m = choice % len(self.oracles)
        call = self.desk.call
        if kind == 0:
            risk = self.plan.markets[m].risk
            deviation = (WAD // 50, WAD // 20, 2 * WAD // 25)[choice % 3]
            fields = {**risk.__dict__, "maxTradeDeviation": deviation}
            return [call(self.engine, "setRiskParams", m, RiskParams(**fields).as_tuple())]
        if kind == 1:
            config = self.plan.markets[m].config
            staleness = (config.maxStaleness // 2, config.maxStaleness, config.maxStaleness * 2)[choice % 3]
            return [call(self.oracles[m], "setConfig", tuple(config._replace(maxStaleness=staleness)))]
        if kind == 2:
            p: FundParams = self.plan.fund_config
            return [
                call(
                    self.fund, "setParams", tuple(p._replace(maxOutflow=p.maxOutflow * (1 + choice % 2) // 2))
                )
            ]
        return [call(self.engine, "setReduceOnly", m, bool(choice % 2))]

    @rule(kind=st.integers(0, 3), choice=st.integers(0, 5), signers=st.sampled_from([3, 3, 2]))
    def schedule(self, kind, choice, signers):
        """Signers schedule a change; fewer than the threshold must fail."""
        calls = self._change(kind, choice)
        self.salt += 1
        op, salt, r = self.desk.schedule(calls, self.salt, SIGNERS[:signers], sender=self.acc[OPERATOR])
        self._note(r)
        if signers < self.thresholds["threshold"]:
            assert not r.status, f"{GRD_01}: scheduled with {signers} signers"
        if r.status:
            e = r.event("OperationScheduled")
            self.pending[op] = self.scheduled[op] = Pending(calls, salt, e["eta"], e["expiresAt"])

    @precondition(lambda self: self.pending)
    @rule(data=st.data(), wait=st.booleans())
    def execute(self, data, wait):
        """Execute a pending operation (waiting for its ETA first, or not: early must fail)."""
        op = data.draw(st.sampled_from(sorted(self.pending)))
        p = self.pending[op]
        if wait and self.chain.timestamp < p.eta:
            self.chain.warp(p.eta)
            self._refresh()  # keepers keep the prices fresh meanwhile
        early = self.chain.timestamp < p.eta
        r = self._note(self.desk.execute(p.calls, p.salt, sender=self.acc[KEEPER]))
        if early:
            assert not r.status, f"{GRD_01}: executed before its ETA"
        if r.status or self.chain.timestamp > p.expires_at:
            del self.pending[op]

    @rule(m=st.integers(0, 1), accept=st.booleans(), signers=st.integers(1, 3))
    def clear_breaker(self, m, accept, signers):
        """breakerThreshold signers clear a tripped breaker (fewer must fail)."""
        if m not in self.markets or self.oracles[m].latest()[2] != TRIPPED:
            return
        oracle = self.oracles[m]
        epoch = oracle.nextEpoch() - 1
        approvals = self.desk.approvals(
            clear_breaker_message(oracle.address, accept, epoch), SIGNERS[:signers]
        )
        r = self._note(self.guardian.clearBreaker.attempt(oracle.address, accept, epoch, approvals,
                                                          sender=self.acc[OPERATOR]))  # fmt: skip
        if signers < self.thresholds["breaker"]:
            assert not r.status, f"{GRD_04}: breaker cleared by {signers} signers"
        if r.status:
            self.last_clear = (oracle.address, accept, epoch, approvals)

    # ------------------------------------------------------------------ the attacker

    @rule(long=st.booleans(), m=st.integers(0, 1), fraction=fractions, offset=st.sampled_from([0, 300, -300]))
    def wash_trade(self, long, m, fraction, offset):
        """The attacker trades between its own two accounts, inside the band, within its size limit."""
        if m not in self.markets:
            return
        a, b = (self.acc[i] for i in ATTACKERS)
        limit = FUNDING[ATTACKERS[0]][1] * self.unit * self.scale * WAD // WASH_NOTIONAL // self.starts[m]
        size = limit * min(fraction, WAD) // (2 * WAD) or WAD // 100
        size = size if long else -size
        if abs(self.engine.position(b, m)[0] + size) > limit:
            return
        price = self._index(m) * (10_000 + offset) // 10_000
        self._note(self.engine.fill.attempt((a, b, m, size, price), sender=self.acc[OPERATOR]))

    @rule(
        attacker=st.sampled_from(ATTACKERS), who=st.sampled_from((*TRADERS, BYSTANDER)), m=st.integers(0, 1)
    )
    def liquidate_healthy(self, attacker, who, m):
        """The attacker tries to liquidate an account at or above maintenance: it must fail."""
        state = self._state(who)
        if m not in self.markets or state is None or not self._size(who, m):
            return
        if state.equity >= state.maintenanceMargin:
            r = self.engine.liquidate.attempt(
                self.acc[who], m, abs(self._size(who, m)), sender=self.acc[attacker]
            )
            self._must_fail(r, ENG_03, f"liquidating healthy {who}")

    @rule(attacker=st.sampled_from(ATTACKERS))
    def withdraw_past_im(self, attacker):
        """The attacker withdraws one token unit more than its margin frees: it must fail."""
        state = self._state(attacker)
        if state is None:
            return
        free = min(state.equity, state.collateral) - state.initialMargin
        amount = max(free // self.scale + 1, 1)
        a = self.acc[attacker]
        self._must_fail(self.engine.withdraw.attempt(amount, a, sender=a), ENG_05, f"withdrawing {amount}")

    @rule(m=st.integers(0, 1), next_epoch=st.booleans())
    def replay_reports(self, m, next_epoch):
        """The attacker re-sends the last accepted poke's reports: for the next epoch it must fail; for
        their own epoch it may go through but must change nothing (they were counted once)."""
        if m not in self.last_poke:
            return
        oracle = self.oracles[m]
        epoch, batch = self.last_poke[m]
        if next_epoch:
            r = oracle.poke.attempt(oracle.nextEpoch(), batch, sender=self.acc[ATTACKERS[0]])
            self._must_fail(r, ORA_03, "reports replayed for another epoch")
            return
        before = (oracle.latest(), oracle.nextEpoch())
        r = self._note(oracle.poke.attempt(epoch, batch, sender=self.acc[ATTACKERS[0]]))
        assert (oracle.latest(), oracle.nextEpoch()) == before and not r.events, (
            f"{ORA_03}: replayed reports counted again: {[e.name for e in r.events]}"
        )

    @precondition(lambda self: self.last_clear is not None)
    @rule()
    def replay_clear(self):
        """The attacker re-sends the last breaker clear's approvals: it must fail."""
        oracle, accept, epoch, approvals = self.last_clear
        r = self.guardian.clearBreaker.attempt(
            oracle, accept, epoch, approvals, sender=self.acc[ATTACKERS[0]]
        )
        self._must_fail(r, GRD_04, "a replayed breaker clear")

    @rule(kind=st.integers(0, 3), scope=st.sampled_from([1, 2, 4, 8]))
    def stranger_approvals(self, kind, scope):
        """The attacker signs approvals with its own keys (and one real signer's): they count for nothing."""
        keys = [self.chain.keys[i] for i in ATTACKERS]
        until = self.chain.timestamp + HOUR
        if kind < 2:
            target = (self.engine, self.fund)[kind]
            msg = pause_message(target.address, scope, until)
            approvals = sign_all(keys, msg, self.chain.chain_id, self.guardian.address, until)
            r = self.guardian.pause.attempt(
                target.address, scope, until, approvals, sender=self.acc[ATTACKERS[0]]
            )
        else:
            calls = [self.desk.call(self.engine, "setReduceOnly", 0, kind == 2)]
            salt = (10**9 + self.salt).to_bytes(32, "big")
            approvals = sign_all([*keys, self.chain.keys[SIGNERS[0]]], schedule_message(calls, salt),
                                 self.chain.chain_id, self.guardian.address, until)  # fmt: skip
            r = self.guardian.schedule.attempt(calls, salt, approvals, sender=self.acc[ATTACKERS[0]])
        self._must_fail(r, GRD_04, "a stranger's approvals")

    @rule(kind=st.integers(0, 4))
    def admin_call(self, kind):
        """The attacker calls an admin function directly: it must fail."""
        sender = self.acc[ATTACKERS[1]]
        m = 0
        if kind == 0:
            r = self.engine.setRiskParams.attempt(m, self.plan.markets[m].risk.as_tuple(), sender=sender)
        elif kind == 1:
            r = self.fund.setParams.attempt(tuple(self.plan.fund_config), sender=sender)
        elif kind == 2:
            r = self.oracles[m].setConfig.attempt(tuple(self.plan.markets[m].config), sender=sender)
        elif kind == 3:
            r = self.engine.setPause.attempt(
                int(EngineScope.WITHDRAW), self.chain.timestamp + HOUR, sender=sender
            )
        else:
            r = self.fund.setEngine.attempt(sender, True, sender=sender)
        self._must_fail(r, GRD_04, f"admin call {kind} by the attacker")

    # ------------------------------------------------------------------ checks after every step

    @initialize()
    def start(self):
        """Nothing to do: the deployment is the start; the first invariant pass records the flat accounts."""

    def _views(self) -> list[tuple]:
        """What every check reads, encoded once per example: (key, contract address, calldata, Function)."""
        views = []

        def view(key, contract, fn, *args):
            f = contract.abi.function(fn, len(args))
            views.append((key, contract.address, f.encode(*args), f))

        token, engine, fund = self.token, self.engine, self.fund
        view("supply", token, "totalSupply")
        for a in [*self.acc, engine.address, fund.address]:
            view(("wallet", a), token, "balanceOf", a)
        for i in ENGINE_ACCOUNTS:
            a = self.acc[i]
            view(("cash", a), engine, "cash", a)
            view(("shares", a), fund, "balanceOf", a)
            for m in self.markets:
                view(("size", a, m), engine, "position", a, m)
                view(("owed", a, m), engine, "lossOwed", a, m)
        for m in self.markets:
            view(("unsettled", m), engine, "unsettledLoss", m)
            view(("read", m), self.oracles[m], "read")
            view(("config", m), self.oracles[m], "config")
        for i in TRADERS:
            view(("ratio", self.acc[i]), engine, "marginRatio", self.acc[i])
        view("fees", engine, "fees")
        view("assets", fund, "totalAssets")
        view("fund supply", fund, "totalSupply")
        return views

    def _probe(self) -> dict:
        """Every view at the current state in one batch (a reverted view's value is None)."""
        if self._probe_views is None:
            self._probe_views = self._views()
        results = self.chain.call_many([(to, data) for _, to, data, _ in self._probe_views])
        v = {}
        for (key, _, _, f), raw in zip(self._probe_views, results, strict=True):
            v[key] = None if isinstance(raw, Reverted) else f.decode(raw)
        for key in [k for k in v if isinstance(k, tuple) and k[0] == "size"]:
            v[key] = v[key][0]
        return v

    @invariant()
    def system_holds(self):
        v = self._probe()
        accounts = [self.acc[i] for i in ENGINE_ACCOUNTS]
        markets = self.markets
        # bulwark.ledger's engine_claims / settled_claims, from the batch
        held = v[("wallet", self.engine.address)] * self.scale
        cash = sum(v[("cash", a)] for a in accounts)
        claims = cash + v["fees"] - sum(v[("unsettled", m)] for m in markets)
        settled = cash + v["fees"] - sum(v[("owed", a, m)] for a in accounts for m in markets)
        assert held == claims, f"{ENG_01}: {held} != {claims}"
        assert held >= settled, f"{ENG_08}: balance - settled claims = {held - settled} wei"
        for m in markets:
            total = sum(v[("size", a, m)] for a in accounts)
            assert total == 0, f"{ENG_02}: market {m} sizes sum to {total}"
        assets, balance = v["assets"], v[("wallet", self.fund.address)]
        assert assets == balance, f"{FND_01}: {assets} != {balance}"
        now = self.chain.timestamp
        for m in markets:
            if v[("read", m)] is not None:
                age, staleness = now - v[("read", m)][1], OracleConfig(*v[("config", m)]).maxStaleness
                assert age <= staleness, (
                    f"{ORA_04}: read() served a price {age}s old (maxStaleness {staleness})"
                )
        self._check_receipts()
        self._check_tokens(v)
        self._check_attacker(v)
        self._check_bystanders(v)
        self._observe(v)
        self.receipts = []

    def _check_receipts(self):
        """GRD-01 from the step's events: each executed operation was scheduled and is past its ETA."""
        for r in self.receipts:
            for e in r.events:
                if e.name == "OperationExecuted" and e.address == self.guardian.address:
                    p = self.scheduled.get(e.args["id"])
                    assert p is not None, f"{GRD_01}: an operation never scheduled was executed"
                    now = self.chain.timestamp
                    assert p.eta <= now <= p.expires_at, (
                        f"{GRD_01}: executed at {now}, outside [{p.eta}, {p.expires_at}]"
                    )

    def _check_tokens(self, v):
        """SYS-01: supply == everything minted == the sum over engine, fund and every actor."""
        held = sum(value for key, value in v.items() if isinstance(key, tuple) and key[0] == "wallet")
        supply = v["supply"]
        assert supply == self.supply == held, f"{SYS_01}: supply {supply}, minted {self.supply}, held {held}"

    def _attacker_value(self, v) -> int:
        """Wallet + engine cash - loss owed of the attacker's accounts, in WAD (positions excluded: the
        two accounts' sizes cancel while only they trade with each other)."""
        value = 0
        for i in ATTACKERS:
            a = self.acc[i]
            # the attacker never stakes: shares reaching it would be value from nowhere
            assert v[("shares", a)] == 0, f"{SYS_02}: attacker {a} holds fund shares"
            value += v[("wallet", a)] * self.scale + v[("cash", a)]
            value -= sum(v[("owed", a, m)] for m in self.markets)
        return value

    def _check_attacker(self, v):
        """SYS-02: while only its two accounts trade with each other, the attacker never gains."""
        self._profit = None
        if self.exposed:
            return
        for m in self.markets:
            net = sum(v[("size", self.acc[i], m)] for i in ATTACKERS)
            assert net == 0, (
                f"{SYS_02}: the attacker holds {net} net in market {m} without trading with anyone"
            )
        value = self._attacker_value(v)
        assert value <= self.put_in, f"{SYS_02}: the attacker gained {(value - self.put_in) / WAD} tokens"
        self._profit = value - self.put_in

    def _check_bystanders(self, v):
        """SYS-03: an account flat (no position, no loss owed, no shares) before a step it took no part in
        keeps its cash, less its own withdrawals."""
        parties, withdrawn = set(), {}
        for r in self.receipts:
            for e in r.events:
                if e.name == "Filled":
                    parties |= {e.args["maker"], e.args["taker"]}
                elif e.name == "Liquidated":
                    parties |= {e.args["account"], e.args["liquidator"]}
                elif e.name == "Withdrawn":
                    a = e.args["account"]
                    withdrawn[a] = withdrawn.get(a, 0) + e.args["amount"] * self.scale
        for a, cash in self.flat.items():
            if a not in parties:
                now = v[("cash", a)]
                assert now >= cash - withdrawn.get(a, 0), (
                    f"{SYS_03}: bystander {a} lost {(cash - withdrawn.get(a, 0) - now) / WAD} tokens"
                )
        self.flat = {
            a: v[("cash", a)]
            for a in (self.acc[i] for i in ENGINE_ACCOUNTS)
            if not v[("shares", a)] and not any(v[("size", a, m)] or v[("owed", a, m)] for m in self.markets)
        }

    def _observe(self, v):
        """The guided search's observations (the extremes of this example; target() at teardown)."""
        ex = self.extremes
        ratios = [
            v[("ratio", self.acc[i])] / WAD
            for i in TRADERS
            if v[("ratio", self.acc[i])] is not None
            and any(v[("size", self.acc[i], m)] for m in self.markets)
        ]
        if ratios:
            low = min(ratios)
            ex["min margin ratio"] = (
                low if ex["min margin ratio"] is None else min(low, ex["min margin ratio"])
            )
        supply = v["fund supply"]
        price = v["assets"] / supply if supply else 1.0
        self.peak_share_price = max(self.peak_share_price, price)
        if self.peak_share_price:
            ex["fund drawdown"] = max(ex["fund drawdown"], 1 - price / self.peak_share_price)
        ex["open loss"] = max(ex["open loss"], sum(max(v[("unsettled", m)], 0) for m in self.markets) / WAD)
        if self._profit is not None:
            p = self._profit / WAD
            ex["attacker profit"] = p if ex["attacker profit"] is None else max(p, ex["attacker profit"])

    # ------------------------------------------------------------------ the end of an example

    def teardown(self):
        ex = self.extremes
        if ex["min margin ratio"] is not None:
            target(-max(ex["min margin ratio"], -1e6), label="lowest trader margin ratio (negated)")
        target(ex["fund drawdown"], label="fund drawdown from its peak")
        target(ex["open loss"], label="open unsettled loss")
        if ex["attacker profit"] is not None:
            target(ex["attacker profit"], label="attacker profit")
        snapshot = self.chain.snapshot()
        try:
            self.everyone_exits()
        finally:
            self.chain.revert(snapshot)

    def _ok(self, receipt, what: str):
        assert receipt.status, f"{SYS_04}: {what} failed: {receipt.error}"
        return receipt

    def everyone_exits(self):
        """SYS-04: after pauses expire and prices are fresh, every position closes (insolvent ones by
        liquidation), every engine account withdraws what it has, every staker redeems all its shares."""
        chain, acc, engine, fund = self.chain, self.acc, self.engine, self.fund
        chain.sleep(self.plan.bounds.max_pause + 1)
        lifts = [m for m in self.markets if engine.market(m).reduceOnly]
        if lifts:
            ops = []
            for m in lifts:
                calls = [self.desk.call(engine, "setReduceOnly", m, False)]
                self.salt += 1
                _, salt, r = self.desk.schedule(calls, self.salt, SIGNERS[:3], sender=acc[OPERATOR])
                self._ok(r, f"scheduling reduce-only off in market {m}")
                ops.append((calls, salt))
            chain.sleep(self.guardian.delay() + 1)
            for calls, salt in ops:
                self._ok(self.desk.execute(calls, salt, sender=acc[KEEPER]), "lifting reduce-only")
        for m in self.markets:
            self._fresh_price(m)
        keeper = acc[KEEPER]
        self.token.mint.transact(keeper, 10**9 * self.unit, sender=keeper)
        self._ok(engine.deposit.attempt(10**9 * self.unit, sender=keeper), "the keeper's deposit")
        others = [i for i in ENGINE_ACCOUNTS if i != KEEPER]
        for _ in range(10):
            unhealthy = [i for i in others if self._below_maintenance(i)]
            if not unhealthy:
                break
            for i in unhealthy:
                for m in self.markets:
                    amount = engine.maxLiquidation(acc[i], m)
                    if amount:
                        self._ok(
                            engine.liquidate.attempt(acc[i], m, amount, sender=keeper), f"liquidating {i}"
                        )
        else:
            raise AssertionError(f"{SYS_04}: accounts stay below maintenance after 10 rounds")
        for m in self.markets:
            index = self._index(m)
            sizes = [(self._size(i, m), i) for i in others]
            for size, i in sorted(sizes, key=lambda x: -x[0]):  # longs first, so the keeper never holds dust
                if size:
                    fill = (keeper, acc[i], m, -size, index)
                    self._ok(engine.fill.attempt(fill, sender=acc[OPERATOR]), f"closing {i} in market {m}")
            assert self._size(KEEPER, m) == 0, (
                f"{SYS_04}: the keeper holds {self._size(KEEPER, m)} after all closed"
            )
        for i in ENGINE_ACCOUNTS:
            state = engine.accountState(acc[i])
            assert state.equity >= 0, f"{SYS_04}: {i} is flat with negative equity {state.equity}"
            amount = min(state.equity, state.collateral) // self.scale
            if amount:
                self._ok(engine.withdraw.attempt(amount, acc[i], sender=acc[i]), f"{i} withdrawing {amount}")
        redeeming = []
        for i in STAKERS:
            a = acc[i]
            shares = fund.balanceOf(a)
            if not shares:
                continue
            if chain.timestamp < fund.redeemRequest(a).expiresAt:  # a live request: all shares go in one
                self._ok(fund.cancelRedeem.attempt(sender=a), f"staker {i} cancelling")
            self._ok(fund.requestRedeem.attempt(shares, sender=a), f"staker {i} requesting")
            redeeming.append((a, shares))
        if redeeming:
            chain.warp(max(fund.redeemRequest(a).claimableAt for a, _ in redeeming))
            for a, shares in redeeming:
                self._ok(fund.redeem.attempt(shares, a, a, sender=a), f"staker {a} redeeming")

    def _below_maintenance(self, i: int) -> bool:
        state = self.engine.accountState(self.acc[i])
        return state.maintenanceMargin > 0 and state.equity < state.maintenanceMargin

    def _fresh_price(self, m: int):
        """All reporters report the path price; a tripped breaker is cleared onto it by breakerThreshold."""
        oracle, market = self.oracles[m], self.plan.markets[m]
        keys = market.reporter_keys

        def poke():
            epoch = oracle.nextEpoch()
            batch = sign_batch(keys, self.chain.chain_id, oracle.address, market.feed_id, epoch,
                               [self.path[m]] * len(keys), self.chain.timestamp)  # fmt: skip
            return self._ok(
                oracle.poke.attempt(epoch, batch, sender=self.acc[OPERATOR]), f"poking market {m}"
            )

        poke()
        if oracle.latest()[2] == TRIPPED:
            epoch = oracle.nextEpoch() - 1
            approvals = self.desk.approvals(clear_breaker_message(oracle.address, True, epoch), SIGNERS[:3])
            r = self.guardian.clearBreaker.attempt(
                oracle.address, True, epoch, approvals, sender=self.acc[OPERATOR]
            )
            self._ok(r, f"clearing market {m}'s breaker")
            self.chain.sleep(1)
            poke()
        assert oracle.latest()[2] == OK, f"{SYS_04}: market {m}'s price is not live: {oracle.latest()}"
