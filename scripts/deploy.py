"""Deployment as an `ape run` script: `ape run deploy [--network ...] [--params FILE] [--account ALIAS]
[--out DIR] [--show-checks]`, the same command as `bulwark deploy` (bulwark.commands.deploy)."""

from bulwark.commands.deploy import cli

__all__ = ["cli"]
