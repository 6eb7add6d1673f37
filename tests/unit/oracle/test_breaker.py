"""The deviation breaker: a median further than maxDeviation from the served price is held, not served,
until the move reverts, a level that held for confirmDelay is confirmed, or the guardian decides."""

import pytest

from bulwark.invariants import ORA_07
from bulwark.model.oracle import OK, TRIPPED
from tests.fixtures.oracle import CONFIG, usd
from tests.helpers import event, reverts, view_reverts

NOT_TRIPPED = (False, 0, 0, 0, 0, 0)  # tripped, candidate, candidateAt, trippedAt, level, levelSince


def trip(helper):
    """Serve 2000, then poke 2300 (+15%) 60 s later; returns (served at, tripped at)."""
    t0 = helper.serve(usd(2000))
    t1 = helper.serve(usd(2300), t0 + 60)
    return t0, t1


def test_a_move_of_exactly_max_deviation_is_served(helper, oracle):
    """2000 -> 2200 is a 10% move, equal to maxDeviation: served, breaker untouched."""
    t0 = helper.serve(usd(2000))
    receipt = helper.poke([usd(2200)] * 3, t0 + 60)
    assert not [e for e in receipt.events if e.event_name == "BreakerTripped"]
    assert oracle.latest() == (usd(2200), t0 + 60, OK)
    assert oracle.breaker() == NOT_TRIPPED


@pytest.mark.parametrize(
    ("candidate", "deviation"),
    [(usd(2200) + 1, CONFIG.maxDeviation + 1), (usd(2300), 15 * 10**16), (usd(1700), 15 * 10**16)],
    ids=["one-wei-beyond", "up-15pct", "down-15pct"],
)
def test_a_move_beyond_max_deviation_trips_the_breaker(helper, oracle, candidate, deviation):
    """The median is held as the candidate, the old price stays, reads report Tripped; the deviation in
    the event is rounded up (against serving)."""
    t0 = helper.serve(usd(2000))
    t1 = t0 + 60
    receipt = helper.poke([candidate] * 3, t1)
    tripped = event(receipt, "BreakerTripped")
    assert (tripped.servedPrice, tripped.candidate, tripped.deviation, tripped.trippedAt) == (
        usd(2000),
        candidate,
        deviation,
        t1,
    )
    assert not [e for e in receipt.events if e.event_name == "PriceUpdated"]
    assert oracle.breaker() == (True, candidate, t1, t1, candidate, t1)
    assert oracle.latest() == (usd(2000), t0, TRIPPED)
    view_reverts(oracle.MedianOracleTripped, oracle.read, candidate=candidate, trippedAt=t1)
    view_reverts(oracle.MedianOracleTripped, oracle.latestRoundData, candidate=candidate, trippedAt=t1)


def test_candidate_time_is_the_oldest_observation_of_its_poke(helper, oracle):
    """breaker() reports candidateAt (the poke's updatedAt) apart from trippedAt (the block time)."""
    t0 = helper.serve(usd(2000))
    t1 = t0 + 60
    helper.poke([usd(2300)] * 3, t1, observed_at=[t1 - 20, t1 - 5, t1])
    assert oracle.breaker() == (True, usd(2300), t1 - 20, t1, usd(2300), t1)


def test_a_poke_back_within_tolerance_of_the_served_price_clears_the_breaker(helper, oracle):
    """The move reverted: the new median (near the old price) is served and the breaker clears."""
    _, t1 = trip(helper)
    t2 = t1 + 30  # long before confirmDelay: reverting needs no wait
    receipt = helper.poke([usd(2100)] * 3, t2)
    cleared = event(receipt, "BreakerCleared")
    assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (usd(2100), t2, False)
    assert event(receipt, "PriceUpdated").price == usd(2100)
    assert oracle.breaker() == NOT_TRIPPED
    assert oracle.latest() == (usd(2100), t2, OK)
    assert oracle.read() == (usd(2100), t2)


def test_the_new_level_is_confirmed_only_after_confirm_delay(helper, oracle):
    """Near the level one second before confirmDelay: still held (the candidate follows, the level and
    its wait do not restart); at confirmDelay: served and cleared."""
    _, t1 = trip(helper)
    early = t1 + CONFIG.confirmDelay - 1
    receipt = helper.poke([usd(2310)] * 3, early)
    updated = event(receipt, "BreakerCandidateUpdated")
    assert (updated.candidate, updated.level, updated.levelSince) == (usd(2310), usd(2300), t1)
    assert oracle.breaker() == (True, usd(2310), early, t1, usd(2300), t1)
    assert oracle.latest()[2] == TRIPPED

    on_time = t1 + CONFIG.confirmDelay
    receipt = helper.poke([usd(2320)] * 3, on_time)
    cleared = event(receipt, "BreakerCleared")
    assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (usd(2320), on_time, False)
    assert oracle.breaker() == NOT_TRIPPED
    assert oracle.latest() == (usd(2320), on_time, OK)


def test_a_new_level_while_tripped_becomes_the_candidate_and_restarts_the_wait(helper, oracle):
    """Far from both the served price and the candidate: held as the new candidate, tripped anew."""
    t0, t1 = trip(helper)
    t2 = t1 + 300
    receipt = helper.poke([usd(3000)] * 3, t2)
    updated = event(receipt, "BreakerCandidateUpdated")
    assert (updated.candidate, updated.level, updated.levelSince) == (usd(3000), usd(3000), t2)
    assert oracle.breaker() == (True, usd(3000), t2, t1, usd(3000), t2)
    # confirmDelay after the first trip is not enough any more
    helper.poke([usd(3000)] * 3, t1 + CONFIG.confirmDelay)
    assert oracle.breaker() == (True, usd(3000), t1 + CONFIG.confirmDelay, t1, usd(3000), t2), ORA_07
    assert oracle.latest() == (usd(2000), t0, TRIPPED)
    helper.poke([usd(3000)] * 3, t2 + CONFIG.confirmDelay)
    assert oracle.breaker() == NOT_TRIPPED
    assert oracle.latest() == (usd(3000), t2 + CONFIG.confirmDelay, OK)


def test_a_walked_candidate_restarts_the_wait_and_is_never_confirmed_early(helper, oracle):
    """The review's walk 2,500 -> 2,740 -> 3,010 -> 3,300 -> 3,600, each step within maxDeviation of the
    last: confirmation needs a level that held, so leaving the level (2,500 -> 3,010 is +20%) restarts the
    wait, and at trippedAt + confirmDelay nothing is served (ORA-07)."""
    t0 = helper.serve(usd(2000))
    t1 = t0 + 60
    helper.poke([usd(2500)] * 3, t1)  # +25%: trips, level 2,500
    walk = [(2740, 2500, t1), (3010, 3010, t1 + 300), (3300, 3010, t1 + 300), (3600, 3600, t1 + 600)]
    for step, (price, level, since) in enumerate(walk, start=1):
        at = t1 + 150 * step
        receipt = helper.poke([usd(price)] * 3, at)
        updated = event(receipt, "BreakerCandidateUpdated")
        assert (updated.candidate, updated.level, updated.levelSince) == (usd(price), usd(level), since), (
            ORA_07
        )
    assert oracle.latest() == (usd(2000), t0, TRIPPED), ORA_07
    # the last level held: confirmed confirmDelay after it was set, not before
    helper.poke([usd(3610)] * 3, t1 + 600 + CONFIG.confirmDelay - 1)
    assert oracle.latest()[2] == TRIPPED, ORA_07
    helper.poke([usd(3620)] * 3, t1 + 600 + CONFIG.confirmDelay)
    assert oracle.latest() == (usd(3620), t1 + 600 + CONFIG.confirmDelay, OK)


def test_a_level_that_held_resumes_reads_at_the_first_honest_update_after_confirm_delay(helper, oracle):
    """A genuine 15% move reported honestly, with noise inside maxDeviation of the level: read() resumes
    at the first update at least confirmDelay after the trip."""
    t0 = helper.serve(usd(2000))
    t1 = t0 + 60
    helper.poke([usd(1700), usd(1705), usd(1695)], t1)
    for k, noise in enumerate([1710, 1690, 1702], start=1):
        helper.poke([usd(noise)] * 3, t1 + 150 * k)
        assert oracle.latest()[2] == TRIPPED
    helper.poke([usd(1698)] * 3, t1 + CONFIG.confirmDelay)
    assert oracle.read() == (usd(1698), t1 + CONFIG.confirmDelay), ORA_07


def test_guardian_clears_the_breaker_serving_the_candidate(helper, oracle, guardian):
    """clearBreaker(true) serves the candidate with its own time, as a new round."""
    _, t1 = trip(helper)
    helper.at(t1 + 10)
    receipt = oracle.clearBreaker(True, sender=guardian)
    cleared = event(receipt, "BreakerCleared")
    assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (usd(2300), t1, True)
    updated = event(receipt, "PriceUpdated")
    assert (updated.round, updated.price, updated.reports) == (2, usd(2300), 0)
    assert oracle.breaker() == NOT_TRIPPED
    assert oracle.latest() == (usd(2300), t1, OK)


def test_guardian_clears_the_breaker_keeping_the_old_price(helper, oracle, guardian):
    """clearBreaker(false) drops the candidate and serves the old price again."""
    t0, t1 = trip(helper)
    helper.at(t1 + 10)
    receipt = oracle.clearBreaker(False, sender=guardian)
    cleared = event(receipt, "BreakerCleared")
    assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (usd(2000), t0, True)
    assert not [e for e in receipt.events if e.event_name == "PriceUpdated"]
    assert oracle.breaker() == NOT_TRIPPED
    assert oracle.latest() == (usd(2000), t0, OK)
    assert oracle.latestRoundData()[0] == 1


def test_clearing_a_breaker_that_is_not_tripped_reverts(helper, oracle, guardian):
    """There is nothing to clear, with or without a price."""
    with reverts(oracle.MedianOracleNotTripped):
        oracle.clearBreaker(True, sender=guardian)
    helper.serve(usd(2000))
    with reverts(oracle.MedianOracleNotTripped):
        oracle.clearBreaker(False, sender=guardian)
