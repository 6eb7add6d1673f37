"""Operations: scheduled with threshold approvals, executable by anyone only in [eta, eta + grace]."""

import ape

from bulwark.abi.scopes import GuardedMockScope
from bulwark.invariants import GRD_01
from bulwark.signing.approvals import cancel_message, pause_message
from tests.fixtures.guardian import SALT
from tests.helpers import event

SCHEDULED, EXECUTED, CANCELLED = 1, 2, 3


def test_schedule_sets_eta_to_now_plus_delay(helper, guarded_by_multisig):
    """The ETA is the schedule block's time plus the delay; the event carries calls, salt and expiry."""
    calls = [helper.call(guarded_by_multisig, "setValue", 1)]
    receipt = helper.schedule(calls)
    [event] = receipt.events
    delay, grace = helper.guardian.delay(), helper.guardian.GRACE_PERIOD()
    assert event.eta == receipt.timestamp + delay
    assert event.expiresAt == event.eta + grace
    assert event.salt == SALT
    emitted = [(target.lower(), value, bytes(data)) for target, value, data in event.calls]
    assert emitted == [(c.target.lower(), c.value, bytes(c.data)) for c in calls]


def test_operation_runs_for_anyone_from_its_eta(helper, guarded_by_multisig, stranger):
    """At the ETA anyone executes, the calls take effect and the event names the executor."""
    calls = [helper.call(guarded_by_multisig, "setValue", 42)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta - 1)
    with ape.reverts(helper.guardian.PauseGuardianOperationNotReady, eta=eta, timestamp=eta - 1):
        helper.guardian.execute(calls, SALT, sender=stranger)
    assert guarded_by_multisig.value() == 0, GRD_01
    helper.at(eta)
    receipt = helper.guardian.execute(calls, SALT, sender=stranger)
    assert guarded_by_multisig.value() == 42
    assert event(receipt, "OperationExecuted").executor == stranger.address


def test_operation_expires_after_its_grace_window(helper, guarded_by_multisig, stranger):
    """The last second of the window still runs; one second later it never can."""
    calls = [helper.call(guarded_by_multisig, "setValue", 1)]
    eta = helper.schedule(calls).events[0].eta
    expires = eta + helper.guardian.GRACE_PERIOD()
    helper.at(expires + 1)
    with ape.reverts(helper.guardian.PauseGuardianOperationExpired, expiredAt=expires, timestamp=expires + 1):
        helper.guardian.execute(calls, SALT, sender=stranger)
    assert guarded_by_multisig.value() == 0, GRD_01


def test_operation_runs_at_the_last_second_of_its_window(helper, guarded_by_multisig, stranger):
    """eta + GRACE_PERIOD is inside the window."""
    calls = [helper.call(guarded_by_multisig, "setValue", 3)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta + helper.guardian.GRACE_PERIOD())
    helper.guardian.execute(calls, SALT, sender=stranger)
    assert guarded_by_multisig.value() == 3


def test_executed_operation_never_runs_again(helper, guarded_by_multisig, stranger):
    """A second execute finds it executed; scheduling the same id again is refused too."""
    calls = [helper.call(guarded_by_multisig, "setValue", 5)]
    helper.run(calls)
    op = helper.guardian.hashOperation(calls, SALT)
    with ape.reverts(helper.guardian.PauseGuardianUnexpectedState, id=op, state=EXECUTED, expected=SCHEDULED):
        helper.guardian.execute(calls, SALT, sender=stranger)
    with ape.reverts(helper.guardian.PauseGuardianUnexpectedState, id=op, state=EXECUTED, expected=0):
        helper.schedule(calls)


def test_unscheduled_operation_cannot_run(helper, guarded_by_multisig, stranger):
    """Nothing runs without being scheduled."""
    calls = [helper.call(guarded_by_multisig, "setValue", 5)]
    with ape.reverts(helper.guardian.PauseGuardianUnexpectedState, state=0, expected=SCHEDULED):
        helper.guardian.execute(calls, SALT, sender=stranger)


def test_empty_operation_is_refused(helper, stranger):
    """A batch with no calls is a mistake, not an operation."""
    with ape.reverts(helper.guardian.PauseGuardianEmptyOperation):
        helper.guardian.schedule([], SALT, [], sender=stranger)


def test_reverting_call_bubbles_its_reason_and_leaves_the_operation_executable(
    helper, guarded_by_multisig, guardian_signers, stranger
):
    """A failing inner call reverts the batch with the inner error; later in its window the operation runs."""
    calls = [helper.call(guarded_by_multisig, "setValue", 9), helper.call(guarded_by_multisig, "alpha")]
    eta = helper.schedule(calls).events[0].eta
    until = eta + 3600
    approvals = helper.approvals(
        pause_message(guarded_by_multisig.address, GuardedMockScope.ALPHA, until), guardian_signers[:1]
    )
    helper.guardian.pause(
        guarded_by_multisig.address, GuardedMockScope.ALPHA, until, approvals, sender=stranger
    )
    helper.at(eta)
    with ape.reverts(guarded_by_multisig.GuardedPaused, scope=GuardedMockScope.ALPHA, pausedUntil=until):
        helper.guardian.execute(calls, SALT, sender=stranger)
    assert guarded_by_multisig.value() == 0
    state, _ = helper.guardian.operation(helper.guardian.hashOperation(calls, SALT))
    assert state == SCHEDULED
    helper.at(until)
    helper.guardian.execute(calls, SALT, sender=stranger)
    assert (guarded_by_multisig.value(), guarded_by_multisig.alphaCalls()) == (9, 1)


def test_operation_can_pay_ether(helper, accounts, stranger):
    """A call with value and no data sends ether from the guardian's balance."""
    recipient = accounts[10]
    before = recipient.balance
    stranger.transfer(helper.guardian, 10**18)
    helper.run([(recipient.address, 10**18, b"")])
    assert recipient.balance == before + 10**18


def test_cancel_needs_cancel_threshold_and_is_final(helper, guarded_by_multisig, guardian_signers, stranger):
    """Two approvals cancel; a cancelled operation never runs and cannot be cancelled twice."""
    calls = [helper.call(guarded_by_multisig, "setValue", 8)]
    eta = helper.schedule(calls).events[0].eta
    op = helper.guardian.hashOperation(calls, SALT)
    one = helper.approvals(cancel_message(op), guardian_signers[:1])
    with ape.reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        helper.guardian.cancel(op, one, sender=stranger)
    two = helper.approvals(cancel_message(op), guardian_signers[:2])
    receipt = helper.guardian.cancel(op, two, sender=stranger)
    assert receipt.events[0].event_name == "OperationCancelled"
    assert len(receipt.events[0].approvers) == 2
    helper.at(eta)
    with ape.reverts(helper.guardian.PauseGuardianUnexpectedState, state=CANCELLED, expected=SCHEDULED):
        helper.guardian.execute(calls, SALT, sender=stranger)
    with ape.reverts(helper.guardian.PauseGuardianUnexpectedState, state=CANCELLED, expected=SCHEDULED):
        helper.guardian.cancel(op, two, sender=stranger)
    assert guarded_by_multisig.value() == 0, GRD_01
