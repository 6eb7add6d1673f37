"""The demo as an `ape run` script: `ape run demo [--scenario FILE] [--seed N]`, the same command as
`bulwark demo` (bulwark.commands.demo)."""

from bulwark.commands.demo import cli

__all__ = ["cli"]
