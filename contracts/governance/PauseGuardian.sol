// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IGuarded} from "../interfaces/IGuarded.sol";
import {IMedianOracle} from "../interfaces/IMedianOracle.sol";
import {IPauseGuardian} from "../interfaces/IPauseGuardian.sol";
import {ScopeBits} from "../libraries/ScopeBits.sol";
import {SignerApprovals} from "./SignerApprovals.sol";

/// @title PauseGuardian
/// @notice The only admin of the Bulwark suite: a time-locked M-of-N multisig with fast scoped pauses,
///         fast reporter suspensions and a fast breaker clear, each needing the signers its risk calls for.
/// @dev See IPauseGuardian for the rules, the typed data and the assumptions.
contract PauseGuardian is SignerApprovals {
    bytes32 private constant CALL_TYPEHASH = keccak256("Call(address target,uint256 value,bytes data)");
    bytes32 private constant SCHEDULE_TYPEHASH =
        keccak256("Schedule(Call[] calls,bytes32 salt,uint64 validUntil)Call(address target,uint256 value,bytes data)");
    bytes32 private constant CANCEL_TYPEHASH = keccak256("Cancel(bytes32 id,uint64 validUntil)");
    bytes32 private constant PAUSE_TYPEHASH =
        keccak256("Pause(address target,uint256 scopes,uint64 until,uint64 validUntil)");
    bytes32 private constant EXTEND_PAUSE_TYPEHASH =
        keccak256("ExtendPause(address target,uint256 scopes,uint64 until,uint64 validUntil)");
    bytes32 private constant SUSPEND_REPORTER_TYPEHASH =
        keccak256("SuspendReporter(address oracle,address reporter,uint64 until,uint64 validUntil)");
    bytes32 private constant CLEAR_BREAKER_TYPEHASH =
        keccak256("ClearBreaker(address oracle,bool acceptCandidate,uint32 epoch,uint64 validUntil)");

    uint256 private constant MAX_BOUND = 365 days; // every time bound below it keeps eta and until in uint64

    /// @inheritdoc IPauseGuardian
    uint256 public immutable MIN_DELAY; // [s]
    /// @inheritdoc IPauseGuardian
    uint256 public immutable MAX_DELAY; // [s]
    /// @inheritdoc IPauseGuardian
    uint256 public immutable GRACE_PERIOD; // [s] executable window after the ETA
    /// @inheritdoc IPauseGuardian
    uint256 public immutable MAX_PAUSE_DURATION; // [s] longest fast-path pause, extension or suspension, from now

    struct Operation {
        uint64 eta; // [unix s] first second it may run
        OperationState state;
    }

    mapping(bytes32 id => Operation) private _operations;
    /// @inheritdoc IPauseGuardian
    mapping(bytes32 request => bool used) public pauseRequestUsed;

    uint256 private _delay; // [s] delay in force until a pending cut takes effect
    uint256 private _pendingDelay; // [s] a lowered delay waiting to apply
    uint256 private _pendingDelayAt; // [unix s] when it applies; 0 if none

    modifier onlySelf() {
        if (msg.sender != address(this)) revert PauseGuardianOnlySelf(msg.sender);
        _;
    }

    /// @param initialSigners 1..MAX_SIGNERS distinct non-zero addresses (EOAs or EIP-1271 contracts)
    /// @param thresholds_ [threshold, cancelThreshold, pauseThreshold, shiftPauseThreshold, breakerThreshold]
    ///        within the bounds of IPauseGuardian
    /// @param initialDelay [s] within [minDelay, maxDelay]
    /// @param bounds [minDelay, maxDelay, gracePeriod, maxPauseDuration] in seconds, each at most 365 days
    /// @param initialPausers 0..MAX_PAUSERS distinct non-zero addresses: keys for automated containment,
    ///        whose call counts only on the pause-only fast path (GRD-06)
    constructor(
        address[] memory initialSigners,
        uint8[5] memory thresholds_,
        uint256 initialDelay,
        uint256[4] memory bounds,
        address[] memory initialPausers
    ) SignerApprovals(initialSigners, thresholds_, initialPausers) {
        (uint256 minDelay, uint256 maxDelay, uint256 grace, uint256 maxPause) =
            (bounds[0], bounds[1], bounds[2], bounds[3]);
        if (
            minDelay > maxDelay || maxDelay > MAX_BOUND || grace == 0 || grace > MAX_BOUND || maxPause == 0
                || maxPause > MAX_BOUND
        ) {
            revert PauseGuardianInvalidBounds(minDelay, maxDelay, grace, maxPause);
        }
        (MIN_DELAY, MAX_DELAY, GRACE_PERIOD, MAX_PAUSE_DURATION) = (minDelay, maxDelay, grace, maxPause);
        _requireDelayInBounds(initialDelay);
        _delay = initialDelay;
        emit DelayUpdated(0, initialDelay, block.timestamp);
    }

    /// @notice Accepts ether so operations can carry value.
    receive() external payable {}

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPauseGuardian
    function delay() public view returns (uint256) {
        uint256 at = _pendingDelayAt;
        return at != 0 && block.timestamp >= at ? _pendingDelay : _delay;
    }

    /// @inheritdoc IPauseGuardian
    function pendingDelay() external view returns (uint256 newDelay, uint256 effectiveAt) {
        if (_pendingDelayAt > block.timestamp) return (_pendingDelay, _pendingDelayAt);
        return (0, 0);
    }

    /// @inheritdoc IPauseGuardian
    function operation(bytes32 id) external view returns (OperationState state, uint64 eta) {
        Operation storage op = _operations[id];
        return (op.state, op.eta);
    }

    /// @inheritdoc IPauseGuardian
    function hashOperation(Call[] calldata calls, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(_hashCalls(calls), salt));
    }

    // ---------------------------------------------------------------- the slow path

    /// @inheritdoc IPauseGuardian
    function schedule(Call[] calldata calls, bytes32 salt, Approval[] calldata approvals)
        external
        returns (bytes32 id)
    {
        if (calls.length == 0) revert PauseGuardianEmptyOperation();
        bytes32 callsHash = _hashCalls(calls);
        id = keccak256(abi.encode(callsHash, salt));
        Operation storage op = _operations[id];
        // an id is scheduled at most once, so an executed or cancelled operation never comes back
        if (op.state != OperationState.Unset) revert PauseGuardianUnexpectedState(id, op.state, OperationState.Unset);
        address[] memory approvers =
            _requireApprovals(SCHEDULE_TYPEHASH, abi.encode(callsHash, salt), approvals, threshold, false);
        uint256 eta = block.timestamp + delay();
        // safe cast: delay <= MAX_DELAY <= 365 days
        (op.eta, op.state) = (uint64(eta), OperationState.Scheduled);
        emit OperationScheduled(id, eta, eta + GRACE_PERIOD, calls, salt, approvers);
    }

    /// @inheritdoc IPauseGuardian
    function execute(Call[] calldata calls, bytes32 salt) external payable {
        bytes32 id = hashOperation(calls, salt);
        Operation storage op = _operations[id];
        if (op.state != OperationState.Scheduled) {
            revert PauseGuardianUnexpectedState(id, op.state, OperationState.Scheduled);
        }
        // only inside [eta, eta + GRACE_PERIOD] (GRD-01)
        if (block.timestamp < op.eta) revert PauseGuardianOperationNotReady(id, op.eta, block.timestamp);
        uint256 expiresAt = op.eta + GRACE_PERIOD;
        if (block.timestamp > expiresAt) revert PauseGuardianOperationExpired(id, expiresAt, block.timestamp);
        // marked before the calls: a call that re-enters finds it executed; a revert undoes the mark
        op.state = OperationState.Executed;
        emit OperationExecuted(id, msg.sender);
        for (uint256 i; i < calls.length; ++i) {
            Call calldata c = calls[i];
            if (c.data.length == 0) Address.sendValue(payable(c.target), c.value);
            // the return data is not needed; a failing call bubbles its revert reason
            // slither-disable-next-line unused-return
            else Address.functionCallWithValue(c.target, c.data, c.value);
        }
    }

    /// @inheritdoc IPauseGuardian
    function cancel(bytes32 id, Approval[] calldata approvals) external {
        Operation storage op = _operations[id];
        if (op.state != OperationState.Scheduled) {
            revert PauseGuardianUnexpectedState(id, op.state, OperationState.Scheduled);
        }
        address[] memory approvers =
            _requireApprovals(CANCEL_TYPEHASH, abi.encode(id), approvals, cancelThreshold, false);
        op.state = OperationState.Cancelled;
        emit OperationCancelled(id, approvers);
    }

    // ---------------------------------------------------------------- the fast path

    /// @inheritdoc IPauseGuardian
    function pause(address target, uint256 scopes, uint64 until, Approval[] calldata approvals) external {
        // a scope whose pause can move losses between users needs more than one key (GRD-05);
        // shiftPauseThreshold >= pauseThreshold always
        bool shifting = scopes & IGuarded(target).lossShiftingScopes() != 0;
        uint256 required = shifting ? shiftPauseThreshold : pauseThreshold;
        // a pauser's call counts only where pausing shifts no losses (GRD-06)
        address[] memory approvers =
            _approveFastPause(PAUSE_TYPEHASH, target, scopes, until, approvals, required, !shifting);
        emit Paused(target, scopes, until, approvers);
        IGuarded(target).setPause(scopes, until);
    }

    /// @inheritdoc IPauseGuardian
    function extendPause(address target, uint256 scopes, uint64 until, Approval[] calldata approvals) external {
        address[] memory approvers =
            _approveFastPause(EXTEND_PAUSE_TYPEHASH, target, scopes, until, approvals, threshold, false);
        emit PauseExtended(target, scopes, until, approvers);
        IGuarded(target).setPause(scopes, until);
    }

    /// @inheritdoc IPauseGuardian
    function suspendReporter(address oracle, address reporter, uint64 until, Approval[] calldata approvals) external {
        bytes memory fields = abi.encode(oracle, reporter, until);
        bytes32 request = _requireFreshRequest(SUSPEND_REPORTER_TYPEHASH, fields, until);
        // only a reporter not suspended now, so the fast path never shortens or lengthens a suspension
        uint64 current = IMedianOracle(oracle).suspendedUntil(reporter);
        if (current > block.timestamp) revert PauseGuardianAlreadySuspended(oracle, reporter, current);
        // past the spare keys, the tolerated hostile keys could halt the feed by silence (GRD-05)
        bool spare = IMedianOracle(oracle).spareReporters() != 0;
        uint256 required = spare ? pauseThreshold : shiftPauseThreshold;
        // a pauser's call counts only while a spare key remains (GRD-06)
        address[] memory approvers =
            _spendRequest(request, SUSPEND_REPORTER_TYPEHASH, fields, approvals, required, spare);
        emit ReporterSuspensionRequested(oracle, reporter, until, approvers);
        IMedianOracle(oracle).suspendReporter(reporter, until);
    }

    /// @inheritdoc IPauseGuardian
    function clearBreaker(address oracle, bool acceptCandidate, uint32 epoch, Approval[] calldata approvals) external {
        bytes memory fields = abi.encode(oracle, acceptCandidate, epoch);
        bytes32 request = keccak256(bytes.concat(CLEAR_BREAKER_TYPEHASH, fields));
        if (pauseRequestUsed[request]) revert PauseGuardianPauseReplayed(request);
        // the approvals are for the held update the signers saw: any later poke voids them
        uint256 current = IMedianOracle(oracle).nextEpoch() - 1;
        if (current != epoch) revert PauseGuardianBreakerMoved(oracle, epoch, current);
        // clearing serves or restores a price, so it moves losses: breakerThreshold >= shiftPauseThreshold
        address[] memory approvers =
            _spendRequest(request, CLEAR_BREAKER_TYPEHASH, fields, approvals, breakerThreshold, false);
        emit BreakerClearRequested(oracle, acceptCandidate, epoch, approvers);
        IMedianOracle(oracle).clearBreaker(acceptCandidate);
    }

    // ---------------------------------------------------------------- self-administration

    /// @inheritdoc IPauseGuardian
    function addSigner(address signer) external onlySelf {
        _addSigner(signer);
    }

    /// @inheritdoc IPauseGuardian
    function removeSigner(address signer) external onlySelf {
        _removeSigner(signer);
    }

    /// @inheritdoc IPauseGuardian
    function addPauser(address pauser) external onlySelf {
        _addPauser(pauser);
    }

    /// @inheritdoc IPauseGuardian
    function removePauser(address pauser) external onlySelf {
        _removePauser(pauser);
    }

    /// @inheritdoc IPauseGuardian
    function setThresholds(
        uint8 newThreshold,
        uint8 newCancelThreshold,
        uint8 newPauseThreshold,
        uint8 newShiftPauseThreshold,
        uint8 newBreakerThreshold
    ) external onlySelf {
        _setThresholds(newThreshold, newCancelThreshold, newPauseThreshold, newShiftPauseThreshold, newBreakerThreshold);
    }

    /// @inheritdoc IPauseGuardian
    function setDelay(uint256 newDelay) external onlySelf {
        _requireDelayInBounds(newDelay);
        uint256 current = delay();
        (_delay, _pendingDelay, _pendingDelayAt) = (current, 0, 0);
        uint256 effectiveAt = block.timestamp;
        if (newDelay < current) {
            // a cut waits out the delay it replaces, so nothing scheduled after it runs sooner than before
            effectiveAt += current;
            (_pendingDelay, _pendingDelayAt) = (newDelay, effectiveAt);
        } else {
            _delay = newDelay;
        }
        emit DelayUpdated(current, newDelay, effectiveAt);
    }

    // ---------------------------------------------------------------- internals

    function _hashCalls(Call[] calldata calls) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](calls.length);
        for (uint256 i; i < calls.length; ++i) {
            Call calldata c = calls[i];
            hashes[i] = keccak256(abi.encode(CALL_TYPEHASH, c.target, c.value, keccak256(c.data)));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// @dev `pause` and `extendPause`: the shared fast-path rules, then the scopes. A pause (PAUSE_TYPEHASH)
    ///      touches only live scopes, so the fast path never shortens or lengthens a running pause
    ///      (GRD-03); an extension touches only running pauses, and only to end later.
    function _approveFastPause(
        bytes32 typehash,
        address target,
        uint256 scopes,
        uint64 until,
        Approval[] calldata approvals,
        uint256 required,
        bool pauserCounts
    ) private returns (address[] memory approvers) {
        bytes memory fields = abi.encode(target, scopes, until);
        bytes32 request = _requireFreshRequest(typehash, fields, until);
        bool extending = typehash == EXTEND_PAUSE_TYPEHASH;
        for (uint256 remaining = scopes; remaining != 0;) {
            uint256 scope;
            (scope, remaining) = ScopeBits.popLowest(remaining);
            // bounded by the target's scopes: setPause rejects any bit it does not know
            // slither-disable-next-line calls-loop
            uint64 current = IGuarded(target).pausedUntil(scope);
            bool running = block.timestamp < current;
            if (!extending && running) revert PauseGuardianAlreadyPaused(target, scope, current);
            if (extending && (!running || until <= current)) {
                revert PauseGuardianNotExtending(target, scope, current, until);
            }
        }
        approvers = _spendRequest(request, typehash, fields, approvals, required, pauserCounts);
    }

    /// @dev The first rules of every fast-path request (typed message `typehash` over `fields`, which
    ///      end with `until`): it has not run before, and it ends in (now, now + MAX_PAUSE_DURATION].
    ///      The caller then checks the target's state and calls `_spendRequest`.
    /// @return request The replay key, keccak256(abi.encode(typehash, ...fields)).
    function _requireFreshRequest(bytes32 typehash, bytes memory fields, uint64 until)
        private
        view
        returns (bytes32 request)
    {
        request = keccak256(bytes.concat(typehash, fields));
        if (pauseRequestUsed[request]) revert PauseGuardianPauseReplayed(request);
        if (until <= block.timestamp) revert PauseGuardianPauseInPast(until, block.timestamp);
        uint256 maxUntil = block.timestamp + MAX_PAUSE_DURATION;
        if (until > maxUntil) revert PauseGuardianPauseTooLong(until, maxUntil);
    }

    /// @dev The last rule of a fast-path request (pause, extension, suspension or breaker clear):
    ///      `required` approvals (a calling pauser counted if `pauserCounts`); then it is spent, never to
    ///      run again.
    function _spendRequest(
        bytes32 request,
        bytes32 typehash,
        bytes memory fields,
        Approval[] calldata approvals,
        uint256 required,
        bool pauserCounts
    ) private returns (address[] memory approvers) {
        approvers = _requireApprovals(typehash, fields, approvals, required, pauserCounts);
        pauseRequestUsed[request] = true;
    }

    function _requireDelayInBounds(uint256 newDelay) private view {
        if (newDelay < MIN_DELAY || newDelay > MAX_DELAY) {
            revert PauseGuardianDelayOutOfBounds(newDelay, MIN_DELAY, MAX_DELAY);
        }
    }
}
