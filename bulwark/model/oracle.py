"""MedianOracle's rules in plain Python: its Config, the fault-tolerance rule (ORA-05), the median, the
breaker (ORA-07), the interval-sampled volatility (ORA-06) and the round history with its time-weighted
average. No I/O: the oracle state machine and the unit tests predict every outcome with it.

Integer arithmetic mirrors the contract's rounding exactly (OpenZeppelin's mulDiv rounds down unless
named; the breaker's deviation rounds up, against serving).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
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


def annualised_within_bound(before: int, after: int, r2: int, interval: int, tau: int) -> bool:
    """ORA-06 seen through annualisedVolatility alone (the variance is not exposed): from `before` to
    `after` (both annualised, WAD) one sample with squared return `r2` [wad] added at most
    r^2 / (interval + tau) to the variance. The variance behind `before` is at most the largest v with
    annualise(v) == before, so the test never fails a correct update."""
    most = ((before + 1) ** 2 - 1) // (YEAR * WAD)
    return after <= annualise(most + Volatility.one_sample_bound(r2, interval, tau))


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


# ---------------------------------------------------------------- what the oracle state machine predicts

REPORTERS = 5  # test reporters registered at deployment (local_config: quorum 3, one hostile key)
FEED_NAME = "ETH/USD"
DESCRIPTION = "ETH / USD"
OK, EMPTY, STALE, TRIPPED, PAUSED = range(5)  # IMedianOracle.Status
NOOP = "noop"  # a poke naming the epoch just accepted: no revert, no event, no state change


class Observation(NamedTuple):
    """One report of a batch as the oracle sees it: the address it recovers, the price and observedAt."""

    signer: str  # checksummed
    price: int
    observed_at: int


class Rejection(NamedTuple):
    """The custom error a transaction reverts with, and its arguments by name (addresses checksummed)."""

    error: str
    args: dict


class Expected(NamedTuple):
    """An accepted transaction's outcome ("serve", "trip", "hold", "clear", "guardian_clear", "suspend",
    "lift", "add", "remove") and its events, in emission order, as (name, args). `sample_ok`: ORA-06 held
    across it (sample_within_bound); `confirmed`: for a breaker confirmed at a new level, whether ORA-07's
    condition held (None for any other outcome)."""

    outcome: str
    events: list[tuple[str, dict]]
    sample_ok: bool = True
    confirmed: bool | None = None


@dataclass(frozen=True)
class Poke:
    """An accepted poke as ORA-01, ORA-02, ORA-05 and ORA-08 need it."""

    epoch: int
    at: int
    median: int
    low: int  # lowest and highest report (ORA-01)
    high: int
    honest_low: int  # lowest and highest honest report (ORA-05)
    honest_high: int
    hostile: int  # hostile reports in the batch
    oldest: int  # the window it was accepted in (ORA-02)
    newest: int
    observed: tuple[int, ...]
    suspended: bool  # a suspended reporter's report was in it (ORA-08: never)


def _key(address: str) -> int:
    return int(address, 16)


def sample_within_bound(before: Volatility, after: Volatility, interval: int, tau: int) -> bool:
    """ORA-06 between two volatility states: unchanged without a new sample; a first sample anchors the
    path (variance 0); a later one comes at least `interval` after the previous and adds at most
    r^2 / (interval + tau)."""
    if (after.price, after.sampled_at) == (before.price, before.sampled_at):
        return after.variance == before.variance
    if before.price == 0:
        return after.variance == before.variance == 0
    if after.sampled_at < before.sampled_at + interval:
        return False
    r = abs(after.price - before.price) * WAD // before.price
    return after.variance - before.variance <= Volatility.one_sample_bound(r * r // WAD, interval, tau)


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
    # what the invariants need beyond the contract's state (kept by `poke` and `clear`)
    served_poke: Poke | None = None  # the poke whose median is served
    held_poke: Poke | None = None  # the poke whose median is the candidate
    last_poke: Poke | None = None
    since_level: list[int] = field(default_factory=list)  # medians held since the level was set
    confirmations: int = 0  # levels served after confirmDelay (a tally)

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

    def status(self, now: int) -> int:
        """latest()'s status (READ is never paused here)."""
        if self.round == 0:
            return EMPTY
        if self.tripped:
            return TRIPPED
        return STALE if now - self.updated_at > self.config.maxStaleness else OK

    # --- predictions: the custom error a transaction reverts with (None: it is accepted) -------------
    def poke_rejection(self, epoch: int, reports: Sequence[Observation], now: int) -> Rejection | str | None:
        """The first rule `poke(epoch, reports)` at `now` breaks, in the contract's order; NOOP for the
        epoch just accepted; None if it is accepted."""
        c = self.config
        if epoch != self.epoch + 1:
            if epoch == self.epoch and epoch != 0:
                return NOOP
            return Rejection("MedianOracleWrongEpoch", {"epoch": epoch, "expected": self.epoch + 1})
        if len(reports) < c.quorum:
            return Rejection("MedianOracleQuorumNotMet", {"reports": len(reports), "quorum": c.quorum})
        oldest, newest = self.window(now)
        previous = None
        for r in reports:
            reporter = r.signer
            if previous is not None and _key(reporter) <= _key(previous):
                if _key(reporter) == _key(previous):
                    return Rejection("MedianOracleDuplicateReporter", {"reporter": reporter})
                return Rejection(
                    "MedianOracleReportersNotAscending", {"previous": previous, "reporter": reporter}
                )
            if reporter.lower() not in self.reporters:
                return Rejection("MedianOracleNotReporter", {"signer": reporter})
            if self.suspended(reporter, now):
                until = self.suspended_until[reporter.lower()]
                return Rejection(
                    "MedianOracleReporterSuspended", {"reporter": reporter, "suspendedUntil": until}
                )
            if r.observed_at < oldest:
                args = {"reporter": reporter, "observedAt": r.observed_at, "oldestAllowed": oldest}
                return Rejection("MedianOracleReportTooOld", args)
            if r.observed_at > newest:
                args = {"reporter": reporter, "observedAt": r.observed_at, "latestAllowed": newest}
                return Rejection("MedianOracleReportFromFuture", args)
            if not c.minPrice <= r.price <= c.maxPrice:
                args = {
                    "reporter": reporter,
                    "price": r.price,
                    "minPrice": c.minPrice,
                    "maxPrice": c.maxPrice,
                }
                return Rejection("MedianOraclePriceOutOfBounds", args)
            previous = reporter
        return None

    def suspend_rejection(self, reporter: str, until: int, now: int) -> Rejection | None:
        """suspendReporter(reporter, until) at `now`: a member only, and the unsuspended reporters (running
        suspensions counted, this one included) must still reach quorum."""
        if reporter.lower() not in self.reporters:
            return Rejection("MedianOracleReporterMembership", {"reporter": reporter, "isReporter": False})
        running = sum(
            (until if r == reporter.lower() else self.suspended_until.get(r, 0)) > now for r in self.reporters
        )
        unsuspended = len(self.reporters) - running
        if unsuspended < self.config.quorum:
            args = {"reporter": reporter, "unsuspended": unsuspended, "quorum": self.config.quorum}
            return Rejection("MedianOracleSuspensionBreaksQuorum", args)
        return None

    def membership_rejection(self, reporter: str, authorised: bool, now: int) -> Rejection | None:
        """setReporter(reporter, authorised) at `now`: a change of membership, the fault-tolerance rule,
        then the unsuspended quorum (a removed reporter's suspension ends with it)."""
        c, address = self.config, reporter.lower()
        member = address in self.reporters
        if member == authorised:
            return Rejection("MedianOracleReporterMembership", {"reporter": reporter, "isReporter": member})
        if authorised and len(self.reporters) == MAX_REPORTERS:
            return Rejection("MedianOracleTooManyReporters", {"maxReporters": MAX_REPORTERS})
        after = [*self.reporters, address] if authorised else [r for r in self.reporters if r != address]
        if not tolerates(c.quorum, c.faultTolerance, len(after)):
            args = {"quorum": c.quorum, "faultTolerance": c.faultTolerance, "reporters": len(after)}
            return Rejection("MedianOracleFaultToleranceViolated", args)
        unsuspended = sum(self.suspended_until.get(r, 0) <= now for r in after)
        if unsuspended < c.quorum:
            args = {"reporter": reporter, "unsuspended": unsuspended, "quorum": c.quorum}
            return Rejection("MedianOracleSuspensionBreaksQuorum", args)
        return None

    def clear_rejection(self) -> Rejection | None:
        return None if self.tripped else Rejection("MedianOracleNotTripped", {})

    def read_rejection(self, now: int) -> Rejection | None:
        """Why read() (and latestRoundData, twap) reverts at `now`, if it does (ORA-04)."""
        if self.round == 0:
            return Rejection("MedianOracleNoPrice", {})
        if self.tripped:
            return Rejection(
                "MedianOracleTripped", {"candidate": self.candidate, "trippedAt": self.tripped_at}
            )
        age = now - self.updated_at
        if age > self.config.maxStaleness:
            return Rejection("MedianOracleStale", {"age": age, "maxStaleness": self.config.maxStaleness})
        return None

    def twap(self, window: int, now: int) -> int | Rejection:
        """twap(window) at `now`: the time-weighted average of the kept rounds, or its revert."""
        rejection = self.read_rejection(now)
        if rejection is not None:
            return rejection
        average = time_weighted(self.history, now, window) if window else None
        if average is None:
            covered = now - self.history[-HISTORY:][0].served_at if window else 0
            return Rejection("MedianOracleHistoryTooShort", {"window": window, "covered": covered})
        return average

    def round_data(self, round_id: int, now: int) -> tuple | Rejection:
        """getRoundData(round_id) at `now`: the latest round with read()'s checks, an older kept one as
        recorded, any other round MedianOracleRoundUnavailable."""
        if round_id == self.round and round_id != 0:
            rejection = self.read_rejection(now)
            return rejection or (round_id, self.price, self.updated_at, self.updated_at, round_id)
        if 0 < round_id < self.round and self.round - round_id < HISTORY:
            r = self.history[round_id - 1]
            return (round_id, r.price, r.updated_at, r.updated_at, round_id)
        oldest = self.round - HISTORY + 1 if self.round > HISTORY else min(self.round, 1)
        args = {"roundId": round_id, "oldestRound": oldest, "latestRound": self.round}
        return Rejection("MedianOracleRoundUnavailable", args)

    # --- accepted transactions: apply them, and what they emit -----------------------------------------
    def poke(
        self, epoch: int, reports: Sequence[Observation], now: int, hostile: Collection[str] = ()
    ) -> Expected:
        """Apply an accepted poke (poke_rejection returned None); `hostile`: the hostile signers."""
        c = self.config
        prices = [r.price for r in reports]
        observed = tuple(r.observed_at for r in reports)
        honest = [r.price for r in reports if r.signer not in hostile] or [0]
        oldest, newest = self.window(now)
        suspended = any(self.suspended(r.signer, now) for r in reports)
        served_before, level_before, since_before = self.price, self.level, self.level_since
        volatility_before, since_level = replace(self.volatility), list(self.since_level)
        outcome = self.accept(prices, list(observed), now)
        value, updated_at = median(prices), min(*observed, now)
        record = Poke(
            epoch,
            now,
            value,
            min(prices),
            max(prices),
            min(honest),
            max(honest),
            len(prices) - len(honest),
            oldest,
            newest,
            observed,
            suspended,
        )
        self.last_poke = record
        events: list[tuple[str, dict]] = []
        confirmed = None
        if outcome in ("serve", "clear"):
            self.served_poke, self.held_poke = record, None
            # each reporter counted once, in the epoch its reports name (ORA-03)
            reporters = len({r.signer for r in reports})
            volatility = annualise(self.volatility.variance)
            events.append(
                (
                    "PriceUpdated",
                    {
                        "round": self.round,
                        "price": value,
                        "updatedAt": updated_at,
                        "reports": reporters,
                        "annualisedVolatility": volatility,
                        "epoch": epoch,
                    },
                )
            )
            sample_ok = sample_within_bound(
                volatility_before, self.volatility, c.volatilityInterval, c.volatilityTau
            )
            if outcome == "clear":
                events.append(
                    ("BreakerCleared", {"price": value, "updatedAt": updated_at, "byGuardian": False})
                )
                if not within(value, served_before, c.maxDeviation):  # confirmed at the level, not reverted
                    confirmed = (
                        level_before != 0
                        and now >= since_before + c.confirmDelay
                        and all(within(p, level_before, c.maxDeviation) for p in [*since_level, value])
                    )
                    self.confirmations += 1
                self.since_level = []
        else:
            sample_ok = volatility_before == self.volatility  # held: no sample
            self.held_poke = record
            if outcome == "trip":
                deviation_ = deviation(value, served_before)
                events.append(
                    (
                        "BreakerTripped",
                        {
                            "servedPrice": served_before,
                            "candidate": value,
                            "deviation": deviation_,
                            "trippedAt": now,
                            "epoch": epoch,
                        },
                    )
                )
            else:
                events.append(
                    (
                        "BreakerCandidateUpdated",
                        {
                            "candidate": value,
                            "level": self.level,
                            "levelSince": self.level_since,
                            "epoch": epoch,
                        },
                    )
                )
            if self.level_since != since_before or self.level != level_before:
                self.since_level = []  # a new level: the wait restarts
            self.since_level.append(value)
        return Expected(outcome, events, sample_ok, confirmed)

    def clear(self, accept: bool, now: int) -> Expected:
        """Apply the guardian's clearBreaker(accept): serve the held candidate, or keep the served price."""
        c = self.config
        volatility_before = replace(self.volatility)
        candidate, candidate_at = self.candidate, self.candidate_at
        self.clear_breaker(accept, now)
        events: list[tuple[str, dict]] = []
        if accept:
            # epoch: the last accepted update, here the last held poke's
            volatility = annualise(self.volatility.variance)
            events.append(
                (
                    "PriceUpdated",
                    {
                        "round": self.round,
                        "price": candidate,
                        "updatedAt": candidate_at,
                        "reports": 0,
                        "annualisedVolatility": volatility,
                        "epoch": self.epoch,
                    },
                )
            )
            self.served_poke = self.held_poke
        events.append(
            ("BreakerCleared", {"price": self.price, "updatedAt": self.updated_at, "byGuardian": True})
        )
        self.held_poke, self.since_level = None, []
        sample_ok = sample_within_bound(
            volatility_before, self.volatility, c.volatilityInterval, c.volatilityTau
        )
        return Expected("guardian_clear", events, sample_ok)

    def suspend(self, reporter: str, until: int, now: int) -> Expected:
        """Apply an accepted suspendReporter (an `until` not after `now` lifts)."""
        self.suspended_until[reporter.lower()] = until
        return Expected(
            "suspend" if until > now else "lift",
            [("ReporterSuspended", {"reporter": reporter, "until": until})],
        )

    def set_reporter(self, reporter: str, authorised: bool) -> Expected:
        """Apply an accepted setReporter; ReporterUpdated names the reporter's slot in the table with it."""
        address = reporter.lower()
        index = sorted({*self.reporters, address}, key=_key).index(address)
        if authorised:
            self.reporters = sorted([*self.reporters, address], key=_key)
        else:
            self.reporters = [r for r in self.reporters if r != address]
            self.suspended_until.pop(address, None)  # the suspension ends with the membership
        args = {"reporter": reporter, "isReporter": authorised, "index": index}
        return Expected("add" if authorised else "remove", [("ReporterUpdated", args)])
