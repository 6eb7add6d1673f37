// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Median
/// @notice The median of a short list (at most a few dozen values), computed in place.
/// @dev Insertion sort: O(n^2) compares, cheaper than selection tricks at the sizes oracles use.
///      Even count: the mean of the two middle values, rounded down, which lies between them.
library Median {
    /// @notice The median of `values`, which must be non-empty; `values` is left sorted ascending.
    function ofInPlace(uint256[] memory values) internal pure returns (uint256) {
        uint256 n = values.length;
        for (uint256 i = 1; i < n; ++i) {
            uint256 key = values[i];
            uint256 j = i;
            while (j > 0 && values[j - 1] > key) {
                values[j] = values[j - 1];
                --j;
            }
            values[j] = key;
        }
        uint256 mid = n / 2;
        if (n % 2 == 1) return values[mid];
        // (a & b) + (a ^ b) / 2 is floor((a + b) / 2) without overflow
        (uint256 a, uint256 b) = (values[mid - 1], values[mid]);
        return (a & b) + ((a ^ b) >> 1);
    }
}
