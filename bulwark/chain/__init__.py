"""The chain lane: one interface (`Chain`), two backends that give identical results.

    from bulwark.chain import connect
    with connect("revm") as chain:            # or "anvil", or BULWARK_CHAIN=anvil in the environment
        token = chain.deploy("MockERC20", "USD Coin", "USDC", 6)
        token.mint.transact(chain.accounts[1], 10**6, sender=chain.accounts[0])
        token.balanceOf(chain.accounts[1])    # 1000000

`anvil` (raw JSON-RPC to a node the lane starts and stops) is the default wherever a user expects a
real node; `revm` (pyrevm in process) is the fast lane for fuzzing. `connect(backend,
coverage=CoverageCollector())` traces every transaction into the collector (bulwark.coverage).
"""

from __future__ import annotations

import os

from bulwark.chain.base import Chain, Contract, LaneError, Receipt, Reverted, dev_accounts, dev_keys

BACKENDS = ("anvil", "revm")
BACKEND_VARIABLE = "BULWARK_CHAIN"
DEFAULT_BACKEND = "anvil"


def backend_name(backend: str | None = None) -> str:
    """The backend asked for: the argument, else $BULWARK_CHAIN, else anvil; a bad name is one clear error."""
    name = backend or os.environ.get(BACKEND_VARIABLE) or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise LaneError(
            f"unknown chain backend {name!r}: choose one of {', '.join(BACKENDS)} ({BACKEND_VARIABLE})"
        )
    return name


def connect(backend: str | None = None, **options) -> Chain:
    """A fresh chain on the chosen backend (see `backend_name`)."""
    name = backend_name(backend)
    if name == "revm":
        from bulwark.chain.revm import RevmChain

        return RevmChain(**options)
    from bulwark.chain.anvil import AnvilChain

    return AnvilChain(**options)


__all__ = [
    "BACKENDS",
    "BACKEND_VARIABLE",
    "Chain",
    "Contract",
    "LaneError",
    "Receipt",
    "Reverted",
    "backend_name",
    "connect",
    "dev_accounts",
    "dev_keys",
]
