"""Stateful fuzzing of MedianOracle against bulwark.model.oracle.OracleModel.

Actors. A true price drifts (within maxDeviation) and jumps (beyond it: the breaker trips, holds
candidates, walks or keeps its level, confirms it after confirmDelay, to the second, or clears when the
price returns); time passes. Honest reporters sign the current epoch with noise around the true price,
on time, late (observedAt anywhere in the allowed window) or with fast clocks (ahead by up to
maxFutureSkew, so updatedAt is capped at the block time), or stay silent. Up to f = faultTolerance
HOSTILE keys sign any price in [minPrice, maxPrice] (the extremes included). Relayers pick any subset of
at least quorum of the epoch's signed reports (hostile ones included), or collude with the hostile key
and take the honest reports that push the median furthest its way; a second relayer, front-run, lands
its own subset of the same epoch (a silent no-op). Relayers hold leftovers: reports signed for an epoch
that was then accepted (the epoch just accepted: a no-op, no revert, no state change; an older one:
MedianOracleWrongEpoch), a report signed for another epoch slipped into a current batch (it recovers a
stranger), and late reports for the current epoch observed before the last accepted update
(MedianOracleReportTooOld at max(now - maxReportAge, floor)). Rapid pokes: bursts of honest served
updates a few seconds apart. Misbehaviour: too few reports, out-of-range prices, too old, from the
future, duplicates, unsorted, non-members, suspended reporters. The guardian EOA suspends reporters (or
lifts them; leaving fewer than quorum unsuspended reverts), removes and re-adds reporters (5 -> 4 -> 5,
the sixth key too; 4 -> 3 and 5 -> 6 revert under the fault-tolerance rule, a removal that leaves fewer
than quorum unsuspended reverts too; a removal ends a suspension; a re-added reporter's earlier reports
name passed epochs), and clears the breaker (serving the candidate or keeping the price); a suspended
reporter reports a second before and at the end of its suspension. Consumers read at the staleness
edge.

Every transaction is predicted by the model, updated only on success: an accepted poke's outcome
(serve, trip, hold, clear) and its events, or the custom error of the first rule the batch breaks, with
its inputs, in the contract's order. After every step: ORA-01 (served price within its poke's reports),
ORA-02 (the accepted observations inside their window; the floor), ORA-03 (epochs; reports count once),
ORA-04 (read, latestRoundData, latest's status), ORA-05 (served and held medians within the HONEST
reports of their poke), ORA-06 (annualisedVolatility and volatilitySample equal the model's; every
sample adds at most r^2 / (interval + tau)), ORA-07 (breaker() equals the model's; a level is confirmed
only after every median since it was set stayed within maxDeviation of it for confirmDelay) and ORA-08
(suspendedUntil; no accepted batch held a suspended reporter).

Cost: a reverted transaction costs Ape ~0.4 s (mined, traced, decoded), an accepted one ~0.07 s. So a
run rejects at most MAX_REJECTED transactions and each custom error once (later would-be rejections are
skipped), signatures are cached across examples (the oracle is the same, times repeat), and each step's
reads are raw eth_calls batched into one request. The ci profile (20 runs of 15 steps) takes 60-100 s on
two cores. A tally of what the runs did (outcomes, samples, each error) is printed at the end: shown
with -s, or on failure."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import NamedTuple

from eth_abi import decode, encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bulwark.invariants import ORA_01, ORA_02, ORA_03, ORA_04, ORA_05, ORA_06, ORA_07, ORA_08
from bulwark.model.oracle import OracleModel, Volatility, annualise, deviation, median, tolerates, within
from bulwark.signing.reports import price_typed_data, reporter_test_keys, sign_report
from bulwark.units import HOUR, WAD
from tests.helpers import event, reverts, view_reverts
from tests.unit.oracle.conftest import (  # noqa: F401  (`oracle` is a fixture this test requests)
    CONFIG,
    EMPTY,
    FEED,
    OK,
    REPORTERS,
    STALE,
    TRIPPED,
    OracleHelper,
    oracle,
    usd,
)

MAX_REJECTED = 5  # rejected transactions per run, each error once: a rejection costs Ape ~0.4 s
QUORUM, F = CONFIG.quorum, CONFIG.faultTolerance
MIN_PRICE, MAX_PRICE, MAX_DEVIATION = CONFIG.minPrice, CONFIG.maxPrice, CONFIG.maxDeviation
INTERVAL, TAU = CONFIG.volatilityInterval, CONFIG.volatilityTau
OUTSIDER = REPORTERS  # key index of a sixth key, registered only if the guardian adds it
KEYS = REPORTERS + 1
NOOP = "noop"  # the poke names the epoch just accepted
RELAYERS = ("any", "push_low", "push_high")
MISBEHAVIOUR = (
    "quorum",
    "bad_price",
    "too_old",
    "future",
    "duplicate",
    "unsorted",
    "non_member",
    "suspended",
    "other_epoch",
)
HELD = ("just_accepted", "older_epoch", "before_floor")

# raw views: (signature, output types)
LATEST = ("latest()", ("uint256", "uint256", "uint8"))
BREAKER = ("breaker()", ("bool", "uint256", "uint256", "uint256", "uint256", "uint256"))
VOLATILITY = ("annualisedVolatility()", ("uint256",))
SAMPLE = ("volatilitySample()", ("uint256", "uint256"))
NEXT_EPOCH = ("nextEpoch()", ("uint256",))
MEMBERS = ("reporters()", ("address[]",))
SUSPENDED_UNTIL = ("suspendedUntil(address)", ("uint64",))
READ = ("read()", ("uint256", "uint256"))
ROUND_DATA = ("latestRoundData()", ("uint80", "int256", "uint256", "uint256", "uint80"))


def one_in(n: int):
    """True once in `n` draws (False is the simpler example, so shrinking leaves the rare path)."""
    return st.integers(0, n - 1).map(lambda k: k == n - 1)


gaps = st.one_of(st.just(1), st.integers(1, 900))
noises = st.lists(st.integers(-30, 30), min_size=KEYS, max_size=KEYS)  # [bp] around the true price
# per key: < 0 a fast clock (ahead by that many seconds), 0 on time, 1..100 late by that share [%] of
# the allowed window
timings = st.lists(
    st.one_of(st.just(0), st.integers(-CONFIG.maxFutureSkew, 100)), min_size=KEYS, max_size=KEYS
)
key_sets = st.sets(st.integers(0, KEYS - 1))
relay_plans = st.fixed_dictionaries(
    {
        "gap": gaps,
        "silent": key_sets,  # these do not sign (as long as quorum still can be met)
        "left_out": key_sets,  # the relayer drops these (keeping at least quorum)
        "noise": noises,
        "timing": timings,
        "hostile_kind": st.sampled_from(("min", "max", "any", "near")),
        "hostile_any": st.integers(MIN_PRICE, MAX_PRICE),
        "hostile_bps": st.integers(-3_000, 3_000),
        "relayer": st.sampled_from(RELAYERS),
        "front_run": st.booleans(),  # a second relayer then lands another subset of the epoch
    }
)
suspensions = st.tuples(
    st.integers(0, KEYS - 1),  # which member (or, with `non_member`, which other key)
    st.sampled_from(("run", "run", "run", "lift", "lift_past")),
    st.one_of(st.integers(1, 120), st.integers(1, 2 * HOUR)),  # [s]
    one_in(8),  # non_member
)


def clamp(price: int) -> int:
    return min(max(price, MIN_PRICE), MAX_PRICE)


def scaled(price: int, bps: int) -> int:
    return clamp(price * (10_000 + bps) // 10_000)


class Entry(NamedTuple):
    """One signed report: who signed it (a key index), for which epoch, what, and the poke argument."""

    key: int
    epoch: int
    price: int
    observed_at: int
    report: tuple  # (price, observedAt, r, vs)


@dataclass(frozen=True)
class Poke:
    """An accepted poke as the invariants need it."""

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


class Views:
    """Raw eth_calls batched into one JSON-RPC request (an Ape view costs ~20 ms; a dozen raw calls in
    one batch about as much in all)."""

    def __init__(self, web3, address: str):
        self.web3, self.address = web3, address

    def __call__(self, *calls) -> list:
        with self.web3.batch_requests() as batch:
            for (signature, _), *args in calls:
                inputs = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
                data = keccak(text=signature)[:4] + encode(inputs, args)
                batch.add(self.web3.eth.call({"to": self.address, "data": "0x" + data.hex()}))
            results = batch.execute()
        outputs = []
        for ((_, types), *_), raw in zip(calls, results, strict=True):
            decoded = decode(types, bytes(raw))
            outputs.append(decoded[0] if len(types) == 1 else tuple(decoded))
        return outputs


def test_oracle_state_machine(oracle, chain, stranger, guardian):  # noqa: F811
    """ORA-01..ORA-08 hold after every step of honest, late, silent and hostile reporting, relayers'
    subsets and held leftovers, rapid pokes, suspensions, re-registrations, breaker moves and reads at
    the staleness edge; every transaction's outcome matches OracleModel exactly."""
    helper = OracleHelper(oracle, chain, stranger)
    outsider_key = reporter_test_keys(KEYS)[OUTSIDER]
    keys = [*helper.keys, outsider_key]  # 0..4 sorted by address (the registered five), then the sixth
    addresses = [Account.from_key(k).address for k in keys]
    chain_id = chain.chain_id
    views = Views(chain.provider.web3, oracle.address)
    signatures: dict[tuple[int, int, int, int], Entry] = {}  # same oracle in every example: sign once
    recovered: dict[tuple[Entry, int], str] = {}

    def signed(key: int, epoch: int, price: int, observed_at: int) -> Entry:
        index = (key, epoch, price, observed_at)
        if index not in signatures:
            report = sign_report(keys[key], chain_id, oracle.address, FEED, epoch, price, observed_at)
            signatures[index] = Entry(key, epoch, price, observed_at, report.report.as_arg())
        return signatures[index]

    def signer(entry: Entry, epoch: int) -> str:
        """The address the oracle recovers from `entry` in a poke naming `epoch` (a stranger when the
        report was signed for another epoch)."""
        if entry.epoch == epoch:
            return addresses[entry.key]
        index = (entry, epoch)
        if index not in recovered:
            price, observed_at, r, vs = entry.report
            vs = int.from_bytes(vs, "big")
            v, s = 27 + (vs >> 255), vs & ((1 << 255) - 1)
            typed = price_typed_data(chain_id, oracle.address, FEED, epoch, price, observed_at)
            vrs = (v, int.from_bytes(r, "big"), s)
            recovered[index] = Account.recover_message(encode_typed_data(full_message=typed), vrs=vrs)
        return recovered[index]

    def by_address(entries) -> list[Entry]:
        return sorted(entries, key=lambda e: int(addresses[e.key], 16))

    class OracleMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp  # every transaction and mined block is later
            self.true_price = usd(2000)
            self.members = set(range(REPORTERS))
            self.model = OracleModel(CONFIG, self._table())
            self.hostile: frozenset[int] = frozenset()
            self.signed: dict[int, dict[int, Entry]] = {}  # epoch -> key -> its latest report for it
            self.removed: dict[int, int] = {}  # key -> the last epoch it could sign for as a member
            self.readded: dict[int, int] = {}  # re-added key -> that epoch
            self.served_poke: Poke | None = None  # the poke whose median is served
            self.held_poke: Poke | None = None  # the poke whose median is the candidate
            self.last_poke: Poke | None = None
            self.since_level: list[int] = []  # medians accepted since the breaker's level was set
            self.rejections: Counter[str] = Counter()  # by custom error
            self.state_at: int | None = None  # self.now when `self.state` was read

        def teardown(self):
            tally["examples"] += 1
            chain.restore(self.snapshot)

        # ------------------------------------------------------------ helpers

        def _table(self) -> list[str]:
            """The registered reporters as OracleModel keeps them: lower-case, ascending."""
            return sorted((addresses[k].lower() for k in self.members), key=lambda a: int(a, 16))

        def _at(self, at: int) -> int:
            """The next transaction lands at `at` (mined even if it reverts: `at` is spent)."""
            assert at > self.now
            self.now = at
            return helper.at(at)

        def _can_reject(self, error=None) -> bool:
            """Whether this run may still spend a rejection (on `error`: each error once)."""
            total = sum(self.rejections.values())
            return total < MAX_REJECTED and (error is None or not self.rejections[error.abi.name])

        def _reject(self, at: int, expected, send) -> bool:
            """Send at `at` and check the predicted revert (custom error and inputs); False (nothing sent)
            once this run has spent its rejections."""
            error, inputs = expected
            if not self._can_reject(error):
                return False
            self._at(at)
            with reverts(error, **inputs):
                send()
            self.rejections[error.abi.name] += 1
            self._count(error.abi.name)
            return True

        def _count(self, name: str) -> None:
            """Tally what happened (printed after the run: shown with -s, or on failure)."""
            tally[name] += 1

        def _until(self, key: int) -> int:
            return self.model.suspended_until.get(addresses[key].lower(), 0)

        def _eligible(self, at: int) -> list[int]:
            """Registered, unsuspended keys at `at`, in address order."""
            keys_ = [k for k in self.members if not self.model.suspended(addresses[k], at)]
            return sorted(keys_, key=lambda k: int(addresses[k], 16))

        def _honest_report(self, key: int, epoch: int, at: int, noise: int, timing: int) -> Entry:
            oldest, _ = self.model.window(at)
            # a fast clock (within maxFutureSkew), or on time, or late by `timing` % of the window
            observed_at = at - timing if timing < 0 else at - (at - oldest) * timing // 100
            return self._sign(key, epoch, scaled(self.true_price, noise), observed_at)

        def _sign(self, key: int, epoch: int, price: int, observed_at: int) -> Entry:
            entry = signed(key, epoch, price, observed_at)
            self.signed.setdefault(epoch, {})[key] = entry
            return entry

        # ------------------------------------------------------------ the model's predictions

        def _expected(self, epoch: int, entries: list[Entry], at: int):
            """NOOP, the first rule the poke breaks in the contract's order as (error, inputs), or None."""
            m = self.model
            if epoch != m.epoch + 1:
                if epoch == m.epoch and epoch != 0:
                    return NOOP
                return oracle.MedianOracleWrongEpoch, {"epoch": epoch, "expected": m.epoch + 1}
            if len(entries) < QUORUM:
                return oracle.MedianOracleQuorumNotMet, {"reports": len(entries), "quorum": QUORUM}
            oldest, newest = m.window(at)
            previous = None
            for entry in entries:
                reporter = signer(entry, epoch)
                if previous is not None and int(reporter, 16) <= int(previous, 16):
                    if reporter == previous:
                        return oracle.MedianOracleDuplicateReporter, {"reporter": reporter}
                    return oracle.MedianOracleReportersNotAscending, {
                        "previous": previous,
                        "reporter": reporter,
                    }
                if reporter.lower() not in m.reporters:
                    return oracle.MedianOracleNotReporter, {"signer": reporter}
                if m.suspended(reporter, at):
                    until = m.suspended_until[reporter.lower()]
                    return oracle.MedianOracleReporterSuspended, {
                        "reporter": reporter,
                        "suspendedUntil": until,
                    }
                observed_at = entry.observed_at
                if observed_at < oldest:
                    inputs = {"reporter": reporter, "observedAt": observed_at, "oldestAllowed": oldest}
                    return oracle.MedianOracleReportTooOld, inputs
                if observed_at > newest:
                    inputs = {"reporter": reporter, "observedAt": observed_at, "latestAllowed": newest}
                    return oracle.MedianOracleReportFromFuture, inputs
                if not MIN_PRICE <= entry.price <= MAX_PRICE:
                    inputs = {"reporter": reporter, "price": entry.price, "minPrice": MIN_PRICE}
                    return oracle.MedianOraclePriceOutOfBounds, {**inputs, "maxPrice": MAX_PRICE}
                previous = reporter
            return None

        def _poke(self, epoch: int, entries: list[Entry], at: int) -> str | None:
            """Poke `entries` for `epoch` at `at` and check the predicted outcome: the model's (serve,
            trip, hold, clear), NOOP, "rejected"; None (nothing sent) if a rejection is predicted and this
            run has spent its budget."""
            expected = self._expected(epoch, entries, at)
            if expected not in (None, NOOP) and not self._can_reject(expected[0]):
                return None
            batch = [e.report for e in entries]
            if expected == NOOP:
                self._at(at)
                receipt = oracle.poke(epoch, batch, sender=helper.keeper)
                assert not list(receipt.events), ORA_03  # nothing happened: no event, no state change
                self._count("noop")
                return NOOP
            if expected is not None:
                self._reject(at, expected, lambda: oracle.poke(epoch, batch, sender=helper.keeper))
                return "rejected"
            self._at(at)
            receipt = oracle.poke(epoch, batch, sender=helper.keeper)
            return self._accepted(epoch, entries, at, receipt)

        def _accepted(self, epoch: int, entries: list[Entry], at: int, receipt) -> str:
            m = self.model
            prices = [e.price for e in entries]
            observed = tuple(e.observed_at for e in entries)
            honest = [e.price for e in entries if e.key not in self.hostile]
            oldest, newest = m.window(at)
            suspended = any(m.suspended(addresses[e.key], at) for e in entries)
            served_before, level_before, level_since_before = m.price, m.level, m.level_since
            volatility_before = replace(m.volatility)
            outcome = m.accept(prices, observed, at)
            value, updated_at = median(prices), min(*observed, at)
            record = Poke(
                epoch,
                at,
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
            self._count(outcome)
            names = [e.event_name for e in receipt.events]
            if outcome in ("serve", "clear"):
                self.served_poke, self.held_poke = record, None
                updated = event(receipt, "PriceUpdated")
                # each reporter counted once, in the epoch its reports name
                assert (updated.reports, updated.epoch) == (len({e.key for e in entries}), epoch), ORA_03
                assert (updated.round, updated.price, updated.updatedAt) == (m.round, value, updated_at)
                assert updated.annualisedVolatility == annualise(m.volatility.variance), ORA_06
                self._check_sample(volatility_before)
                if outcome == "clear":
                    cleared = event(receipt, "BreakerCleared")
                    assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (
                        value,
                        updated_at,
                        False,
                    )
                    if not within(value, served_before, MAX_DEVIATION):  # confirmed, not reverted
                        self._check_confirmation(value, level_before, level_since_before, at)
                    self.since_level = []
                else:
                    assert names == ["PriceUpdated"]
            else:
                assert "PriceUpdated" not in names
                assert volatility_before == m.volatility, ORA_06  # held: no sample
                self.held_poke = record
                if outcome == "trip":
                    tripped = event(receipt, "BreakerTripped")
                    assert (tripped.servedPrice, tripped.candidate, tripped.trippedAt, tripped.epoch) == (
                        served_before,
                        value,
                        at,
                        epoch,
                    )
                    assert tripped.deviation == deviation(value, served_before)
                else:
                    moved = event(receipt, "BreakerCandidateUpdated")
                    assert (moved.candidate, moved.level, moved.levelSince, moved.epoch) == (
                        value,
                        m.level,
                        m.level_since,
                        epoch,
                    ), ORA_07
                if m.level_since != level_since_before or m.level != level_before:
                    self.since_level = []  # a new level: the wait restarts
                self.since_level.append(value)
            return outcome

        def _check_sample(self, before: Volatility) -> None:
            """ORA-06 on the model (which the invariants hold equal to the chain): a sample only at least
            volatilityInterval after the previous one, adding at most r^2 / (interval + tau)."""
            after = self.model.volatility
            if (after.price, after.sampled_at) == (before.price, before.sampled_at):
                assert after.variance == before.variance, ORA_06
                return
            self._count("sample")
            if before.price == 0:  # the first price anchors the path
                assert after.variance == before.variance == 0, ORA_06
                return
            assert after.sampled_at >= before.sampled_at + INTERVAL, ORA_06
            r = abs(after.price - before.price) * WAD // before.price
            bound = Volatility.one_sample_bound(r * r // WAD, INTERVAL, TAU)
            assert after.variance - before.variance <= bound, ORA_06

        def _check_confirmation(self, value: int, level: int, level_since: int, at: int) -> None:
            """ORA-07: a level is served only after confirmDelay, every median since it was set (and the
            confirming one) within maxDeviation of it."""
            assert level != 0 and at >= level_since + CONFIG.confirmDelay, ORA_07
            for held in [*self.since_level, value]:
                assert within(held, level, MAX_DEVIATION), ORA_07
            self._count("confirmed")

        def _relay(self, at, silent, left_out, noise, timing, hostile_price, relayer, front_run) -> None:
            """Eligible reporters (but the silent ones) sign the next epoch; the relayer picks its subset;
            a front-run relayer lands another subset of the same reports a second later."""
            self._count("relay")
            eligible = self._eligible(at)
            if len(eligible) < QUORUM:
                return  # suspensions and a removal left too few: nothing to poke until one ends
            epoch = self.model.epoch + 1
            signers = list(eligible)
            for k in sorted(silent):
                if len(signers) > QUORUM and k in signers:
                    signers.remove(k)
            entries = {}
            for k in signers:
                if k in self.hostile:
                    entries[k] = self._sign(k, epoch, hostile_price, at)
                else:
                    entries[k] = self._honest_report(k, epoch, at, noise[k], timing[k])
            bad = [k for k in signers if k in self.hostile]
            if relayer != "any" and bad:
                honest = sorted((k for k in signers if k not in self.hostile), key=lambda k: entries[k].price)
                if relayer == "push_high":
                    honest.reverse()
                chosen = bad + honest[: max(QUORUM - len(bad), 0)]
                self._count(relayer)
            else:
                chosen = list(signers)
                for k in sorted(left_out):
                    if len(chosen) > QUORUM and k in chosen:
                        chosen.remove(k)
            outcome = self._poke(epoch, by_address(entries[k] for k in chosen), at)
            if front_run and outcome not in (None, "rejected"):
                self._poke(epoch, by_address(entries.values()), at + 1)

        # ------------------------------------------------------------ rules

        @initialize(
            served=st.booleans(),
            jump=st.one_of(st.just(0), st.integers(1_500, 4_000), st.integers(-4_000, -1_500)),
            hostile=st.sets(st.integers(0, REPORTERS - 1), max_size=F),
        )
        def setup(self, served, jump, hostile):
            """Up to f of the five registered keys are hostile. Half the runs start with a price served by
            the honest reporters, and some of those with a jump beyond maxDeviation reported a minute
            later, so the breaker starts tripped."""
            self.hostile = frozenset(hostile)
            honest = [k for k in range(REPORTERS) if k not in self.hostile]
            for step in range(2 if served and jump else 1 if served else 0):
                at, epoch = self.now + (10 if step == 0 else 60), self.model.epoch + 1
                self.true_price = scaled(self.true_price, jump if step else 0)
                self._poke(epoch, [self._sign(k, epoch, self.true_price, at) for k in honest], at)

        @rule(seconds=st.integers(1, 2 * HOUR))
        def time_passes(self, seconds):
            self.now += seconds
            chain.mine(timestamp=self.now)

        @rule(up=st.booleans(), bps=st.integers(0, 500))
        def true_price_drifts(self, up, bps):
            """Small drifts stay within maxDeviation (10%)."""
            self.true_price = scaled(self.true_price, bps if up else -bps)

        @rule(up=st.booleans(), bps=st.integers(1_500, 6_000), gap=gaps, noise=noises, timing=timings)
        def true_price_jumps_and_is_reported(self, up, bps, gap, noise, timing):
            """A jump beyond maxDeviation, reported at once by every eligible reporter: trips the breaker,
            or moves its candidate (a new level: the wait restarts)."""
            self.true_price = scaled(self.true_price, bps if up else -bps)
            self._relay(self.now + gap, set(), set(), noise, timing, self.true_price, "any", False)

        @precondition(lambda self: self.model.tripped)
        @rule(to_level=st.booleans(), walk=st.integers(-900, 900), gap=gaps, noise=noises)
        def true_price_returns_or_settles_and_is_reported(self, to_level, walk, gap, noise):
            """The move reverts (back near the served price: the breaker clears), or settles near the
            breaker's level, or walks within maxDeviation of it (held until confirmDelay)."""
            self.true_price = scaled(self.model.level, walk) if to_level else self.model.price
            self._relay(self.now + gap, set(), set(), noise, [0] * KEYS, self.true_price, "any", False)

        @rule(plan=relay_plans)
        def a_relayer_pokes_signed_reports(self, plan):
            """Eligible reporters sign the next epoch (honest ones near the true price, on time, late or
            ahead; hostile ones anything in [minPrice, maxPrice]) and a relayer pokes a subset. The rule
            has one argument and sorts first, so Hypothesis draws it most (it orders rules by arity, then
            name, and favours the first)."""
            hostile_price = {
                "min": MIN_PRICE,
                "max": MAX_PRICE,
                "any": plan["hostile_any"],
                "near": scaled(self.true_price, plan["hostile_bps"]),
            }[plan["hostile_kind"]]
            self._relay(
                self.now + plan["gap"],
                plan["silent"],
                plan["left_out"],
                plan["noise"],
                plan["timing"],
                hostile_price,
                plan["relayer"],
                plan["front_run"],
            )

        @precondition(lambda self: self.model.tripped)
        @rule(delta=st.integers(-1, 1), noise=noises)
        def reporters_report_at_the_confirmation_edge(self, delta, noise):
            """A poke confirmDelay (+-1 s) after the level was set: near the level it is confirmed from
            that second on, not before."""
            at = self.model.level_since + CONFIG.confirmDelay + delta
            if at <= self.now:
                return
            self._relay(at, set(), set(), noise, [0] * KEYS, self.true_price, "any", False)

        @rule(
            count=st.integers(3, 8),
            spacing=st.integers(1, 15),
            drift=st.lists(st.integers(-80, 80), min_size=8, max_size=8),
        )
        def rapid_pokes(self, count, spacing, drift):
            """A burst of honest pokes a few seconds apart, each observed at its block time: at most one of
            them is a volatility sample, and the chain's estimate matches the model after each (ORA-06)."""
            at = self.now
            for k in range(count):
                at += spacing
                honest = [r for r in self._eligible(at) if r not in self.hostile]
                if len(honest) < QUORUM:
                    return
                self.true_price = scaled(self.true_price, drift[k])
                epoch = self.model.epoch + 1
                entries = [self._sign(r, epoch, self.true_price, at) for r in honest]
                self._poke(epoch, entries, at)
                volatility, sample = views((VOLATILITY,), (SAMPLE,))
                v = self.model.volatility
                assert volatility == annualise(v.variance), ORA_06
                assert sample == (v.price, v.sampled_at), ORA_06
            self._count("burst")

        @rule(kind=st.sampled_from(HELD), pick=st.integers(0, 2**16), gap=gaps, lag=st.integers(1, 600))
        def relayer_pokes_held_reports(self, kind, pick, gap, lag):
            """Leftovers: the epoch just accepted (a no-op), an older epoch (MedianOracleWrongEpoch; a
            re-added reporter's reports first), or a late report for the current epoch observed before the
            last accepted update (MedianOracleReportTooOld)."""
            m, at = self.model, self.now + gap
            if kind == "just_accepted":
                held = self.signed.get(m.epoch)
                if not held:
                    return
                self._poke(m.epoch, by_address(held.values()), at)
            elif kind == "older_epoch":
                older = [e for e in self.signed if e < m.epoch]
                if not older or not self._can_reject():
                    return
                readded = [
                    e
                    for e in older
                    if any(k in self.signed[e] and e <= last for k, last in self.readded.items())
                ]
                epoch = (readded or older)[pick % len(readded or older)]
                self._poke(epoch, by_address(self.signed[epoch].values()), at)
            else:
                eligible = [k for k in self._eligible(at) if k not in self.hostile]
                if m.floor == 0 or len(eligible) < QUORUM or not self._can_reject():
                    return
                epoch = m.epoch + 1
                late = eligible[pick % len(eligible)]
                entries = [
                    self._sign(k, epoch, self.true_price, m.floor - lag if k == late else at)
                    for k in eligible
                ]
                self._poke(epoch, entries, at)

        @rule(
            kind=st.sampled_from(MISBEHAVIOUR),
            gap=st.integers(1, 300),
            position=st.integers(0, KEYS - 1),
            amount=st.integers(1, 2 * HOUR),
            variant=st.booleans(),
        )
        def relayer_misbehaves(self, kind, gap, position, amount, variant):
            """One report (or the batch) breaks one rule: the whole batch is rejected."""
            at = self.now + gap
            eligible = [k for k in self._eligible(at) if k not in self.hostile]
            if len(eligible) < QUORUM or not self._can_reject():
                return
            m, epoch = self.model, self.model.epoch + 1
            entries = [self._sign(k, epoch, self.true_price, at) for k in eligible]
            k = position % len(entries)
            key, price, observed_at = entries[k].key, entries[k].price, entries[k].observed_at
            if kind == "quorum":  # fewer than quorum report
                entries = entries[: amount % QUORUM]
            elif kind == "bad_price":
                price = MIN_PRICE - min(amount, MIN_PRICE) if variant else MAX_PRICE + amount
                entries[k] = self._sign(key, epoch, price, observed_at)
            elif kind == "too_old":
                entries[k] = self._sign(key, epoch, price, max(at - CONFIG.maxReportAge - amount, 0))
            elif kind == "future":
                entries[k] = self._sign(key, epoch, price, at + CONFIG.maxFutureSkew + amount)
            elif kind == "duplicate":  # the same reporter twice (another price and time, or the same)
                twin = self._sign(key, epoch, price + 1, observed_at - 1) if variant else entries[k]
                entries.insert(k + 1, twin)
            elif kind == "unsorted":
                j = (k + 1) % len(entries)
                entries[k], entries[j] = entries[j], entries[k]
            elif kind in ("non_member", "suspended"):
                suspended = [r for r in self.members if m.suspended(addresses[r], at)]
                outsiders = [r for r in range(KEYS) if r not in self.members]  # never empty: 6 keys
                pool = suspended if kind == "suspended" and suspended else outsiders
                extra = pool[amount % len(pool)]
                entries = by_address([*entries, self._sign(extra, epoch, price, at)])
            else:  # other_epoch: a report signed for another epoch recovers a stranger
                other = m.epoch if variant and m.epoch > 0 else epoch + 1
                entries[k] = self._sign(key, other, price, observed_at)
            self._poke(epoch, entries, at)

        @rule(actions=st.lists(suspensions, min_size=1, max_size=3), gap=gaps, probe=st.booleans())
        def guardian_suspends_reporters(self, actions, gap, probe):
            """suspendReporter(reporter, until), one to three times a second apart: a past until (or 0)
            lifts; it reverts if fewer than quorum unsuspended reporters would remain (running suspensions
            counted), or for a non-member. With `probe`, a relayer then includes a suspended reporter's
            report: MedianOracleReporterSuspended (ORA-08)."""
            at = self.now + gap
            for pick, kind, duration, non_member in actions:
                pool = sorted(k for k in range(KEYS) if (k in self.members) != non_member)
                key = pool[pick % len(pool)]
                until = {"run": at + duration, "lift": 0, "lift_past": at - duration}[kind]
                if not self._suspend(key, until, at):
                    return
                at += 1
            suspended = [k for k in self.members if self._until(k) > at]
            others = [k for k in self._eligible(at) if k not in self.hostile][: QUORUM - 1]
            if probe and suspended and len(others) == QUORUM - 1:
                epoch = self.model.epoch + 1
                entries = [self._sign(k, epoch, self.true_price, at) for k in [*others, suspended[0]]]
                self._poke(epoch, by_address(entries), at)

        def _suspend(self, key: int, until: int, at: int) -> bool:
            """Suspend `key` until `until` at `at` as predicted; False if nothing was sent."""
            reporter = addresses[key]
            expected = None
            if key not in self.members:
                expected = oracle.MedianOracleReporterMembership, {"reporter": reporter, "isReporter": False}
            else:
                running = sum((until if r == key else self._until(r)) > at for r in self.members)
                unsuspended = len(self.members) - running
                if unsuspended < QUORUM:
                    inputs = {"reporter": reporter, "unsuspended": unsuspended, "quorum": QUORUM}
                    expected = oracle.MedianOracleSuspensionBreaksQuorum, inputs
            if expected is not None:
                return self._reject(
                    at, expected, lambda: oracle.suspendReporter(reporter, until, sender=guardian)
                )
            self._at(at)
            receipt = oracle.suspendReporter(reporter, until, sender=guardian)
            suspended = event(receipt, "ReporterSuspended")
            assert (suspended.reporter, suspended.until) == (reporter, until), ORA_08
            self.model.suspended_until[reporter.lower()] = until
            self._count("suspend" if until > at else "lift")
            return True

        @precondition(lambda self: any(u > self.now for u in self.model.suspended_until.values()))
        @rule(delta=st.integers(-1, 0), noise=noises)
        def suspended_reporter_reports_at_its_suspension_end(self, delta, noise):
            """A second before its suspension ends the reporter's report voids the batch (ORA-08); at the
            end it counts."""
            running = [r for r in self.members if self._until(r) > self.now]
            if not running:
                return
            key = min(running, key=self._until)
            at = self._until(key) + delta
            if at <= self.now or (delta < 0 and not self._can_reject()):
                return
            epoch = self.model.epoch + 1
            others = [r for r in self._eligible(at) if r not in self.hostile and r != key][: QUORUM - 1]
            if len(others) < QUORUM - 1:
                return
            entries = [self._honest_report(r, epoch, at, noise[r], 0) for r in [*others, key]]
            if self._poke(epoch, by_address(entries), at) is not None:
                self._count(f"suspension_end{delta:+d}")

        @rule(pick=st.integers(0, KEYS - 1), gap=gaps, beyond=one_in(5), outsider=st.booleans())
        def guardian_re_registers_a_reporter(self, pick, gap, beyond, outsider):
            """setReporter: with five reporters one leaves (5 -> 4; its suspension ends with it), with four
            a removed key, or the sixth, joins (4 -> 5; a re-added key's earlier reports name passed
            epochs). Once in a while the guardian goes beyond: 5 -> 6 reverts (quorum must stay a majority),
            4 -> 3 reverts (the honest reporters alone must reach quorum)."""
            remove = (len(self.members) == REPORTERS) != beyond
            if remove:
                members = sorted(self.members, key=lambda k: int(addresses[k], 16))
                key = members[pick % len(members)]
            else:
                candidates = sorted(k for k in range(KEYS) if k not in self.members)
                key = OUTSIDER if outsider and OUTSIDER in candidates else candidates[0]
            self._membership(key, not remove, self.now + gap)

        def _membership(self, key: int, authorised: bool, at: int) -> None:
            """setReporter(key, authorised) at `at` as predicted: the fault-tolerance rule first, then the
            unsuspended quorum (a removed reporter's suspension ends with it, so it is not counted)."""
            reporter = addresses[key]
            after = self.members | {key} if authorised else self.members - {key}
            unsuspended = sum(self._until(k) <= at for k in after)
            if not tolerates(QUORUM, F, len(after)):
                inputs = {"quorum": QUORUM, "faultTolerance": F, "reporters": len(after)}
                expected = oracle.MedianOracleFaultToleranceViolated, inputs
            elif unsuspended < QUORUM:
                inputs = {"reporter": reporter, "unsuspended": unsuspended, "quorum": QUORUM}
                expected = oracle.MedianOracleSuspensionBreaksQuorum, inputs
            else:
                expected = None
            if expected is not None:
                self._reject(at, expected, lambda: oracle.setReporter(reporter, authorised, sender=guardian))
                return
            table = sorted(self.members | {key}, key=lambda k: int(addresses[k], 16))
            self._at(at)
            receipt = oracle.setReporter(reporter, authorised, sender=guardian)
            updated = event(receipt, "ReporterUpdated")
            assert (updated.reporter, updated.isReporter, updated.index) == (
                reporter,
                authorised,
                table.index(key),
            )
            self.members = after
            self.model.reporters = self._table()
            if authorised:
                if key in self.removed:
                    self.readded[key] = self.removed.pop(key)
                self._count("add")
            else:
                self.model.suspended_until.pop(reporter.lower(), None)  # ends with the membership
                self.removed[key] = self.model.epoch + 1
                self.readded.pop(key, None)
                self._count("remove")

        @precondition(lambda self: self.model.tripped)
        @rule(accept=st.booleans(), gap=gaps)
        def guardian_clears_the_breaker(self, accept, gap):
            """clearBreaker(accept): serve the held candidate, or keep the served price."""
            m = self.model
            at = self._at(self.now + gap)
            volatility_before = replace(m.volatility)
            candidate, candidate_at = m.candidate, m.candidate_at
            receipt = oracle.clearBreaker(accept, sender=guardian)
            m.clear_breaker(accept, at)
            cleared = event(receipt, "BreakerCleared")
            assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (m.price, m.updated_at, True)
            if accept:
                updated = event(receipt, "PriceUpdated")
                # epoch: the last accepted update, here the last held poke's
                assert (updated.round, updated.price, updated.updatedAt, updated.reports, updated.epoch) == (
                    m.round,
                    candidate,
                    candidate_at,
                    0,
                    m.epoch,
                ), ORA_03
                assert updated.annualisedVolatility == annualise(m.volatility.variance), ORA_06
                self._check_sample(volatility_before)
                self.served_poke = self.held_poke
            self.held_poke, self.since_level = None, []
            self._count("guardian_clear")

        @rule(delta=st.integers(-1, 1))
        def consumer_reads_at_the_staleness_edge(self, delta):
            """Move to exactly maxStaleness (+-1 s) after updatedAt, if that is ahead; the invariants read
            at the new head."""
            edge = self.model.updated_at + CONFIG.maxStaleness + delta
            if self.model.round == 0 or edge <= self.now:
                return
            self.now = edge
            chain.mine(timestamp=edge)
            self._count("edge")

        # ------------------------------------------------------------ invariants

        def _state(self) -> dict:
            """The oracle's views at the head, read once per chain change."""
            if self.state_at != self.now:
                calls = [(LATEST,), (BREAKER,), (VOLATILITY,), (SAMPLE,), (NEXT_EPOCH,), (MEMBERS,)]
                calls += [(SUSPENDED_UNTIL, a) for a in addresses]
                readable = self.model.readable(self.now)
                if readable:
                    calls += [(READ,), (ROUND_DATA,)]
                latest, breaker, volatility, sample, next_epoch, members, *rest = views(*calls)
                self.state = {
                    "latest": latest,
                    "breaker": breaker,
                    "volatility": volatility,
                    "sample": sample,
                    "next_epoch": next_epoch,
                    "members": [to_checksum_address(a) for a in members],
                    "suspended": rest[:KEYS],
                    "read": rest[KEYS:] if readable else None,
                }
                self.state_at = self.now
            return self.state

        @invariant()
        def ora_01_served_price_lies_within_its_pokes_reports(self):
            price, updated_at, _ = self._state()["latest"]
            assert (price, updated_at) == (self.model.price, self.model.updated_at), ORA_01
            if self.served_poke is not None:
                assert self.served_poke.low <= price <= self.served_poke.high, ORA_01
            if self.model.tripped and self.held_poke is not None:
                assert self.held_poke.low <= self.model.candidate <= self.held_poke.high, ORA_01

        @invariant()
        def ora_02_accepted_observations_lie_in_their_window(self):
            tripped, _, candidate_at, *_ = self._state()["breaker"]
            floor = candidate_at if tripped else self._state()["latest"][1]
            assert floor == self.model.floor, ORA_02
            poke = self.last_poke
            if poke is not None:
                assert all(poke.oldest <= t <= poke.newest for t in poke.observed), ORA_02
                assert poke.oldest <= min(*poke.observed, poke.at) <= poke.at, ORA_02

        @invariant()
        def ora_03_epochs_and_reporters(self):
            state = self._state()
            assert state["next_epoch"] == self.model.epoch + 1, ORA_03
            expected = sorted((addresses[k] for k in self.members), key=lambda a: int(a, 16))
            assert state["members"] == expected, ORA_03

        @invariant()
        def ora_04_read_never_serves_a_stale_price(self):
            m, head = self.model, self.now
            state = self._state()
            if state["read"] is not None:
                (price, updated_at), round_data = state["read"]
                assert head - updated_at <= CONFIG.maxStaleness, ORA_04
                assert (price, updated_at) == (m.price, m.updated_at), ORA_04
                assert round_data == (m.round, m.price, m.updated_at, m.updated_at, m.round), ORA_04
                status = OK
            elif m.round == 0:
                view_reverts(oracle.MedianOracleNoPrice, oracle.read)
                status = EMPTY
            elif m.tripped:
                inputs = {"candidate": m.candidate, "trippedAt": m.tripped_at}
                view_reverts(oracle.MedianOracleTripped, oracle.read, **inputs)
                status = TRIPPED
            else:
                age = head - m.updated_at
                assert age > CONFIG.maxStaleness, ORA_04
                view_reverts(oracle.MedianOracleStale, oracle.read, age=age, maxStaleness=CONFIG.maxStaleness)
                status = STALE
            assert state["latest"][2] == status, ORA_04

        @invariant()
        def ora_05_medians_lie_within_the_honest_reports(self):
            served, held = self.served_poke, self.held_poke
            if served is not None:
                assert served.hostile <= F, ORA_05  # the premise: at most f hostile reports
                assert served.honest_low <= self.model.price <= served.honest_high, ORA_05
            if self.model.tripped and held is not None:
                assert held.hostile <= F, ORA_05
                assert held.honest_low <= self.model.candidate <= held.honest_high, ORA_05

        @invariant()
        def ora_06_volatility_matches_the_model(self):
            state, v = self._state(), self.model.volatility
            assert state["volatility"] == annualise(v.variance), ORA_06
            assert state["sample"] == (v.price, v.sampled_at), ORA_06

        @invariant()
        def ora_07_breaker_matches_the_model(self):
            m = self.model
            expected = (m.tripped, m.candidate, m.candidate_at, m.tripped_at, m.level, m.level_since)
            assert self._state()["breaker"] == expected, ORA_07
            if m.tripped:
                assert all(within(p, m.level, MAX_DEVIATION) for p in self.since_level), ORA_07

        @invariant()
        def ora_08_suspensions_match_the_model(self):
            assert self._state()["suspended"] == [self._until(k) for k in range(KEYS)], ORA_08
            if self.last_poke is not None:
                assert not self.last_poke.suspended, ORA_08

    tally: Counter[str] = Counter()
    started = time.monotonic()
    run_state_machine_as_test(OracleMachine)
    seconds = time.monotonic() - started
    print(f"\noracle machine: {tally['examples']} runs in {seconds:.0f} s;", dict(sorted(tally.items())))
