"""Fast reporter suspensions: pauseThreshold signers suspend a MedianOracle reporter key at once while the
oracle has a spare key (shiftPauseThreshold past that), bounded, self-expiring, unreplayable, never
touching a running suspension; lifting or extending: the timelock."""

import pytest
from eth_account import Account

from bulwark.invariants import GRD_05, ORA_08
from bulwark.model.oracle import local_config
from bulwark.signing.approvals import operation_id, suspend_reporter_message, suspend_request_id
from bulwark.signing.reports import feed_id, reporter_test_keys, sign_report, sort_reports
from bulwark.units import WAD
from tests.fixtures.guardian import SALT, GuardianHelper
from tests.helpers import event, reverts

FEED = feed_id("ETH/USD")
PRICE = 2000 * WAD
CONFIG = local_config(maxPrice=10**24)
# the five test reporters' keys, sorted by address: reporter i < reporter j for i < j
KEYS = sorted(reporter_test_keys(5), key=lambda k: int(Account.from_key(k).address, 16))
REPORTERS = [Account.from_key(k).address for k in KEYS]


@pytest.fixture(scope="module")
def oracle(project, guardian, pause_guardian):
    """A MedianOracle (quorum 3 of 5 reporters, one hostile key tolerated) whose guardian is the
    3-of-5 `pause_guardian` (pause threshold 1)."""
    return guardian.deploy(project.MedianOracle, pause_guardian, FEED, "ETH / USD", tuple(CONFIG), REPORTERS)


def poke(helper, oracle, indices, at, sender):
    """Reporters `indices` report PRICE observed at `at`, poked in a block at `at`."""
    epoch = oracle.nextEpoch()
    signed = (
        sign_report(KEYS[i], helper.chain.chain_id, oracle.address, FEED, epoch, PRICE, at) for i in indices
    )
    reports = sort_reports(signed)
    helper.at(at)
    return oracle.poke(epoch, reports, sender=sender)


def suspend(helper, oracle, reporter, until, signers, sender, valid_until=None):
    approvals = helper.approvals(
        suspend_reporter_message(oracle.address, reporter, until), signers, valid_until
    )
    return helper.guardian.suspendReporter(oracle.address, reporter, until, approvals, sender=sender)


def suspensions(oracle) -> list[int]:
    return [oracle.suspendedUntil(r) for r in REPORTERS]


def test_one_signer_suspends_a_reporter_at_once_and_the_event_says_who(
    helper, oracle, guardian_signers, stranger
):
    """pauseThreshold is 1: one signer's approval, relayed by anyone, suspends the key in the same block."""
    until = helper.now + 3600
    receipt = suspend(helper, oracle, REPORTERS[1], until, guardian_signers[:1], stranger)
    requested = event(receipt, "ReporterSuspensionRequested")
    assert (requested.oracle, requested.reporter, requested.until, list(requested.approvers)) == (
        oracle.address,
        REPORTERS[1],
        until,
        [guardian_signers[0].address],
    )
    [suspended] = oracle.ReporterSuspended.from_receipt(receipt)
    assert (suspended.reporter, suspended.until) == (REPORTERS[1], until)
    assert requested.log_index < suspended.log_index  # the guardian's event precedes the oracle call
    assert suspensions(oracle) == [0, until, 0, 0, 0]
    assert helper.guardian.pauseRequestUsed(suspend_request_id(oracle.address, REPORTERS[1], until))


def test_a_signer_suspends_directly_without_any_signature(helper, oracle, guardian_signers):
    """The caller's own approval is enough on the fast path."""
    until = helper.now + 3600
    helper.guardian.suspendReporter(oracle.address, REPORTERS[0], until, [], sender=guardian_signers[2])
    assert oracle.suspendedUntil(REPORTERS[0]) == until


def test_a_poke_with_the_suspended_reporter_reverts_and_one_without_it_is_served(
    helper, oracle, guardian_signers, stranger
):
    """The suspended key's report voids the batch; the other reporters still reach quorum."""
    until = helper.now + 3600
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, [], sender=guardian_signers[0])
    at = helper.now + 10
    with reverts(oracle.MedianOracleReporterSuspended, reporter=REPORTERS[1], suspendedUntil=until):
        poke(helper, oracle, [0, 1, 2], at, stranger)
    poke(helper, oracle, [0, 2, 3], at, stranger)
    assert oracle.read() == (PRICE, at), ORA_08


def test_after_the_suspension_ends_the_reporter_counts_again(helper, oracle, guardian_signers, stranger):
    """At its `until` the key's reports count with no transaction from anyone; it may be suspended anew."""
    until = helper.now + 600
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, [], sender=guardian_signers[0])
    with reverts(oracle.MedianOracleReporterSuspended, reporter=REPORTERS[1], suspendedUntil=until):
        poke(helper, oracle, [0, 1, 2], until - 1, stranger)
    poke(helper, oracle, [0, 1, 2], until, stranger)
    assert oracle.read() == (PRICE, until), ORA_08
    again = until + 3600
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], again, [], sender=guardian_signers[1])
    assert oracle.suspendedUntil(REPORTERS[1]) == again


def test_suspension_ending_now_or_in_the_past_reverts(helper, oracle, guardian_signers):
    """A suspension that would end now suspends nothing, and the fast path cannot lift one."""
    now = helper.at(helper.now + 10)
    for until in (now, now - 1):
        helper.at(now)
        with reverts(helper.guardian.PauseGuardianPauseInPast, until=until, timestamp=now):
            helper.guardian.suspendReporter(
                oracle.address, REPORTERS[0], until, [], sender=guardian_signers[0]
            )
    assert suspensions(oracle) == [0] * 5


def test_suspension_longer_than_the_maximum_reverts(helper, oracle, guardian_signers):
    """A suspension ends at most MAX_PAUSE_DURATION from now."""
    now = helper.at(helper.now + 10)
    max_until = now + helper.guardian.MAX_PAUSE_DURATION()
    with reverts(helper.guardian.PauseGuardianPauseTooLong, until=max_until + 1, maxUntil=max_until):
        helper.guardian.suspendReporter(
            oracle.address, REPORTERS[0], max_until + 1, [], sender=guardian_signers[0]
        )
    helper.at(now)
    helper.guardian.suspendReporter(oracle.address, REPORTERS[0], max_until, [], sender=guardian_signers[0])
    assert oracle.suspendedUntil(REPORTERS[0]) == max_until


def test_fast_path_cannot_touch_a_running_suspension(helper, oracle, guardian_signers, stranger):
    """A second fast-path request for a suspended key, longer or shorter, by another signer, is refused."""
    until = helper.now + 3600
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, [], sender=guardian_signers[0])
    for other in (until + 3600, until - 60):
        with reverts(
            helper.guardian.PauseGuardianAlreadySuspended,
            oracle=oracle.address,
            reporter=REPORTERS[1],
            suspendedUntil=until,
        ):
            suspend(helper, oracle, REPORTERS[1], other, guardian_signers[1:2], stranger)
    assert suspensions(oracle) == [0, until, 0, 0, 0]


def test_suspension_approvals_cannot_be_replayed(helper, oracle, guardian_signers, stranger):
    """After an early lift through the timelock, the same signed suspension (still valid) cannot run again."""
    until = helper.now + 3 * 86_400
    message = suspend_reporter_message(oracle.address, REPORTERS[1], until)
    approvals = helper.approvals(message, guardian_signers[:1], valid_until=until)
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, approvals, sender=stranger)
    helper.run([helper.call(oracle, "suspendReporter", REPORTERS[1], 0)])
    assert oracle.suspendedUntil(REPORTERS[1]) == 0
    request = suspend_request_id(oracle.address, REPORTERS[1], until)
    with reverts(helper.guardian.PauseGuardianPauseReplayed, request=request):
        helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, approvals, sender=stranger)
    assert oracle.suspendedUntil(REPORTERS[1]) == 0


def test_a_non_signer_cannot_suspend(helper, oracle, stranger):
    """Zero approvals are fewer than one, and a non-signer's signature is no approval."""
    until = helper.now + 3600
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=0, required=1):
        helper.guardian.suspendReporter(oracle.address, REPORTERS[0], until, [], sender=stranger)
    approvals = helper.approvals(suspend_reporter_message(oracle.address, REPORTERS[0], until), [stranger])
    with reverts(helper.guardian.PauseGuardianNotSigner, account=stranger.address):
        helper.guardian.suspendReporter(oracle.address, REPORTERS[0], until, approvals, sender=stranger)
    assert suspensions(oracle) == [0] * 5


def test_suspension_needs_pause_threshold_approvals(
    project, guardian, deploy_guardian, guardian_signers, chain, stranger
):
    """With pauseThreshold 2 (threshold 3), one approval is too few and two suspend."""
    pg = deploy_guardian(guardian_signers, pause_threshold=2)
    feed = guardian.deploy(project.MedianOracle, pg, FEED, "ETH / USD", tuple(CONFIG), REPORTERS)
    helper = GuardianHelper(pg, guardian_signers, chain, stranger)
    until = helper.now + 3600
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        suspend(helper, feed, REPORTERS[0], until, guardian_signers[:1], stranger)
    receipt = suspend(helper, feed, REPORTERS[0], until, guardian_signers[:2], stranger)
    assert len(event(receipt, "ReporterSuspensionRequested").approvers) == 2
    assert feed.suspendedUntil(REPORTERS[0]) == until


def test_suspending_an_address_that_is_not_a_reporter_reverts_in_the_oracle(
    helper, oracle, guardian_signers, stranger
):
    """The oracle refuses a non-reporter and the request is not spent."""
    until = helper.now + 3600
    with reverts(oracle.MedianOracleReporterMembership, reporter=stranger.address, isReporter=False):
        helper.guardian.suspendReporter(
            oracle.address, stranger.address, until, [], sender=guardian_signers[0]
        )
    assert not helper.guardian.pauseRequestUsed(suspend_request_id(oracle.address, stranger.address, until))


def test_a_suspension_that_would_break_quorum_reverts_and_changes_nothing(
    helper, oracle, guardian_signers, stranger
):
    """Two of five keys may be suspended (the second with shiftPauseThreshold signers); a third would leave
    two, below quorum 3. Nothing changes, and the same signed request runs once the quorum allows it."""
    now = helper.now
    first, second = now + 600, now + 3 * 86_400
    helper.guardian.suspendReporter(oracle.address, REPORTERS[0], first, [], sender=guardian_signers[0])
    suspend(helper, oracle, REPORTERS[1], second, guardian_signers[:2], stranger)
    until = now + 7200
    message = suspend_reporter_message(oracle.address, REPORTERS[2], until)
    approvals = helper.approvals(message, guardian_signers[1:3], valid_until=until)
    request = suspend_request_id(oracle.address, REPORTERS[2], until)
    with reverts(oracle.MedianOracleSuspensionBreaksQuorum, reporter=REPORTERS[2], unsuspended=2, quorum=3):
        helper.guardian.suspendReporter(oracle.address, REPORTERS[2], until, approvals, sender=stranger)
    assert suspensions(oracle) == [first, second, 0, 0, 0]
    assert not helper.guardian.pauseRequestUsed(request)
    poke(helper, oracle, [2, 3, 4], helper.now + 10, stranger)  # the three unsuspended keys still serve
    helper.at(first)  # reporter 0 counts again: the same approvals now suspend reporter 2
    helper.guardian.suspendReporter(oracle.address, REPORTERS[2], until, approvals, sender=stranger)
    assert suspensions(oracle) == [first, second, until, 0, 0]
    assert helper.guardian.pauseRequestUsed(request)


def test_lifting_early_goes_only_through_the_timelock(helper, oracle, guardian_signers, stranger):
    """Nobody calls the oracle directly; suspendReporter(r, 0) as an operation lifts only from its ETA."""
    until = helper.now + 3 * 86_400
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, [], sender=guardian_signers[0])
    for caller in (guardian_signers[0], stranger):
        with reverts(oracle.GuardedNotGuardian, caller=caller.address):
            oracle.suspendReporter(REPORTERS[1], 0, sender=caller)
    calls = [helper.call(oracle, "suspendReporter", REPORTERS[1], 0)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta - 1)
    with reverts(
        helper.guardian.PauseGuardianOperationNotReady,
        id=operation_id(calls, SALT),
        eta=eta,
        timestamp=eta - 1,
    ):
        helper.guardian.execute(calls, SALT, sender=stranger)
    assert oracle.suspendedUntil(REPORTERS[1]) == until
    helper.at(eta)
    receipt = helper.guardian.execute(calls, SALT, sender=stranger)
    [lifted] = oracle.ReporterSuspended.from_receipt(receipt)
    assert (lifted.reporter, lifted.until) == (REPORTERS[1], 0)
    assert suspensions(oracle) == [0] * 5
    poke(helper, oracle, [0, 1, 2], eta + 10, stranger)
    assert oracle.read() == (PRICE, eta + 10)


def test_extending_goes_through_the_timelock(helper, oracle, guardian_signers):
    """A running suspension ends later only by an operation: suspendReporter(r, later) after the delay."""
    until = helper.now + 3 * 86_400
    helper.guardian.suspendReporter(oracle.address, REPORTERS[1], until, [], sender=guardian_signers[0])
    later = until + 86_400
    helper.run([helper.call(oracle, "suspendReporter", REPORTERS[1], later)])
    assert oracle.suspendedUntil(REPORTERS[1]) == later


def test_the_oracle_counts_its_spare_reporters(helper, oracle, guardian_signers):
    """Five reporters, quorum 3, one hostile key tolerated: one key is spare (the other four reach quorum
    with one of them silent); none while one is suspended; one again when the suspension ends."""
    assert oracle.spareReporters() == 1
    until = helper.now + 600
    helper.guardian.suspendReporter(oracle.address, REPORTERS[3], until, [], sender=guardian_signers[0])
    assert oracle.spareReporters() == 0
    helper.mine_at(until)
    assert oracle.spareReporters() == 1


def test_a_suspension_past_the_spare_keys_needs_shift_pause_threshold_approvals(
    helper, oracle, guardian_signers, stranger
):
    """One signer suspends the one spare key; a second suspension could let the tolerated hostile key halt
    the feed by going silent (a halted feed halts liquidations), so it needs two approvals."""
    now = helper.now
    suspend(helper, oracle, REPORTERS[0], now + 3600, guardian_signers[:1], stranger)
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        suspend(helper, oracle, REPORTERS[1], now + 3600, guardian_signers[1:2], stranger)
    assert suspensions(oracle) == [now + 3600, 0, 0, 0, 0], GRD_05
    receipt = suspend(helper, oracle, REPORTERS[1], now + 3600, guardian_signers[1:3], stranger)
    assert len(event(receipt, "ReporterSuspensionRequested").approvers) == 2
    assert suspensions(oracle) == [now + 3600, now + 3600, 0, 0, 0], GRD_05


def test_without_a_spare_key_every_fast_suspension_needs_shift_pause_threshold_approvals(
    project, guardian, pause_guardian, guardian_signers, chain, stranger
):
    """Quorum 4 of 5 tolerating one hostile key has no spare key: even the first suspension needs two."""
    feed = guardian.deploy(
        project.MedianOracle, pause_guardian, FEED, "ETH / USD", tuple(local_config(quorum=4)), REPORTERS
    )
    helper = GuardianHelper(pause_guardian, guardian_signers, chain, stranger)
    assert feed.spareReporters() == 0
    until = helper.now + 3600
    with reverts(pause_guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        suspend(helper, feed, REPORTERS[0], until, guardian_signers[:1], stranger)
    suspend(helper, feed, REPORTERS[0], until, guardian_signers[:2], stranger)
    assert feed.suspendedUntil(REPORTERS[0]) == until, GRD_05
