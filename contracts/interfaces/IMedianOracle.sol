// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGuarded} from "./IGuarded.sol";

/// @title IMedianOracle
/// @notice One price feed: the on-chain median of signed reporter prices, with latency bounds, replay
///         protection, a deviation circuit breaker, staleness-checked reads, an EWMA volatility
///         estimate, and a Chainlink AggregatorV3Interface read surface.
/// @dev Assumptions and rules:
///      - Reporters are EOAs registered by the guardian (at most MAX_REPORTERS). Each signs the EIP-712
///        message `Price(bytes32 feedId,uint256 price,uint64 observedAt)` in the domain
///        (name "Bulwark MedianOracle", version "1", chain id, this oracle). Signatures are compact
///        EIP-2098 (r, vs); high-s forms cannot be expressed in that encoding.
///      - `poke` takes reports sorted by reporter address, strictly ascending, and accepts the batch only
///        if every report passes every rule (there is no partial acceptance): at least `quorum` reports;
///        each from a registered reporter; each `observedAt` within [now - maxReportAge,
///        now + maxFutureSkew] and newer than that reporter's last accepted report; each price within
///        [minPrice, maxPrice]. Out-of-range prices are rejected, never clamped.
///      - Median: the middle report of the sorted prices; for an even count, the mean of the two middle
///        prices rounded down (it lies between them, so within the reports' range). `updatedAt` is the
///        OLDEST accepted `observedAt` of the poke, capped at the poke's block time: a price is never
///        fresher than its oldest input and never from the future, so staleness errs on the safe side.
///      - Prices are WAD (18 decimals); `decimals()` is 18.
///      - Breaker: a median further than `maxDeviation` (relative, WAD) from the served price is not
///        served; the oracle trips and holds it as the candidate. While tripped, a poke within
///        `maxDeviation` of the served price clears the breaker (the move reverted); a poke at least
///        `confirmDelay` after the trip and within `maxDeviation` of the candidate confirms the new level
///        and clears it; any other poke becomes the new candidate (restarting the wait if it is a new
///        level). The guardian may clear it, serving the candidate or keeping the old price.
///      - Reads: `latest()` never reverts. `read()` and `latestRoundData()` revert when there is no
///        price, when it is older than `maxStaleness`, when the breaker is tripped, or when the READ
///        scope is paused. A stale price is never served as fresh.
///      - Volatility: on each served update with elapsed time dt > 0 between the served `updatedAt`s,
///        r = (p1 - p0) / p0 and the per-second variance v = r^2 / dt; the estimate moves as
///        var += (v - var) * dt / (dt + volatilityTau) (a time-weighted EWMA). Annualised volatility is
///        sqrt(var * 365 days) in WAD.
interface IMedianOracle is IGuarded {
    /// @notice One reporter's signed observation.
    struct Report {
        uint256 price; // [wad] observed price
        uint64 observedAt; // [unix s] when the reporter observed it
        bytes32 r; // signature r
        bytes32 vs; // EIP-2098 compact s with the parity bit of v in the top bit
    }

    /// @notice What `latest()` says about the served price.
    enum Status {
        Ok, // fresh, breaker clear, reads live
        Empty, // no price accepted yet
        Stale, // older than maxStaleness
        Tripped, // breaker tripped: a candidate waits for confirmation
        Paused // the READ scope is paused
    }

    /// @notice The oracle's guardian-set parameters.
    struct Config {
        uint8 quorum; // [count] fewest reports a poke needs, >= 1
        uint32 maxReportAge; // [s] oldest observedAt accepted, relative to now
        uint32 maxFutureSkew; // [s] furthest-ahead observedAt accepted
        uint32 maxStaleness; // [s] oldest updatedAt read() serves
        uint32 confirmDelay; // [s] wait before a tripped candidate can be confirmed
        uint32 volatilityTau; // [s] EWMA time constant
        uint64 maxDeviation; // [wad] largest relative move served without tripping
        uint128 minPrice; // [wad] lowest price a report may carry
        uint128 maxPrice; // [wad] highest price a report may carry
    }

    // ---------------------------------------------------------------- errors
    error MedianOracleQuorumNotMet(uint256 reports, uint256 quorum);
    error MedianOracleReportersNotAscending(address previous, address reporter);
    error MedianOracleDuplicateReporter(address reporter);
    error MedianOracleNotReporter(address signer);
    error MedianOracleReportTooOld(address reporter, uint64 observedAt, uint256 oldestAllowed);
    error MedianOracleReportFromFuture(address reporter, uint64 observedAt, uint256 latestAllowed);
    error MedianOracleReportReplayed(address reporter, uint64 observedAt, uint64 lastAccepted);
    error MedianOraclePriceOutOfBounds(address reporter, uint256 price, uint256 minPrice, uint256 maxPrice);
    error MedianOracleNoPrice();
    error MedianOracleStale(uint256 age, uint256 maxStaleness);
    error MedianOracleTripped(uint256 candidate, uint256 trippedAt);
    error MedianOracleNotTripped();
    error MedianOracleInvalidConfig(Config config);
    error MedianOracleReporterMembership(address reporter, bool isReporter);
    error MedianOracleTooManyReporters(uint256 maxReporters);
    error MedianOracleRoundUnavailable(uint80 roundId, uint80 latestRound);

    // ---------------------------------------------------------------- events
    /// @notice A poke was accepted and its median served.
    event PriceUpdated(uint80 indexed round, uint256 price, uint256 updatedAt, uint256 reports, uint256 annualisedVolatility);
    /// @notice A poke's median moved more than maxDeviation: it is held, not served.
    event BreakerTripped(uint256 servedPrice, uint256 candidate, uint256 deviation, uint256 trippedAt);
    /// @notice A tripped candidate changed while waiting for confirmation.
    event BreakerCandidateUpdated(uint256 candidate, uint256 trippedAt);
    /// @notice The breaker cleared; `price` is served from now on (`byGuardian` if the guardian did it).
    event BreakerCleared(uint256 price, uint256 updatedAt, bool byGuardian);
    /// @notice The parameters changed.
    event ConfigUpdated(Config previous, Config config);
    /// @notice A reporter joined or left; `index` is its position in the sorted table at that moment.
    event ReporterUpdated(address indexed reporter, bool isReporter, uint256 index);

    // ---------------------------------------------------------------- views
    /// @notice The feed this oracle serves; part of every signed report.
    function FEED_ID() external view returns (bytes32);
    /// @notice Most reporters the oracle can hold.
    function MAX_REPORTERS() external view returns (uint256);
    /// @notice The current parameters.
    function config() external view returns (Config memory);
    /// @notice True if `account` is a registered reporter.
    function isReporter(address account) external view returns (bool);
    /// @notice The registered reporters, sorted ascending.
    function reporters() external view returns (address[] memory);
    /// @notice The observedAt of `reporter`'s last accepted report (0 if none).
    function lastObservedAt(address reporter) external view returns (uint64);
    /// @notice The served price, its time and status. Never reverts.
    function latest() external view returns (uint256 price, uint256 updatedAt, Status status);
    /// @notice The served price and its time; reverts if there is none, it is stale, tripped or paused.
    function read() external view returns (uint256 price, uint256 updatedAt);
    /// @notice The breaker: tripped or not, the held candidate, when it tripped.
    function breaker() external view returns (bool tripped, uint256 candidate, uint256 candidateAt, uint256 trippedAt);
    /// @notice The volatility estimate, annualised, in WAD (0.8e18 = 80% a year).
    function annualisedVolatility() external view returns (uint256);
    /// @notice The EIP-712 digest a reporter signs for (`price`, `observedAt`).
    function reportDigest(uint256 price, uint64 observedAt) external view returns (bytes32);

    // ---------------------------------------------------------------- actions
    /// @notice Submit signed reports; see the rules above. Anyone may call.
    function poke(Report[] calldata reports) external;
    /// @notice Guardian: add or remove a reporter.
    function setReporter(address reporter, bool authorised) external;
    /// @notice Guardian: set every parameter at once (validated as a whole).
    function setConfig(Config calldata newConfig) external;
    /// @notice Guardian: clear a tripped breaker, serving the candidate if `acceptCandidate`.
    function clearBreaker(bool acceptCandidate) external;
}
