"""The contracts' ABI on the Python side: calls and their results (codec), custom errors (errors), and
the ABI-level constants (pause scopes), each checked against the chain."""

from bulwark.abi.scopes import EngineScope, FundScope, GuardedMockScope, OracleScope

__all__ = ["EngineScope", "FundScope", "GuardedMockScope", "OracleScope"]
