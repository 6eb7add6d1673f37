// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGuarded
/// @notice The admin surface every Bulwark contract shares. One guardian address, fixed at deployment
///         (the PauseGuardian multisig in production), is the only account that may change a parameter
///         or a pause flag. Pauses are scoped and end by themselves at their expiry.
/// @dev Assumptions and conventions:
///      - A scope is one bit of a uint256 mask. Each contract defines its own scopes (for example
///        `TRADE = 1 << 0`) and reports the set it knows in `pauseScopes()`.
///      - Each contract also says which of its scopes are loss-shifting (`lossShiftingScopes()`), and
///        why for every scope, in its interface's NatSpec. A scope is loss-shifting when, while it is
///        paused, a loss the contract's rules put on one party can end up borne by another: an account's
///        losses beyond its equity reach the fund or other traders, bad debt reaches traders instead of
///        the fund, a staker kept in past its cooldown bears losses that belong to those who stay, or an
///        account loses the one way to restore its margin that needs no counterparty. A pause that only
///        delays what users do with their own money or risk, while every rule that assigns losses keeps
///        running, is not. PauseGuardian's fast path pauses a loss-shifting scope only with
///        `shiftPauseThreshold` signers (at least two whenever it has two or more signers).
///      - A scope is paused while `block.timestamp < pausedUntil(scope)`; at `pausedUntil` it is live
///        again without any transaction. Setting `until` to 0 (or any past time) lifts a pause.
///      - The guardian decides how long a pause may last (PauseGuardian caps it at MAX_PAUSE_DURATION);
///        this base stores what the guardian sets.
///      - The guardian is immutable: moving a contract to a new guardian means redeploying it.
interface IGuarded {
    /// @notice `caller` is not the guardian.
    error GuardedNotGuardian(address caller, address guardian);
    /// @notice The entry point's `scope` is paused until `pausedUntil` (a unix time in seconds).
    error GuardedPaused(uint256 scope, uint64 pausedUntil);
    /// @notice The guardian given at deployment is the zero address.
    error GuardedZeroGuardian();
    /// @notice `scopes` is empty or has bits outside `knownScopes`.
    error GuardedInvalidScopes(uint256 scopes, uint256 knownScopes);

    /// @notice The pause of one `scope` (a single bit) changed from `previousUntil` to `until`.
    /// @dev Emitted once per scope bit that a `setPause` call touches.
    event PauseUpdated(uint256 indexed scope, uint64 previousUntil, uint64 until);

    /// @notice The only account allowed to change parameters and pause flags.
    function GUARDIAN() external view returns (address);

    /// @notice The mask of every scope this contract defines.
    function pauseScopes() external view returns (uint256);

    /// @notice The time (unix seconds) until which the single-bit `scope` is paused; 0 if never paused.
    function pausedUntil(uint256 scope) external view returns (uint64);

    /// @notice The mask of the scopes whose pause can move losses between users (a subset of
    ///         `pauseScopes()`, fixed in code); see the definition above.
    function lossShiftingScopes() external view returns (uint256);

    /// @notice True if any scope bit in `scopes` is paused now.
    function isPaused(uint256 scopes) external view returns (bool);

    /// @notice Pause every scope bit in `scopes` until `until`, or lift them with a past `until`.
    /// @dev Only the guardian. Reverts with GuardedInvalidScopes on an empty mask or unknown bits.
    ///      Emits PauseUpdated for each scope bit.
    /// @param scopes A mask of scope bits, each one of `pauseScopes()`.
    /// @param until The unix time (seconds) at which the pause ends by itself.
    function setPause(uint256 scopes, uint64 until) external;
}
