"""Fast pauses: pauseThreshold signers at once, bounded, self-expiring, unreplayable; extending: threshold"""

import ape

from bulwark.approvals import extend_pause_message, pause_message, pause_request_id
from bulwark.invariants import GRD_03, GRD_04
from tests.helpers import event

from .conftest import ALPHA, BETA


def pause(helper, target, scopes, until, signers, sender):
    approvals = helper.approvals(pause_message(target.address, scopes, until), signers)
    return helper.guardian.pause(target.address, scopes, until, approvals, sender=sender)


def test_one_signer_pauses_at_once_and_the_event_says_who(
    helper, guarded_by_multisig, guardian_signers, stranger
):
    """pauseThreshold is 1: a single signer's approval, relayed by anyone, pauses in the same block."""
    until = helper.now + 3600
    receipt = pause(helper, guarded_by_multisig, ALPHA | BETA, until, guardian_signers[:1], stranger)
    paused = event(receipt, "Paused")
    assert (paused.scopes, paused.until, list(paused.approvers)) == (
        ALPHA | BETA,
        until,
        [guardian_signers[0].address],
    )
    assert guarded_by_multisig.isPaused(ALPHA) and guarded_by_multisig.isPaused(BETA)


def test_a_signer_pauses_directly_without_any_signature(helper, guarded_by_multisig, guardian_signers):
    """The caller's own approval is enough on the fast path."""
    until = helper.now + 3600
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=guardian_signers[2])
    assert guarded_by_multisig.pausedUntil(ALPHA) == until


def test_non_signer_cannot_pause_alone(helper, guarded_by_multisig, stranger):
    """Zero approvals are fewer than one."""
    until = helper.now + 3600
    with ape.reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=0, required=1):
        helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=stranger)
    assert not guarded_by_multisig.isPaused(ALPHA), GRD_04


def test_pause_longer_than_the_maximum_reverts(helper, guarded_by_multisig, guardian_signers):
    """A pause ends at most MAX_PAUSE_DURATION from now."""
    now = helper.at(helper.now + 10)
    max_until = now + helper.guardian.MAX_PAUSE_DURATION()
    helper.at(now)
    with ape.reverts(helper.guardian.PauseGuardianPauseTooLong, until=max_until + 1, maxUntil=max_until):
        helper.guardian.pause(
            guarded_by_multisig.address, ALPHA, max_until + 1, [], sender=guardian_signers[0]
        )
    helper.at(now)
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, max_until, [], sender=guardian_signers[0])
    assert guarded_by_multisig.pausedUntil(ALPHA) == max_until


def test_pause_ending_in_the_past_reverts(helper, guarded_by_multisig, guardian_signers):
    """A pause that would end now pauses nothing."""
    now = helper.at(helper.now + 10)
    with ape.reverts(helper.guardian.PauseGuardianPauseInPast, until=now, timestamp=now):
        helper.guardian.pause(guarded_by_multisig.address, ALPHA, now, [], sender=guardian_signers[0])


def test_pause_expires_by_itself(helper, guarded_by_multisig, guardian_signers, stranger, chain):
    """At its `until` the scope is live again with no transaction from anyone."""
    until = helper.now + 600
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=guardian_signers[0])
    chain.mine(timestamp=until - 1)
    assert guarded_by_multisig.isPaused(ALPHA), GRD_03
    chain.mine(timestamp=until)
    assert not guarded_by_multisig.isPaused(ALPHA), GRD_03
    guarded_by_multisig.alpha(sender=stranger)


def test_fast_path_cannot_touch_a_running_pause(helper, guarded_by_multisig, guardian_signers):
    """Re-pausing a paused scope (longer or shorter) is refused: extension needs threshold signers."""
    until = helper.now + 600
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=guardian_signers[0])
    with ape.reverts(helper.guardian.PauseGuardianAlreadyPaused, scope=ALPHA, pausedUntil=until):
        helper.guardian.pause(
            guarded_by_multisig.address, ALPHA | BETA, until + 600, [], sender=guardian_signers[1]
        )
    assert guarded_by_multisig.pausedUntil(ALPHA) == until, GRD_03
    assert guarded_by_multisig.pausedUntil(BETA) == 0


def test_pause_approvals_cannot_be_replayed(helper, guarded_by_multisig, guardian_signers, stranger, chain):
    """After an early lift, the same signed pause cannot be submitted again."""
    until = helper.now + 7200
    approvals = helper.approvals(
        pause_message(guarded_by_multisig.address, ALPHA, until), guardian_signers[:1]
    )
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, approvals, sender=stranger)
    request = pause_request_id("Pause", guarded_by_multisig.address, ALPHA, until)
    assert helper.guardian.pauseRequestUsed(request)
    chain.mine(timestamp=until)  # expired; a replay would pause again
    with ape.reverts(helper.guardian.PauseGuardianPauseReplayed, request=request):
        helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, approvals, sender=stranger)


def test_extension_needs_threshold_approvals(helper, guarded_by_multisig, guardian_signers, stranger):
    """Two approvals cannot extend a 3-of-5 guardian's pause; three can, and the event lists them."""
    until = helper.now + 600
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=guardian_signers[0])
    later = until + 3600
    message = extend_pause_message(guarded_by_multisig.address, ALPHA, later)
    two = helper.approvals(message, guardian_signers[:2])
    with ape.reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        helper.guardian.extendPause(guarded_by_multisig.address, ALPHA, later, two, sender=stranger)
    three = helper.approvals(message, guardian_signers[:3])
    receipt = helper.guardian.extendPause(guarded_by_multisig.address, ALPHA, later, three, sender=stranger)
    extended = event(receipt, "PauseExtended")
    assert (extended.until, len(extended.approvers)) == (later, 3)
    assert guarded_by_multisig.pausedUntil(ALPHA) == later, GRD_03


def test_extension_of_a_live_scope_or_to_an_earlier_time_reverts(
    helper, guarded_by_multisig, guardian_signers, stranger
):
    """Extending applies only to a running pause and only to a later end."""
    until = helper.now + 600
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=guardian_signers[0])
    message = extend_pause_message(guarded_by_multisig.address, BETA, until + 60)
    approvals = helper.approvals(message, guardian_signers[:3])
    with ape.reverts(helper.guardian.PauseGuardianNotExtending, scope=BETA, pausedUntil=0):
        helper.guardian.extendPause(guarded_by_multisig.address, BETA, until + 60, approvals, sender=stranger)
    message = extend_pause_message(guarded_by_multisig.address, ALPHA, until - 60)
    approvals = helper.approvals(message, guardian_signers[:3])
    with ape.reverts(helper.guardian.PauseGuardianNotExtending, scope=ALPHA, pausedUntil=until):
        helper.guardian.extendPause(
            guarded_by_multisig.address, ALPHA, until - 60, approvals, sender=stranger
        )


def test_lifting_early_goes_through_the_timelock(
    helper, guarded_by_multisig, guardian_signers, stranger, chain
):
    """setPause(scope, 0) is an operation: after the delay it lifts a pause that would otherwise run on."""
    until = helper.now + 3 * 86400
    helper.guardian.pause(guarded_by_multisig.address, ALPHA, until, [], sender=guardian_signers[0])
    helper.run([helper.call(guarded_by_multisig, "setPause", ALPHA, 0)])
    assert guarded_by_multisig.pausedUntil(ALPHA) == 0
    assert not guarded_by_multisig.isPaused(ALPHA)
    guarded_by_multisig.alpha(sender=stranger)


def test_nobody_but_the_guardian_sets_a_pause_on_its_targets(
    guarded_by_multisig, guardian_signers, stranger, helper
):
    """Not even a signer may call the target directly (GRD-04)."""
    for caller in (guardian_signers[0], stranger):
        with ape.reverts(guarded_by_multisig.GuardedNotGuardian, caller=caller.address):
            guarded_by_multisig.setPause(ALPHA, helper.now + 60, sender=caller)
    assert guarded_by_multisig.pausedUntil(ALPHA) == 0, GRD_04
