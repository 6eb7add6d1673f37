"""Invariant fuzzing on the chain lane: the state machines (machines/), run on either backend."""
