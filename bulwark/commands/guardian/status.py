"""`bulwark guardian status`: what the guardian of a deployment has pending, and what is paused.

    bulwark guardian status --deployment deployments/31337.json [--network CHOICE]

Prints the guardian's signers, pausers, thresholds, delay and grace; every pending operation
(scheduled since the deployment's first block per OperationScheduled, minus OperationExecuted and
OperationCancelled, each confirmed by `operation(id)`) with its ETA, the end of its grace window,
whether it can run now, who approved it and its calls decoded; and every live pause of every Guarded
contract of the deployment (`pausedUntil(scope)` after the chain's current time, for each scope of
`pauseScopes()`) with its expiry.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import network_option

from bulwark.cli import LOCAL_NETWORK, UserPath
from bulwark.commands.guardian._common import CheckedCommand, bad, echo, one_line_errors, read_deployment
from bulwark.governance import (
    head_time,
    live_pauses,
    open_guardian,
    pending_operations,
    read_facts,
    render_pending,
)
from bulwark.signing.readable import span, utc


def _prepare(ctx) -> None:
    try:
        ctx.params["deployment"] = read_deployment(ctx.params["deployment"])
    except ValueError as err:
        raise bad(ctx, "--deployment", str(err)) from None


@click.command(
    "status", cls=CheckedCommand, prepare=_prepare, short_help="Pending operations and live pauses"
)
@network_option(default=LOCAL_NETWORK)
@click.option(
    "--deployment",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Deployment record (deployments/<chainId>.json).",
)
def cli(network, deployment):
    """List pending operations (ETA, grace window, calls) and live pauses with their expiry."""
    with one_line_errors():
        status(network, deployment)


def status(network, deployment) -> None:
    """Print the guardian's settings, pending operations and live pauses."""
    book = deployment.book
    g = open_guardian(deployment.chain_id, deployment.addresses.guardian, str(deployment.path), network)
    now = head_time()
    facts = read_facts(g)
    click.echo(facts.summary())
    click.echo(f"Pausers (pause-only keys, GRD-06): {', '.join(facts.pausers) or 'none'}")
    click.echo(f"Chain time {utc(now)} (block time of the latest block)")
    pending = pending_operations(g, book, deployment.first_block)
    click.echo(f"Pending operations: {len(pending) or 'none'}")
    for op in pending:
        echo(render_pending(op, book, now))
    pauses = live_pauses(book, now)
    click.echo(f"Live pauses: {len(pauses) or 'none'}")
    for p in pauses:
        click.echo(
            f"  {p.contract} {p.address}: {p.scope} paused until {utc(p.until)} (in {span(p.until - now)})"
        )
