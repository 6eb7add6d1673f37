"""`bulwark monitor`: watch a deployed suite block by block and contain what it sees through the
PauseGuardian's fast path (docs/RUNBOOK.md).

    bulwark monitor --deployment deployments/31337.json [--rpc URL] [--config FILE] [--dry-run]
                    [--account ALIAS | --key-env VAR] [--blocks N]

Alerts, responses and heartbeats are JSON lines on stdout (and in `alerts_file`, and POSTed to
`webhook`, from the config). The pause key is an Ape keyfile account (`--account ALIAS`, its
passphrase from Ape's APE_ACCOUNTS_<alias>_PASSPHRASE or a prompt) or, for tests, the environment
variable named by --key-env (default BULWARK_PAUSE_KEY): one of the guardian's pausers (pause-only,
GRD-06), or a signer's key; the start line's `role` says which. Without a key, or with --dry-run, the
monitor reports what it would do and sends nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from bulwark.cli import UserPath
from bulwark.monitor.alerts import Sink
from bulwark.monitor.config import MonitorConfigError, load_config
from bulwark.monitor.node import Node, NodeError
from bulwark.monitor.reader import Deployment
from bulwark.monitor.runner import Monitor

KEY_VARIABLE = "BULWARK_PAUSE_KEY"


def _key(variable: str) -> bytes | None:
    value = os.environ.get(variable)
    if not value:
        return None
    try:
        key = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise click.UsageError(f"${variable} is not a hex private key") from None
    if len(key) != 32:
        raise click.UsageError(f"${variable} holds {len(key)} bytes, not a 32-byte private key")
    return key


def _account_key(alias: str) -> bytes:
    """The private key of Ape keyfile account `alias` (a monitor signs unattended: no hardware wallet)."""
    from ape import accounts
    from ape.exceptions import AccountsError
    from eth_account import Account

    try:
        account = accounts.load(alias)
    except (AccountsError, IndexError, KeyError) as err:
        raise click.UsageError(f"--account {alias}: {' '.join(str(err).split())}") from None
    keyfile = getattr(account, "keyfile", None)
    if keyfile is None:
        raise click.UsageError(
            f"--account {alias}: the monitor signs unattended, so it needs a keyfile account "
            "(hardware wallets sign through `bulwark guardian`)"
        )
    passphrase = os.environ.get(f"APE_ACCOUNTS_{alias}_PASSPHRASE")
    if passphrase is None:
        passphrase = click.prompt(f"passphrase of {alias}", hide_input=True, err=True)
    try:
        return bytes(Account.decrypt(keyfile, passphrase))
    except ValueError:
        raise click.UsageError(f"--account {alias}: wrong passphrase") from None


@click.command("monitor", short_help="Watch a deployment every block and pause through the guardian")
@click.option(
    "--deployment",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Deployment record (deployments/<chainId>.json).",
)
@click.option("--rpc", default="http://127.0.0.1:8545", show_default=True, help="JSON-RPC URL of a node.")
@click.option(
    "--config",
    "config_path",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Thresholds, actions and sinks (YAML or JSON); defaults otherwise.",
)
@click.option("--dry-run", is_flag=True, help="Report what containment would send; send nothing.")
@click.option("--account", "alias", default=None, help="Ape keyfile account of the pause key (a pauser).")
@click.option(
    "--key-env",
    default=KEY_VARIABLE,
    show_default=True,
    help="Environment variable holding the pause key's private key (tests).",
)
@click.option("--blocks", type=click.IntRange(1), default=None, help="Stop after checking N blocks.")
def cli(deployment, rpc, config_path, dry_run, alias, key_env, blocks):
    """Follow each new block of the deployment, report alerts as JSON lines, and pause what the
    configuration says to contain."""
    try:
        config = load_config(config_path)
    except MonitorConfigError as err:
        raise click.BadParameter(str(err), param_hint="'--config'") from None
    key = _account_key(alias) if alias else _key(key_env)
    try:
        record = Deployment.load(deployment)
        node = Node(rpc)
    except NodeError as err:
        raise click.UsageError(str(err)) from None
    sink = Sink(file=config.alerts_file, webhook=config.webhook)
    try:
        monitor = Monitor(node, record, config, sink, key=key, dry_run=dry_run or key is None)
        monitor.run(blocks)
    except NodeError as err:
        raise click.ClickException(str(err)) from None
    except KeyboardInterrupt:
        pass
    finally:
        sink.emit("stop")
        sink.close()
        node.close()
