// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title ChainlinkConsumer
/// @notice Test-only contract: reads a price feed exactly as a typical Chainlink integration does, through
///         Chainlink's own AggregatorV3Interface, to prove MedianOracle is a drop-in feed. Never imported
///         by production contracts.
contract ChainlinkConsumer {
    /// @notice The feed returned a non-positive answer.
    error ChainlinkConsumerInvalidAnswer(int256 answer);
    /// @notice The feed's round has no timestamp or was answered in an earlier round.
    error ChainlinkConsumerIncompleteRound(uint80 roundId, uint80 answeredInRound, uint256 updatedAt);

    AggregatorV3Interface public immutable FEED;

    constructor(AggregatorV3Interface feed) {
        FEED = feed;
    }

    /// @notice The feed's latest answer as reported, with its decimals and time; reverts on a bad round
    ///         (and with the feed's own error when the feed reverts).
    function latestAnswer() public view returns (int256 answer, uint8 decimals, uint256 updatedAt) {
        uint80 roundId;
        uint80 answeredInRound;
        (roundId, answer,, updatedAt, answeredInRound) = FEED.latestRoundData();
        if (answer <= 0) revert ChainlinkConsumerInvalidAnswer(answer);
        if (updatedAt == 0 || answeredInRound < roundId) {
            revert ChainlinkConsumerIncompleteRound(roundId, answeredInRound, updatedAt);
        }
        decimals = FEED.decimals();
    }

    /// @notice The latest answer scaled to 18 decimals (WAD), and its time.
    function priceWad() external view returns (uint256 price, uint256 updatedAt) {
        (int256 answer, uint8 decimals, uint256 time) = latestAnswer();
        // safe cast: latestAnswer() reverts unless answer > 0
        price = decimals <= 18 ? uint256(answer) * 10 ** (18 - decimals) : uint256(answer) / 10 ** (decimals - 18);
        return (price, time);
    }
}
