"""The simulator as an `ape run` script: `ape run simulate --scenario FILE [...]`, the same command as
`bulwark simulate` (bulwark.commands.simulate)."""

from bulwark.commands.simulate import cli

__all__ = ["cli"]
