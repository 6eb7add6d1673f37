// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IMedianOracle} from "./IMedianOracle.sol";

/// @title IAggregatorAdapter
/// @notice Serves one MedianOracle through Chainlink's AggregatorV3Interface with the number of decimals a
///         consumer expects (0 to 18; the oracle's own are 18). Immutable: no admin, no storage, nothing
///         to configure after deployment; one adapter per (oracle, decimals).
/// @dev What the adapter does:
///      - `answer` is the oracle's 18-decimal answer divided by 10^(18 - decimals()), rounded toward zero
///        (truncated; answers are positive, so rounded down). A price moves the answer only once it moves
///        by a whole unit of the last decimal (1e-8 at 8 decimals), and the answer is never above the
///        oracle's price. At 18 decimals the answer is the oracle's, unchanged. An answer that would
///        truncate to 0 (an oracle price below one unit of the last decimal) is not served: the read
///        reverts with AggregatorAdapterAnswerBelowPrecision rather than return 0 for a positive price.
///      - roundId, startedAt, updatedAt and answeredInRound are the oracle's, unchanged. description()
///        and version() are the oracle's.
///      - Every oracle revert reaches the caller unchanged (the same error and arguments, as
///        IMedianOracle declares them): the adapter reverts whenever the oracle would.
///      Differences from a Chainlink feed that a consumer of this adapter inherits from MedianOracle:
///      - Reads revert instead of answering: `latestRoundData()` reverts with MedianOracleNoPrice before
///        the first price; it and `getRoundData` of the latest round revert with MedianOracleStale once
///        the price is older than the oracle's maxStaleness and MedianOracleTripped while the deviation
///        breaker holds a candidate; every read (older rounds included) reverts with
///        IGuarded.GuardedPaused while the oracle's READ scope is paused. A Chainlink feed would return its last answer with an old updatedAt;
///        a consumer that wants a fallback must call inside try/catch, and its own staleness check on
///        updatedAt never sees a stale answer.
///      - Rounds number the oracle's served prices consecutively from 1: `roundId - 1` is always the
///        previous served price, and there are no phase bits (no phaseId << 64 | aggregatorRoundId; a
///        consumer decoding the phase sees phase 0). A median the breaker holds never gets a round; a
///        round is created only when a price is served. answeredInRound always equals roundId.
///      - Only the last 32 rounds (the oracle's HISTORY) are kept: `getRoundData` of round 0, of a round
///        not served yet, or of a round more than 31 before the latest reverts with
///        MedianOracleRoundUnavailable(roundId, oldestRound, latestRound). In particular, in round 1 the
///        previous round (0) reverts. Older rounds are returned as recorded, with no staleness or breaker
///        check (their updatedAt says how old they are) while READ is not paused.
///      - startedAt equals updatedAt, and both are the OLDEST observation time among the reports of the
///        update that served the round (never later than the block that served it, and up to the
///        oracle's maxReportAge before it), not the time the round was opened or written on chain.
interface IAggregatorAdapter is IAggregatorV3 {
    /// @notice `decimals` is more than `maxDecimals` (18, the oracle's): the adapter only scales down.
    error AggregatorAdapterInvalidDecimals(uint256 decimals, uint256 maxDecimals);

    /// @notice `oracle` has no code: it cannot be a MedianOracle.
    error AggregatorAdapterNotContract(address oracle);

    /// @notice Round `roundId`'s oracle answer `answer` (18 decimals) truncates to 0 at `decimals`.
    error AggregatorAdapterAnswerBelowPrecision(uint80 roundId, int256 answer, uint8 decimals);

    /// @notice The oracle this adapter serves.
    function ORACLE() external view returns (IMedianOracle);
}
