"""Differential tests: anvil vs revm (scenario.py replays one scenario on both backends)."""
