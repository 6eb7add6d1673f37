// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAggregatorV3
/// @notice Chainlink's AggregatorV3Interface read surface: the same functions, selectors and return
///         types as `AggregatorV3Interface` in Chainlink's contracts package, declared here so that
///         production contracts do not depend on that package (only test consumers compile against it).
///         MedianOracle (at 18 decimals) and AggregatorAdapter serve it.
interface IAggregatorV3 {
    /// @notice How many decimals `answer` has.
    function decimals() external view returns (uint8);

    /// @notice What the feed prices, e.g. "ETH / USD".
    function description() external view returns (string memory);

    /// @notice The version of the feed's implementation.
    function version() external view returns (uint256);

    /// @notice Round `_roundId`: its id, answer, start and update times, and the round it was answered in.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice The latest round: its id, answer, start and update times, and the round it was answered in.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
