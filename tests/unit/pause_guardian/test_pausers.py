"""Pausers (GRD-06): keys for automated containment, such as the monitor's. A pauser's call counts as one
approval only where pausing shifts no losses (a pause of such scopes, a suspension while the oracle has a
spare key); it signs nothing, schedules, cancels, extends and clears nothing; pausers change only through
the timelock. So a stolen monitor key is worth a pause the signers can lift, not a signer."""

import pytest
from eth_account import Account

from bulwark.abi.scopes import GuardedMockScope
from bulwark.invariants import GRD_06
from bulwark.model.oracle import local_config
from bulwark.signing.approvals import (
    cancel_message,
    extend_pause_message,
    operation_id,
    pause_message,
)
from bulwark.signing.reports import feed_id, reporter_test_keys
from tests.conftest import GUARDIAN_BOUNDS
from tests.fixtures.guardian import SALT, GuardianHelper
from tests.helpers import deploy_reverts, event, reverts

ALPHA, BETA = GuardedMockScope.ALPHA, GuardedMockScope.BETA  # BETA is loss-shifting
FEED = feed_id("ETH/USD")
REPORTERS = sorted(
    (Account.from_key(k).address for k in reporter_test_keys(5)), key=lambda a: int(a, 16)
)  # quorum 3, one hostile key tolerated: one spare key


@pytest.fixture(scope="module")
def pauser(accounts):
    return accounts[8]  # no other role in these tests


@pytest.fixture(scope="module")
def pg(deploy_guardian, guardian_signers, pauser):
    """3-of-5, cancel 2, pause 1, loss-shifting pause 2, with one pauser."""
    return deploy_guardian(guardian_signers, pausers=[pauser])


@pytest.fixture(scope="module")
def target(project, accounts, pg):
    return accounts[0].deploy(project.GuardedMock, pg)


@pytest.fixture(scope="module")
def oracle(project, guardian, pg):
    return guardian.deploy(project.MedianOracle, pg, FEED, "ETH / USD", tuple(local_config()), REPORTERS)


@pytest.fixture
def helper(pg, guardian_signers, chain, stranger):
    return GuardianHelper(pg, guardian_signers, chain, stranger)


def test_the_constructor_sets_the_pausers(pg, pauser, guardian_signers):
    assert pg.pausers() == [pauser.address] and pg.isPauser(pauser), GRD_06
    assert not pg.isPauser(guardian_signers[0]) and pg.MAX_PAUSERS() == 8


@pytest.mark.parametrize("case", ["zero", "twice", "nine"])
def test_a_bad_pauser_list_is_refused_at_deployment(project, accounts, guardian_signers, case):
    signers = [s.address for s in guardian_signers]
    pausers, error, inputs = {
        "zero": (["0x" + "00" * 20], "PauseGuardianInvalidPauser", {"pauser": "0x" + "00" * 20}),
        "twice": ([accounts[8].address] * 2, "PauseGuardianInvalidPauser", {"pauser": accounts[8].address}),
        "nine": ([a.address for a in accounts[:9]], "PauseGuardianPauserCountOutOfBounds", {"count": 9}),
    }[case]
    args = (signers, [3, 2, 1, 2, 2], 2 * 86400, list(GUARDIAN_BOUNDS.as_tuple()), pausers)
    container = project.PauseGuardian
    deploy_reverts(getattr(container, error), container, *args, **inputs)


def test_a_pauser_alone_pauses_a_scope_that_shifts_no_losses(helper, pg, target, pauser):
    """No approval attached: the pauser's call is the one approval pauseThreshold 1 needs."""
    until = helper.now + 3600
    receipt = pg.pause(target.address, ALPHA, until, [], sender=pauser)
    assert list(event(receipt, "Paused").approvers) == [pauser.address], GRD_06
    assert target.pausedUntil(ALPHA) == until


def test_a_pauser_does_not_count_for_a_loss_shifting_pause(helper, pg, target, pauser, guardian_signers):
    """With one signer's approval the pauser would make two, but it does not count: 1 of 2."""
    until = helper.now + 3600
    for scopes in (BETA, ALPHA | BETA):
        approvals = helper.approvals(pause_message(target.address, scopes, until), guardian_signers[:1])
        with reverts(pg.PauseGuardianInsufficientApprovals, approvals=1, required=2):
            pg.pause(target.address, scopes, until, approvals, sender=pauser)
    assert target.pausedUntil(BETA) == 0, GRD_06


def test_a_pauser_cannot_extend_a_pause(helper, pg, target, pauser, guardian_signers):
    until = helper.now + 3600
    pg.pause(target.address, ALPHA, until, [], sender=pauser)
    later = until + 3600
    approvals = helper.approvals(extend_pause_message(target.address, ALPHA, later), guardian_signers[:2])
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        pg.extendPause(target.address, ALPHA, later, approvals, sender=pauser)
    assert target.pausedUntil(ALPHA) == until, GRD_06


def test_a_pauser_cannot_schedule_or_cancel(helper, pg, target, pauser, guardian_signers):
    calls = [helper.call(target, "setValue", 7)]
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        helper.schedule(calls, signers=guardian_signers[:2], sender=pauser)
    helper.schedule(calls)
    op = operation_id(calls, SALT)
    approvals = helper.approvals(cancel_message(op), guardian_signers[:1])
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        pg.cancel(op, approvals, sender=pauser)
    assert pg.operation(op)[0] == 1, GRD_06  # still Scheduled


def test_a_pausers_signature_is_no_approval(helper, pg, target, pauser, stranger):
    """Relayed by someone else, the pauser's signed approval is a non-signer's."""
    until = helper.now + 3600
    approvals = helper.approvals(pause_message(target.address, ALPHA, until), [pauser])
    with reverts(pg.PauseGuardianNotSigner, account=pauser.address):
        pg.pause(target.address, ALPHA, until, approvals, sender=stranger)


def test_a_pauser_suspends_a_reporter_only_while_a_key_is_spare(helper, pg, oracle, pauser):
    """5 reporters, quorum 3, one tolerated: one spare key. The first suspension shifts no losses and
    the pauser's call suffices; the next would, so it needs shiftPauseThreshold signers."""
    until = helper.now + 3600
    assert oracle.spareReporters() == 1
    pg.suspendReporter(oracle.address, REPORTERS[0], until, [], sender=pauser)
    assert oracle.suspendedUntil(REPORTERS[0]) == until
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=0, required=2):
        pg.suspendReporter(oracle.address, REPORTERS[1], until, [], sender=pauser)
    assert oracle.suspendedUntil(REPORTERS[1]) == 0, GRD_06


def test_pausers_change_only_through_the_timelock(helper, pg, target, pauser, stranger, accounts):
    """addPauser and removePauser are self-administration; a removed pauser counts for nothing."""
    with reverts(pg.PauseGuardianOnlySelf, caller=pauser.address):
        pg.addPauser(stranger, sender=pauser)
    added = helper.run([helper.call(pg, "addPauser", stranger)])
    assert event(added, "PauserAdded").pauserCount == 2
    removed = helper.run([helper.call(pg, "removePauser", pauser)], salt=b"\x01" * 32)
    assert event(removed, "PauserRemoved").pauserCount == 1
    assert pg.pausers() == [stranger.address], GRD_06
    until = helper.now + 3600
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=0, required=1):
        pg.pause(target.address, ALPHA, until, [], sender=pauser)
    calls = [helper.call(pg, "removePauser", accounts[7])]
    helper.schedule(calls, salt=b"\x02" * 32)
    helper.at(helper.now + 2 * 86400)
    with reverts(pg.PauseGuardianNotPauser, account=accounts[7].address):
        pg.execute(calls, b"\x02" * 32, sender=stranger)
