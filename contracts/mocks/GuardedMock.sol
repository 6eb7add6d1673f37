// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Guarded} from "../governance/Guarded.sol";

/// @title GuardedMock
/// @notice Test-only contract exercising Guarded: one guardian-only setter and one entry point per
///         scope. Never imported by production contracts.
/// @dev ALPHA is declared to shift no losses and BETA to shift them, so tests exercise both fast-path
///      rules of PauseGuardian (pauseThreshold and shiftPauseThreshold signers).
contract GuardedMock is Guarded {
    uint256 public constant SCOPE_ALPHA = 1 << 0; // not loss-shifting
    uint256 public constant SCOPE_BETA = 1 << 1; // loss-shifting

    uint256 public value; // a parameter only the guardian may set
    uint256 public alphaCalls; // [count] successful calls to alpha()
    uint256 public betaCalls; // [count] successful calls to beta()

    /// @notice The test parameter changed from `previous` to `value`.
    event ValueUpdated(uint256 previous, uint256 value);

    constructor(address guardian) Guarded(guardian) {}

    /// @notice Sets the test parameter; only the guardian.
    function setValue(uint256 newValue) external onlyGuardian {
        uint256 previous = value;
        value = newValue;
        emit ValueUpdated(previous, newValue);
    }

    /// @notice An entry point that SCOPE_ALPHA pauses.
    function alpha() external whenNotPaused(SCOPE_ALPHA) {
        alphaCalls += 1;
    }

    /// @notice An entry point that SCOPE_BETA pauses.
    function beta() external whenNotPaused(SCOPE_BETA) {
        betaCalls += 1;
    }

    /// @inheritdoc Guarded
    function pauseScopes() public pure override returns (uint256) {
        return SCOPE_ALPHA | SCOPE_BETA;
    }

    /// @inheritdoc Guarded
    function lossShiftingScopes() public pure override returns (uint256) {
        return SCOPE_BETA;
    }
}
