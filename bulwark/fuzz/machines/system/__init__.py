"""The system machine: the whole suite from a parameter file, every actor, every invariant ID."""

from .machine import SystemMachine
from .world import DEFAULT_PARAMS

__all__ = ["DEFAULT_PARAMS", "SystemMachine"]
