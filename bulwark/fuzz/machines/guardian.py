"""PauseGuardian (over a GuardedMock whose BETA scope is loss-shifting, so pausing it takes
shiftPauseThreshold signers): signers and forgers schedule, execute and cancel timelocked operations,
pause and extend pauses, strangers and signers call admin functions directly, and time jumps across
ETAs, grace windows and pause expiries. The pure model (bulwark/model/guardian.py), updated only on
success, predicts every outcome down to the custom error and all its arguments, including which
forged approval fails first and why. GRD-01..GRD-05 are checked after every step (the breaker fast path
and reporter suspensions need an oracle and are covered by the unit tests).

Every way to fail is drawn as often as the honest path: a reverted transaction costs no more than a
successful one on the lane."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from eth_keys.datatypes import PrivateKey
from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from bulwark.fuzz.lane import LaneMachine
from bulwark.invariants import GRD_01, GRD_02, GRD_03, GRD_04, GRD_05, GRD_06
from bulwark.model.guardian import (
    ALPHA,
    BETA,
    CANCELLED,
    EXECUTED,
    KNOWN_SCOPES,
    LOSS_SHIFTING,
    SCHEDULED,
    SCOPES,
    TEST_BOUNDS,
    TEST_DELAY,
    TEST_THRESHOLDS,
    UNSET,
    ZERO,
    Expected,
    GuardianModel,
    by_address,
    error,
    valid_thresholds,
)
from bulwark.signing.approvals import (
    Approval,
    Call,
    cancel_message,
    extend_pause_message,
    operation_id,
    pause_message,
    schedule_message,
    sign,
    sort_approvals,
    typed_digest,
    with_high_s,
)
from bulwark.units import DAY, HOUR

DEPLOYER, STRANGER, OUTSIDER, PAUSER = 0, 9, 8, 10  # dev account indices; only PAUSER is a pauser
SIGNERS = range(1, 6)  # the initial signers
POOL = range(1, 8)  # 1-5 start as signers; 6-7 may be added; any may be removed
MIN_DELAY, MAX_DELAY, GRACE, MAX_PAUSE = TEST_BOUNDS
UNSCHEDULED_SALT = (2**64).to_bytes(32, "big")  # never handed out (schedule counts salts from 0)
THRESHOLD_VIEWS = (
    "threshold",
    "cancelThreshold",
    "pauseThreshold",
    "shiftPauseThreshold",
    "breakerThreshold",
)
DECOY = cancel_message(keccak(text="not what was asked"))  # a message nobody meant to approve


@dataclass(frozen=True)
class ApprovalPlan:
    """How to build the approvals of one transaction."""

    extra: int  # approvals beyond the required number, from current signers (clamped to N)
    rotation: int  # which signers: sorted by address, rotated by this
    forgery: str  # "none", or how the approvals fall short or are spoiled
    position: int  # which approval a per-approval forgery hits
    lifetime: int  # [s] validUntil - block time; 0 = valid through this block's second only
    sender: str  # "stranger"; "unlisted_signer" (counts as one more approval); "outsider" (counts nothing);
    # "pauser" (sends with one approval fewer: counts only for a pause that shifts no losses, GRD-06)


FORGERIES = (
    "too_few",  # one approval short of the requirement
    "none_at_all",  # an empty list
    "sender_listed",  # a listed signer also sends the transaction: counted twice
    "outsider",  # a non-signer's approval (accounts[8], a removed signer, a candidate not yet added)
    "expired",  # validUntil one second before the block
    "duplicate",  # the same approval twice
    "unsorted",  # the list reversed
    "high_s",  # the malleable twin of a valid signature
    "short_signature",  # 64 bytes
    "wrong_chain",  # signed for, and declaring, another chain id
    "wrong_contract",  # signed for, and declaring, another verifying contract
    "other_domain_signed",  # declares this chain and guardian, but was signed for another chain
    "other_message",  # a valid signature of a different message
)

approval_plans = st.builds(
    ApprovalPlan,
    extra=st.sampled_from([0, 1, 2]),
    rotation=st.integers(0, 6),
    # as many honest plans as forged ones
    forgery=st.one_of(st.just("none"), st.sampled_from(FORGERIES)),
    position=st.integers(0, 6),
    lifetime=st.sampled_from([HOUR, 0]),
    sender=st.sampled_from(["stranger", "unlisted_signer", "outsider", "pauser"]),
)
VALID_PLAN = ApprovalPlan(extra=0, rotation=0, forgery="none", position=0, lifetime=HOUR, sender="stranger")

EXECUTE_TIMES = ("at_eta", "in_window", "last_second", "now", "before_eta", "expired")
PAUSE_UNTILS = ("hour", "day", "max", "too_long", "now", "past")
EXTEND_UNTILS = ("later", "max", "too_long", "same", "earlier")
OPERATION_CHOICES = ("live", "live", "retry", "finished", "unscheduled")

threshold = st.sampled_from([1, 2, 3, 4, 5])  # 4-5 may exceed a shrunken signer set


def _ordered(draw: tuple) -> tuple:
    """pause <= shiftPause <= breaker <= threshold from four sorted draws (a 1 among the upper three
    breaks the floor of 2); or a zero threshold, or a shiftPause above the breaker threshold."""
    (p, s, b, t), c, twist = sorted(draw[0]), draw[1], draw[2]
    if twist == "zero":
        p = 0
    elif twist == "swap" and s < b:
        s, b = b, s
    return ("setThresholds", t, c, p, s, b)


thresholds = st.tuples(
    st.lists(threshold, min_size=4, max_size=4), threshold, st.sampled_from(("ordered", "zero", "swap"))
).map(_ordered)
call_specs = st.one_of(
    st.tuples(st.just("setValue"), st.integers(0, 2**256 - 1)),
    st.tuples(st.just("lift"), st.sampled_from([ALPHA, BETA, KNOWN_SCOPES])),
    thresholds,
    # from the initial 2 days, HOUR and DAY are cuts (which wait out the delay they replace)
    st.tuples(
        st.just("setDelay"),
        st.sampled_from([HOUR, DAY, 4 * DAY, 10 * DAY, MAX_DELAY, MIN_DELAY - 1, MAX_DELAY + 1]),
    ),
    # whom to add or remove is resolved against the signers when the operation is scheduled
    st.tuples(st.just("addSigner"), st.sampled_from(("non_signer", "signer", "zero")), st.integers(0, 6)),
    st.tuples(st.just("removeSigner"), st.sampled_from(("signer", "non_signer")), st.integers(0, 6)),
)
operation_specs = st.lists(call_specs, min_size=1, max_size=2).map(tuple)


_SIGNED: dict[tuple, Approval] = {}  # (signer, message, chain id, contract, validUntil) -> approval
_SIGNERS: dict[tuple, str] = {}  # (digest, signature) -> the signer who made it


@cache
def _private_key(key: bytes) -> PrivateKey:
    """A key object with its public key derived once (eth-account derives it again per raw key)."""
    return PrivateKey(key)


def _salt(n: int) -> bytes:
    return n.to_bytes(32, "big")


class GuardianMachine(LaneMachine):
    @classmethod
    def deploy(cls, chain):
        deployer = chain.accounts[DEPLOYER]
        signers = [chain.accounts[i] for i in SIGNERS]
        pausers = [chain.accounts[PAUSER]]
        pg = chain.deploy(
            "PauseGuardian",
            signers,
            list(TEST_THRESHOLDS),
            TEST_DELAY,
            list(TEST_BOUNDS),
            pausers,
            sender=deployer,
        )
        target = chain.deploy("GuardedMock", pg.address, sender=deployer)
        assert (pg.MIN_DELAY(), pg.MAX_DELAY(), pg.GRACE_PERIOD(), pg.MAX_PAUSE_DURATION()) == TEST_BOUNDS
        assert target.lossShiftingScopes() == LOSS_SHIFTING
        return SimpleNamespace(pg=pg, target=target, signers=signers, pausers=pausers)

    def __init__(self):
        super().__init__()
        chain = self.chain
        self.pg, self.target = self.world.pg, self.world.target
        self.accounts = chain.accounts
        self.stranger = chain.accounts[STRANGER]
        self.outsider = chain.accounts[OUTSIDER]
        self.pool = [chain.accounts[i] for i in POOL]
        self.keys = {chain.accounts[i]: chain.keys[i] for i in [*POOL, OUTSIDER]}
        self.chain_id = chain.chain_id
        self.pauser = chain.accounts[PAUSER]
        w = self.world
        self.model = GuardianModel.fresh(
            w.signers, self.chain_id, w.pg.address, w.target.address, pausers=w.pausers
        )
        self.model.known_signers = _SIGNERS  # shared: a signature stays valid across examples
        self.now = chain.timestamp
        self.executed_logs: list[bytes] = []  # every OperationExecuted seen in a receipt
        self._views = None  # (block, ops) -> what the invariants read then
        self.salts = 0  # salts handed out: a new operation never collides with an earlier one

    # ------------------------------------------------------------ helpers

    @property
    def gov(self):
        return self.model.governance

    def _at(self, ts: int) -> int:
        """The next transactions land at `ts` (never earlier than now)."""
        if ts > self.now:
            self.chain.warp(ts)
            self.now = ts
        return self.now

    def _read(self) -> SimpleNamespace:
        """Everything the invariants look at, in one batch (one JSON-RPC round trip on Anvil), read
        again whenever a block was mined since (state and time change only with a block)."""
        key = (self.chain.block_number, len(self.model.ops))
        if self._views is not None and self._views[0] == key:
            return self._views[1]
        pg, target = self.pg, self.target
        views = [
            (pg, "delay", ()),
            (pg, "pendingDelay", ()),
            (pg, "signers", ()),
            (pg, "pausers", ()),
            *((pg, name, ()) for name in THRESHOLD_VIEWS),
            (target, "value", ()),
            (target, "lossShiftingScopes", ()),
            *((target, "isPaused", (scope,)) for scope in SCOPES),
            *((target, "pausedUntil", (scope,)) for scope in SCOPES),
            *((pg, "operation", (op_id,)) for op_id in self.model.ops),
        ]
        replies = self.chain.call_many([(c.address, getattr(c, fn).calldata(*args)) for c, fn, args in views])
        values = []
        for (c, fn, _), reply in zip(views, replies, strict=True):
            assert not isinstance(reply, Exception), f"{fn}: {reply}"
            values.append(c.abi.function(fn).decode(reply))
        it = iter(values)
        read = SimpleNamespace(
            delay=next(it),
            pending=tuple(next(it)),
            signers=list(next(it)),
            pausers=list(next(it)),
            thresholds=tuple(next(it) for _ in THRESHOLD_VIEWS),
            value=next(it),
            loss_shifting=next(it),
            paused={scope: next(it) for scope in SCOPES},
            until={scope: next(it) for scope in SCOPES},
            operations={op_id: tuple(next(it)) for op_id in self.model.ops},
        )
        self._views = (key, read)
        return read

    def _expect(self, receipt, expected: Expected) -> None:
        """The transaction reverted with exactly `expected`: its name and all of its arguments."""
        assert not receipt.status, f"expected {expected.name}{expected.inputs}, but it succeeded"
        assert receipt.error.name == expected.name, (
            f"expected {expected.name}{expected.inputs}, got {receipt.error}"
        )
        assert receipt.error.args == expected.inputs, (
            f"expected {expected.name}{expected.inputs}, got {receipt.error}"
        )

    def _ok(self, receipt):
        """A transaction the model says succeeds; records any operation it executed."""
        assert receipt.status, receipt.error
        self.executed_logs += [
            e.args["id"]
            for e in receipt.events
            if e.name == "OperationExecuted" and e.address == self.pg.address
        ]
        return receipt

    def _sign(self, signer: str, message, chain_id: int, contract: str, valid_until: int):
        """bulwark.approvals.sign, remembered: signing is deterministic (RFC 6979), and the native
        secp256k1 backend takes ~6 ms a signature, the bulk of a step. The model is told who made each
        signature over which digest, so that it recovers only the signatures nobody made for it."""
        key = (signer, message.primary_type, repr(message.values), chain_id, contract, valid_until)
        approval = _SIGNED.get(key)
        if approval is None:
            approval = _SIGNED[key] = sign(
                _private_key(self.keys[signer]), message, chain_id, contract, valid_until
            )
            digest = typed_digest(message, chain_id, contract, valid_until)
            _SIGNERS[(digest, approval.signature)] = approval.signer
        return approval

    def _approvals(self, plan: ApprovalPlan, message, required: int, ts: int):
        """Signed approvals and the sender, built as `plan` says."""
        current = by_address(self.gov.signers)
        n = len(current)
        start = plan.rotation % n
        rotated = current[start:] + current[:start]
        k = min(n, required + plan.extra)
        sender = self.stranger
        if plan.forgery in ("too_few", "none_at_all"):
            k = required - 1 if plan.forgery == "too_few" else 0
        elif plan.sender == "unlisted_signer" and k < n:
            sender = rotated[k]
        elif plan.sender == "outsider":
            sender = self.outsider
        elif plan.sender == "pauser":
            sender, k = self.pauser, max(k - 1, 0)
        chosen = rotated[:k]
        if plan.forgery == "sender_listed" and chosen:
            sender = chosen[0]
        pg, chain_id = self.pg.address, self.chain_id
        valid_until = ts + plan.lifetime
        approvals = sort_approvals(self._sign(a, message, chain_id, pg, valid_until) for a in chosen)

        if plan.forgery == "outsider":
            non_signers = [a for a in [*self.pool, self.outsider] if a not in self.gov.signers]
            forger = non_signers[plan.rotation % len(non_signers)]
            forged = self._sign(forger, message, chain_id, pg, valid_until)
            approvals = sort_approvals([*approvals, forged])
        elif approvals:
            i = plan.position % len(approvals)
            a = approvals[i]
            if plan.forgery == "expired":
                approvals[i] = self._sign(a.signer, message, chain_id, pg, ts - 1)
            elif plan.forgery == "duplicate":
                approvals.insert(i + 1, a)
            elif plan.forgery == "unsorted":
                approvals.reverse()
            elif plan.forgery == "high_s":
                approvals[i] = a._replace(signature=with_high_s(a.signature))
            elif plan.forgery == "short_signature":
                approvals[i] = a._replace(signature=a.signature[:64])
            elif plan.forgery == "wrong_chain":
                approvals[i] = self._sign(a.signer, message, chain_id + 1, pg, valid_until)
            elif plan.forgery == "wrong_contract":
                approvals[i] = self._sign(a.signer, message, chain_id, self.target.address, valid_until)
            elif plan.forgery == "other_domain_signed":
                approvals[i] = self._sign(a.signer, message, chain_id + 1, pg, valid_until)._replace(
                    chainId=chain_id
                )
            elif plan.forgery == "other_message":
                approvals[i] = self._sign(a.signer, DECOY, chain_id, pg, valid_until)
        return approvals, sender

    def _pick_operation(self, pick: int, choice: str) -> tuple[bytes, object]:
        """A Scheduled operation whose window is open and whose calls have not reverted yet; or,
        as `choice` says and if there is one, one whose calls reverted before ("retry": it stays
        executable), or an executed or cancelled one. Falls back to any Scheduled operation."""
        ops = self.model.ops
        open_ = [i for i in ops if ops[i].state == SCHEDULED and self.now <= ops[i].eta + GRACE]
        tiers = [
            [i for i in open_ if ops[i].bubbled] if choice == "retry" else [],
            [i for i in ops if ops[i].state in (EXECUTED, CANCELLED)] if choice == "finished" else [],
            [i for i in open_ if not ops[i].bubbled],
            open_,
            [i for i in ops if ops[i].state == SCHEDULED],
        ]
        ids = next(tier for tier in tiers if tier)
        op_id = ids[pick % len(ids)]
        return op_id, ops[op_id]

    def _resolve(self, spec: tuple) -> tuple:
        """("addSigner" | "removeSigner", who, k) -> the call with the k-th such account now."""
        if spec[0] not in ("addSigner", "removeSigner"):
            return spec
        kind, who, k = spec
        signers = by_address(self.gov.signers)
        non_signers = [a for a in self.pool if a not in self.gov.signers]
        group = {"signer": signers, "non_signer": non_signers, "zero": [ZERO]}[who] or signers
        return (kind, group[k % len(group)])

    def _to_call(self, spec: tuple) -> Call:
        kind, *args = spec
        if kind == "setValue":
            return Call(self.target.address, 0, self.target.setValue.calldata(*args))
        if kind == "lift":
            return Call(self.target.address, 0, self.target.setPause.calldata(args[0], 0))
        return Call(self.pg.address, 0, getattr(self.pg, kind).calldata(*args))

    def _schedule(self, specs, variant, pick, plan):
        ts = self.now
        ops = self.model.ops
        if variant == "again" and ops:
            op = list(ops.values())[pick % len(ops)]
            specs, calls, salt = op.specs, op.calls, op.salt
        else:
            specs = () if variant == "empty" else tuple(self._resolve(s) for s in specs)
            calls, salt = [self._to_call(s) for s in specs], _salt(self.salts)
            self.salts += 1
        message = schedule_message(calls, salt)
        required = self.gov.threshold
        approvals, sender = self._approvals(plan, message, required, ts)
        op_id = operation_id(calls, salt) if calls else None
        expected = self.model.schedule_error(op_id)
        if not expected:
            expected, approvers = self.model.approval_error(approvals, sender, message, required, ts)
        receipt = self.pg.schedule.attempt(calls, salt, approvals, sender=sender)
        if expected:
            self._expect(receipt, expected)
            return None

        log = self._ok(receipt).event("OperationScheduled")
        op = self.model.record_schedule(op_id, specs, calls, salt, approvers, ts)
        assert (log["id"], log["eta"], log["expiresAt"]) == (op_id, op.eta, op.eta + GRACE), GRD_01
        assert list(log["approvers"]) == approvers, GRD_01
        return op_id

    def _fast_path(self, kind: str, scopes: int, until: int, plan: ApprovalPlan):
        ts = self.now
        target = self.target.address
        message = (pause_message if kind == "Pause" else extend_pause_message)(target, scopes, until)
        # a loss-shifting scope anywhere in the mask raises a pause's requirement (GRD-05)
        required = self.model.required_for(kind, scopes)
        approvals, sender = self._approvals(plan, message, required, ts)
        method = self.pg.pause if kind == "Pause" else self.pg.extendPause
        expected = self.model.pause_error(kind, scopes, until, ts)
        if not expected:
            counts = self.model.pauser_counts(kind, scopes)
            expected, approvers = self.model.approval_error(approvals, sender, message, required, ts, counts)
        if not expected:
            expected = self.model.target_error(scopes)  # bubbled up from the target's setPause
        receipt = method.attempt(target, scopes, until, approvals, sender=sender)
        if expected:
            self._expect(receipt, expected)
            return

        log = self._ok(receipt).event("Paused" if kind == "Pause" else "PauseExtended")
        assert list(log["approvers"]) == approvers
        assert len(set(approvers)) >= required, GRD_03
        self.model.record_pause(kind, scopes, until, approvals, sender, list(log["approvers"]))

    def _execute(self, op_id: bytes, op, when: str, choice: str):
        """A stranger executes `op` at `when` (relative to its window), or, for "unscheduled", the
        same calls with a salt that was never scheduled."""
        wanted = {
            "at_eta": op.eta,
            "in_window": op.eta + GRACE // 2,
            "last_second": op.eta + GRACE,
            "now": self.now,
            "before_eta": op.eta - 1,
            "expired": op.eta + GRACE + 1,
        }[when]
        ts = self._at(wanted)
        if choice == "unscheduled":
            unknown = operation_id(op.calls, UNSCHEDULED_SALT)
            receipt = self.pg.execute.attempt(op.calls, UNSCHEDULED_SALT, sender=self.stranger)
            self._expect(
                receipt, error("PauseGuardianUnexpectedState", id=unknown, state=UNSET, expected=SCHEDULED)
            )
            return
        expected, after = self.model.execute(op_id, ts)
        receipt = self.pg.execute.attempt(op.calls, op.salt, sender=self.stranger)
        if expected:
            self._expect(receipt, expected)
            if op.bubbled and op.state == SCHEDULED:  # a reverted batch stays Scheduled, executable
                assert tuple(self.pg.operation(op_id)) == (SCHEDULED, op.eta), GRD_01
            return

        self._ok(receipt)
        executed = [
            (e.args["id"], to_checksum_address(e.args["executor"]))
            for e in receipt.events
            if e.name == "OperationExecuted" and e.address == self.pg.address
        ]
        assert executed == [(op_id, self.stranger)], GRD_01
        self.model.record_execute(op_id, after, ts)

    # ------------------------------------------------------------ rules

    @initialize(specs=operation_specs)
    def schedule_first_operation(self, specs):
        """One operation with exactly `threshold` valid approvals, so that execute and cancel have
        work from the first step."""
        self._schedule(specs, variant="new", pick=0, plan=VALID_PLAN)

    @rule(seconds=st.one_of(st.integers(1, 10 * DAY), st.sampled_from([1, HOUR, DAY, GRACE, MAX_PAUSE])))
    def time_passes(self, seconds):
        self._at(self.now + seconds)

    @rule(pick=st.integers(0, 20), offset=st.sampled_from([-1, 0, 1]))
    def time_reaches_a_deadline(self, pick, offset):
        """To a second around a moment the rules turn on: a delay cut applying, a pause expiring, an
        operation's ETA or the end of its grace window."""
        g = self.gov
        moments = [g.pending_at, *g.until.values()]
        for op in self.model.ops.values():
            if op.state == SCHEDULED:
                moments += [op.eta, op.eta + GRACE]
        ahead = sorted({m + offset for m in moments if m + offset > self.now})
        if ahead:
            self._at(ahead[pick % len(ahead)])

    @rule(
        specs=operation_specs,
        variant=st.sampled_from(("new", "new", "again", "empty")),
        pick=st.integers(0, 20),
        plan=approval_plans,
    )
    def schedule(self, specs, variant, pick, plan):
        """Schedule calls; or no calls, or the calls and salt of an operation scheduled before."""
        self._schedule(specs, variant, pick, plan)

    @precondition(lambda self: self.model.has_open_window(self.now))
    @rule(
        pick=st.integers(0, 20),
        choice=st.sampled_from(OPERATION_CHOICES),
        when=st.sampled_from(EXECUTE_TIMES),
    )
    def execute(self, pick, choice, when):
        """A stranger executes an operation at a chosen moment around its window."""
        op_id, op = self._pick_operation(pick, choice)
        self._execute(op_id, op, when, choice)

    @rule(specs=operation_specs, when=st.sampled_from(("at_eta", "in_window", "last_second")))
    def operation_runs_through_the_timelock(self, specs, when):
        """Scheduled with exactly `threshold` valid approvals, executed inside its window: the one
        way signers, thresholds and the delay change (so it gets a rule of its own)."""
        if op_id := self._schedule(specs, variant="new", pick=0, plan=VALID_PLAN):
            self._execute(op_id, self.model.ops[op_id], when, "live")

    @precondition(lambda self: self.model.has_scheduled())
    @rule(pick=st.integers(0, 20), choice=st.sampled_from(OPERATION_CHOICES), plan=approval_plans)
    def cancel(self, pick, choice, plan):
        """Cancel an operation (even one past its window) with cancelThreshold approvals."""
        ts = self.now
        op_id, op = self._pick_operation(pick, choice)
        if choice == "unscheduled":
            op_id = operation_id(op.calls, UNSCHEDULED_SALT)
        message = cancel_message(op_id)
        required = self.gov.cancel_threshold
        approvals, sender = self._approvals(plan, message, required, ts)
        expected = self.model.cancel_error(op_id)
        if not expected:
            expected, approvers = self.model.approval_error(approvals, sender, message, required, ts)
        receipt = self.pg.cancel.attempt(op_id, approvals, sender=sender)
        if expected:
            self._expect(receipt, expected)
            return
        log = self._ok(receipt).event("OperationCancelled")
        assert list(log["approvers"]) == approvers
        self.model.record_cancel(op_id)

    @precondition(lambda self: any(not self.gov.paused(s, self.now) for s in SCOPES))
    @rule(
        scopes=st.sampled_from([ALPHA, BETA, KNOWN_SCOPES, 1 << 2]),
        until=st.sampled_from(PAUSE_UNTILS),
        plan=approval_plans,
        variant=st.sampled_from(("live", "live", "insist", "replay")),
        pick=st.integers(0, 20),
    )
    def pause(self, scopes, until, plan, variant, pick):
        """A fast-path pause of the live scopes among `scopes` (of all of them if told to insist);
        or the exact transaction of an earlier pause or extension, refused before anything else."""
        ts = self.now
        history = self.model.pause_history
        if variant == "replay" and history:
            request = history[pick % len(history)]
            method = self.pg.pause if request.kind == "Pause" else self.pg.extendPause
            receipt = method.attempt(
                self.target.address,
                request.scopes,
                request.until,
                list(request.approvals),
                sender=request.sender,
            )
            replayed = self.model.request_id(request.kind, request.scopes, request.until)
            self._expect(receipt, error("PauseGuardianPauseReplayed", request=replayed))
            return
        live = [s for s in SCOPES if scopes & s and not self.gov.paused(s, ts)]
        if live and variant != "insist":
            scopes = sum(live)
        until = {
            "hour": ts + HOUR,
            "day": ts + DAY,
            "max": ts + MAX_PAUSE,
            "too_long": ts + MAX_PAUSE + 1,
            "now": ts,
            "past": ts - 1,
        }[until]
        self._fast_path("Pause", scopes, until, plan)

    @precondition(lambda self: any(self.gov.paused(s, self.now) for s in SCOPES))
    @rule(
        scopes=st.sampled_from([ALPHA, BETA, KNOWN_SCOPES]),
        until=st.sampled_from(EXTEND_UNTILS),
        plan=approval_plans,
        insist=st.booleans(),
    )
    def extend_pause(self, scopes, until, plan, insist):
        """Extend the running pauses among `scopes` (all of them, running or not, if told to insist)."""
        ts = self.now
        running = [s for s in SCOPES if scopes & s and self.gov.paused(s, ts)]
        if running and not insist:
            scopes = sum(running)
        current = max(self.gov.until[s] for s in SCOPES if scopes & s)
        until = {
            "later": min(current + HOUR, ts + MAX_PAUSE),
            "max": ts + MAX_PAUSE,
            "too_long": ts + MAX_PAUSE + 1,
            "same": current,
            "earlier": max(current - 1, 0),
        }[until]
        self._fast_path("ExtendPause", scopes, until, plan)

    @rule(
        action=st.sampled_from(
            ["setValue", "setPause", "addSigner", "removeSigner", "setThresholds", "setDelay"]
        ),
        caller=st.sampled_from([STRANGER, 1, DEPLOYER]),
    )
    def direct_admin_call(self, action, caller):
        """No account, signer or deployer, gets around the guardian (GRD-04) or its timelock (GRD-02)."""
        caller = self.accounts[caller]
        if action in ("setValue", "setPause"):
            args = (7,) if action == "setValue" else (KNOWN_SCOPES, self.now + HOUR)
            receipt = getattr(self.target, action).attempt(*args, sender=caller)
            self._expect(receipt, error("GuardedNotGuardian", caller=caller, guardian=self.pg.address))
            return
        args = {
            "addSigner": (self.outsider,),
            "removeSigner": (self.accounts[1],),
            "setThresholds": (2, 1, 1, 2, 2),
            "setDelay": (MIN_DELAY,),
        }[action]
        receipt = getattr(self.pg, action).attempt(*args, sender=caller)
        self._expect(receipt, error("PauseGuardianOnlySelf", caller=caller))

    # ------------------------------------------------------------ invariants

    @invariant()
    def grd_01_operations_run_only_in_their_window_with_threshold_approvals(self):
        ops = self.model.ops
        for op in ops.values():
            assert len(set(op.approvers)) == len(op.approvers) >= op.required, GRD_01
            assert set(op.approvers) <= op.signers_then, GRD_01
            if op.state == EXECUTED:
                assert op.eta <= op.executed_at <= op.eta + GRACE, GRD_01
        # nothing ran that the model did not run, and nothing ran twice
        executed = sorted(op_id for op_id, op in ops.items() if op.state == EXECUTED)
        assert sorted(self.executed_logs) == executed, GRD_01
        onchain = self._read().operations
        for op_id, op in ops.items():
            assert onchain[op_id] == (op.state, op.eta), GRD_01

    @invariant()
    def grd_02_governance_changes_only_through_executed_operations(self):
        g, read = self.gov, self._read()
        assert read.delay == g.delay_at(self.now), GRD_02  # time-dependent: a cut applies by itself
        assert sorted(read.signers) == sorted(g.signers), GRD_02
        assert read.thresholds == g.thresholds(), GRD_02
        assert all(1 <= t <= len(g.signers) for t in read.thresholds), GRD_02
        assert read.pending == g.pending_at_time(self.now), GRD_02

    @invariant()
    def grd_03_pauses_end_at_their_expiry(self):
        now = self.chain.timestamp
        assert now == self.now  # time moves only when the machine moves it
        read = self._read()
        for scope in SCOPES:
            assert read.paused[scope] == self.gov.paused(scope, now), GRD_03

    @invariant()
    def grd_04_only_the_guardian_changed_parameters_and_flags(self):
        read = self._read()
        assert read.value == self.gov.value, GRD_04
        for scope in SCOPES:
            assert read.until[scope] == self.gov.until[scope], GRD_04

    @invariant()
    def grd_06_a_pauser_counted_only_for_pauses_that_shift_no_losses(self):
        for req in self.model.pause_history:
            if req.sender in self.model.pausers and req.sender in req.approvers:
                assert req.kind == "Pause" and not req.scopes & LOSS_SHIFTING, GRD_06
        assert sorted(self._read().pausers) == sorted(self.model.pausers), GRD_06

    @invariant()
    def grd_05_loss_shifting_pauses_had_shift_pause_threshold_signers(self):
        for req in self.model.pause_history:
            if req.kind == "Pause" and req.scopes & LOSS_SHIFTING:
                _, _, _, shift, _ = req.thresholds
                assert len(set(req.approvers)) >= shift, GRD_05
                assert req.signer_count < 2 or len(set(req.approvers)) >= 2, GRD_05
        read = self._read()
        assert valid_thresholds(*read.thresholds, len(self.gov.signers)), GRD_05
        assert read.loss_shifting == LOSS_SHIFTING, GRD_05
