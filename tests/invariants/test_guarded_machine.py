"""Stateful fuzzing of Guarded: random callers set parameters and pauses, time passes, scoped entry
points are called. A Python model, updated only on success, predicts every outcome; GRD-03 (a pause
ends at its expiry) and GRD-04 (only the guardian changes a parameter or pause flag) are checked after
every step. The PauseGuardian machine (issue 3) extends GRD-03 to threshold-approved extensions."""

import ape
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bulwark.abi.scopes import GuardedMockScope
from bulwark.invariants import GRD_03, GRD_04
from bulwark.units import HOUR

ALPHA, BETA = int(GuardedMockScope.ALPHA), int(GuardedMockScope.BETA)  # plain ints: masks are negated
SCOPES = (ALPHA, BETA)


def test_guarded_state_machine(project, chain, guardian, stranger, accounts):
    """GRD-03 and GRD-04 hold after every step of random guardian and stranger activity."""
    mock = guardian.deploy(project.GuardedMock, guardian)
    callers = st.sampled_from([guardian, stranger, accounts[5]])

    class GuardedMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp
            self.value = 0
            self.until = dict.fromkeys(SCOPES, 0)
            self.calls = dict.fromkeys(SCOPES, 0)

        def teardown(self):
            chain.restore(self.snapshot)

        def _next_block_time(self) -> int:
            """Every transaction lands one second after the last, so outcomes are predictable."""
            self.now += 1
            chain.pending_timestamp = self.now
            return self.now

        @rule(seconds=st.integers(1, 2 * HOUR))
        def time_passes(self, seconds):
            self.now += seconds
            chain.mine(timestamp=self.now)

        @rule(caller=callers, new_value=st.integers(0, 2**256 - 1))
        def set_value(self, caller, new_value):
            self._next_block_time()
            if caller != guardian:
                with ape.reverts(mock.GuardedNotGuardian, caller=caller.address):
                    mock.setValue(new_value, sender=caller)
                return
            mock.setValue(new_value, sender=caller)
            self.value = new_value

        @rule(caller=callers, scopes=st.integers(0, 7), offset=st.integers(-HOUR, 2 * HOUR))
        def set_pause(self, caller, scopes, offset):
            at = self._next_block_time()
            until = max(0, at + offset)
            if caller != guardian:
                with ape.reverts(mock.GuardedNotGuardian, caller=caller.address):
                    mock.setPause(scopes, until, sender=caller)
                return
            if scopes == 0 or scopes & ~(ALPHA | BETA):
                with ape.reverts(mock.GuardedInvalidScopes, scopes=scopes):
                    mock.setPause(scopes, until, sender=caller)
                return
            mock.setPause(scopes, until, sender=caller)
            for scope in SCOPES:
                if scopes & scope:
                    self.until[scope] = until

        @rule(caller=callers, scope=st.sampled_from(SCOPES))
        def call_scoped_entry_point(self, caller, scope):
            at = self._next_block_time()
            entry = mock.alpha if scope == ALPHA else mock.beta
            if at < self.until[scope]:
                with ape.reverts(mock.GuardedPaused, scope=scope, pausedUntil=self.until[scope]):
                    entry(sender=caller)
                return
            entry(sender=caller)
            self.calls[scope] += 1

        @invariant()
        def grd_04_only_the_guardian_changed_parameters_and_flags(self):
            assert mock.value() == self.value, GRD_04
            for scope in SCOPES:
                assert mock.pausedUntil(scope) == self.until[scope], GRD_04

        @invariant()
        def grd_03_pauses_end_at_their_expiry(self):
            head = chain.blocks.head.timestamp
            for scope in SCOPES:
                assert mock.isPaused(scope) == (head < self.until[scope]), GRD_03

        @invariant()
        def scoped_calls_went_through_only_when_live(self):
            assert (mock.alphaCalls(), mock.betaCalls()) == (self.calls[ALPHA], self.calls[BETA])

    run_state_machine_as_test(GuardedMachine)
