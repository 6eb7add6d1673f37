// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ScopeBits
/// @notice Iterating the single-bit scopes of a pause mask.
library ScopeBits {
    /// @notice Splits the lowest set bit off a non-zero `mask`.
    /// @return scope The lowest set bit, as a mask.
    /// @return rest `mask` without that bit.
    function popLowest(uint256 mask) internal pure returns (uint256 scope, uint256 rest) {
        // unchecked: two's complement negation; callers pass a non-zero mask, so ~mask + 1 cannot overflow
        unchecked {
            scope = mask & (~mask + 1);
        }
        rest = mask ^ scope;
    }
}
