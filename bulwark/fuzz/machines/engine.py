"""MarginEngine on the lane: three traders and two subaccounts deposit (with dust; subaccounts through
depositTo) and withdraw (part, all or a little more than their margin frees; subaccounts through
withdrawFrom), owners move margin between their subaccounts (transferMargin: part, all, a little more,
zero, or to the source itself), and all trade with each other, with the liquidator and with a small keeper
through the operator in three markets, at prices inside the band, on its edge or just outside, for part of
what both accounts' margin carries, all of it to the unit, or just beyond, or to close. ETH and BTC are
shared markets covered by the shared fund; ISO is isolated with its own staked fund (and tight cap), held
only by an account that holds nothing else. The subaccounts: trader 0's SUB (so fills between trader 0 and
SUB are self-trades), ISO_SUB, whose owner approves (and revokes) the operator for it alone, and the
liquidator's LIQ_SUB, into which it takes ISO positions (liquidateInto); owners also try to liquidate
their own subaccounts. The well-funded liquidator or the keeper (whose 3,000 tokens cover a part of a big
insolvency, not all of it) takes over what the model has below maintenance (the most the size limit
allows, part of it, or beyond it; an insolvent account in parts or whole), right after a price move or
later, or tries a healthy account; a crash beyond the fund (COVER paused) is liquidated by both and every
account then withdraws what its margin frees, in a random order (then the chain is put back); reporters
move prices through signed pokes: small moves, moves to a trader's liquidation price, between it and the
bankruptcy price or past that, and jumps beyond maxDeviation that trip the breaker, which a later poke
clears or, after confirmDelay, confirms; time passes a little, to a price's last live (or first stale)
second, or past maxStaleness until the next poke; while a price is halted every account tries to withdraw
or transfer (then the chain is put back); shared insurance shares are swept to the shared fund and ISO's
own to its fund, the funds cover shared losses later, the guardian reopens a reduce-only market. BTC's
maintenance rate follows its oracle's volatility (volMultiplier 0.5), so its pokes move every BTC holder's
margin. Collateral has 6 or 18 decimals (one suite of each is deployed; an example draws which).

The model (bulwark.model.engine_book), updated only on success, predicts every transaction down to the
custom error and its inputs (MarginEngineSelfTrade, MarginEngineNotOperator, MarginEngineSelfLiquidation,
MarginEngineIsolatedMarket with the held mask, MarginEngineSameSubaccount and MarginEngineNotIsolated
among them), or to the exact penalty, bad debt, cover (from the market's own fund) and shared loss.
Rejected transactions are sent as often as accepted ones. ENG-01..ENG-11 are checked after every step
against what the chain says: the books balance exactly (the shared pool and ISO's own fees, both funds'
balances) and match the model, sizes sum to zero, what every position owes matches, the token balance
covers every settled claim, a liquidation lowers the equity of no account but the liquidated one and (by
what it newly owes) the opposite side of the market, every liquidated account was below maintenance just
before and (partial liquidations) kept its margin ratio, every withdrawal, transfer and risk-increasing
fill left min(equity, collateral) >= IM, every price a fill, withdrawal, transfer or liquidation needed
was live in its block; every actor a step's engine transactions did not name kept its cash and positions,
and its equity is the model's of those holdings at current prices and what it owes in markets it holds
(ENG-09); no account holds ISO with another market, only a market's own fund pays its losses, ISO's fees
never reach the shared pool nor the shared fees ISO, and only ISO's holders share its losses (ENG-10); a
halted price refuses exactly its holders' withdrawals and transfers and serves everyone else's (ENG-11).
Reads cover the accounts and markets a step touched, and every actor after a step that sent an engine
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from eth_account import Account
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from bulwark.abi.scopes import FundScope
from bulwark.chain import Chain, Contract
from bulwark.chain.base import ZERO_ADDRESS
from bulwark.fuzz.lane import LaneMachine
from bulwark.invariants import (
    ENG_01,
    ENG_02,
    ENG_03,
    ENG_04,
    ENG_05,
    ENG_06,
    ENG_07,
    ENG_08,
    ENG_09,
    ENG_10,
    ENG_11,
)
from bulwark.model.engine import AccountState, keeps_margin_ratio, subaccount
from bulwark.model.engine_book import (
    ACTORS,
    CONFIRM_DELAY,
    DEPOSITS,
    FUND_OF,
    FUNDS,
    HALTED,
    IDS,
    ISO,
    ISO_FUND_STAKE,
    ISO_SUB,
    KEEPER,
    KEEPER_DEPOSIT,
    LIQ,
    LIQ_SUB,
    LIQUIDATOR_DEPOSIT,
    MACHINE_PRICES,
    MARKETS,
    MAX_OUTFLOW,
    MAX_STALENESS,
    OK,
    ORACLE_CONFIG,
    OWNERS,
    REPORTERS,
    RISK,
    RISKS,
    RISKY,
    SHARED_MARKETS,
    SUB,
    SUB_DEPOSITS,
    TRADERS,
    Book,
    EngineModel,
    Feed,
    clamp,
    increases,
    kind,
    scaled,
)
from bulwark.model.fund import OUTFLOW_WINDOW
from bulwark.model.fund import PARAMS as FUND_PARAMS
from bulwark.model.oracle import Volatility
from bulwark.signing.reports import feed_id, reporter_test_keys, sign_batch
from bulwark.units import HOUR, WAD

DECIMALS = (6, 18)
FEEDS = ("ETH/USD", "BTC/USD", "ISO/USD")
# dev account indices (Ape's test accounts): traders 1-3, liquidator 4, fund staker 5, operator 6, keeper 7,
# ISO_SUB's owner 8
GUARDIAN, LIQUIDATOR, STAKER, OPERATOR, KEEPER_ACCOUNT, ISO_OWNER = 0, 4, 5, 6, 7, 8
TRADER_ACCOUNTS = (1, 2, 3)
OWNER_ACCOUNTS = (*TRADER_ACCOUNTS, LIQUIDATOR, KEEPER_ACCOUNT, ISO_OWNER)
# by the model's actor index: its owner (trader 0 owns SUB, the liquidator LIQ_SUB)
ACTOR_ACCOUNTS = (*OWNER_ACCOUNTS[:5], TRADER_ACCOUNTS[0], ISO_OWNER, LIQUIDATOR)
assert all(
    (OWNERS[a] == OWNERS[b]) == (ACTOR_ACCOUNTS[a] == ACTOR_ACCOUNTS[b])
    for a in range(ACTORS)
    for b in range(ACTORS)
)
DEPOSITORS = (*range(TRADERS), SUB, ISO_SUB)  # the actors trader_moves_collateral moves
TRANSFERS = ((0, SUB), (LIQ, LIQ_SUB))  # pairs of subaccounts of one owner
REPORTER_KEYS = tuple(reporter_test_keys(REPORTERS))

# seconds between one transaction and the next: often one, so a step after an edge lands on it
gaps = st.one_of(st.just(1), st.integers(1, 300))
markets = st.sampled_from(MARKETS)
dusts = st.integers(0, 10**18 - 1)  # sub-token amounts, reduced modulo one token


@lru_cache(maxsize=4096)
def signed_batch(chain_id: int, oracle: str, feed: bytes, epoch: int, price: int, at: int) -> tuple:
    """The three reporters' reports of `price` observed at `at` for `epoch`, sorted as poke takes them
    (memoised: examples restart from the same deployment, so batches recur, when shrinking above all)."""
    return tuple(sign_batch(REPORTER_KEYS, chain_id, oracle, feed, epoch, [price] * REPORTERS, at))


@dataclass
class Suite:
    """One deployment: collateral, three oracles, the shared fund, ISO's own fund and the engine, and how
    it started."""

    token: Contract
    oracles: list[Contract]
    feeds: list[bytes]
    fund: Contract
    iso_fund: Contract
    engine: Contract
    unit: int
    scale: int
    deposits: list[int]  # token units each actor holds in the engine at the start
    start_feeds: list[tuple]  # per market: (price, updatedAt, sample price, sampledAt, next epoch)
    start_balance: int
    start_fund_balances: list[int]


def deploy_suite(chain: Chain, decimals: int) -> Suite:
    """What tests/unit/margin/conftest.py deploys (guardian an EOA), plus the machine's keeper, cap,
    risk parameters and deposits, an isolated third market (ISO) with its own staked fund, and three
    subaccounts: trader 0's, the liquidator's (both approved for the operator with all their owner's)
    and one whose owner approves the operator for it alone."""
    acc = chain.accounts
    guardian, operator = acc[GUARDIAN], acc[OPERATOR]
    unit = 10**decimals

    def next_tx():
        chain.sleep(1)

    token = chain.deploy("MockERC20", "USD Coin", "USDC", decimals, sender=guardian)
    reporters = sorted((Account.from_key(k).address for k in REPORTER_KEYS), key=lambda a: int(a, 16))
    feeds = [feed_id(name) for name in FEEDS]
    oracles = [
        chain.deploy("MedianOracle", guardian, feed, name, tuple(ORACLE_CONFIG), reporters, sender=guardian)
        for feed, name in zip(feeds, FEEDS, strict=True)
    ]
    params = (FUND_PARAMS.cooldown, FUND_PARAMS.redeemWindow, FUND_PARAMS.maxOutflow * unit)
    funds = [
        chain.deploy(
            "InsuranceFund",
            guardian,
            token.address,
            name,
            symbol,
            OUTFLOW_WINDOW,
            params,
            [],
            sender=guardian,
        )
        for name, symbol in (("Bulwark Insurance", "bINS"), ("ISO Insurance", "iINS"))
    ]
    fund, iso_fund = funds
    staker = acc[STAKER]
    token.mint.transact(staker, 10**6 * unit, sender=staker)
    for f, stake in ((fund, 10_000), (iso_fund, ISO_FUND_STAKE)):
        token.approve.transact(f.address, 2**256 - 1, sender=staker)
        f.deposit.transact(stake * unit, staker, sender=staker)
    markets = [o.address for o in oracles]
    engine = chain.deploy(
        "MarginEngine",
        guardian,
        fund.address,
        markets,
        [RISK.as_tuple()] * len(oracles),
        [ZERO_ADDRESS if FUND_OF[m] == 0 else funds[FUND_OF[m]].address for m in MARKETS],
        sender=guardian,
    )
    for f in funds:
        f.setEngine.transact(engine.address, True, sender=guardian)
    assert [engine.isIsolated(m) for m in MARKETS] == [FUND_OF[m] != 0 for m in MARKETS], ENG_10
    for i in OWNER_ACCOUNTS:
        minted = KEEPER_DEPOSIT * unit if i == KEEPER_ACCOUNT else 10**7 * unit
        token.mint.transact(acc[i], minted, sender=acc[i])
        token.approve.transact(engine.address, 2**256 - 1, sender=acc[i])
        if i == ISO_OWNER:  # for ISO_SUB alone (this opens it)
            engine.setSubaccountOperator.transact(IDS[ISO_SUB], operator, True, sender=acc[i])
        else:
            engine.setOperator.transact(operator, True, sender=acc[i])
    for m, price in MACHINE_PRICES.items():
        next_tx()
        epoch = oracles[m].nextEpoch()
        batch = signed_batch(chain.chain_id, oracles[m].address, feeds[m], epoch, price, chain.timestamp)
        oracles[m].poke.transact(epoch, list(batch), sender=operator)
    # a tight cover cap, so bad debt beyond what the fund pays (shared with the other side) is common
    for f in funds:
        next_tx()
        f.setParams.transact((*params[:2], MAX_OUTFLOW * unit), sender=guardian)
    for m in MARKETS:
        next_tx()
        engine.setRiskParams.transact(m, RISKS[m].as_tuple(), sender=guardian)
    deposits = [tokens * unit + unit // 3 for tokens in DEPOSITS]
    deposits += [LIQUIDATOR_DEPOSIT * unit, KEEPER_DEPOSIT * unit]
    deposits += [tokens * unit + unit // 7 for tokens in SUB_DEPOSITS]
    for a, amount in enumerate(deposits):
        next_tx()
        sender = acc[ACTOR_ACCOUNTS[a]]
        if IDS[a]:
            engine.depositTo.transact(IDS[a], amount, sender=sender)
        else:
            engine.deposit.transact(amount, sender=sender)
    start_feeds = []
    for oracle in oracles:
        price, updated_at, status = oracle.latest()
        assert status == OK and oracle.annualisedVolatility() == 0  # one poke so far: no variance
        start_feeds.append((price, updated_at, *oracle.volatilitySample(), oracle.nextEpoch()))
    assert engine.fees() == 0 and all(f.outflowUsed() == 0 for f in funds)
    start_balance = token.balanceOf(engine.address)
    assert start_balance == sum(deposits)
    return Suite(
        token, oracles, feeds, fund, iso_fund, engine, unit, engine.SCALE(), deposits, start_feeds,
        start_balance, [token.balanceOf(f.address) for f in funds],
    )  # fmt: skip


class Liquidation(NamedTuple):
    """A successful liquidation's account as the chain reported it, just before and after."""

    before: AccountState
    after: AccountState


def chain_state(raw) -> AccountState:
    return AccountState(*raw)


class EngineMachine(LaneMachine):
    """ENG-01..ENG-08 after every step; every transaction's outcome matches the model exactly."""

    @classmethod
    def deploy(cls, chain):
        return {decimals: deploy_suite(chain, decimals) for decimals in DECIMALS}

    def __init__(self):
        super().__init__()
        acc = self.chain.accounts
        self.senders = [acc[i] for i in ACTOR_ACCOUNTS]  # each actor's owner, which sends for it
        self.actors = [subaccount(acc[i], id_) for i, id_ in zip(ACTOR_ACCOUNTS, IDS, strict=True)]
        self.guardian, self.operator = acc[GUARDIAN], acc[OPERATOR]
        self.now = self.chain.timestamp  # every transaction and mined block is later
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
        # ENG-09: the actors an engine transaction of this step named (None: it sent none), and each
        # actor's cash and positions as the last step left them
        self.named: set[int] | None = None
        self.last: list[tuple] = []

    def _start(self, decimals: int) -> None:
        s = self.suite = self.world[decimals]
        self.token, self.oracles, self.fund, self.engine = s.token, s.oracles, s.fund, s.engine
        self.funds = [s.fund, s.iso_fund]  # by FUND_OF
        self.scale, self.unit = s.scale, s.unit
        self.model = EngineModel(
            addresses=self.actors,
            owners=self.senders,
            operator=self.operator,
            engine=s.engine.address,
            scale=s.scale,
            cap=MAX_OUTFLOW * s.unit,
            book=Book.start(
                [amount * s.scale for amount in s.deposits], s.start_balance, s.start_fund_balances
            ),
            feeds=[Feed(p, u, Volatility(0, vp, vt), e) for p, u, vp, vt, e in s.start_feeds],
        )
        self.last = self._kept(self.book)

    @property
    def book(self) -> Book:
        return self.model.book

    # ------------------------------------------------------------ transactions

    def _at(self, at: int) -> None:
        """The next transaction lands at `at` (mined even if it reverts: `at` is spent)."""
        assert at > self.now
        self.now = at
        self.chain.warp(at)

    def _reject(self, at: int, expected, send, invariant=None) -> None:
        """Send at `at` and check the predicted revert; `invariant` names the promise a success would
        break."""
        name, inputs = expected
        self._name()
        self._at(at)
        receipt = send()
        try:
            receipt.assert_reverted(name, **inputs)
        except AssertionError as failure:
            if invariant is None:
                raise
            raise AssertionError(f"{invariant}: {failure}") from failure

    def _name(self, *actors: int) -> None:
        """An engine transaction of this step names `actors` (ENG-09: no other actor's cash or positions
        may change)."""
        self.named = (self.named or set()) | set(actors)

    @staticmethod
    def _kept(book: Book) -> list[tuple]:
        """Every actor's cash and positions in `book` (ENG-09's before and after)."""
        return [(book.cash[a], tuple(book.positions[a])) for a in range(ACTORS)]

    def _withdrawal(self, a: int, amount: int):
        """Actor `a`'s owner withdraws `amount` to itself: withdraw for id 0, withdrawFrom for a
        subaccount."""
        sender = self.senders[a]
        if IDS[a]:
            return lambda: self.engine.withdrawFrom.attempt(IDS[a], amount, sender, sender=sender)
        return lambda: self.engine.withdraw.attempt(amount, sender, sender=sender)

    def _transfer(self, source: int, target: int, amount: int):
        """The owner of `source` and `target` moves `amount` between them (transferMargin)."""
        sender = self.senders[source]
        return lambda: self.engine.transferMargin.attempt(IDS[source], IDS[target], amount, sender=sender)

    def _fund_balances(self) -> list[int]:
        return [self.token.balanceOf(f.address) for f in self.funds]

    def _check_funds(self, m: int, before: list[int], book: Book) -> None:
        """After a transaction that could cover market `m`'s losses: only `m`'s own fund paid (a shared
        market never draws on ISO's fund, ISO never on the shared FUND: ENG-10), as the model says."""
        after = self._fund_balances()
        for f in range(FUNDS):
            if f != FUND_OF[m]:
                assert after[f] == before[f], ENG_10
        assert after == book.fund_balances, ENG_07

    def _poke(self, m: int, price: int, at: int) -> None:
        """Three reporters report `price` observed at `at`; the model settles it as the oracle does."""
        self._at(at)
        oracle, epoch = self.oracles[m], self.model.feeds[m].epoch
        batch = signed_batch(self.chain.chain_id, oracle.address, self.suite.feeds[m], epoch, price, at)
        receipt = oracle.poke.attempt(epoch, list(batch), sender=self.operator)
        assert receipt.status, receipt.error
        self.model.poke(m, price, at)
        self.poked.add(m)

    def _after(self, priced, margined, others=()) -> list[AccountState]:
        """ENG-05 and ENG-06 in an accepted transaction's block: the oracle status of every price it
        needed, and the margin figures of the accounts it had to leave with IM; returns those of
        `others`, then of `margined`."""
        self.priced += [self.oracles[m].latest()[2] for m in sorted(set(priced))]
        states = [chain_state(self.engine.accountState(self.actors[a])) for a in (*others, *margined)]
        self.margined += states[len(others) :]
        return states

    def _trade(self, maker: int, taker: int, m: int, size: int, price: int, at: int) -> None:
        """Fill at `at`: the predicted revert, or the predicted fill."""
        book = self.book.copy()
        expected = self.model.fill(book, maker, taker, m, size, price, at)
        fill = (self.actors[maker], self.actors[taker], m, size, price)
        send = lambda: self.engine.fill.attempt(fill, sender=self.operator)  # noqa: E731
        if expected is not None:
            self._reject(at, expected, send, ENG_06 if kind(expected) == HALTED else None)
            return
        added = [
            a for a in (taker, maker) if increases(self.book.positions[a][m][0], book.positions[a][m][0])
        ]
        self._name(maker, taker)
        self._at(at)
        receipt = send()
        assert receipt.status, receipt.error
        self.model.book = book
        self.cash_due |= {maker, taker}
        self.positions_due |= {maker, taker}
        self.owed_due |= {maker, taker}
        self.markets_due.add(m)
        self._after([m, *book.held(taker), *book.held(maker)], added)

    def _sized_trade(self, maker, taker, m, buy, percent, price, at, size_kind="part") -> None:
        """A fill of `percent` of what both accounts' margin carries (at least dust); "all": exactly
        all of it, "over": one unit and 0.1 x `percent` % more."""
        direction = 1 if buy else -1
        capacity = self.model.capacity(maker, taker, m, direction, price, at)
        amount = {
            "part": capacity * percent // 100,
            "all": capacity,
            "over": capacity + 1 + capacity * percent // 1000,
        }[size_kind]
        self._trade(maker, taker, m, direction * max(amount, RISKS[m].dustSize), price, at)

    def _fill_price(self, m: int, band: str, offset: int) -> int:
        """Inside the band (`offset` in 1/10,000 of its half-width), on its edge, or just outside."""
        index = self.model.feeds[m].price
        half = index * RISKS[m].maxTradeDeviation // WAD
        side = 1 if offset >= 0 else -1
        if band == "inside":
            return index + half * offset // 10_000
        if band == "edge":
            return index + side * half
        return index + side * (half + 1 + abs(offset) * index // 10**9)

    def _liquidation(self, a: int, m: int, amount: int, at: int, by: int | None = None) -> None:
        """Liquidate as predicted: the predicted revert, or the exact outcome (ENG-03, ENG-04, ENG-07). By
        default the liquidator takes a shared market's position itself and an ISO position into its
        subaccount LIQ_SUB (liquidateInto), which holds nothing else (ENG-10)."""
        model, engine, actors = self.model, self.engine, self.actors
        if by is None:
            by = LIQ_SUB if m == ISO else LIQ
        book = self.book.copy()
        expected, outcome = model.liquidate(book, a, m, amount, at, by)
        sender = self.senders[by]

        def send():  # into a subaccount (liquidateInto) or the owner's own account
            if IDS[by]:
                return engine.liquidateInto.attempt(actors[a], m, amount, IDS[by], sender=sender)
            return engine.liquidate.attempt(actors[a], m, amount, sender=sender)

        if expected is not None:
            invariant = {
                HALTED: ENG_06,
                "MarginEngineNotLiquidatable": ENG_03,
                "MarginEngineSelfLiquidation": ENG_09,
                "MarginEngineIsolatedMarket": ENG_10,
            }.get(kind(expected))
            self._reject(at, expected, send, invariant)
            return
        # the head's prices are the transaction's (live then, so live now: staleness only grows)
        watched = [k for k in model.live_actors(at) if k != a]
        before = chain_state(engine.accountState(actors[a]))
        maximum = engine.maxLiquidation(actors[a], m)
        others = [chain_state(engine.accountState(actors[k])) for k in watched]
        assert before == model.state(self.book, a), ENG_02
        assert maximum == model.limit(before, a, m), ENG_03  # the maxLiquidation view agrees
        needed = [*self.book.held(a), *book.held(by)]
        owed_before = {k: self.book.owed(k, m) for k in watched}
        funds_before, pools_before = self._fund_balances(), (engine.fees(), engine.market(ISO).fees)
        self._name(a, by)
        self._at(at)
        receipt = send()
        assert receipt.status, receipt.error
        self._check_funds(m, funds_before, book)
        # an ISO liquidation's insurance share and cover surplus go to ISO's own fees, never the shared
        # pool; a shared market's never to ISO's (ENG-10)
        pools = (engine.fees(), engine.market(ISO).fees)
        assert pools[m != ISO] == pools_before[m != ISO], ENG_10
        assert pools == (book.fees, book.market_fees[ISO]), ENG_07
        liquidated = receipt.event("Liquidated")
        assert (liquidated["account"], liquidated["size"], liquidated["price"]) == (
            actors[a],
            outcome.taken,
            outcome.index,
        ), ENG_03
        assert (liquidated["bonus"], liquidated["insuranceShare"]) == (outcome.bonus, outcome.share), ENG_04
        bad_debts = [
            (e.args["market"], e.args["account"], e.args["debt"], e.args["covered"])
            for e in receipt.events
            if e.name == "BadDebt"
        ]
        assert bad_debts == ([(m, actors[a], *outcome.bad_debt)] if outcome.bad_debt else []), ENG_07
        shared = [
            (e.args["longs"], e.args["amount"], e.args["openInterest"], e.args["lossIndex"])
            for e in receipt.events
            if e.name == "LossShared"
        ]
        assert shared == ([outcome.shared] if outcome.shared else []), ENG_07
        model.book = book
        self.cash_due |= {a, by}
        self.positions_due |= {a, by}
        self.markets_due.add(m)
        self.owed_due |= set(range(ACTORS))
        self.fees_due = True
        after, *after_others = self._after(needed, [by], others=[a, *watched])  # the liquidator's IM
        self.liquidations.append(Liquidation(before, after))
        # ENG-07: no account but the liquidated one and the liquidator loses equity, other than by what
        # it newly owes of this market's shared loss (only the side opposite the liquidated one)
        side = 1 if outcome.taken > 0 else -1  # the liquidated account's side
        for k, then, now in zip(watched, others, after_others[: len(watched)], strict=True):
            if k == by:
                continue
            owes = book.owed(k, m) - owed_before[k]
            pays = outcome.shared is not None and book.positions[k][m][0] * side < 0
            assert owes == 0 or pays, ENG_07
            # a shared loss reaches only what the market's holders owe (ISO's: only ISO's holders)
            assert owes == 0 or m in self.book.held(k), ENG_10 if m == ISO else ENG_09
            assert then.equity - now.equity == owes, ENG_09

    # ------------------------------------------------------------ rules: accounts

    @initialize(
        decimals=st.sampled_from(DECIMALS),
        opens=st.lists(
            st.tuples(
                st.integers(0, TRADERS - 1),
                st.integers(1, TRADERS - 1),
                st.booleans(),
                st.integers(40, 100),  # percent of what both margins carry
            ),
            min_size=len(SHARED_MARKETS),
            max_size=len(SHARED_MARKETS),
        ),
        iso_open=st.tuples(st.booleans(), st.booleans(), st.integers(40, 100)),
    )
    def traders_open_positions(self, decimals, opens, iso_open):
        """Collateral of 6 or 18 decimals; in each shared market two traders trade 40..100% of what
        their margin carries, at the index; in ISO, SUB and ISO_SUB (which hold nothing else) do."""
        self._start(decimals)
        for m, (maker, offset, buy, fraction) in zip(SHARED_MARKETS, opens, strict=True):
            taker = (maker + offset) % TRADERS
            self._sized_trade(maker, taker, m, buy, fraction, self.model.feeds[m].price, self.now + 1)
        swap, buy, fraction = iso_open
        maker, taker = (ISO_SUB, SUB) if swap else (SUB, ISO_SUB)
        self._sized_trade(maker, taker, ISO, buy, fraction, self.model.feeds[ISO].price, self.now + 1)

    @rule(
        index=st.sampled_from(DEPOSITORS),
        deposit=st.booleans(),
        tokens=st.integers(1, 10_000),
        dust=dusts,
        fraction=st.integers(1, 100),
        size_kind=st.sampled_from(["part", "all", "over"]),
        gap=gaps,
    )
    def trader_moves_collateral(self, index, deposit, tokens, dust, fraction, size_kind, gap):
        """A trader or a subaccount (SUB, ISO_SUB: through depositTo and withdrawFrom). `deposit`:
        1..10,000 tokens (and dust); else a withdrawal of a percentage of what min(equity, collateral) -
        IM frees (whole token units), all of it (with 18 decimals that leaves exactly IM), or a little
        more."""
        at, unit, book = self.now + gap, self.unit, self.book
        if deposit:
            amount = tokens * unit + dust % unit
            self._name(index)
            self._at(at)
            sender = self.senders[index]
            if IDS[index]:
                receipt = self.engine.depositTo.attempt(IDS[index], amount, sender=sender)
            else:
                receipt = self.engine.deposit.attempt(amount, sender=sender)
            assert receipt.status, receipt.error
            book.cash[index] += amount * self.scale
            book.balance += amount
            self.cash_due.add(index)
            return
        free = self.model.free(index)
        valid = min(free, book.balance) * (100 if size_kind == "all" else fraction) // 100
        amount = free + 1 + dust % (100 * unit) if size_kind == "over" else valid
        if amount == 0:
            return
        book = book.copy()
        expected = self.model.withdraw(book, index, amount, at)
        send = self._withdrawal(index, amount)
        if expected is not None:
            self._reject(at, expected, send, ENG_06 if kind(expected) == HALTED else ENG_05)
            return
        self._name(index)
        self._at(at)
        receipt = send()
        assert receipt.status, receipt.error
        self.model.book = book
        self.cash_due.add(index)
        self._after(book.held(index), [index])

    @rule(
        pair=st.sampled_from(TRANSFERS),
        reverse=st.booleans(),
        size_kind=st.sampled_from(["part", "all", "over", "zero", "same"]),
        fraction=st.integers(1, 100),
        dust=dusts,
        gap=gaps,
    )
    def owner_moves_margin_between_subaccounts(self, pair, reverse, size_kind, fraction, dust, gap):
        """Trader 0 between its id 0 and SUB, or the liquidator between its id 0 and LIQ_SUB, either way
        (transferMargin): a percentage of what min(equity, collateral) - IM of the source frees (whole
        token units), all of it, or a little more; or zero, or (`same`) to the source itself. The source
        keeps IM without unrealised profit (ENG-05); nothing but the two subaccounts' cash changes
        (ENG-09); a halt of a market the target holds does not stop it (ENG-11)."""
        source, target = pair[::-1] if reverse else pair
        free, at = self.model.free(source), self.now + gap
        amount = {
            "part": free * fraction // 100,
            "all": free,
            "over": free + 1 + dust % (100 * self.unit),
            "zero": 0,
            "same": max(free * fraction // 100, 1),
        }[size_kind]
        if size_kind == "same":
            target = source
        book = self.book.copy()
        expected = self.model.transfer(book, source, target, amount, at)
        send = self._transfer(source, target, amount)
        if expected is not None:
            invariant = {HALTED: ENG_11, "MarginEngineInsufficientMargin": ENG_05}.get(kind(expected))
            self._reject(at, expected, send, invariant)
            return
        self._name(source, target)
        self._at(at)
        receipt = send()
        assert receipt.status, f"{ENG_11}: {receipt.error}"
        moved = receipt.event("MarginTransferred")
        assert (moved["from"], moved["to"], moved["amount"]) == (
            self.actors[source],
            self.actors[target],
            amount,
        ), ENG_09
        self.model.book = book
        self.cash_due |= {source, target}
        self._after(book.held(source), [source])

    @rule(approved=st.booleans(), gap=gaps)
    def iso_owner_sets_its_subaccount_operator(self, approved, gap):
        """ISO_SUB's owner approves or revokes the operator for ISO_SUB alone (setSubaccountOperator;
        the owner never approved it for all): while revoked, every fill naming ISO_SUB is refused
        (MarginEngineNotOperator), and no other account's fills change."""
        self._name(ISO_SUB)
        self._at(self.now + gap)
        receipt = self.engine.setSubaccountOperator.attempt(
            IDS[ISO_SUB], self.operator, approved, sender=self.senders[ISO_SUB]
        )
        assert receipt.status, receipt.error
        updated = receipt.event("SubaccountOperatorUpdated")
        assert (updated["account"], updated["operator"], updated["approved"]) == (
            self.actors[ISO_SUB],
            self.operator,
            approved,
        ), ENG_09
        assert not [e for e in receipt.events if e.name == "SubaccountOpened"], ENG_09  # opened at deploy
        self.model.approved[ISO_SUB] = approved

    @rule(
        pair=st.sampled_from(TRANSFERS),
        reverse=st.booleans(),
        market=markets,
        gap=gaps,
    )
    def owner_liquidates_its_own_subaccount(self, pair, reverse, market, gap):
        """An owner tries to liquidate one of its subaccounts (into another, or from its id 0): refused
        before anything else is read, healthy or not (MarginEngineSelfLiquidation)."""
        a, by = pair[::-1] if reverse else pair
        size = abs(self.book.positions[a][market][0])
        self._liquidation(a, market, max(size // 2, RISKS[market].dustSize), self.now + gap, by)

    @precondition(lambda self: any(self.model.halt(m, self.now + 1) for m in MARKETS))
    @rule(order=st.permutations(range(ACTORS)), transfer=st.booleans(), tokens=st.integers(0, 3))
    def halts_reach_only_holders(self, order, transfer, tokens):
        """While a price is stale or tripped, every actor in a random order withdraws (or, `transfer`,
        moves to its pair's other subaccount, where it has one) `tokens` whole tokens, or one unit, of
        what its margin frees: each holder of a halted market is refused with that oracle's error, every
        other account is served as the model predicts, whatever its owner's other subaccounts hold
        (ENG-11). The chain is then put back."""
        chain, model = self.chain, self.model
        partner = {s: t for pair in TRANSFERS for s, t in (pair, pair[::-1])}
        snapshot = chain.snapshot()
        book, at = self.book.copy(), self.now + 1
        for k in order:
            halted = [m for m in book.held(k) if model.halt(m, at) is not None]
            s = model.state(book, k)
            free = max(s.without_profit - s.initial_margin, 0) // self.scale
            amount = min(tokens * self.unit, free) or 1
            trial = book.copy()
            if transfer and k in partner:
                expected = model.transfer(trial, k, partner[k], amount, at)
                send = self._transfer(k, partner[k], amount)
            else:
                expected = model.withdraw(trial, k, amount, at)
                send = self._withdrawal(k, amount)
            assert (expected is not None and kind(expected) == HALTED) == bool(halted), ENG_11
            chain.warp(at)
            receipt = send()
            if expected is None:
                assert receipt.status, f"{ENG_11}: {receipt.error}"
                book = trial
            else:
                try:
                    receipt.assert_reverted(*expected[:1], **expected[1])
                except AssertionError as failure:
                    raise AssertionError(f"{ENG_11}: {failure}") from failure
            at += 1
        chain.revert(snapshot)  # the clock too: back at self.now

    @rule(
        maker=st.integers(0, ACTORS - 1),
        offset=st.integers(1, ACTORS - 1),
        market=markets,
        buy=st.booleans(),
        size_kind=st.sampled_from(["part", "all", "over"]),
        percent=st.integers(1, 100),
        band=st.sampled_from(["inside", "edge", "outside"]),
        price_offset=st.integers(-10_000, 10_000),
        close=st.booleans(),
        gap=gaps,
    )
    def accounts_trade(self, maker, offset, market, buy, size_kind, percent, band, price_offset, close, gap):
        """Any two actors (the liquidator unloads too) trade a percentage of what both accounts' margin
        carries, all of it to the unit, or just beyond; at a price inside the band, on its edge or just
        outside; `close`: the taker closes its position in the market (if any)."""
        taker = (maker + offset) % ACTORS
        at = self.now + gap
        price = self._fill_price(market, band, price_offset)
        held = self.book.positions[taker][market][0]
        if close and held:
            self._trade(maker, taker, market, -held, price, at)
        else:
            self._sized_trade(maker, taker, market, buy, percent, price, at, size_kind)

    @precondition(lambda self: self.model.liquidatable())
    @rule(
        rotate=st.booleans(),
        index=st.integers(0, 2**16),
        partial=st.booleans(),
        fraction=st.integers(1, 99),
        too_large=st.booleans(),
        healthy=st.booleans(),
        by_keeper=st.booleans(),
        gap=gaps,
    )
    def liquidator_liquidates(self, rotate, index, partial, fraction, too_large, healthy, by_keeper, gap):
        """A position the model has below maintenance (an insolvent account's first, or, `rotate`,
        any): the most the size limit allows, or (`partial`) a fraction of it (an insolvent one: a
        fraction of the position); `too_large`: beyond that. `by_keeper`: the small keeper first, taking
        what its own IM allows, then the liquidator the rest. `healthy`: a position of an account at or
        above maintenance instead, if there is one (ENG-03)."""
        at = self.now + gap
        if healthy and self._try_healthy(index, at):
            return
        self._liquidate_one(index if rotate else 0, partial, fraction, too_large, at, by_keeper)

    def _liquidate_one(self, start, partial, fraction, too_large, at, by_keeper=False) -> None:
        model = self.model
        candidates = model.liquidatable()
        if not candidates:
            return
        a, m = candidates[start % len(candidates)]
        s = model.state(self.book, a)
        held, risk = abs(self.book.positions[a][m][0]), RISKS[m]
        limit = model.limit(s, a, m)
        if s.equity <= 0:
            amount = held + 1 if too_large else held * fraction // 100 if partial else held
        else:
            amount = limit + 1 if too_large else limit
            if partial and not too_large:
                amount = max(limit * fraction // 100, risk.dustSize)
        if not too_large and 0 < held - amount < risk.dustSize:
            amount = limit
        amount = max(amount, 1)
        if by_keeper and a != KEEPER and not too_large:
            part = model.keeper_part(a, m, amount, at)
            if part:
                self._liquidation(a, m, part, at, KEEPER)
                if part == amount or not model.liquidatable():
                    return
                size = self.book.positions[a][m][0]
                now = model.state(self.book, a)
                if now.liquidatable and size:
                    # the liquidator takes the rest of an insolvent part (as many keepers would)
                    self._liquidation(a, m, model.limit(now, a, m), self.now + 1)
                return
        self._liquidation(a, m, amount, at)

    def _try_healthy(self, index, at) -> bool:
        """Liquidate half a position of a trader at or above maintenance, if any (a rejection)."""
        model, book = self.model, self.book
        for k in range(len(RISKY)):
            a = RISKY[(index + k) % len(RISKY)]
            if not book.held(a) or model.state(book, a).liquidatable or model.first_halt(book, a, at):
                continue
            m = book.held(a)[index % len(book.held(a))]
            self._liquidation(a, m, max(abs(book.positions[a][m][0]) // 2, RISKS[m].dustSize), at)
            return True
        return False

    @precondition(
        lambda self: (
            self.book.fees >= self.scale
            or (self.book.fees and any(self.book.shared[m] for m in SHARED_MARKETS))
        )
    )
    @rule(gap=gaps)
    def fees_are_swept(self, gap):
        """The accrued insurance shares first pay what positions owe of shared markets' losses, market by
        market (ENG-07), never ISO's (ENG-10); whole token units of the rest go to the shared fund."""
        book = self.book.copy()
        amount, recovered = self.model.sweep(book)
        if amount == 0 and not recovered:
            return
        iso_before = (self.engine.market(ISO).fees, self.token.balanceOf(self.suite.iso_fund.address))
        self._name()
        self._at(self.now + gap)
        receipt = self.engine.sweepFees.attempt(sender=self.operator)
        assert receipt.status, receipt.error
        swept = receipt.event("FeesSwept")
        assert (swept["amount"], swept["netted"]) == (amount, sum(e[2] for e in recovered)), ENG_07
        recoveries = self._recoveries(receipt)
        assert all(e[0] != ISO for e in recoveries), ENG_10
        assert recoveries == recovered, ENG_07
        iso_after = (self.engine.market(ISO).fees, self.token.balanceOf(self.suite.iso_fund.address))
        assert iso_after == iso_before, ENG_10
        self.model.book = book
        self.fees_due = True
        self.markets_due |= {e[0] for e in recovered}
        self.owed_due |= set(range(ACTORS)) if recovered else set()

    @precondition(
        lambda self: (
            self.book.market_fees[ISO] >= self.scale or (self.book.market_fees[ISO] and self.book.shared[ISO])
        )
    )
    @rule(shared=st.sampled_from([None, *SHARED_MARKETS]), gap=gaps)
    def market_fees_are_swept(self, shared, gap):
        """ISO's own fees (its liquidations' insurance shares and cover surplus) first pay what its own
        positions owe of its shared losses; whole token units of the rest go to its own fund, nothing to
        the shared one (ENG-10); under a token with nothing owed, the call is refused. `shared`: the call
        names a shared market instead, which is refused."""
        at = self.now + gap

        def send(m: int):
            return lambda: self.engine.sweepMarketFees.attempt(m, sender=self.operator)

        if shared is not None:
            self._reject(at, ("MarginEngineNotIsolated", {"market": shared}), send(shared), ENG_10)
            return
        book = self.book.copy()
        amount, recovered = self.model.sweep_market(book, ISO)
        if amount == 0 and not recovered:  # under a token, and nothing ISO's positions still owe
            self._reject(at, ("MarginEngineZeroAmount", {}), send(ISO))
            return
        before = (self.engine.fees(), self.token.balanceOf(self.fund.address))
        self._name()
        self._at(at)
        receipt = send(ISO)()
        assert receipt.status, receipt.error
        swept = receipt.event("MarketFeesSwept")
        netted = sum(e[2] for e in recovered)
        assert (swept["market"], swept["amount"], swept["netted"]) == (ISO, amount, netted), ENG_10
        assert self._recoveries(receipt) == recovered, ENG_10
        assert (self.engine.fees(), self.token.balanceOf(self.fund.address)) == before, ENG_10
        self.model.book = book
        self.fees_due = True
        self.markets_due.add(ISO)
        self.owed_due |= set(range(ACTORS)) if recovered else set()

    @staticmethod
    def _recoveries(receipt) -> list[tuple]:
        return [
            (e.args["market"], e.args["longs"], e.args["amount"], e.args["unsettled"])
            for e in receipt.events
            if e.name == "LossRecovered"
        ]

    @precondition(lambda self: any(self.book.unsettled(m) > 0 for m in MARKETS))
    @rule(lift=st.booleans(), gap=gaps)
    def fund_covers_shared_losses_later(self, lift, gap):
        """Anyone lets the market's fund (ISO's own for ISO) pay, within its cap now, what a market's
        positions still owe (`lift`: after the guardian lifts the shared fund's COVER pause); a fund that
        pays nothing (paused, at its cap) makes the call revert with its own error."""
        model = self.model
        owing = [m for m in MARKETS if self.book.unsettled(m) > 0]
        m = owing[-1] if lift else owing[0]
        if lift and self.now < model.cover_paused_until:
            self._at(self.now + 1)
            receipt = self.fund.setPause.attempt(FundScope.COVER, 0, sender=self.guardian)
            assert receipt.status, receipt.error
            model.cover_paused_until = 0
        at = self.now + gap
        book = self.book.copy()
        owed_total = sum(max(side.unsettled, 0) for side in book.losses[m])
        paid = model.cover(book, m, owed_total, at)
        send = lambda: self.engine.coverLoss.attempt(m, sender=self.operator)  # noqa: E731
        if paid == 0:
            self._reject(at, ("MarginEngineFundPaidNothing", {"market": m, "owed": owed_total}), send)
            return
        events = model.recover_market(book, m, paid)
        funds_before = self._fund_balances()
        self._name()
        self._at(at)
        receipt = send()
        assert receipt.status, receipt.error
        self._check_funds(m, funds_before, book)
        assert self._recoveries(receipt) == events, ENG_07
        model.book = book
        self.fees_due = True
        self.markets_due.add(m)
        self.owed_due |= set(range(ACTORS))

    @precondition(lambda self: any(self.book.reduce_only))
    @rule(gap=gaps)
    def guardian_reopens_market(self, gap):
        """The guardian lifts a reduce-only market (what its positions owe stays owed)."""
        m = next(m for m in MARKETS if self.book.reduce_only[m])
        self._at(self.now + gap)
        receipt = self.engine.setReduceOnly.attempt(m, False, sender=self.guardian)
        assert receipt.status, receipt.error
        self.book.reduce_only[m] = False
        self.markets_due.add(m)

    @rule(seconds=st.integers(60, 3 * HOUR), gap=gaps)
    def fund_cover_is_paused(self, seconds, gap):
        """The guardian pauses the fund's COVER for a while: bad debt meanwhile is shared (ENG-07)."""
        self._pause_cover(seconds, self.now + gap)

    def _pause_cover(self, seconds: int, at: int) -> None:
        self._at(at)
        receipt = self.fund.setPause.attempt(FundScope.COVER, at + seconds, sender=self.guardian)
        assert receipt.status, receipt.error
        self.model.cover_paused_until = at + seconds

    @precondition(lambda self: any(self.book.shared))
    @rule(order=st.permutations(range(ACTORS)), gap=gaps)
    def everyone_withdraws_in_random_order(self, order, gap):
        """After a shared loss, every account withdraws all its margin frees (whole tokens), in a random
        order: each gets exactly what the rules leave it, whoever goes first (ENG-08). The chain is then
        put back, so the run goes on with its collateral."""
        self._exits(order, gap)

    def _exits(self, order, gap: int) -> None:
        chain, model = self.chain, self.model
        snapshot = chain.snapshot()
        book, at = self.book.copy(), self.now + gap
        for k in order:
            if model.first_halt(book, k, at):
                continue
            s = model.state(book, k)
            amount = max(s.without_profit - s.initial_margin, 0) // self.scale
            if amount == 0:
                continue
            assert model.withdraw(book, k, amount, at) is None, ENG_08
            chain.warp(at)
            before = self.token.balanceOf(self.senders[k])
            receipt = self._withdrawal(k, amount)()
            assert receipt.status, f"{ENG_08}: {receipt.error}"
            assert self.token.balanceOf(self.senders[k]) - before == amount, ENG_08
            at += 1
        chain.revert(snapshot)  # the clock too: back at self.now

    # ------------------------------------------------------------ rules: prices and time

    @rule(
        market=markets,
        jump=st.booleans(),
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
        self._poke(market, scaled(self.model.feeds[market].price, bps), self.now + gap)

    @precondition(lambda self: any(f.tripped_at for f in self.model.feeds))
    @rule(confirm=st.booleans(), bps=st.integers(-300, 300), gap=gaps)
    def breaker_confirms_or_clears(self, confirm, bps, gap):
        """Near the level once confirmDelay has passed since it was set (the new level is served), or
        near the served price (the move reverted)."""
        m = next(m for m in MARKETS if self.model.feeds[m].tripped_at)
        f = self.model.feeds[m]
        if confirm:
            self._poke(m, scaled(f.level, bps), max(self.now + gap, f.level_since + CONFIRM_DELAY))
        else:
            self._poke(m, scaled(f.price, bps), self.now + gap)

    @rule(
        nearest=st.booleans(),
        depth=st.sampled_from(["edge", "partial", "partial", "insolvent"]),
        bps=st.integers(1, 200),
        keeper=st.booleans(),
        partial=st.booleans(),
        fraction=st.integers(1, 99),
        by_keeper=st.booleans(),
        gap=gaps,
    )
    def price_moves_to_liquidation(self, nearest, depth, bps, keeper, partial, fraction, by_keeper, gap):
        """Of the two trader positions closest to liquidation, (`nearest`) the closest: just past its
        liquidation price, between it and the bankruptcy price, or up to 2% past the bankruptcy price
        (other prices fixed, at the current rate). A move beyond maxDeviation trips. `keeper`: the
        liquidator (or, `by_keeper`, the keeper first) acts at once (as in liquidator_liquidates), if it
        can."""
        if self._to_liquidation(nearest, depth, bps, gap) and keeper and self.model.liquidatable():
            self._liquidate_one(0, partial, fraction, False, self.now + 1, by_keeper)

    @precondition(lambda self: any(self.book.held(a) for a in RISKY))
    @rule(
        nearest=st.booleans(),
        bps=st.integers(1, 500),
        fraction=st.integers(10, 90),
        order=st.permutations(range(ACTORS)),
        gap=gaps,
    )
    def crash_beyond_the_fund(self, nearest, bps, fraction, order, gap):
        """A crash the fund does not absorb: the guardian pauses the fund's COVER, the price of a
        position closest to liquidation moves up to 5% past its bankruptcy price, the keeper takes what
        its IM allows and the liquidator the rest, in parts, and then every account withdraws what its
        margin frees in a random order (ENG-07, ENG-08)."""
        self._pause_cover(3 * HOUR, self.now + gap)
        if not self._to_liquidation(nearest, "insolvent", bps, 1):
            return
        for _ in range(4):
            if not self.model.liquidatable():
                break
            self._liquidate_one(0, True, fraction, False, self.now + 1, True)
        if any(self.book.shared):
            self._exits(order, 1)

    def _to_liquidation(self, nearest: bool, depth: str, bps: int, gap: int) -> bool:
        """price_moves_to_liquidation's move; False if there was none to make."""
        model = self.model
        distances = []
        for a in RISKY:
            for m in self.book.held(a):
                liquidation, bankruptcy = model.liquidation_prices(a, m)
                price = model.feeds[m].price
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
        """Up to 15 minutes; or to the second before `market`'s price is (`last_live`) in its last live
        second or its first stale one, so the next transaction a second later is on the edge; or up to
        an hour past maxStaleness of the fresher price: both go stale."""
        feeds = self.model.feeds
        if span == "edge":
            edge = feeds[market].updated_at + MAX_STALENESS - (1 if last_live else 0)
            if edge <= self.now:
                return
            self.now = edge
        elif span == "stale":
            freshest = max(f.updated_at for f in feeds)
            self.now = max(self.now, freshest + MAX_STALENESS) + 1 + seconds * 4
        else:
            self.now += seconds
        self.chain.warp(self.now)
        self.time_moved = True

    # ------------------------------------------------------------ invariants

    @invariant()
    def eng_01_the_books_balance(self):
        b, engine, scale = self.book, self.engine, self.scale
        balance = self.token.balanceOf(engine.address)
        assert balance == b.balance, ENG_01
        assert balance * scale == sum(b.cash) + b.all_fees() - sum(b.unsettled(m) for m in MARKETS), ENG_01
        for a in sorted(self.cash_due):
            assert engine.cash(self.actors[a]) == b.cash[a], ENG_01
        if self.fees_due:  # the shared pool, ISO's own fees, and both funds' balances
            pools = (engine.fees(), engine.market(ISO).fees, *self._fund_balances())
            assert pools == (b.fees, b.market_fees[ISO], *b.fund_balances), ENG_01
        self.cash_due.clear()
        self.fees_due = False

    @invariant()
    def eng_02_sizes_sum_to_zero(self):
        b, engine, model = self.book, self.engine, self.model
        for m in MARKETS:
            assert sum(p[m][0] for p in b.positions) == 0, ENG_02
            assert b.open_interest[m] == sum(max(p[m][0], 0) for p in b.positions), ENG_02
        due = sorted(self.positions_due)
        for a in due:
            for m in MARKETS:
                assert tuple(engine.position(self.actors[a], m)) == b.positions[a][m], ENG_02
        for m in sorted(self.markets_due):
            market = engine.market(m)
            assert market.openInterest == b.open_interest[m], ENG_02
            shared = (market.sharedLoss, market.recoveredLoss, market.lossShared)
            assert shared == (b.shared[m], b.recovered[m], b.shared[m] > 0), ENG_07
            modelled = [tuple(vars(side).values()) for side in b.losses[m]]
            assert [tuple(market.longs), tuple(market.shorts)] == modelled, ENG_07
            assert market.reduceOnly == b.reduce_only[m], ENG_07
            assert market.fees == b.market_fees[m], ENG_01
        # the margin figures too, where every price the account needs is live
        for a in due:
            if all(model.halt(m, self.now) is None for m in b.held(a)):
                assert chain_state(engine.accountState(self.actors[a])) == model.state(b, a), ENG_02
        self.positions_due.clear()
        self.markets_due.clear()

    @invariant()
    def eng_07_eng_08_every_loss_owned_and_every_claim_covered(self):
        """What each position owes matches the chain (ENG-07), and the token balance covers every
        account's settled cash and the fees at once, whatever order they withdraw in (ENG-08)."""
        b = self.book
        owed = [[b.owed(a, m) for m in MARKETS] for a in range(ACTORS)]
        assert b.balance * self.scale >= sum(b.cash) + b.all_fees() - sum(map(sum, owed)), ENG_08
        for m in MARKETS:  # rounding up: positions owe at least what is unsettled
            assert sum(owed[a][m] for a in range(ACTORS)) >= b.unsettled(m), ENG_08
        if any(b.shared):
            for a in sorted(self.owed_due):
                for m in MARKETS:
                    assert self.engine.lossOwed(self.actors[a], m) == owed[a][m], ENG_07
        self.owed_due.clear()

    @invariant()
    def eng_09_a_step_changes_only_the_subaccounts_it_names(self):
        """After a step that sent engine transactions: every actor they did not name has the cash and
        positions the previous step left it, on chain and in the model, and (its prices live) the chain's
        equity, collateral, MM and IM are the model's of those same holdings: they moved only by the
        prices of markets it holds and by what it owes of those markets' shared losses."""
        b, engine, model = self.book, self.engine, self.model
        kept = self._kept(b)
        if self.named is not None:
            for a in range(ACTORS):
                if a in self.named:
                    continue
                actor = self.actors[a]
                assert kept[a] == self.last[a], ENG_09
                assert engine.cash(actor) == b.cash[a], ENG_09
                assert tuple(tuple(engine.position(actor, m)) for m in MARKETS) == kept[a][1], ENG_09
                if all(model.halt(m, self.now) is None for m in b.held(a)):
                    assert chain_state(engine.accountState(actor)) == model.state(b, a), ENG_09
                for m in MARKETS:
                    assert b.owed(a, m) == 0 or m in b.held(a), ENG_09
        self.last = kept
        self.named = None

    @invariant()
    def eng_10_an_isolated_market_is_held_alone(self):
        """No actor holds ISO together with another market (the model's holdings, which ENG-02 and
        ENG-09 compare with the chain's)."""
        for a in range(ACTORS):
            held = self.book.held(a)
            assert ISO not in held or held == [ISO], ENG_10

    @invariant()
    def eng_03_eng_04_liquidations_only_below_maintenance_and_never_lower_the_ratio(self):
        for before, after in self.liquidations:
            assert before.equity < before.maintenance_margin, ENG_03
            kept = keeps_margin_ratio(
                before.equity, before.maintenance_margin, after.equity, after.maintenance_margin
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
        model = self.model
        poked = sorted(self.poked)
        for m in list(MARKETS) if self.time_moved else poked:
            f = model.feeds[m]
            assert tuple(self.oracles[m].latest()) == (f.price, f.updated_at, model.status(m, self.now)), (
                ENG_06
            )
        for m in poked:
            assert self.oracles[m].annualisedVolatility() == model.feeds[m].volatility(), ENG_06
            if model.status(m, self.now) == OK:
                assert self.engine.mmr(m) == model.rates[m], ENG_05
        self.poked.clear()
        self.time_moved = False
