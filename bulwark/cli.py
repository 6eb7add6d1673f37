"""Shared pieces of the `ape run` scripts."""

import click


def require_local(network, what: str) -> None:
    """Scripts that move the node's clock refuse live networks with a one-line usage error."""
    if not network.is_local:
        raise click.UsageError(f"{what} moves the node's clock, so it runs only locally (got {network.name})")
