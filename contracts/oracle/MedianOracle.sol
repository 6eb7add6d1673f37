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
import {ReportBatch} from "../libraries/ReportBatch.sol";
import {ROUND_HISTORY_SIZE, RoundHistory} from "../libraries/RoundHistory.sol";
import {SampledVolatility} from "../libraries/SampledVolatility.sol";

/// @title MedianOracle
/// @notice A signed-report medianizer with a declared fault tolerance, epoch-bound reports, latency
///         bounds, a deviation circuit breaker that confirms only a level that held, staleness-checked
///         reads, an interval-sampled volatility estimate, a history of served rounds and a Chainlink
///         AggregatorV3Interface surface.
/// @dev See IMedianOracle for every rule. Gas: the reporter set lives sorted in a data contract's code
///      (AddressTable), read once per poke and walked alongside the sorted reports; a report binds to the
///      epoch it was signed for, so no per-reporter state is read or written. A report so costs one
///      ecrecover and no storage: ReportBatch's loop (assembly) hashes into one scratch frame.
contract MedianOracle is Guarded, EIP712, IMedianOracle {
    using SampledVolatility for SampledVolatility.State;
    using RoundHistory for RoundHistory.Round[ROUND_HISTORY_SIZE];

    // pause scopes, both loss-shifting (why: IMedianOracle, pause scopes)
    uint256 public constant SCOPE_POKE = 1 << 0; // pauses poke
    uint256 public constant SCOPE_READ = 1 << 1; // pauses read(), twap() and the AggregatorV3 reads

    /// @inheritdoc IMedianOracle
    uint256 public constant MAX_REPORTERS = 32; // one bit each in the suspension mask
    /// @inheritdoc IMedianOracle
    uint256 public constant MAX_FUTURE_SKEW = 15 minutes; // reporters' clocks, not a way to pre-sign
    /// @inheritdoc IMedianOracle
    uint256 public constant HISTORY = ROUND_HISTORY_SIZE;
    uint256 private constant WAD = 1e18;
    bytes32 private constant PRICE_TYPEHASH =
        keccak256("Price(bytes32 feedId,uint32 epoch,uint256 price,uint64 observedAt)");

    /// @inheritdoc IMedianOracle
    bytes32 public immutable FEED_ID;
    string private _description;

    struct Served {
        uint128 price; // [wad] the served price
        uint32 updatedAt; // [unix s] oldest observedAt of its update
        uint32 round; // [count] served updates so far
        uint32 epoch; // [count] accepted updates so far (served or held)
        bool tripped; // the breaker holds a candidate
    }

    struct Breaker {
        uint128 candidate; // [wad] the latest held median
        uint32 candidateAt; // [unix s] its updatedAt (oldest observedAt of its poke)
        uint32 trippedAt; // [unix s] when the breaker tripped
        uint32 levelSince; // [unix s] when the wait on the current level started
    }

    Config private _config;
    Served private _served;
    Breaker private _breaker;
    uint128 private _level; // [wad] the median the current wait started at; 0 when clear
    SampledVolatility.State private _volatility;
    address private _reporterTable; // AddressTable data contract: reporters sorted ascending
    uint8 private _reporterCount; // [count] entries in the table
    uint32 private _suspendedMask; // bit i: table position i has a suspension set (maybe expired)
    mapping(address reporter => uint64 until) private _suspendedUntil; // [unix s]
    RoundHistory.Round[ROUND_HISTORY_SIZE] private _history;

    /// @param initialReporters Reporters authorised at deployment (as `setReporter` would), strictly
    ///        ascending, so a suite is wired without a timelocked operation. With `initialConfig` they
    ///        must meet ORA-05's rule.
    constructor(
        address guardian,
        bytes32 feedId,
        string memory description_,
        Config memory initialConfig,
        address[] memory initialReporters
    ) Guarded(guardian) EIP712("Bulwark MedianOracle", "2") {
        FEED_ID = feedId;
        _description = description_;
        uint256 count = initialReporters.length;
        if (count > MAX_REPORTERS) revert MedianOracleTooManyReporters(MAX_REPORTERS);
        for (uint256 i; i < count; ++i) {
            address reporter = initialReporters[i];
            if (reporter == address(0)) revert MedianOracleReporterMembership(reporter, false);
            if (i > 0 && reporter <= initialReporters[i - 1]) {
                revert MedianOracleReportersNotAscending(initialReporters[i - 1], reporter);
            }
            emit ReporterUpdated(reporter, true, i);
        }
        // safe cast: at most MAX_REPORTERS entries
        (_reporterTable, _reporterCount) = (AddressTable.write(initialReporters), uint8(count));
        _setConfig(initialConfig);
        _history.prefill();
    }

    // ---------------------------------------------------------------- poke

    /// @inheritdoc IMedianOracle
    function poke(uint256 epoch, Report[] calldata reports) external whenNotPaused(SCOPE_POKE) {
        Served memory s = _served;
        if (epoch != uint256(s.epoch) + 1) {
            // the update these reports were signed for is accepted already: nothing is left to do
            if (epoch == s.epoch && epoch != 0) return;
            revert MedianOracleWrongEpoch(epoch, uint256(s.epoch) + 1);
        }
        Config memory c = _config;
        uint256 n = reports.length;
        if (n < c.quorum) revert MedianOracleQuorumNotMet(n, c.quorum);
        Breaker memory b = Breaker(0, 0, 0, 0);
        if (s.tripped) b = _breaker;
        // reports observed before the served price (or the held candidate) never count: no older data
        uint256 floor = s.tripped ? b.candidateAt : s.updatedAt;
        (uint256[] memory prices, uint256 updatedAt) =
            ReportBatch.verify(_rules(c, epoch, floor), reports, _suspendedUntil);
        // epoch == s.epoch + 1; past 2^32 - 1 (2^32 updates) this reverts rather than wrap
        s.epoch = SafeCast.toUint32(epoch);
        // the median lies between the lowest and highest report (ORA-01), and between the honest ones
        // while at most f reporters are hostile (ORA-05)
        _settle(s, b, Median.ofInPlace(prices), updatedAt, n, c);
    }

    /// @dev The rules every report of a batch for `epoch` is checked against now (ReportBatch).
    function _rules(Config memory c, uint256 epoch, uint256 floor) private view returns (ReportBatch.Rules memory r) {
        uint256 oldest = block.timestamp > c.maxReportAge ? block.timestamp - c.maxReportAge : 0;
        // what fits the stored uint32 times; maxFutureSkew <= MAX_FUTURE_SKEW keeps it above now until 2106
        uint256 newest = Math.min(block.timestamp + c.maxFutureSkew, type(uint32).max);
        (address table, uint256 count, uint256 mask) = (_reporterTable, _reporterCount, _suspendedMask);
        r = ReportBatch.Rules({
            typehash: PRICE_TYPEHASH,
            feed: FEED_ID,
            domain: _domainSeparatorV4(),
            epoch: epoch,
            oldest: floor > oldest ? floor : oldest,
            newest: newest,
            minPrice: c.minPrice,
            maxPrice: c.maxPrice,
            table: AddressTable.load(table, count),
            suspendedMask: mask
        });
    }

    /// @dev Serve the median, or hold it behind the breaker; `s` carries the new epoch.
    function _settle(
        Served memory s,
        Breaker memory b,
        uint256 median,
        uint256 updatedAt,
        uint256 reports,
        Config memory c
    ) private {
        // round is a state flag (no price yet), not a balance
        // slither-disable-next-line incorrect-equality
        if (s.round == 0) return _serve(s, median, updatedAt, reports, c);
        bool nearServed = _within(median, s.price, c.maxDeviation);
        // safe casts: median <= maxPrice (uint128); updatedAt <= now < 2^32 until 2106
        (uint128 candidate, uint32 candidateAt, uint32 now_) =
            (uint128(median), uint32(updatedAt), uint32(block.timestamp));
        if (!s.tripped) {
            if (nearServed) return _serve(s, median, updatedAt, reports, c);
            s.tripped = true;
            _served = s;
            (_breaker, _level) = (Breaker(candidate, candidateAt, now_, now_), candidate);
            emit BreakerTripped(s.price, median, _deviation(median, s.price), block.timestamp, s.epoch);
            return;
        }
        uint128 level = _level;
        bool nearLevel = _within(median, level, c.maxDeviation);
        // the move reverted, or the level held for confirmDelay (every median since it was set stayed
        // within maxDeviation of it, ORA-07): serve and clear
        if (nearServed || (nearLevel && block.timestamp >= uint256(b.levelSince) + c.confirmDelay)) {
            s.tripped = false;
            (_breaker, _level) = (Breaker(0, 0, 0, 0), 0);
            _serve(s, median, updatedAt, reports, c);
            emit BreakerCleared(median, updatedAt, false);
            return;
        }
        // a median that left the level is a new level: the wait restarts
        if (!nearLevel) (level, b.levelSince) = (candidate, now_);
        _served = s;
        (_breaker, _level) = (Breaker(candidate, candidateAt, b.trippedAt, b.levelSince), level);
        emit BreakerCandidateUpdated(median, level, b.levelSince, s.epoch);
    }

    /// @dev Store the new served price, record its round and move the volatility estimate.
    function _serve(Served memory s, uint256 price, uint256 updatedAt, uint256 reports, Config memory c) private {
        SampledVolatility.State memory v = _volatility;
        if (v.observe(price, updatedAt, c.volatilityInterval, c.volatilityTau)) _volatility = v;
        // safe casts: price <= maxPrice (uint128); updatedAt <= now < 2^32 until 2106; round < epoch
        (s.price, s.updatedAt, s.round) = (uint128(price), uint32(updatedAt), s.round + 1);
        _served = s;
        _history.record(s.round, s.price, s.updatedAt);
        emit PriceUpdated(s.round, price, updatedAt, reports, SampledVolatility.annualise(v.variance), s.epoch);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IMedianOracle
    function latest() public view returns (uint256 price, uint256 updatedAt, Status status) {
        Served memory s = _served;
        (price, updatedAt) = (s.price, s.updatedAt);
        // slither-disable-next-line incorrect-equality
        if (s.round == 0) status = Status.Empty;
        else if (s.tripped) status = Status.Tripped;
        else if (block.timestamp < pausedUntil[SCOPE_READ]) status = Status.Paused;
        else if (block.timestamp - updatedAt > _config.maxStaleness) status = Status.Stale;
        else status = Status.Ok;
    }

    /// @inheritdoc IMedianOracle
    function read() public view whenNotPaused(SCOPE_READ) returns (uint256 price, uint256 updatedAt) {
        Served memory s = _served;
        _requireReadable(s);
        return (s.price, s.updatedAt);
    }

    /// @inheritdoc IMedianOracle
    function twap(uint256 window) external view whenNotPaused(SCOPE_READ) returns (uint256 price) {
        Served memory s = _served;
        _requireReadable(s);
        if (window == 0) revert MedianOracleHistoryTooShort(window, 0);
        (bool ok, uint256 average, uint256 covered) = _history.timeWeighted(s.round, window);
        if (!ok) revert MedianOracleHistoryTooShort(window, covered);
        return average;
    }

    /// @inheritdoc IMedianOracle
    function breaker()
        external
        view
        returns (
            bool tripped,
            uint256 candidate,
            uint256 candidateAt,
            uint256 trippedAt,
            uint256 level,
            uint256 levelSince
        )
    {
        Breaker memory b = _breaker;
        return (_served.tripped, b.candidate, b.candidateAt, b.trippedAt, _level, b.levelSince);
    }

    /// @inheritdoc IMedianOracle
    function annualisedVolatility() external view returns (uint256) {
        return SampledVolatility.annualise(_volatility.variance);
    }

    /// @inheritdoc IMedianOracle
    function volatilitySample() external view returns (uint256 price, uint256 sampledAt) {
        SampledVolatility.State memory v = _volatility;
        return (v.price, v.sampledAt);
    }

    /// @inheritdoc IMedianOracle
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @inheritdoc IMedianOracle
    function nextEpoch() external view returns (uint256) {
        return uint256(_served.epoch) + 1;
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
        for (uint256 i; i < count; ++i) {
            list[i] = AddressTable.at(table, i);
        }
    }

    /// @inheritdoc IMedianOracle
    function suspendedUntil(address reporter) external view returns (uint64) {
        return _suspendedUntil[reporter];
    }

    /// @inheritdoc IMedianOracle
    function spareReporters() external view returns (uint256) {
        (uint256 count, uint256 mask, uint256 running) = (_reporterCount, _suspendedMask, 0);
        if (mask != 0) {
            address[] memory list = reporters();
            for (uint256 i; i < count; ++i) {
                if ((mask >> i) & 1 == 1 && _suspendedUntil[list[i]] > block.timestamp) ++running;
            }
        }
        uint256 needed = uint256(_config.quorum) + _config.faultTolerance;
        return count - running > needed ? count - running - needed : 0;
    }

    /// @inheritdoc IMedianOracle
    function reportDigest(uint256 epoch, uint256 price, uint64 observedAt) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PRICE_TYPEHASH, FEED_ID, epoch, price, observedAt)));
    }

    // ---------------------------------------------------------------- AggregatorV3Interface

    /// @notice Chainlink: the answer's decimals (prices are WAD; AggregatorAdapter serves others).
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
    ///         startedAt and updatedAt are both the oldest observation of the round's update.
    function latestRoundData() public view returns (uint80, int256, uint256, uint256, uint80) {
        (uint256 price, uint256 updatedAt) = read();
        uint80 round = _served.round;
        return (round, SafeCast.toInt256(price), updatedAt, updatedAt, round);
    }

    /// @notice Chainlink: one of the last HISTORY rounds. The latest has read()'s checks; older ones are
    ///         returned as recorded while READ is not paused; any other round reverts.
    function getRoundData(uint80 roundId)
        external
        view
        whenNotPaused(SCOPE_READ)
        returns (uint80, int256, uint256, uint256, uint80)
    {
        uint256 latestRound = _served.round;
        if (roundId == latestRound && latestRound != 0) return latestRoundData();
        (bool kept, RoundHistory.Round memory r) = _history.get(roundId, latestRound);
        // safe casts: round numbers are uint32
        if (!kept) {
            revert MedianOracleRoundUnavailable(roundId, uint80(RoundHistory.oldest(latestRound)), uint80(latestRound));
        }
        return (roundId, SafeCast.toInt256(r.price), r.updatedAt, r.updatedAt, roundId);
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
        uint256 mask = _suspendedMask;
        uint256 below = mask & ((1 << slot) - 1);
        // the table stays sorted; suspension bits move with their reporters
        if (authorised) {
            for (uint256 i = count; i > slot; --i) {
                next[i] = old[i - 1];
            }
            next[slot] = reporter;
            mask = below | ((mask >> slot) << (slot + 1));
        } else {
            for (uint256 i = slot; i + 1 < count; ++i) {
                next[i] = old[i + 1];
            }
            mask = below | ((mask >> (slot + 1)) << slot);
            // a removed reporter's suspension ends with its membership
            delete _suspendedUntil[reporter];
        }
        for (uint256 i; i < slot; ++i) {
            next[i] = old[i];
        }
        _requireTolerance(_config.quorum, _config.faultTolerance, next.length);
        // safe casts: at most MAX_REPORTERS entries, and as many mask bits
        (_reporterTable, _reporterCount, _suspendedMask) = (AddressTable.write(next), uint8(next.length), uint32(mask));
        _requireUnsuspendedQuorum(reporter, next, _config.quorum);
        emit ReporterUpdated(reporter, authorised, slot);
    }

    /// @inheritdoc IMedianOracle
    function suspendReporter(address reporter, uint64 until) external onlyGuardian {
        (bool found, uint256 slot) = _find(reporter);
        if (!found) revert MedianOracleReporterMembership(reporter, false);
        _suspendedUntil[reporter] = until;
        uint256 mask = until > block.timestamp ? _suspendedMask | (1 << slot) : _suspendedMask & ~(1 << slot);
        // safe cast: one bit per table position, at most MAX_REPORTERS
        _suspendedMask = uint32(mask);
        _requireUnsuspendedQuorum(reporter, reporters(), _config.quorum);
        emit ReporterSuspended(reporter, until);
    }

    /// @inheritdoc IMedianOracle
    function setConfig(Config calldata newConfig) external onlyGuardian {
        _setConfig(newConfig);
    }

    /// @inheritdoc IMedianOracle
    function clearBreaker(bool acceptCandidate) external onlyGuardian {
        Served memory s = _served;
        if (!s.tripped) revert MedianOracleNotTripped();
        Breaker memory b = _breaker;
        s.tripped = false;
        (_breaker, _level) = (Breaker(0, 0, 0, 0), 0);
        if (acceptCandidate) {
            _serve(s, b.candidate, b.candidateAt, 0, _config);
        } else {
            _served = s;
        }
        emit BreakerCleared(s.price, s.updatedAt, true);
    }

    /// @inheritdoc Guarded
    function pauseScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_POKE | SCOPE_READ;
    }

    /// @inheritdoc Guarded
    /// @dev Both scopes: either pause halts every consumer that needs the price (IMedianOracle).
    function lossShiftingScopes() public pure override(Guarded, IGuarded) returns (uint256) {
        return SCOPE_POKE | SCOPE_READ;
    }

    // ---------------------------------------------------------------- internals

    function _setConfig(Config memory c) private {
        bool valid = c.quorum >= 1 && c.quorum <= MAX_REPORTERS && c.maxReportAge > 0 && c.maxReportAge < c.maxStaleness
            && c.maxFutureSkew <= MAX_FUTURE_SKEW && c.volatilityTau > 0 && c.volatilityInterval > 0
            && c.maxDeviation > 0 && c.minPrice > 0 && c.minPrice <= c.maxPrice;
        if (!valid) revert MedianOracleInvalidConfig(c);
        _requireTolerance(c.quorum, c.faultTolerance, _reporterCount);
        if (_suspendedMask != 0) _requireUnsuspendedQuorum(address(0), reporters(), c.quorum);
        emit ConfigUpdated(_config, c);
        _config = c;
    }

    /// @dev ORA-05's rule: honest reports outnumber hostile ones on each side of every median
    ///      (quorum >= 2f + 1), any two quorums share a reporter (2 quorum > reporters), and the honest
    ///      reporters alone reach quorum (reporters >= quorum + f).
    function _requireTolerance(uint256 quorum, uint256 f, uint256 count) private pure {
        if (quorum < 2 * f + 1 || 2 * quorum <= count || count < quorum + f) {
            revert MedianOracleFaultToleranceViolated(quorum, f, count);
        }
    }

    /// @dev Drops the mask bits of suspensions that ended, and reverts unless the reporters in `list` (the
    ///      table) that are not suspended now still reach `quorum` (`changed`: the reporter, or zero for a
    ///      config change, named in the error).
    function _requireUnsuspendedQuorum(address changed, address[] memory list, uint256 quorum) private {
        uint256 mask = _suspendedMask;
        uint256 running = 0;
        for (uint256 i; i < list.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            if (_suspendedUntil[list[i]] > block.timestamp) ++running;
            else mask &= ~(1 << i);
        }
        // safe cast: only bits of the uint32 mask were cleared
        _suspendedMask = uint32(mask);
        if (list.length - running < quorum) {
            revert MedianOracleSuspensionBreaksQuorum(changed, list.length - running, quorum);
        }
    }

    /// @dev Reverts unless there is a fresh served price and the breaker is clear (ORA-04).
    function _requireReadable(Served memory s) private view {
        // slither-disable-next-line incorrect-equality
        if (s.round == 0) revert MedianOracleNoPrice();
        if (s.tripped) revert MedianOracleTripped(_breaker.candidate, _breaker.trippedAt);
        uint256 age = block.timestamp - s.updatedAt;
        // never a price older than maxStaleness (ORA-04)
        if (age > _config.maxStaleness) revert MedianOracleStale(age, _config.maxStaleness);
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
}
