"""The main job: deploy the suite on a local Anvil and walk through what it can do so far.

    ape run demo [--params params/local.json]

ape-foundry starts the Anvil node and stops it when the script ends. As the suite grows this walk
becomes the market-crash scenario (issue 6).
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from ape.exceptions import ContractLogicError
from rich.console import Console
from rich.table import Table

from bulwark import PROJECT_ROOT
from bulwark.deploy import deploy_suite
from bulwark.params import ParamsError, load_params

console = Console()
ALPHA = 1 << 0


def _validated_params(ctx, param, path):
    """Reject a bad parameter file while parsing arguments, before any node is started."""
    try:
        return load_params(path)
    except ParamsError as err:
        raise click.BadParameter(str(err)) from None


@click.command(cls=ConnectedProviderCommand, short_help="Deploy the suite on a local Anvil and demo it")
@network_option(default="ethereum:local:foundry")
@click.option(
    "--params",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=PROJECT_ROOT / "params" / "local.json",
    show_default=True,
    callback=_validated_params,
    help="Suite parameter file.",
)
def cli(ecosystem, network, provider, params):
    if not network.is_local:
        raise click.UsageError(
            f"the demo moves the node's clock, so it runs only locally (got {network.name})"
        )

    from ape import accounts, chain

    deployer = accounts.test_accounts[0]
    user = accounts.test_accounts[1]
    suite = deploy_suite(project, deployer, params)

    table = Table(title=f"Deployed on chain {chain.chain_id} (Anvil at {provider.uri})")
    table.add_column("contract")
    table.add_column("address")
    table.add_column("key parameters")
    c = suite.collateral
    table.add_row("collateral", c.address, f"{c.symbol()} ({c.name()}), {c.decimals()} decimals")
    g = suite.guarded
    table.add_row(
        "Guarded target",
        g.address,
        f"guardian {g.GUARDIAN()}, pause scopes mask {g.pauseScopes():#x}",
    )
    table.add_row("guardian", suite.guardian.address, "EOA admin until PauseGuardian lands (issue 3)")
    console.print(table)

    # A scoped pause, its effect, and its end by expiry without any transaction.
    start = chain.blocks.head.timestamp
    until = start + params.pause.demo_duration
    g.setPause(ALPHA, until, sender=deployer)
    console.print(f"paused scope {ALPHA:#x} until {until} ({params.pause.demo_duration}s from now)")
    try:
        g.alpha(sender=user)
    except ContractLogicError as err:  # carries the decoded custom error and its values
        console.print(f"  call in paused scope reverted: [yellow]{type(err).__name__}[/] {err}")
    else:
        raise click.ClickException("a call in a paused scope went through")
    g.beta(sender=user)
    console.print(f"  other scope still live: beta() calls = {g.betaCalls()}")
    chain.mine(timestamp=until)
    g.alpha(sender=user)
    console.print(f"  at expiry the scope is live again: alpha() calls = {g.alphaCalls()}")
    console.print("[green]demo finished[/]; ape-foundry stops the node now")
