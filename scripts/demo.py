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
from bulwark.approvals import Call, pause_message, schedule_message, sign_all
from bulwark.cli import require_local
from bulwark.deploy import deploy_suite
from bulwark.params import ParamsError, load_params

console = Console(width=120)
ALPHA = 1 << 0
SALT = b"\x00" * 32


def _validated_params(ctx, param, path):
    """Reject a bad parameter file while parsing arguments, before any node is started."""
    try:
        return load_params(path)
    except ParamsError as err:
        raise click.BadParameter(str(err)) from None


def _expect_revert(action, label):
    try:
        action()
    except ContractLogicError as err:  # carries the decoded custom error and its values
        console.print(f"  {label}: reverted [yellow]{err}[/]")
    else:
        raise click.ClickException(f"{label}: went through, but it must revert")


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
    require_local(network, "the demo")

    from ape import accounts, chain

    local = accounts.test_accounts
    deployer, keeper, user = local[0], local[8], local[9]
    suite = deploy_suite(project, deployer, params, local_accounts=local)
    guardian, target = suite.guardian, suite.guarded
    _print_deployment(suite, chain, provider)

    keys = [s.private_key for s in suite.signers]
    now = chain.blocks.head.timestamp

    console.rule("fast path: one signer pauses a scope at once")
    until = now + params.pause.demo_duration
    approvals = sign_all(
        keys[:1], pause_message(target.address, ALPHA, until), chain.chain_id, guardian.address, until
    )
    receipt = guardian.pause(target.address, ALPHA, until, approvals, sender=keeper)
    console.print(
        f"  keeper relayed signer {approvals[0].signer[:10]}'s approval: "
        f"paused until {until} ({receipt.gas_used:,} gas)"
    )
    _expect_revert(lambda: target.alpha(sender=user), "call in the paused scope")
    target.beta(sender=user)
    console.print(f"  other scope still live: beta() calls = {target.betaCalls()}")
    chain.mine(timestamp=until)
    target.alpha(sender=user)
    console.print(f"  at {until} the pause has ended by itself: alpha() calls = {target.alphaCalls()}")

    console.rule(f"slow path: {guardian.threshold()} signers change a parameter through the timelock")
    calls = [Call(target.address, 0, target.setValue.encode_input(42))]
    valid_until = chain.blocks.head.timestamp + 3600
    approvals = sign_all(
        keys[: guardian.threshold()],
        schedule_message(calls, SALT),
        chain.chain_id,
        guardian.address,
        valid_until,
    )
    receipt = guardian.schedule(calls, SALT, approvals, sender=keeper)
    eta = receipt.events[0].eta
    console.print(
        f"  scheduled setValue(42) with {len(approvals)} approvals ({receipt.gas_used:,} gas); eta {eta}"
    )
    _expect_revert(lambda: guardian.execute(calls, SALT, sender=keeper), "execute before the eta")
    chain.pending_timestamp = eta
    receipt = guardian.execute(calls, SALT, sender=keeper)
    console.print(f"  executed at the eta by the keeper ({receipt.gas_used:,} gas): value = {target.value()}")
    console.print("[green]demo finished[/]; ape-foundry stops the node now")


def _print_deployment(suite, chain, provider):
    g, c, t = suite.guardian, suite.collateral, suite.guarded
    table = Table(title=f"Deployed on chain {chain.chain_id} (Anvil at {provider.uri})")
    for column in ("contract", "address", "key parameters"):
        table.add_column(column)
    table.add_row(
        "PauseGuardian",
        g.address,
        f"{g.threshold()}-of-{len(g.signers())} (cancel {g.cancelThreshold()}, pause {g.pauseThreshold()}); "
        f"delay {g.delay()}s in [{g.MIN_DELAY()}, {g.MAX_DELAY()}]; grace {g.GRACE_PERIOD()}s; "
        f"max pause {g.MAX_PAUSE_DURATION()}s",
    )
    table.add_row("collateral", c.address, f"{c.symbol()} ({c.name()}), {c.decimals()} decimals")
    table.add_row("Guarded target", t.address, f"guardian {t.GUARDIAN()}, scopes mask {t.pauseScopes():#x}")
    console.print(table)
