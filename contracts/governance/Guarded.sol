// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGuarded} from "../interfaces/IGuarded.sol";
import {ScopeBits} from "../libraries/ScopeBits.sol";

/// @title Guarded
/// @notice Base for every Bulwark contract: an immutable guardian, guardian-only setters, and scoped
///         pauses that expire by themselves.
/// @dev Inheritors define their scopes as single-bit constants, return their union from
///      `pauseScopes()` and the loss-shifting ones from `lossShiftingScopes()` (with the reason for each
///      scope, either way, in their interface), put `whenNotPaused(SCOPE)` on entry points and
///      `onlyGuardian` on setters, and emit an event of their own with the previous and new values of
///      every parameter they set.
abstract contract Guarded is IGuarded {
    /// @inheritdoc IGuarded
    address public immutable GUARDIAN;

    /// @inheritdoc IGuarded
    mapping(uint256 scope => uint64 until) public pausedUntil; // [unix s] paused while now < until

    modifier onlyGuardian() {
        if (msg.sender != GUARDIAN) revert GuardedNotGuardian(msg.sender, GUARDIAN);
        _;
    }

    modifier whenNotPaused(uint256 scope) {
        _requireNotPaused(scope);
        _;
    }

    constructor(address guardian) {
        if (guardian == address(0)) revert GuardedZeroGuardian();
        GUARDIAN = guardian;
    }

    /// @inheritdoc IGuarded
    function pauseScopes() public view virtual returns (uint256);

    /// @inheritdoc IGuarded
    function lossShiftingScopes() public view virtual returns (uint256);

    /// @inheritdoc IGuarded
    function isPaused(uint256 scopes) external view returns (bool) {
        for (uint256 remaining = scopes; remaining != 0;) {
            uint256 scope;
            (scope, remaining) = ScopeBits.popLowest(remaining);
            if (block.timestamp < pausedUntil[scope]) return true;
        }
        return false;
    }

    /// @inheritdoc IGuarded
    function setPause(uint256 scopes, uint64 until) external onlyGuardian {
        uint256 known = pauseScopes();
        // every bit names a scope this contract enforces, so a pause can never be set on nothing
        if (scopes == 0 || scopes & ~known != 0) revert GuardedInvalidScopes(scopes, known);
        for (uint256 remaining = scopes; remaining != 0;) {
            uint256 scope;
            (scope, remaining) = ScopeBits.popLowest(remaining);
            uint64 previous = pausedUntil[scope];
            pausedUntil[scope] = until;
            emit PauseUpdated(scope, previous, until);
        }
    }

    /// @dev Reverts with GuardedPaused while the single-bit `scope` is paused.
    function _requireNotPaused(uint256 scope) internal view {
        uint64 until = pausedUntil[scope];
        if (block.timestamp < until) revert GuardedPaused(scope, until);
    }
}
