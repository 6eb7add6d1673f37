"""Guarded: the immutable guardian, guardian-only setters, scoped pauses that expire by themselves."""

import ape
import pytest

from bulwark.abi.scopes import GuardedMockScope
from bulwark.invariants import GRD_03, GRD_04
from bulwark.units import HOUR
from tests.helpers import reverts


def latest_timestamp(chain) -> int:
    return chain.blocks.head.timestamp


def test_guardian_is_fixed_at_deployment(guarded, guardian):
    """The guardian given to the constructor is the one the contract reports."""
    assert guarded.GUARDIAN() == guardian.address


def test_deployment_with_zero_guardian_reverts(project, guardian):
    """A contract with no admin can never be paused or tuned, so the zero guardian is refused."""
    with reverts(project.GuardedMock.GuardedZeroGuardian):
        guardian.deploy(project.GuardedMock, ape.utils.ZERO_ADDRESS)


def test_non_guardian_cannot_set_a_parameter(guarded, stranger, guardian):
    """A setter called by anyone but the guardian reverts with the caller and the guardian."""
    with ape.reverts(guarded.GuardedNotGuardian, caller=stranger.address, guardian=guardian.address):
        guarded.setValue(7, sender=stranger)
    assert guarded.value() == 0, GRD_04


def test_non_guardian_cannot_pause(guarded, stranger, guardian, chain):
    """Pausing is a guardian power too."""
    until = latest_timestamp(chain) + HOUR
    with ape.reverts(guarded.GuardedNotGuardian, caller=stranger.address, guardian=guardian.address):
        guarded.setPause(GuardedMockScope.ALPHA, until, sender=stranger)
    assert guarded.pausedUntil(GuardedMockScope.ALPHA) == 0, GRD_04


def test_guardian_sets_a_parameter_and_the_change_is_emitted(guarded, guardian):
    """A parameter change emits the contract's own event with the old and new values."""
    guarded.setValue(5, sender=guardian)
    receipt = guarded.setValue(9, sender=guardian)
    assert guarded.value() == 9
    [event] = receipt.events
    assert event.event_name == "ValueUpdated"
    assert (event.previous, event.value) == (5, 9)


def test_paused_scope_reverts_with_scope_and_expiry(guarded, guardian, chain):
    """An entry point in a paused scope reverts and says which scope and until when."""
    until = latest_timestamp(chain) + HOUR
    guarded.setPause(GuardedMockScope.ALPHA, until, sender=guardian)
    with ape.reverts(guarded.GuardedPaused, scope=GuardedMockScope.ALPHA, pausedUntil=until):
        guarded.alpha(sender=guardian)
    assert guarded.alphaCalls() == 0


def test_pause_ends_by_itself_at_its_expiry(guarded, guardian, stranger, chain):
    """No transaction is needed to end a pause: the scope is live again from `until` on."""
    until = latest_timestamp(chain) + HOUR
    guarded.setPause(GuardedMockScope.ALPHA, until, sender=guardian)
    chain.mine(timestamp=until - 1)
    assert guarded.isPaused(GuardedMockScope.ALPHA), GRD_03
    chain.mine(timestamp=until)
    assert not guarded.isPaused(GuardedMockScope.ALPHA), GRD_03
    guarded.alpha(sender=stranger)
    assert guarded.alphaCalls() == 1


def test_scopes_are_independent(guarded, guardian, stranger, chain):
    """Pausing one scope leaves the others running."""
    until = latest_timestamp(chain) + HOUR
    guarded.setPause(GuardedMockScope.ALPHA, until, sender=guardian)
    guarded.beta(sender=stranger)
    assert guarded.betaCalls() == 1
    assert guarded.isPaused(GuardedMockScope.ALPHA)
    assert not guarded.isPaused(GuardedMockScope.BETA)
    assert guarded.pausedUntil(GuardedMockScope.BETA) == 0


def test_setting_a_pause_emits_one_event_per_scope(guarded, guardian, chain):
    """Each scope bit gets its own event with its previous and new expiry."""
    first = latest_timestamp(chain) + HOUR
    guarded.setPause(GuardedMockScope.ALPHA, first, sender=guardian)
    second = first + HOUR
    receipt = guarded.setPause(GuardedMockScope.ALPHA | GuardedMockScope.BETA, second, sender=guardian)
    updates = [(e.scope, e.previousUntil, e.until) for e in receipt.events]
    assert updates == [(GuardedMockScope.ALPHA, first, second), (GuardedMockScope.BETA, 0, second)]
    assert guarded.pausedUntil(GuardedMockScope.ALPHA) == second
    assert guarded.pausedUntil(GuardedMockScope.BETA) == second


def test_guardian_lifts_a_pause_early_with_a_past_expiry(guarded, guardian, stranger, chain):
    """Setting the expiry to 0 ends the pause now."""
    guarded.setPause(GuardedMockScope.BETA, latest_timestamp(chain) + HOUR, sender=guardian)
    guarded.setPause(GuardedMockScope.BETA, 0, sender=guardian)
    assert not guarded.isPaused(GuardedMockScope.BETA)
    guarded.beta(sender=stranger)
    assert guarded.betaCalls() == 1


@pytest.mark.parametrize("scopes", [0, 1 << 2, GuardedMockScope.ALPHA | (1 << 255)])
def test_pause_of_unknown_or_no_scope_reverts(guarded, guardian, chain, scopes):
    """A pause must name only scopes the contract enforces, so it can never silently do nothing."""
    until = latest_timestamp(chain) + HOUR
    with ape.reverts(
        guarded.GuardedInvalidScopes,
        scopes=scopes,
        knownScopes=GuardedMockScope.ALPHA | GuardedMockScope.BETA,
    ):
        guarded.setPause(scopes, until, sender=guardian)
    assert guarded.pausedUntil(GuardedMockScope.ALPHA) == 0


def test_is_paused_reports_any_paused_bit(guarded, guardian, chain):
    """isPaused over a mask is true when any of its scopes is paused."""
    guarded.setPause(GuardedMockScope.BETA, latest_timestamp(chain) + HOUR, sender=guardian)
    assert guarded.isPaused(GuardedMockScope.ALPHA | GuardedMockScope.BETA)
    assert not guarded.isPaused(GuardedMockScope.ALPHA)
    assert guarded.pauseScopes() == GuardedMockScope.ALPHA | GuardedMockScope.BETA


def test_the_mock_declares_one_loss_shifting_scope(guarded):
    """GuardedMock declares BETA loss-shifting and ALPHA not, so tests exercise both fast-path rules."""
    assert guarded.lossShiftingScopes() == GuardedMockScope.BETA
