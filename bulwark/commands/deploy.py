"""`bulwark deploy` (also `ape run deploy`): deploy and wire the whole suite from a parameter file, record
it, and verify every wire; or rehearse all of it on a fork first.

Before any node is contacted it checks the parameter file, the RPC configuration (`--rpc`, ape-config,
`$WEB3_PROVIDER_URI`; never a random public RPC), the resume file and the account (a keyfile is
unlocked now); then one `eth_chainId` request checks the chain before anything is sent. Each failure
is one line (bulwark.preflight).

Writes `<out>/<chainId>.json` (addresses, parameter file and its hash, blocks, deployer, and per
contract the deployment transaction, constructor arguments decoded and ABI-encoded, ABI, compiler and
settings) and the standard-JSON input beside it (`<chainId>.input.json`), then reads the chain back and
checks every wire against the parameters; the record is rewritten with the result. Exits non-zero,
naming each mismatch, if any wire differs. A failure partway leaves `<chainId>.partial.json` with what
exists and prints the `--resume` command that reuses it.

`--rehearse` starts Anvil forking the target, runs the whole deployment and its verification there
from the deployer's address (impersonated: nothing is signed), prints the gas of each transaction, the
total and its cost at the fork's gas price, writes `<chainId>.rehearsal.json`, and stops the fork.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark import PROJECT_ROOT
from bulwark.cli import LOCAL_NETWORK, ParamsFile, UserPath, params_option
from bulwark.lints import deploy_gate
from bulwark.preflight import (
    PreflightError,
    check_chain,
    expected_chain_id,
    load_deployer,
    manages_its_node,
    resolve_rpc,
    shown,
)

console = Console(width=140)


class DeployCommand(ConnectedProviderCommand):
    """Ape's network option (parsed into an unconnected provider) without Ape's connection: the command
    checks its input first and then connects itself (to the target, or to a fork of it)."""

    def invoke(self, ctx):
        """Run the callback with the parsed options; nothing is connected yet."""
        return ctx.invoke(self.callback, **ctx.params)


@click.command("deploy", cls=DeployCommand, short_help="Deploy the suite, record and verify it")
@network_option(default=LOCAL_NETWORK)
@params_option()
@click.option(
    "--account",
    metavar="ALIAS",
    help="Ape account that deploys: a keyfile alias (ape accounts import) or a hardware wallet's "
    "(ape-ledger, ape-trezor). Default on local networks: test account 0.",
)
@click.option(
    "--rpc",
    metavar="URL",
    help="RPC of the target network (else ape-config.yaml's node.<ecosystem>.<network>.uri, else "
    "$WEB3_PROVIDER_URI).",
)
@click.option("--chain-id", type=int, help="The chain the node must be (default: the network's own).")
@click.option("--rehearse", is_flag=True, help="Run everything on a local fork of the target; send nothing.")
@click.option(
    "--resume",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    help="A <chainId>.partial.json a failed deployment left: reuse what it deployed.",
)
@click.option(
    "--out",
    type=UserPath(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "deployments",
    show_default=True,
    help="Directory for <chainId>.json, .input.json, .partial.json and .rehearsal.json.",
)
@click.option("--show-checks", is_flag=True, help="List every check, not only the mismatches.")
@click.option("--accept-warnings", is_flag=True, help="Deploy on a live network despite lint warnings.")
def cli(
    provider, provider_settings, params_file, account, rpc, chain_id, rehearse, resume, out, show_checks,
    accept_warnings,
):  # fmt: skip
    """Deploy the suite from a parameter file, write <out>/<chainId>.json and verify every wire."""
    options = Options(
        provider, provider_settings or {}, params_file, account, rpc, chain_id, resume, out, accept_warnings
    )
    try:
        if rehearse:
            rehearse_deployment(options, show_checks)
        else:
            deploy(options, show_checks)
    except PreflightError as err:
        raise click.UsageError(str(err)) from None


class Options:
    """The command's options, checked before any node is contacted (`check`)."""

    def __init__(
        self,
        provider,
        provider_settings,
        params_file: ParamsFile,
        account,
        rpc,
        chain_id,
        resume,
        out,
        accept_warnings=False,
    ):
        self.provider, self.provider_settings = provider, provider_settings
        self.network = provider.network
        self.choice = f"{self.network.choice}:{provider.name}"  # ethereum:sepolia:node
        self.path, self.params, self.raw = params_file
        self.alias, self.rpc_option, self.chain_id_option = account, rpc, chain_id
        self.resume, self.out = resume, Path(out)
        self.accept_warnings = accept_warnings
        self.local = manages_its_node(self.network)

    def check(self, *, sign: bool):
        """Everything that needs no node: the file for this network, the RPC, the resume file, the
        account. Returns (rpc, expected chain id, partial record or None, existing contracts, deployer)."""
        if not self.local and (fields := self.params.local_only()):
            raise click.UsageError(
                f"{self.path}: {', '.join(fields)} are for local networks only (got {self.network.name})"
            )
        # parameter lints (docs/PARAMS.md): a live network refuses errors, and warnings without the flag
        lints = deploy_gate(self.params, self.path, live=not self.local, accept_warnings=self.accept_warnings)
        if lints:
            console.print(lints, highlight=False)
        rpc = resolve_rpc(self.provider, self.rpc_option)
        expected = expected_chain_id(self.network, self.chain_id_option)
        partial, existing = None, None
        if self.resume is not None:
            from bulwark.deployments import read_partial

            try:
                partial, existing = read_partial(self.resume)
            except ValueError as err:
                raise click.BadParameter(str(err), param_hint="'--resume'") from None
            digest = hashlib.sha256(self.raw).hexdigest()
            if partial["params_sha256"] != digest:
                raise click.BadParameter(
                    f"{self.resume} was deployed from another parameter file than {self.path}",
                    param_hint="'--resume'",
                )
            if expected is not None and int(partial["chain_id"]) != expected:
                raise click.BadParameter(
                    f"{self.resume} is for chain {partial['chain_id']}, not {expected}",
                    param_hint="'--resume'",
                )
        deployer = load_deployer(self.alias, self.network, sign=sign)
        if partial is not None and partial["deployer"] != deployer.address:
            raise click.BadParameter(
                f"{self.resume} was deployed by {partial['deployer']}, not {deployer.address}",
                param_hint="'--resume'",
            )
        return rpc, expected, partial, existing, deployer

    def resume_command(self, partial: Path) -> str:
        """The command line that resumes from `partial`."""
        words = ["bulwark", "deploy", "--network", self.choice, "--params", str(self.path)]
        if self.alias:
            words += ["--account", self.alias]
        if self.rpc_option:
            keyless = shown(self.rpc_option) == self.rpc_option.rstrip(
                "/"
            )  # else a path or query may hold a key
            words += ["--rpc", self.rpc_option if keyless else "<your RPC URL>"]
        if self.chain_id_option is not None:
            words += ["--chain-id", str(self.chain_id_option)]
        return shlex.join([*words, "--out", str(self.out), "--resume", str(partial)])


def _connect(options: Options, rpc: str | None):
    """The provider context for the target (the configured RPC given explicitly, so Ape never picks
    another)."""
    network = options.network
    if rpc is None:
        return network.use_provider(options.provider, disconnect_on_exit=True)
    settings = dict(options.provider_settings, uri=rpc)
    return network.use_provider(options.provider.name, provider_settings=settings, disconnect_on_exit=True)


def deploy(options: Options, show_checks: bool):
    """Deploy, record and verify on the target; UsageError or ClickException on failure."""
    rpc, expected, _, existing, deployer = options.check(sign=True)
    if rpc is not None:
        check_chain(rpc, expected, options.choice)
    with _connect(options, rpc) as provider:
        from ape import accounts, chain, project

        if expected is not None and chain.chain_id != expected:  # the RPC changed under us
            raise click.ClickException(f"wrong chain: connected to {chain.chain_id}, expected {expected}")
        _deploy_connected(options, provider, project, chain, deployer, accounts, existing, show_checks)


def _deploy_connected(options, provider, project, chain, deployer, accounts, existing, show_checks):
    from bulwark.deploy import DeploymentError, PartialDeployment, deploy_suite
    from bulwark.deployments import (
        contract_details,
        deployment_record,
        partial_path,
        standard_json_input,
        verify_suite,
        write_partial,
        write_record,
        write_standard_input,
    )
    from bulwark.params import ParamsError
    from bulwark.tables import deployment_table, verification_table

    chain_id = chain.chain_id
    out = options.out
    local_accounts = accounts.test_accounts if options.local else None
    partial = partial_path(out, chain_id)
    action = "Resuming" if existing else "Deploying"
    console.print(f"{action} {options.path} on chain {chain_id} ({options.choice}) from {deployer.address}")

    def record(addresses, deployed, first_block, last_block, verification, input_file=None, digest=None):
        return deployment_record(
            addresses,
            chain_id=chain_id,
            network=options.choice,  # never the URI, which may hold an API key
            deployer=deployer.address,
            first_block=first_block,
            last_block=last_block,
            params_path=options.path,
            params_bytes=options.raw,
            verification=verification,
            details=contract_details(project, deployed, input_file, digest),
        )

    def progress(deployed):
        if options.local:
            return  # a local chain ends with the command: nothing to resume
        blocks = [d.block_number for d in deployed if d.block_number is not None]
        write_partial(out, _partial_record(record, deployed, blocks))

    try:
        suite = deploy_suite(
            project, deployer, options.params, local_accounts, existing=existing, progress=progress
        )
    except PartialDeployment as err:
        if options.local or not err.deployed:
            raise click.ClickException(f"deployment failed: {err}; nothing to resume") from None
        raise click.ClickException(
            f"deployment stopped: {err}; {len(err.deployed)} contracts exist, recorded in {partial}; "
            f"fix the cause and resume with: {options.resume_command(partial)}"
        ) from None
    except (DeploymentError, ParamsError) as err:
        raise click.ClickException(str(err)) from None
    addresses = suite.addresses()
    input_file, digest = write_standard_input(out, chain_id, standard_json_input(project))

    def final(verification):
        data = record(
            addresses,
            suite.deployed,
            suite.first_block,
            suite.last_block,
            verification,
            input_file.name,
            digest,
        )
        if suite.abandoned:
            data["abandoned"] = [
                {"step": a.step, "contract": a.contract, "address": a.address} for a in suite.abandoned
            ]
        return write_record(out, data)

    written = final(None)  # the addresses are kept even if reading back fails
    if partial.exists():
        partial.unlink()  # superseded by the record (reused contracts say "reused": true)
    reused = sum(d.reused for d in suite.deployed)
    note = f", {reused} reused from {options.resume}" if reused else ""
    console.print(
        deployment_table(suite, f"Deployed in blocks {suite.first_block}..{suite.last_block}{note}")
    )
    verification = verify_suite(project, addresses, suite.plan)
    written = final(verification)
    console.print(verification_table(verification, suite.plan.decimals, everything=show_checks))
    if not verification.ok:
        wires = ", ".join(c.wire for c in verification.mismatches)
        raise click.ClickException(
            f"verification failed: {len(verification.mismatches)} wires differ from {options.path} "
            f"({wires}); record at {written}"
        )
    console.print(
        f"[green]verified[/]: {len(verification.checks)} wires match {options.path}; record at {written}, "
        f"compiler input at {input_file}"
    )


def _partial_record(record, deployed, blocks):
    from bulwark.deploy import SuiteAddresses

    by_step = {d.step: d.address for d in deployed}
    addresses = SuiteAddresses(
        guardian=by_step.get("PauseGuardian"),
        collateral=by_step.get("collateral"),
        fund=by_step.get("InsuranceFund"),
        engine=by_step.get("MarginEngine"),
        oracles={
            d.step.removeprefix("MedianOracle "): d.address for d in deployed if d.contract == "MedianOracle"
        },
    )
    return record(addresses, deployed, min(blocks, default=0), max(blocks, default=0), None)


# ---------------------------------------------------------------- rehearsal


def rehearse_deployment(options: Options, show_checks: bool):
    """The whole deployment and its verification on a fork of the target; prints gas and cost."""
    import json

    from bulwark.rehearsal import WEI_PER_ETH, WEI_PER_GWEI, fork_node, gas_report

    if options.local:
        raise click.UsageError(f"--rehearse forks a live network; {options.choice} is local")
    rpc, expected, _, existing, deployer = options.check(sign=False)
    chain_id = check_chain(rpc, expected, options.choice)
    host = os.environ.pop("APE_FOUNDRY_HOST", None)  # it would point ape-foundry elsewhere
    try:
        with fork_node(rpc) as fork:
            console.print(
                f"Rehearsing on a fork of {shown(rpc)} (chain {fork.chain_id}, anvil pid {fork.pid} at "
                f"{fork.url}); nothing is sent to the target"
            )
            from ape import networks, project

            with networks.ethereum.local.use_provider(
                "foundry", provider_settings={"host": fork.url}, disconnect_on_exit=True
            ) as provider:
                from ape.api.accounts import ImpersonatedAccount

                provider.unlock_account(deployer.address)  # the fork sends as the deployer, unsigned
                impersonated = ImpersonatedAccount(raw_address=deployer.address)
                balance = provider.get_balance(deployer.address)
                gas_price = provider.gas_price
                fork_block = provider.get_block("latest").number
                if balance < 10**24:  # the rehearsal runs to the end; the shortfall is reported below
                    provider.set_balance(deployer.address, 10**24)
                result = _rehearse_connected(options, project, impersonated, existing, show_checks)
        deployed, verification, failure = result
    finally:
        if host is not None:
            os.environ["APE_FOUNDRY_HOST"] = host
    report = gas_report(deployed, gas_price)
    console.print(_gas_table(report, gas_price))
    console.print(
        f"total {report.total_gas:,} gas; at the fork's gas price of {gas_price / WEI_PER_GWEI:,.4f} gwei "
        f"that is {report.cost:,} wei = {report.cost / WEI_PER_ETH:.6f} ETH; the deployer holds "
        f"{balance / WEI_PER_ETH:.6f} ETH"
    )
    path = options.out / f"{chain_id}.rehearsal.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "chain_id": chain_id,
                "fork_block": fork_block,
                "deployer": deployer.address,
                "deployer_balance_wei": balance,
                "params_file": str(options.path),
                "params_sha256": hashlib.sha256(options.raw).hexdigest(),
                "gas": report.as_dict(),
                "verification": verification.as_dict() if verification is not None else {"ok": None},
                "failure": failure,
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"rehearsal written to {path}; the fork (pid {fork.pid}) is stopped")
    if failure:
        raise click.ClickException(f"rehearsal failed: {failure}; nothing was sent to chain {chain_id}")
    if report.cost > balance:
        raise click.ClickException(
            f"the deployer {deployer.address} holds {balance / WEI_PER_ETH:.6f} ETH, the deployment costs "
            f"{report.cost / WEI_PER_ETH:.6f} ETH at {gas_price / WEI_PER_GWEI:,.4f} gwei: fund it first"
        )
    console.print(
        f"[green]rehearsed[/]: {len(verification.checks)} wires verified on the fork; nothing was sent"
    )


def _rehearse_connected(options, project, deployer, existing, show_checks):
    """(deployed, verification or None, failure message or None) of the deployment on the fork."""
    from bulwark.deploy import DeploymentError, PartialDeployment, deploy_suite
    from bulwark.deployments import verify_suite
    from bulwark.params import ParamsError
    from bulwark.tables import verification_table

    try:
        suite = deploy_suite(project, deployer, options.params, None, existing=existing)
    except PartialDeployment as err:
        return err.deployed, None, str(err)
    except (DeploymentError, ParamsError) as err:
        return [], None, str(err)
    verification = verify_suite(project, suite.addresses(), suite.plan)
    console.print(verification_table(verification, suite.plan.decimals, everything=show_checks))
    failure = None
    if not verification.ok:
        failure = f"{len(verification.mismatches)} wires differ from {options.path}"
    return suite.deployed, verification, failure


def _gas_table(report, gas_price: int) -> Table:
    from bulwark.rehearsal import WEI_PER_ETH

    table = Table(title=f"Gas on the fork (cost at {gas_price:,} wei per gas)")
    for column in ("step", "contract", "address", "gas", "cost (ETH)"):
        table.add_column(column, justify="right" if column in ("gas", "cost (ETH)") else "left")
    for line in report.lines:
        table.add_row(
            line.step,
            line.contract,
            line.address,
            f"{line.gas_used:,}",
            f"{line.gas_used * gas_price / WEI_PER_ETH:.6f}",
        )
    table.add_row("total", "", "", f"{report.total_gas:,}", f"{report.cost / WEI_PER_ETH:.6f}")
    return table
