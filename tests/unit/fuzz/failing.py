"""A deliberately wrong machine for the campaign tests: GuardedMachine with an invariant that a short
run breaks (the alpha entry point is never called twice)."""

from hypothesis.stateful import invariant

from bulwark.fuzz.machines.guarded import GuardedMachine
from bulwark.model.guardian import ALPHA


class WrongGuardedMachine(GuardedMachine):
    @invariant()
    def alpha_is_never_called_twice(self):
        assert self.calls[ALPHA] < 2, "alpha was called twice"


TARGET = f"{__name__}:WrongGuardedMachine"
