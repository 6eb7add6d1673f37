"""Signers, thresholds and the delay change only through the guardian's own operations, within bounds."""

import ape
import pytest

from bulwark.deploy import GuardianBounds
from bulwark.invariants import GRD_02, GRD_05
from bulwark.units import DAY, HOUR
from tests.helpers import event, reverts


def test_direct_calls_to_self_administration_revert(pause_guardian, guardian_signers, stranger):
    """Even a signer cannot add a signer, change thresholds or the delay without an operation."""
    for caller in (guardian_signers[0], stranger):
        with ape.reverts(pause_guardian.PauseGuardianOnlySelf, caller=caller.address):
            pause_guardian.addSigner(stranger, sender=caller)
        with ape.reverts(pause_guardian.PauseGuardianOnlySelf, caller=caller.address):
            pause_guardian.setThresholds(2, 1, 1, 2, 2, sender=caller)
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
    from tests.fixtures.guardian import GuardianHelper

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


THRESHOLDS = ("threshold", "cancelThreshold", "pauseThreshold", "shiftPauseThreshold", "breakerThreshold")


def thresholds(guardian) -> tuple[int, ...]:
    return tuple(getattr(guardian, name)() for name in THRESHOLDS)


@pytest.mark.parametrize(
    "values",
    [
        (0, 1, 1, 1, 1),  # threshold 0
        (6, 1, 1, 2, 2),  # threshold above the 5 signers
        (3, 0, 1, 2, 2),  # cancel 0
        (3, 6, 1, 2, 2),  # cancel above the signers
        (3, 1, 0, 2, 2),  # pause 0
        (3, 1, 3, 2, 2),  # pause above shiftPause
        (3, 1, 1, 1, 1),  # shiftPause 1 with 5 signers
        (3, 1, 1, 3, 2),  # shiftPause above breaker
        (3, 1, 1, 2, 4),  # breaker above threshold
        (3, 1, 1, 4, 4),  # shiftPause above threshold
    ],
    ids=lambda v: "-".join(map(str, v)),
)
def test_thresholds_outside_their_bounds_revert(helper, pause_guardian, stranger, values):
    """Each of threshold and cancel within [1, N]; 1 <= pause <= shiftPause <= breaker <= threshold, and
    shiftPause >= 2 with two or more signers (GRD-02, GRD-05)."""
    calls = [helper.call(pause_guardian, "setThresholds", *values)]
    eta = helper.schedule(calls).events[0].eta
    helper.at(eta)
    with reverts(
        pause_guardian.PauseGuardianInvalidThreshold,
        **dict(zip(THRESHOLDS, values, strict=True)),
        signerCount=5,
    ):
        pause_guardian.execute(calls, b"\x00" * 32, sender=stranger)
    assert thresholds(pause_guardian) == (3, 2, 1, 2, 2), GRD_02


@pytest.mark.parametrize(
    "values", [(5, 5, 5, 5, 5), (2, 1, 1, 2, 2), (5, 1, 1, 2, 5)], ids=["all-5", "least", "wide"]
)
def test_thresholds_at_their_bounds_are_accepted(helper, pause_guardian, values):
    """Every threshold at N, the least a 5-signer guardian allows, and a wide spread all apply."""
    helper.run([helper.call(pause_guardian, "setThresholds", *values)])
    assert thresholds(pause_guardian) == values, GRD_05


def test_thresholds_change_through_an_operation_with_old_and_new_values(helper, pause_guardian):
    """The event carries both sets, the two fast-path thresholds for losses included, so a monitor sees
    the change without further reads."""
    receipt = helper.run([helper.call(pause_guardian, "setThresholds", 5, 3, 2, 3, 4)])
    updated = event(receipt, "ThresholdsUpdated")
    previous = (
        updated.previousThreshold,
        updated.previousCancelThreshold,
        updated.previousPauseThreshold,
        updated.previousShiftPauseThreshold,
        updated.previousBreakerThreshold,
    )
    assert previous == (3, 2, 1, 2, 2)
    new = (
        updated.threshold,
        updated.cancelThreshold,
        updated.pauseThreshold,
        updated.shiftPauseThreshold,
        updated.breakerThreshold,
    )
    assert new == (5, 3, 2, 3, 4)
    assert thresholds(pause_guardian) == (5, 3, 2, 3, 4)


def test_a_single_signer_guardian_has_every_threshold_at_one(deploy_guardian, guardian_signers, project):
    """With one signer every threshold is 1 (nothing else is reachable); a shift threshold of 2 is refused."""
    pg = deploy_guardian(
        guardian_signers[:1],
        threshold=1,
        cancel_threshold=1,
        pause_threshold=1,
        shift_pause_threshold=1,
        breaker_threshold=1,
    )
    assert thresholds(pg) == (1, 1, 1, 1, 1)
    with reverts(project.PauseGuardian.PauseGuardianInvalidThreshold, shiftPauseThreshold=2, signerCount=1):
        deploy_guardian(guardian_signers[:1], threshold=1, cancel_threshold=1, pause_threshold=1)


def test_two_signers_need_two_for_a_loss_shifting_pause(deploy_guardian, guardian_signers, project):
    """With two or more signers shiftPauseThreshold is at least 2 (so threshold is too): 1-of-2 is refused."""
    with reverts(
        project.PauseGuardian.PauseGuardianInvalidThreshold,
        threshold=1,
        shiftPauseThreshold=1,
        breakerThreshold=1,
        signerCount=2,
    ):
        deploy_guardian(
            guardian_signers[:2],
            threshold=1,
            cancel_threshold=1,
            pause_threshold=1,
            shift_pause_threshold=1,
            breaker_threshold=1,
        )
    assert thresholds(deploy_guardian(guardian_signers[:2], threshold=2, cancel_threshold=1)) == (
        2,
        1,
        1,
        2,
        2,
    )


def test_a_two_signer_guardian_cannot_shrink_to_one_signer(
    deploy_guardian, guardian_signers, chain, stranger
):
    """Removing either signer of a 2-of-2 would leave thresholds of 2 over one signer; the removal reverts."""
    from tests.fixtures.guardian import GuardianHelper

    pg = deploy_guardian(guardian_signers[:2], threshold=2, cancel_threshold=1)
    h = GuardianHelper(pg, guardian_signers[:2], chain, stranger)
    calls = [h.call(pg, "removeSigner", guardian_signers[0].address)]
    h.at(h.schedule(calls, signers=guardian_signers[:2]).events[0].eta)
    with reverts(pg.PauseGuardianInvalidThreshold, threshold=2, shiftPauseThreshold=2, signerCount=1):
        pg.execute(calls, b"\x00" * 32, sender=stranger)
    assert len(pg.signers()) == 2, GRD_02


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
        helper.schedule([helper.call(pause_guardian, "setThresholds", 3, 2, 2, 2, 2)], salt=b"\x05" * 32)
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
