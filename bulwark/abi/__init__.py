"""The contracts' ABI on the Python side: calls and their results, events, and custom errors."""
