// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAggregatorAdapter} from "../interfaces/IAggregatorAdapter.sol";
import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";
import {IMedianOracle} from "../interfaces/IMedianOracle.sol";

/// @title AggregatorAdapter
/// @notice Serves one MedianOracle through Chainlink's AggregatorV3Interface at `decimals()` decimals.
/// @dev See IAggregatorAdapter for the rules and every difference from Chainlink's semantics. Immutable:
///      the oracle and the scale live in code, so a read costs the oracle's read, one call and a division.
contract AggregatorAdapter is IAggregatorAdapter {
    /// @dev The oracle's decimals (prices are WAD), the most the adapter serves.
    uint8 private constant ORACLE_DECIMALS = 18;

    /// @inheritdoc IAggregatorAdapter
    IMedianOracle public immutable ORACLE;
    /// @dev The answer's decimals.
    uint8 private immutable DECIMALS;
    /// @dev 10^(18 - DECIMALS): the oracle's answer is divided by it.
    int256 private immutable SCALE;

    /// @param oracle The MedianOracle served.
    /// @param decimals_ The answer's decimals, 0 to 18.
    constructor(IMedianOracle oracle, uint8 decimals_) {
        if (decimals_ > ORACLE_DECIMALS) revert AggregatorAdapterInvalidDecimals(decimals_, ORACLE_DECIMALS);
        if (address(oracle).code.length == 0) revert AggregatorAdapterNotContract(address(oracle));
        (ORACLE, DECIMALS, SCALE) = (oracle, decimals_, int256(10 ** (ORACLE_DECIMALS - decimals_)));
    }

    /// @inheritdoc IAggregatorV3
    function decimals() external view returns (uint8) {
        return DECIMALS;
    }

    /// @inheritdoc IAggregatorV3
    /// @dev The oracle's description.
    function description() external view returns (string memory) {
        return _feed().description();
    }

    /// @inheritdoc IAggregatorV3
    /// @dev The oracle's version.
    function version() external view returns (uint256) {
        return _feed().version();
    }

    /// @inheritdoc IAggregatorV3
    /// @dev The oracle's round `_roundId` with its answer scaled to `decimals()`; reverts as the oracle does.
    function getRoundData(uint80 _roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) =
            _feed().getRoundData(_roundId);
        return (roundId, _scale(roundId, answer), startedAt, updatedAt, answeredInRound);
    }

    /// @inheritdoc IAggregatorV3
    /// @dev The oracle's latest round with its answer scaled to `decimals()`; reverts as the oracle does.
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) =
            _feed().latestRoundData();
        return (roundId, _scale(roundId, answer), startedAt, updatedAt, answeredInRound);
    }

    /// @dev The oracle's AggregatorV3 surface (MedianOracle serves it; IMedianOracle does not declare it).
    function _feed() private view returns (IAggregatorV3) {
        return IAggregatorV3(address(ORACLE));
    }

    /// @dev `answer` (18 decimals) at `decimals()`, truncated toward zero; never 0 for a positive answer.
    function _scale(uint80 roundId, int256 answer) private view returns (int256 scaled) {
        scaled = answer / SCALE;
        if (scaled == 0 && answer > 0) revert AggregatorAdapterAnswerBelowPrecision(roundId, answer, DECIMALS);
    }
}
