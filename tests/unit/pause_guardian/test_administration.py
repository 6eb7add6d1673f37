"""Signers, thresholds and the delay change only through the guardian's own operations, within bounds."""

import ape
import pytest

from bulwark.deploy import DAY, GuardianBounds
from bulwark.invariants import GRD_02
from tests.helpers import event, reverts

HOUR = 3600


def test_direct_calls_to_self_administration_revert(pause_guardian, guardian_signers, stranger):
    """Even a signer cannot add a signer, change thresholds or the delay without an operation."""
    for caller in (guardian_signers[0], stranger):
        with ape.reverts(pause_guardian.PauseGuardianOnlySelf, caller=caller.address):
            pause_guardian.addSigner(stranger, sender=caller)
        with ape.reverts(pause_guardian.PauseGuardianOnlySelf, caller=caller.address):
            pause_guardian.setThresholds(1, 1, 1, sender=caller)
        with ape.reverts(pause_guardian.PauseGuardianOnlySelf, caller=caller.address):
            pause_guardian.setDelay(HOUR, sender=caller)
    assert (pause_guardian.threshold(), len(pause_guardian.signers())) == (3, 5), GRD_02


def test_signer_added_and_removed_through_operations(helper, pause_guardian, accounts):
    """An executed operation adds a signer (event with the new count), another removes it."""
    newcomer = accounts[7]
    receipt = helper.run([helper.call(pause_guardian, "addSigner", newcomer.address)])
    added = event(receipt, "SignerAdded")
    assert (added.signer, added.signerCount) == (newcomer.address, 6)
    assert pause_guardian.isSigner(newcomer)
    receipt = helper.run([helper.call(pause_guardian, "removeSigner", newcomer.address)], salt=b"\x01" * 32)
    removed = event(receipt, "SignerRemoved")
    assert (removed.signer, removed.signerCount) == (newcomer.address, 5)
    assert not pause_guardian.isSigner(newcomer)
    assert len(pause_guardian.signers()) == 5


def test_removal_that_would_break_a_threshold_reverts_and_changes_nothing(
    helper, deploy_guardian, guardian_signers, chain, stranger
):
    """With 3-of-3, removing a signer would make the threshold unreachable: the operation's call reverts."""
    from .conftest import GuardianHelper

    guardian = deploy_guardian(guardian_signers[:3], threshold=3, cancel_threshold=1, pause_threshold=1)
    h = GuardianHelper(guardian, guardian_signers[:3], chain, stranger)
    calls = [h.call(guardian, "removeSigner", guardian_signers[0].address)]
    eta = h.schedule(calls).events[0].eta
    h.at(eta)
    with ape.reverts(guardian.PauseGuardianInvalidThreshold, threshold=3, signerCount=2):
        guardian.execute(calls, b"\x00" * 32, sender=stranger)
    assert len(guardian.signers()) == 3, GRD_02


def test_adding_a_present_signer_or_removing_an_absent_one_reverts(
    helper, pause_guardian, guardian_signers, stranger
):
    """Membership changes must change membership."""
    calls = [helper.call(pause_guardian, "addSigner", guardian_signers[0].address)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta)
    with ape.reverts(
        pause_guardian.PauseGuardianSignerMembership, signer=guardian_signers[0].address, isSigner=True
    ):
        pause_guardian.execute(calls, b"\x00" * 32, sender=stranger)


@pytest.mark.parametrize(("t", "c", "p"), [(0, 1, 1), (6, 1, 1), (3, 0, 1), (3, 6, 1), (3, 1, 0), (3, 1, 6)])
def test_thresholds_outside_one_to_n_revert(helper, pause_guardian, stranger, t, c, p):
    """1 <= t <= N for all three thresholds (GRD-02)."""
    calls = [helper.call(pause_guardian, "setThresholds", t, c, p)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta)
    with ape.reverts(
        pause_guardian.PauseGuardianInvalidThreshold,
        threshold=t,
        cancelThreshold=c,
        pauseThreshold=p,
        signerCount=5,
    ):
        pause_guardian.execute(calls, b"\x00" * 32, sender=stranger)
    assert (
        pause_guardian.threshold(),
        pause_guardian.cancelThreshold(),
        pause_guardian.pauseThreshold(),
    ) == (3, 2, 1), GRD_02


def test_thresholds_change_through_an_operation_with_old_and_new_values(helper, pause_guardian):
    """The event carries both sets so a monitor sees the change without further reads."""
    receipt = helper.run([helper.call(pause_guardian, "setThresholds", 4, 3, 2)])
    updated = event(receipt, "ThresholdsUpdated")
    assert (updated.previousThreshold, updated.previousCancelThreshold, updated.previousPauseThreshold) == (
        3,
        2,
        1,
    )
    assert (updated.threshold, updated.cancelThreshold, updated.pauseThreshold) == (4, 3, 2)
    assert pause_guardian.threshold() == 4


def test_raising_the_delay_applies_at_once(helper, pause_guardian):
    """A longer delay protects immediately."""
    receipt = helper.run([helper.call(pause_guardian, "setDelay", 3 * DAY)])
    updated = event(receipt, "DelayUpdated")
    assert (updated.previousDelay, updated.newDelay, updated.effectiveAt) == (
        2 * DAY,
        3 * DAY,
        receipt.timestamp,
    )
    assert pause_guardian.delay() == 3 * DAY


def test_lowering_the_delay_waits_out_the_old_delay(helper, pause_guardian, chain):
    """A cut applies only once the old delay has passed since it was executed."""
    receipt = helper.run([helper.call(pause_guardian, "setDelay", HOUR)])
    effective = receipt.timestamp + 2 * DAY
    assert pause_guardian.pendingDelay() == (HOUR, effective)
    assert pause_guardian.delay() == 2 * DAY, GRD_02
    # an operation scheduled right after the cut still waits the old delay
    eta = (
        helper.schedule([helper.call(pause_guardian, "setThresholds", 3, 2, 2)], salt=b"\x05" * 32)
        .events[0]
        .eta
    )
    assert eta >= effective
    chain.mine(timestamp=effective)
    assert pause_guardian.delay() == HOUR
    assert pause_guardian.pendingDelay() == (0, 0)


@pytest.mark.parametrize("delay", [HOUR - 1, 30 * DAY + 1])
def test_delay_outside_its_bounds_reverts(helper, pause_guardian, stranger, delay):
    """The delay stays within the immutable MIN_DELAY and MAX_DELAY."""
    calls = [helper.call(pause_guardian, "setDelay", delay)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta)
    with ape.reverts(
        pause_guardian.PauseGuardianDelayOutOfBounds, delay=delay, minDelay=HOUR, maxDelay=30 * DAY
    ):
        pause_guardian.execute(calls, b"\x00" * 32, sender=stranger)


def test_constructor_rejects_bad_signer_lists(deploy_guardian, guardian_signers, project, accounts):
    """No signers, a zero address or a repeated signer are refused."""
    with reverts(project.PauseGuardian.PauseGuardianSignerCountOutOfBounds, count=0, maxSigners=20):
        deploy_guardian([], threshold=1, cancel_threshold=1, pause_threshold=1)
    repeated = [guardian_signers[0], guardian_signers[0]]
    with reverts(project.PauseGuardian.PauseGuardianInvalidSigner, signer=guardian_signers[0].address):
        deploy_guardian(repeated, threshold=1, cancel_threshold=1, pause_threshold=1)


def test_constructor_rejects_thresholds_above_the_signer_count(deploy_guardian, guardian_signers, project):
    """3-of-2 is refused."""
    with reverts(project.PauseGuardian.PauseGuardianInvalidThreshold, threshold=3, signerCount=2):
        deploy_guardian(guardian_signers[:2], threshold=3, cancel_threshold=1, pause_threshold=1)


@pytest.mark.parametrize(
    "bounds",
    [
        GuardianBounds(min_delay=2 * DAY, max_delay=DAY, grace_period=DAY, max_pause=DAY),
        GuardianBounds(min_delay=0, max_delay=366 * DAY, grace_period=DAY, max_pause=DAY),
        GuardianBounds(min_delay=0, max_delay=DAY, grace_period=0, max_pause=DAY),
        GuardianBounds(min_delay=0, max_delay=DAY, grace_period=DAY, max_pause=0),
    ],
)
def test_constructor_rejects_contradictory_bounds(deploy_guardian, guardian_signers, project, bounds):
    """min <= max, every bound at most a year, grace and pause non-zero."""
    with reverts(project.PauseGuardian.PauseGuardianInvalidBounds):
        deploy_guardian(guardian_signers, delay=DAY, bounds=bounds)


def test_constructor_rejects_a_delay_outside_its_bounds(deploy_guardian, guardian_signers, project):
    """The initial delay obeys the same bounds as later ones."""
    with reverts(project.PauseGuardian.PauseGuardianDelayOutOfBounds, delay=60):
        deploy_guardian(guardian_signers, delay=60)
