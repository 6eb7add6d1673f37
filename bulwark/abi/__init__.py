"""Mirrors of the contracts' ABI-level constants (pause scopes today), each checked against the chain."""

from bulwark.abi.scopes import EngineScope, FundScope, GuardedMockScope, OracleScope

__all__ = ["EngineScope", "FundScope", "GuardedMockScope", "OracleScope"]
