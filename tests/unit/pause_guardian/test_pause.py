"""Fast pauses: pauseThreshold signers at once (shiftPauseThreshold for a scope the target declares
loss-shifting), bounded, self-expiring, unreplayable; extending: threshold"""

import ape
import pytest

from bulwark.abi.scopes import GuardedMockScope
from bulwark.invariants import GRD_03, GRD_04, GRD_05
from bulwark.signing.approvals import extend_pause_message, pause_message, pause_request_id
from tests.helpers import event, reverts


def pause(helper, target, scopes, until, signers, sender):
    approvals = helper.approvals(pause_message(target.address, scopes, until), signers)
    return helper.guardian.pause(target.address, scopes, until, approvals, sender=sender)


def test_one_signer_pauses_at_once_and_the_event_says_who(
    helper, guarded_by_multisig, guardian_signers, stranger
):
    """pauseThreshold is 1: a single signer's approval, relayed by anyone, pauses a scope that shifts no
    losses (GuardedMock's ALPHA) in the same block."""
    until = helper.now + 3600
    receipt = pause(
        helper, guarded_by_multisig, GuardedMockScope.ALPHA, until, guardian_signers[:1], stranger
    )
    paused = event(receipt, "Paused")
    assert (paused.scopes, paused.until, list(paused.approvers)) == (
        GuardedMockScope.ALPHA,
        until,
        [guardian_signers[0].address],
    )
    assert guarded_by_multisig.isPaused(GuardedMockScope.ALPHA) and not guarded_by_multisig.isPaused(
        GuardedMockScope.BETA
    )


def test_the_mock_declares_beta_loss_shifting(guarded_by_multisig):
    """The test target's answer, which the guardian asks for on every pause."""
    assert guarded_by_multisig.lossShiftingScopes() == GuardedMockScope.BETA


@pytest.mark.parametrize(
    "scopes",
    [GuardedMockScope.BETA, GuardedMockScope.ALPHA | GuardedMockScope.BETA],
    ids=["beta", "alpha-and-beta"],
)
def test_a_loss_shifting_scope_needs_shift_pause_threshold_approvals(
    helper, guarded_by_multisig, guardian_signers, stranger, scopes
):
    """One approval cannot pause BETA, alone or bundled with ALPHA (shiftPauseThreshold 2); two can."""
    until = helper.now + 3600
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        pause(helper, guarded_by_multisig, scopes, until, guardian_signers[:1], stranger)
    assert not guarded_by_multisig.isPaused(scopes), GRD_05
    receipt = pause(helper, guarded_by_multisig, scopes, until, guardian_signers[:2], stranger)
    assert len(event(receipt, "Paused").approvers) == 2
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.BETA) == until, GRD_05


def test_a_signer_calling_with_one_approval_reaches_the_shift_pause_threshold(
    helper, guarded_by_multisig, guardian_signers
):
    """The caller's own approval counts: signer 3 sending signer 1's approval makes two; alone it is one."""
    until = helper.now + 3600
    with reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        helper.guardian.pause(
            guarded_by_multisig.address, GuardedMockScope.BETA, until, [], sender=guardian_signers[2]
        )
    approvals = helper.approvals(
        pause_message(guarded_by_multisig.address, GuardedMockScope.BETA, until), guardian_signers[:1]
    )
    receipt = helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.BETA, until, approvals, sender=guardian_signers[2]
    )
    assert set(event(receipt, "Paused").approvers) == {
        guardian_signers[2].address,
        guardian_signers[0].address,
    }
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.BETA) == until, GRD_05


def test_the_shift_pause_threshold_is_the_guardians_own(
    project, accounts, deploy_guardian, guardian_signers, chain, stranger
):
    """With shiftPauseThreshold 3 (of a 4-of-5), two approvals pause ALPHA but not BETA; three pause BETA."""
    from tests.fixtures.guardian import GuardianHelper

    pg = deploy_guardian(guardian_signers, threshold=4, shift_pause_threshold=3, breaker_threshold=3)
    target = accounts[0].deploy(project.GuardedMock, pg)
    h = GuardianHelper(pg, guardian_signers, chain, stranger)
    until = h.now + 3600
    pause(h, target, GuardedMockScope.ALPHA, until, guardian_signers[:2], stranger)
    with reverts(pg.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        pause(h, target, GuardedMockScope.BETA, until, guardian_signers[:2], stranger)
    pause(h, target, GuardedMockScope.BETA, until, guardian_signers[:3], stranger)
    assert (target.pausedUntil(GuardedMockScope.ALPHA), target.pausedUntil(GuardedMockScope.BETA)) == (
        until,
        until,
    ), GRD_05


def test_a_signer_pauses_directly_without_any_signature(helper, guarded_by_multisig, guardian_signers):
    """The caller's own approval is enough on the fast path."""
    until = helper.now + 3600
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=guardian_signers[2]
    )
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.ALPHA) == until


def test_non_signer_cannot_pause_alone(helper, guarded_by_multisig, stranger):
    """Zero approvals are fewer than one."""
    until = helper.now + 3600
    with ape.reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=0, required=1):
        helper.guardian.pause(guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=stranger)
    assert not guarded_by_multisig.isPaused(GuardedMockScope.ALPHA), GRD_04


def test_pause_longer_than_the_maximum_reverts(helper, guarded_by_multisig, guardian_signers):
    """A pause ends at most MAX_PAUSE_DURATION from now."""
    now = helper.at(helper.now + 10)
    max_until = now + helper.guardian.MAX_PAUSE_DURATION()
    helper.at(now)
    with ape.reverts(helper.guardian.PauseGuardianPauseTooLong, until=max_until + 1, maxUntil=max_until):
        helper.guardian.pause(
            guarded_by_multisig.address, GuardedMockScope.ALPHA, max_until + 1, [], sender=guardian_signers[0]
        )
    helper.at(now)
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, max_until, [], sender=guardian_signers[0]
    )
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.ALPHA) == max_until


def test_pause_ending_in_the_past_reverts(helper, guarded_by_multisig, guardian_signers):
    """A pause that would end now pauses nothing."""
    now = helper.at(helper.now + 10)
    with ape.reverts(helper.guardian.PauseGuardianPauseInPast, until=now, timestamp=now):
        helper.guardian.pause(
            guarded_by_multisig.address, GuardedMockScope.ALPHA, now, [], sender=guardian_signers[0]
        )


def test_pause_expires_by_itself(helper, guarded_by_multisig, guardian_signers, stranger, chain):
    """At its `until` the scope is live again with no transaction from anyone."""
    until = helper.now + 600
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=guardian_signers[0]
    )
    chain.mine(timestamp=until - 1)
    assert guarded_by_multisig.isPaused(GuardedMockScope.ALPHA), GRD_03
    chain.mine(timestamp=until)
    assert not guarded_by_multisig.isPaused(GuardedMockScope.ALPHA), GRD_03
    guarded_by_multisig.alpha(sender=stranger)


def test_fast_path_cannot_touch_a_running_pause(helper, guarded_by_multisig, guardian_signers):
    """Re-pausing a paused scope (longer or shorter) is refused: extension needs threshold signers."""
    until = helper.now + 600
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=guardian_signers[0]
    )
    with ape.reverts(
        helper.guardian.PauseGuardianAlreadyPaused, scope=GuardedMockScope.ALPHA, pausedUntil=until
    ):
        helper.guardian.pause(
            guarded_by_multisig.address,
            GuardedMockScope.ALPHA | GuardedMockScope.BETA,
            until + 600,
            [],
            sender=guardian_signers[1],
        )
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.ALPHA) == until, GRD_03
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.BETA) == 0


def test_pause_approvals_cannot_be_replayed(helper, guarded_by_multisig, guardian_signers, stranger, chain):
    """After an early lift, the same signed pause cannot be submitted again."""
    until = helper.now + 7200
    approvals = helper.approvals(
        pause_message(guarded_by_multisig.address, GuardedMockScope.ALPHA, until), guardian_signers[:1]
    )
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, approvals, sender=stranger
    )
    request = pause_request_id("Pause", guarded_by_multisig.address, GuardedMockScope.ALPHA, until)
    assert helper.guardian.pauseRequestUsed(request)
    chain.mine(timestamp=until)  # expired; a replay would pause again
    with ape.reverts(helper.guardian.PauseGuardianPauseReplayed, request=request):
        helper.guardian.pause(
            guarded_by_multisig.address, GuardedMockScope.ALPHA, until, approvals, sender=stranger
        )


def test_extension_needs_threshold_approvals(helper, guarded_by_multisig, guardian_signers, stranger):
    """Two approvals cannot extend a 3-of-5 guardian's pause; three can, and the event lists them."""
    until = helper.now + 600
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=guardian_signers[0]
    )
    later = until + 3600
    message = extend_pause_message(guarded_by_multisig.address, GuardedMockScope.ALPHA, later)
    two = helper.approvals(message, guardian_signers[:2])
    with ape.reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        helper.guardian.extendPause(
            guarded_by_multisig.address, GuardedMockScope.ALPHA, later, two, sender=stranger
        )
    three = helper.approvals(message, guardian_signers[:3])
    receipt = helper.guardian.extendPause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, later, three, sender=stranger
    )
    extended = event(receipt, "PauseExtended")
    assert (extended.until, len(extended.approvers)) == (later, 3)
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.ALPHA) == later, GRD_03


def test_extension_of_a_live_scope_or_to_an_earlier_time_reverts(
    helper, guarded_by_multisig, guardian_signers, stranger
):
    """Extending applies only to a running pause and only to a later end."""
    until = helper.now + 600
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=guardian_signers[0]
    )
    message = extend_pause_message(guarded_by_multisig.address, GuardedMockScope.BETA, until + 60)
    approvals = helper.approvals(message, guardian_signers[:3])
    with ape.reverts(helper.guardian.PauseGuardianNotExtending, scope=GuardedMockScope.BETA, pausedUntil=0):
        helper.guardian.extendPause(
            guarded_by_multisig.address, GuardedMockScope.BETA, until + 60, approvals, sender=stranger
        )
    message = extend_pause_message(guarded_by_multisig.address, GuardedMockScope.ALPHA, until - 60)
    approvals = helper.approvals(message, guardian_signers[:3])
    with ape.reverts(
        helper.guardian.PauseGuardianNotExtending, scope=GuardedMockScope.ALPHA, pausedUntil=until
    ):
        helper.guardian.extendPause(
            guarded_by_multisig.address, GuardedMockScope.ALPHA, until - 60, approvals, sender=stranger
        )


def test_lifting_early_goes_through_the_timelock(
    helper, guarded_by_multisig, guardian_signers, stranger, chain
):
    """setPause(scope, 0) is an operation: after the delay it lifts a pause that would otherwise run on."""
    until = helper.now + 3 * 86400
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, [], sender=guardian_signers[0]
    )
    helper.run([helper.call(guarded_by_multisig, "setPause", GuardedMockScope.ALPHA, 0)])
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.ALPHA) == 0
    assert not guarded_by_multisig.isPaused(GuardedMockScope.ALPHA)
    guarded_by_multisig.alpha(sender=stranger)


def test_nobody_but_the_guardian_sets_a_pause_on_its_targets(
    guarded_by_multisig, guardian_signers, stranger, helper
):
    """Not even a signer may call the target directly (GRD-04)."""
    for caller in (guardian_signers[0], stranger):
        with ape.reverts(guarded_by_multisig.GuardedNotGuardian, caller=caller.address):
            guarded_by_multisig.setPause(GuardedMockScope.ALPHA, helper.now + 60, sender=caller)
    assert guarded_by_multisig.pausedUntil(GuardedMockScope.ALPHA) == 0, GRD_04
