// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IGuarded} from "./IGuarded.sol";

/// @title IMedianOracle
/// @notice One price feed: the on-chain median of signed reporter prices, with a declared tolerance of
///         hostile reporter keys, reports bound to the update they were signed for, latency bounds, a
///         deviation circuit breaker that confirms only a level that held, staleness-checked reads, a
///         volatility estimate sampled at a fixed interval, a bounded history of served rounds, a
///         time-weighted average, and a Chainlink AggregatorV3Interface read surface.
/// @dev Assumptions and rules:
///      - Reporters are EOAs registered by the guardian (at most MAX_REPORTERS). Each signs the EIP-712
///        message `Price(bytes32 feedId,uint32 epoch,uint256 price,uint64 observedAt)` in the domain
///        (name "Bulwark MedianOracle", version "2", chain id, this oracle). Signatures are compact
///        EIP-2098 (r, vs); high-s forms cannot be expressed in that encoding.
///      - Epochs: every accepted poke (served, or held behind the breaker) is one epoch. A report counts
///        only in the epoch it names, which must be `nextEpoch()`: once an update is accepted, every
///        report signed for it that was left out is void, and no report counts twice (ORA-03). A poke
///        naming the epoch just accepted does nothing and does not revert (a keeper front-run with its
///        own reports still succeeds, and the price it wanted served came from the same update's
///        reports); any other epoch reverts with MedianOracleWrongEpoch.
///      - `poke(epoch, reports)` takes reports sorted by reporter address, strictly ascending, and
///        accepts the batch only if every report passes every rule (no partial acceptance): at least
///        `quorum` reports; each from a registered reporter that is not suspended; each `observedAt`
///        within [max(now - maxReportAge, floor), now + maxFutureSkew] (and below 2^32), where
///        floor is the served price's updatedAt, or while the breaker is tripped the held candidate's;
///        each price within [minPrice, maxPrice]. Out-of-range prices are rejected,
///        never clamped. A relayer so cannot serve reports observed before the served price (or, while
///        tripped, the held candidate). A re-registered reporter's reports of earlier epochs never count;
///        one it signed for the still-open epoch before its removal was never accepted, and counts like
///        any other report of that epoch (nothing is accepted twice).
///      - Fault tolerance (ORA-05): `faultTolerance` f is the number of hostile reporter keys the feed
///        withstands. Every configuration and every reporter change keeps quorum >= 2f + 1 (a median
///        of at least 2f + 1 distinct reporters has at least f + 1 honest reports on each side of it),
///        2 * quorum > reporters (any two quorums share a reporter) and reporters >= quorum + f (the
///        honest reporters alone reach quorum); a change that would break it reverts with
///        MedianOracleFaultToleranceViolated. With at most f hostile keys every accepted median lies
///        between the lowest and highest honest report of its poke, whichever subset a relayer picks.
///        The bound is tight: with quorum = 2f + 1, f + 1 keys and f honest reports choose the median,
///        and can walk the served price by up to maxDeviation per update (the breaker bounds the step,
///        not the direction). Size quorum and f for the number of keys you fear losing.
///      - Median: the middle report of the sorted prices; for an even count, the mean of the two middle
///        prices rounded down (it lies between them, so within the reports' range). `updatedAt` is the
///        OLDEST accepted `observedAt` of the poke, capped at the poke's block time: a price is never
///        fresher than its oldest input and never from the future, so staleness errs on the safe side.
///      - Prices are WAD (18 decimals); `decimals()` is 18 (AggregatorAdapter rescales, e.g. to 8).
///      - Breaker (ORA-07): a median further than `maxDeviation` (relative, WAD) from the served price is
///        not served; the oracle trips, holds it as the candidate, and takes it as the level to wait on.
///        While tripped, a poke within `maxDeviation` of the served price clears the breaker (the move
///        reverted); a poke within `maxDeviation` of the level, at least `confirmDelay` after the level
///        was set, confirms it and is served; any other poke is held as the candidate, and if it is not
///        within `maxDeviation` of the level it becomes the new level and the wait restarts. A level is
///        so confirmed only if every median since it was set stayed within maxDeviation of it for
///        confirmDelay: a walked candidate restarts the wait. The guardian may clear it, serving the
///        candidate or keeping the old price.
///      - Suspension (ORA-08): the guardian (one signer, through PauseGuardian's fast path) can suspend a
///        registered reporter until a time; its reports do not count until then. No suspension, reporter
///        change or config change leaves fewer than `quorum` reporters unsuspended
///        (MedianOracleSuspensionBreaksQuorum). Lifting early is `suspendReporter(r, 0)`.
///        `spareReporters()` counts the keys that can still be suspended with the unsuspended ones
///        reaching quorum even while faultTolerance of them stay silent; PauseGuardian's fast path
///        suspends beyond them only with shiftPauseThreshold signers, since the tolerated hostile keys
///        could then halt the feed by silence, and a halted feed halts liquidations.
///      - Pause scopes (set by the guardian): POKE (poke) and READ (read, twap, latestRoundData,
///        getRoundData). Both are loss-shifting (`lossShiftingScopes()`; PauseGuardian's fast path
///        pauses them only with shiftPauseThreshold signers): a POKE pause lets the served price go
///        stale and a READ pause makes reads revert, and either halts every consumer that needs the price,
///        the MarginEngine's liquidations among them (ENG-06). Accounts below maintenance then keep a
///        free option that the fund (and past it, the market's other side) pays for. Clearing a tripped
///        breaker moves losses too (it serves the candidate or resumes the old price), so the guardian's
///        fast path for `clearBreaker` needs breakerThreshold signers, never fewer than shiftPauseThreshold.
///      - Reads: `latest()` never reverts. `read()` and `latestRoundData()` revert when there is no
///        price, when it is older than `maxStaleness`, when the breaker is tripped, or when the READ
///        scope is paused. A stale price is never served as fresh. `getRoundData` serves the last
///        HISTORY served rounds (the latest with read()'s checks; older ones as recorded, while READ is
///        not paused) and reverts for any other round. `twap(window)` averages the served price over the
///        last `window` seconds, weighted by how long each was served, with read()'s checks; it reverts
///        when the history does not reach back that far.
///      - Volatility (ORA-06): a served update is a volatility sample only if its updatedAt is at least
///        `volatilityInterval` after the previous sample's. With r = (p1 - p0) / p0 between consecutive
///        samples and dt >= volatilityInterval their updatedAt gap, the per-second variance v = r^2 / dt
///        moves the estimate as var += (v - var) * dt / (dt + volatilityTau). Updates faster than the
///        interval change nothing, so the estimate is exactly that of the served path sampled at (at
///        least) the interval, and one sample raises var by at most r^2 / (volatilityInterval +
///        volatilityTau). Annualised volatility is sqrt(var * 365 days) in WAD.
///      - Differences from Chainlink's AggregatorV3: reads revert instead of returning a stale or held
///        answer; rounds count served prices from 1, consecutively (no phase bits); startedAt equals
///        updatedAt (the oldest observation); only the last HISTORY rounds are kept; 18 decimals.
interface IMedianOracle is IGuarded, IAggregatorV3 {
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

    /// @notice The oracle's guardian-set parameters (one storage slot for the timing fields).
    struct Config {
        uint8 quorum; // [count] fewest reports a poke needs, >= 2 * faultTolerance + 1
        uint8 faultTolerance; // [count] hostile reporter keys tolerated (ORA-05)
        uint32 maxReportAge; // [s] oldest observedAt accepted, relative to now; < maxStaleness
        uint16 maxFutureSkew; // [s] furthest-ahead observedAt accepted; <= MAX_FUTURE_SKEW
        uint32 maxStaleness; // [s] oldest updatedAt read() serves
        uint32 confirmDelay; // [s] how long a tripped level must hold before it is served
        uint32 volatilityTau; // [s] EWMA time constant, > 0
        uint32 volatilityInterval; // [s] shortest gap between two volatility samples, > 0
        uint64 maxDeviation; // [wad] largest relative move served without tripping
        uint128 minPrice; // [wad] lowest price a report may carry
        uint128 maxPrice; // [wad] highest price a report may carry
    }

    // ---------------------------------------------------------------- errors
    /// @notice The batch has `reports` reports, fewer than `quorum`.
    error MedianOracleQuorumNotMet(uint256 reports, uint256 quorum);
    /// @notice Reports are not sorted strictly ascending by reporter.
    error MedianOracleReportersNotAscending(address previous, address reporter);
    /// @notice `reporter` signed two reports of one batch.
    error MedianOracleDuplicateReporter(address reporter);
    /// @notice `signer` (recovered from a report) is not a registered reporter.
    error MedianOracleNotReporter(address signer);
    /// @notice `reporter`'s report was observed before `oldestAllowed` (too old, or before the latest
    ///         accepted update).
    error MedianOracleReportTooOld(address reporter, uint64 observedAt, uint256 oldestAllowed);
    /// @notice `reporter`'s report was observed after `latestAllowed`.
    error MedianOracleReportFromFuture(address reporter, uint64 observedAt, uint256 latestAllowed);
    /// @notice `reporter` carries a price outside [minPrice, maxPrice].
    error MedianOraclePriceOutOfBounds(address reporter, uint256 price, uint256 minPrice, uint256 maxPrice);
    /// @notice `reporter` is suspended until `suspendedUntil`.
    error MedianOracleReporterSuspended(address reporter, uint64 suspendedUntil);
    /// @notice The batch was signed for `epoch`; the next update is `expected`.
    error MedianOracleWrongEpoch(uint256 epoch, uint256 expected);
    /// @notice No price has been accepted yet.
    error MedianOracleNoPrice();
    /// @notice The served price is `age` seconds old, more than `maxStaleness`.
    error MedianOracleStale(uint256 age, uint256 maxStaleness);
    /// @notice The breaker holds `candidate`; it tripped at `trippedAt`.
    error MedianOracleTripped(uint256 candidate, uint256 trippedAt);
    /// @notice clearBreaker was called while the breaker is clear.
    error MedianOracleNotTripped();
    /// @notice `config` breaks a bound on its own (see Config).
    error MedianOracleInvalidConfig(Config config);
    /// @notice `quorum`, `faultTolerance` and `reporters` would break ORA-05's rule: quorum >= 2f + 1,
    ///         2 * quorum > reporters, reporters >= quorum + f.
    error MedianOracleFaultToleranceViolated(uint256 quorum, uint256 faultTolerance, uint256 reporters);
    /// @notice `reporter` already is (or is not) a reporter, as `isReporter` says.
    error MedianOracleReporterMembership(address reporter, bool isReporter);
    /// @notice More than `maxReporters` reporters.
    error MedianOracleTooManyReporters(uint256 maxReporters);
    /// @notice The change (suspending, adding or removing `reporter`, or a config change when it is zero)
    ///         would leave `unsuspended` reporters not suspended now, fewer than `quorum`.
    error MedianOracleSuspensionBreaksQuorum(address reporter, uint256 unsuspended, uint256 quorum);
    /// @notice `roundId` is not kept: the history holds rounds `oldestRound` to `latestRound`.
    error MedianOracleRoundUnavailable(uint80 roundId, uint80 oldestRound, uint80 latestRound);
    /// @notice The history covers `covered` seconds, less than the `window` asked for (or window is 0).
    error MedianOracleHistoryTooShort(uint256 window, uint256 covered);

    // ---------------------------------------------------------------- events
    /// @notice A poke (or the guardian) served `price` as `round`; `epoch` is the last accepted update
    ///         (when the guardian serves a held candidate: the epoch of the last held poke).
    event PriceUpdated(
        uint80 indexed round,
        uint256 price,
        uint256 updatedAt,
        uint256 reports,
        uint256 annualisedVolatility,
        uint256 epoch
    );
    /// @notice A poke's median moved more than maxDeviation: it is held, not served, and is the level.
    event BreakerTripped(uint256 servedPrice, uint256 candidate, uint256 deviation, uint256 trippedAt, uint256 epoch);
    /// @notice A tripped candidate changed; `levelSince` restarted if it left the level.
    event BreakerCandidateUpdated(uint256 candidate, uint256 level, uint256 levelSince, uint256 epoch);
    /// @notice The breaker cleared; `price` is served from now on (`byGuardian` if the guardian did it).
    event BreakerCleared(uint256 price, uint256 updatedAt, bool byGuardian);
    /// @notice The parameters changed.
    event ConfigUpdated(Config previous, Config config);
    /// @notice A reporter joined or left; `index` is its position in the sorted table at that moment.
    event ReporterUpdated(address indexed reporter, bool isReporter, uint256 index);
    /// @notice `reporter`'s reports do not count until `until` (0 or a past time: lifted).
    event ReporterSuspended(address indexed reporter, uint64 until);

    // ---------------------------------------------------------------- views
    /// @notice The feed this oracle serves; part of every signed report.
    function FEED_ID() external view returns (bytes32);
    /// @notice Most reporters the oracle can hold.
    function MAX_REPORTERS() external view returns (uint256);
    /// @notice Largest maxFutureSkew a config may set [s].
    function MAX_FUTURE_SKEW() external view returns (uint256);
    /// @notice Served rounds kept for getRoundData and twap.
    function HISTORY() external view returns (uint256);
    /// @notice The current parameters.
    function config() external view returns (Config memory);
    /// @notice True if `account` is a registered reporter.
    function isReporter(address account) external view returns (bool);
    /// @notice The registered reporters, sorted ascending.
    function reporters() external view returns (address[] memory);
    /// @notice Until when `reporter`'s reports do not count (0 if never suspended; past: lifted).
    function suspendedUntil(address reporter) external view returns (uint64);
    /// @notice How many more reporters could be suspended now with the unsuspended ones still reaching
    ///         quorum while faultTolerance of them are silent: unsuspended - quorum - faultTolerance, or 0.
    function spareReporters() external view returns (uint256);
    /// @notice The epoch the next poke's reports must be signed for (accepted updates so far + 1).
    function nextEpoch() external view returns (uint256);
    /// @notice The served price, its time and status. Never reverts.
    function latest() external view returns (uint256 price, uint256 updatedAt, Status status);
    /// @notice The served price and its time; reverts if there is none, it is stale, tripped or paused.
    function read() external view returns (uint256 price, uint256 updatedAt);
    /// @notice The time-weighted average served price over the last `window` seconds, with read()'s
    ///         checks; reverts with MedianOracleHistoryTooShort if the kept rounds do not cover it.
    function twap(uint256 window) external view returns (uint256 price);
    /// @notice The breaker: tripped or not, the held candidate and its time, when it tripped, the level
    ///         being waited on and since when.
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
        );
    /// @notice The volatility estimate, annualised, in WAD (0.8e18 = 80% a year).
    function annualisedVolatility() external view returns (uint256);
    /// @notice The last volatility sample: its price and updatedAt (0, 0 before the first price).
    function volatilitySample() external view returns (uint256 price, uint256 sampledAt);
    /// @notice The EIP-712 digest a reporter signs for (`epoch`, `price`, `observedAt`).
    function reportDigest(uint256 epoch, uint256 price, uint64 observedAt) external view returns (bytes32);

    // ---------------------------------------------------------------- actions
    /// @notice Submit reports signed for `epoch`; see the rules above. Anyone may call.
    function poke(uint256 epoch, Report[] calldata reports) external;
    /// @notice Guardian: add or remove a reporter (keeping ORA-05's rule; a removed reporter's
    ///         suspension ends with it).
    function setReporter(address reporter, bool authorised) external;
    /// @notice Guardian: suspend a registered reporter until `until`, or lift it with a past `until`.
    function suspendReporter(address reporter, uint64 until) external;
    /// @notice Guardian: set every parameter at once (validated as a whole, ORA-05 included).
    function setConfig(Config calldata newConfig) external;
    /// @notice Guardian: clear a tripped breaker, serving the candidate if `acceptCandidate` (PauseGuardian:
    ///         through the timelock, or at once with breakerThreshold signers).
    function clearBreaker(bool acceptCandidate) external;
}
