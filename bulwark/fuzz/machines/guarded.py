"""Guarded (through GuardedMock): random callers set parameters and pauses, time passes, scoped entry
points are called. A model, updated only on success, predicts every outcome; GRD-03 (a pause ends at
its expiry) and GRD-04 (only the guardian changes a parameter or pause flag) hold after every step."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from bulwark.fuzz.lane import LaneMachine
from bulwark.invariants import GRD_03, GRD_04
from bulwark.model.guardian import ALPHA, BETA, SCOPES
from bulwark.units import HOUR

GUARDIAN, STRANGER, OTHER = 0, 9, 5  # dev account indices
CALLERS = st.sampled_from([GUARDIAN, STRANGER, OTHER])


class GuardedMachine(LaneMachine):
    @classmethod
    def deploy(cls, chain):
        return chain.deploy("GuardedMock", chain.accounts[GUARDIAN], sender=chain.accounts[GUARDIAN])

    def __init__(self):
        super().__init__()
        self.mock = self.world
        self.value = 0
        self.until = dict.fromkeys(SCOPES, 0)
        self.calls = dict.fromkeys(SCOPES, 0)

    @rule(seconds=st.integers(1, 2 * HOUR))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    @rule(caller=CALLERS, new_value=st.integers(0, 2**256 - 1))
    def set_value(self, caller, new_value):
        sender = self.chain.accounts[caller]
        receipt = self.mock.setValue.attempt(new_value, sender=sender)
        if caller != GUARDIAN:
            receipt.assert_reverted("GuardedNotGuardian", caller=sender)
            return
        assert receipt.status, receipt.error
        self.value = new_value

    @rule(caller=CALLERS, scopes=st.integers(0, 7), offset=st.integers(-HOUR, 2 * HOUR))
    def set_pause(self, caller, scopes, offset):
        sender = self.chain.accounts[caller]
        until = max(0, self.chain.timestamp + offset)
        receipt = self.mock.setPause.attempt(scopes, until, sender=sender)
        if caller != GUARDIAN:
            receipt.assert_reverted("GuardedNotGuardian", caller=sender)
        elif scopes == 0 or scopes & ~(ALPHA | BETA):
            receipt.assert_reverted("GuardedInvalidScopes", scopes=scopes)
        else:
            assert receipt.status, receipt.error
            for scope in SCOPES:
                if scopes & scope:
                    self.until[scope] = until

    @rule(caller=CALLERS, scope=st.sampled_from(SCOPES))
    def call_scoped_entry_point(self, caller, scope):
        entry = self.mock.alpha if scope == ALPHA else self.mock.beta
        receipt = entry.attempt(sender=self.chain.accounts[caller])
        if self.chain.timestamp < self.until[scope]:
            receipt.assert_reverted("GuardedPaused", scope=scope, pausedUntil=self.until[scope])
            return
        assert receipt.status, receipt.error
        self.calls[scope] += 1

    @invariant()
    def grd_04_only_the_guardian_changed_parameters_and_flags(self):
        assert self.mock.value() == self.value, GRD_04
        for scope in SCOPES:
            assert self.mock.pausedUntil(scope) == self.until[scope], GRD_04

    @invariant()
    def grd_03_pauses_end_at_their_expiry(self):
        now = self.chain.timestamp
        for scope in SCOPES:
            assert self.mock.isPaused(scope) == (now < self.until[scope]), GRD_03

    @invariant()
    def scoped_calls_went_through_only_when_live(self):
        assert (self.mock.alphaCalls(), self.mock.betaCalls()) == (self.calls[ALPHA], self.calls[BETA])
