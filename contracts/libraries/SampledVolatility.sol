// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title SampledVolatility
/// @notice An EWMA of squared relative returns per second, sampled no more often than a fixed interval,
///         so a burst of updates cannot raise it beyond what the same path sampled at the interval shows.
/// @dev With r = (p1 - p0) / p0 between consecutive samples and dt >= interval seconds between them, the
///      sample v = r^2 / dt moves the estimate as var += (v - var) * dt / (dt + tau). One sample so raises
///      var by at most r^2 / (dt + tau) <= r^2 / (interval + tau).
library SampledVolatility {
    uint256 private constant WAD = 1e18;
    uint256 private constant YEAR = 365 days;

    struct State {
        uint64 variance; // [wad per s] EWMA of squared relative returns per second
        uint128 price; // [wad] the last sample's price (0 before the first)
        uint32 sampledAt; // [unix s] the last sample's updatedAt
    }

    /// @notice `s` after a served update of `price` observed at `updatedAt`, and whether it changed.
    function observe(State memory s, uint256 price, uint256 updatedAt, uint256 interval, uint256 tau)
        internal
        pure
        returns (bool changed)
    {
        // the first price only anchors the path; sampledAt is a state flag, not a balance
        // slither-disable-next-line incorrect-equality
        if (s.price == 0) {
            // safe casts: price <= maxPrice (uint128); updatedAt <= now < 2^32 until 2106
            (s.price, s.sampledAt) = (uint128(price), uint32(updatedAt));
            return true;
        }
        if (updatedAt < uint256(s.sampledAt) + interval) return false; // faster than the interval: no sample
        s.variance = _step(s.variance, _squaredReturn(s.price, price), updatedAt - s.sampledAt, tau);
        // safe casts: as in the first branch
        (s.price, s.sampledAt) = (uint128(price), uint32(updatedAt));
        return true;
    }

    /// @dev ((p1 - p0) / p0)^2 in WAD.
    function _squaredReturn(uint256 p0, uint256 p1) private pure returns (uint256) {
        uint256 r = Math.mulDiv(p1 > p0 ? p1 - p0 : p0 - p1, WAD, p0); // [wad] relative return
        return Math.mulDiv(r, r, WAD);
    }

    /// @dev The EWMA moved by the sample r2 / dt, saturated at uint64.
    function _step(uint256 variance, uint256 r2, uint256 dt, uint256 tau) private pure returns (uint64) {
        uint256 sample = r2 / dt; // [wad per s]
        uint256 weightDenominator = dt + tau;
        variance = sample >= variance
            ? variance + Math.mulDiv(sample - variance, dt, weightDenominator)
            : variance - Math.mulDiv(variance - sample, dt, weightDenominator);
        // saturate: > 2.4e4x a year; safe cast below it
        return variance > type(uint64).max ? type(uint64).max : uint64(variance);
    }

    /// @notice A per-second variance as an annualised volatility: sqrt(var * 365 days) in WAD.
    function annualise(uint256 variance) internal pure returns (uint256) {
        return Math.sqrt(variance * YEAR * WAD); // sqrt([wad/s] * s * wad) = [wad]
    }
}
