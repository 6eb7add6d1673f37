"""`bulwark guardian execute`: run a scheduled operation once its ETA has come.

    bulwark guardian execute --operation raise-mmr.operation.json [--account ALIAS | --key-env VAR]

Reads the operation file `propose` wrote (calls and salt; its operation id must match them), then from
the chain the operation's state, ETA and the guardian's grace period: an operation not scheduled,
executed, cancelled, before its ETA (the error says the ETA and how long until it) or past its grace
window is refused with one line and nothing is sent. The exact call is then run with eth_call (a call of
the batch that would revert is named), sent by anyone (--account / --key-env, or test account 0 on a
local network), and the receipt's events are printed decoded.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import network_option

from bulwark.cli import LOCAL_NETWORK, UserPath
from bulwark.commands.guardian._common import (
    CheckedCommand,
    account_options,
    bad,
    echo,
    load_account,
    one_line_errors,
)
from bulwark.governance import (
    ChainCheckError,
    OperationState,
    describe_logs,
    head_time,
    open_guardian,
    send,
    simulate,
)
from bulwark.signing.readable import decode_call, render_call, span, utc
from bulwark.signing.requests import SidecarError, load_json, read_sidecar
from bulwark.signing.specs import ContractBook


def _prepare(ctx) -> None:
    path = ctx.params["operation"]
    try:
        sidecar = read_sidecar(load_json(path), str(path))
    except (ValueError, SidecarError) as err:
        raise bad(ctx, "--operation", str(err)) from None
    if sidecar.kind != "calls":
        raise bad(
            ctx,
            "--operation",
            f"{path} is a {sidecar.kind} request, which runs when submitted; nothing to execute",
        )
    ctx.params["operation"] = (path, sidecar)


@click.command("execute", cls=CheckedCommand, prepare=_prepare, short_help="Execute a scheduled operation")
@network_option(default=LOCAL_NETWORK)
@click.option(
    "--operation",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Operation file written by propose (x.operation.json).",
)
@account_options("sends the transaction")
def cli(network, operation, account, key_env):
    """Execute a scheduled operation inside [ETA, ETA + grace]; print its events."""
    path, sidecar = operation
    with one_line_errors():
        execute(network, path, sidecar, load_account(account, key_env, network=network))


def execute(network, path: Path, sidecar, sender) -> None:
    """Check state, ETA and grace on chain, simulate, send, print the events."""
    g = open_guardian(sidecar.chain_id, sidecar.guardian, str(path), network)
    book = ContractBook.from_contracts(sidecar.contracts)
    op = sidecar.operation_id
    state, eta = g.operation(op)
    state, eta = OperationState(int(state)), int(eta)
    now = head_time()
    grace = int(g.GRACE_PERIOD())
    if state == OperationState.Unset:
        raise ChainCheckError(
            f"operation 0x{op.hex()} is not scheduled on {g.address}: submit its approvals first"
        )
    if state != OperationState.Scheduled:
        raise ChainCheckError(f"operation 0x{op.hex()} was {state.name.lower()}; it cannot run again")
    if eta > now + 1:
        raise ChainCheckError(
            f"operation 0x{op.hex()} is not executable before its ETA {utc(eta)} "
            f"(in {span(eta - now)}; chain time {utc(now)})"
        )
    if now + 1 > eta + grace:
        raise ChainCheckError(
            f"operation 0x{op.hex()} expired at {utc(eta + grace)} (ETA {utc(eta)} + grace {span(grace)}); "
            "it can never run: propose it again"
        )
    args = [[tuple(c) for c in sidecar.calls], sidecar.salt]
    simulate(g.address, "execute", args, sender.address)
    click.echo(f"Executing operation 0x{op.hex()} (ETA {utc(eta)}, window ends {utc(eta + grace)}):")
    for i, call in enumerate(sidecar.calls, 1):
        echo(render_call(decode_call(call, book), book, i))
    receipt = send(g, "execute", args, sender)
    click.echo(f"Transaction {receipt.txn_hash} in block {receipt.block_number}")
    echo(describe_logs(receipt.logs, book))
