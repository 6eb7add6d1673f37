"""PauseGuardian's rules in plain Python, over one GuardedMock target: signers, thresholds and the delay
(with its pending cut), timelocked operations (scheduled, executed, cancelled; ETA and grace window),
fast-path pauses and extensions (with their replay keys), and a mirror of the approval checks
(SignerApprovals._requireApprovals) that names the first error a list of approvals meets. No I/O: the
guardian state machine predicts every outcome with it, down to the custom error and its arguments.

Every check returns the `Expected` error the contract reverts with (or None); state changes only
through the `record_*` methods and `Governance.apply`, which a caller runs only on success.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from eth_account import Account
from eth_utils import to_checksum_address

from bulwark.abi.scopes import GuardedMockScope
from bulwark.signing.approvals import SECP256K1_N, Approval, Message, pause_request_id, typed_digest
from bulwark.units import DAY, HOUR

ALPHA, BETA = int(GuardedMockScope.ALPHA), int(GuardedMockScope.BETA)  # ints: the rules negate masks
SCOPES = (ALPHA, BETA)
KNOWN_SCOPES = ALPHA | BETA  # GuardedMock.knownScopes()
LOSS_SHIFTING = BETA  # GuardedMock.lossShiftingScopes()

ZERO = to_checksum_address("0x" + "00" * 20)
UNSET, SCHEDULED, EXECUTED, CANCELLED = range(4)  # IPauseGuardian.OperationState

# The test guardian: 3-of-5 (cancel 2, pause 1, loss-shifting pause 2, breaker 2), a 2-day delay, and
# its immutable bounds (MIN_DELAY, MAX_DELAY, GRACE_PERIOD, MAX_PAUSE_DURATION) [s].
TEST_THRESHOLDS = (3, 2, 1, 2, 2)  # (threshold, cancel, pause, shiftPause, breaker)
TEST_DELAY = 2 * DAY
TEST_BOUNDS = (HOUR, 30 * DAY, 7 * DAY, 3 * DAY)  # (minDelay, maxDelay, gracePeriod, maxPause)


def bits(mask: int) -> list[int]:
    """The single-bit scopes of `mask`, lowest first (ScopeBits.popLowest order)."""
    return [1 << i for i in range(mask.bit_length()) if mask >> i & 1]


def by_address(addresses) -> list[str]:
    """Addresses in the order the contract wants approvals: ascending as integers."""
    return sorted(addresses, key=lambda a: int(a, 16))


def recover(digest: bytes, signature: bytes) -> str:
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
    """A custom error the next transaction must revert with, and all of its arguments by name."""

    name: str
    inputs: dict


def error(name: str, **inputs) -> Expected:
    return Expected(name, inputs)


def valid_thresholds(t: int, c: int, p: int, s: int, b: int, count: int) -> bool:
    """1 <= c <= N; 1 <= p <= s <= b <= t <= N; s >= 2 with two or more signers (GRD-05)."""
    return 1 <= c <= count and 1 <= p <= s <= b <= t <= count and s >= min(2, count)


def invalid_thresholds(t: int, c: int, p: int, s: int, b: int, count: int) -> Expected | None:
    if valid_thresholds(t, c, p, s, b, count):
        return None
    return error(
        "PauseGuardianInvalidThreshold",
        threshold=t,
        cancelThreshold=c,
        pauseThreshold=p,
        shiftPauseThreshold=s,
        breakerThreshold=b,
        signerCount=count,
    )


@dataclass
class Governance:
    """The guardian's signers, thresholds and delay, and the target's value and pauses."""

    signers: set[str]
    threshold: int
    cancel_threshold: int
    pause_threshold: int
    shift_pause_threshold: int
    breaker_threshold: int
    delay: int  # [s] in force until a pending cut applies
    min_delay: int
    max_delay: int
    pending_delay: int = 0
    pending_at: int = 0  # [unix s] 0 if no cut is pending
    value: int = 0  # GuardedMock.value()
    until: dict = field(default_factory=lambda: dict.fromkeys(SCOPES, 0))  # GuardedMock.pausedUntil

    def delay_at(self, ts: int) -> int:
        return self.pending_delay if self.pending_at and ts >= self.pending_at else self.delay

    def pending_at_time(self, ts: int) -> tuple[int, int]:
        """pendingDelay() at `ts`: (delay, effectiveAt) while a cut waits, else (0, 0)."""
        return (self.pending_delay, self.pending_at) if self.pending_at > ts else (0, 0)

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

    def paused(self, scope: int, ts: int) -> bool:
        return ts < self.until[scope]

    def apply(self, spec: tuple, ts: int) -> Expected | None:
        """Runs one call of an operation at `ts` (as the guardian); the error it reverts with, if any.
        Specs: ("setValue", v), ("lift", scopes) = target.setPause(scopes, 0), ("setThresholds", t, c,
        p, s, b), ("setDelay", d), ("addSigner", a), ("removeSigner", a)."""
        kind, *args = spec
        if kind == "setValue":
            self.value = args[0]
        elif kind == "lift":  # target.setPause(scopes, 0): the timelocked way to end a pause early
            for scope in bits(args[0]):
                self.until[scope] = 0
        elif kind == "setThresholds":
            if err := invalid_thresholds(*args, len(self.signers)):
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
            if not self.min_delay <= new <= self.max_delay:
                return error(
                    "PauseGuardianDelayOutOfBounds",
                    delay=new,
                    minDelay=self.min_delay,
                    maxDelay=self.max_delay,
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
                return error("PauseGuardianInvalidSigner", signer=signer)
            if signer in self.signers:
                return error("PauseGuardianSignerMembership", signer=signer, isSigner=True)
            self.signers.add(signer)
        elif kind == "removeSigner":
            (signer,) = args
            if signer not in self.signers:
                return error("PauseGuardianSignerMembership", signer=signer, isSigner=False)
            self.signers.remove(signer)
            if err := invalid_thresholds(*self.thresholds(), len(self.signers)):
                return err
        else:
            raise ValueError(f"unknown operation call {kind!r}")
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
    sender: str
    approvers: tuple  # from the Paused or PauseExtended event
    thresholds: tuple  # the model's (t, c, p, s, b) when it ran
    signer_count: int  # signers when it ran


@dataclass
class GuardianModel:
    """One PauseGuardian over one GuardedMock: governance, operations and fast-path requests."""

    governance: Governance
    chain_id: int
    guardian: str  # the verifying contract of every approval
    target: str
    grace: int
    max_pause: int
    ops: dict = field(default_factory=dict)  # operation id -> Operation
    used_requests: set = field(default_factory=set)  # pauseRequestUsed keys
    pause_history: list = field(default_factory=list)  # PauseRequest, in order
    # (digest, signature) -> signer for signatures whose maker is known (ecrecover is slow in Python);
    # any other signature is recovered
    known_signers: dict = field(default_factory=dict)
    pausers: frozenset = frozenset()  # pause-only keys (GRD-06)

    @classmethod
    def fresh(
        cls,
        signers,
        chain_id: int,
        guardian: str,
        target: str,
        thresholds: tuple = TEST_THRESHOLDS,
        delay: int = TEST_DELAY,
        bounds: tuple = TEST_BOUNDS,
        pausers=(),
    ) -> GuardianModel:
        min_delay, max_delay, grace, max_pause = bounds
        governance = Governance(set(signers), *thresholds, delay, min_delay, max_delay)
        return cls(governance, chain_id, guardian, target, grace, max_pause, pausers=frozenset(pausers))

    # --- approvals -------------------------------------------------------------------------------
    def approval_error(
        self,
        approvals: list[Approval],
        sender: str,
        message: Message,
        required: int,
        ts: int,
        pauser_counts: bool = False,
    ) -> tuple[Expected | None, list[str] | None]:
        """Mirror of SignerApprovals._requireApprovals: (first error, None) or (None, approvers); a
        sender who is a signer (or, where `pauser_counts`, a pauser: GRD-06) counts as the first
        approver."""
        signers = self.governance.signers
        caller_approves = sender in signers or (pauser_counts and sender in self.pausers)
        approvers = [sender] if caller_approves else []
        previous = None
        for i, a in enumerate(approvals):
            signer = a.signer
            if i > 0 and int(signer, 16) <= int(previous, 16):
                if signer == previous:
                    return error("PauseGuardianDuplicateApproval", signer=signer), None
                return error("PauseGuardianApprovalsNotAscending", previous=previous, signer=signer), None
            if caller_approves and signer == sender:
                return error("PauseGuardianDuplicateApproval", signer=signer), None
            if signer not in signers:
                return error("PauseGuardianNotSigner", account=signer), None
            if a.validUntil < ts:
                return error(
                    "PauseGuardianApprovalExpired", signer=signer, validUntil=a.validUntil, timestamp=ts
                ), None
            if a.chainId != self.chain_id:
                return error(
                    "PauseGuardianWrongChain", signer=signer, signedChainId=a.chainId, chainId=self.chain_id
                ), None
            if a.verifyingContract != self.guardian:
                return error(
                    "PauseGuardianWrongContract",
                    signer=signer,
                    signedContract=a.verifyingContract,
                    guardian=self.guardian,
                ), None
            signature = a.signature
            if len(signature) != 65:
                return error("PauseGuardianSignatureLength", signer=signer, length=len(signature)), None
            if int.from_bytes(signature[32:64], "big") > SECP256K1_N // 2:
                return error("PauseGuardianSignatureHighS", signer=signer, s=signature[32:64]), None
            digest = typed_digest(message, self.chain_id, self.guardian, a.validUntil)
            recovered = self.known_signers.get((digest, signature)) or recover(digest, signature)
            if recovered != signer:
                return error("PauseGuardianInvalidSignature", signer=signer, recovered=recovered), None
            approvers.append(signer)
            previous = signer
        if len(approvers) < required:
            return error(
                "PauseGuardianInsufficientApprovals", approvals=len(approvers), required=required
            ), None
        return None, approvers

    # --- timelocked operations -------------------------------------------------------------------
    def schedule_error(self, op_id: bytes | None) -> Expected | None:
        """What schedule checks before the approvals: calls present, id never scheduled before."""
        if op_id is None:
            return error("PauseGuardianEmptyOperation")
        if op_id in self.ops:  # an id is scheduled at most once, whatever became of it
            return error(
                "PauseGuardianUnexpectedState", id=op_id, state=self.ops[op_id].state, expected=UNSET
            )
        return None

    def record_schedule(self, op_id: bytes, specs, calls, salt, approvers, ts: int) -> Operation:
        eta = ts + self.governance.delay_at(ts)
        op = Operation(
            specs=tuple(specs),
            calls=list(calls),
            salt=salt,
            eta=eta,
            approvers=tuple(approvers),
            required=self.governance.threshold,
            signers_then=frozenset(self.governance.signers),
        )
        self.ops[op_id] = op
        return op

    def state_of(self, op_id: bytes) -> int:
        op = self.ops.get(op_id)
        return op.state if op else UNSET

    def execute(self, op_id: bytes, ts: int) -> tuple[Expected | None, Governance | None]:
        """execute(calls, salt) of operation `op_id` at `ts`: (error, None), or (None, the governance
        after its calls) for `record_execute`. A call that reverts reverts the batch, bubbling its error,
        and marks the operation `bubbled` (it stays Scheduled and executable)."""
        state = self.state_of(op_id)
        if state != SCHEDULED:
            return error("PauseGuardianUnexpectedState", id=op_id, state=state, expected=SCHEDULED), None
        op = self.ops[op_id]
        if ts < op.eta:
            return error("PauseGuardianOperationNotReady", id=op_id, eta=op.eta, timestamp=ts), None
        if ts > op.eta + self.grace:
            return error(
                "PauseGuardianOperationExpired", id=op_id, expiredAt=op.eta + self.grace, timestamp=ts
            ), None
        trial = copy.deepcopy(self.governance)
        for spec in op.specs:
            if err := trial.apply(spec, ts):
                op.bubbled = True
                return err, None
        return None, trial

    def record_execute(self, op_id: bytes, after: Governance, ts: int) -> None:
        op = self.ops[op_id]
        op.state, op.executed_at = EXECUTED, ts
        self.governance = after

    def cancel_error(self, op_id: bytes) -> Expected | None:
        state = self.state_of(op_id)
        if state != SCHEDULED:
            return error("PauseGuardianUnexpectedState", id=op_id, state=state, expected=SCHEDULED)
        return None

    def record_cancel(self, op_id: bytes) -> None:
        self.ops[op_id].state = CANCELLED

    def has_scheduled(self) -> bool:
        return any(op.state == SCHEDULED for op in self.ops.values())

    def has_open_window(self, ts: int) -> bool:
        """An operation is Scheduled, inside (or before) its window, and its calls never reverted."""
        return any(
            op.state == SCHEDULED and ts <= op.eta + self.grace and not op.bubbled for op in self.ops.values()
        )

    # --- fast-path pauses ------------------------------------------------------------------------
    @staticmethod
    def pauser_counts(kind: str, scopes: int) -> bool:
        """A pauser's call counts only for a pause of scopes that shift no losses (GRD-06)."""
        return kind == "Pause" and not scopes & LOSS_SHIFTING

    def required_for(self, kind: str, scopes: int) -> int:
        """A pause needs pauseThreshold (shiftPauseThreshold with a loss-shifting scope in the mask,
        GRD-05); an extension needs threshold."""
        g = self.governance
        return g.required_to_pause(scopes) if kind == "Pause" else g.threshold

    def request_id(self, kind: str, scopes: int, until: int) -> bytes:
        return pause_request_id(kind, self.target, scopes, until)

    def pause_error(self, kind: str, scopes: int, until: int, ts: int) -> Expected | None:
        """Mirror of _claimPauseRequest and of the per-scope checks of pause and extendPause (checked
        before the approvals)."""
        request = self.request_id(kind, scopes, until)
        if request in self.used_requests:
            return error("PauseGuardianPauseReplayed", request=request)
        if until <= ts:
            return error("PauseGuardianPauseInPast", until=until, timestamp=ts)
        if until > ts + self.max_pause:
            return error("PauseGuardianPauseTooLong", until=until, maxUntil=ts + self.max_pause)
        for scope in bits(scopes):
            current = self.governance.until.get(scope, 0)
            if kind == "Pause" and ts < current:
                return error(
                    "PauseGuardianAlreadyPaused", target=self.target, scope=scope, pausedUntil=current
                )
            if kind == "ExtendPause" and (ts >= current or until <= current):
                return error(
                    "PauseGuardianNotExtending",
                    target=self.target,
                    scope=scope,
                    pausedUntil=current,
                    until=until,
                )
        return None

    @staticmethod
    def target_error(scopes: int) -> Expected | None:
        """What the target's setPause bubbles up after the approvals passed: bits it does not know."""
        if scopes == 0 or scopes & ~KNOWN_SCOPES:
            return error("GuardedInvalidScopes", scopes=scopes, knownScopes=KNOWN_SCOPES)
        return None

    def record_pause(self, kind: str, scopes: int, until: int, approvals, sender: str, approvers) -> None:
        g = self.governance
        self.used_requests.add(self.request_id(kind, scopes, until))
        self.pause_history.append(
            PauseRequest(
                kind,
                scopes,
                until,
                tuple(approvals),
                sender,
                tuple(approvers),
                g.thresholds(),
                len(g.signers),
            )
        )
        for scope in bits(scopes):
            g.until[scope] = until
