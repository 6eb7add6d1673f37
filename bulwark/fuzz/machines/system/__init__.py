"""The system machine: the whole suite from a parameter file, every actor, every invariant ID."""

from bulwark.params import DEFAULT_PARAMS

from .machine import SystemMachine

__all__ = ["DEFAULT_PARAMS", "SystemMachine"]
