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
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let first := add(values, 0x20)
            let end := add(first, shl(5, n))
            // values [first, i) is sorted: values[i] goes before the first entry greater than it, which
            // moves up one word with everything after it
            for { let i := add(first, 0x20) } lt(i, end) { i := add(i, 0x20) } {
                let key := mload(i)
                let at := first
                // the scan stops at first at the latest, as that entry is no greater than key
                if iszero(gt(mload(first), key)) {
                    let below := sub(i, 0x20)
                    for {} gt(mload(below), key) { below := sub(below, 0x20) } {}
                    at := add(below, 0x20)
                }
                mcopy(add(at, 0x20), at, sub(i, at))
                mstore(at, key)
            }
        }
        uint256 mid = n / 2;
        if (n % 2 == 1) return values[mid];
        // (a & b) + (a ^ b) / 2 is floor((a + b) / 2) without overflow
        (uint256 a, uint256 b) = (values[mid - 1], values[mid]);
        return (a & b) + ((a ^ b) >> 1);
    }
}
