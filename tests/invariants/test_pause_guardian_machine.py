"""Stateful fuzzing of PauseGuardian: signers (and forgers) schedule, execute and cancel timelocked
operations, pause and extend pauses on a GuardedMock (whose BETA scope is loss-shifting, so pausing it
takes shiftPauseThreshold signers), strangers call admin functions directly, and time jumps across
ETAs, grace windows and pause expiries. A pure-Python model of the guardian and its
target, updated only on success, predicts every outcome down to the custom error and its arguments; a
Python mirror of the approval checks predicts which forged approval fails first, and why.
GRD-01..GRD-05 are checked after every step (the breaker fast path and reporter suspensions need an
oracle and are covered by the unit tests).

Cost: every reverted transaction costs Ape ~0.4 s (it is mined, traced and pretty-printed), a
successful one ~0.07 s. The strategies are therefore biased towards valid actions, with each way to
fail drawn often enough to be hit in every few runs, and invariants re-read storage only after a step
that changed it (a reverted transaction cannot); views that depend on the time are read every step."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from eth_account import Account
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

from bulwark.abi.scopes import GuardedMockScope
from bulwark.invariants import GRD_01, GRD_02, GRD_03, GRD_04, GRD_05
from bulwark.signing.approvals import (
    SECP256K1_N,
    Call,
    cancel_message,
    extend_pause_message,
    operation_id,
    pause_message,
    pause_request_id,
    schedule_message,
    sign,
    sort_approvals,
    typed_digest,
    with_high_s,
)
from bulwark.units import DAY, HOUR
from tests.helpers import reverts

ALPHA, BETA = int(GuardedMockScope.ALPHA), int(GuardedMockScope.BETA)  # plain ints: masks are negated
SCOPES = (ALPHA, BETA)
KNOWN_SCOPES = ALPHA | BETA
LOSS_SHIFTING = BETA  # GuardedMock.lossShiftingScopes()
ZERO = to_checksum_address("0x" + "00" * 20)
UNSET, SCHEDULED, EXECUTED, CANCELLED = range(4)  # IPauseGuardian.OperationState
UNSCHEDULED_SALT = (2**64).to_bytes(32, "big")  # never handed out (schedule counts salts from 0)
DECOY = cancel_message(keccak(text="not what was asked"))  # a message nobody meant to approve


def _bits(mask: int) -> list[int]:
    """The single-bit scopes of `mask`, lowest first (ScopeBits.popLowest order)."""
    return [1 << i for i in range(mask.bit_length()) if mask >> i & 1]


def _salt(n: int) -> bytes:
    return n.to_bytes(32, "big")


def _recover(digest: bytes, signature: bytes) -> str:
    """What ecrecover returns for a 65-byte, low-s signature (zero when it fails)."""
    v, r, s = signature[64], int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    if v not in (27, 28):
        return ZERO
    try:
        return Account._recover_hash(digest, vrs=(v, r, s))
    except Exception:
        return ZERO


@dataclass(frozen=True)
class Expected:
    """A custom error the next transaction must revert with; `source` names the ABI that declares it."""

    name: str
    inputs: dict
    source: str = "guardian"


def _error(name: str, **inputs) -> Expected:
    return Expected(name, inputs)


@dataclass
class Governance:
    """The model: the guardian's signers, thresholds and delay, and the target's value and pauses."""

    signers: set[str]
    threshold: int
    cancel_threshold: int
    pause_threshold: int
    shift_pause_threshold: int
    breaker_threshold: int
    delay: int  # [s] in force until a pending cut applies
    pending_delay: int = 0
    pending_at: int = 0  # [unix s] 0 if no cut is pending
    value: int = 0
    until: dict = field(default_factory=lambda: dict.fromkeys(SCOPES, 0))

    def delay_at(self, ts: int) -> int:
        return self.pending_delay if self.pending_at and ts >= self.pending_at else self.delay

    def thresholds(self) -> tuple[int, int, int, int, int]:
        return (
            self.threshold,
            self.cancel_threshold,
            self.pause_threshold,
            self.shift_pause_threshold,
            self.breaker_threshold,
        )

    def required_to_pause(self, scopes: int) -> int:
        """pauseThreshold, or shiftPauseThreshold when the mask names a loss-shifting scope (GRD-05)."""
        return self.shift_pause_threshold if scopes & LOSS_SHIFTING else self.pause_threshold

    @staticmethod
    def valid_thresholds(t: int, c: int, p: int, s: int, b: int, count: int) -> bool:
        """1 <= c <= N; 1 <= p <= s <= b <= t <= N; s >= 2 with two or more signers."""
        return 1 <= c <= count and 1 <= p <= s <= b <= t <= count and s >= min(2, count)

    @classmethod
    def _invalid_thresholds(cls, t: int, c: int, p: int, s: int, b: int, count: int) -> Expected | None:
        if cls.valid_thresholds(t, c, p, s, b, count):
            return None
        return _error(
            "PauseGuardianInvalidThreshold",
            threshold=t,
            cancelThreshold=c,
            pauseThreshold=p,
            shiftPauseThreshold=s,
            breakerThreshold=b,
            signerCount=count,
        )

    def apply(self, spec: tuple, ts: int, min_delay: int, max_delay: int) -> Expected | None:
        """Runs one call of an operation at `ts` (as the guardian); the error it reverts with, if any."""
        kind, *args = spec
        if kind == "setValue":
            self.value = args[0]
        elif kind == "lift":  # target.setPause(scopes, 0): the timelocked way to end a pause early
            for scope in _bits(args[0]):
                self.until[scope] = 0
        elif kind == "setThresholds":
            if err := self._invalid_thresholds(*args, len(self.signers)):
                return err
            (
                self.threshold,
                self.cancel_threshold,
                self.pause_threshold,
                self.shift_pause_threshold,
                self.breaker_threshold,
            ) = args
        elif kind == "setDelay":
            (new,) = args
            if not min_delay <= new <= max_delay:
                return _error(
                    "PauseGuardianDelayOutOfBounds", delay=new, minDelay=min_delay, maxDelay=max_delay
                )
            current = self.delay_at(ts)
            self.delay, self.pending_delay, self.pending_at = current, 0, 0
            if new < current:  # a cut waits out the delay it replaces
                self.pending_delay, self.pending_at = new, ts + current
            else:
                self.delay = new
        elif kind == "addSigner":
            (signer,) = args
            if signer == ZERO:
                return _error("PauseGuardianInvalidSigner", signer=signer)
            if signer in self.signers:
                return _error("PauseGuardianSignerMembership", signer=signer, isSigner=True)
            self.signers.add(signer)
        elif kind == "removeSigner":
            (signer,) = args
            if signer not in self.signers:
                return _error("PauseGuardianSignerMembership", signer=signer, isSigner=False)
            self.signers.remove(signer)
            if err := self._invalid_thresholds(*self.thresholds(), len(self.signers)):
                return err
        else:  # pragma: no cover - the strategies build only the kinds above
            raise AssertionError(kind)
        return None


@dataclass
class Operation:
    """What the model knows of one scheduled operation."""

    specs: tuple
    calls: list
    salt: bytes
    eta: int
    approvers: tuple  # from the OperationScheduled event
    required: int  # threshold when it was scheduled
    signers_then: frozenset
    state: int = SCHEDULED
    executed_at: int | None = None
    bubbled: bool = False  # an execution reverted inside one of its calls


@dataclass(frozen=True)
class PauseRequest:
    """A fast-path pause or extension that went through, with the exact approvals it used."""

    kind: str  # "Pause" or "ExtendPause"
    scopes: int
    until: int
    approvals: tuple
    sender: object
    approvers: tuple  # from the Paused or PauseExtended event
    thresholds: tuple  # the model's (t, c, p, s, b) when it ran
    signer_count: int  # signers when it ran


@dataclass(frozen=True)
class ApprovalPlan:
    """How to build the approvals of one transaction."""

    extra: int  # approvals beyond the required number, from current signers (clamped to N)
    rotation: int  # which signers: sorted by address, rotated by this
    forgery: str  # "none", or how the approvals fall short or are spoiled
    position: int  # which approval a per-approval forgery hits
    lifetime: int  # [s] validUntil - block time; 0 = valid through this block's second only
    sender: str  # "stranger"; "unlisted_signer" (counts as one more approval); "outsider" (counts nothing)


FORGERIES = ("none",) * 36 + (
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
    extra=st.sampled_from([0, 0, 1, 2]),
    rotation=st.integers(0, 6),
    forgery=st.sampled_from(FORGERIES),
    position=st.integers(0, 6),
    lifetime=st.sampled_from([HOUR, 0]),
    sender=st.sampled_from(["stranger", "stranger", "stranger", "unlisted_signer", "outsider"]),
)
VALID_PLAN = ApprovalPlan(extra=0, rotation=0, forgery="none", position=0, lifetime=HOUR, sender="stranger")

RARELY = (False,) * 9 + (True,)
EXECUTE_TIMES = ("at_eta", "in_window", "last_second") * 3 + ("now", "before_eta", "expired")
DIRECT_CALLS_PER_EXAMPLE = 2  # each is a reverted transaction (~0.4 s); more add little
PAUSE_UNTILS = ("hour", "day", "max") * 3 + ("too_long", "now", "past")
EXTEND_UNTILS = ("later", "max") * 3 + ("too_long", "same", "earlier")
OPERATION_CHOICES = ("live",) * 8 + ("retry", "finished", "unscheduled")


def test_pause_guardian_state_machine(project, chain, accounts, deploy_guardian, guardian_signers, stranger):
    """GRD-01..GRD-05 hold after every step of random (and forged) guardian activity."""
    pg = deploy_guardian(
        guardian_signers,
        threshold=3,
        cancel_threshold=2,
        pause_threshold=1,
        shift_pause_threshold=2,
        breaker_threshold=2,
        delay=2 * DAY,
    )
    target = accounts[0].deploy(project.GuardedMock, pg)
    chain_id = chain.chain_id
    min_delay, max_delay = pg.MIN_DELAY(), pg.MAX_DELAY()
    grace, max_pause = pg.GRACE_PERIOD(), pg.MAX_PAUSE_DURATION()

    pool = list(accounts[1:8])  # 1-5 start as signers; 6-7 may be added; any may be removed
    outsider = accounts[8]  # never a signer
    by_address = {a.address: a for a in [*pool, outsider]}
    keys = {a.address: a.private_key for a in [*pool, outsider]}
    sources = {"guardian": pg, "target": target}

    threshold = st.sampled_from([1, 2, 3, 2, 3, 4, 5])  # 4-5 may exceed a shrunken signer set

    def ordered(draw: tuple) -> tuple:
        """pause <= shiftPause <= breaker <= threshold from four sorted draws (a 1 among the upper three
        breaks the floor of 2); rarely a zero threshold or a shiftPause above the breaker threshold."""
        (p, s, b, t), c, twist = sorted(draw[0]), draw[1], draw[2]
        if twist == "zero":
            p = 0
        elif twist == "swap" and s < b:
            s, b = b, s
        return ("setThresholds", t, c, p, s, b)

    thresholds = st.tuples(
        st.lists(threshold, min_size=4, max_size=4),
        threshold,
        st.sampled_from(("ordered",) * 8 + ("zero", "swap")),
    ).map(ordered)
    call_specs = st.one_of(
        st.tuples(st.just("setValue"), st.integers(0, 2**256 - 1)),
        st.tuples(st.just("lift"), st.sampled_from([ALPHA, BETA, KNOWN_SCOPES])),
        thresholds,
        st.tuples(
            st.just("setDelay"),
            # from the initial 2 days, half of these are cuts (which wait out the delay they replace)
            st.sampled_from(
                [HOUR, DAY, HOUR, DAY, 4 * DAY, 10 * DAY, max_delay, min_delay - 1, max_delay + 1]
            ),
        ),
        # whom to add or remove is resolved against the signers when the operation is scheduled
        st.tuples(
            st.just("addSigner"), st.sampled_from(("non_signer",) * 4 + ("signer", "zero")), st.integers(0, 6)
        ),
        st.tuples(
            st.just("removeSigner"), st.sampled_from(("signer",) * 4 + ("non_signer",)), st.integers(0, 6)
        ),
    )
    operation_specs = st.lists(call_specs, min_size=1, max_size=2).map(tuple)

    def to_call(spec: tuple) -> Call:
        kind, *args = spec
        if kind == "setValue":
            return Call(target.address, 0, bytes(target.setValue.encode_input(*args)))
        if kind == "lift":
            return Call(target.address, 0, bytes(target.setPause.encode_input(args[0], 0)))
        return Call(pg.address, 0, bytes(getattr(pg, kind).encode_input(*args)))

    def expect_revert(expected: Expected, method, *args, sender):
        """The call reverts with exactly the expected error and inputs (tests.helpers.reverts is strict
        where ape.reverts is not: undecoded reverts and misspelt input names fail)."""
        with reverts(getattr(sources[expected.source], expected.name), **expected.inputs):
            method(*args, sender=sender)

    class PauseGuardianMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp
            self.model = Governance(
                signers={s.address for s in guardian_signers},
                threshold=3,
                cancel_threshold=2,
                pause_threshold=1,
                shift_pause_threshold=2,
                breaker_threshold=2,
                delay=2 * DAY,
            )
            self.ops: dict[bytes, Operation] = {}
            self.used_requests: set[bytes] = set()
            self.pause_history: list[PauseRequest] = []  # fast-path requests that went through
            self.executed_logs: list[bytes] = []  # every OperationExecuted seen in a receipt
            self.changes = 0  # successful transactions so far
            self.checked: dict[str, int] = {}  # invariant -> `changes` when it last read storage
            self.direct_calls = 0
            self.salts = 0  # salts handed out: a new operation never collides with an earlier one

        def teardown(self):
            chain.restore(self.snapshot)

        # ------------------------------------------------------------ helpers

        def _at(self, ts: int) -> int:
            """The next transaction lands at `ts`, strictly later than anything before."""
            assert ts > self.now
            self.now = ts
            chain.pending_timestamp = ts
            return ts

        def _next_block_time(self) -> int:
            return self._at(self.now + 1)

        def _send(self, method, *args, sender):
            """A transaction the model says succeeds; records any operation it executed."""
            receipt = method(*args, sender=sender)
            assert receipt.timestamp == self.now
            self.changes += 1
            self.executed_logs += [bytes(log.id) for log in receipt.decode_logs(pg.OperationExecuted)]
            return receipt

        def _storage_may_have_changed(self, invariant_name: str) -> bool:
            """Storage changes only in a successful transaction; read it again only after one."""
            if self.checked.get(invariant_name) == self.changes:
                return False
            self.checked[invariant_name] = self.changes
            return True

        def _approvals(self, plan: ApprovalPlan, message, required: int, ts: int):
            """Signed approvals and the sender, built as `plan` says."""
            current = sorted(self.model.signers, key=lambda a: int(a, 16))
            n = len(current)
            start = plan.rotation % n
            rotated = current[start:] + current[:start]
            k = min(n, required + plan.extra)
            sender = stranger
            if plan.forgery in ("too_few", "none_at_all"):
                k = required - 1 if plan.forgery == "too_few" else 0
            elif plan.sender == "unlisted_signer" and k < n:
                sender = by_address[rotated[k]]
            elif plan.sender == "outsider":
                sender = outsider
            chosen = rotated[:k]
            if plan.forgery == "sender_listed" and chosen:
                sender = by_address[chosen[0]]
            valid_until = ts + plan.lifetime
            approvals = sort_approvals(
                sign(keys[a], message, chain_id, pg.address, valid_until) for a in chosen
            )

            if plan.forgery == "outsider":
                non_signers = [a for a in [*pool, outsider] if a.address not in self.model.signers]
                forger = non_signers[plan.rotation % len(non_signers)]
                forged = sign(forger.private_key, message, chain_id, pg.address, valid_until)
                approvals = sort_approvals([*approvals, forged])
            elif approvals:
                i = plan.position % len(approvals)
                a = approvals[i]
                key = keys[a.signer]
                if plan.forgery == "expired":
                    approvals[i] = sign(key, message, chain_id, pg.address, ts - 1)
                elif plan.forgery == "duplicate":
                    approvals.insert(i + 1, a)
                elif plan.forgery == "unsorted":
                    approvals.reverse()
                elif plan.forgery == "high_s":
                    approvals[i] = a._replace(signature=with_high_s(a.signature))
                elif plan.forgery == "short_signature":
                    approvals[i] = a._replace(signature=a.signature[:64])
                elif plan.forgery == "wrong_chain":
                    approvals[i] = sign(key, message, chain_id + 1, pg.address, valid_until)
                elif plan.forgery == "wrong_contract":
                    approvals[i] = sign(key, message, chain_id, target.address, valid_until)
                elif plan.forgery == "other_domain_signed":
                    approvals[i] = sign(key, message, chain_id + 1, pg.address, valid_until)._replace(
                        chainId=chain_id
                    )
                elif plan.forgery == "other_message":
                    approvals[i] = sign(key, DECOY, chain_id, pg.address, valid_until)
            return approvals, sender

        def _approval_error(self, approvals, sender, message, required: int, ts: int):
            """Mirror of SignerApprovals._requireApprovals: (first error, None) or (None, approvers)."""
            signers = self.model.signers
            caller_approves = sender.address in signers
            approvers = [sender.address] if caller_approves else []
            previous = None
            for i, a in enumerate(approvals):
                signer = a.signer
                if i > 0 and int(signer, 16) <= int(previous, 16):
                    if signer == previous:
                        return _error("PauseGuardianDuplicateApproval", signer=signer), None
                    return _error(
                        "PauseGuardianApprovalsNotAscending", previous=previous, signer=signer
                    ), None
                if caller_approves and signer == sender.address:
                    return _error("PauseGuardianDuplicateApproval", signer=signer), None
                if signer not in signers:
                    return _error("PauseGuardianNotSigner", account=signer), None
                if a.validUntil < ts:
                    expired = _error(
                        "PauseGuardianApprovalExpired", signer=signer, validUntil=a.validUntil, timestamp=ts
                    )
                    return expired, None
                if a.chainId != chain_id:
                    wrong = _error(
                        "PauseGuardianWrongChain", signer=signer, signedChainId=a.chainId, chainId=chain_id
                    )
                    return wrong, None
                if a.verifyingContract != pg.address:
                    wrong = _error(
                        "PauseGuardianWrongContract",
                        signer=signer,
                        signedContract=a.verifyingContract,
                        guardian=pg.address,
                    )
                    return wrong, None
                signature = a.signature
                if len(signature) != 65:
                    return _error("PauseGuardianSignatureLength", signer=signer, length=len(signature)), None
                if int.from_bytes(signature[32:64], "big") > SECP256K1_N // 2:
                    return _error("PauseGuardianSignatureHighS", signer=signer, s=signature[32:64]), None
                recovered = _recover(typed_digest(message, chain_id, pg.address, a.validUntil), signature)
                if recovered != signer:
                    return _error("PauseGuardianInvalidSignature", signer=signer, recovered=recovered), None
                approvers.append(signer)
                previous = signer
            if len(approvers) < required:
                short = _error(
                    "PauseGuardianInsufficientApprovals", approvals=len(approvers), required=required
                )
                return short, None
            return None, approvers

        def _pause_error(self, kind: str, scopes: int, until: int, ts: int) -> Expected | None:
            """Mirror of _claimPauseRequest and of the per-scope checks of pause and extendPause."""
            request = pause_request_id(kind, target.address, scopes, until)
            if request in self.used_requests:
                return _error("PauseGuardianPauseReplayed", request=request)
            if until <= ts:
                return _error("PauseGuardianPauseInPast", until=until, timestamp=ts)
            if until > ts + max_pause:
                return _error("PauseGuardianPauseTooLong", until=until, maxUntil=ts + max_pause)
            for scope in _bits(scopes):
                current = self.model.until.get(scope, 0)
                if kind == "Pause" and ts < current:
                    return _error(
                        "PauseGuardianAlreadyPaused", target=target.address, scope=scope, pausedUntil=current
                    )
                if kind == "ExtendPause" and (ts >= current or until <= current):
                    return _error(
                        "PauseGuardianNotExtending",
                        target=target.address,
                        scope=scope,
                        pausedUntil=current,
                        until=until,
                    )
            return None

        def _has_scheduled(self) -> bool:
            return any(op.state == SCHEDULED for op in self.ops.values())

        def _has_open_window(self) -> bool:
            """An operation is Scheduled, inside (or before) its window, and its calls never reverted."""
            return any(
                op.state == SCHEDULED and self.now < op.eta + grace and not op.bubbled
                for op in self.ops.values()
            )

        def _has_live_scope(self) -> bool:
            return any(self.now + 1 >= self.model.until[s] for s in SCOPES)

        def _pick_operation(self, pick: int, choice: str) -> tuple[bytes, Operation]:
            """A Scheduled operation whose window is open and whose calls have not reverted yet; or,
            as `choice` says and if there is one, one whose calls reverted before ("retry": it stays
            executable), or an executed or cancelled one. Falls back to any Scheduled operation."""
            ops = self.ops
            open_ = [i for i in ops if ops[i].state == SCHEDULED and self.now < ops[i].eta + grace]
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
            signers = sorted(self.model.signers, key=lambda a: int(a, 16))
            non_signers = [a.address for a in pool if a.address not in self.model.signers]
            group = {"signer": signers, "non_signer": non_signers, "zero": [ZERO]}[who] or signers
            return (kind, group[k % len(group)])

        def _schedule(self, specs, variant, pick, plan):
            ts = self._next_block_time()
            if variant == "again" and self.ops:
                op = list(self.ops.values())[pick % len(self.ops)]
                specs, calls, salt = op.specs, op.calls, op.salt
            else:
                specs = () if variant == "empty" else tuple(self._resolve(s) for s in specs)
                calls, salt = [to_call(s) for s in specs], _salt(self.salts)
                self.salts += 1
            message = schedule_message(calls, salt)
            required = self.model.threshold
            approvals, sender = self._approvals(plan, message, required, ts)
            op_id = operation_id(calls, salt) if calls else None
            if not calls:
                expected = _error("PauseGuardianEmptyOperation")
            elif op_id in self.ops:  # an id is scheduled at most once, whatever became of it
                expected = _error(
                    "PauseGuardianUnexpectedState", id=op_id, state=self.ops[op_id].state, expected=UNSET
                )
            else:
                expected, approvers = self._approval_error(approvals, sender, message, required, ts)
            if expected:
                expect_revert(expected, pg.schedule, calls, salt, approvals, sender=sender)
                return None

            receipt = self._send(pg.schedule, calls, salt, approvals, sender=sender)
            (log,) = receipt.decode_logs(pg.OperationScheduled)
            eta = ts + self.model.delay_at(ts)
            assert (bytes(log.id), log.eta, log.expiresAt) == (op_id, eta, eta + grace), GRD_01
            assert list(log.approvers) == approvers, GRD_01
            self.ops[op_id] = Operation(
                specs=specs,
                calls=calls,
                salt=salt,
                eta=eta,
                approvers=tuple(log.approvers),
                required=required,
                signers_then=frozenset(self.model.signers),
            )
            return op_id

        def _fast_path(self, kind: str, scopes: int, until: int, plan: ApprovalPlan):
            ts = self.now
            message = {"Pause": pause_message, "ExtendPause": extend_pause_message}[kind](
                target.address, scopes, until
            )
            # a loss-shifting scope anywhere in the mask raises a pause's requirement (GRD-05)
            required = self.model.required_to_pause(scopes) if kind == "Pause" else self.model.threshold
            approvals, sender = self._approvals(plan, message, required, ts)
            method = pg.pause if kind == "Pause" else pg.extendPause
            expected = self._pause_error(kind, scopes, until, ts)
            if not expected:
                expected, approvers = self._approval_error(approvals, sender, message, required, ts)
            if not expected and (scopes == 0 or scopes & ~KNOWN_SCOPES):
                # bubbled up from the target's setPause, which rejects bits it does not know
                expected = Expected(
                    "GuardedInvalidScopes", {"scopes": scopes, "knownScopes": KNOWN_SCOPES}, "target"
                )
            if expected:
                expect_revert(expected, method, target.address, scopes, until, approvals, sender=sender)
                return

            receipt = self._send(method, target.address, scopes, until, approvals, sender=sender)
            (log,) = receipt.decode_logs(pg.Paused if kind == "Pause" else pg.PauseExtended)
            assert list(log.approvers) == approvers
            assert len(set(approvers)) >= required, GRD_03
            self.used_requests.add(pause_request_id(kind, target.address, scopes, until))
            self.pause_history.append(
                PauseRequest(
                    kind,
                    scopes,
                    until,
                    tuple(approvals),
                    sender,
                    tuple(log.approvers),
                    self.model.thresholds(),
                    len(self.model.signers),
                )
            )
            for scope in _bits(scopes):
                self.model.until[scope] = until

        def _execute(self, op_id: bytes, op: Operation, when: str, choice: str):
            """A stranger executes `op` at `when` (relative to its window), or, for "unscheduled", the
            same calls with a salt that was never scheduled."""
            wanted = {
                "at_eta": op.eta,
                "in_window": op.eta + grace // 2,
                "last_second": op.eta + grace,
                "now": self.now + 1,
                "before_eta": op.eta - 1,
                "expired": op.eta + grace + 1,
            }[when]
            ts = self._at(max(self.now + 1, wanted))
            if choice == "unscheduled":
                unknown = operation_id(op.calls, UNSCHEDULED_SALT)
                expected = _error("PauseGuardianUnexpectedState", id=unknown, state=UNSET, expected=SCHEDULED)
                expect_revert(expected, pg.execute, op.calls, UNSCHEDULED_SALT, sender=stranger)
                return
            trial = copy.deepcopy(self.model)
            expected = None
            if op.state != SCHEDULED:
                expected = _error(
                    "PauseGuardianUnexpectedState", id=op_id, state=op.state, expected=SCHEDULED
                )
            elif ts < op.eta:
                expected = _error("PauseGuardianOperationNotReady", id=op_id, eta=op.eta, timestamp=ts)
            elif ts > op.eta + grace:
                expected = _error(
                    "PauseGuardianOperationExpired", id=op_id, expiredAt=op.eta + grace, timestamp=ts
                )
            else:
                for spec in op.specs:  # the first failing call reverts the whole batch, bubbling its error
                    if expected := trial.apply(spec, ts, min_delay, max_delay):
                        op.bubbled = True
                        break
            if expected:
                expect_revert(expected, pg.execute, op.calls, op.salt, sender=stranger)
                if op.bubbled and op.state == SCHEDULED:  # a reverted batch stays Scheduled, executable
                    assert tuple(pg.operation(op_id)) == (SCHEDULED, op.eta), GRD_01
                return

            receipt = self._send(pg.execute, op.calls, op.salt, sender=stranger)
            executed = [(bytes(log.id), log.executor) for log in receipt.decode_logs(pg.OperationExecuted)]
            assert executed == [(op_id, stranger.address)], GRD_01
            op.state, op.executed_at = EXECUTED, receipt.timestamp
            self.model = trial

        # ------------------------------------------------------------ rules

        @initialize(specs=operation_specs)
        def schedule_first_operation(self, specs):
            """One operation with exactly `threshold` valid approvals, so that execute and cancel have
            work from the first step."""
            self._schedule(specs, variant="new", pick=0, plan=VALID_PLAN)

        @rule(seconds=st.integers(1, 10 * DAY))
        def time_passes(self, seconds):
            self.now += seconds
            chain.mine(timestamp=self.now)

        @rule(
            specs=operation_specs,
            variant=st.sampled_from(("new",) * 8 + ("again", "empty")),
            pick=st.integers(0, 20),
            plan=approval_plans,
        )
        def schedule(self, specs, variant, pick, plan):
            """Schedule calls; rarely, no calls, or the calls and salt of an operation scheduled before."""
            self._schedule(specs, variant, pick, plan)

        @precondition(lambda self: self._has_open_window())
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
                self._execute(op_id, self.ops[op_id], when, "live")

        @precondition(lambda self: self._has_scheduled())
        @rule(pick=st.integers(0, 20), choice=st.sampled_from(OPERATION_CHOICES), plan=approval_plans)
        def cancel(self, pick, choice, plan):
            """Cancel an operation (even one past its window) with cancelThreshold approvals."""
            ts = self._next_block_time()
            op_id, op = self._pick_operation(pick, choice)
            state = op.state
            if choice == "unscheduled":
                op_id, state = operation_id(op.calls, UNSCHEDULED_SALT), UNSET
            message = cancel_message(op_id)
            required = self.model.cancel_threshold
            approvals, sender = self._approvals(plan, message, required, ts)
            if state != SCHEDULED:
                expected = _error("PauseGuardianUnexpectedState", id=op_id, state=state, expected=SCHEDULED)
            else:
                expected, approvers = self._approval_error(approvals, sender, message, required, ts)
            if expected:
                expect_revert(expected, pg.cancel, op_id, approvals, sender=sender)
                return
            receipt = self._send(pg.cancel, op_id, approvals, sender=sender)
            (log,) = receipt.decode_logs(pg.OperationCancelled)
            assert list(log.approvers) == approvers
            op.state = CANCELLED

        @precondition(lambda self: self._has_live_scope())
        @rule(
            scopes=st.sampled_from([ALPHA, BETA, KNOWN_SCOPES] * 4 + [1 << 2]),
            until=st.sampled_from(PAUSE_UNTILS),
            plan=approval_plans,
            variant=st.sampled_from(("live",) * 8 + ("insist", "replay")),
            pick=st.integers(0, 20),
        )
        def pause(self, scopes, until, plan, variant, pick):
            """A fast-path pause of the live scopes among `scopes` (of all of them if told to insist);
            or the exact transaction of an earlier pause or extension, refused before anything else."""
            ts = self._next_block_time()
            if variant == "replay" and self.pause_history:
                request = self.pause_history[pick % len(self.pause_history)]
                request_id = pause_request_id(request.kind, target.address, request.scopes, request.until)
                expect_revert(
                    _error("PauseGuardianPauseReplayed", request=request_id),
                    pg.pause if request.kind == "Pause" else pg.extendPause,
                    target.address,
                    request.scopes,
                    request.until,
                    list(request.approvals),
                    sender=request.sender,
                )
                return
            live = [s for s in _bits(scopes) if ts >= self.model.until.get(s, 0)]
            if live and variant != "insist":
                scopes = sum(live)
            until = {
                "hour": ts + HOUR,
                "day": ts + DAY,
                "max": ts + max_pause,
                "too_long": ts + max_pause + 1,
                "now": ts,
                "past": ts - 1,
            }[until]
            self._fast_path("Pause", scopes, until, plan)

        @precondition(lambda self: any(self.now + 1 < self.model.until[s] for s in SCOPES))
        @rule(
            scopes=st.sampled_from([ALPHA, BETA, KNOWN_SCOPES]),
            until=st.sampled_from(EXTEND_UNTILS),
            plan=approval_plans,
            insist=st.sampled_from(RARELY),
        )
        def extend_pause(self, scopes, until, plan, insist):
            """Extend the running pauses among `scopes` (all of them, running or not, if told to insist)."""
            ts = self._next_block_time()
            running = [s for s in _bits(scopes) if ts < self.model.until[s]]
            if running and not insist:
                scopes = sum(running)
            current = max(self.model.until[s] for s in _bits(scopes))
            until = {
                "later": min(current + HOUR, ts + max_pause),
                "max": ts + max_pause,
                "too_long": ts + max_pause + 1,
                "same": current,
                "earlier": max(current - 1, 0),
            }[until]
            self._fast_path("ExtendPause", scopes, until, plan)

        @precondition(lambda self: self.direct_calls < DIRECT_CALLS_PER_EXAMPLE)
        @rule(
            action=st.sampled_from(
                ["setValue", "setPause", "addSigner", "removeSigner", "setThresholds", "setDelay"]
            ),
            caller=st.sampled_from([stranger, accounts[1], accounts[0]]),
        )
        def direct_admin_call(self, action, caller):
            """No account, signer or deployer, gets around the guardian (GRD-04) or its timelock (GRD-02)."""
            self.direct_calls += 1
            ts = self._next_block_time()
            if action in ("setValue", "setPause"):
                args = (7,) if action == "setValue" else (KNOWN_SCOPES, ts + HOUR)
                expected = Expected(
                    "GuardedNotGuardian", {"caller": caller.address, "guardian": pg.address}, "target"
                )
                expect_revert(expected, getattr(target, action), *args, sender=caller)
                return
            args = {
                "addSigner": (outsider.address,),
                "removeSigner": (accounts[1].address,),
                "setThresholds": (2, 1, 1, 2, 2),
                "setDelay": (min_delay,),
            }[action]
            expected = _error("PauseGuardianOnlySelf", caller=caller.address)
            expect_revert(expected, getattr(pg, action), *args, sender=caller)

        # ------------------------------------------------------------ invariants

        @invariant()
        def grd_01_operations_run_only_in_their_window_with_threshold_approvals(self):
            for op in self.ops.values():
                assert len(set(op.approvers)) == len(op.approvers) >= op.required, GRD_01
                assert set(op.approvers) <= op.signers_then, GRD_01
                if op.state == EXECUTED:
                    assert op.eta <= op.executed_at <= op.eta + grace, GRD_01
            # nothing ran that the model did not run, and nothing ran twice
            executed = sorted(op_id for op_id, op in self.ops.items() if op.state == EXECUTED)
            assert sorted(self.executed_logs) == executed, GRD_01
            if self._storage_may_have_changed("GRD-01"):
                for op_id, op in self.ops.items():
                    assert tuple(pg.operation(op_id)) == (op.state, op.eta), GRD_01

        @invariant()
        def grd_02_governance_changes_only_through_executed_operations(self):
            m = self.model
            assert pg.delay() == m.delay_at(self.now), GRD_02  # time-dependent: a cut applies by itself
            if self._storage_may_have_changed("GRD-02"):
                assert sorted(pg.signers()) == sorted(m.signers), GRD_02
                thresholds = (
                    pg.threshold(),
                    pg.cancelThreshold(),
                    pg.pauseThreshold(),
                    pg.shiftPauseThreshold(),
                    pg.breakerThreshold(),
                )
                assert thresholds == m.thresholds(), GRD_02
                assert all(1 <= t <= len(m.signers) for t in thresholds), GRD_02
                pending = (m.pending_delay, m.pending_at) if m.pending_at > self.now else (0, 0)
                assert tuple(pg.pendingDelay()) == pending, GRD_02

        @invariant()
        def grd_03_pauses_end_at_their_expiry(self):
            head = chain.blocks.head.timestamp
            assert head == self.now  # reverted transactions are mined too, at the time they were given
            for scope in SCOPES:
                assert target.isPaused(scope) == (head < self.model.until[scope]), GRD_03

        @invariant()
        def grd_05_loss_shifting_pauses_had_shift_pause_threshold_signers(self):
            for req in self.pause_history:
                if req.kind == "Pause" and req.scopes & LOSS_SHIFTING:
                    _, _, _, shift, _ = req.thresholds
                    assert len(set(req.approvers)) >= shift, GRD_05
                    assert req.signer_count < 2 or len(set(req.approvers)) >= 2, GRD_05
            if self._storage_may_have_changed("GRD-05"):
                t, c, p, s, b = (
                    pg.threshold(),
                    pg.cancelThreshold(),
                    pg.pauseThreshold(),
                    pg.shiftPauseThreshold(),
                    pg.breakerThreshold(),
                )
                assert Governance.valid_thresholds(t, c, p, s, b, len(self.model.signers)), GRD_05
                assert target.lossShiftingScopes() == LOSS_SHIFTING, GRD_05

        @invariant()
        def grd_04_only_the_guardian_changed_parameters_and_flags(self):
            if self._storage_may_have_changed("GRD-04"):
                assert target.value() == self.model.value, GRD_04
                for scope in SCOPES:
                    assert target.pausedUntil(scope) == self.model.until[scope], GRD_04

    run_state_machine_as_test(PauseGuardianMachine)
