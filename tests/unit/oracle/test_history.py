"""Round history: getRoundData serves the last HISTORY served rounds exactly as they were served (the
latest with read()'s checks), and twap(window) averages the served price over the window, each price
weighted by how long it was served (from the block time of the poke that served it)."""

from __future__ import annotations

from bulwark.abi.scopes import OracleScope
from bulwark.model.oracle import HISTORY, Round, time_weighted
from tests.fixtures.oracle import CONFIG, usd
from tests.helpers import event, view_reverts

STEP = 60  # [s] between the pokes of a sequence: HISTORY + 2 of them stay well inside maxStaleness


def serve(helper, price: int, at: int, lag: int = 0) -> Round:
    """Serve `price` in a block at `at`, one report observed `lag` s earlier (so updatedAt = at - lag);
    returns the round as served, its number taken from the PriceUpdated event."""
    receipt = helper.poke([price] * 3, at, observed_at=[at - lag, at, at])
    assert helper.now == at
    served = event(receipt, "PriceUpdated")
    assert (served.price, served.updatedAt) == (price, at - lag)
    return Round(round=served.round, price=price, updated_at=at - lag, served_at=at)


def serve_sequence(helper, count: int, start: int | None = None) -> list[Round]:
    """Serve `count` rounds STEP s apart (the first at `start`, default 10 s after the last block), with
    distinct prices within maxDeviation of each other and distinct observation lags; oldest first."""
    start = helper.now + 10 if start is None else start
    return [
        serve(helper, usd(2000) + (i % 7) * usd(13) + i, start + i * STEP, lag=i % 5) for i in range(count)
    ]


def as_round_data(r: Round) -> tuple:
    """getRoundData of a kept round: (roundId, answer, startedAt, updatedAt, answeredInRound)."""
    return (r.round, r.price, r.updated_at, r.updated_at, r.round)


# ---------------------------------------------------------------- getRoundData


def test_the_history_keeps_thirty_two_rounds(oracle):
    """HISTORY is 32, as the Python model assumes."""
    assert oracle.HISTORY() == HISTORY == 32


def test_every_previous_round_is_returned_exactly_as_it_was_served(helper, oracle):
    """Six rounds with different prices and observation lags: each is returned with its own price and
    updatedAt (startedAt == updatedAt, answeredInRound == roundId); rounds count from 1."""
    rounds = serve_sequence(helper, 6)
    assert [r.round for r in rounds] == [1, 2, 3, 4, 5, 6]
    for r in rounds:
        assert oracle.getRoundData(r.round) == as_round_data(r)
    assert oracle.latestRoundData() == as_round_data(rounds[-1])


def test_rounds_more_than_history_back_are_evicted_with_the_kept_range_in_the_error(helper, oracle):
    """After 32 rounds round 1 is still kept; each further round evicts the oldest, which then reverts
    with MedianOracleRoundUnavailable(roundId, oldestRound, latestRound); every kept round is intact."""
    rounds = serve_sequence(helper, HISTORY)
    assert oracle.getRoundData(1) == as_round_data(rounds[0])
    last = rounds[-1]
    rounds.append(serve(helper, usd(2001), last.served_at + STEP))
    view_reverts(
        oracle.MedianOracleRoundUnavailable, oracle.getRoundData, 1, roundId=1, oldestRound=2, latestRound=33
    )
    assert oracle.getRoundData(2) == as_round_data(rounds[1])
    rounds.append(serve(helper, usd(2002), rounds[-1].served_at + STEP))
    for evicted in (1, 2):
        view_reverts(
            oracle.MedianOracleRoundUnavailable,
            oracle.getRoundData,
            evicted,
            roundId=evicted,
            oldestRound=3,
            latestRound=HISTORY + 2,
        )
    for r in rounds[2:]:
        assert oracle.getRoundData(r.round) == as_round_data(r)


def test_round_zero_and_rounds_not_served_yet_revert_with_the_kept_range(helper, oracle):
    """Before any price every round is unavailable (range 0-0); after two rounds, round 0, round 3 and
    the largest uint80 revert with the kept range 1-2."""
    for round_id in (0, 1):
        view_reverts(
            oracle.MedianOracleRoundUnavailable,
            oracle.getRoundData,
            round_id,
            roundId=round_id,
            oldestRound=0,
            latestRound=0,
        )
    serve_sequence(helper, 2)
    for round_id in (0, 3, 2**80 - 1):
        view_reverts(
            oracle.MedianOracleRoundUnavailable,
            oracle.getRoundData,
            round_id,
            roundId=round_id,
            oldestRound=1,
            latestRound=2,
        )


def test_older_rounds_are_served_as_recorded_while_the_latest_is_stale(helper, oracle):
    """Once the latest price is stale, it reverts with MedianOracleStale through getRoundData and
    latestRoundData alike; the previous round is still returned as it was served."""
    first, second = serve_sequence(helper, 2)
    helper.mine_at(second.updated_at + CONFIG.maxStaleness + 1)
    stale = dict(age=CONFIG.maxStaleness + 1, maxStaleness=CONFIG.maxStaleness)
    view_reverts(oracle.MedianOracleStale, oracle.getRoundData, 2, **stale)
    view_reverts(oracle.MedianOracleStale, oracle.latestRoundData, **stale)
    assert oracle.getRoundData(1) == as_round_data(first)


def test_a_held_candidate_gets_no_round_and_older_rounds_are_served_while_tripped(helper, oracle, guardian):
    """A median the breaker holds is not a round: round 3 is unavailable and the latest round (2) reverts
    with MedianOracleTripped, while round 1 is served as recorded. When the guardian serves the candidate
    it becomes round 3, with the candidate's updatedAt."""
    first, second = serve_sequence(helper, 2)
    tripped_at = second.served_at + STEP
    helper.poke([usd(2500)] * 3, tripped_at, observed_at=tripped_at - 7)
    view_reverts(
        oracle.MedianOracleTripped, oracle.getRoundData, 2, candidate=usd(2500), trippedAt=tripped_at
    )
    view_reverts(
        oracle.MedianOracleTripped, oracle.latestRoundData, candidate=usd(2500), trippedAt=tripped_at
    )
    view_reverts(
        oracle.MedianOracleRoundUnavailable, oracle.getRoundData, 3, roundId=3, oldestRound=1, latestRound=2
    )
    assert oracle.getRoundData(1) == as_round_data(first)
    helper.at(tripped_at + 30)
    oracle.clearBreaker(True, sender=guardian)
    assert oracle.getRoundData(2) == as_round_data(second)
    assert oracle.getRoundData(3) == (3, usd(2500), tripped_at - 7, tripped_at - 7, 3)


def test_nothing_is_served_while_reads_are_paused(helper, oracle, guardian):
    """With READ paused, every round (kept, latest or unavailable) and twap revert with GuardedPaused;
    at the pause's expiry the history is served again."""
    first, second = serve_sequence(helper, 2)
    until = second.served_at + 600
    helper.at(second.served_at + 1)
    oracle.setPause(OracleScope.READ, until, sender=guardian)
    for round_id in (0, 1, 2, 3):
        view_reverts(
            oracle.GuardedPaused, oracle.getRoundData, round_id, scope=OracleScope.READ, pausedUntil=until
        )
    view_reverts(oracle.GuardedPaused, oracle.twap, STEP, scope=OracleScope.READ, pausedUntil=until)
    helper.mine_at(until)
    assert oracle.getRoundData(1) == as_round_data(first)
    assert oracle.getRoundData(2) == as_round_data(second)
    assert oracle.twap(STEP) == second.price


# ---------------------------------------------------------------- twap


def test_twap_matches_a_hand_computed_time_weighted_average(helper, oracle):
    """2000 served at t0, 2100 at t0 + 100 (observed 40 s earlier: the weight runs from the block that
    served it, not from its observation), 2050 at t0 + 300; read at t0 + 400."""
    t0 = helper.now + 10
    history = [
        serve(helper, usd(2000), t0),
        serve(helper, usd(2100), t0 + 100, lag=40),
        serve(helper, usd(2050), t0 + 300),
    ]
    now = helper.mine_at(t0 + 400)
    # (2000 * 50 + 2100 * 200 + 2050 * 100) / 350 = 725000 / 350 = 2071.428571428571428571428...
    assert oracle.twap(350) == 2071_428571428571428571
    # (2000 * 100 + 2100 * 200 + 2050 * 100) / 400 = 825000 / 400 = 2062.5, exactly
    assert oracle.twap(400) == 2062_500000000000000000
    # (2100 * 50 + 2050 * 100) / 150 = 310000 / 150 = 2066.666...
    assert oracle.twap(150) == 2066_666666666666666666
    assert oracle.twap(100) == usd(2050)  # inside the latest round
    for window in (100, 150, 350, 400):
        assert oracle.twap(window) == time_weighted(history, now, window)


def test_twap_equals_the_model_time_weighted_average_for_every_window(helper, oracle):
    """Eight rounds at irregular times: for windows from 1 s to exactly the covered span, twap equals
    bulwark.model.oracle.time_weighted over the served prices and their block times."""
    history, at = [], helper.now + 10
    for i, gap in enumerate((0, 37, 1, 250, 90, 13, 400, 61)):
        at += gap
        lag = i % 3 if gap > 3 else 0  # an observation never precedes the last update's
        history.append(serve(helper, usd(1900) + i * usd(29) + 3 * i, at, lag=lag))
    now = helper.mine_at(at + 45)
    covered = now - history[0].served_at
    windows = sorted({1, 44, 45, 46, 100, 500, 851, covered - 1, covered})
    for window in windows:
        expected = time_weighted(history, now, window)
        assert expected is not None
        assert oracle.twap(window) == expected, window


def test_a_held_candidate_is_not_averaged_until_it_is_served(helper, oracle, guardian):
    """While the breaker holds 2500, 2000 stays the served price and fills the window; the guardian
    keeping 2000 adds nothing, and serving 2500 later weights it from the guardian's block."""
    t0 = helper.now + 10
    history = [serve(helper, usd(2000), t0)]
    helper.poke([usd(2500)] * 3, t0 + 100)  # trips
    helper.at(t0 + 200)
    oracle.clearBreaker(False, sender=guardian)
    now = helper.mine_at(t0 + 300)
    assert oracle.twap(300) == usd(2000) == time_weighted(history, now, 300)
    helper.poke([usd(2500)] * 3, t0 + 400)  # trips again
    helper.at(t0 + 500)
    oracle.clearBreaker(True, sender=guardian)
    history.append(Round(round=2, price=usd(2500), updated_at=t0 + 400, served_at=t0 + 500))
    now = helper.mine_at(t0 + 600)
    assert oracle.twap(600) == (usd(2000) * 500 + usd(2500) * 100) // 600 == time_weighted(history, now, 600)


def test_twap_reverts_history_too_short_when_the_window_reaches_before_the_first_round(helper, oracle):
    """Three rounds: a window reaching exactly the first round's block is served; one second more
    reverts with MedianOracleHistoryTooShort(window, covered)."""
    history = serve_sequence(helper, 3)
    now = helper.mine_at(history[-1].served_at + 30)
    covered = now - history[0].served_at
    assert oracle.twap(covered) == time_weighted(history, now, covered)
    view_reverts(
        oracle.MedianOracleHistoryTooShort, oracle.twap, covered + 1, window=covered + 1, covered=covered
    )
    view_reverts(oracle.MedianOracleHistoryTooShort, oracle.twap, 10**6, window=10**6, covered=covered)


def test_twap_reverts_history_too_short_when_the_window_reaches_before_the_oldest_kept_round(helper, oracle):
    """HISTORY + 2 rounds: the window may reach back to the block that served the oldest kept round
    (round 3), not further: rounds 1 and 2 are evicted and no longer count."""
    history = serve_sequence(helper, HISTORY + 2)
    now = helper.mine_at(history[-1].served_at + 30)
    covered = now - history[2].served_at
    assert oracle.twap(covered) == time_weighted(history, now, covered)
    assert time_weighted(history, now, covered + 1) is None
    view_reverts(
        oracle.MedianOracleHistoryTooShort, oracle.twap, covered + 1, window=covered + 1, covered=covered
    )


def test_twap_reverts_history_too_short_for_a_zero_window(helper, oracle):
    """A zero window has no average: MedianOracleHistoryTooShort(0, 0)."""
    serve_sequence(helper, 2)
    view_reverts(oracle.MedianOracleHistoryTooShort, oracle.twap, 0, window=0, covered=0)


def test_twap_reports_the_real_coverage_for_a_window_longer_than_the_chain(helper, oracle):
    """MedianOracleHistoryTooShort's `covered` is documented as the seconds the history covers; for a
    window longer than block.timestamp it should still say so (here: STEP + 40 s)."""
    history = serve_sequence(helper, 2)
    now = helper.mine_at(history[-1].served_at + 40)
    window = now + 1
    covered = now - history[0].served_at
    view_reverts(oracle.MedianOracleHistoryTooShort, oracle.twap, window, window=window, covered=covered)


def test_twap_has_the_checks_of_read(helper, oracle):
    """No price: MedianOracleNoPrice. A stale latest price: MedianOracleStale, even for a window the
    history covers. A tripped breaker: MedianOracleTripped. (A READ pause: see the pause test.)"""
    view_reverts(oracle.MedianOracleNoPrice, oracle.twap, 60)
    history = serve_sequence(helper, 2)
    latest = history[-1]
    helper.mine_at(latest.updated_at + CONFIG.maxStaleness)
    assert oracle.twap(60) == latest.price  # exactly maxStaleness old: still served
    helper.mine_at(latest.updated_at + CONFIG.maxStaleness + 1)
    view_reverts(
        oracle.MedianOracleStale,
        oracle.twap,
        60,
        age=CONFIG.maxStaleness + 1,
        maxStaleness=CONFIG.maxStaleness,
    )
    fresh = serve(helper, latest.price, helper.now + 10)
    tripped_at = fresh.served_at + 10
    helper.poke([usd(3000)] * 3, tripped_at)
    view_reverts(oracle.MedianOracleTripped, oracle.twap, 5, candidate=usd(3000), trippedAt=tripped_at)
