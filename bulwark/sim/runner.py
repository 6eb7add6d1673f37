"""One simulation run: restore the deployed suite, fund the agents, then walk the scenario step by step
in simulated time. Agents act on chain through the lane; only the deployed contracts decide what
happened (a refused transaction is a receipt like any other, and is counted).

Each step (every `scenario.step` seconds):
1. transactions sent earlier land, in time order, at their own times (a lag of L blocks lands after a
   uniform draw in [L/2, 3L/2] blocks of `block_time` seconds, so seeds vary latency as well as noise);
2. the honest relayer of each market decides to push (heartbeat or deviation) and sends the live
   reporters' reports; the attacker, in its window, relays its own;
3. the oracles, the fund and every account are read once; keepers send liquidations for the accounts
   below maintenance, stakers run when their trigger fires, the guardian's signer pauses when a halt
   has lasted its reaction time;
4. the step's figures are recorded (bulwark.sim.record).

Isolated markets: the market maker and the keepers, who act in every market, hold each isolated market
in a desk of its own (subaccount 1 + the market's id, funded like their main account), since the engine
lets an isolated market be held only by a subaccount that holds nothing else; traders hold one market
each, in their own account (subaccount 0). The stakers also stake an isolated market's own fund
(`markets.<name>.fund` tokens, split evenly); they run (`stakers.run_on`) from the shared fund only.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bulwark.abi.scopes import EngineScope
from bulwark.chain import Reverted
from bulwark.model.engine import subaccount
from bulwark.signing.approvals import pause_message, sign_all
from bulwark.sim.oracle_agents import Observation, ReporterSet, sign_poke, to_wad_price
from bulwark.sim.paths import Paths
from bulwark.sim.record import Recorder
from bulwark.sim.result import RunResult
from bulwark.sim.scenario import SOURCE_FAIR, Range, Scenario
from bulwark.sim.world import MAX_UINT, World
from bulwark.units import WAD

STATUS = ("Ok", "Empty", "Stale", "Tripped", "Paused")  # IMedianOracle.Status
BYSTANDER_DEPOSIT = 1_000  # [tokens]
UNWIND_RETRY = 600  # [s] a keeper whose unwind was refused (e.g. a reduce-only market) tries again after


def draw(rng: random.Random, spec: Range) -> float:
    if spec.draw == "uniform":
        return rng.uniform(spec.low, spec.high)
    return math.exp(rng.uniform(math.log(spec.low), math.log(spec.high)))


@dataclass
class Book:
    """One account's state this step, read once for every agent (None while halted)."""

    equity: int
    collateral: int
    maintenance: int
    initial: int

    @property
    def ratio(self) -> float:
        return self.equity / self.maintenance if self.maintenance else math.inf


@dataclass(frozen=True)
class SignedPoke:
    """A poke as its relayer sent it: the market, the reports' time and each (reporter, price [wad])."""

    t: int  # [s] scenario time it was sent
    market: str
    observed_at: int  # [unix s]
    reports: tuple[tuple[str, int], ...]
    relayer: str


@dataclass
class Pending:
    at: int  # [s] scenario time it lands
    seq: int
    action: Callable[[], None] = field(compare=False)

    def __lt__(self, other: Pending) -> bool:
        return (self.at, self.seq) < (other.at, other.seq)


class Run:
    def __init__(
        self,
        world: World,
        scenario: Scenario,
        seed: int,
        progress: Callable[[int], None] | None,
        observer: Callable[[Run], None] | None = None,
    ):
        self.world, self.scenario, self.seed = world, scenario, seed
        world.restore()  # every run starts from the deployment, at the same block time
        self.chain, self.suite, self.roles = world.chain, world.suite, world.roles
        self.engine, self.fund, self.token = self.suite.engine, self.suite.fund, self.suite.collateral
        self.unit = 10**self.suite.plan.decimals
        self.scale = WAD // self.unit
        self.progress = progress or (lambda _step: None)
        self.observer = observer or (lambda _run: None)  # called after every block an agent makes (drills)
        self.paths = Paths(scenario, seed)
        self.markets = list(scenario.markets)
        self.ids = {name: world.market_ids[name] for name in self.markets}
        self.oracles = {name: self.suite.oracles[self.ids[name]] for name in self.markets}
        self.isolated = [name for name in self.markets if self.engine.isIsolated(self.ids[name])]
        self.configs = {name: self.suite.plan.markets[self.ids[name]].config for name in self.markets}
        self.reporters = {
            name: ReporterSet(name, scenario.markets[name], world.report_keys[name], self.paths, seed)
            for name in self.markets
        }
        self.queue: list[Pending] = []
        self.seq = itertools.count()
        self.rec = Recorder(self)
        self.t = 0
        self.start = self.chain.timestamp + 1
        self.last_push: dict[str, int] = {}
        self.pushing: set[str] = set()
        self.sending: set[tuple[str, str]] = set()  # (keeper, account) liquidations in flight
        self.unwinding: dict[str, set[str]] = {k: set() for k in self.roles.keepers}
        self.unwind_after: dict[str, int] = {}  # keeper -> time of its next unwind attempt
        self.claimable: dict[str, int] = {}  # staker -> when its redemption request can be claimed [unix s]
        self.halt_since: int | None = None
        self.paused = False
        self.ran: set[str] = set()  # stakers who asked to redeem
        self.redeemed: set[str] = set()
        self.attacker_open = False  # its bet is placed
        self.books: dict[str, Book | None] = {}
        self.signed: list[SignedPoke] = []  # every poke sent, as signed (a drill's ground truth)

    # ------------------------------------------------------------------ plumbing

    def now(self) -> int:
        return self.start + self.t

    def at(self, t: int) -> None:
        """Move the chain to scenario time `t` (never back)."""
        self.t = max(self.t, t)
        if self.now() > self.chain.timestamp:
            self.chain.warp(self.now())
            self.observer(self)

    def send(self, contract, fn: str, *args, sender: str):
        receipt = getattr(contract, fn).attempt(*args, sender=sender)
        self.rec.receipt(receipt)
        self.observer(self)
        return receipt

    def later(self, lag_blocks: int, action: Callable[[], None], rng: random.Random) -> None:
        blocks = rng.uniform(lag_blocks / 2, 3 * lag_blocks / 2) if lag_blocks else 0
        land = self.t + round(blocks * self.scenario.block_time)
        if land <= self.t:
            action()
        else:
            heapq.heappush(self.queue, Pending(land, next(self.seq), action))

    def land_until(self, t: int) -> None:
        while self.queue and self.queue[0].at <= t:
            item = heapq.heappop(self.queue)
            self.at(item.at)
            item.action()
        self.at(t)

    # ------------------------------------------------------------------ the run

    def run(self) -> RunResult:
        started = time.monotonic()
        self.at(0)
        self.fund_agents()
        for name in self.markets:
            self.push(name, force=True)
        steps = range(0, self.scenario.duration + 1, self.scenario.step)
        opened = False
        for i, t in enumerate(steps):
            self.land_until(t)
            for name in self.markets:
                self.push(name)
            if not opened and t >= self.scenario.traders.open_at:
                opened = True
                self.open_positions()
                self.rec.opened()
            self.attack()
            self.read()
            self.keep()
            self.stake()
            self.guard()
            self.rec.step()
            self.progress(i + 1)
        self.land_until(self.scenario.duration)
        self.finish()
        return self.rec.result(time.monotonic() - started)

    # ------------------------------------------------------------------ funding and the opening

    def onboard(self, account: str, tokens: float, engine: bool = True, id_: int = 0) -> int:
        """Mint `tokens` to `account` and (`engine`) deposit them into its subaccount `id_`."""
        amount = round(tokens * self.unit)
        self.token.mint.transact(account, amount, sender=account)
        self.token.approve.transact(self.engine.address, MAX_UINT, sender=account)
        self.token.approve.transact(self.fund.address, MAX_UINT, sender=account)
        if engine:
            if id_:
                self.engine.depositTo.transact(id_, amount, sender=account)
            else:
                self.engine.deposit.transact(amount, sender=account)
            self.engine.setOperator.transact(self.roles.operator, True, sender=account)
            self.rec.deposited(subaccount(account, id_), amount)
        return amount

    def desk_id(self, name: str) -> int:
        """The subaccount through which the maker and the keepers hold market `name`: 0 for a shared
        market, 1 + its id for an isolated one."""
        return 1 + self.ids[name] if name in self.isolated else 0

    def desk(self, account: str, name: str) -> str:
        return subaccount(account, self.desk_id(name))

    def desks(self) -> list[tuple[str, str, str]]:
        """(label, role, address) of the maker's and the keepers' isolated-market desks."""
        agents = [("maker", self.roles.maker)]
        agents += [(f"keeper-{i}", a) for i, a in enumerate(self.roles.keepers)]
        return [
            (f"{label}:{name}", label.split("-")[0], self.desk(a, name))
            for label, a in agents
            for name in self.isolated
        ]

    def fund_agents(self) -> None:
        s = self.scenario
        self.onboard(self.roles.maker, s.traders.maker_capital)
        self.onboard(self.roles.bystander, BYSTANDER_DEPOSIT)
        for keeper in self.roles.keepers:
            self.onboard(keeper, s.keepers.capital)
        for name in self.isolated:  # each isolated market's desks, funded like the main accounts
            self.onboard(self.roles.maker, s.traders.maker_capital, id_=self.desk_id(name))
            for keeper in self.roles.keepers:
                self.onboard(keeper, s.keepers.capital, id_=self.desk_id(name))
        share = s.stakers.size / s.stakers.count
        for staker in self.roles.stakers:
            amount = self.onboard(staker, share, engine=False)
            self.fund.deposit.transact(amount, staker, sender=staker)
        for name in self.isolated:  # an isolated market's own fund, staked by the same stakers
            stake = s.markets[name].fund
            fund = self.suite.market_funds[name]
            for staker in self.roles.stakers if stake else ():
                amount = self.onboard(staker, stake / s.stakers.count, engine=False)
                self.token.approve.transact(fund.address, MAX_UINT, sender=staker)
                fund.deposit.transact(amount, staker, sender=staker)
        hostile = self.hostile_spec()
        if hostile is not None:
            self.onboard(self.roles.attacker, hostile[1].collateral)

    def index(self, name: str) -> int:
        return self.oracles[name].latest()[0]

    def fill(self, maker: str, taker: str, name: str, size: int, price: int | None = None):
        price = self.index(name) if price is None else price
        return self.send(
            self.engine, "fill", (maker, taker, self.ids[name], size, price), sender=self.roles.operator
        )

    def open_positions(self) -> None:
        spec = self.scenario.traders
        rng = random.Random(f"{self.seed}:traders")
        choices = spec.markets or self.markets
        for trader in self.roles.traders:
            collateral, leverage = draw(rng, spec.collateral), draw(rng, spec.leverage)
            name = rng.choice(choices)
            long = rng.random() < spec.long_share
            self.onboard(trader, collateral)
            index = self.index(name)
            size = round(collateral * leverage * WAD) * WAD // index
            receipt = self.fill(
                self.desk(self.roles.maker, name), trader, name, size if long else -size, index
            )
            if not receipt.status:
                self.rec.refused(trader, receipt)

    # ------------------------------------------------------------------ oracle pushes

    def push(self, name: str, force: bool = False) -> None:
        """The honest relayer: heartbeat or deviation (or a held candidate), then the live reports."""
        spec = self.scenario.markets[name].push
        served = self.rec.latest.get(name)
        true = self.paths.price(name, SOURCE_FAIR, self.t)
        due = (
            force
            or served is None
            or self.t - self.last_push.get(name, -math.inf) >= spec.heartbeat
            or abs(true / served - 1) >= spec.deviation
        )
        if not due or name in self.pushing:
            return
        self.last_push[name] = self.t
        observations = self.hostile_view(name, self.reporters[name].observe(self.t, self.scenario.step))
        rng = self.reporters[name].rng
        if not force and any(w.holds(self.t) for w in spec.failing) and rng.random() < spec.fail_rate:
            self.rec.push_failed(name, "dropped")
            return
        oracle, config = self.oracles[name], self.configs[name]
        if len(observations) < config.quorum:
            self.rec.push_failed(name, "no quorum")
            return
        epoch, observed_at = oracle.nextEpoch(), self.now()

        def land():
            self.pushing.discard(name)
            self.poke(name, epoch, observations, observed_at, self.roles.operator)

        self.pushing.add(name)
        self.later(0 if force else spec.lag_blocks, land, rng)

    def poke(self, name: str, epoch: int, observations: list[Observation], observed_at: int, sender: str):
        oracle = self.oracles[name]
        reports = sign_poke(oracle, epoch, observations, observed_at)
        signed = tuple((o.key.address, to_wad_price(o.price)) for o in observations)
        self.signed.append(SignedPoke(self.t, name, observed_at, signed, sender))
        receipt = self.send(oracle, "poke", epoch, reports, sender=sender)
        if receipt.status:
            self.rec.pushed(name, receipt)
        else:
            self.rec.push_failed(name, receipt.error.name if receipt.error else "reverted")
        return receipt

    # ------------------------------------------------------------------ the attacker

    def hostile_spec(self):
        for name, market in self.scenario.markets.items():
            if market.hostile is not None:
                return name, market.hostile
        return None

    def _target(self, name: str, hostile) -> float | None:
        """The price the hostile keys sign now: the served price moved toward true * (1 + bias), by at
        most 98% of maxDeviation (so the breaker does not hold it)."""
        served = self.rec.latest.get(name)
        if served is None:
            return None
        wanted = self.paths.price(name, SOURCE_FAIR, self.t) * (1 + hostile.bias)
        limit = self.configs[name].maxDeviation / WAD * 0.98
        return min(max(wanted, served * (1 - limit)), served * (1 + limit))

    def hostile_view(self, name: str, observations: list[Observation]) -> list[Observation]:
        """Inside the attack window the hostile keys sign nothing for the honest relayer: they withhold
        their reports (past the tolerance this leaves it short of a quorum) and sign only the
        attacker's pokes."""
        hostile = self.scenario.markets[name].hostile
        if hostile is None or not hostile.window.holds(self.t):
            return observations
        keys = {k.address for k in self.world.report_keys[name][: hostile.keys]}
        return [o for o in observations if o.key.address not in keys]

    def attack(self) -> None:
        """In its window the attacker opens its bet, pokes every `every` seconds with its keys' price and
        the fewest honest reports a quorum needs (those nearest its aim), and on its last turn pokes,
        closes the bet at the index it just made and withdraws."""
        spec = self.hostile_spec()
        if spec is None:
            return
        name, hostile = spec
        w, attacker, step = hostile.window, self.roles.attacker, self.scenario.step
        if not w.holds(self.t):
            return
        if not self.attacker_open:
            self.attacker_open = True
            index = self.index(name)
            size = round(hostile.position * WAD) * WAD // index
            self.fill(
                self.desk(self.roles.maker, name), attacker, name, -size if hostile.bias < 0 else size, index
            )
        last = self.t + step >= w.end
        if (self.t - w.start) % hostile.every < step or last:
            keys = self.world.report_keys[name][: hostile.keys]
            target = self._target(name, hostile)
            honest = [o for o in self.reporters[name].observe(self.t, step) if o.key not in keys]
            honest.sort(key=lambda o: o.price, reverse=hostile.bias > 0)
            need = max(0, self.configs[name].quorum - len(keys))
            mine = [Observation(k, target) for k in keys]
            self.poke(name, self.oracles[name].nextEpoch(), mine + honest[:need], self.now(), attacker)
        if last:
            size = self.engine.position(attacker, self.ids[name])[0]
            if size:
                self.fill(self.desk(self.roles.maker, name), attacker, name, -size)
            self.withdraw_all(attacker)

    # ------------------------------------------------------------------ reading the chain once a step

    def read(self) -> None:
        """The oracles every step; an account's book only when prices or its own state changed."""
        prices = []
        for name in self.markets:
            price, updated, status = self.oracles[name].latest()
            self.rec.oracle(name, price, updated, STATUS[status])
            prices.append((price, updated, status))
        accounts = self.rec.books_to_read(tuple(prices))
        fn = self.engine.abi.function("accountState", 1)
        replies = self.chain.call_many([(self.engine.address, fn.encode(a)) for a in accounts])  # one batch
        for account, reply in zip(accounts, replies, strict=True):
            self.books[account] = None if isinstance(reply, Reverted) else Book(*fn.decode(reply))

    # ------------------------------------------------------------------ keepers

    def keep(self) -> None:
        spec = self.scenario.keepers
        congested = [c for c in spec.congestion if c.window.holds(self.t)]
        lag = max([spec.lag_blocks] + [c.lag_blocks for c in congested])
        below = [a for a, b in self.books.items() if b is not None and b.equity < b.maintenance]
        for k, keeper in enumerate(self.roles.keepers):
            rng = random.Random(f"{self.seed}:keeper:{k}:{self.t}")
            self.unwind(keeper)
            own = {keeper, *(self.desk(keeper, name) for name in self.isolated)}  # never liquidates itself
            for account in rng.sample(below, len(below)):
                if account in own or (keeper, account) in self.sending:
                    continue
                order = self.liquidation(keeper, account)
                if order is None:
                    continue
                if congested and rng.random() < spec.fail_rate:
                    self.rec.liquidation_dropped()
                    continue
                self.sending.add((keeper, account))
                self.later(lag, self._liquidate(keeper, account, *order), rng)

    def liquidation(self, keeper: str, account: str) -> tuple[str, int] | None:
        """The keeper's order for `account`: its largest position, as much as maxLiquidation and the
        keeper's own free margin allow (it must meet IM after taking it over)."""
        held = [(abs(self.engine.position(account, self.ids[n])[0]), n) for n in self.rec.markets_of(account)]
        held = [(size, n) for size, n in held if size]
        if not held:
            return None
        size, name = max(held)
        desk = self.desk(keeper, name)
        mine = self.books.get(desk) or self.book(desk)
        if mine is None:
            return None
        m = self.ids[name]
        try:
            amount = self.engine.maxLiquidation(account, m)
            index, mmr = self.index(name), self.engine.mmr(m)
        except Reverted:
            return None
        factor = self.suite.plan.markets[m].risk.imFactor
        free = min(mine.equity, mine.collateral) - mine.initial
        affordable = free * 95 // 100 * WAD // max(1, mmr * factor // WAD) * WAD // index
        amount = min(amount, size, max(0, affordable))
        return (name, amount) if amount > 0 else None

    def book(self, account: str) -> Book | None:
        """`account`'s state read now (None while a price it needs is halted)."""
        try:
            return Book(*self.engine.accountState(account))
        except Reverted:
            return None

    def _liquidate(self, keeper: str, account: str, name: str, amount: int):
        def land():
            self.sending.discard((keeper, account))
            m, id_ = self.ids[name], self.desk_id(name)
            if id_:
                receipt = self.send(self.engine, "liquidateInto", account, m, amount, id_, sender=keeper)
            else:
                receipt = self.send(self.engine, "liquidate", account, m, amount, sender=keeper)
            if receipt.status:
                self.unwinding[keeper].add(name)
                self.unwind(keeper)

        return land

    def unwind(self, keeper: str) -> None:
        """Close what the keeper took over against the market maker, at the index (not tried while
        trading is paused or the market's price is halted: the engine would refuse)."""
        if not self.unwinding[keeper] or self.t < self.unwind_after.get(keeper, 0):
            return
        if self.engine.pausedUntil(EngineScope.TRADE) > self.now():
            return
        for name in sorted(self.unwinding[keeper]):
            if self.rec.status.get(name) != "Ok":
                continue
            desk = self.desk(keeper, name)
            size = self.engine.position(desk, self.ids[name])[0]
            if size == 0 or self.fill(self.desk(self.roles.maker, name), desk, name, -size).status:
                self.unwinding[keeper].discard(name)
            else:
                self.unwind_after[keeper] = self.t + UNWIND_RETRY

    # ------------------------------------------------------------------ stakers and the guardian

    def stake(self) -> None:
        spec = self.scenario.stakers
        trigger = {
            "never": False,
            "bad_debt": self.rec.bad_debt_seen(),
            "drawdown": self.rec.drawdown() >= spec.drawdown,
            "at": spec.at is not None and self.t >= spec.at,
        }[spec.run_on]
        for staker in self.roles.stakers:
            if trigger and staker not in self.ran:
                self.ran.add(staker)
                shares = self.fund.balanceOf(staker) * round(spec.fraction * 10**6) // 10**6
                if shares and self.send(self.fund, "requestRedeem", shares, sender=staker).status:
                    self.claimable[staker] = self.fund.redeemRequest(staker)[2]
            if staker in self.redeemed or self.now() < self.claimable.get(staker, 2**64):
                continue
            request = self.fund.redeemRequest(staker)
            if request[0] and request[2] <= self.now() < request[3]:
                self.redeemed.add(staker)
                receipt = self.send(self.fund, "redeem", request[0], staker, staker, sender=staker)
                if receipt.status:
                    self.rec.redeemed(receipt)

    def guard(self) -> None:
        spec = self.scenario.guardian
        halted = any(self.rec.status[n] in ("Tripped", "Stale") for n in self.markets)
        if self.halt_since is None and halted:
            self.halt_since = self.t
        if (
            not spec.react
            or self.paused
            or self.halt_since is None
            or self.t < self.halt_since + spec.reaction
        ):
            return
        scopes = 0
        for scope in spec.scopes:
            scopes |= EngineScope[scope]
        guardian, target = self.suite.guardian, self.engine.address
        if self.engine.pausedUntil(scopes) > self.now():  # someone paused already: never re-pause
            self.paused = True
            return
        until = self.now() + min(spec.duration, self.suite.plan.bounds.max_pause)
        signer = self.roles.signers[0]
        approvals = sign_all(
            [self.world.signer_keys[signer]],
            pause_message(target, scopes, until),
            self.chain.chain_id,
            guardian.address,
            until,
        )
        receipt = self.send(guardian, "pause", target, scopes, until, approvals, sender=self.roles.operator)
        self.paused = receipt.status

    # ------------------------------------------------------------------ the end

    def withdraw_all(self, account: str) -> None:
        """Withdraw what the engine lets `account` take: everything without positions, else down to IM."""
        book = self.book(account)
        if book is None:
            return
        free = min(book.equity, book.collateral) - book.initial
        amount = max(0, free) // self.scale
        if amount and self.send(self.engine, "withdraw", amount, account, sender=account).status:
            self.rec.withdrew(account, amount)

    def finish(self) -> None:
        self.withdraw_all(self.roles.bystander)


def run_scenario(
    world: World, scenario: Scenario, seed: int, meta: dict, progress=None, observer=None
) -> RunResult:
    """Run `scenario` once with `seed` on `world` (restored first); `meta` carries the scenario's name,
    its hash, the parameters' hash and the commit for the result; `progress(step)` after each step,
    `observer(run)` after each block the agents make (a drill's monitor polls there)."""
    result = Run(world, scenario, seed, progress, observer).run()
    result.scenario, result.scenario_hash = meta["scenario"], meta["scenario_hash"]
    result.params_hash, result.commit, result.backend = meta["params_hash"], meta["commit"], world.backend
    return result


__all__ = ["Run", "SignedPoke", "run_scenario", "to_wad_price"]
