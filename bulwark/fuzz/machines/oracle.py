"""MedianOracle (five test reporters, a sixth key, the guardian EOA) against bulwark.model.oracle.

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
name passed epochs), and clears the breaker (serving the candidate or keeping the price; untripped:
MedianOracleNotTripped); a suspended reporter reports a second before and at the end of its suspension.
Consumers read at the staleness edge.

Every transaction is predicted by OracleModel, updated only on success: an accepted one's outcome and
its events (exactly, in order), or the custom error of the first rule it breaks with all its arguments.
Rejected transactions are as frequent as accepted ones (no budget: the lane runs thousands a second).
After every step: ORA-01 (served price within its poke's reports; the kept rounds of getRoundData as
served), ORA-02 (the accepted observations inside their window; the floor), ORA-03 (epochs; reporters;
reports count once), ORA-04 (read, latestRoundData, twap and latest's status, or their reverts), ORA-05
(served and held medians within the HONEST reports of their poke), ORA-06 (annualisedVolatility and
volatilitySample equal the model's; every sample adds at most r^2 / (interval + tau)), ORA-07 (breaker()
equals the model's; a level is confirmed only after every median since it was set stayed within
maxDeviation of it for confirmDelay) and ORA-08 (suspendedUntil; no accepted batch held a suspended
reporter). What the runs did is reported as Hypothesis events (--hypothesis-show-statistics)."""

from __future__ import annotations

from typing import NamedTuple

from eth_account import Account
from eth_account.messages import encode_typed_data
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from bulwark.chain import Reverted
from bulwark.fuzz.lane import LaneMachine
from bulwark.invariants import ORA_01, ORA_02, ORA_03, ORA_04, ORA_05, ORA_06, ORA_07, ORA_08
from bulwark.model.oracle import (
    DESCRIPTION,
    FEED_NAME,
    HISTORY,
    NOOP,
    REPORTERS,
    Expected,
    Observation,
    OracleModel,
    Rejection,
    annualise,
    local_config,
    within,
)
from bulwark.signing.reports import feed_id, price_typed_data, reporter_test_keys, sign_report
from bulwark.units import HOUR, WAD

CONFIG = local_config()
FEED = feed_id(FEED_NAME)
QUORUM, F = CONFIG.quorum, CONFIG.faultTolerance
MIN_PRICE, MAX_PRICE, MAX_DEVIATION = CONFIG.minPrice, CONFIG.maxPrice, CONFIG.maxDeviation
GUARDIAN, KEEPER = 0, 9  # dev account indices: the oracle's guardian EOA; a no-role account pokes
OUTSIDER = REPORTERS  # key index of a sixth key, registered only if the guardian adds it
KEYS = REPORTERS + 1
START_PRICE = 2000 * WAD
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
TWAP_WINDOWS = (1, CONFIG.volatilityInterval, CONFIG.maxStaleness, 6 * HOUR)


def _keys() -> list[bytes]:
    """The five registered keys sorted by address (reporter i < reporter j for i < j), then the sixth."""
    keys = reporter_test_keys(KEYS)
    return [*sorted(keys[:REPORTERS], key=lambda k: int(Account.from_key(k).address, 16)), keys[OUTSIDER]]


KEY_LIST = _keys()
ADDRESSES = [Account.from_key(k).address for k in KEY_LIST]


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
    st.booleans(),  # non_member
)


def clamp(price: int) -> int:
    return min(max(price, MIN_PRICE), MAX_PRICE)


def scaled(price: int, bps: int) -> int:
    return clamp(price * (10_000 + bps) // 10_000)


def by_address(entries) -> list[Entry]:
    return sorted(entries, key=lambda e: int(ADDRESSES[e.key], 16))


class Entry(NamedTuple):
    """One signed report: who signed it (a key index), for which epoch, what, and the poke argument."""

    key: int
    epoch: int
    price: int
    observed_at: int
    report: tuple  # (price, observedAt, r, vs)


# Signatures and recoveries depend only on the oracle's address and chain id (the same in every example,
# and on both backends): each is computed once per process.
_SIGNED: dict[tuple, Entry] = {}
_RECOVERED: dict[tuple, str] = {}


def signed(chain_id: int, oracle: str, key: int, epoch: int, price: int, observed_at: int) -> Entry:
    index = (chain_id, oracle, key, epoch, price, observed_at)
    if index not in _SIGNED:
        report = sign_report(KEY_LIST[key], chain_id, oracle, FEED, epoch, price, observed_at)
        _SIGNED[index] = Entry(key, epoch, price, observed_at, report.report.as_arg())
    return _SIGNED[index]


def signer(chain_id: int, oracle: str, entry: Entry, epoch: int) -> str:
    """The address the oracle recovers from `entry` in a poke naming `epoch` (a stranger when the report
    was signed for another epoch)."""
    if entry.epoch == epoch:
        return ADDRESSES[entry.key]
    index = (chain_id, oracle, entry, epoch)
    if index not in _RECOVERED:
        price, observed_at, r, vs = entry.report
        vs = int.from_bytes(vs, "big")
        v, s = 27 + (vs >> 255), vs & ((1 << 255) - 1)
        typed = price_typed_data(chain_id, oracle, FEED, epoch, price, observed_at)
        vrs = (v, int.from_bytes(r, "big"), s)
        _RECOVERED[index] = Account.recover_message(encode_typed_data(full_message=typed), vrs=vrs)
    return _RECOVERED[index]


# the invariant each custom error of a transaction guards: a wrong prediction names it
ERROR_INVARIANT = {
    "MedianOraclePriceOutOfBounds": ORA_01,
    "MedianOracleReportTooOld": ORA_02,
    "MedianOracleReportFromFuture": ORA_02,
    "MedianOracleWrongEpoch": ORA_03,
    "MedianOracleDuplicateReporter": ORA_03,
    "MedianOracleReportersNotAscending": ORA_03,
    "MedianOracleNotReporter": ORA_03,
    "MedianOracleReporterMembership": ORA_03,
    "MedianOracleQuorumNotMet": ORA_05,
    "MedianOracleFaultToleranceViolated": ORA_05,
    "MedianOracleNotTripped": ORA_07,
    "MedianOracleReporterSuspended": ORA_08,
    "MedianOracleSuspensionBreaksQuorum": ORA_08,
}


def assert_rejected(receipt, expected: Rejection) -> None:
    """The transaction reverted with exactly the predicted custom error and arguments."""
    invariant_id = ERROR_INVARIANT[expected.error]
    assert not receipt.status, f"{invariant_id}: expected {expected}, but the transaction succeeded"
    actual = (receipt.error.name, receipt.error.args)
    assert actual == expected, f"{invariant_id}: expected {expected}, got {receipt.error}"


def assert_view(result, expected, invariant_id, decode) -> None:
    """A batched view's result (bytes, or Reverted) equals the prediction (a value, or a Rejection)."""
    if isinstance(expected, Rejection):
        assert isinstance(result, Reverted), f"{invariant_id}: expected {expected}, got {decode(result)}"
        assert (result.error.name, result.error.args) == expected, f"{invariant_id}: got {result.error}"
        return
    assert not isinstance(result, Reverted), f"{invariant_id}: expected {expected}, got {result.error}"
    value = decode(result)
    if isinstance(expected, tuple):
        value = tuple(value)
    assert value == expected, f"{invariant_id}: got {value}, expected {expected}"


class OracleMachine(LaneMachine):
    @classmethod
    def deploy(cls, chain):
        reporters = sorted(ADDRESSES[:REPORTERS], key=lambda a: int(a, 16))
        guardian = chain.accounts[GUARDIAN]
        return chain.deploy(
            "MedianOracle", guardian, FEED, DESCRIPTION, tuple(CONFIG), reporters, sender=guardian
        )

    def __init__(self):
        super().__init__()
        self.oracle = self.world
        self.guardian, self.keeper = self.chain.accounts[GUARDIAN], self.chain.accounts[KEEPER]
        self.now = self.chain.timestamp  # every transaction after this is at a later time
        self.true_price = START_PRICE
        self.members = set(range(REPORTERS))
        self.model = OracleModel(CONFIG, self._table())
        self.hostile: frozenset[int] = frozenset()
        self.signed: dict[int, dict[int, Entry]] = {}  # epoch -> key -> its latest report for it
        self.removed: dict[int, int] = {}  # key -> the last epoch it could sign for as a member
        self.readded: dict[int, int] = {}  # re-added key -> that epoch
        self.state_at: int | None = None  # the block `self.state` was read at
        self._calls = self._view_calls()

    # ------------------------------------------------------------ helpers

    def _table(self) -> list[str]:
        """The registered reporters as OracleModel keeps them: lower-case, ascending."""
        return sorted((ADDRESSES[k].lower() for k in self.members), key=lambda a: int(a, 16))

    def _at(self, at: int) -> None:
        """The next transaction lands at `at` (later than anything before)."""
        assert at > self.now
        self.now = at
        self.chain.warp(at)

    def _until(self, key: int) -> int:
        return self.model.suspended_until.get(ADDRESSES[key].lower(), 0)

    def _eligible(self, at: int) -> list[int]:
        """Registered, unsuspended keys at `at`, in address order."""
        keys = [k for k in self.members if not self.model.suspended(ADDRESSES[k], at)]
        return sorted(keys, key=lambda k: int(ADDRESSES[k], 16))

    def _sign(self, key: int, epoch: int, price: int, observed_at: int) -> Entry:
        entry = signed(self.chain.chain_id, self.oracle.address, key, epoch, price, observed_at)
        self.signed.setdefault(epoch, {})[key] = entry
        return entry

    def _honest_report(self, key: int, epoch: int, at: int, noise: int, timing: int) -> Entry:
        oldest, _ = self.model.window(at)
        # a fast clock (within maxFutureSkew), or on time, or late by `timing` % of the window
        observed_at = at - timing if timing < 0 else at - (at - oldest) * timing // 100
        return self._sign(key, epoch, scaled(self.true_price, noise), observed_at)

    def _check(self, receipt, expected: Expected) -> str:
        """An accepted transaction emitted exactly the predicted events, and the model's own checks held."""
        if not receipt.status:
            invariant_id = ERROR_INVARIANT.get(receipt.error.name, "unpredicted revert")
            raise AssertionError(f"{invariant_id}: expected {expected.outcome}, got {receipt.error}")
        events = [(e.name, e.args) for e in receipt.events]
        invariant_id = ORA_07 if expected.outcome in ("trip", "hold") else ORA_03
        assert events == expected.events, f"{invariant_id}: emitted {events}, expected {expected.events}"
        assert expected.sample_ok, ORA_06
        assert expected.confirmed is not False, ORA_07
        if expected.confirmed:
            tally("oracle: a level confirmed after confirmDelay")
        tally(f"oracle: {expected.outcome}")
        return expected.outcome

    # ------------------------------------------------------------ transactions

    def _poke(self, epoch: int, entries: list[Entry], at: int) -> str:
        """Poke `entries` for `epoch` at `at` and check the predicted outcome: the model's (serve, trip,
        hold, clear), NOOP or "rejected"."""
        chain_id, address = self.chain.chain_id, self.oracle.address
        reports = [Observation(signer(chain_id, address, e, epoch), e.price, e.observed_at) for e in entries]
        expected = self.model.poke_rejection(epoch, reports, at)
        self._at(at)
        receipt = self.oracle.poke.attempt(epoch, [e.report for e in entries], sender=self.keeper)
        if expected == NOOP:
            assert receipt.status, f"{ORA_03}: expected a no-op, got {receipt.error}"
            assert not receipt.logs, ORA_03  # nothing happened: no event, no state change
            tally("oracle: noop")
            return NOOP
        if expected is not None:
            assert_rejected(receipt, expected)
            tally(f"oracle: {expected.error}")
            return "rejected"
        hostile = {ADDRESSES[k] for k in self.hostile}
        return self._check(receipt, self.model.poke(epoch, reports, at, hostile))

    def _relay(self, at, silent, left_out, noise, timing, hostile_price, relayer, front_run) -> None:
        """Eligible reporters (but the silent ones) sign the next epoch; the relayer picks its subset; a
        front-run relayer lands another subset of the same reports a second later."""
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
            tally(f"oracle: relayer {relayer}")
        else:
            chosen = list(signers)
            for k in sorted(left_out):
                if len(chosen) > QUORUM and k in chosen:
                    chosen.remove(k)
        outcome = self._poke(epoch, by_address(entries[k] for k in chosen), at)
        if front_run and outcome != "rejected":
            self._poke(epoch, by_address(entries.values()), at + 1)

    def _suspend(self, key: int, until: int, at: int) -> bool:
        """suspendReporter as predicted; False if it reverted."""
        reporter = ADDRESSES[key]
        expected = self.model.suspend_rejection(reporter, until, at)
        self._at(at)
        receipt = self.oracle.suspendReporter.attempt(reporter, until, sender=self.guardian)
        if expected is not None:
            assert_rejected(receipt, expected)
            tally(f"oracle: {expected.error}")
            return False
        self._check(receipt, self.model.suspend(reporter, until, at))
        return True

    def _membership(self, key: int, authorised: bool, at: int) -> None:
        """setReporter(key, authorised) at `at` as predicted."""
        reporter = ADDRESSES[key]
        expected = self.model.membership_rejection(reporter, authorised, at)
        self._at(at)
        receipt = self.oracle.setReporter.attempt(reporter, authorised, sender=self.guardian)
        if expected is not None:
            assert_rejected(receipt, expected)
            tally(f"oracle: {expected.error}")
            return
        self._check(receipt, self.model.set_reporter(reporter, authorised))
        if authorised:
            self.members.add(key)
            if key in self.removed:
                self.readded[key] = self.removed.pop(key)
        else:
            self.members.discard(key)
            self.removed[key] = self.model.epoch + 1
            self.readded.pop(key, None)
        assert self.model.reporters == self._table(), ORA_03

    # ------------------------------------------------------------ rules

    @initialize(
        served=st.booleans(),
        jump=st.one_of(st.just(0), st.integers(1_500, 4_000), st.integers(-4_000, -1_500)),
        hostile=st.sets(st.integers(0, REPORTERS - 1), max_size=F),
    )
    def setup(self, served, jump, hostile):
        """Up to f of the five registered keys are hostile. Half the runs start with a price served by
        the honest reporters, and some of those with a jump beyond maxDeviation reported a minute later,
        so the breaker starts tripped."""
        self.hostile = frozenset(hostile)
        honest = [k for k in range(REPORTERS) if k not in self.hostile]
        for step in range(2 if served and jump else 1 if served else 0):
            at, epoch = self.now + (10 if step == 0 else 60), self.model.epoch + 1
            self.true_price = scaled(self.true_price, jump if step else 0)
            self._poke(epoch, [self._sign(k, epoch, self.true_price, at) for k in honest], at)

    @rule(seconds=st.integers(1, 2 * HOUR))
    def time_passes(self, seconds):
        self._at(self.now + seconds)

    @rule(up=st.booleans(), bps=st.integers(0, 500))
    def true_price_drifts(self, up, bps):
        """Small drifts stay within maxDeviation (10%)."""
        self.true_price = scaled(self.true_price, bps if up else -bps)

    @rule(up=st.booleans(), bps=st.integers(1_500, 6_000), gap=gaps, noise=noises, timing=timings)
    def true_price_jumps_and_is_reported(self, up, bps, gap, noise, timing):
        """A jump beyond maxDeviation, reported at once by every eligible reporter: trips the breaker, or
        moves its candidate (a new level: the wait restarts)."""
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
        ahead; hostile ones anything in [minPrice, maxPrice]) and a relayer pokes a subset."""
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
        """A poke confirmDelay (+-1 s) after the level was set: near the level it is confirmed from that
        second on, not before."""
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
            self._poke(epoch, [self._sign(r, epoch, self.true_price, at) for r in honest], at)
            self._check_volatility()
        tally("oracle: burst")

    @rule(kind=st.sampled_from(HELD), pick=st.integers(0, 2**16), gap=gaps, lag=st.integers(1, 600))
    def relayer_pokes_held_reports(self, kind, pick, gap, lag):
        """Leftovers: the epoch just accepted (a no-op), an older epoch (MedianOracleWrongEpoch; a
        re-added reporter's reports first), or a late report for the current epoch observed before the
        last accepted update (MedianOracleReportTooOld)."""
        m, at = self.model, self.now + gap
        if kind == "just_accepted":
            held = self.signed.get(m.epoch)
            if held:
                self._poke(m.epoch, by_address(held.values()), at)
        elif kind == "older_epoch":
            older = [e for e in self.signed if e < m.epoch]
            if not older:
                return
            readded = [
                e for e in older if any(k in self.signed[e] and e <= last for k, last in self.readded.items())
            ]
            epoch = (readded or older)[pick % len(readded or older)]
            self._poke(epoch, by_address(self.signed[epoch].values()), at)
        else:
            eligible = [k for k in self._eligible(at) if k not in self.hostile]
            if m.floor == 0 or len(eligible) < QUORUM:
                return
            epoch = m.epoch + 1
            late = eligible[pick % len(eligible)]
            entries = [
                self._sign(k, epoch, self.true_price, m.floor - lag if k == late else at) for k in eligible
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
        if len(eligible) < QUORUM:
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
            suspended = [r for r in self.members if m.suspended(ADDRESSES[r], at)]
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
        """suspendReporter(reporter, until), one to three times a second apart: a past until (or 0) lifts;
        it reverts if fewer than quorum unsuspended reporters would remain (running suspensions counted),
        or for a non-member. With `probe`, a relayer then includes a suspended reporter's report:
        MedianOracleReporterSuspended (ORA-08)."""
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

    @precondition(lambda self: any(u > self.now for u in self.model.suspended_until.values()))
    @rule(delta=st.integers(-1, 0), noise=noises)
    def suspended_reporter_reports_at_its_suspension_end(self, delta, noise):
        """A second before its suspension ends the reporter's report voids the batch (ORA-08); at the end
        it counts."""
        running = [r for r in self.members if self._until(r) > self.now]
        if not running:
            return
        key = min(running, key=self._until)
        at = self._until(key) + delta
        if at <= self.now:
            return
        epoch = self.model.epoch + 1
        others = [r for r in self._eligible(at) if r not in self.hostile and r != key][: QUORUM - 1]
        if len(others) < QUORUM - 1:
            return
        entries = [self._honest_report(r, epoch, at, noise[r], 0) for r in [*others, key]]
        if self._poke(epoch, by_address(entries), at) != "rejected":
            tally(f"oracle: suspension end {delta:+d} s")

    @rule(pick=st.integers(0, KEYS - 1), gap=gaps, beyond=st.booleans(), outsider=st.booleans())
    def guardian_re_registers_a_reporter(self, pick, gap, beyond, outsider):
        """setReporter: with five reporters one leaves (5 -> 4; its suspension ends with it), with four a
        removed key, or the sixth, joins (4 -> 5; a re-added key's earlier reports name passed epochs).
        With `beyond` the guardian goes too far: 5 -> 6 reverts (quorum must stay a majority), 4 -> 3
        reverts (the honest reporters alone must reach quorum)."""
        remove = (len(self.members) == REPORTERS) != beyond
        if remove:
            members = sorted(self.members, key=lambda k: int(ADDRESSES[k], 16))
            key = members[pick % len(members)]
        else:
            candidates = sorted(k for k in range(KEYS) if k not in self.members)
            key = OUTSIDER if outsider and OUTSIDER in candidates else candidates[0]
        self._membership(key, not remove, self.now + gap)

    @rule(accept=st.booleans(), gap=gaps)
    def guardian_clears_the_breaker(self, accept, gap):
        """clearBreaker(accept): serve the held candidate, or keep the served price; with the breaker
        clear it reverts (MedianOracleNotTripped)."""
        expected = self.model.clear_rejection()
        self._at(self.now + gap)
        receipt = self.oracle.clearBreaker.attempt(accept, sender=self.guardian)
        if expected is not None:
            assert_rejected(receipt, expected)
            tally(f"oracle: {expected.error}")
            return
        self._check(receipt, self.model.clear(accept, self.now))

    @rule(delta=st.integers(-1, 1))
    def consumer_reads_at_the_staleness_edge(self, delta):
        """Move to exactly maxStaleness (+-1 s) after updatedAt, if that is ahead; the invariants read at
        the new head."""
        edge = self.model.updated_at + CONFIG.maxStaleness + delta
        if self.model.round == 0 or edge <= self.now:
            return
        self._at(edge)
        tally("oracle: read at the staleness edge")

    # ------------------------------------------------------------ invariants

    def _view_calls(self) -> list[tuple[str, tuple]]:
        """The views read after every step: (function, args); the rounds and windows depend on the model."""
        return [
            ("latest", ()),
            ("breaker", ()),
            ("annualisedVolatility", ()),
            ("volatilitySample", ()),
            ("nextEpoch", ()),
            ("reporters", ()),
            *(("suspendedUntil", (a,)) for a in ADDRESSES),
            ("read", ()),
            ("latestRoundData", ()),
        ]

    def _rounds(self) -> list[int]:
        """Rounds getRoundData is asked for: the latest, the one before, the oldest kept and those just
        outside the kept range."""
        latest = self.model.round
        rounds = {latest, latest - 1, latest - HISTORY + 1, latest - HISTORY, latest + 1}
        return sorted(r for r in rounds if r >= 0)

    def _state(self) -> dict:
        """The oracle's views at the head, read once per block, in one batch."""
        if self.state_at != self.chain.block_number:
            calls = [
                *self._calls,
                *(("getRoundData", (r,)) for r in self._rounds()),
                *(("twap", (w,)) for w in TWAP_WINDOWS),
            ]
            oracle = self.oracle
            results = self.chain.call_many(
                [(oracle.address, getattr(oracle, name).calldata(*args)) for name, args in calls]
            )
            state: dict = {}
            for (name, args), result in zip(calls, results, strict=True):
                state[(name, *args)] = result
            self.state = state
            self.state_at = self.chain.block_number
        return self.state

    def _view(self, name: str, *args):
        """A view's decoded value from the batch (raises Reverted if it reverted)."""
        result = self._state()[(name, *args)]
        if isinstance(result, Reverted):
            raise result
        return self.oracle.abi.function(name).decode(result)

    def _check_volatility(self) -> None:
        v = self.model.volatility
        volatility, sample = self.chain.call_many(
            [
                (self.oracle.address, self.oracle.annualisedVolatility.calldata()),
                (self.oracle.address, self.oracle.volatilitySample.calldata()),
            ]
        )
        decode = self.oracle.abi.function
        assert decode("annualisedVolatility").decode(volatility) == annualise(v.variance), ORA_06
        assert tuple(decode("volatilitySample").decode(sample)) == (v.price, v.sampled_at), ORA_06

    @invariant()
    def ora_01_served_price_lies_within_its_pokes_reports(self):
        m = self.model
        price, updated_at, _ = self._view("latest")
        assert (price, updated_at) == (m.price, m.updated_at), ORA_01
        if m.served_poke is not None:
            assert m.served_poke.low <= price <= m.served_poke.high, ORA_01
        if m.tripped and m.held_poke is not None:
            assert m.held_poke.low <= m.candidate <= m.held_poke.high, ORA_01
        # the kept rounds are served as they were recorded (the latest through read()'s checks: ORA-04)
        decode = self.oracle.abi.function("getRoundData").decode
        for r in self._rounds():
            if r != m.round or r == 0:
                assert_view(self._state()[("getRoundData", r)], m.round_data(r, self.now), ORA_01, decode)

    @invariant()
    def ora_02_accepted_observations_lie_in_their_window(self):
        tripped, _, candidate_at, *_ = self._view("breaker")
        floor = candidate_at if tripped else self._view("latest")[1]
        assert floor == self.model.floor, ORA_02
        poke = self.model.last_poke
        if poke is not None:
            assert all(poke.oldest <= t <= poke.newest for t in poke.observed), ORA_02
            assert poke.oldest <= min(*poke.observed, poke.at) <= poke.at, ORA_02

    @invariant()
    def ora_03_epochs_and_reporters(self):
        assert self._view("nextEpoch") == self.model.epoch + 1, ORA_03
        expected = sorted((ADDRESSES[k] for k in self.members), key=lambda a: int(a, 16))
        assert self._view("reporters") == expected, ORA_03

    @invariant()
    def ora_04_read_never_serves_a_stale_price(self):
        m, now = self.model, self.now
        state, fn = self._state(), self.oracle.abi.function
        read = state[("read",)]
        expected = m.read_rejection(now)
        assert_view(read, expected or (m.price, m.updated_at), ORA_04, fn("read").decode)
        if expected is None:
            _, updated_at = fn("read").decode(read)
            assert now - updated_at <= CONFIG.maxStaleness, ORA_04
        round_data = expected or (m.round, m.price, m.updated_at, m.updated_at, m.round)
        assert_view(state[("latestRoundData",)], round_data, ORA_04, fn("latestRoundData").decode)
        if m.round:
            assert_view(state[("getRoundData", m.round)], round_data, ORA_04, fn("getRoundData").decode)
        for w in TWAP_WINDOWS:
            assert_view(state[("twap", w)], m.twap(w, now), ORA_04, fn("twap").decode)
        assert self._view("latest")[2] == m.status(now), ORA_04

    @invariant()
    def ora_05_medians_lie_within_the_honest_reports(self):
        m = self.model
        served, held = m.served_poke, m.held_poke
        if served is not None:
            assert served.hostile <= F, ORA_05  # the premise: at most f hostile reports
            assert served.honest_low <= m.price <= served.honest_high, ORA_05
        if m.tripped and held is not None:
            assert held.hostile <= F, ORA_05
            assert held.honest_low <= m.candidate <= held.honest_high, ORA_05

    @invariant()
    def ora_06_volatility_matches_the_model(self):
        v = self.model.volatility
        assert self._view("annualisedVolatility") == annualise(v.variance), ORA_06
        assert tuple(self._view("volatilitySample")) == (v.price, v.sampled_at), ORA_06

    @invariant()
    def ora_07_breaker_matches_the_model(self):
        m = self.model
        expected = (m.tripped, m.candidate, m.candidate_at, m.tripped_at, m.level, m.level_since)
        assert tuple(self._view("breaker")) == expected, ORA_07
        if m.tripped:
            assert all(within(p, m.level, MAX_DEVIATION) for p in m.since_level), ORA_07

    @invariant()
    def ora_08_suspensions_match_the_model(self):
        suspended = [self._view("suspendedUntil", a) for a in ADDRESSES]
        assert suspended == [self._until(k) for k in range(KEYS)], ORA_08
        if self.model.last_poke is not None:
            assert not self.model.last_poke.suspended, ORA_08
