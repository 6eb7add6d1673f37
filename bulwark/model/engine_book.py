"""The engine state machine's model: MarginEngine's storage (and what its funds hold), the oracles as
the engine reads them, and every rule a transaction can break, in plain Python with no I/O.

`EngineModel` mirrors every account's cash and positions (size, open notional, loss snapshot), the
shared fee pool and the isolated market's own fees, open interest, shared and unsettled losses, loss
indices and reduce-only flags, the engine's token balance, each fund's balance and outflow cap (the
shared FUND of ETH and BTC, and ISO's own fund), the owner and id of every actor's subaccount (self-trades,
self-liquidations, transfers), and the three oracles (served price, updatedAt, breaker, EWMA variance and
so the maintenance rate). With bulwark.model.engine (the engine's arithmetic,
rounding for rounding) it predicts every transaction down to the custom error and its inputs (the
oracle's own error when a price the transaction needs is stale or tripped), or to the exact penalty, bad
debt, cover and shared loss. A prediction is made on a copy of the book (`Book.copy`); the caller keeps
the copy only if the chain agreed.

Errors are `(name, inputs)`: the custom error's name and the inputs the chain must report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

from bulwark.model.engine import (
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
from bulwark.model.fund import outflow_used
from bulwark.model.oracle import Volatility, annualise, local_config
from bulwark.units import WAD, to_wad_down

# --- the suite the engine tests and the machine run on -------------------------------------------------
ETH, BTC = 0, 1
START_PRICES = {ETH: 2_000 * WAD, BTC: 30_000 * WAD}
RISK = RiskParams()
REPORTERS = 3
# three reporters, all needed (tolerating no hostile key); a wide breaker (50%) for crash tests
ORACLE_CONFIG = local_config(faultTolerance=0, maxDeviation=WAD // 2)
OK, STALE, TRIPPED = 0, 2, 3  # IMedianOracle.Status


# --- the machine's actors and markets -----------------------------------------------------------------
ISO = 2  # the machine's third market: isolated, with its own fund
MARKETS = (ETH, BTC, ISO)
SHARED_MARKETS = (ETH, BTC)  # covered by the shared FUND
ISOLATED = 1 << ISO  # the engine's mask of isolated markets
FUND_OF = (0, 0, 1)  # per market: the fund that covers it (0: the shared FUND, 1: ISO's own)
FUNDS = 2
MACHINE_PRICES = {**START_PRICES, ISO: 100 * WAD}  # the machine's first prices
# ETH: the suite's defaults with a reachable open-interest cap; BTC: margin grows with volatility; ISO: the
# defaults, isolated
RISKS = {
    ETH: RiskParams(openInterestCap=to_wad_down(150)),
    BTC: RiskParams(volMultiplier=WAD // 2, openInterestCap=to_wad_down(8)),
    ISO: RiskParams(openInterestCap=to_wad_down(1_500)),
}
MAX_STALENESS, CONFIRM_DELAY = ORACLE_CONFIG.maxStaleness, ORACLE_CONFIG.confirmDelay
VOLATILITY_TAU, VOLATILITY_INTERVAL = ORACLE_CONFIG.volatilityTau, ORACLE_CONFIG.volatilityInterval
MAX_DEVIATION, MIN_PRICE, MAX_PRICE = (
    ORACLE_CONFIG.maxDeviation,
    ORACLE_CONFIG.minPrice,
    ORACLE_CONFIG.maxPrice,
)
TRADERS = 3
LIQ = TRADERS  # the liquidator's index among the actors
KEEPER = TRADERS + 1  # a second liquidator, small: a big insolvency is more than it can take alone
SUB = TRADERS + 2  # trader 0's subaccount 1: same owner as trader 0 (no self-trades, transfers between them)
ISO_SUB = TRADERS + 3  # subaccount 1 of an owner that is no other actor, approved for the operator by id
LIQ_SUB = TRADERS + 4  # the liquidator's subaccount 1, which takes over ISO positions (liquidateInto)
ACTORS = TRADERS + 5
OWNERS = (0, 1, 2, LIQ, KEEPER, 0, ISO_SUB, LIQ)  # per actor: its owner (as the actor holding id 0)
IDS = (0, 0, 0, 0, 0, 1, 1, 1)  # per actor: its subaccount id
RISKY = (*range(TRADERS), SUB, ISO_SUB)  # actors the price moves aim at
DEPOSITS = (1_000, 4_000, 15_000)  # tokens each trader holds in the engine when a run starts
LIQUIDATOR_DEPOSIT = 1_000_000  # tokens: well funded, so its own IM rarely binds
KEEPER_DEPOSIT = 3_000
SUB_DEPOSITS = (2_000, 5_000, 100_000)  # SUB, ISO_SUB, LIQ_SUB
ISO_FUND_STAKE = 2_000  # tokens staked in ISO's own fund
MAX_OUTFLOW = 200  # tokens the fund's cover may pay per window: tight, so bad debt is often shared
HALTED = "halted"  # the kind of every oracle error (stale or tripped)

Error = tuple[str, dict]


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


def kind(error: Error) -> str:
    """An error's kind: HALTED for every oracle error, else its name."""
    return HALTED if error[0].startswith("MedianOracle") else error[0]


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
    fund_balances: list[int]  # per fund (FUND_OF): token units
    outflows: list[list[tuple[int, int]]]  # per fund: (block time, paid) of every cover that paid
    market_fees: list[int]  # per market: its own accrued fees (MarketState.fees; 0 for shared markets)

    @classmethod
    def start(cls, cash: list[int], balance: int, fund_balances: list[int]) -> Book:
        actors = len(cash)
        return cls(
            cash=[*cash],
            positions=[[(0, 0)] * len(MARKETS) for _ in range(actors)],
            snapshots=[[(0, 0)] * len(MARKETS) for _ in range(actors)],
            fees=0,
            open_interest=[0] * len(MARKETS),
            shared=[0] * len(MARKETS),
            recovered=[0] * len(MARKETS),
            losses=[[SideLoss(), SideLoss()] for _ in MARKETS],
            reduce_only=[False] * len(MARKETS),
            balance=balance,
            fund_balances=[*fund_balances],
            outflows=[[] for _ in fund_balances],
            market_fees=[0] * len(MARKETS),
        )

    @property
    def fund_balance(self) -> int:
        """The shared FUND's token balance."""
        return self.fund_balances[0]

    def all_fees(self) -> int:
        """The shared pool and every isolated market's own fees (ENG-01's fees term)."""
        return self.fees + sum(self.market_fees)

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
            [*self.fund_balances],
            [[*o] for o in self.outflows],
            [*self.market_fees],
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

    def mask(self, a: int) -> int:
        """The engine's held-market bitmask of actor `a`."""
        return sum(1 << m for m in self.held(a))


class Outcome(NamedTuple):
    """A predicted successful liquidation: the Liquidated, BadDebt and LossShared figures."""

    taken: int
    index: int
    bonus: int
    share: int
    bad_debt: tuple[int, int] | None  # (debt, covered)
    shared: tuple | None  # LossShared (longs, amount, openInterest, lossIndex)


@dataclass
class EngineModel:
    """The engine, its fund and its oracles; `addresses[a]` is actor `a`'s address (error inputs)."""

    addresses: list[str]
    owners: list[str]  # per actor: its owner's address (MarginEngineSelfTrade's input)
    engine: str  # the engine's address (ERC20InsufficientBalance's sender)
    scale: int  # MarginEngine.SCALE: WAD per token unit
    cap: int  # the fund's cover cap per window, token units
    book: Book
    feeds: list[Feed]
    operator: str = ""  # the operator that submits every fill
    approved: list[bool] = field(default_factory=list)  # per actor: the operator may fill for it
    rates: list[int] = field(default_factory=list)
    cover_paused_until: int = 0  # the shared fund's COVER scope (ISO's fund is never paused)

    def __post_init__(self):
        self.rates = [feed.rate(RISKS[m]) for m, feed in enumerate(self.feeds)]
        self.approved = self.approved or [True] * len(self.addresses)

    # ------------------------------------------------------------ prices

    def halt(self, m: int, at: int) -> Error | None:
        """The oracle's revert if market `m`'s price is not live at `at` (read()'s order), else None."""
        f = self.feeds[m]
        if f.tripped_at:
            return "MedianOracleTripped", {"candidate": f.candidate, "trippedAt": f.tripped_at}
        age = at - f.updated_at
        if age > MAX_STALENESS:
            return "MedianOracleStale", {"age": age, "maxStaleness": MAX_STALENESS}
        return None

    def status(self, m: int, at: int) -> int:
        f = self.feeds[m]
        return TRIPPED if f.tripped_at else STALE if at - f.updated_at > MAX_STALENESS else OK

    def first_halt(self, book: Book, a: int, at: int) -> Error | None:
        """The revert of the first halted market actor `a` holds, in the engine's walking order."""
        for m in book.held(a):
            halt = self.halt(m, at)
            if halt is not None:
                return halt
        return None

    def live_actors(self, at: int) -> list[int]:
        """Actors every price of whose markets is live at `at` (their accountState answers)."""
        return [k for k in range(ACTORS) if all(self.halt(m, at) is None for m in self.book.held(k))]

    def prices(self) -> dict[int, tuple[int, int]]:
        return {m: (self.feeds[m].price, self.rates[m]) for m in MARKETS}

    def state(self, book: Book, a: int) -> AccountState:
        positions, due = dict(enumerate(book.positions[a])), {m: book.owed(a, m) for m in MARKETS}
        return account_state(book.cash[a], positions, self.prices(), RISKS, due)

    def _serve(self, m: int, price: int, updated_at: int) -> None:
        """MedianOracle._serve: the new price, and the variance moved if it is a sample (ORA-06)."""
        f = self.feeds[m]
        f.vol.observe(price, updated_at, VOLATILITY_INTERVAL, VOLATILITY_TAU)
        f.price, f.updated_at = price, updated_at
        self.rates[m] = f.rate(RISKS[m])

    def poke(self, m: int, price: int, at: int) -> None:
        """Three reporters report `price` observed at `at`: MedianOracle._settle (served or held)."""
        f = self.feeds[m]
        f.epoch += 1
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

    # ------------------------------------------------------------ the engine

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

    def isolation(self, book: Book, a: int, m: int) -> Error | None:
        """MarginEngine._move's rule: opening `m` in an account holding other markets, when `m` or a held
        market is isolated (ENG-10)."""
        held = book.mask(a)
        if book.positions[a][m][0] == 0 and held and (held | 1 << m) & ISOLATED:
            return "MarginEngineIsolatedMarket", {"account": self.addresses[a], "market": m, "held": held}
        return None

    def initial_margin(self, book: Book, a: int, at: int) -> Error | None:
        """MarginEngine._requireInitialMargin: min(equity, collateral) >= IM (ENG-05)."""
        halt = self.first_halt(book, a, at)
        if halt is not None:
            return halt
        s = self.state(book, a)
        if s.without_profit < s.initial_margin:
            inputs = {
                "account": self.addresses[a],
                "equityWithoutProfit": s.without_profit,
                "initialMargin": s.initial_margin,
            }
            return "MarginEngineInsufficientMargin", inputs
        return None

    def _check_fill(self, book: Book, a: int, m: int, before: int, after: int, at: int, margin_only: bool):
        """MarginEngine._checkFill: reduce-only, dust, then IM if the fill adds risk, MM if not."""
        adds_risk, risk = increases(before, after), RISKS[m]
        if not margin_only:
            if adds_risk and book.reduce_only[m]:
                return "MarginEngineReduceOnly", {"market": m, "account": self.addresses[a]}
            if after != 0 and abs(after) < risk.dustSize:
                inputs = {"account": self.addresses[a], "market": m, "size": after, "dustSize": risk.dustSize}
                return "MarginEngineDustPosition", inputs
        if adds_risk:
            return self.initial_margin(book, a, at)
        halt = self.first_halt(book, a, at)
        if halt is not None:
            return halt
        s = self.state(book, a)
        if s.equity < s.maintenance_margin:
            inputs = {
                "account": self.addresses[a],
                "equity": s.equity,
                "maintenanceMargin": s.maintenance_margin,
            }
            return "MarginEngineUnhealthy", inputs
        return None

    def fill(self, book: Book, maker, taker, m, size, price, at, margin_only=False) -> Error | None:
        """MarginEngine.fill on `book` (changed in place): the first rule broken, or None.
        `margin_only` skips the band, open-interest, reduce-only and dust rules."""
        for a in (maker, taker):  # MarginEngine._requireOperator: for the owner's all, or this one
            if not self.approved[a]:
                return "MarginEngineNotOperator", {"account": self.addresses[a], "operator": self.operator}
        if OWNERS[maker] == OWNERS[taker]:
            return "MarginEngineSelfTrade", {"owner": self.owners[maker]}
        halt = self.halt(m, at)
        if halt is not None:
            return halt
        risk, index = RISKS[m], self.feeds[m].price
        if not margin_only and deviation(price, index) > risk.maxTradeDeviation:
            inputs = {"market": m, "price": price, "index": index, "maxDeviation": risk.maxTradeDeviation}
            return "MarginEnginePriceOutOfBand", inputs
        open_interest = book.open_interest[m]
        cost = value(size, price)
        isolated = self.isolation(book, taker, m) or self.isolation(book, maker, m)
        if isolated is not None:
            return isolated
        taker_before, taker_after = self._move(book, taker, m, size, -cost)
        maker_before, maker_after = self._move(book, maker, m, -size, cost)
        grown = book.open_interest[m]
        if not margin_only and grown > open_interest and grown > risk.openInterestCap:
            inputs = {"market": m, "openInterest": grown, "cap": risk.openInterestCap}
            return "MarginEngineOpenInterestCap", inputs
        for a, before, after in ((taker, taker_before, taker_after), (maker, maker_before, maker_after)):
            failure = self._check_fill(book, a, m, before, after, at, margin_only)
            if failure is not None:
                return failure
        return None

    def capacity(self, maker, taker, m, direction, price, at) -> int:
        """The largest |size| the taker can trade in `direction` at `price` with both accounts
        passing their margin checks (a bisection on the model, to the unit; 0 if none)."""

        def passes(amount: int) -> bool:
            return self.fill(self.book.copy(), maker, taker, m, direction * amount, price, at, True) is None

        low, high = 0, 2**80  # ~1.2 million base units
        if passes(high):
            return high
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if passes(middle) else (low, middle)
        return low

    def withdraw(self, book: Book, a: int, amount: int, at: int) -> Error | None:
        """MarginEngine.withdraw on `book`: the first rule broken, or None."""
        book.cash[a] -= amount * self.scale
        failure = self.initial_margin(book, a, at)
        if failure is not None:
            return failure
        if amount > book.balance:  # cash claims can exceed the tokens while losses are unsettled
            inputs = {"sender": self.engine, "balance": book.balance, "needed": amount}
            return "ERC20InsufficientBalance", inputs
        book.balance -= amount
        return None

    def transfer(self, book: Book, source: int, target: int, amount: int, at: int) -> Error | None:
        """MarginEngine.transferMargin between two subaccounts of one owner, on `book`: the first rule
        broken, or None. The source keeps min(equity, collateral) >= IM, as after a withdrawal."""
        assert OWNERS[source] == OWNERS[target]
        if amount == 0:
            return "MarginEngineZeroAmount", {}
        if source == target:
            return "MarginEngineSameSubaccount", {"id": IDS[source]}
        book.cash[source] -= amount * self.scale
        book.cash[target] += amount * self.scale
        return self.initial_margin(book, source, at)

    def allowance(self, book: Book, at: int, fund: int = 0) -> int:
        """InsuranceFund._allowanceAt: the cap less the cover paid in this bucket and the 8 before."""
        return max(self.cap - outflow_used(book.outflows[fund], at), 0)

    def accrue(self, book: Book, m: int, amount: int) -> None:
        """MarginEngine._accrue: to the shared pool, or to an isolated market's own fees."""
        if ISOLATED >> m & 1:
            book.market_fees[m] += amount
        else:
            book.fees += amount

    def cover(self, book: Book, m: int, amount: int, at: int) -> int:
        """MarginEngine._cover: market `m`'s fund pays min(ceil(amount), balance, allowance) tokens;
        returns what counts (at most `amount`), the rounding surplus going to `m`'s fee pool."""
        fund = FUND_OF[m]
        paused = fund == 0 and at < self.cover_paused_until  # a paused fund reverts; the engine goes on
        if amount == 0 or paused:
            return 0
        paid = min(ceil_div(amount, self.scale), book.fund_balances[fund], self.allowance(book, at, fund))
        if paid:
            book.outflows[fund].append((at, paid))
            book.fund_balances[fund] -= paid
            book.balance += paid
        arrived = paid * self.scale
        self.accrue(book, m, arrived - min(arrived, amount))
        return min(arrived, amount)

    def share_loss(self, book: Book, m: int, longs: bool, amount: int) -> tuple:
        """MarginEngine._shareLoss: the side's loss index grows; the market turns reduce-only."""
        index = book.side(m, longs).share(amount, book.open_interest[m])
        book.shared[m] += amount
        book.reduce_only[m] = True
        return longs, amount, book.open_interest[m], index

    def recover_market(self, book: Book, m: int, amount: int) -> list[tuple]:
        """MarginEngine._recoverMarket: longs first; the LossRecovered fields of each side relieved."""
        events = []
        for longs in (True, False):
            used = book.side(m, longs).recover(amount)
            if used:
                book.recovered[m] += used
                amount -= used
                events.append((m, longs, used, book.side(m, longs).unsettled))
        return events

    def sweep(self, book: Book) -> tuple[int, list[tuple]]:
        """MarginEngine.sweepFees on `book`: fees first pay what positions owe of shared losses, market
        by market; whole token units of the rest go to the fund. (amount swept, LossRecovered fields)."""
        recovered = []
        for m in SHARED_MARKETS:  # an isolated market's losses are never paid from the shared pool
            if book.shared[m] and book.fees:
                events = self.recover_market(book, m, book.fees)
                book.fees -= sum(e[2] for e in events)
                recovered += events
        amount = book.fees // self.scale
        book.fees -= amount * self.scale
        book.balance -= amount
        book.fund_balances[0] += amount
        return amount, recovered

    def sweep_market(self, book: Book, m: int) -> tuple[int, list[tuple]]:
        """MarginEngine.sweepMarketFees(m) on `book`: `m`'s own fees first pay what its positions owe of
        its shared losses; whole token units of the rest go to its own fund. (amount, LossRecovered)."""
        recovered = self.recover_market(book, m, book.market_fees[m]) if book.shared[m] else []
        book.market_fees[m] -= sum(e[2] for e in recovered)
        amount = book.market_fees[m] // self.scale
        book.market_fees[m] -= amount * self.scale
        book.balance -= amount
        book.fund_balances[FUND_OF[m]] += amount
        return amount, recovered

    def limit(self, s: AccountState, a: int, m: int, book: Book | None = None) -> int:
        """The most a liquidation of actor `a`'s position in `m` may take (all of an insolvent one)."""
        held = abs((book or self.book).positions[a][m][0])
        if s.equity <= 0:
            return held
        return liquidation_limit(s, held, self.feeds[m].price, self.rates[m], RISKS[m])

    def liquidate(self, book: Book, a: int, m: int, amount: int, at: int, by: int = LIQ):
        """MarginEngine.liquidate by actor `by` on `book`: (the first rule broken, None) or
        (None, Outcome)."""
        risk, index = RISKS[m], self.feeds[m].price
        account, size = self.addresses[a], book.positions[a][m][0]
        if OWNERS[a] == OWNERS[by]:  # an owner never liquidates its own subaccounts
            return ("MarginEngineSelfLiquidation", {"account": account}), None
        if size == 0:
            return ("MarginEngineNoPosition", {"account": account, "market": m}), None
        halt = self.first_halt(book, a, at)
        if halt is not None:
            return halt, None
        before = self.state(book, a)
        if not before.liquidatable:
            inputs = {
                "account": account,
                "equity": before.equity,
                "maintenanceMargin": before.maintenance_margin,
            }
            return ("MarginEngineNotLiquidatable", inputs), None
        maximum = self.limit(before, a, m, book)
        if amount > maximum:
            inputs = {"account": account, "market": m, "amount": amount, "maximum": maximum}
            return ("MarginEngineLiquidationTooLarge", inputs), None
        bad_debt = shared = None
        if before.equity <= 0:  # MarginEngine._bookDebt
            due = {k: book.owed(a, k) for k in MARKETS}
            positions = dict(enumerate(book.positions[a]))
            debt = debt_share(-before.equity, m, amount, positions, self.prices(), due)
            nominal = (amount * index // WAD) * risk.liquidationBonus // WAD
            paid = self.cover(book, m, debt + nominal, at)
            covered = min(paid, debt)
            bonus, share = paid - covered, 0
            if covered < debt:
                shared = self.share_loss(book, m, size < 0, debt - covered)
            if debt:
                bad_debt = (debt, covered)
        taken = amount if size > 0 else -amount
        proceeds = value(size, index) - value(size - taken, index)
        self._move(book, a, m, -taken, proceeds)
        isolated = self.isolation(book, by, m)  # the liquidator opens `m` (ENG-10)
        if isolated is not None:
            return isolated, None
        self._move(book, by, m, taken, -proceeds)
        rest = size - taken  # the liquidator may end below the dust size; the account may not
        if rest != 0 and abs(rest) < risk.dustSize:
            inputs = {"account": account, "market": m, "size": rest, "dustSize": risk.dustSize}
            return ("MarginEngineDustPosition", inputs), None
        if before.equity > 0:
            bonus, share = penalty(before, self.state(book, a), amount * index // WAD, risk)
            book.cash[a] -= bonus + share
            self.accrue(book, m, share)
        else:
            book.cash[a] += debt
        book.cash[by] += bonus
        failure = self.initial_margin(book, by, at)
        if failure is not None:
            return failure, None
        return None, Outcome(taken, index, bonus, share, bad_debt, shared)

    def keeper_part(self, a: int, m: int, amount: int, at: int) -> int:
        """The most of `amount` the keeper's own IM allows it to take (a bisection on the model); 0 if
        none."""

        def passes(part: int) -> bool:
            return self.liquidate(self.book.copy(), a, m, part, at, KEEPER)[0] is None

        if passes(amount):
            return amount
        low, high = 0, amount
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if passes(middle) else (low, middle)
        return low

    def liquidatable(self) -> list[tuple[int, int]]:
        """(trader, subaccount or keeper, market) of every position whose holder the model has below
        maintenance, the insolvent ones first (the keeper's too: the liquidator takes those)."""
        book = self.book
        states = {a: self.state(book, a) for a in (*RISKY, KEEPER) if book.held(a)}
        below = sorted((s.equity > 0, a) for a, s in states.items() if s.liquidatable)
        return [(a, m) for _, a in below for m in book.held(a)]

    def liquidation_prices(self, a: int, m: int) -> tuple[int, int]:
        """The index prices of market `m` at which trader `a` reaches equity == MM and equity == 0,
        other prices fixed, at the current rate (either may be <= 0: none)."""
        size, rate, price = self.book.positions[a][m][0], self.rates[m], self.feeds[m].price
        s = self.state(self.book, a)
        # equity(p) = other_equity + size p and MM(p) = other_mm + |size| p rate
        other_equity = s.equity - value(size, price)
        other_mm = s.maintenance_margin - ceil_div(ceil_div(abs(size) * price, WAD) * rate, WAD)
        slope = size - abs(size) * rate // WAD
        return (other_mm - other_equity) * WAD // slope, -other_equity * WAD // size

    def free(self, a: int) -> int:
        """Whole token units actor `a` may withdraw: min(equity, collateral) - IM."""
        s = self.state(self.book, a)
        return max(s.without_profit - s.initial_margin, 0) // self.scale
