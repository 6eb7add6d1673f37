// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMarginEngine} from "../interfaces/IMarginEngine.sol";

/// @title SharedLoss
/// @notice One side (longs or shorts) of a market's shared losses: what the fund did not pay, owed by the
///         side's positions pro rata to size, and recovered later pro rata to what each still owes.
/// @dev A position of |size| with snapshot s in era e owes ceil(ceil(|size| * (index - s)) * scale) while e
///      is the side's era, else ceil(ceil(|size| * index) * scale): an older era was recovered in full, and
///      the position owes the current era's losses from its start. A share of `amount` over `openInterest` adds
///      ceil(ceil(amount / openInterest) / scale) to the index (so a later recovery shrinks it too); a
///      recovery of a fraction f of what the side owes multiplies the scale by (1 - f), rounded up (what
///      positions owe never falls below what is unsettled); recovering all of it starts a new era.
///      Every rounding is against the positions that owe, never against the other accounts (ENG-08).
library SharedLoss {
    using SafeCast for uint256;

    uint256 private constant WAD = 1e18;

    /// @notice What a position of `size` (absolute) with this `snapshot` and `era` owes.
    function owed(IMarginEngine.SideLoss storage side, uint256 size, uint256 snapshot, uint64 era)
        internal
        view
        returns (uint256)
    {
        // A snapshot from an earlier era was paid in full by that era's recovery; the position owes
        // the current era's losses from its start (index 0), like every position the side held then.
        uint256 from = era == side.era ? snapshot : 0;
        uint256 unscaled = Math.mulDiv(size, side.index - from, WAD, Math.Rounding.Ceil);
        return Math.mulDiv(unscaled, side.scale, WAD, Math.Rounding.Ceil);
    }

    /// @notice The side owes `amount` (WAD) more, pro rata to size over its `openInterest` (> 0); returns
    ///         the new index.
    function share(IMarginEngine.SideLoss storage side, uint256 amount, uint256 openInterest)
        internal
        returns (uint256 index)
    {
        uint256 perUnit = Math.mulDiv(amount, WAD, openInterest, Math.Rounding.Ceil);
        index = side.index + Math.mulDiv(perUnit, WAD, side.scale, Math.Rounding.Ceil);
        side.index = index;
        side.unsettled += amount.toInt256();
    }

    /// @notice Relieve the side of up to `amount` (WAD) of what its positions owe; returns what was used.
    function recover(IMarginEngine.SideLoss storage side, uint256 amount) internal returns (uint256 used) {
        int256 unsettled = side.unsettled;
        // slither-disable-next-line incorrect-equality
        if (unsettled <= 0 || amount == 0) return 0;
        uint256 open = uint256(unsettled);
        used = Math.min(amount, open);
        // slither-disable-next-line incorrect-equality
        if (used == open) {
            (side.index, side.unsettled, side.scale) = (0, 0, uint128(WAD));
            ++side.era; // every lien of the side is paid: older snapshots owe nothing
        } else {
            side.scale = Math.mulDiv(side.scale, open - used, open, Math.Rounding.Ceil).toUint128();
            side.unsettled = unsettled - used.toInt256();
        }
    }
}
