// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Guarded} from "../governance/Guarded.sol";
import {AddressTable} from "../libraries/AddressTable.sol";
import {IGuarded} from "../interfaces/IGuarded.sol";
import {IMedianOracle} from "../interfaces/IMedianOracle.sol";
import {Median} from "../libraries/Median.sol";

/// @title MedianOracle
/// @notice A signed-report medianizer with latency bounds, a deviation circuit breaker, staleness-checked
///         reads, an EWMA volatility estimate and a Chainlink AggregatorV3Interface surface.
/// @dev See IMedianOracle for every rule. Gas: the reporter set lives sorted in a data contract's code
///      (AddressTable), read once per poke and walked alongside the sorted reports; reporter timestamps
///      are uint32 (valid until 2106), eight to a storage slot, indexed by table position. A report so
///      costs one ecrecover and a fraction of a slot write, with no cold slot of its own: poke's loop
///      (assembly) hashes into one scratch frame and reads and writes each packed slot once.
contract MedianOracle is Guarded, EIP712, IMedianOracle {
    uint256 public constant SCOPE_POKE = 1 << 0; // pauses poke
    uint256 public constant SCOPE_READ = 1 << 1; // pauses read() and latestRoundData()

    /// @inheritdoc IMedianOracle
    uint256 public constant MAX_REPORTERS = 32; // four packed timestamp slots
    uint256 private constant WAD = 1e18;
    uint256 private constant YEAR = 365 days;
    bytes32 private constant PRICE_TYPEHASH = keccak256("Price(bytes32 feedId,uint256 price,uint64 observedAt)");

    /// @inheritdoc IMedianOracle
    bytes32 public immutable FEED_ID;
    string private _description;

    struct Served {
        uint128 price; // [wad] the served price
        uint32 updatedAt; // [unix s] oldest observedAt of its poke
        uint32 round; // [count] served updates so far
        uint64 variance; // [wad per s] EWMA of squared relative returns per second
    }

    struct Breaker {
        uint128 candidate; // [wad] the held median
        uint64 candidateAt; // [unix s] its updatedAt (oldest observedAt of its poke)
        uint64 trippedAt; // [unix s] when the wait for confirmation started; 0 when clear
    }

    Config private _config;
    Served private _served;
    Breaker private _breaker;
    address private _reporterTable; // AddressTable data contract: reporters sorted ascending
    uint96 private _reporterCount; // [count] entries in the table
    uint32[MAX_REPORTERS] private _lastObservedAt; // [unix s] per table position, packed

    /// @param initialReporters Reporters authorised at deployment (as `setReporter` would), strictly
    ///        ascending, so a suite is wired without a timelocked operation.
    constructor(
        address guardian,
        bytes32 feedId,
        string memory description_,
        Config memory initialConfig,
        address[] memory initialReporters
    ) Guarded(guardian) EIP712("Bulwark MedianOracle", "1") {
        FEED_ID = feedId;
        _description = description_;
        _setConfig(initialConfig);
        uint256 count = initialReporters.length;
        if (count > MAX_REPORTERS) revert MedianOracleTooManyReporters(MAX_REPORTERS);
        for (uint256 i; i < count; ++i) {
            address reporter = initialReporters[i];
            if (reporter == address(0)) revert MedianOracleReporterMembership(reporter, false);
            if (i > 0 && reporter <= initialReporters[i - 1]) {
                revert MedianOracleReportersNotAscending(initialReporters[i - 1], reporter);
            }
            // reports observed before authorisation never count
            _lastObservedAt[i] = uint32(block.timestamp);
            emit ReporterUpdated(reporter, true, i);
        }
        // safe cast: at most MAX_REPORTERS entries
        (_reporterTable, _reporterCount) = (AddressTable.write(initialReporters), uint96(count));
    }

    // ---------------------------------------------------------------- poke

    /// @inheritdoc IMedianOracle
    function poke(Report[] calldata reports) external whenNotPaused(SCOPE_POKE) {
        Config memory c = _config;
        uint256 n = reports.length;
        if (n < c.quorum) revert MedianOracleQuorumNotMet(n, c.quorum);
        uint256[] memory prices = new uint256[](n);
        uint256 updatedAt = _acceptReports(_pokeFrame(c, reports, prices));
        // the median lies between the lowest and highest report (ORA-01)
        _settle(Median.ofInPlace(prices), updatedAt, n, c);
    }

    /// @dev Memory for _acceptReports, written once per poke (offsets in bytes):
    ///      0x000 PRICE_TYPEHASH, 0x020 FEED_ID, 0x040 price, 0x060 observedAt: a report's struct hash
    ///      0x080 0x1901 ‖ domain separator ‖ struct hash (0x42 bytes): its digest
    ///      0x0e0 digest, v, r, s: ecrecover's input
    ///      0x160 oldest and 0x180 newest observedAt accepted, 0x1a0 minPrice, 0x1c0 maxPrice
    ///      0x1e0 the reporter table (AddressTable.load), sorted ascending
    ///      0x200 the reports (calldata offset), 0x220 their end, 0x240 prices, as many words as reports
    function _pokeFrame(Config memory c, Report[] calldata reports, uint256[] memory prices)
        private
        view
        returns (uint256 frame)
    {
        (bytes32 typehash, bytes32 feed, bytes32 domain) = (PRICE_TYPEHASH, FEED_ID, _domainSeparatorV4());
        uint256 oldest = block.timestamp > c.maxReportAge ? block.timestamp - c.maxReportAge : 0;
        uint256 newest = block.timestamp + c.maxFutureSkew;
        (uint256 minPrice, uint256 maxPrice) = (c.minPrice, c.maxPrice);
        bytes memory table = AddressTable.load(_reporterTable, _reporterCount);
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            frame := mload(0x40)
            mstore(0x40, add(frame, 0x260))
            mstore(frame, typehash)
            mstore(add(frame, 0x20), feed)
            mstore(add(frame, 0x80), shl(240, 0x1901))
            mstore(add(frame, 0x82), domain)
            mstore(add(frame, 0x160), oldest)
            mstore(add(frame, 0x180), newest)
            mstore(add(frame, 0x1a0), minPrice)
            mstore(add(frame, 0x1c0), maxPrice)
            mstore(add(frame, 0x1e0), table)
            mstore(add(frame, 0x200), reports.offset)
            mstore(add(frame, 0x220), add(reports.offset, shl(7, reports.length)))
            mstore(add(frame, 0x240), prices)
        }
    }

    /// @dev Each report's rules in turn, in this order: signer, strictly ascending, membership, latency
    ///      window, replay, price bounds; each violation reverts with its error. Fills `prices` (one per
    ///      report) and returns the oldest observedAt, never later than now. Reporter timestamps are
    ///      packed eight to a storage slot: each slot the batch touches is read once and written once.
    // one pass per report through every rule in order: a call per rule would cost gas per report
    // slither-disable-next-line cyclomatic-complexity
    function _acceptReports(uint256 frame) private returns (uint256 updatedAt) {
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
            // the packed timestamps of position slot - 1 (the previous report's), this batch's included:
            // position 8 k + j is in bits 32 j .. 32 j + 31 of _lastObservedAt's slot k
            let word := 0
            let out := add(mload(add(frame, 0x240)), 0x20)
            let end := mload(add(frame, 0x220))
            // a Report is four words of calldata: price, observedAt, r, vs
            for { let report := mload(add(frame, 0x200)) } lt(report, end) { report := add(report, 0x80) } {
                // the signer is what ECDSA.tryRecover(reportDigest(price, observedAt), r, vs) returns: zero for
                // s above secp256k1n / 2 (OZ rejects that half) or when ecrecover recovers nothing. A malformed
                // signature so recovers zero or a stranger: either fails the checks below.
                let observedAt := calldataload(add(report, 0x20))
                // as reading report.observedAt does: no data on a word wider than uint64
                if gt(observedAt, 0xffffffffffffffff) { revert(0, 0) }
                calldatacopy(add(frame, 0x40), report, 0x40) // price, observedAt
                mstore(add(frame, 0xa2), keccak256(frame, 0x80))
                let reporter := 0
                {
                    let vs := calldataload(add(report, 0x60))
                    let s := shr(1, shl(1, vs))
                    if iszero(gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)) {
                        mstore(add(frame, 0xe0), keccak256(add(frame, 0x80), 0x42))
                        mstore(add(frame, 0x100), add(27, shr(255, vs)))
                        mstore(add(frame, 0x120), calldataload(add(report, 0x40)))
                        mstore(add(frame, 0x140), s)
                        mstore(0x00, 0) // the precompile returns nothing when it recovers nothing
                        if iszero(staticcall(gas(), 0x01, add(frame, 0xe0), 0x80, 0x00, 0x20)) { revert(0, 0) }
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
                    let table := mload(add(frame, 0x1e0))
                    let count := div(mload(table), 20)
                    let next := slot
                    for {} 1 { next := add(next, 1) } {
                        if eq(next, count) { fail1(0x9948512b, reporter) } // MedianOracleNotReporter
                        let entry := shr(96, mload(add(add(table, 0x20), mul(next, 20))))
                        if eq(entry, reporter) { break }
                        if gt(entry, reporter) { fail1(0x9948512b, reporter) } // MedianOracleNotReporter
                    }
                    // a new packed slot: store the held one (none before the first report, when slot - 1
                    // wraps to a slot index no position has) and load this one
                    if iszero(eq(shr(3, next), shr(3, sub(slot, 1)))) {
                        if previous { sstore(add(_lastObservedAt.slot, shr(3, sub(slot, 1))), word) }
                        word := sload(add(_lastObservedAt.slot, shr(3, next)))
                    }
                    slot := next
                }
                // inside the latency window (ORA-02)
                if lt(observedAt, mload(add(frame, 0x160))) {
                    fail3(0x8d00f509, reporter, observedAt, mload(add(frame, 0x160))) // MedianOracleReportTooOld
                }
                if gt(observedAt, mload(add(frame, 0x180))) {
                    fail3(0x7f548850, reporter, observedAt, mload(add(frame, 0x180))) // MedianOracleReportFromFuture
                }
                let shift := shl(5, and(slot, 7))
                let last := and(shr(shift, word), 0xffffffff)
                // newer than this reporter's last accepted report, so no report is accepted twice (ORA-03)
                if iszero(gt(observedAt, last)) {
                    fail3(0x4228e519, reporter, observedAt, last) // MedianOracleReportReplayed
                }
                let price := calldataload(report)
                if or(lt(price, mload(add(frame, 0x1a0))), gt(price, mload(add(frame, 0x1c0)))) {
                    fail4(0x96942141, reporter, price, mload(add(frame, 0x1a0)), mload(add(frame, 0x1c0))) // MedianOraclePriceOutOfBounds
                }
                mstore(out, price)
                // the position's 32 bits become observedAt's, truncated to uint32 as before (observedAt <=
                // now + maxFutureSkew < 2^32 until 2106): xor-ing in last ^ new changes only those bits
                word := xor(word, shl(shift, xor(last, and(observedAt, 0xffffffff))))
                if lt(observedAt, updatedAt) { updatedAt := observedAt }
                previous := reporter
                slot := add(slot, 1) // the next report's reporter is strictly greater
                out := add(out, 0x20)
            }
            if previous { sstore(add(_lastObservedAt.slot, shr(3, sub(slot, 1))), word) }
        }
    }

    /// @dev Serve the median, or hold it behind the breaker.
    function _settle(uint256 median, uint256 updatedAt, uint256 reports, Config memory c) private {
        Served memory s = _served;
        // round and trippedAt are state flags (no price yet; breaker clear), not balances
        // slither-disable-next-line incorrect-equality
        if (s.round == 0) return _serve(median, updatedAt, reports, c);
        Breaker memory b = _breaker;
        bool nearServed = _within(median, s.price, c.maxDeviation);
        // slither-disable-next-line incorrect-equality
        if (b.trippedAt == 0) {
            if (nearServed) return _serve(median, updatedAt, reports, c);
            _breaker = Breaker(SafeCast.toUint128(median), SafeCast.toUint64(updatedAt), uint64(block.timestamp));
            emit BreakerTripped(s.price, median, _deviation(median, s.price), block.timestamp);
            return;
        }
        bool nearCandidate = _within(median, b.candidate, c.maxDeviation);
        // the move reverted, or the new level held for confirmDelay: serve and clear
        if (nearServed || (nearCandidate && block.timestamp >= b.trippedAt + c.confirmDelay)) {
            delete _breaker;
            _serve(median, updatedAt, reports, c);
            emit BreakerCleared(median, updatedAt, false);
            return;
        }
        uint64 trippedAt = nearCandidate ? b.trippedAt : uint64(block.timestamp); // a new level waits anew
        _breaker = Breaker(SafeCast.toUint128(median), SafeCast.toUint64(updatedAt), trippedAt);
        emit BreakerCandidateUpdated(median, trippedAt);
    }

    /// @dev Store the new served price and move the volatility estimate.
    function _serve(uint256 price, uint256 updatedAt, uint256 reports, Config memory c) private {
        Served memory s = _served;
        uint256 variance = s.variance;
        if (s.round != 0 && updatedAt > s.updatedAt) {
            uint256 dt = updatedAt - s.updatedAt;
            uint256 move = price > s.price ? price - s.price : s.price - price;
            uint256 r = Math.mulDiv(move, WAD, s.price); // [wad] relative return
            uint256 sample = Math.mulDiv(r, r, WAD) / dt; // [wad per s]
            uint256 step = dt + c.volatilityTau;
            variance = sample >= variance
                ? variance + Math.mulDiv(sample - variance, dt, step)
                : variance - Math.mulDiv(variance - sample, dt, step);
            if (variance > type(uint64).max) variance = type(uint64).max; // saturate: > 2.4e4x a year
        }
        uint32 round = s.round + 1;
        // safe casts: price <= maxPrice (uint128); updatedAt <= now < 2^32 until 2106
        _served = Served(uint128(price), uint32(updatedAt), round, uint64(variance));
        emit PriceUpdated(round, price, updatedAt, reports, _annualise(variance));
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IMedianOracle
    function latest() public view returns (uint256 price, uint256 updatedAt, Status status) {
        Served memory s = _served;
        (price, updatedAt) = (s.price, s.updatedAt);
        // slither-disable-next-line incorrect-equality
        if (s.round == 0) status = Status.Empty;
        else if (_breaker.trippedAt != 0) status = Status.Tripped;
        else if (block.timestamp < pausedUntil[SCOPE_READ]) status = Status.Paused;
        else if (block.timestamp - updatedAt > _config.maxStaleness) status = Status.Stale;
        else status = Status.Ok;
    }

    /// @inheritdoc IMedianOracle
    function read() public view whenNotPaused(SCOPE_READ) returns (uint256 price, uint256 updatedAt) {
        Served memory s = _served;
        if (s.round == 0) revert MedianOracleNoPrice();
        Breaker memory b = _breaker;
        if (b.trippedAt != 0) revert MedianOracleTripped(b.candidate, b.trippedAt);
        uint256 age = block.timestamp - s.updatedAt;
        // never a price older than maxStaleness (ORA-04)
        if (age > _config.maxStaleness) revert MedianOracleStale(age, _config.maxStaleness);
        return (s.price, s.updatedAt);
    }

    /// @inheritdoc IMedianOracle
    function breaker() external view returns (bool tripped, uint256 candidate, uint256 candidateAt, uint256 trippedAt) {
        Breaker memory b = _breaker;
        return (b.trippedAt != 0, b.candidate, b.candidateAt, b.trippedAt);
    }

    /// @inheritdoc IMedianOracle
    function annualisedVolatility() external view returns (uint256) {
        return _annualise(_served.variance);
    }

    /// @inheritdoc IMedianOracle
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @inheritdoc IMedianOracle
    function isReporter(address account) external view returns (bool) {
        (bool found,) = _find(account);
        return found;
    }

    /// @inheritdoc IMedianOracle
    function reporters() public view returns (address[] memory list) {
        uint256 count = _reporterCount;
        bytes memory table = AddressTable.load(_reporterTable, count);
        list = new address[](count);
        for (uint256 i; i < count; ++i) list[i] = AddressTable.at(table, i);
    }

    /// @inheritdoc IMedianOracle
    function lastObservedAt(address reporter) external view returns (uint64) {
        (bool found, uint256 slot) = _find(reporter);
        return found ? _lastObservedAt[slot] : 0;
    }

    /// @inheritdoc IMedianOracle
    function reportDigest(uint256 price, uint64 observedAt) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PRICE_TYPEHASH, FEED_ID, price, observedAt)));
    }

    // ---------------------------------------------------------------- AggregatorV3Interface

    /// @notice Chainlink: the answer's decimals (prices are WAD).
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @notice Chainlink: what the feed prices.
    function description() external view returns (string memory) {
        return _description;
    }

    /// @notice Chainlink: the interface version served.
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @notice Chainlink: the latest round, with read()'s checks (reverts if stale, tripped or paused).
    function latestRoundData() public view returns (uint80, int256, uint256, uint256, uint80) {
        (uint256 price, uint256 updatedAt) = read();
        uint80 round = _served.round;
        return (round, SafeCast.toInt256(price), updatedAt, updatedAt, round);
    }

    /// @notice Chainlink: only the latest round is kept; any other round reverts.
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        uint80 latestRound = _served.round;
        if (roundId != latestRound) revert MedianOracleRoundUnavailable(roundId, latestRound);
        return latestRoundData();
    }

    // ---------------------------------------------------------------- guardian

    /// @inheritdoc IMedianOracle
    function setReporter(address reporter, bool authorised) external onlyGuardian {
        (bool found, uint256 slot) = _find(reporter);
        if (found == authorised || reporter == address(0)) revert MedianOracleReporterMembership(reporter, found);
        address[] memory old = reporters();
        uint256 count = old.length;
        if (authorised && count == MAX_REPORTERS) revert MedianOracleTooManyReporters(MAX_REPORTERS);
        address[] memory next = new address[](authorised ? count + 1 : count - 1);
        // the table stays sorted; timestamps move with their reporters
        if (authorised) {
            for (uint256 i = count; i > slot; --i) (next[i], _lastObservedAt[i]) = (old[i - 1], _lastObservedAt[i - 1]);
            // reports observed before authorisation (or during an earlier membership) never count
            (next[slot], _lastObservedAt[slot]) = (reporter, uint32(block.timestamp));
        } else {
            for (uint256 i = slot; i + 1 < count; ++i) (next[i], _lastObservedAt[i]) = (old[i + 1], _lastObservedAt[i + 1]);
            delete _lastObservedAt[count - 1];
        }
        for (uint256 i; i < slot; ++i) next[i] = old[i];
        // safe cast: at most MAX_REPORTERS entries
        (_reporterTable, _reporterCount) = (AddressTable.write(next), uint96(next.length));
        emit ReporterUpdated(reporter, authorised, slot);
    }

    /// @inheritdoc IMedianOracle
    function setConfig(Config calldata newConfig) external onlyGuardian {
        _setConfig(newConfig);
    }

    /// @inheritdoc IMedianOracle
    function clearBreaker(bool acceptCandidate) external onlyGuardian {
        Breaker memory b = _breaker;
        if (b.trippedAt == 0) revert MedianOracleNotTripped();
        delete _breaker;
        if (acceptCandidate) _serve(b.candidate, b.candidateAt, 0, _config);
        Served memory s = _served;
        emit BreakerCleared(s.price, s.updatedAt, true);
    }

    /// @inheritdoc Guarded
    function pauseScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_POKE | SCOPE_READ;
    }

    // ---------------------------------------------------------------- internals

    function _setConfig(Config memory c) private {
        bool valid = c.quorum >= 1 && c.quorum <= MAX_REPORTERS && c.maxReportAge > 0 && c.maxStaleness > 0
            && c.volatilityTau > 0 && c.maxDeviation > 0 && c.minPrice > 0 && c.minPrice <= c.maxPrice;
        if (!valid) revert MedianOracleInvalidConfig(c);
        emit ConfigUpdated(_config, c);
        _config = c;
    }

    /// @dev Whether `account` is in the table, and its position (or where it would be inserted).
    function _find(address account) private view returns (bool found, uint256 slot) {
        uint256 count = _reporterCount;
        bytes memory table = AddressTable.load(_reporterTable, count);
        while (slot < count && AddressTable.at(table, slot) < account) ++slot;
        found = slot < count && AddressTable.at(table, slot) == account;
    }

    function _deviation(uint256 price, uint256 reference_) private pure returns (uint256) {
        uint256 move = price > reference_ ? price - reference_ : reference_ - price;
        return Math.mulDiv(move, WAD, reference_, Math.Rounding.Ceil); // [wad] rounded against serving
    }

    function _within(uint256 price, uint256 reference_, uint256 maxDeviation) private pure returns (bool) {
        return _deviation(price, reference_) <= maxDeviation;
    }

    function _annualise(uint256 variance) private pure returns (uint256) {
        return Math.sqrt(variance * YEAR * WAD); // sqrt([wad/s] * s * wad) = [wad]
    }
}
