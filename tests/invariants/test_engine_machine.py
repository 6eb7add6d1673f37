"""Stateful fuzzing of MarginEngine: three traders deposit (with dust) and withdraw (part, all or a
little more than their margin frees), and trade with each other, with the liquidator and with a small
keeper through the operator in both markets, at prices inside the band, on its edge or just outside, for
part of what both accounts' margin carries, all of it to the unit, or just beyond, or to close; the
well-funded liquidator or the keeper (whose 3,000 tokens cover a part of a big insolvency, not all of it)
takes over what the model has below maintenance (the most the size limit allows, part of it, or beyond
it; an insolvent account in parts or whole), right after a price move or later, and once in some runs
tries a healthy account; every account withdraws what its margin frees, in a random order, once bad
debt was shared (then the chain is put back); reporters move prices through signed pokes: small moves,
moves to a trader's liquidation price, between it and the bankruptcy price or past that, and jumps
beyond maxDeviation that trip the breaker, which a later poke clears or, after confirmDelay, confirms;
time passes a little, to a price's last live (or first stale) second, or past maxStaleness until the
next poke; insurance shares are swept to the fund; the guardian reopens a reduce-only market. BTC's
maintenance rate follows its oracle's volatility (volMultiplier 0.5), so its pokes move every BTC
holder's margin.

A pure-Python model, updated only on success, mirrors every account's cash and positions (size, open
notional, loss snapshot), fees, open interest, shared and unsettled losses, loss indices and reduce-only
flags, the engine's and the fund's token
balances and the fund's outflow cap, and both oracles (served price, updatedAt, breaker, EWMA variance
and so the maintenance rate). With bulwark.margin (the engine's arithmetic, rounding for rounding) it
predicts every transaction down to the custom error and its inputs (the oracle's own error when a price
the transaction needs is stale or tripped), or to the exact penalty, bad debt, cover and shared loss.
ENG-01..ENG-08 are checked after every step against what the chain says: the books balance exactly
and match the model, sizes sum to zero, what every position owes matches, the token balance covers
every settled claim, a liquidation lowers the equity of no account but the liquidated one and (by what it
newly owes) the opposite side of the market, every liquidated account was below maintenance just before
and (partial liquidations) kept its margin ratio, every withdrawal and risk-increasing fill left
min(equity, collateral) >= IM, and every price a fill, withdrawal or liquidation needed was live in
its block.

Cost: a reverted transaction costs Ape ~0.4 s (it is mined, traced and decoded), an accepted one
~0.1 s, and an Ape view ~0.02 s. So sizes are drawn as a fraction of what the model says both
accounts' margin carries (a bisection on the model), a run rejects at most MAX_REJECTED transactions
and each kind of rejection (each error) once (later would-be rejections turn into a valid variant or a
no-op), liquidations are drawn only when the model has an account to liquidate, and reads are raw
eth_calls batched into one request per check, for the accounts and markets a step touched. An
example takes about 2 s."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import NamedTuple

from eth_abi import decode, encode
from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bulwark.abi.scopes import FundScope
from bulwark.invariants import ENG_01, ENG_02, ENG_03, ENG_04, ENG_05, ENG_06, ENG_07, ENG_08
from bulwark.margin import (
    AccountState,
    RiskParams,
    SideLoss,
    account_state,
    ceil_div,
    debt_share,
    liquidation_limit,
    mmr,
    move,
    penalty,
    value,
)
from bulwark.model.oracle import Volatility, annualise
from bulwark.units import HOUR, WAD, to_wad_down
from tests.helpers import event, reverts
from tests.unit.fund.conftest import BUCKET_SECONDS, OUTFLOW_BUCKETS, PARAMS
from tests.unit.margin.conftest import (  # noqa: F401  (fixtures this test requests)
    BTC,
    ETH,
    ORACLE_CONFIG,
    MarginHelper,
    engine,
    fund,
    liquidator,
    operator,
    oracles,
    traders,
)

MARKETS = (ETH, BTC)
# ETH: the suite's defaults with a reachable open-interest cap; BTC: margin grows with volatility
RISKS = {
    ETH: RiskParams(openInterestCap=to_wad_down(150)),
    BTC: RiskParams(volMultiplier=WAD // 2, openInterestCap=to_wad_down(8)),
}
MAX_STALENESS, CONFIRM_DELAY = ORACLE_CONFIG.maxStaleness, ORACLE_CONFIG.confirmDelay
VOLATILITY_TAU, VOLATILITY_INTERVAL = ORACLE_CONFIG.volatilityTau, ORACLE_CONFIG.volatilityInterval
MAX_DEVIATION, MIN_PRICE, MAX_PRICE = (
    ORACLE_CONFIG.maxDeviation,
    ORACLE_CONFIG.minPrice,
    ORACLE_CONFIG.maxPrice,
)
OK, STALE, TRIPPED = 0, 2, 3  # IMedianOracle.Status
TRADERS = 3
LIQ = TRADERS  # the liquidator's index among the actors
KEEPER = TRADERS + 1  # a second liquidator, small: a big insolvency is more than it can take alone
ACTORS = TRADERS + 2
DEPOSITS = (1_000, 4_000, 15_000)  # tokens each trader holds in the engine when a run starts
LIQUIDATOR_DEPOSIT = 1_000_000  # tokens: well funded, so its own IM rarely binds
KEEPER_DEPOSIT = 3_000
MAX_OUTFLOW = 200  # tokens the fund's cover may pay per window
MAX_REJECTED = 3  # rejected transactions per run: each costs Ape ~0.4 s, an accepted one ~0.1 s
HALTED = "halted"  # the rejection kind of every oracle error (stale or tripped)

# raw views: (signature, output types)
CASH = ("cash(address)", ("int256",))
POSITION = ("position(address,uint256)", ("int256", "int256"))
FEES = ("fees()", ("uint256",))
ACCOUNT_STATE = ("accountState(address)", ("int256", "int256", "uint256", "uint256"))
# oracle, reduceOnly, lossShared, openInterest, sharedLoss, recoveredLoss, then longs' and shorts'
# SideLoss (index, unsettled, scale, era); the rest: risk parameters
SIDE = ("uint256", "int256", "uint128", "uint64")
MARKET = ("market(uint256)", ("address", "bool", "bool", "uint256", "uint256", "uint256", *SIDE, *SIDE))
LOSS_OWED = ("lossOwed(address,uint256)", ("uint256",))
MMR = ("mmr(uint256)", ("uint256",))
MAX_LIQUIDATION = ("maxLiquidation(address,uint256)", ("uint256",))
BALANCE_OF = ("balanceOf(address)", ("uint256",))
LATEST = ("latest()", ("uint256", "uint256", "uint8"))
VOLATILITY = ("annualisedVolatility()", ("uint256",))

# seconds between one transaction and the next: often one, so a step after an edge lands on it
gaps = st.one_of(st.just(1), st.integers(1, 300))
markets = st.sampled_from(MARKETS)
dusts = st.integers(0, 10**18 - 1)  # sub-token amounts, reduced modulo one token


def one_in(n: int):
    """True once in `n` draws (False is the simplest example, so shrinking leaves the rare path)."""
    return st.integers(0, n - 1).map(lambda k: k == n - 1)


def deviation(price: int, reference: int) -> int:
    """Relative distance, rounded up (MedianOracle._deviation, MarginEngine._requireInBand)."""
    return ceil_div(abs(price - reference) * WAD, reference)


def clamp(price: int) -> int:
    return min(max(price, MIN_PRICE), MAX_PRICE)


def scaled(price: int, bps: int) -> int:
    """`price` moved by `bps` basis points."""
    return clamp(price * (10_000 + bps) // 10_000)


def increases(before: int, after: int) -> bool:
    """MarginEngine._checkFill: the fill adds risk (|size| grows, or the side flips)."""
    return abs(after) > abs(before) or (before != 0 and after != 0 and (before > 0) != (after > 0))


class Views:
    """Raw eth_calls batched into one JSON-RPC request (Ape's call machinery costs ~20 ms a view; a
    batch of a dozen raw calls about as much in all)."""

    def __init__(self, web3):
        self.web3 = web3

    def __call__(self, *calls) -> list:
        """`calls`: (contract, view, *args) with `view` one of the constants above; each output
        decoded (a single value unwrapped)."""
        if not calls:
            return []
        with self.web3.batch_requests() as batch:
            for contract, (signature, _), *args in calls:
                inputs = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
                data = keccak(text=signature)[:4] + encode(inputs, args)
                batch.add(self.web3.eth.call({"to": contract.address, "data": "0x" + data.hex()}))
            results = batch.execute()
        outputs = []
        for (_, (_, types), *_), raw in zip(calls, results, strict=True):
            decoded = decode(types, bytes(raw))
            outputs.append(decoded[0] if len(types) == 1 else decoded)
        return outputs


@dataclass
class Feed:
    """A MedianOracle as the model sees it: served price and updatedAt, sampled volatility, breaker."""

    price: int
    updated_at: int
    vol: Volatility
    epoch: int  # the next batch's epoch: every batch the machine sends is accepted (served or held)
    candidate: int = 0
    tripped_at: int = 0  # 0: clear
    level: int = 0  # the level the breaker waits on
    level_since: int = 0

    def rate(self, risk: RiskParams) -> int:
        """The market's maintenance rate: SampledVolatility.annualise, then MarginEngine's formula."""
        return mmr(risk, self.volatility())

    def volatility(self) -> int:
        return annualise(self.vol.variance)


@dataclass
class Book:
    """The engine's storage (and what the fund holds) as the model sees it; actors by index."""

    cash: list[int]
    positions: list[list[tuple[int, int]]]  # [actor][market] = (size, openNotional)
    snapshots: list[list[tuple[int, int]]]  # [actor][market] = the position's (loss snapshot, era)
    fees: int
    open_interest: list[int]
    shared: list[int]  # per market: all loss shared with a side
    recovered: list[int]  # per market: of it, what the fund paid later
    losses: list[list[SideLoss]]  # [market] = [longs, shorts]
    reduce_only: list[bool]
    balance: int  # the engine's token balance (token units)
    fund_balance: int
    outflows: list[tuple[int, int]]  # (block time, paid) of every cover that paid

    def copy(self) -> Book:
        return Book(
            [*self.cash],
            [[*p] for p in self.positions],
            [[*p] for p in self.snapshots],
            self.fees,
            [*self.open_interest],
            [*self.shared],
            [*self.recovered],
            [[replace(side) for side in sides] for sides in self.losses],
            [*self.reduce_only],
            self.balance,
            self.fund_balance,
            [*self.outflows],
        )

    def side(self, m: int, longs: bool) -> SideLoss:
        return self.losses[m][0 if longs else 1]

    def owed(self, a: int, m: int) -> int:
        """What actor `a`'s position in `m` owes of shared losses (MarginEngine._owed)."""
        size = self.positions[a][m][0]
        return self.side(m, size > 0).owed(size, *self.snapshots[a][m])

    def unsettled(self, m: int) -> int:
        return sum(side.unsettled for side in self.losses[m])

    def held(self, a: int) -> list[int]:
        """The markets actor `a` holds, in the order the engine walks them."""
        return [m for m in MARKETS if self.positions[a][m][0] != 0]


class Liquidation(NamedTuple):
    """A successful liquidation's account as the chain reported it, just before and after."""

    before: AccountState
    after: AccountState


def test_engine_state_machine(
    engine,  # noqa: F811
    oracles,  # noqa: F811
    fund,  # noqa: F811
    token,
    traders,  # noqa: F811
    liquidator,  # noqa: F811
    operator,  # noqa: F811
    guardian,
    chain,
    accounts,
):
    """ENG-01..ENG-08 hold after every step of random deposits, withdrawals, fills, liquidations by
    two liquidators, shared losses, signed price moves (breaker trips included), staleness, fee sweeps
    and exits in random order; every transaction's outcome matches the model exactly."""
    helper = MarginHelper(engine, token, oracles, operator, chain)
    views = Views(chain.provider.web3)
    scale, unit = engine.SCALE(), helper.unit
    keeper = accounts[7]
    token.mint(keeper, KEEPER_DEPOSIT * unit, sender=keeper)
    token.approve(engine, 2**256 - 1, sender=keeper)
    engine.setOperator(operator, True, sender=keeper)
    actors = [*traders, liquidator, keeper]
    addresses = [a.address for a in actors]
    # a tight cover cap, so bad debt beyond what the fund pays (shared with the other side) is common
    cap = MAX_OUTFLOW * unit
    helper.next()
    fund.setParams((PARAMS.cooldown, PARAMS.redeemWindow, cap), sender=guardian)
    for m in MARKETS:
        helper.next()
        engine.setRiskParams(m, RISKS[m].as_tuple(), sender=guardian)
    deposits = [tokens * unit + unit // 3 for tokens in DEPOSITS]
    deposits += [LIQUIDATOR_DEPOSIT * unit, KEEPER_DEPOSIT * unit]
    for account, amount in zip(actors, deposits, strict=True):
        helper.next()
        engine.deposit(amount, sender=account)
    start_feeds = []
    for m in MARKETS:
        price, updated_at, status = oracles[m].latest()
        assert status == OK and oracles[m].annualisedVolatility() == 0  # one poke so far: no variance
        start_feeds.append((price, updated_at, *oracles[m].volatilitySample(), oracles[m].nextEpoch()))
    assert engine.fees() == 0 and fund.outflowUsed() == 0
    start_balance, start_fund_balance = token.balanceOf(engine), token.balanceOf(fund)
    assert start_balance == sum(deposits)

    class EngineMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp  # every transaction and mined block is later
            self.book = Book(
                cash=[amount * scale for amount in deposits],
                positions=[[(0, 0)] * len(MARKETS) for _ in actors],
                snapshots=[[(0, 0)] * len(MARKETS) for _ in actors],
                fees=0,
                open_interest=[0] * len(MARKETS),
                shared=[0] * len(MARKETS),
                recovered=[0] * len(MARKETS),
                losses=[[SideLoss(), SideLoss()] for _ in MARKETS],
                reduce_only=[False] * len(MARKETS),
                balance=start_balance,
                fund_balance=start_fund_balance,
                outflows=[],
            )
            self.feeds = [Feed(p, u, Volatility(0, vp, vt), e) for p, u, vp, vt, e in start_feeds]
            self.rates = [feed.rate(RISKS[m]) for m, feed in enumerate(self.feeds)]
            self.rejections: Counter[str] = Counter()  # by kind: error name, or HALTED
            self.healthy_tried = False
            self.cover_paused_until = 0  # the fund's COVER scope
            # what the invariants read next (storage a step may have changed) and what steps reported
            self.cash_due: set[int] = set()
            self.positions_due: set[int] = set()
            self.markets_due: set[int] = set()
            self.fees_due = False
            self.poked: set[int] = set()
            self.time_moved = False
            self.liquidations: list[Liquidation] = []  # ENG-03, ENG-04
            self.owed_due: set[int] = set()  # actors whose loss owed may have changed (ENG-07)
            self.margined: list[AccountState] = []  # ENG-05
            self.priced: list[int] = []  # ENG-06: oracle statuses in the blocks of accepted transactions

        def teardown(self):
            chain.restore(self.snapshot)

        # ------------------------------------------------------------ model: prices

        def _halt(self, m: int, at: int):
            """The oracle's revert if market `m`'s price is not live at `at` (read()'s order), else None."""
            f = self.feeds[m]
            if f.tripped_at:
                return oracles[m].MedianOracleTripped, {"candidate": f.candidate, "trippedAt": f.tripped_at}
            age = at - f.updated_at
            if age > MAX_STALENESS:
                return oracles[m].MedianOracleStale, {"age": age, "maxStaleness": MAX_STALENESS}
            return None

        def _status(self, m: int, at: int) -> int:
            f = self.feeds[m]
            return TRIPPED if f.tripped_at else STALE if at - f.updated_at > MAX_STALENESS else OK

        def _first_halt(self, book: Book, a: int, at: int):
            """The revert of the first halted market actor `a` holds, in the engine's walking order."""
            for m in book.held(a):
                halt = self._halt(m, at)
                if halt is not None:
                    return halt
            return None

        def _prices(self) -> dict[int, tuple[int, int]]:
            return {m: (self.feeds[m].price, self.rates[m]) for m in MARKETS}

        def _state(self, book: Book, a: int) -> AccountState:
            positions, due = dict(enumerate(book.positions[a])), {m: book.owed(a, m) for m in MARKETS}
            return account_state(book.cash[a], positions, self._prices(), RISKS, due)

        def _serve(self, m: int, price: int, updated_at: int) -> None:
            """MedianOracle._serve: the new price, and the variance moved if it is a sample (ORA-06)."""
            f = self.feeds[m]
            f.vol.observe(price, updated_at, VOLATILITY_INTERVAL, VOLATILITY_TAU)
            f.price, f.updated_at = price, updated_at
            self.rates[m] = f.rate(RISKS[m])

        def _poke(self, m: int, price: int, at: int) -> None:
            """Three reporters report `price` observed at `at`; MedianOracle._settle in the model."""
            self._at(at)
            helper.set_price(m, price, at=at, epoch=self.feeds[m].epoch)
            self.feeds[m].epoch += 1
            self.poked.add(m)
            f = self.feeds[m]
            near_served = deviation(price, f.price) <= MAX_DEVIATION
            if not f.tripped_at:
                if near_served:
                    self._serve(m, price, at)
                else:
                    f.candidate = f.level = price
                    f.tripped_at = f.level_since = at
                return
            near_level = deviation(price, f.level) <= MAX_DEVIATION
            if near_served or (near_level and at >= f.level_since + CONFIRM_DELAY):
                f.candidate = f.tripped_at = f.level = f.level_since = 0
                self._serve(m, price, at)
                return
            f.candidate = price
            if not near_level:
                f.level, f.level_since = price, at  # a new level waits anew (ORA-07)

        # ------------------------------------------------------------ model: the engine

        def _move(self, book: Book, a: int, m: int, delta: int, cash_delta: int) -> tuple[int, int]:
            """MarginEngine._move: (size before, size after); a shared loss the position owes is settled."""
            size, open_notional = book.positions[a][m]
            if book.shared[m]:  # MarginEngine._settleOwed
                due = book.owed(a, m)
                book.cash[a] -= due
                if due:
                    book.side(m, size > 0).unsettled -= due
                after = size + delta
                side = book.side(m, after > 0)
                book.snapshots[a][m] = (side.index, side.era) if after else (0, 0)
            book.positions[a][m] = move(size, open_notional, delta, cash_delta)
            book.cash[a] += cash_delta
            after = book.positions[a][m][0]
            book.open_interest[m] += max(after, 0) - max(size, 0)
            return size, after

        def _initial_margin(self, book: Book, a: int, at: int):
            """MarginEngine._requireInitialMargin: min(equity, collateral) >= IM (ENG-05)."""
            halt = self._first_halt(book, a, at)
            if halt is not None:
                return halt
            s = self._state(book, a)
            if s.without_profit < s.initial_margin:
                inputs = {
                    "account": addresses[a],
                    "equityWithoutProfit": s.without_profit,
                    "initialMargin": s.initial_margin,
                }
                return engine.MarginEngineInsufficientMargin, inputs
            return None

        def _check_fill(
            self, book: Book, a: int, m: int, before: int, after: int, at: int, margin_only: bool
        ):
            """MarginEngine._checkFill: reduce-only, dust, then IM if the fill adds risk, MM if not."""
            adds_risk, risk = increases(before, after), RISKS[m]
            if not margin_only:
                if adds_risk and book.reduce_only[m]:
                    return engine.MarginEngineReduceOnly, {"market": m, "account": addresses[a]}
                if after != 0 and abs(after) < risk.dustSize:
                    inputs = {"account": addresses[a], "market": m, "size": after, "dustSize": risk.dustSize}
                    return engine.MarginEngineDustPosition, inputs
            if adds_risk:
                return self._initial_margin(book, a, at)
            halt = self._first_halt(book, a, at)
            if halt is not None:
                return halt
            s = self._state(book, a)
            if s.equity < s.maintenance_margin:
                inputs = {
                    "account": addresses[a],
                    "equity": s.equity,
                    "maintenanceMargin": s.maintenance_margin,
                }
                return engine.MarginEngineUnhealthy, inputs
            return None

        def _fill(self, book, maker, taker, m, size, price, at, margin_only=False):
            """MarginEngine.fill on `book` (changed in place): the first rule broken as (error, inputs),
            or None. `margin_only` skips the band, open-interest, reduce-only and dust rules."""
            halt = self._halt(m, at)
            if halt is not None:
                return halt
            risk, index = RISKS[m], self.feeds[m].price
            if not margin_only and deviation(price, index) > risk.maxTradeDeviation:
                inputs = {"market": m, "price": price, "index": index, "maxDeviation": risk.maxTradeDeviation}
                return engine.MarginEnginePriceOutOfBand, inputs
            open_interest = book.open_interest[m]
            cost = value(size, price)
            taker_before, taker_after = self._move(book, taker, m, size, -cost)
            maker_before, maker_after = self._move(book, maker, m, -size, cost)
            grown = book.open_interest[m]
            if not margin_only and grown > open_interest and grown > risk.openInterestCap:
                inputs = {"market": m, "openInterest": grown, "cap": risk.openInterestCap}
                return engine.MarginEngineOpenInterestCap, inputs
            for a, before, after in ((taker, taker_before, taker_after), (maker, maker_before, maker_after)):
                failure = self._check_fill(book, a, m, before, after, at, margin_only)
                if failure is not None:
                    return failure
            return None

        def _capacity(self, maker, taker, m, direction, price, at) -> int:
            """The largest |size| the taker can trade in `direction` at `price` with both accounts
            passing their margin checks (a bisection on the model, to the unit; 0 if none)."""

            def passes(amount: int) -> bool:
                book = self.book.copy()
                return self._fill(book, maker, taker, m, direction * amount, price, at, True) is None

            low, high = 0, 2**80  # ~1.2 million base units
            if passes(high):
                return high
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if passes(middle) else (low, middle)
            return low

        def _withdraw(self, book: Book, a: int, amount: int, at: int):
            """MarginEngine.withdraw on `book`: the first rule broken as (error, inputs), or None."""
            book.cash[a] -= amount * scale
            failure = self._initial_margin(book, a, at)
            if failure is not None:
                return failure
            if amount > book.balance:  # cash claims can exceed the tokens while losses are unsettled
                inputs = {"sender": engine.address, "balance": book.balance, "needed": amount}
                return token.ERC20InsufficientBalance, inputs
            book.balance -= amount
            return None

        def _allowance(self, book: Book, at: int) -> int:
            """InsuranceFund._allowanceAt: the cap less the cover paid in this bucket and the 8 before."""
            bucket = at // BUCKET_SECONDS
            first = bucket - OUTFLOW_BUCKETS if bucket > OUTFLOW_BUCKETS else 0
            used = sum(paid for t, paid in book.outflows if first <= t // BUCKET_SECONDS <= bucket)
            return max(cap - used, 0)

        def _cover(self, book: Book, amount: int, at: int) -> int:
            """MarginEngine._cover: the fund pays min(ceil(amount), balance, allowance) tokens; returns
            what counts (at most `amount`), the rounding surplus going to fees."""
            if amount == 0 or at < self.cover_paused_until:  # a paused fund reverts; the engine goes on
                return 0
            paid = min(ceil_div(amount, scale), book.fund_balance, self._allowance(book, at))
            if paid:
                book.outflows.append((at, paid))
                book.fund_balance -= paid
                book.balance += paid
            arrived = paid * scale
            book.fees += arrived - min(arrived, amount)
            return min(arrived, amount)

        def _share_loss(self, book: Book, m: int, longs: bool, amount: int) -> tuple:
            """MarginEngine._shareLoss: the side's loss index grows; the market turns reduce-only."""
            index = book.side(m, longs).share(amount, book.open_interest[m])
            book.shared[m] += amount
            book.reduce_only[m] = True
            return longs, amount, book.open_interest[m], index

        def _recover_market(self, book: Book, m: int, amount: int) -> list[tuple]:
            """MarginEngine._recoverMarket: longs first; the LossRecovered fields of each side relieved."""
            events = []
            for longs in (True, False):
                used = book.side(m, longs).recover(amount)
                if used:
                    book.recovered[m] += used
                    amount -= used
                    events.append((m, longs, used, book.side(m, longs).unsettled))
            return events

        def _liquidate(self, book: Book, a: int, m: int, amount: int, at: int, by: int = LIQ):
            """MarginEngine.liquidate by actor `by` on `book`: the first rule broken as (error, inputs),
            or None and (taken, index, bonus, share, (debt, covered) or None, LossShared fields or None)."""
            risk, index = RISKS[m], self.feeds[m].price
            account, size = addresses[a], book.positions[a][m][0]
            if size == 0:
                return (engine.MarginEngineNoPosition, {"account": account, "market": m}), None
            halt = self._first_halt(book, a, at)
            if halt is not None:
                return halt, None
            before = self._state(book, a)
            if not before.liquidatable:
                inputs = {
                    "account": account,
                    "equity": before.equity,
                    "maintenanceMargin": before.maintenance_margin,
                }
                return (engine.MarginEngineNotLiquidatable, inputs), None
            held = abs(size)
            maximum = (
                liquidation_limit(before, held, index, self.rates[m], risk) if before.equity > 0 else held
            )
            if amount > maximum:
                inputs = {"account": account, "market": m, "amount": amount, "maximum": maximum}
                return (engine.MarginEngineLiquidationTooLarge, inputs), None
            bad_debt = shared = None
            if before.equity <= 0:  # MarginEngine._closeInsolventPart
                due = {k: book.owed(a, k) for k in MARKETS}
                positions = dict(enumerate(book.positions[a]))
                debt = debt_share(-before.equity, m, amount, positions, self._prices(), due)
                nominal = (amount * index // WAD) * risk.liquidationBonus // WAD
                paid = self._cover(book, debt + nominal, at)
                covered = min(paid, debt)
                bonus, share = paid - covered, 0
                if covered < debt:
                    shared = self._share_loss(book, m, size < 0, debt - covered)
                if debt:
                    bad_debt = (debt, covered)
            taken = amount if size > 0 else -amount
            proceeds = value(size, index) - value(size - taken, index)
            self._move(book, a, m, -taken, proceeds)
            self._move(book, by, m, taken, -proceeds)
            rest = size - taken  # the liquidator may end below the dust size; the account may not
            if rest != 0 and abs(rest) < risk.dustSize:
                inputs = {"account": addresses[a], "market": m, "size": rest, "dustSize": risk.dustSize}
                return (engine.MarginEngineDustPosition, inputs), None
            if before.equity > 0:
                bonus, share = penalty(before, self._state(book, a), amount * index // WAD, risk)
                book.cash[a] -= bonus + share
                book.fees += share
            else:
                book.cash[a] += debt
            book.cash[by] += bonus
            failure = self._initial_margin(book, by, at)
            if failure is not None:
                return failure, None
            return None, (taken, index, bonus, share, bad_debt, shared)

        def _liquidatable(self) -> list[tuple[int, int]]:
            """(trader or keeper, market) of every position whose holder the model has below maintenance, the
            insolvent ones first (the keeper's too: the liquidator takes those)."""
            book = self.book
            states = {a: self._state(book, a) for a in (*range(TRADERS), KEEPER) if book.held(a)}
            below = sorted((s.equity > 0, a) for a, s in states.items() if s.liquidatable)
            return [(a, m) for _, a in below for m in book.held(a)]

        def _liquidation_prices(self, a: int, m: int) -> tuple[int, int]:
            """The index prices of market `m` at which trader `a` reaches equity == MM and equity == 0,
            other prices fixed, at the current rate (either may be <= 0: none)."""
            size, rate, price = self.book.positions[a][m][0], self.rates[m], self.feeds[m].price
            s = self._state(self.book, a)
            # equity(p) = other_equity + size p and MM(p) = other_mm + |size| p rate
            other_equity = s.equity - value(size, price)
            other_mm = s.maintenance_margin - ceil_div(ceil_div(abs(size) * price, WAD) * rate, WAD)
            slope = size - abs(size) * rate // WAD
            return (other_mm - other_equity) * WAD // slope, -other_equity * WAD // size

        # ------------------------------------------------------------ transactions

        def _at(self, at: int) -> int:
            """The next transaction lands at `at` (mined even if it reverts: `at` is spent)."""
            assert at > self.now
            self.now = at
            return helper.at(at)

        def _kind(self, expected) -> str:
            name = expected[0].abi.name
            return HALTED if name.startswith("MedianOracle") else name

        def _may_reject(self, expected) -> bool:
            """Whether this run may still spend a rejection, and on this kind."""
            total = sum(self.rejections.values())
            return total < MAX_REJECTED and not self.rejections[self._kind(expected)]

        def _reject(self, at: int, expected, send, invariant=None) -> None:
            """Send at `at` and check the predicted revert; `invariant` names the promise a success
            would break."""
            error, inputs = expected
            self._at(at)
            try:
                with reverts(error, **inputs):
                    send()
            except AssertionError as failure:
                if invariant is None:
                    raise
                raise AssertionError(f"{invariant}: {failure}") from failure
            self.rejections[self._kind(expected)] += 1

        def _after(self, priced, margined, others=()) -> list[AccountState]:
            """ENG-05 and ENG-06 in an accepted transaction's block: the oracle status of every price
            it needed, and the margin figures of the accounts it had to leave with IM; returns those of
            `others`, then of `margined`."""
            priced = sorted(set(priced))
            reads = [(oracles[m], LATEST) for m in priced]
            reads += [(engine, ACCOUNT_STATE, addresses[a]) for a in (*others, *margined)]
            results = views(*reads)
            self.priced += [latest[2] for latest in results[: len(priced)]]
            states = [AccountState(*s) for s in results[len(priced) :]]
            self.margined += states[len(others) :]
            return states

        def _trade(self, maker: int, taker: int, m: int, size: int, price: int, at: int) -> bool:
            """Fill at `at` as predicted; False if the model expects a revert and none may be spent."""
            book = self.book.copy()
            expected = self._fill(book, maker, taker, m, size, price, at)
            fill = (addresses[maker], addresses[taker], m, size, price)
            if expected is not None:
                if not self._may_reject(expected):
                    return False
                invariant = ENG_06 if self._kind(expected) == HALTED else None
                self._reject(at, expected, lambda: engine.fill(fill, sender=operator), invariant)
                return True
            added = [
                a for a in (taker, maker) if increases(self.book.positions[a][m][0], book.positions[a][m][0])
            ]
            self._at(at)
            engine.fill(fill, sender=operator)
            self.book = book
            self.cash_due |= {maker, taker}
            self.positions_due |= {maker, taker}
            self.owed_due |= {maker, taker}
            self.markets_due.add(m)
            self._after([m, *book.held(taker), *book.held(maker)], added)
            return True

        def _sized_trade(self, maker, taker, m, buy, percent, price, at, kind="part") -> bool:
            """A fill of `percent` of what both accounts' margin carries (at least dust); `kind` "all":
            exactly all of it, "over": one unit and 0.1 x `percent` % more."""
            direction = 1 if buy else -1
            capacity = self._capacity(maker, taker, m, direction, price, at)
            amount = {
                "part": capacity * percent // 100,
                "all": capacity,
                "over": capacity + 1 + capacity * percent // 1000,
            }[kind]
            return self._trade(maker, taker, m, direction * max(amount, RISKS[m].dustSize), price, at)

        def _fill_price(self, m: int, band: str, offset: int) -> int:
            """Inside the band (`offset` in 1/10,000 of its half-width), on its edge, or just outside."""
            index = self.feeds[m].price
            half = index * RISKS[m].maxTradeDeviation // WAD
            side = 1 if offset >= 0 else -1
            if band == "inside":
                return index + half * offset // 10_000
            if band == "edge":
                return index + side * half
            return index + side * (half + 1 + abs(offset) * index // 10**9)

        def _live_actors(self, at: int) -> list[int]:
            """Actors every price of whose markets is live at `at` (their accountState answers)."""
            return [k for k in range(ACTORS) if all(self._halt(m, at) is None for m in self.book.held(k))]

        def _liquidation(self, a: int, m: int, amount: int, at: int, by: int = LIQ) -> bool:
            """Liquidate as predicted; False if the model expects a revert and none may be spent."""
            book = self.book.copy()
            expected, outcome = self._liquidate(book, a, m, amount, at, by)
            send = lambda: engine.liquidate(addresses[a], m, amount, sender=actors[by])  # noqa: E731
            if expected is not None:
                if not self._may_reject(expected):
                    return False
                kind = self._kind(expected)
                invariant = {HALTED: ENG_06, "MarginEngineNotLiquidatable": ENG_03}.get(kind)
                self._reject(at, expected, send, invariant)
                return True
            # the head's prices are the transaction's (live then, so live now: staleness only grows)
            watched = [k for k in self._live_actors(at) if k != a]
            before, maximum, *others = views(
                (engine, ACCOUNT_STATE, addresses[a]),
                (engine, MAX_LIQUIDATION, addresses[a], m),
                *[(engine, ACCOUNT_STATE, addresses[k]) for k in watched],
            )
            before = AccountState(*before)
            assert before == self._state(self.book, a)
            held = abs(self.book.positions[a][m][0])
            rate, price = self.rates[m], self.feeds[m].price
            limit = liquidation_limit(before, held, price, rate, RISKS[m]) if before.equity > 0 else held
            assert maximum == limit  # the maxLiquidation view agrees
            needed = [*self.book.held(a), *book.held(by)]
            owed_before = {k: self.book.owed(k, m) for k in watched}
            self._at(at)
            receipt = send()
            taken, index, bonus, share, bad_debt, shared = outcome
            liquidated = event(receipt, "Liquidated")
            assert (liquidated.account, liquidated.size, liquidated.price) == (addresses[a], taken, index)
            assert (liquidated.bonus, liquidated.insuranceShare) == (bonus, share)
            logs = {
                name: [e for e in receipt.events if e.event_name == name]
                for name in ("BadDebt", "LossShared")
            }
            assert [(e.market, e.account, e.debt, e.covered) for e in logs["BadDebt"]] == (
                [(m, addresses[a], *bad_debt)] if bad_debt else []
            ), ENG_07
            assert [(e.longs, e.amount, e.openInterest, e.lossIndex) for e in logs["LossShared"]] == (
                [shared] if shared else []
            ), ENG_07
            self.book = book
            self.cash_due |= {a, by}
            self.positions_due |= {a, by}
            self.markets_due.add(m)
            self.owed_due |= set(range(ACTORS))
            self.fees_due = True
            after, *after_others = self._after(needed, [by], others=[a, *watched])  # the liquidator's IM
            self.liquidations.append(Liquidation(before, after))
            # ENG-07: no account but the liquidated one and the liquidator loses equity, other than by
            # what it newly owes of this market's shared loss (only the side opposite the liquidated one)
            side = 1 if taken > 0 else -1  # the liquidated account's side
            for k, then, now in zip(watched, others, after_others[: len(watched)], strict=True):
                if k == by:
                    continue
                owes = book.owed(k, m) - owed_before[k]
                pays = shared is not None and book.positions[k][m][0] * side < 0
                assert owes == 0 or pays, ENG_07
                assert AccountState(*then).equity - now.equity == owes, ENG_07
            return True

        # ------------------------------------------------------------ rules: accounts

        @initialize(
            opens=st.lists(
                st.tuples(
                    st.integers(0, TRADERS - 1),
                    st.integers(1, TRADERS - 1),
                    st.booleans(),
                    st.integers(40, 100),  # percent of what both margins carry
                ),
                min_size=len(MARKETS),
                max_size=len(MARKETS),
            ),
        )
        def traders_open_positions(self, opens):
            """In each market two traders trade 40..100% of what their margin carries, at the index."""
            for m, (maker, offset, buy, fraction) in zip(MARKETS, opens, strict=True):
                taker = (maker + offset) % TRADERS
                self._sized_trade(maker, taker, m, buy, fraction, self.feeds[m].price, self.now + 1)

        @rule(
            index=st.integers(0, TRADERS - 1),
            deposit=one_in(4),
            tokens=st.integers(1, 10_000),
            dust=dusts,
            fraction=st.integers(1, 100),
            kind=st.sampled_from(["part", "part", "all", "over"]),
            gap=gaps,
        )
        def trader_moves_collateral(self, index, deposit, tokens, dust, fraction, kind, gap):
            """`deposit`: 1..10,000 tokens (and dust); else a withdrawal of a percentage of what
            min(equity, collateral) - IM frees (whole token units), all of it (with 18 decimals that
            leaves exactly IM), or a little more."""
            at = self.now + gap
            if deposit:
                amount = tokens * unit + dust % unit
                self._at(at)
                engine.deposit(amount, sender=actors[index])
                self.book.cash[index] += amount * scale
                self.book.balance += amount
                self.cash_due.add(index)
                return
            s = self._state(self.book, index)
            free = max(s.without_profit - s.initial_margin, 0) // scale  # whole token units
            valid = min(free, self.book.balance) * (100 if kind == "all" else fraction) // 100
            amount = free + 1 + dust % (100 * unit) if kind == "over" else valid
            if amount == 0:
                return
            book = self.book.copy()
            expected = self._withdraw(book, index, amount, at)
            if expected is not None and self._may_reject(expected):
                send = lambda: engine.withdraw(amount, addresses[index], sender=actors[index])  # noqa: E731
                invariant = ENG_06 if self._kind(expected) == HALTED else ENG_05
                self._reject(at, expected, send, invariant)
                return
            if expected is not None:  # the run has seen enough rejections: the valid amount, or none
                amount, book = valid, self.book.copy()
                if amount == 0 or self._withdraw(book, index, amount, at) is not None:
                    return
            self._at(at)
            engine.withdraw(amount, addresses[index], sender=actors[index])
            self.book = book
            self.cash_due.add(index)
            self._after(book.held(index), [index])

        @rule(
            maker=st.integers(0, ACTORS - 1),
            offset=st.integers(1, ACTORS - 1),
            market=markets,
            buy=st.booleans(),
            kind=st.sampled_from(["part", "part", "part", "all", "over"]),
            percent=st.integers(1, 100),
            band=st.sampled_from(["inside"] * 8 + ["edge", "outside"]),
            price_offset=st.integers(-10_000, 10_000),
            close=one_in(5),
            gap=gaps,
        )
        def accounts_trade(self, maker, offset, market, buy, kind, percent, band, price_offset, close, gap):
            """Any two actors (the liquidator unloads too) trade a percentage of what both accounts'
            margin carries, all of it to the unit, or just beyond; at a price inside the band, on its
            edge or just outside; `close`: the taker closes its position in the market (if any)."""
            taker = (maker + offset) % ACTORS
            at = self.now + gap
            price = self._fill_price(market, band, price_offset)
            held = self.book.positions[taker][market][0]
            if close and held:
                if self._trade(maker, taker, market, -held, price, at):
                    return
            elif self._sized_trade(maker, taker, market, buy, percent, price, at, kind):
                return
            # the run has seen enough such rejections: a part at the index in a live market, or none
            for m in (market, 1 - market):
                index = self.feeds[m].price
                if self._halt(m, at) is None and self._sized_trade(
                    maker, taker, m, buy, percent // 2, index, at
                ):
                    return

        @precondition(lambda self: self._liquidatable())
        @rule(
            rotate=one_in(2),
            index=st.integers(0, 2**16),
            partial=one_in(3),
            fraction=st.integers(1, 99),
            too_large=one_in(8),
            healthy=one_in(4),
            by_keeper=st.booleans(),
            gap=gaps,
        )
        def liquidator_liquidates(self, rotate, index, partial, fraction, too_large, healthy, by_keeper, gap):
            """A position the model has below maintenance (an insolvent account's first, or, `rotate`,
            any): the most the size limit allows, or (`partial`) a fraction of it (an insolvent one: a
            fraction of the position); `too_large`: beyond that. `by_keeper`: the small keeper first,
            taking what its own IM allows, then the liquidator the rest. `healthy`: once a run, a
            position of an account at or above maintenance instead (ENG-03)."""
            at = self.now + gap
            if healthy and not self.healthy_tried and self._try_healthy(index, at):
                return
            self._liquidate_one(index if rotate else 0, partial, fraction, too_large, at, by_keeper)

        def _liquidate_one(self, start, partial, fraction, too_large, at, by_keeper=False) -> None:
            candidates = self._liquidatable()
            for k in range(len(candidates)):
                a, m = candidates[(start + k) % len(candidates)]
                s = self._state(self.book, a)
                size = self.book.positions[a][m][0]
                held, risk = abs(size), RISKS[m]
                if s.equity <= 0:
                    amount = held + 1 if too_large else held * fraction // 100 if partial else held
                else:
                    limit = liquidation_limit(s, held, self.feeds[m].price, self.rates[m], risk)
                    amount = limit + 1 if too_large else limit
                    if partial and not too_large:
                        amount = max(limit * fraction // 100, risk.dustSize)
                if not too_large and 0 < held - amount < risk.dustSize:
                    amount = held if s.equity <= 0 else limit
                amount = max(amount, 1)
                if by_keeper and a != KEEPER and not too_large:
                    part = self._keeper_part(a, m, amount, at)
                    if part and self._liquidation(a, m, part, at, KEEPER):
                        if part == amount or not self._liquidatable():
                            return
                        if self._state(self.book, a).liquidatable and self.book.positions[a][m][0]:
                            # the liquidator takes the rest of an insolvent part (as many keepers would)
                            rest = abs(self.book.positions[a][m][0])
                            now = self._state(self.book, a)
                            if now.equity > 0:
                                rest = liquidation_limit(now, rest, self.feeds[m].price, self.rates[m], risk)
                            self._liquidation(a, m, rest, self.now + 1)
                        return
                if self._liquidation(a, m, amount, at):
                    return

        def _keeper_part(self, a: int, m: int, amount: int, at: int) -> int:
            """The most of `amount` the keeper's own IM allows it to take (a bisection on the model), kept
            clear of leaving the account dust; 0 if none."""

            def passes(part: int) -> bool:
                return self._liquidate(self.book.copy(), a, m, part, at, KEEPER)[0] is None

            if passes(amount):
                return amount
            low, high = 0, amount
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if passes(middle) else (low, middle)
            return low

        def _try_healthy(self, index, at) -> bool:
            """Liquidate half a position of a trader at or above maintenance, if any (a rejection)."""
            book = self.book
            for k in range(TRADERS):
                a = (index + k) % TRADERS
                if not book.held(a) or self._state(book, a).liquidatable or self._first_halt(book, a, at):
                    continue
                self.healthy_tried = True
                m = book.held(a)[index % len(book.held(a))]
                return self._liquidation(a, m, max(abs(book.positions[a][m][0]) // 2, RISKS[m].dustSize), at)
            return False

        @precondition(lambda self: self.book.fees >= scale or (self.book.fees and any(self.book.shared)))
        @rule(gap=gaps)
        def fees_are_swept(self, gap):
            """The accrued insurance shares first pay what positions owe of shared losses, market by
            market (ENG-07); whole token units of the rest go to the fund."""
            book = self.book.copy()
            recovered = []
            for m in MARKETS:
                if book.shared[m] and book.fees:
                    events = self._recover_market(book, m, book.fees)
                    book.fees -= sum(e[2] for e in events)
                    recovered += events
            amount = book.fees // scale
            if amount == 0 and not recovered:
                return
            self._at(self.now + gap)
            receipt = engine.sweepFees(sender=operator)
            swept = event(receipt, "FeesSwept")
            assert (swept.amount, swept.netted) == (amount, sum(e[2] for e in recovered)), ENG_07
            logs = [e for e in receipt.events if e.event_name == "LossRecovered"]
            assert [(e.market, e.longs, e.amount, e.unsettled) for e in logs] == recovered, ENG_07
            book.fees -= amount * scale
            book.balance -= amount
            book.fund_balance += amount
            self.book = book
            self.fees_due = True
            self.markets_due |= {e[0] for e in recovered}
            self.owed_due |= set(range(ACTORS)) if recovered else set()

        @precondition(lambda self: any(self.book.unsettled(m) > 0 for m in MARKETS))
        @rule(lift=st.booleans(), gap=gaps)
        def fund_covers_shared_losses_later(self, lift, gap):
            """Anyone lets the fund pay, within its cap now, what a market's positions still owe (`lift`:
            after the guardian lifts the COVER pause); a fund that pays nothing (paused, at its cap) makes
            the call revert with its own error."""
            m = next(m for m in MARKETS if self.book.unsettled(m) > 0)
            if lift and self.now < self.cover_paused_until:
                self._at(self.now + 1)
                fund.setPause(FundScope.COVER, 0, sender=guardian)
                self.cover_paused_until = 0
            at = self.now + gap
            book = self.book.copy()
            owed_total = sum(max(side.unsettled, 0) for side in book.losses[m])
            paid = self._cover(book, owed_total, at)
            send = lambda: engine.coverLoss(m, sender=operator)  # noqa: E731
            if paid == 0:
                expected = (engine.MarginEngineFundPaidNothing, {"market": m, "owed": owed_total})
                if self._may_reject(expected):
                    self._reject(at, expected, send)
                return
            events = self._recover_market(book, m, paid)
            self._at(at)
            receipt = send()
            logs = [e for e in receipt.events if e.event_name == "LossRecovered"]
            assert [(e.market, e.longs, e.amount, e.unsettled) for e in logs] == events, ENG_07
            self.book = book
            self.fees_due = True
            self.markets_due.add(m)
            self.owed_due |= set(range(ACTORS))

        @precondition(lambda self: any(self.book.reduce_only))
        @rule(gap=gaps)
        def guardian_reopens_market(self, gap):
            """The guardian lifts a reduce-only market (what its positions owe stays owed)."""
            m = next(m for m in MARKETS if self.book.reduce_only[m])
            self._at(self.now + gap)
            engine.setReduceOnly(m, False, sender=guardian)
            self.book.reduce_only[m] = False
            self.markets_due.add(m)

        @rule(seconds=st.integers(60, 3 * HOUR), gap=gaps)
        def fund_cover_is_paused(self, seconds, gap):
            """The guardian pauses the fund's COVER for a while: bad debt meanwhile is shared (ENG-07)."""
            self._pause_cover(seconds, self.now + gap)

        def _pause_cover(self, seconds: int, at: int) -> None:
            self._at(at)
            fund.setPause(FundScope.COVER, at + seconds, sender=guardian)
            self.cover_paused_until = at + seconds

        @precondition(lambda self: any(self.book.shared))
        @rule(order=st.permutations(range(ACTORS)), gap=gaps)
        def everyone_withdraws_in_random_order(self, order, gap):
            """After a shared loss, every account withdraws all its margin frees (whole tokens), in a
            random order: each gets exactly what the rules leave it, whoever goes first (ENG-08). The
            chain is then put back, so the run goes on with its collateral."""
            self._exits(order, gap)

        def _exits(self, order, gap: int) -> None:
            snapshot = chain.snapshot()
            book, at = self.book.copy(), self.now + gap
            for k in order:
                if self._first_halt(book, k, at):
                    continue
                s = self._state(book, k)
                amount = max(s.without_profit - s.initial_margin, 0) // scale
                if amount == 0:
                    continue
                assert self._withdraw(book, k, amount, at) is None, ENG_08
                helper.at(at)
                before = token.balanceOf(actors[k])
                engine.withdraw(amount, addresses[k], sender=actors[k])
                assert token.balanceOf(actors[k]) - before == amount, ENG_08
                at += 1
            chain.restore(snapshot)

        # ------------------------------------------------------------ rules: prices and time

        @rule(
            market=markets,
            jump=one_in(4),
            bps=st.integers(-800, 800),
            jump_bps=st.integers(5_100, 8_000),
            gap=gaps,
        )
        def price_moves(self, market, jump, bps, jump_bps, gap):
            """Up to 8% from the served price (which also clears a tripped breaker, or ends staleness);
            `jump`: 51..80% up or down, beyond maxDeviation, so the breaker trips (or, tripped already,
            takes a new candidate)."""
            if jump:
                bps = jump_bps if bps >= 0 else -jump_bps
            self._poke(market, scaled(self.feeds[market].price, bps), self.now + gap)

        @precondition(lambda self: any(f.tripped_at for f in self.feeds))
        @rule(confirm=st.booleans(), bps=st.integers(-300, 300), gap=gaps)
        def breaker_confirms_or_clears(self, confirm, bps, gap):
            """Near the level once confirmDelay has passed since it was set (the new level is served), or
            near the served price (the move reverted)."""
            m = next(m for m in MARKETS if self.feeds[m].tripped_at)
            f = self.feeds[m]
            if confirm:
                self._poke(m, scaled(f.level, bps), max(self.now + gap, f.level_since + CONFIRM_DELAY))
            else:
                self._poke(m, scaled(f.price, bps), self.now + gap)

        @rule(
            nearest=st.booleans(),
            depth=st.sampled_from(["edge", "partial", "partial", "insolvent"]),
            bps=st.integers(1, 200),
            keeper=st.booleans(),
            partial=one_in(3),
            fraction=st.integers(1, 99),
            by_keeper=st.booleans(),
            gap=gaps,
        )
        def price_moves_to_liquidation(self, nearest, depth, bps, keeper, partial, fraction, by_keeper, gap):
            """Of the two trader positions closest to liquidation, (`nearest`) the closest: just past
            its liquidation price, between it and the bankruptcy price, or up to 2% past the bankruptcy
            price (other prices fixed, at the current rate). A move beyond maxDeviation trips.
            `keeper`: the liquidator (or, `by_keeper`, the keeper first) acts at once (as in
            liquidator_liquidates), if it can."""
            if self._to_liquidation(nearest, depth, bps, gap) and keeper and self._liquidatable():
                self._liquidate_one(0, partial, fraction, False, self.now + 1, by_keeper)

        @precondition(lambda self: any(self.book.held(a) for a in range(TRADERS)))
        @rule(
            nearest=st.booleans(),
            bps=st.integers(1, 500),
            fraction=st.integers(10, 90),
            order=st.permutations(range(ACTORS)),
            crash=one_in(3),
            gap=gaps,
        )
        def crash_beyond_the_fund(self, nearest, bps, fraction, order, crash, gap):
            """A crash the fund does not absorb: the guardian pauses the fund's COVER, the price of a
            position closest to liquidation moves up to 5% past its bankruptcy price, the keeper takes
            what its IM allows and the liquidator the rest, in parts, and then every account withdraws
            what its margin frees in a random order (ENG-07, ENG-08). Drawn in one step of three, so
            the other liquidation paths keep their share of a run."""
            if not crash:
                return
            self._pause_cover(3 * HOUR, self.now + gap)
            if not self._to_liquidation(nearest, "insolvent", bps, 1):
                return
            for _ in range(4):
                if not self._liquidatable():
                    break
                self._liquidate_one(0, True, fraction, False, self.now + 1, True)
            if any(self.book.shared):
                self._exits(order, 1)

        def _to_liquidation(self, nearest: bool, depth: str, bps: int, gap: int) -> bool:
            """price_moves_to_liquidation's move; False if there was none to make."""
            distances = []
            for a in range(TRADERS):
                for m in self.book.held(a):
                    liquidation, bankruptcy = self._liquidation_prices(a, m)
                    price = self.feeds[m].price
                    distances.append((abs(liquidation - price) * WAD // price, a, m, liquidation, bankruptcy))
            if not distances:
                return False
            distances.sort()
            _, a, m, liquidation, bankruptcy = distances[0 if nearest else min(1, len(distances) - 1)]
            side = 1 if self.book.positions[a][m][0] > 0 else -1  # longs go below these prices, shorts above
            if depth == "edge":
                target = liquidation - side * liquidation * bps // 10_000
            elif depth == "partial":
                target = bankruptcy + (liquidation - bankruptcy) * bps // 200
            else:
                target = bankruptcy - side * bankruptcy * bps // 10_000
            if target <= 0:
                return False  # no positive price liquidates this long
            self._poke(m, clamp(target), self.now + gap)
            return True

        @rule(
            span=st.sampled_from(["short", "short", "edge", "stale"]),
            market=markets,
            last_live=st.booleans(),
            seconds=st.integers(1, 900),
        )
        def time_passes(self, span, market, last_live, seconds):
            """Up to 15 minutes; or to the second before `market`'s price is (`last_live`) in its last
            live second or its first stale one, so the next transaction a second later is on the edge;
            or up to an hour past maxStaleness of the fresher price: both go stale."""
            if span == "edge":
                edge = self.feeds[market].updated_at + MAX_STALENESS - (1 if last_live else 0)
                if edge <= self.now:
                    return
                self.now = edge
            elif span == "stale":
                freshest = max(f.updated_at for f in self.feeds)
                self.now = max(self.now, freshest + MAX_STALENESS) + 1 + seconds * 4
            else:
                self.now += seconds
            chain.mine(timestamp=self.now)
            self.time_moved = True

        # ------------------------------------------------------------ invariants

        @invariant()
        def eng_01_the_books_balance(self):
            b = self.book
            due = sorted(self.cash_due)
            reads = [(token, BALANCE_OF, engine.address)] + [(engine, CASH, addresses[a]) for a in due]
            if self.fees_due:
                reads += [(engine, FEES), (token, BALANCE_OF, fund.address)]
            balance, *results = views(*reads)
            assert balance == b.balance, ENG_01
            assert balance * scale == sum(b.cash) + b.fees - sum(b.unsettled(m) for m in MARKETS), ENG_01
            for a, cash in zip(due, results, strict=False):
                assert cash == b.cash[a], ENG_01
            if self.fees_due:
                assert results[-2:] == [b.fees, b.fund_balance], ENG_01
            self.cash_due.clear()
            self.fees_due = False

        @invariant()
        def eng_02_sizes_sum_to_zero(self):
            b = self.book
            for m in MARKETS:
                assert sum(p[m][0] for p in b.positions) == 0, ENG_02
                assert b.open_interest[m] == sum(max(p[m][0], 0) for p in b.positions), ENG_02
            due = sorted(self.positions_due)
            markets_due = sorted(self.markets_due)
            # the margin figures too, where every price the account needs is live
            live = [a for a in due if all(self._halt(m, self.now) is None for m in b.held(a))]
            reads = [(engine, POSITION, addresses[a], m) for a in due for m in MARKETS]
            reads += [(engine, MARKET, m) for m in markets_due]
            reads += [(engine, ACCOUNT_STATE, addresses[a]) for a in live]
            results = iter(views(*reads))
            for a in due:
                for m in MARKETS:
                    assert tuple(next(results)) == b.positions[a][m], ENG_02
            for m in markets_due:
                _, reduce_only, loss_shared, open_interest, shared, recovered, *sides = next(results)
                assert open_interest == b.open_interest[m], ENG_02
                assert (shared, recovered, loss_shared) == (b.shared[m], b.recovered[m], b.shared[m] > 0), (
                    ENG_07
                )
                modelled = [tuple(vars(side).values()) for side in b.losses[m]]
                assert [tuple(sides[:4]), tuple(sides[4:])] == modelled, ENG_07
                assert reduce_only == b.reduce_only[m], ENG_07
            for a in live:
                assert AccountState(*next(results)) == self._state(b, a)
            self.positions_due.clear()
            self.markets_due.clear()

        @invariant()
        def eng_07_eng_08_every_loss_owned_and_every_claim_covered(self):
            """What each position owes matches the chain (ENG-07), and the token balance covers every
            account's settled cash and the fees at once, whatever order they withdraw in (ENG-08)."""
            b = self.book
            assert b.balance * scale >= sum(b.cash) + b.fees - sum(
                b.owed(a, m) for a in range(ACTORS) for m in MARKETS
            ), ENG_08
            for m in MARKETS:  # rounding up: positions owe at least what is unsettled
                assert sum(b.owed(a, m) for a in range(ACTORS)) >= b.unsettled(m), ENG_08
            due = sorted(self.owed_due)
            if any(b.shared) and due:
                reads = [(engine, LOSS_OWED, addresses[a], m) for a in due for m in MARKETS]
                results = iter(views(*reads))
                for a in due:
                    for m in MARKETS:
                        assert next(results) == b.owed(a, m), ENG_07
            self.owed_due.clear()

        @invariant()
        def eng_03_eng_04_liquidations_only_below_maintenance_and_never_lower_the_ratio(self):
            for before, after in self.liquidations:
                assert before.equity < before.maintenance_margin, ENG_03
                if before.equity > 0 and after.maintenance_margin > 0:  # partial: positions remain
                    kept = (
                        after.equity * before.maintenance_margin >= before.equity * after.maintenance_margin
                    )
                    assert kept, ENG_04
            self.liquidations.clear()

        @invariant()
        def eng_05_withdrawals_and_new_risk_leave_initial_margin(self):
            for state in self.margined:
                assert state.without_profit >= state.initial_margin, ENG_05
            self.margined.clear()

        @invariant()
        def eng_06_no_halted_price_was_used(self):
            for status in self.priced:
                assert status == OK, ENG_06
            self.priced.clear()

        @invariant()
        def oracles_and_rates_match_the_model(self):
            """After a poke: the served price, updatedAt, status, volatility and rate; after time passed:
            the statuses (the head's time is the model's)."""
            poked = sorted(self.poked)
            checked = list(MARKETS) if self.time_moved else poked
            live = [m for m in poked if self._status(m, self.now) == OK]
            reads = [(oracles[m], LATEST) for m in checked] + [(oracles[m], VOLATILITY) for m in poked]
            reads += [(engine, MMR, m) for m in live]
            results = iter(views(*reads))
            for m in checked:
                f = self.feeds[m]
                assert tuple(next(results)) == (f.price, f.updated_at, self._status(m, self.now))
            for m in poked:
                assert next(results) == self.feeds[m].volatility()
            for m in live:
                assert next(results) == self.rates[m]
            self.poked.clear()
            self.time_moved = False

    run_state_machine_as_test(EngineMachine)
