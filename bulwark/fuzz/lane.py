"""What every lane state machine shares: a chain per backend, a deployment made once per process and
restored from a snapshot before every example, and a runner that makes a pytest test of a machine.

    class OracleMachine(LaneMachine):
        @classmethod
        def deploy(cls, chain):            # once per backend and process
            return chain.deploy("MedianOracle", ...)
        def __init__(self):
            super().__init__()             # self.chain and self.world (what deploy returned), restored
            ...

    test_oracle = OracleMachine.test_case("revm")      # a unittest.TestCase class for pytest
"""

from __future__ import annotations

import atexit
from typing import Any, ClassVar

from hypothesis.stateful import RuleBasedStateMachine

from bulwark.chain import Chain, backend_name, connect

_CHAINS: dict[str, Chain] = {}


def lane_chain(backend: str) -> Chain:
    """The process's chain on `backend` (started on first use, stopped at exit)."""
    if backend not in _CHAINS:
        _CHAINS[backend] = connect(backend)
    return _CHAINS[backend]


def start_lane_chain(backend: str, **options) -> Chain:
    """Start the process's chain on `backend` with `connect` options (e.g. `coverage=`), before any
    machine asks for it; a chain already started on the backend is an error (it has other options)."""
    if backend in _CHAINS:
        raise RuntimeError(f"the lane's {backend} chain is already started")
    _CHAINS[backend] = connect(backend, **options)
    return _CHAINS[backend]


@atexit.register
def close_chains() -> None:
    """Stop every chain this process started (Anvil nodes included)."""
    while _CHAINS:
        _CHAINS.popitem()[1].close()


class LaneMachine(RuleBasedStateMachine):
    """A state machine on the lane. Subclasses implement `deploy`; `backend` picks the chain. Each machine
    class has its own deployment (a subclass that only sets class attributes, e.g. token decimals, gets
    one of its own); `on(backend)` variants share their machine's.

    The chain holds one machine's deployment at a time, made from the chain as it was before any
    (`_empty`): a machine whose deployment the chain holds is restored from its snapshot; any other
    (a campaign's rotation moving on) puts the chain back to empty and deploys again, so its contracts
    have the same addresses and state as in a process that runs it alone (a replay)."""

    backend: ClassVar[str] = "revm"
    _deployments: ClassVar[dict[tuple[type, str], list]] = {}
    _empty: ClassVar[dict[str, object]] = {}  # backend -> snapshot of the chain before any deployment
    _held: ClassVar[dict[str, tuple[type, str]]] = {}  # backend -> key of the deployment the chain holds

    @classmethod
    def deploy(cls, chain: Chain) -> Any:
        """Deploy what the machine drives and return it (the machine's `world`)."""
        raise NotImplementedError

    def __init__(self):
        super().__init__()
        key = (getattr(type(self), "_machine", type(self)), self.backend)
        chain = lane_chain(self.backend)
        entry = LaneMachine._deployments.get(key)
        if entry is not None and LaneMachine._held.get(self.backend) == key:
            chain.revert(entry[1])
            entry[1] = chain.snapshot()
        else:
            empty = LaneMachine._empty.get(self.backend)
            if empty is not None and self.backend in LaneMachine._held:  # another deployment is there
                chain.revert(empty)
            LaneMachine._empty[self.backend] = chain.snapshot()  # (snapshot ids are single use)
            world = type(self).deploy(chain)
            entry = LaneMachine._deployments[key] = [world, chain.snapshot()]
            LaneMachine._held[self.backend] = key
        self.chain: Chain = chain
        self.world = entry[0]

    @classmethod
    def on(cls, backend: str) -> type[LaneMachine]:
        """This machine on `backend` (a subclass; the deployment is shared by all on the backend)."""
        name = backend_name(backend)
        base = getattr(cls, "_machine", cls)
        return type(f"{cls.__name__}On{name.capitalize()}", (cls,), {"backend": name, "_machine": base})

    @classmethod
    def test_case(cls, backend: str, settings=None):
        """A unittest.TestCase running this machine on `backend` (with `settings`, else the profile's)."""
        case = cls.on(backend).TestCase
        if settings is not None:
            case.settings = settings
        return case
