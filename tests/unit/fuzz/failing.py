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


class ParamsGuardedMachine(GuardedMachine):
    """GuardedMachine that accepts a parameter file (as the system machine will): `with_params(path)`
    returns a subclass that remembers it."""

    params_path = None

    @classmethod
    def with_params(cls, path):
        return type(cls.__name__, (cls,), {"params_path": path})

    def __init__(self):
        super().__init__()
        assert self.params_path is not None, "the campaign did not pass the parameter file"


PARAMS_TARGET = f"{__name__}:ParamsGuardedMachine"
