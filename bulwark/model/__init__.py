"""Pure-Python mirrors of the contracts' rules (no I/O), shared by tests, machines and tools."""
