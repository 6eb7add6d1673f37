// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title EightDecimalsConsumer
/// @notice Test-only: imitates integrations that hard-require an 8-decimal USD feed, as Compound III's
///         Comet does (its constructor reverts with BadDecimals unless the feed's decimals() is 8, and
///         getPrice reads latestRoundData's answer as an 8-decimal USD price, reverting with BadPrice when
///         it is not positive) and as Aave v2/v3's AaveOracle assumes of its sources (8-decimal USD
///         answers, unchecked). Reads through Chainlink's own AggregatorV3Interface. Never imported by
///         production contracts.
contract EightDecimalsConsumer {
    /// @notice The only decimals a feed may have.
    uint8 public constant PRICE_FEED_DECIMALS = 8;

    /// @notice `feed` answers with `decimals` decimals, not PRICE_FEED_DECIMALS.
    error EightDecimalsConsumerBadDecimals(address feed, uint8 decimals);
    /// @notice The feed's answer `answer` is not positive.
    error EightDecimalsConsumerBadPrice(int256 answer);

    /// @notice The feed read.
    AggregatorV3Interface public immutable FEED;

    /// @param feed An 8-decimal USD feed; any other decimals revert with EightDecimalsConsumerBadDecimals.
    constructor(AggregatorV3Interface feed) {
        uint8 decimals = feed.decimals();
        if (decimals != PRICE_FEED_DECIMALS) revert EightDecimalsConsumerBadDecimals(address(feed), decimals);
        FEED = feed;
    }

    /// @notice The feed's latest answer, an 8-decimal USD price; reverts with the feed's own error when the
    ///         feed reverts.
    function getPrice() external view returns (uint256) {
        (, int256 price,,,) = FEED.latestRoundData();
        if (price <= 0) revert EightDecimalsConsumerBadPrice(price);
        // safe cast: price > 0
        return uint256(price);
    }
}
