"""The fast breaker path: breakerThreshold signers clear a tripped MedianOracle breaker at once (serving the
held candidate or keeping the served price), for the exact held update they approved, once."""

import pytest
from eth_account import Account

from bulwark.invariants import GRD_04, GRD_05
from bulwark.model.oracle import local_config
from bulwark.signing.approvals import clear_breaker_message, clear_breaker_request_id
from bulwark.signing.reports import feed_id, reporter_test_keys, sign_report, sort_reports
from bulwark.units import WAD
from tests.fixtures.guardian import GuardianHelper
from tests.helpers import event, reverts, view_reverts

FEED = feed_id("ETH/USD")
CONFIG = local_config()  # five reporters, quorum 3, one hostile key tolerated, 10% breaker
KEYS = sorted(reporter_test_keys(5), key=lambda k: int(Account.from_key(k).address, 16))
REPORTERS = [Account.from_key(k).address for k in KEYS]
SERVED, CANDIDATE, WALKED = 2000 * WAD, 2300 * WAD, 2310 * WAD


@pytest.fixture(scope="module")
def oracle(project, guardian, pause_guardian):
    """A MedianOracle whose guardian is the 3-of-5 `pause_guardian` (breakerThreshold 2)."""
    return guardian.deploy(project.MedianOracle, pause_guardian, FEED, "ETH / USD", tuple(CONFIG), REPORTERS)


def poke(helper, oracle, price, at, sender):
    """Reporters 0-2 report `price` observed at `at`, poked in a block at `at`."""
    epoch = oracle.nextEpoch()
    chain_id = helper.chain.chain_id
    reports = sort_reports(sign_report(k, chain_id, oracle.address, FEED, epoch, price, at) for k in KEYS[:3])
    helper.at(at)
    return oracle.poke(epoch, reports, sender=sender)


def trip(helper, oracle, sender) -> tuple[int, int]:
    """Serve SERVED, then a 15% jump trips the breaker and is held; returns (served at, held at)."""
    served_at = helper.now + 10
    poke(helper, oracle, SERVED, served_at, sender)
    held_at = served_at + 60
    poke(helper, oracle, CANDIDATE, held_at, sender)
    assert oracle.breaker()[:2] == (True, CANDIDATE)
    return served_at, held_at


def held_epoch(oracle) -> int:
    """The oracle's last accepted update: while tripped, the held candidate the signers look at."""
    return oracle.nextEpoch() - 1


def clear(helper, oracle, accept, epoch, signers, sender, valid_until=None):
    approvals = helper.approvals(clear_breaker_message(oracle.address, accept, epoch), signers, valid_until)
    return helper.guardian.clearBreaker(oracle.address, accept, epoch, approvals, sender=sender)


def test_breaker_threshold_signers_clear_a_tripped_breaker_serving_the_candidate(
    helper, oracle, guardian_signers, stranger
):
    """End to end: the tripped oracle refuses reads; two approvals relayed by anyone serve the held
    candidate in the same block; the guardian's event precedes the oracle's, and reads resume."""
    _, held_at = trip(helper, oracle, stranger)
    view_reverts(oracle.MedianOracleTripped, oracle.read, candidate=CANDIDATE)
    epoch = held_epoch(oracle)
    receipt = clear(helper, oracle, True, epoch, guardian_signers[:2], stranger)
    requested = event(receipt, "BreakerClearRequested")
    expected_approvers = sorted((s.address for s in guardian_signers[:2]), key=lambda a: int(a, 16))
    assert (requested.oracle, requested.acceptCandidate, requested.epoch, list(requested.approvers)) == (
        oracle.address,
        True,
        epoch,
        expected_approvers,
    )
    [cleared] = oracle.BreakerCleared.from_receipt(receipt)
    assert (cleared.price, cleared.updatedAt, cleared.byGuardian) == (CANDIDATE, held_at, True)
    assert requested.log_index < cleared.log_index
    assert oracle.read() == (CANDIDATE, held_at)
    assert not oracle.breaker()[0]
    assert helper.guardian.pauseRequestUsed(clear_breaker_request_id(oracle.address, True, epoch))


def test_breaker_threshold_signers_clear_a_tripped_breaker_keeping_the_served_price(
    helper, oracle, guardian_signers, stranger
):
    """acceptCandidate false drops the held candidate: reads resume at the price served before the trip."""
    served_at, _ = trip(helper, oracle, stranger)
    clear(helper, oracle, False, held_epoch(oracle), guardian_signers[1:3], stranger)
    assert oracle.read() == (SERVED, served_at)
    assert oracle.breaker()[:2] == (False, 0)


def test_one_approval_is_too_few_to_clear_a_breaker(helper, oracle, guardian_signers, stranger):
    """breakerThreshold is 2: one signer, relaying or calling, cannot clear; nor can a stranger alone."""
    trip(helper, oracle, stranger)
    epoch = held_epoch(oracle)
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        clear(helper, oracle, True, epoch, guardian_signers[:1], stranger)
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        helper.guardian.clearBreaker(oracle.address, True, epoch, [], sender=guardian_signers[0])
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=0, required=2):
        helper.guardian.clearBreaker(oracle.address, True, epoch, [], sender=stranger)
    assert oracle.breaker()[0], GRD_05


def test_a_signer_calling_with_one_approval_clears(helper, oracle, guardian_signers, stranger):
    """The caller's own approval counts towards breakerThreshold."""
    trip(helper, oracle, stranger)
    epoch = held_epoch(oracle)
    approvals = helper.approvals(clear_breaker_message(oracle.address, True, epoch), guardian_signers[:1])
    helper.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=guardian_signers[4])
    assert not oracle.breaker()[0]


def test_a_poke_after_the_approvals_voids_them(helper, oracle, guardian_signers, stranger):
    """Approvals name the held update the signers saw; a later held poke (a walked candidate) makes them
    revert with both epochs, so nobody serves a candidate the signers never looked at."""
    _, held_at = trip(helper, oracle, stranger)
    epoch = held_epoch(oracle)
    approvals = helper.approvals(clear_breaker_message(oracle.address, True, epoch), guardian_signers[:2])
    poke(helper, oracle, WALKED, held_at + 30, stranger)
    assert oracle.breaker()[:2] == (True, WALKED)
    with reverts(
        helper.guardian.PauseGuardianBreakerMoved, oracle=oracle.address, epoch=epoch, currentEpoch=epoch + 1
    ):
        helper.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=stranger)
    assert oracle.breaker()[:2] == (True, WALKED), GRD_05
    assert not helper.guardian.pauseRequestUsed(clear_breaker_request_id(oracle.address, True, epoch))


def test_clear_breaker_approvals_cannot_be_replayed(helper, oracle, guardian_signers, stranger):
    """Once used, the same approvals never run again: not on the cleared oracle, nor after it trips again."""
    _, held_at = trip(helper, oracle, stranger)
    epoch = held_epoch(oracle)
    message = clear_breaker_message(oracle.address, True, epoch)
    approvals = helper.approvals(message, guardian_signers[:2], valid_until=held_at + 86_400)
    helper.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=stranger)
    request = clear_breaker_request_id(oracle.address, True, epoch)
    with reverts(helper.guardian.PauseGuardianPauseReplayed, request=request):
        helper.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=stranger)
    poke(helper, oracle, SERVED, held_at + 120, stranger)  # a 13% drop from the served candidate: held
    assert oracle.breaker()[0]
    with reverts(helper.guardian.PauseGuardianPauseReplayed, request=request):
        helper.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=stranger)
    assert oracle.breaker()[:2] == (True, SERVED)


def test_clearing_a_breaker_that_is_not_tripped_reverts_in_the_oracle_and_spends_nothing(
    helper, oracle, guardian_signers, stranger
):
    """The oracle's own error comes back, and the request can still be used once the breaker trips."""
    poke(helper, oracle, SERVED, helper.now + 10, stranger)
    epoch = held_epoch(oracle)
    with reverts(oracle.MedianOracleNotTripped):
        clear(helper, oracle, True, epoch, guardian_signers[:2], stranger)
    assert not helper.guardian.pauseRequestUsed(clear_breaker_request_id(oracle.address, True, epoch))


def test_approvals_for_the_other_choice_do_not_clear(helper, oracle, guardian_signers, stranger):
    """Approving to serve the candidate is not approving to keep the old price: the signature fails."""
    trip(helper, oracle, stranger)
    epoch = held_epoch(oracle)
    approvals = helper.approvals(clear_breaker_message(oracle.address, True, epoch), guardian_signers[:2])
    with reverts(helper.guardian.PauseGuardianInvalidSignature, signer=approvals[0].signer):
        helper.guardian.clearBreaker(oracle.address, False, epoch, approvals, sender=stranger)
    assert oracle.breaker()[0]


def test_expired_clear_breaker_approvals_revert(helper, oracle, guardian_signers, stranger):
    """A clear approved until a second before its block is refused with the deadline."""
    trip(helper, oracle, stranger)
    epoch = held_epoch(oracle)
    at = helper.now + 5
    approvals = helper.approvals(
        clear_breaker_message(oracle.address, True, epoch), guardian_signers[:2], valid_until=at - 1
    )
    helper.at(at)
    with reverts(
        helper.guardian.PauseGuardianApprovalExpired,
        signer=approvals[0].signer,
        validUntil=at - 1,
        timestamp=at,
    ):
        helper.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=stranger)


def test_the_breaker_threshold_is_the_guardians_own(
    project, guardian, deploy_guardian, guardian_signers, chain, stranger
):
    """With breakerThreshold 3 (shiftPauseThreshold 2, threshold 4), two approvals cannot clear; three do."""
    pg = deploy_guardian(guardian_signers, threshold=4, breaker_threshold=3)
    feed = guardian.deploy(project.MedianOracle, pg, FEED, "ETH / USD", tuple(CONFIG), REPORTERS)
    h = GuardianHelper(pg, guardian_signers, chain, stranger)
    trip(h, feed, stranger)
    epoch = held_epoch(feed)
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        clear(h, feed, True, epoch, guardian_signers[:2], stranger)
    clear(h, feed, True, epoch, guardian_signers[:3], stranger)
    assert not feed.breaker()[0], GRD_05


def test_nobody_clears_the_breaker_around_the_guardian(helper, oracle, guardian_signers, stranger):
    """A signer calling the oracle directly is not its guardian (GRD-04)."""
    trip(helper, oracle, stranger)
    for caller in (guardian_signers[0], stranger):
        with reverts(oracle.GuardedNotGuardian, caller=caller.address):
            oracle.clearBreaker(True, sender=caller)
    assert oracle.breaker()[0], GRD_04
