// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPauseGuardian
/// @notice A time-locked M-of-N multisig that is the only admin of the Bulwark suite, with a fast path
///         for scoped pauses and oracle reporter suspensions that expire by themselves, and for clearing
///         a tripped oracle breaker.
/// @dev Two paths (incidents that shaped them: Beanstalk, Ronin, Harmony, Venus/Blizz, Bybit):
///      - Fast, with powers matched to what they risk (GRD-05):
///        * `pauseThreshold` signers pause at once, for at most MAX_PAUSE_DURATION, scopes that are not
///          paused already and that their target does not declare loss-shifting
///          (`IGuarded.lossShiftingScopes()`: pausing them can move losses between users, e.g. the
///          engine's LIQUIDATE, the fund's COVER, the oracle's READ). A mask naming any loss-shifting
///          scope needs `shiftPauseThreshold` signers.
///        * `pauseThreshold` signers suspend a MedianOracle reporter key at once (`suspendReporter`),
///          for at most MAX_PAUSE_DURATION, and only a reporter that is not suspended already, while the
///          oracle has a spare key (`spareReporters() > 0`: after the suspension the unsuspended keys
///          still reach quorum with faultTolerance of them silent). Past the spare keys a suspension
///          could let the tolerated hostile keys halt the feed (and with it liquidations) by going
///          silent, so it needs `shiftPauseThreshold` signers; the oracle never lets the unsuspended keys
///          fall below quorum.
///        * `breakerThreshold` signers clear a tripped MedianOracle breaker at once (`clearBreaker`),
///          serving the held candidate or keeping the served price. The approvals name the oracle's last
///          accepted update (`epoch`), so a poke after the signing (a new candidate) voids them.
///        Extending a running pause needs `threshold` signers. A pause or suspension is never shortened
///        on the fast path: lifting early, or extending a suspension, is an operation through the
///        timelock (`target.setPause(scopes, 0)`, `oracle.suspendReporter(reporter, until)`).
///      - Threshold bounds, kept by the constructor, `setThresholds` and `removeSigner` (N signers):
///        1 <= cancelThreshold <= N and
///        1 <= pauseThreshold <= shiftPauseThreshold <= breakerThreshold <= threshold <= N, with
///        shiftPauseThreshold >= 2 whenever N >= 2. So no single key ever pauses a loss-shifting scope,
///        suspends past the spare keys or clears a breaker, unless the guardian has only one signer (then
///        every threshold is 1, and that key is the guardian). Consequences: with two or more signers
///        `threshold` is at least 2, and a guardian cannot shrink to one signer (rotate keys by adding
///        before removing). The ordering says each power needs at least the signers of the weaker one:
///        clearing a breaker serves or restores a price (it moves losses, as a pause of READ does), and
///        anything on the fast path can be done by `threshold` signers through the timelock anyway.
///      - Slow: everything else is an operation (a batch of calls plus a salt) that `threshold`
///        signers approve to schedule; it becomes executable by anyone at `eta = schedule time + delay`
///        and expires GRACE_PERIOD seconds later. `cancelThreshold` signers cancel it. Signers,
///        thresholds and the delay change only through operations this guardian executes on itself.
///      Approvals are EIP-712 typed data (domain: name "Bulwark PauseGuardian", version "1", chain id,
///      this contract), each with a `validUntil` deadline, passed sorted by signer, strictly ascending.
///      A signer calling directly counts as its own approval (and must not also appear in the list).
///      Pausers (GRD-06) are keys for automated containment (a monitor): a pauser calling `pause` for
///      scopes that shift no losses, or `suspendReporter` while the oracle has a spare key, counts as
///      one approval, exactly as a signer calling does; it counts for nothing else (no schedule,
///      cancel, extension, loss-shifting pause or suspension, breaker clear) and signs no approval. So a
///      stolen monitor key can pause what shifts no losses, which signers may lift through the
///      timelock, and nothing more. Pausers change only through operations (`addPauser`, `removePauser`).
///      EOAs sign with ECDSA (low-s only); contract signers (e.g. a Safe) answer EIP-1271.
///      Typed data, with `validUntil` always the last member:
///        Call(address target,uint256 value,bytes data)
///        Schedule(Call[] calls,bytes32 salt,uint64 validUntil)
///        Cancel(bytes32 id,uint64 validUntil)
///        Pause(address target,uint256 scopes,uint64 until,uint64 validUntil)
///        ExtendPause(address target,uint256 scopes,uint64 until,uint64 validUntil)
///        SuspendReporter(address oracle,address reporter,uint64 until,uint64 validUntil)
///        ClearBreaker(address oracle,bool acceptCandidate,uint32 epoch,uint64 validUntil)
///      Re-entrancy: `execute` marks the operation executed before its calls, so a call that re-enters
///      cannot run it twice; a reverting call reverts the whole batch and leaves it executable.
interface IPauseGuardian {
    /// @notice One call of an operation.
    struct Call {
        address target; // contract called by this guardian
        uint256 value; // [wei] sent with the call, from this guardian's balance
        bytes data; // calldata
    }

    /// @notice One signer's approval of a schedule, cancel, pause, extension, reporter suspension or
    ///         breaker clear.
    /// @dev `chainId` and `verifyingContract` state the EIP-712 domain the signer signed for, so an
    ///      approval meant for another chain or guardian fails with an error that says so. The
    ///      signature is always checked against this chain and this contract.
    struct Approval {
        address signer; // a current signer: EOA or EIP-1271 contract
        uint64 validUntil; // [unix s] last second at which the approval may be used
        uint64 chainId; // chain the approval was signed for
        address verifyingContract; // guardian the approval was signed for
        bytes signature; // 65-byte ECDSA signature for an EOA; anything EIP-1271 accepts for a contract
    }

    /// @notice The life of an operation. Expiry is not stored: a Scheduled operation past
    ///         `eta + GRACE_PERIOD` is expired and can never run.
    enum OperationState {
        Unset,
        Scheduled,
        Executed,
        Cancelled
    }

    // ---------------------------------------------------------------- errors: configuration

    /// @notice A signer list entry is the zero address or repeats an earlier one.
    error PauseGuardianInvalidSigner(address signer);
    /// @notice The signer count would leave [1, maxSigners].
    error PauseGuardianSignerCountOutOfBounds(uint256 count, uint256 maxSigners);
    /// @notice The thresholds would break their bounds: 1 <= cancelThreshold <= signerCount and
    ///         1 <= pauseThreshold <= shiftPauseThreshold <= breakerThreshold <= threshold <= signerCount,
    ///         with shiftPauseThreshold >= 2 when signerCount >= 2.
    error PauseGuardianInvalidThreshold(
        uint256 threshold,
        uint256 cancelThreshold,
        uint256 pauseThreshold,
        uint256 shiftPauseThreshold,
        uint256 breakerThreshold,
        uint256 signerCount
    );
    /// @notice A delay outside [minDelay, maxDelay].
    error PauseGuardianDelayOutOfBounds(uint256 delay, uint256 minDelay, uint256 maxDelay);
    /// @notice Constructor bounds that contradict each other (e.g. MIN_DELAY > MAX_DELAY, zero grace).
    error PauseGuardianInvalidBounds(uint256 minDelay, uint256 maxDelay, uint256 gracePeriod, uint256 maxPauseDuration);
    /// @notice A self-administration function was called by someone other than this guardian.
    error PauseGuardianOnlySelf(address caller);
    /// @notice `addSigner` of a current signer, or `removeSigner` of a non-signer.
    error PauseGuardianSignerMembership(address signer, bool isSigner);
    /// @notice A pauser list entry (or `addPauser`'s argument) is the zero address or a current pauser.
    error PauseGuardianInvalidPauser(address pauser);
    /// @notice The pauser count would exceed maxPausers.
    error PauseGuardianPauserCountOutOfBounds(uint256 count, uint256 maxPausers);
    /// @notice `removePauser` of an account that is not a pauser.
    error PauseGuardianNotPauser(address account);

    // ---------------------------------------------------------------- errors: approvals

    /// @notice The approval's deadline has passed.
    error PauseGuardianApprovalExpired(address signer, uint64 validUntil, uint256 timestamp);
    /// @notice The same signer approves twice (in the list, or in the list and as the caller).
    error PauseGuardianDuplicateApproval(address signer);
    /// @notice Approvals are not sorted by signer, strictly ascending.
    error PauseGuardianApprovalsNotAscending(address previous, address signer);
    /// @notice The approval comes from an address that is not a signer.
    error PauseGuardianNotSigner(address account);
    /// @notice The approval was signed for another chain.
    error PauseGuardianWrongChain(address signer, uint256 signedChainId, uint256 chainId);
    /// @notice The approval was signed for another guardian contract.
    error PauseGuardianWrongContract(address signer, address signedContract, address guardian);
    /// @notice An ECDSA signature with an upper-half `s` (malleable); wallets never produce these.
    error PauseGuardianSignatureHighS(address signer, bytes32 s);
    /// @notice An ECDSA signature that is not 65 bytes long.
    error PauseGuardianSignatureLength(address signer, uint256 length);
    /// @notice The signature does not verify for `signer` (`recovered` is zero for contract signers).
    error PauseGuardianInvalidSignature(address signer, address recovered);
    /// @notice Fewer valid approvals than required.
    error PauseGuardianInsufficientApprovals(uint256 approvals, uint256 required);

    // ---------------------------------------------------------------- errors: operations

    /// @notice An operation with no calls.
    error PauseGuardianEmptyOperation();
    /// @notice The operation is not in the state the call needs.
    error PauseGuardianUnexpectedState(bytes32 id, OperationState state, OperationState expected);
    /// @notice The operation's ETA has not come yet.
    error PauseGuardianOperationNotReady(bytes32 id, uint256 eta, uint256 timestamp);
    /// @notice The operation's grace window has closed; it can never run.
    error PauseGuardianOperationExpired(bytes32 id, uint256 expiredAt, uint256 timestamp);

    // ---------------------------------------------------------------- errors: pauses

    /// @notice A pause or suspension that ends now or in the past; nothing would be paused or suspended.
    error PauseGuardianPauseInPast(uint64 until, uint256 timestamp);
    /// @notice A pause, extension or suspension beyond `now + MAX_PAUSE_DURATION`.
    error PauseGuardianPauseTooLong(uint64 until, uint256 maxUntil);
    /// @notice The fast path pauses only live scopes; a running pause is extended with threshold approvals.
    error PauseGuardianAlreadyPaused(address target, uint256 scope, uint64 pausedUntil);
    /// @notice An extension of a scope that is not paused, or that would not end later than now.
    error PauseGuardianNotExtending(address target, uint256 scope, uint64 pausedUntil, uint64 until);
    /// @notice These exact fast-path approvals (pause, extension, suspension or breaker clear) were used
    ///         before (replay).
    error PauseGuardianPauseReplayed(bytes32 request);
    /// @notice The fast path suspends only a reporter that is not suspended now; `reporter` on `oracle`
    ///         is suspended until `suspendedUntil`. Lifting early or extending goes through the timelock.
    error PauseGuardianAlreadySuspended(address oracle, address reporter, uint64 suspendedUntil);
    /// @notice The breaker-clear approvals name update `epoch` of `oracle`, but its last accepted update
    ///         is `currentEpoch`: a poke since the signing changed what would be served or kept. Sign again.
    error PauseGuardianBreakerMoved(address oracle, uint256 epoch, uint256 currentEpoch);

    // ---------------------------------------------------------------- events

    /// @notice An operation was scheduled: everything needed to review it, with who approved it.
    event OperationScheduled(
        bytes32 indexed id, uint256 eta, uint256 expiresAt, Call[] calls, bytes32 salt, address[] approvers
    );
    /// @notice An operation ran (all its calls succeeded).
    event OperationExecuted(bytes32 indexed id, address indexed executor);
    /// @notice An operation was cancelled and can never run.
    event OperationCancelled(bytes32 indexed id, address[] approvers);
    /// @notice Scopes on `target` were paused on the fast path until `until`.
    event Paused(address indexed target, uint256 scopes, uint64 until, address[] approvers);
    /// @notice A running pause of `scopes` on `target` was extended to `until`.
    event PauseExtended(address indexed target, uint256 scopes, uint64 until, address[] approvers);
    /// @notice A fast-path suspension of `reporter` on `oracle` until `until` was approved by `approvers`;
    ///         emitted just before the call to the oracle, which emits ReporterSuspended.
    event ReporterSuspensionRequested(
        address indexed oracle, address indexed reporter, uint64 until, address[] approvers
    );
    /// @notice A fast-path clear of `oracle`'s tripped breaker (serving the candidate if `acceptCandidate`),
    ///         for its update `epoch`, was approved by `approvers`; emitted just before the call to the
    ///         oracle, which emits BreakerCleared.
    event BreakerClearRequested(address indexed oracle, bool acceptCandidate, uint256 epoch, address[] approvers);
    /// @notice `signer` joined the signer set (now `signerCount` signers).
    event SignerAdded(address indexed signer, uint256 signerCount);
    /// @notice `signer` left the signer set (now `signerCount` signers).
    event SignerRemoved(address indexed signer, uint256 signerCount);
    /// @notice `pauser` may now pause scopes that shift no losses and suspend spare reporters (now
    ///         `pauserCount` pausers).
    event PauserAdded(address indexed pauser, uint256 pauserCount);
    /// @notice `pauser` is no longer a pauser (now `pauserCount` pausers).
    event PauserRemoved(address indexed pauser, uint256 pauserCount);
    /// @notice The thresholds changed from the previous values to the new ones (all five, both times).
    event ThresholdsUpdated(
        uint8 previousThreshold,
        uint8 previousCancelThreshold,
        uint8 previousPauseThreshold,
        uint8 previousShiftPauseThreshold,
        uint8 previousBreakerThreshold,
        uint8 threshold,
        uint8 cancelThreshold,
        uint8 pauseThreshold,
        uint8 shiftPauseThreshold,
        uint8 breakerThreshold
    );
    /// @notice The delay changes from `previousDelay` to `newDelay` at `effectiveAt` (now, if raised).
    event DelayUpdated(uint256 previousDelay, uint256 newDelay, uint256 effectiveAt);

    // ---------------------------------------------------------------- bounds and configuration

    /// @notice Most signers the set may hold.
    function MAX_SIGNERS() external view returns (uint256);
    /// @notice Most pausers the set may hold.
    function MAX_PAUSERS() external view returns (uint256);
    /// @notice [s] Lower bound on the delay, fixed at deployment.
    function MIN_DELAY() external view returns (uint256);
    /// @notice [s] Upper bound on the delay, fixed at deployment.
    function MAX_DELAY() external view returns (uint256);
    /// @notice [s] How long after its ETA an operation stays executable.
    function GRACE_PERIOD() external view returns (uint256);
    /// @notice [s] Longest pause (or reporter suspension) one fast-path request or one extension may
    ///         set, counted from now.
    function MAX_PAUSE_DURATION() external view returns (uint256);

    /// @notice Approvals needed to schedule an operation or extend a pause.
    function threshold() external view returns (uint8);
    /// @notice Approvals needed to cancel an operation.
    function cancelThreshold() external view returns (uint8);
    /// @notice Approvals needed for a fast-path pause of scopes that shift no losses, or a reporter
    ///         suspension while the oracle has a spare key.
    function pauseThreshold() external view returns (uint8);
    /// @notice Approvals needed for a fast-path pause naming a loss-shifting scope, or a reporter
    ///         suspension past the oracle's spare keys; at least 2 with two or more signers.
    function shiftPauseThreshold() external view returns (uint8);
    /// @notice Approvals needed to clear a tripped oracle breaker on the fast path.
    function breakerThreshold() external view returns (uint8);
    /// @notice [s] The delay in force now for newly scheduled operations.
    function delay() external view returns (uint256);
    /// @notice A lowered delay waiting to take effect, and when it does (both 0 if none).
    function pendingDelay() external view returns (uint256 newDelay, uint256 effectiveAt);
    /// @notice True if `account` is a signer.
    function isSigner(address account) external view returns (bool);
    /// @notice The current signers, in no particular order.
    function signers() external view returns (address[] memory);
    /// @notice True if `account` is a pauser (GRD-06).
    function isPauser(address account) external view returns (bool);
    /// @notice The current pausers, in no particular order.
    function pausers() external view returns (address[] memory);
    /// @notice The state and ETA of an operation.
    function operation(bytes32 id) external view returns (OperationState state, uint64 eta);
    /// @notice The id of the operation made of `calls` and `salt`.
    function hashOperation(Call[] calldata calls, bytes32 salt) external pure returns (bytes32);
    /// @notice True once a fast-path pause, extension, reporter suspension or breaker clear with these
    ///         exact parameters has been used; the key is keccak256(abi.encode(typehash, ...the request's
    ///         members but validUntil)).
    function pauseRequestUsed(bytes32 request) external view returns (bool);

    // ---------------------------------------------------------------- the slow path

    /// @notice Schedule `calls` (with `salt`) to run after the delay.
    /// @dev Needs `threshold` approvals of `Schedule(calls, salt, validUntil)`. Reverts if the same
    ///      calls and salt were ever scheduled (use a new salt to propose them again).
    /// @return id The operation id, `hashOperation(calls, salt)`.
    function schedule(Call[] calldata calls, bytes32 salt, Approval[] calldata approvals) external returns (bytes32 id);

    /// @notice Run a scheduled operation inside [eta, eta + GRACE_PERIOD]. Anyone may call.
    /// @dev All calls run in order; if one reverts its reason is bubbled up and the operation stays
    ///      scheduled (and executable until its window closes).
    function execute(Call[] calldata calls, bytes32 salt) external payable;

    /// @notice Cancel a scheduled operation; it can never run afterwards.
    /// @dev Needs `cancelThreshold` approvals of `Cancel(id, validUntil)`.
    function cancel(bytes32 id, Approval[] calldata approvals) external;

    // ---------------------------------------------------------------- the fast path

    /// @notice Pause `scopes` on the Guarded `target` until `until`, at once.
    /// @dev Needs `pauseThreshold` approvals of `Pause(target, scopes, until, validUntil)` (a calling
    ///      pauser counts as one), or `shiftPauseThreshold` signers if
    ///      `scopes & target.lossShiftingScopes() != 0`. Every scope must be live
    ///      now, and `until` at most `now + MAX_PAUSE_DURATION`. Each request runs once.
    function pause(address target, uint256 scopes, uint64 until, Approval[] calldata approvals) external;

    /// @notice Extend a running pause of `scopes` on `target` to the later `until`.
    /// @dev Needs `threshold` approvals of `ExtendPause(target, scopes, until, validUntil)`; every scope
    ///      must be paused now and end before `until`; `until` at most `now + MAX_PAUSE_DURATION`.
    function extendPause(address target, uint256 scopes, uint64 until, Approval[] calldata approvals) external;

    /// @notice Suspend `reporter` on the MedianOracle `oracle` until `until`, at once: its reports do not
    ///         count until then (the oracle enforces its quorum rule and reverts otherwise).
    /// @dev Needs `pauseThreshold` approvals of `SuspendReporter(oracle, reporter, until, validUntil)`
    ///      while `oracle.spareReporters() > 0` (a calling pauser counts as one), else
    ///      `shiftPauseThreshold` signers. The reporter must not be
    ///      suspended now (`oracle.suspendedUntil(reporter) <= now`), so the fast
    ///      path never shortens or lengthens a running suspension; `until` within
    ///      (now, now + MAX_PAUSE_DURATION]. Each request runs once. This guardian must be the oracle's
    ///      guardian. Lifting early or extending is an operation calling `oracle.suspendReporter`.
    function suspendReporter(address oracle, address reporter, uint64 until, Approval[] calldata approvals) external;

    /// @notice Clear the tripped breaker of the MedianOracle `oracle` at once, serving its held candidate
    ///         if `acceptCandidate`, else keeping the served price (`oracle.clearBreaker(acceptCandidate)`).
    /// @dev Needs `breakerThreshold` approvals of `ClearBreaker(oracle, acceptCandidate, epoch, validUntil)`,
    ///      where `epoch` is the oracle's last accepted update (`nextEpoch() - 1`) when signing: while the
    ///      breaker holds, every accepted poke is a new held candidate, so approvals are for the candidate
    ///      the signers saw and revert with PauseGuardianBreakerMoved after any later poke. Each request
    ///      runs once. The oracle reverts (MedianOracleNotTripped) if its breaker is clear, and the request
    ///      then stays unused. This guardian must be the oracle's guardian.
    function clearBreaker(address oracle, bool acceptCandidate, uint32 epoch, Approval[] calldata approvals) external;

    // ---------------------------------------------------------------- self-administration (operations only)

    /// @notice Add a signer. Only through an operation this guardian executes.
    function addSigner(address signer) external;
    /// @notice Remove a signer; reverts if the thresholds would break their bounds with the signers left.
    function removeSigner(address signer) external;
    /// @notice Add a pauser (GRD-06). Only through an operation this guardian executes.
    function addPauser(address pauser) external;
    /// @notice Remove a pauser. Only through an operation this guardian executes.
    function removePauser(address pauser) external;
    /// @notice Set the five thresholds within their bounds (see above). Only through an operation.
    function setThresholds(
        uint8 newThreshold,
        uint8 newCancelThreshold,
        uint8 newPauseThreshold,
        uint8 newShiftPauseThreshold,
        uint8 newBreakerThreshold
    ) external;
    /// @notice Set the delay within [MIN_DELAY, MAX_DELAY]. A raise applies at once; a cut applies
    ///         only after the current delay has passed, so nothing can be rushed through the change.
    function setDelay(uint256 newDelay) external;
}
