// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMedianOracle} from "../interfaces/IMedianOracle.sol";

/// @title ReportBatch
/// @notice MedianOracle's per-report rules over one batch, in one assembly loop: signature, strictly
///         ascending reporters, membership, suspension, latency window and price bounds, each violation
///         reverting with IMedianOracle's custom error and its values.
/// @dev Split out of MedianOracle along its seam (the oracle decides the rules, this checks reports
///      against them); internal, so it compiles into the oracle with no call. Selectors are hard-coded
///      beside the error they name; tests/unit/oracle/test_error_selectors.py ties each to the ABI.
library ReportBatch {
    /// @notice What every report of one batch is checked against.
    struct Rules {
        bytes32 typehash; // PRICE_TYPEHASH
        bytes32 feed; // FEED_ID
        bytes32 domain; // the EIP-712 domain separator
        uint256 epoch; // [count] the epoch every report must be signed for
        uint256 oldest; // [unix s] earliest observedAt accepted
        uint256 newest; // [unix s] latest observedAt accepted
        uint256 minPrice; // [wad]
        uint256 maxPrice; // [wad]
        bytes table; // the reporter table (AddressTable.load), sorted ascending
        uint256 suspendedMask; // bit i: table position i has a suspension set
    }

    /// @notice Check every report of `reports` against `rules`; returns their prices (in report order)
    ///         and the oldest observedAt, never later than now.
    function verify(
        Rules memory rules,
        IMedianOracle.Report[] calldata reports,
        mapping(address reporter => uint64 until) storage suspendedUntil
    ) internal view returns (uint256[] memory prices, uint256 updatedAt) {
        prices = new uint256[](reports.length);
        updatedAt = _accept(_frame(rules, reports, prices), suspendedUntil);
    }

    /// @dev Memory for _accept, written once per batch (offsets in bytes):
    ///      0x000 PRICE_TYPEHASH, 0x020 FEED_ID, 0x040 epoch, 0x060 price, 0x080 observedAt: a report's
    ///      struct hash; 0x0a0 0x1901 ‖ domain separator ‖ struct hash (0x42 bytes): its digest
    ///      0x100 digest, v, r, s: ecrecover's input
    ///      0x180 oldest and 0x1a0 newest observedAt accepted, 0x1c0 minPrice, 0x1e0 maxPrice
    ///      0x200 the reporter table, 0x220 the suspension mask
    ///      0x240 the reports (calldata offset), 0x260 their end, 0x280 prices, as many words as reports
    function _frame(Rules memory rules, IMedianOracle.Report[] calldata reports, uint256[] memory prices)
        private
        pure
        returns (uint256 frame)
    {
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            frame := mload(0x40)
            mstore(0x40, add(frame, 0x2a0))
            mstore(frame, mload(rules)) // typehash
            mstore(add(frame, 0x20), mload(add(rules, 0x20))) // feed
            mstore(add(frame, 0x40), mload(add(rules, 0x60))) // epoch
            mstore(add(frame, 0xa0), shl(240, 0x1901))
            mstore(add(frame, 0xa2), mload(add(rules, 0x40))) // domain
            mstore(add(frame, 0x180), mload(add(rules, 0x80))) // oldest
            mstore(add(frame, 0x1a0), mload(add(rules, 0xa0))) // newest
            mstore(add(frame, 0x1c0), mload(add(rules, 0xc0))) // minPrice
            mstore(add(frame, 0x1e0), mload(add(rules, 0xe0))) // maxPrice
            mstore(add(frame, 0x200), mload(add(rules, 0x100))) // table
            mstore(add(frame, 0x220), mload(add(rules, 0x120))) // suspendedMask
            mstore(add(frame, 0x240), reports.offset)
            mstore(add(frame, 0x260), add(reports.offset, shl(7, reports.length)))
            mstore(add(frame, 0x280), prices)
        }
    }

    /// @dev Each report's rules in turn, in this order: signer, strictly ascending, membership,
    ///      suspension, latency window, price bounds; each violation reverts with its error. Fills
    ///      `prices` (one per report) and returns the oldest observedAt, never later than now.
    // one pass per report through every rule in order: a call per rule would cost gas per report
    // slither-disable-next-line cyclomatic-complexity
    function _accept(uint256 frame, mapping(address reporter => uint64 until) storage suspendedUntil)
        private
        view
        returns (uint256 updatedAt)
    {
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            // revert with custom error `selector` and its 1, 2, 3 or 4 arguments, ABI-encoded; the selectors
            // below are IMedianOracle's, named beside each use
            // slither-disable-next-line assembly
            function fail1(selector, a) {
                mstore(0x00, shl(224, selector))
                mstore(0x04, a)
                revert(0x00, 0x24)
            }
            // slither-disable-next-line assembly
            function fail2(selector, a, b) {
                let m := mload(0x40)
                mstore(m, shl(224, selector))
                mstore(add(m, 0x04), a)
                mstore(add(m, 0x24), b)
                revert(m, 0x44)
            }
            // slither-disable-next-line assembly
            function fail3(selector, a, b, c) {
                let m := mload(0x40)
                mstore(m, shl(224, selector))
                mstore(add(m, 0x04), a)
                mstore(add(m, 0x24), b)
                mstore(add(m, 0x44), c)
                revert(m, 0x64)
            }
            // slither-disable-next-line assembly
            function fail4(selector, a, b, c, d) {
                let m := mload(0x40)
                mstore(m, shl(224, selector))
                mstore(add(m, 0x04), a)
                mstore(add(m, 0x24), b)
                mstore(add(m, 0x44), c)
                mstore(add(m, 0x64), d)
                revert(m, 0x84)
            }

            updatedAt := timestamp()
            let previous := 0 // the last accepted reporter; zero only before the first (the table never holds it)
            let slot := 0 // table cursor: reports and table are both ascending
            let out := add(mload(add(frame, 0x280)), 0x20)
            let end := mload(add(frame, 0x260))
            // a Report is four words of calldata: price, observedAt, r, vs
            for { let report := mload(add(frame, 0x240)) } lt(report, end) { report := add(report, 0x80) } {
                // the signer is what ECDSA.tryRecover(reportDigest(epoch, price, observedAt), r, vs) returns:
                // zero for s above secp256k1n / 2 (OZ rejects that half) or when ecrecover recovers nothing. A
                // malformed signature so recovers zero or a stranger: either fails the checks below.
                let observedAt := calldataload(add(report, 0x20))
                // as reading report.observedAt does: no data on a word wider than uint64
                if gt(observedAt, 0xffffffffffffffff) { revert(0, 0) }
                calldatacopy(add(frame, 0x60), report, 0x40) // price, observedAt
                mstore(add(frame, 0xc2), keccak256(frame, 0xa0))
                let reporter := 0
                {
                    let vs := calldataload(add(report, 0x60))
                    let s := shr(1, shl(1, vs))
                    if iszero(gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)) {
                        mstore(add(frame, 0x100), keccak256(add(frame, 0xa0), 0x42))
                        mstore(add(frame, 0x120), add(27, shr(255, vs)))
                        mstore(add(frame, 0x140), calldataload(add(report, 0x40)))
                        mstore(add(frame, 0x160), s)
                        mstore(0x00, 0) // the precompile returns nothing when it recovers nothing
                        if iszero(staticcall(gas(), 0x01, add(frame, 0x100), 0x80, 0x00, 0x20)) {
                            revert(0, 0)
                        }
                        reporter := mload(0x00)
                    }
                }
                // strictly ascending, so each reporter counts once (ORA-03)
                if and(gt(previous, 0), iszero(gt(reporter, previous))) {
                    if eq(reporter, previous) { fail1(0x4a0462d8, reporter) } // MedianOracleDuplicateReporter
                    fail2(0x84ecc97f, previous, reporter) // MedianOracleReportersNotAscending
                }
                {
                    // a reporter: the table from the cursor on holds it (both ascending)
                    let table := mload(add(frame, 0x200))
                    let count := div(mload(table), 20)
                    for {} 1 { slot := add(slot, 1) } {
                        if eq(slot, count) { fail1(0x9948512b, reporter) } // MedianOracleNotReporter
                        let entry := shr(96, mload(add(add(table, 0x20), mul(slot, 20))))
                        if eq(entry, reporter) { break }
                        if gt(entry, reporter) { fail1(0x9948512b, reporter) } // MedianOracleNotReporter
                    }
                }
                // not suspended (ORA-08): only positions with a suspension set read its end
                if and(shr(slot, mload(add(frame, 0x220))), 1) {
                    mstore(0x00, reporter)
                    mstore(0x20, suspendedUntil.slot)
                    let until := sload(keccak256(0x00, 0x40))
                    if lt(timestamp(), until) { fail2(0xc249b627, reporter, until) } // MedianOracleReporterSuspended
                }
                // inside the latency window, and not observed before the served price or held candidate (ORA-02)
                if lt(observedAt, mload(add(frame, 0x180))) {
                    fail3(0x8d00f509, reporter, observedAt, mload(add(frame, 0x180))) // MedianOracleReportTooOld
                }
                if gt(observedAt, mload(add(frame, 0x1a0))) {
                    fail3(0x7f548850, reporter, observedAt, mload(add(frame, 0x1a0))) // MedianOracleReportFromFuture
                }
                let price := calldataload(report)
                if or(lt(price, mload(add(frame, 0x1c0))), gt(price, mload(add(frame, 0x1e0)))) {
                    fail4(0x96942141, reporter, price, mload(add(frame, 0x1c0)), mload(add(frame, 0x1e0))) // MedianOraclePriceOutOfBounds
                }
                mstore(out, price)
                if lt(observedAt, updatedAt) { updatedAt := observedAt }
                previous := reporter
                slot := add(slot, 1) // the next report's reporter is strictly greater
                out := add(out, 0x20)
            }
        }
    }
}
