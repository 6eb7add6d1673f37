"""Everything that signs: MedianOracle reports (`reports`), PauseGuardian EIP-712 approvals
(`approvals`) and Safe helpers (`safe`). One implementation for tests, scripts and the simulator."""
