// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title PreviousRoundConsumer
/// @notice Test-only: imitates Liquity v1's PriceFeed reading its Chainlink feed. It reads latestRoundData
///         and decimals(), then getRoundData(roundId - 1); rejects either response if it is bad (roundId 0,
///         answer <= 0, updatedAt 0 or in the future: `_badChainlinkResponse`); rejects when the price
///         changed by more than `MAX_DEVIATION` between the two rounds, relative to the larger of the two
///         (`_chainlinkPriceChangeAboveMax`, 50% in Liquity); and returns the current price scaled to 18
///         digits (`_scaleChainlinkPriceByDigits`). Reads through Chainlink's own AggregatorV3Interface.
///         Never imported by production contracts.
/// @dev Where Liquity catches a reverting feed or a rejected response (try/catch) and switches to its
///      fallback oracle, this consumer reverts, with the feed's own error or its own, so tests see why.
///      It checks the current response before asking for the previous round (Liquity's 0.6 code lets
///      roundId 0 - 1 wrap; 0.8 would panic). Liquity's 4-hour freeze check and its fallback logic are
///      left out.
contract PreviousRoundConsumer {
    /// @notice Liquity's DECIMAL_PRECISION and TARGET_DIGITS: prices are returned with 18 digits.
    uint256 public constant DECIMAL_PRECISION = 1e18;
    uint256 private constant TARGET_DIGITS = 18;

    /// @notice The feed answered round `roundId` with `answer` at `updatedAt`: a round id of 0, a
    ///         non-positive answer, or an updatedAt of 0 or in the future.
    error PreviousRoundConsumerBadResponse(uint80 roundId, int256 answer, uint256 updatedAt);
    /// @notice From `previousPrice` to `currentPrice` (both 18 digits) the price moved by `deviation`
    ///         (relative to the larger, 18 digits), more than `maxDeviation`.
    error PreviousRoundConsumerPriceChangeAboveMax(
        uint256 previousPrice, uint256 currentPrice, uint256 deviation, uint256 maxDeviation
    );

    /// @notice The feed read.
    AggregatorV3Interface public immutable FEED;
    /// @notice Largest relative move between two consecutive rounds accepted (18 digits; Liquity: 5e17).
    uint256 public immutable MAX_DEVIATION;

    /// @param feed The Chainlink-style feed.
    /// @param maxDeviation Largest relative move between consecutive rounds accepted (5e17 in Liquity).
    constructor(AggregatorV3Interface feed, uint256 maxDeviation) {
        (FEED, MAX_DEVIATION) = (feed, maxDeviation);
    }

    /// @notice The current price in 18 digits, if the current and previous rounds are good and the move
    ///         between them is at most MAX_DEVIATION.
    function fetchPrice() external view returns (uint256 price) {
        uint8 decimals = FEED.decimals();
        (uint80 roundId, int256 answer,, uint256 updatedAt,) = FEED.latestRoundData();
        _requireGood(roundId, answer, updatedAt);
        (uint80 previousId, int256 previousAnswer,, uint256 previousUpdatedAt,) = FEED.getRoundData(roundId - 1);
        _requireGood(previousId, previousAnswer, previousUpdatedAt);
        // safe casts: both answers are positive
        price = _scale(uint256(answer), decimals);
        uint256 previous = _scale(uint256(previousAnswer), decimals);
        (uint256 low, uint256 high) = price < previous ? (price, previous) : (previous, price);
        uint256 deviation = (high - low) * DECIMAL_PRECISION / high;
        if (deviation > MAX_DEVIATION) {
            revert PreviousRoundConsumerPriceChangeAboveMax(previous, price, deviation, MAX_DEVIATION);
        }
    }

    /// @dev Liquity's `_badChainlinkResponse`, reverting.
    function _requireGood(uint80 roundId, int256 answer, uint256 updatedAt) private view {
        if (roundId == 0 || answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) {
            revert PreviousRoundConsumerBadResponse(roundId, answer, updatedAt);
        }
    }

    /// @dev Liquity's `_scaleChainlinkPriceByDigits`: `answer` with `decimals` digits, in TARGET_DIGITS.
    function _scale(uint256 answer, uint256 decimals) private pure returns (uint256) {
        if (decimals >= TARGET_DIGITS) return answer / 10 ** (decimals - TARGET_DIGITS);
        return answer * 10 ** (TARGET_DIGITS - decimals);
    }
}
