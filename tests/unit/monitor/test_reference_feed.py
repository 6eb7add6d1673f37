"""The drills' ReferenceFeed (contracts/mocks/ReferenceFeed.sol): an owner-set AggregatorV3 round history,
standing in for an independent feed that MON-04 compares the oracle with."""

import pytest

from tests.helpers import reverts, view_reverts


@pytest.fixture(scope="module")
def feed(project, guardian):
    return guardian.deploy(project.ReferenceFeed, 8)


def test_each_answer_is_a_new_round_read_back_as_chainlink_reads_it(chain, guardian, feed):
    """Rounds count from 1; latestRoundData is the last round set, getRoundData any earlier one."""
    assert (feed.decimals(), feed.version(), feed.latestRound()) == (8, 1, 0)
    first = feed.setAnswer(2_000_00000000, sender=guardian)
    t1 = chain.blocks[first.block_number].timestamp
    second = feed.setAnswer(1_900_00000000, sender=guardian)
    t2 = chain.blocks[second.block_number].timestamp
    assert feed.latestRoundData() == (2, 1_900_00000000, t2, t2, 2)
    assert feed.getRoundData(1) == (1, 2_000_00000000, t1, t1, 1)


def test_only_the_owner_sets_an_answer(feed, stranger):
    before = feed.latestRound()
    with reverts(feed.ReferenceFeedNotOwner, caller=stranger.address):
        feed.setAnswer(1, sender=stranger)
    assert feed.latestRound() == before


def test_a_round_never_set_reverts_with_its_id(feed):
    """Round 0 (before any answer) and any round after the latest are refused, not read as zeros."""
    view_reverts(feed.ReferenceFeedNoRound, feed.getRoundData, 0, roundId=0)
    view_reverts(feed.ReferenceFeedNoRound, feed.getRoundData, 99, roundId=99)
