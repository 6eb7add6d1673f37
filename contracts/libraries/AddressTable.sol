// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title AddressTable
/// @notice A read-mostly list of addresses kept in a data contract's code (the SSTORE2 pattern):
///         reading the whole list costs one cold account access instead of one cold slot per entry.
/// @dev The data contract's code is 0x00 (STOP, so it can never be called into anything) followed by
///      the addresses packed at 20 bytes each. Writing deploys a new data contract; old ones are
///      abandoned (they hold no value and cannot run).
library AddressTable {
    /// @notice Deploying the data contract failed.
    error AddressTableWriteFailed(uint256 entries);

    /// @notice Store `entries` (at most 3,276 of them) in a new data contract; zero for an empty list.
    function write(address[] memory entries) internal returns (address table) {
        uint256 n = entries.length;
        if (n == 0) return address(0);
        uint256 size = 1 + 20 * n; // runtime code: STOP ‖ addresses
        // 10-byte init code (PUSH2 size, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN),
        // the runtime code, and 12 spare bytes that absorb the last 32-byte store
        bytes memory init = new bytes(10 + size + 12);
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let p := add(init, 0x20)
            mstore(p, or(shl(248, 0x61), or(shl(232, size), shl(176, 0x80600a3d393df3))))
            // byte 10 stays 0x00 (STOP); entry i lands at byte 11 + 20 i, left-aligned
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(p, add(11, mul(i, 20))), shl(96, mload(add(entries, mul(add(i, 1), 0x20)))))
            }
            table := create(0, p, add(10, size))
        }
        if (table == address(0)) revert AddressTableWriteFailed(n);
    }

    /// @notice The `count` packed addresses of `table`, copied into memory (20 bytes each).
    function load(address table, uint256 count) internal view returns (bytes memory packed) {
        packed = new bytes(20 * count);
        if (count == 0) return packed;
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            extcodecopy(table, add(packed, 0x20), 1, mul(count, 20))
        }
    }

    /// @notice Entry `i` of a table loaded with `load` (no bounds check: callers keep i < count).
    function at(bytes memory packed, uint256 i) internal pure returns (address entry) {
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            entry := shr(96, mload(add(add(packed, 0x20), mul(i, 20))))
        }
    }
}
