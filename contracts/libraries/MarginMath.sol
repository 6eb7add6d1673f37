// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IMarginEngine} from "../interfaces/IMarginEngine.sol";

/// @title MarginMath
/// @notice MarginEngine's pure arithmetic: position values, margins and the partial-liquidation size
///         limit (formulas in IMarginEngine; bulwark/margin.py mirrors them rounding for rounding).
library MarginMath {
    using SafeCast for uint256;

    uint256 private constant WAD = 1e18;
    /// @dev [wad] a partial liquidation aims at MM * (1 + LIQUIDATION_BUFFER)
    uint256 internal constant LIQUIDATION_BUFFER = 0.1e18;

    /// @notice size * price in WAD, rounded down (toward negative infinity): never in the holder's favour.
    function worth(int256 size, uint256 price) internal pure returns (int256) {
        uint256 magnitude = SignedMath.abs(size);
        if (size >= 0) return Math.mulDiv(magnitude, price, WAD).toInt256();
        return -Math.mulDiv(magnitude, price, WAD, Math.Rounding.Ceil).toInt256();
    }

    /// @notice MM and IM of one position, rounded up.
    function margins(int256 size, uint256 index, uint256 rate, uint256 imFactor)
        internal
        pure
        returns (uint256 mm, uint256 im)
    {
        uint256 notional = Math.mulDiv(SignedMath.abs(size), index, WAD, Math.Rounding.Ceil);
        mm = Math.mulDiv(notional, rate, WAD, Math.Rounding.Ceil);
        im = Math.mulDiv(mm, imFactor, WAD, Math.Rounding.Ceil);
    }

    /// @notice The most a liquidation of an account with 0 < equity < MM may take of a position of `held`:
    ///         what brings it to MM * (1 + buffer) before the penalty cap, or all of it if the rest would be
    ///         dust.
    function liquidationLimit(
        IMarginEngine.AccountState memory st,
        uint256 held,
        uint256 index,
        uint256 rate,
        IMarginEngine.RiskParams memory risk
    ) internal pure returns (uint256) {
        uint256 target = Math.mulDiv(st.maintenanceMargin, WAD + LIQUIDATION_BUFFER, WAD, Math.Rounding.Ceil);
        uint256 need = target - uint256(st.equity); // equity < MM <= target
        // > 0: rate >= baseMmr > bonus + share (validated)
        uint256 relief = rate * (WAD + LIQUIDATION_BUFFER) / WAD - risk.liquidationBonus - risk.insuranceShare;
        uint256 notional = Math.mulDiv(need, WAD, relief, Math.Rounding.Ceil);
        uint256 amount = Math.mulDiv(notional, WAD, index, Math.Rounding.Ceil);
        return amount >= held || held - amount < risk.dustSize ? held : amount;
    }

    /// @notice The positive part of `x` (0 below zero).
    function positive(int256 x) internal pure returns (uint256) {
        return x > 0 ? uint256(x) : 0;
    }
}
