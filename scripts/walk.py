"""The scripted crash walk as an `ape run` script: `ape run walk [--params FILE]`, the same command as
`bulwark walk` (bulwark.commands.walk)."""

from bulwark.commands.walk import cli

__all__ = ["cli"]
