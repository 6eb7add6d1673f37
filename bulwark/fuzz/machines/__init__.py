"""One Hypothesis state machine per contract, at module level, each checking its invariant IDs after
every step against the pure models in bulwark.model. `tests/invariants/test_machines.py` runs them."""
