// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";

/// @title ReferenceFeed
/// @notice Test-only AggregatorV3 feed whose owner sets each answer: the monitor's drills feed it the
///         scenario's fair price, standing in for a second, independent feed (MON-04's reference).
contract ReferenceFeed is IAggregatorV3 {
    struct Round {
        int256 answer;
        uint256 updatedAt; // [unix s]
    }

    /// @notice The caller is not the feed's owner.
    error ReferenceFeedNotOwner(address caller);
    /// @notice No round `roundId` was set.
    error ReferenceFeedNoRound(uint80 roundId);

    /// @notice A new round was set.
    event AnswerSet(uint80 indexed roundId, int256 answer, uint256 updatedAt);

    address public immutable OWNER;
    uint8 private immutable DECIMALS;
    uint80 public latestRound;
    mapping(uint80 roundId => Round) private rounds;

    constructor(uint8 decimals_) {
        OWNER = msg.sender;
        DECIMALS = decimals_;
    }

    /// @notice Sets the next round's answer, updated now; owner only.
    function setAnswer(int256 answer) external {
        if (msg.sender != OWNER) revert ReferenceFeedNotOwner(msg.sender);
        uint80 roundId = latestRound + 1;
        latestRound = roundId;
        rounds[roundId] = Round(answer, block.timestamp);
        emit AnswerSet(roundId, answer, block.timestamp);
    }

    /// @inheritdoc IAggregatorV3
    function decimals() external view returns (uint8) {
        return DECIMALS;
    }

    /// @inheritdoc IAggregatorV3
    function description() external pure returns (string memory) {
        return "reference feed (test)";
    }

    /// @inheritdoc IAggregatorV3
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @inheritdoc IAggregatorV3
    function getRoundData(uint80 roundId) public view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory round = rounds[roundId];
        if (round.updatedAt == 0) revert ReferenceFeedNoRound(roundId);
        return (roundId, round.answer, round.updatedAt, round.updatedAt, roundId);
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }
}
