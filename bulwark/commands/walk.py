"""`bulwark walk` (also `ape run walk`): the scripted crash walk. Deploy the whole suite on a local Anvil
through Ape and walk one market crash end to end, step by step, with every check printed (the demo
before the simulator; `bulwark demo` now runs the March-2020 scenario, bulwark.commands.demo).

Deploys and verifies the suite (bulwark.deploy, bulwark.deployments), then runs bulwark.scenario: positions,
signed price pokes down through the oracle's breaker, a partial liquidation, a halt and its confirmation,
an insolvent account closed with its bad debt covered by the InsuranceFund, the guardian's fast pause and
timelock. Each step prints balances, margin ratios and the invariants checked; the command exits
non-zero if any invariant fails. ape-foundry starts the Anvil node and stops it when the command ends.
"""

import time

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from ape.logging import logger
from rich.console import Console
from rich.table import Table

from bulwark.cli import LOCAL_NETWORK, local_only, params_option, require_local
from bulwark.deploy import DeploymentError, deploy_suite
from bulwark.deployments import verify_suite
from bulwark.invariants import BY_ID
from bulwark.params import ParamsError
from bulwark.scenario import ScenarioError, run_crash
from bulwark.tables import deployment_table, verification_table

console = Console(width=140)


@click.command(
    "walk",
    cls=ConnectedProviderCommand,
    short_help="Walk a scripted market crash on a local Anvil, step by step",
)
@network_option(default=LOCAL_NETWORK, callback=local_only("the walk"))
@params_option(demo_for="the walk")
def cli(network, provider, params_file):
    """Deploy the suite on a local Anvil, verify it, walk a market crash and stop the node."""
    require_local(network, "the walk")
    run_walk(provider, params_file.params)


def run_walk(provider, params) -> None:
    """Deploy, verify and walk the crash on the connected local `provider`; ClickException on failure."""
    from ape import accounts, chain

    started = time.monotonic()
    logger.set_level("WARNING")  # Ape's per-transaction lines would drown the walk
    local = accounts.test_accounts
    try:
        suite = deploy_suite(project, local[0], params, local_accounts=local)
    except (DeploymentError, ParamsError) as err:
        raise click.ClickException(str(err)) from None
    console.print(deployment_table(suite, f"Deployed on chain {chain.chain_id} (Anvil at {provider.uri})"))
    verification = verify_suite(project, suite.addresses(), suite.plan)
    console.print(verification_table(verification, suite.plan.decimals))
    if not verification.ok:
        raise click.ClickException(
            f"the fresh deployment does not match {len(verification.mismatches)} wires"
        )

    try:
        tally = run_crash(project, chain, suite, params, local, console)
    except ScenarioError as err:
        raise click.ClickException(f"scenario: {err}") from None

    table = Table(title="Invariants checked during the walk")
    for column in ("ID", "promise", "checks", "result"):
        table.add_column(column)
    for id_, count in sorted(tally.counts.items()):
        failed = [f for f in tally.failures if f.id == id_]
        result = f"[red]BROKEN: {failed[0].detail}[/]" if failed else "[green]held[/]"
        table.add_row(id_, BY_ID[id_].statement, str(count), result)
    console.print(table)
    if not tally.ok:
        raise click.ClickException(f"{len(tally.failures)} invariant checks failed")
    console.print(
        f"[green]walk finished[/] in {time.monotonic() - started:.1f}s; ape-foundry stops the node now"
    )
