"""Stateful fuzzing of MedianOracle: a "true" price drifts and jumps, time passes, and five reporters
report honestly or misbehave (out-of-bounds prices, late or future observations, replays, duplicates,
too few reports); a keeper pokes and consumers read at the staleness edge. A pure-Python model, updated
only on success, predicts every poke down to the first failing report's custom error and its inputs, and
mirrors the median, updatedAt (oldest accepted observedAt capped at the block time), the breaker
(served price, candidate, candidateAt, trippedAt, confirmDelay) and each reporter's last accepted
observedAt. ORA-01..ORA-04 are checked after every step.

Cost: a reverted poke costs Ape far more than an accepted one (it is mined, traced and decoded), so
honest pokes get their own rules, every way to misbehave shares one, and a run rejects at most
MAX_REJECTED batches (Hypothesis's swarm testing may otherwise draw little else); storage is re-read
only after a step that poked, the time-dependent views every step."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bulwark.invariants import ORA_01, ORA_02, ORA_03, ORA_04
from bulwark.reports import WAD
from tests.helpers import event, reverts, view_reverts
from tests.unit.oracle.conftest import (  # noqa: F401  (`oracle` is a fixture this test requests)
    CONFIG,
    EMPTY,
    OK,
    REPORTERS,
    STALE,
    TRIPPED,
    OracleHelper,
    oracle,
    usd,
)

HOUR = 3600
MAX_REJECTED = 4  # rejected pokes per run: each costs Ape ~0.4 s, an accepted one ~0.07 s
MISBEHAVIOUR = ("bad_price", "late", "future", "replay", "duplicate", "silent")


def median(prices: list[int]) -> int:
    """Median.ofInPlace: the middle price; for an even count the floor of the two middle ones' mean."""
    s = sorted(prices)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) // 2


def within(price: int, reference: int) -> bool:
    """MedianOracle._within: relative deviation, rounded up, at most maxDeviation."""
    move = abs(price - reference)
    deviation = -(-move * WAD // reference)
    return deviation <= CONFIG.maxDeviation


def clamp(price: int) -> int:
    return min(max(price, CONFIG.minPrice), CONFIG.maxPrice)


def test_oracle_state_machine(oracle, chain, stranger):  # noqa: F811
    """ORA-01..ORA-04 hold after every step of random honest and dishonest reporting, price moves and
    time jumps; every poke's outcome matches the model exactly."""
    helper = OracleHelper(oracle, chain, stranger)
    addresses = helper.reporters  # sorted: index order is the order poke requires
    registered = helper.last_observed()  # setReporter stamps each reporter with its block time
    signatures: dict[tuple[int, int, int], tuple] = {}  # same oracle in every example: sign once

    def signed(index: int, price: int, observed_at: int) -> tuple:
        key = (index, price, observed_at)
        if key not in signatures:
            signatures[key] = helper.sign(index, price, observed_at).report.as_arg()
        return signatures[key]

    class OracleMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp  # every transaction and mined block is later
            self.true_price = usd(2000)
            # per reporter: last accepted observedAt, and the window valid when it was accepted
            self.last = list(registered)
            self.window: list[tuple[int, int] | None] = [None] * REPORTERS
            # served price: price, updatedAt, rounds; ORA-01 range of the poke that last served
            self.price, self.updated_at, self.rounds = 0, 0, 0
            self.served_range: tuple[int, int] | None = None
            # breaker: candidate, candidateAt, trippedAt (0 = clear)
            self.candidate, self.candidate_at, self.tripped_at = 0, 0, 0
            self.last_batch: list[tuple[int, int, int]] = []
            self.poked = True  # storage may differ from the last check
            self.rejected = 0

        def teardown(self):
            chain.restore(self.snapshot)

        # ------------------------------------------------------------ model

        def _honest(self, indices, noise, lags, at) -> list[tuple[int, int, int]]:
            """(reporter, price, observedAt) near the true price, inside the window, newer than last."""
            entries = []
            for i in sorted(indices):
                price = clamp(self.true_price * (10_000 + noise[i]) // 10_000)
                entries.append((i, price, max(self.last[i] + 1, at - lags[i])))
            return entries

        def _expected_error(self, entries, at):
            """The first rule the batch breaks, in the contract's order, as (error, inputs); or None."""
            if len(entries) < CONFIG.quorum:
                return oracle.MedianOracleQuorumNotMet, {"reports": len(entries), "quorum": CONFIG.quorum}
            oldest, newest = max(at - CONFIG.maxReportAge, 0), at + CONFIG.maxFutureSkew
            previous = None
            for i, price, observed_at in entries:
                reporter = addresses[i]
                if previous == i:
                    return oracle.MedianOracleDuplicateReporter, {"reporter": reporter}
                if observed_at < oldest:
                    inputs = {"reporter": reporter, "observedAt": observed_at, "oldestAllowed": oldest}
                    return oracle.MedianOracleReportTooOld, inputs
                if observed_at > newest:
                    inputs = {"reporter": reporter, "observedAt": observed_at, "latestAllowed": newest}
                    return oracle.MedianOracleReportFromFuture, inputs
                if observed_at <= self.last[i]:
                    inputs = {"reporter": reporter, "observedAt": observed_at, "lastAccepted": self.last[i]}
                    return oracle.MedianOracleReportReplayed, inputs
                if not CONFIG.minPrice <= price <= CONFIG.maxPrice:
                    inputs = {
                        "reporter": reporter,
                        "price": price,
                        "minPrice": CONFIG.minPrice,
                        "maxPrice": CONFIG.maxPrice,
                    }
                    return oracle.MedianOraclePriceOutOfBounds, inputs
                previous = i
            return None

        def _poke(self, entries, at):
            """Poke `entries` in a block at `at`: assert the predicted failure, or the predicted effect."""
            assert at > self.now
            self.now = at  # a reverted transaction is mined too; either way `at` is spent
            self.poked = True
            batch = [signed(i, p, t) for i, p, t in entries]
            expected = self._expected_error(entries, at)
            helper.at(at)
            if expected is not None:
                error, inputs = expected
                with reverts(error, **inputs):
                    oracle.poke(batch, sender=helper.keeper)
                self.rejected += 1
                return
            receipt = oracle.poke(batch, sender=helper.keeper)
            prices = [p for _, p, _ in entries]
            value = median(prices)
            updated_at = min([at] + [t for _, _, t in entries])
            for i, _, t in entries:
                self.last[i] = t
                self.window[i] = (at - CONFIG.maxReportAge, at + CONFIG.maxFutureSkew)
            self.last_batch = list(entries)
            if self._settle(value, updated_at, at):
                self.served_range = (min(prices), max(prices))
                updated = event(receipt, "PriceUpdated")
                # each reporter counted once: as many reports as distinct reporters
                assert updated.reports == len({i for i, _, _ in entries}) == len(entries), ORA_03
                assert (updated.price, updated.updatedAt) == (value, updated_at)

        def _settle(self, value, updated_at, at) -> bool:
            """MedianOracle._settle; True if the median was served."""
            if self.rounds == 0 or (self.tripped_at == 0 and within(value, self.price)):
                return self._serve(value, updated_at)
            if self.tripped_at == 0:
                self.candidate, self.candidate_at, self.tripped_at = value, updated_at, at
                return False
            near_candidate = within(value, self.candidate)
            if within(value, self.price) or (near_candidate and at >= self.tripped_at + CONFIG.confirmDelay):
                self.candidate, self.candidate_at, self.tripped_at = 0, 0, 0
                return self._serve(value, updated_at)
            tripped_at = self.tripped_at if near_candidate else at
            self.candidate, self.candidate_at, self.tripped_at = value, updated_at, tripped_at
            return False

        def _serve(self, value, updated_at) -> bool:
            self.price, self.updated_at, self.rounds = value, updated_at, self.rounds + 1
            return True

        # ------------------------------------------------------------ rules

        @initialize(served=st.booleans())
        def maybe_a_first_price(self, served):
            """Half the runs start with a served price, so the breaker sees more action."""
            if served:
                at = self.now + 10
                self._poke([(i, self.true_price, at) for i in range(REPORTERS)], at)

        @rule(seconds=st.integers(1, 2 * HOUR))
        def time_passes(self, seconds):
            self.now += seconds
            chain.mine(timestamp=self.now)

        @rule(
            large=st.booleans(),
            up=st.booleans(),
            small_bps=st.integers(0, 500),
            large_bps=st.integers(1_500, 6_000),
        )
        def true_price_moves(self, large, up, small_bps, large_bps):
            """Small drifts stay within maxDeviation (10%); large jumps trip the breaker."""
            bps = large_bps if large else small_bps
            self.true_price = clamp(self.true_price * (10_000 + (bps if up else -bps)) // 10_000)

        @rule(
            indices=st.sets(st.integers(0, REPORTERS - 1), min_size=CONFIG.quorum),
            noise=st.lists(st.integers(-30, 30), min_size=REPORTERS, max_size=REPORTERS),
            lags=st.lists(st.integers(-CONFIG.maxFutureSkew, 600), min_size=REPORTERS, max_size=REPORTERS),
            gap=st.integers(1, 900),
            ahead=st.booleans(),
        )
        def reporters_report_honestly(self, indices, noise, lags, gap, ahead=False):
            """`ahead`: every clock runs 1..maxFutureSkew s fast, so updatedAt is capped at block time."""
            if ahead:
                lags = [-1 - abs(lag) % CONFIG.maxFutureSkew for lag in lags]
            at = self.now + gap
            self._poke(self._honest(indices, noise, lags, at), at)

        @rule(
            up=st.booleans(),
            bps=st.integers(1_500, 6_000),
            indices=st.sets(st.integers(0, REPORTERS - 1), min_size=CONFIG.quorum),
            noise=st.lists(st.integers(-30, 30), min_size=REPORTERS, max_size=REPORTERS),
            gap=st.integers(1, 900),
        )
        def true_price_jumps_and_is_reported(self, up, bps, indices, noise, gap):
            """A large jump, reported at once: trips the breaker, or moves its candidate."""
            self.true_price_moves(True, up, 0, bps)
            self.reporters_report_honestly(indices, noise, [0] * REPORTERS, gap)

        @precondition(lambda self: self.tripped_at != 0)
        @rule(
            indices=st.sets(st.integers(0, REPORTERS - 1), min_size=CONFIG.quorum),
            noise=st.lists(st.integers(-30, 30), min_size=REPORTERS, max_size=REPORTERS),
            gap=st.integers(1, 900),
        )
        def true_price_reverts_to_the_served_one_and_is_reported(self, indices, noise, gap):
            """The move reverts: honest reports near the served price clear the breaker."""
            self.true_price = self.price
            self.reporters_report_honestly(indices, noise, [0] * REPORTERS, gap)

        @rule(
            kind=st.sampled_from(MISBEHAVIOUR),
            indices=st.sets(st.integers(0, REPORTERS - 1), min_size=CONFIG.quorum),
            noise=st.lists(st.integers(-30, 30), min_size=REPORTERS, max_size=REPORTERS),
            lags=st.lists(st.integers(0, 300), min_size=REPORTERS, max_size=REPORTERS),
            gap=st.integers(1, 300),
            position=st.integers(0, REPORTERS - 1),
            amount=st.integers(1, 2 * HOUR),
            variant=st.booleans(),
        )
        def reporters_misbehave(self, kind, indices, noise, lags, gap, position, amount, variant):
            """One report (or the batch) breaks one rule; the whole batch is rejected."""
            if self.rejected >= MAX_REJECTED:
                return  # the runtime bound: this run has seen enough rejected batches
            at = self.now + gap
            entries = self._honest(indices, noise, lags, at)
            k = position % len(entries)
            i, price, observed_at = entries[k]
            if kind == "bad_price":
                price = (
                    CONFIG.minPrice - min(amount, CONFIG.minPrice) if variant else CONFIG.maxPrice + amount
                )
                entries[k] = (i, price, observed_at)
            elif kind == "late":
                entries[k] = (i, price, max(at - CONFIG.maxReportAge - amount, 0))
            elif kind == "future":
                entries[k] = (i, price, at + CONFIG.maxFutureSkew + amount)
            elif kind == "replay":
                if variant and self.last_batch:
                    entries = list(self.last_batch)  # the last accepted batch, resubmitted as is
                else:  # the most recent reporter's report, no newer than its last accepted one
                    k = max(range(len(entries)), key=lambda n: self.last[entries[n][0]])
                    i, price, _ = entries[k]
                    replayed = self.last[i] - amount % 120
                    entries[k] = (
                        i,
                        price,
                        replayed if replayed >= at - CONFIG.maxReportAge else self.last[i],
                    )
            elif kind == "duplicate":
                twin = (i, price, observed_at + 1) if variant else (i, price, observed_at)
                entries.insert(k + 1, twin)
            else:  # silent: fewer than quorum report
                entries = entries[: amount % CONFIG.quorum]
            self._poke(entries, at)

        @rule(delta=st.integers(-1, 1))
        def consumer_reads_at_the_staleness_edge(self, delta):
            """Move to exactly maxStaleness (+-1 s) after updatedAt, if that is ahead; reads are checked
            by the invariants at the new head."""
            edge = self.updated_at + CONFIG.maxStaleness + delta
            if self.rounds == 0 or edge <= self.now:
                return
            self.now = edge
            chain.mine(timestamp=edge)

        # ------------------------------------------------------------ invariants

        @invariant()
        def ora_01_served_price_lies_within_its_pokes_reports(self):
            price, updated_at, _ = oracle.latest()
            assert (price, updated_at) == (self.price, self.updated_at), ORA_01
            if self.served_range is not None:
                low, high = self.served_range
                assert low <= price <= high, ORA_01

        @invariant()
        def ora_02_ora_03_last_observations_match_the_model(self):
            if not self.poked:
                return
            self.poked = False
            tripped = self.tripped_at != 0
            assert tuple(oracle.breaker()) == (tripped, self.candidate, self.candidate_at, self.tripped_at)
            for i, reporter in enumerate(addresses):
                observed = oracle.lastObservedAt(reporter)
                assert observed == self.last[i], ORA_03
                if self.window[i] is not None:
                    low, high = self.window[i]
                    assert low <= observed <= high, ORA_02

        @invariant()
        def ora_04_read_never_serves_a_stale_price(self):
            head = chain.blocks.head.timestamp
            if self.rounds == 0:
                view_reverts(oracle.MedianOracleNoPrice, oracle.read)
                status = EMPTY
            elif self.tripped_at != 0:
                inputs = {"candidate": self.candidate, "trippedAt": self.tripped_at}
                view_reverts(oracle.MedianOracleTripped, oracle.read, **inputs)
                status = TRIPPED
            elif head - self.updated_at > CONFIG.maxStaleness:
                age = head - self.updated_at
                view_reverts(oracle.MedianOracleStale, oracle.read, age=age, maxStaleness=CONFIG.maxStaleness)
                status = STALE
            else:
                price, updated_at = oracle.read()
                assert head - updated_at <= CONFIG.maxStaleness, ORA_04
                assert (price, updated_at) == (self.price, self.updated_at), ORA_04
                status = OK
            assert oracle.latest()[2] == status, ORA_04

    run_state_machine_as_test(OracleMachine)
