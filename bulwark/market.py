"""Acting on a local suite at explicit block times: signed price pokes, deposits, fills, account reads.

Used by the crash demo; every transaction lands at a time the caller chose (`Clock`), and every price
comes from the suite's reporters signing EIP-712 reports that anyone relays with `poke`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bulwark.dryrun import Revert, view
from bulwark.model.engine import AccountState
from bulwark.signing.reports import relay

BREAKER_EVENTS = ("BreakerCleared", "BreakerTripped", "BreakerCandidateUpdated")


class Clock:
    """Explicit block times, shown relative to the start of the walk."""

    def __init__(self, chain):
        self.chain = chain
        self.start = chain.blocks.head.timestamp
        self.next_at = self.start

    @property
    def now(self) -> int:
        return self.chain.blocks.head.timestamp

    def tick(self, seconds: int = 1) -> int:
        """The next transaction lands `seconds` after the latest block (or the last planned time)."""
        self.next_at = max(self.next_at, self.now) + seconds
        self.chain.pending_timestamp = self.next_at
        return self.next_at

    def mine_at(self, timestamp: int) -> None:
        """Mine an empty block at `timestamp`, so views see that time."""
        self.chain.mine(timestamp=timestamp)
        self.next_at = timestamp

    def label(self, timestamp: int | None = None) -> str:
        elapsed = (self.now if timestamp is None else timestamp) - self.start
        days, rest = divmod(elapsed, 86_400)
        hours, rest = divmod(rest, 3600)
        text = f"T+{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        return f"T+{days}d {text[2:]}" if days else text


@dataclass
class Poke:
    market: str
    reports: list[int]  # the reported prices, ascending
    served: int | None  # the price served now (None while the breaker holds a candidate)
    event: str  # PriceUpdated, BreakerTripped, BreakerCandidateUpdated or BreakerCleared
    receipt: object


def reported_prices(price: int, count: int) -> list[int]:
    """`count` prices spread 5 bps apart, symmetric around `price`, so their median is exactly `price`."""
    return [price + (2 * i - (count - 1)) * price // 4000 for i in range(count)]


@dataclass
class Venue:
    """The suite as its users see it: reporters, an operator that relays fills and pokes, a clock."""

    project: object
    suite: object
    chain: object
    operator: object
    clock: Clock

    @property
    def engine(self):
        return self.suite.engine

    @property
    def unit(self) -> int:
        return 10**self.suite.plan.decimals

    def name(self, market: int) -> str:
        return self.suite.plan.markets[market].name

    def poke(self, market: int, price: int) -> Poke:
        """Every reporter signs `price` (with a small spread), observed at the poke's block time."""
        plan = self.suite.plan.markets[market]
        oracle = self.suite.oracles[market]
        at = self.clock.tick()
        prices = reported_prices(price, len(plan.reporter_keys))
        receipt = relay(
            oracle,
            plan.reporter_keys,
            prices,
            at,
            chain_id=self.chain.chain_id,
            feed=plan.feed_id,
            sender=self.operator,
        )
        names = {e.event_name for e in receipt.events}
        event = next((n for n in BREAKER_EVENTS if n in names), "PriceUpdated")
        served = oracle.latest()[0] if event in ("PriceUpdated", "BreakerCleared") else None
        return Poke(plan.name, sorted(prices), served, event, receipt)

    def onboard(self, account, tokens: int) -> None:
        """Mint `tokens` whole tokens of the (mock) collateral to `account`, approve the engine to pull
        them and the operator to fill for it."""
        token = self.suite.collateral
        token.mint(account, tokens * self.unit, sender=account)
        token.approve(self.engine, 2**256 - 1, sender=account)
        self.engine.setOperator(self.operator, True, sender=account)

    def deposit(self, account, tokens: int):
        self.clock.tick()
        return self.engine.deposit(tokens * self.unit, sender=account)

    def fill(self, maker, taker, market: int, size: int, price: int):
        """`taker` buys `size` (WAD base; negative sells) from `maker` at `price`, through the operator."""
        self.clock.tick()
        return self.engine.fill((maker, taker, market, size, price), sender=self.operator)

    def state(self, account) -> AccountState | None:
        """Equity, collateral, MM, IM at index prices; None while a price it needs is halted."""
        result = view(self.project, self.engine.accountState, account)
        return None if isinstance(result, Revert) else AccountState(*result)

    def index(self, market: int) -> int:
        return self.suite.oracles[market].latest()[0]


__all__ = ["Clock", "Poke", "Venue", "reported_prices"]
