// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev Rounds a RoundHistory ring keeps (a file-level constant: array lengths need one).
uint256 constant ROUND_HISTORY_SIZE = 32;

/// @title RoundHistory
/// @notice A fixed ring of the last SIZE served rounds of a price feed, for previous-round reads and
///         time-weighted averages.
/// @dev Every slot is written once at deployment (`prefill`) with a round number no real round has, so
///      serving a round always rewrites a non-zero slot (5,000 gas, never 22,100) and an unwritten slot
///      never passes for a round.
library RoundHistory {
    uint256 private constant SIZE = ROUND_HISTORY_SIZE;
    /// @dev The round number of a slot nothing was served into yet.
    uint32 private constant NONE = type(uint32).max;

    struct Round {
        uint128 price; // [wad] served price
        uint32 updatedAt; // [unix s] oldest observation of its update
        uint32 servedAt; // [unix s] block time it became the served price
        uint32 round; // [count] its round number, NONE before anything was served into the slot
    }

    /// @notice Mark every slot unwritten (in the constructor).
    function prefill(Round[ROUND_HISTORY_SIZE] storage ring) internal {
        for (uint256 i; i < SIZE; ++i) {
            ring[i].round = NONE;
        }
    }

    /// @notice Record `round`, served now.
    function record(Round[ROUND_HISTORY_SIZE] storage ring, uint32 round, uint128 price, uint32 updatedAt) internal {
        // safe cast: block times fit uint32 until 2106, as every timestamp the oracle stores
        ring[round % SIZE] = Round(price, updatedAt, uint32(block.timestamp), round);
    }

    /// @notice Round `round`, if kept; `latest` is the newest round served.
    function get(Round[ROUND_HISTORY_SIZE] storage ring, uint256 round, uint256 latest)
        internal
        view
        returns (bool kept, Round memory r)
    {
        if (round == 0 || round > latest || latest - round >= SIZE) return (false, r);
        r = ring[round % SIZE];
        kept = r.round == round;
    }

    /// @notice The oldest round kept when `latest` is the newest (0 when nothing was served).
    function oldest(uint256 latest) internal pure returns (uint256) {
        return latest > SIZE ? latest - SIZE + 1 : (latest == 0 ? 0 : 1);
    }

    /// @notice The average served price over [now - window, now], each round weighted by the seconds it
    ///         was the served price in that window (rounded down); `covered` is how far back the kept
    ///         rounds reach, and `ok` is false when that is less than `window`.
    function timeWeighted(Round[ROUND_HISTORY_SIZE] storage ring, uint256 latest, uint256 window)
        internal
        view
        returns (bool ok, uint256 average, uint256 covered)
    {
        // a window reaching before time 0 is never covered: no round was served before it
        uint256 start = window < block.timestamp ? block.timestamp - window : 0;
        uint256 end = block.timestamp;
        uint256 sum = 0; // [wad * s]
        uint256 first = oldest(latest);
        for (uint256 round = latest; round >= first && round > 0; --round) {
            Round memory r = ring[round % SIZE];
            uint256 from = r.servedAt > start ? r.servedAt : start;
            sum += uint256(r.price) * (end - from);
            if (r.servedAt <= start && window < block.timestamp) return (true, sum / window, window);
            end = r.servedAt;
        }
        return (false, 0, block.timestamp - end);
    }
}
