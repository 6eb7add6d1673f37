"""MedianOracle's rules in plain Python: its Config, the fault-tolerance rule (ORA-05), the median, the
breaker (ORA-07), the interval-sampled volatility (ORA-06) and the round history with its time-weighted
average. No I/O: the oracle state machine and the unit tests predict every outcome with it.

Integer arithmetic mirrors the contract's rounding exactly (OpenZeppelin's mulDiv rounds down unless
named; the breaker's deviation rounds up, against serving).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from bulwark.units import WAD, YEAR

MAX_REPORTERS = 32  # MedianOracle.MAX_REPORTERS
MAX_FUTURE_SKEW = 15 * 60  # MedianOracle.MAX_FUTURE_SKEW [s]
HISTORY = 32  # MedianOracle.HISTORY (RoundHistory ring)
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1


class OracleConfig(NamedTuple):
    """IMedianOracle.Config in field order (prices and deviation in WAD, times in seconds)."""

    quorum: int
    faultTolerance: int
    maxReportAge: int
    maxFutureSkew: int
    maxStaleness: int
    confirmDelay: int
    volatilityTau: int
    volatilityInterval: int
    maxDeviation: int
    minPrice: int
    maxPrice: int

    def config_valid(self) -> bool:
        """The bounds `_setConfig` checks on the config alone (MedianOracleInvalidConfig)."""
        return (
            1 <= self.quorum <= MAX_REPORTERS
            and 0 < self.maxReportAge < self.maxStaleness
            and self.maxFutureSkew <= MAX_FUTURE_SKEW
            and self.volatilityTau > 0
            and self.volatilityInterval > 0
            and self.maxDeviation > 0
            and 0 < self.minPrice <= self.maxPrice
        )


def local_config(**overrides) -> OracleConfig:
    """A config for tests and local runs: five reporters at quorum 3 tolerating one hostile key, reports
    up to 30 min old, stale after an hour, a 10% breaker confirmed after 10 min, volatility sampled every
    5 min with a one-day EWMA, prices in [1, 1e6]; any field can be overridden by name."""
    defaults = dict(
        quorum=3,
        faultTolerance=1,
        maxReportAge=1800,
        maxFutureSkew=60,
        maxStaleness=3600,
        confirmDelay=600,
        volatilityTau=86_400,
        volatilityInterval=300,
        maxDeviation=WAD // 10,
        minPrice=WAD,
        maxPrice=10**6 * WAD,
    )
    return OracleConfig(**{**defaults, **overrides})


def tolerates(quorum: int, fault_tolerance: int, reporters: int) -> bool:
    """ORA-05's rule: quorum >= 2f + 1, 2 quorum > reporters, reporters >= quorum + f."""
    return (
        quorum >= 2 * fault_tolerance + 1 and 2 * quorum > reporters and reporters >= quorum + fault_tolerance
    )


def largest_tolerance(reporters: int) -> tuple[int, int]:
    """(quorum, f) with the largest f that `reporters` reporters allow, and the smallest such quorum."""
    best = (reporters, 0)
    for f in range(reporters):
        q = max(2 * f + 1, reporters // 2 + 1)
        if tolerates(q, f, reporters):
            best = (q, f)
    return best


def median(prices: list[int]) -> int:
    """Median.ofInPlace: the middle value, or the floor of the mean of the two middle values."""
    ordered = sorted(prices)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) // 2


def deviation(price: int, reference: int) -> int:
    """|price - reference| / reference in WAD, rounded up (against serving)."""
    return -((-abs(price - reference) * WAD) // reference)


def within(price: int, reference: int, max_deviation: int) -> bool:
    return deviation(price, reference) <= max_deviation


def annualise(variance: int) -> int:
    """sqrt(var * 365 days) in WAD, rounded down (Math.sqrt)."""
    return math.isqrt(variance * YEAR * WAD)


@dataclass
class Volatility:
    """SampledVolatility.State and its update."""

    variance: int = 0  # [wad per s]
    price: int = 0  # [wad] last sample
    sampled_at: int = 0  # [unix s]

    def observe(self, price: int, updated_at: int, interval: int, tau: int) -> bool:
        if self.price == 0:
            self.price, self.sampled_at = price, updated_at
            return True
        if updated_at < self.sampled_at + interval:
            return False
        dt = updated_at - self.sampled_at
        r = abs(price - self.price) * WAD // self.price
        sample = (r * r // WAD) // dt
        v = self.variance
        v = v + (sample - v) * dt // (dt + tau) if sample >= v else v - (v - sample) * dt // (dt + tau)
        self.variance = min(v, UINT64_MAX)
        self.price, self.sampled_at = price, updated_at
        return True

    @staticmethod
    def one_sample_bound(r2: int, interval: int, tau: int) -> int:
        """The most one sample with squared return `r2` [wad] can add to the variance [wad per s]:
        r^2 / (interval + tau), rounded up (ORA-06)."""
        return -(-r2 // (interval + tau))


@dataclass(frozen=True)
class Round:
    round: int
    price: int
    updated_at: int
    served_at: int


def time_weighted(history: list[Round], now: int, window: int) -> int | None:
    """RoundHistory.timeWeighted over the last HISTORY rounds of `history` (oldest first): the average
    served price over [now - window, now], or None when the kept rounds do not cover the window."""
    start, end, total = now - window, now, 0
    for r in reversed(history[-HISTORY:]):
        total += r.price * (end - max(r.served_at, start))
        if r.served_at <= start:
            return total // window
        end = r.served_at
    return None


@dataclass
class OracleModel:
    """What a MedianOracle holds, updated only by accepted operations."""

    config: OracleConfig
    reporters: list[str]  # sorted ascending (lower-case hex compares as the contract's uint160)
    price: int = 0
    updated_at: int = 0
    round: int = 0
    epoch: int = 0
    tripped: bool = False
    candidate: int = 0
    candidate_at: int = 0
    tripped_at: int = 0
    level: int = 0
    level_since: int = 0
    volatility: Volatility = field(default_factory=Volatility)
    history: list[Round] = field(default_factory=list)
    suspended_until: dict[str, int] = field(default_factory=dict)

    @property
    def floor(self) -> int:
        """Reports observed before this never count: the last accepted update's updatedAt."""
        return self.candidate_at if self.tripped else self.updated_at

    def window(self, now: int) -> tuple[int, int]:
        """[oldest, newest] observedAt a report may carry in a poke at `now`."""
        oldest = max(now - self.config.maxReportAge, self.floor, 0)
        return oldest, min(now + self.config.maxFutureSkew, UINT32_MAX)

    def suspended(self, reporter: str, now: int) -> bool:
        return now < self.suspended_until.get(reporter.lower(), 0)

    def accept(self, prices: list[int], observed: list[int], now: int) -> str:
        """Apply an accepted poke; returns "serve", "trip", "hold" or "clear"."""
        m = median(prices)
        updated_at = min(min(observed), now)
        self.epoch += 1
        c = self.config
        if self.round == 0:
            self._serve(m, updated_at, now)
            return "serve"
        near_served = within(m, self.price, c.maxDeviation)
        if not self.tripped:
            if near_served:
                self._serve(m, updated_at, now)
                return "serve"
            self.tripped = True
            self.candidate, self.candidate_at = m, updated_at
            self.tripped_at = self.level_since = now
            self.level = m
            return "trip"
        near_level = within(m, self.level, c.maxDeviation)
        if near_served or (near_level and now >= self.level_since + c.confirmDelay):
            self._clear()
            self._serve(m, updated_at, now)
            return "clear"
        if not near_level:
            self.level, self.level_since = m, now
        self.candidate, self.candidate_at = m, updated_at
        return "hold"

    def clear_breaker(self, accept: bool, now: int) -> None:
        candidate, candidate_at = self.candidate, self.candidate_at
        self._clear()
        if accept:
            self._serve(candidate, candidate_at, now)

    def _clear(self) -> None:
        self.tripped = False
        self.candidate = self.candidate_at = self.tripped_at = self.level = self.level_since = 0

    def _serve(self, price: int, updated_at: int, now: int) -> None:
        c = self.config
        self.volatility.observe(price, updated_at, c.volatilityInterval, c.volatilityTau)
        self.price, self.updated_at, self.round = price, updated_at, self.round + 1
        self.history.append(Round(self.round, price, updated_at, now))

    def readable(self, now: int, read_paused: bool = False) -> bool:
        """Whether read() returns (ORA-04 and the breaker)."""
        return (
            self.round > 0
            and not self.tripped
            and not read_paused
            and now - self.updated_at <= self.config.maxStaleness
        )
