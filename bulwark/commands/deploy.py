"""`bulwark deploy` (also `ape run deploy`): deploy and wire the whole suite from a parameter file, record
it, and verify every wire.

Writes `<out>/<chainId>.json` (addresses, parameter file and its hash, blocks, deployer), then reads
the chain back and checks every wire against the parameters; the record is rewritten with the result.
Exits non-zero, naming each mismatch, if any wire differs. On a live network give `--account` (an Ape
account alias) and a parameter file without local-only fields (mock token, Anvil signers, test reporters).
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console

from bulwark import PROJECT_ROOT
from bulwark.cli import LOCAL_NETWORK, ParamsFile, UserPath, params_option
from bulwark.deploy import DeploymentError, deploy_suite
from bulwark.deployments import deployment_record, verify_suite, write_record
from bulwark.params import ParamsError
from bulwark.tables import deployment_table, verification_table

console = Console(width=140)


@click.command("deploy", cls=ConnectedProviderCommand, short_help="Deploy the suite, record and verify it")
@network_option(default=LOCAL_NETWORK)
@params_option()
@click.option("--account", help="Ape account alias that deploys (default on local networks: test account 0).")
@click.option(
    "--out",
    type=UserPath(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "deployments",
    show_default=True,
    help="Directory for <chainId>.json.",
)
@click.option("--show-checks", is_flag=True, help="List every check, not only the mismatches.")
@click.option("--accept-warnings", is_flag=True, help="Deploy on a live network despite lint warnings.")
def cli(network, provider, params_file, account, out, show_checks, accept_warnings):
    """Deploy the suite from a parameter file, write <out>/<chainId>.json and verify every wire."""
    deploy(network, provider, params_file, account, out, show_checks, accept_warnings)


def deploy(
    network, provider, params_file: ParamsFile, account, out: Path, show_checks, accept_warnings=False
):
    """Deploy, record and verify on the connected network; UsageError or ClickException on failure."""
    from ape import accounts, chain

    from bulwark.lints import deploy_gate  # parameter lints: live networks refuse errors (docs/PARAMS.md)

    path, params, raw = params_file
    local = network.is_local
    if not local and (fields := params.local_only()):
        raise click.UsageError(
            f"{path}: {', '.join(fields)} are for local networks only (got {network.name})"
        )
    if lints := deploy_gate(params, path, live=not local, accept_warnings=accept_warnings):
        console.print(lints, highlight=False)
    if account:
        try:
            deployer = accounts.load(account)
        except Exception as err:
            raise click.UsageError(f"--account {account}: {' '.join(str(err).split())}") from None
    elif local:
        deployer = accounts.test_accounts[0]
    else:
        raise click.UsageError(f"--account is required on {network.name}")

    console.print(
        f"Deploying {path} on chain {chain.chain_id} ({provider.network_choice}) from {deployer.address}"
    )
    try:
        suite = deploy_suite(
            project, deployer, params, local_accounts=accounts.test_accounts if local else None
        )
    except (DeploymentError, ParamsError) as err:
        raise click.ClickException(str(err)) from None
    addresses = suite.addresses()

    def record(verification):
        return write_record(
            out,
            deployment_record(
                addresses,
                chain_id=chain.chain_id,
                network=provider.network_choice,
                deployer=suite.deployer,
                first_block=suite.first_block,
                last_block=suite.last_block,
                params_path=path,
                params_bytes=raw,
                verification=verification,
            ),
        )

    written = record(None)  # the addresses are kept even if reading back fails
    console.print(deployment_table(suite, f"Deployed in blocks {suite.first_block}..{suite.last_block}"))
    verification = verify_suite(project, addresses, suite.plan)
    written = record(verification)
    console.print(verification_table(verification, suite.plan.decimals, everything=show_checks))
    if not verification.ok:
        wires = ", ".join(c.wire for c in verification.mismatches)
        raise click.ClickException(
            f"verification failed: {len(verification.mismatches)} wires differ from {path} ({wires}); "
            f"record at {written}"
        )
    console.print(f"[green]verified[/]: {len(verification.checks)} wires match {path}; record at {written}")
