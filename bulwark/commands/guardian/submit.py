"""`bulwark guardian submit`: check the signers' approvals and send the guardian call they approve.

    bulwark guardian submit --typed-data raise-mmr.json --signature alice.sig.json --signature bob.sig.json \\
        --signature carol.sig.json [--account ALIAS | --key-env VAR] [--deployment FILE] [--network CHOICE]

Before anything is sent: each signature file signs this typed data's digest and, for an EOA, recovers to
its claimed signer (off-chain, before any node is reached); then, against the chain, each signer is a
current signer (a contract signer answers EIP-1271), the approvals have not expired, the operation was
not scheduled before (or, to cancel, is still scheduled) or the fast-path request was not used, and
there are as many approvals as the action's threshold (a sender that is a signer counts as its own).
Finally the exact call is run with eth_call, any revert named. Only then is the matching guardian call
sent (schedule, cancel, pause, extendPause, suspendReporter or clearBreaker), with the approvals sorted
by signer as the contract wants. Prints the transaction hash and its decoded events. A failed check
sends nothing. The sender is --account / --key-env, or test account 0 on a local network.
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
    read_deployment,
)
from bulwark.commands.guardian.sign import read_request
from bulwark.governance import (
    chain_book,
    check_submission,
    describe_logs,
    head_time,
    open_guardian,
    read_facts,
    send,
    simulate,
)
from bulwark.signing.readable import describe_request
from bulwark.signing.requests import SignatureFileError, check_signature, load_json, read_signature
from bulwark.signing.specs import ContractBook


def _prepare(ctx) -> None:
    """The typed data, every signature file (right digest, EOAs recovered) and the deployment, before
    any node is reached."""
    p = ctx.params
    p["typed_data"] = request = read_request(ctx, p["typed_data"])
    signatures, seen = [], {}
    for path in p["signatures"]:
        try:
            sig = read_signature(load_json(path), str(path))
            check_signature(sig, request)
        except (ValueError, SignatureFileError) as err:
            raise bad(ctx, "--signature", str(err)) from None
        if sig.signer in seen:
            raise bad(ctx, "--signature", f"{path} and {seen[sig.signer]} are both by {sig.signer}")
        seen[sig.signer] = path
        signatures.append(sig)
    p["signatures"] = signatures
    if p["deployment"] is not None:
        try:
            p["deployment"] = read_deployment(p["deployment"]).book
        except ValueError as err:
            raise bad(ctx, "--deployment", str(err)) from None


@click.command(
    "submit",
    cls=CheckedCommand,
    prepare=_prepare,
    short_help="Check the approvals, then send the guardian call",
)
@network_option(default=LOCAL_NETWORK)
@click.option(
    "--typed-data",
    "typed_data",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Typed-data JSON written by propose.",
)
@click.option(
    "--signature",
    "signatures",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="A signature file written by sign (repeat for each signer; a sender that is a signer needs none).",
)
@account_options("sends the transaction")
@click.option(
    "--deployment",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    help="Deployment record, to name the contracts printed (default: recognised on chain).",
)
def cli(network, typed_data, signatures, account, key_env, deployment):
    """Verify the approvals against the chain and send schedule/cancel/pause/... with them."""
    with one_line_errors():
        submit(network, typed_data, signatures, load_account(account, key_env, network=network), deployment)


def submit(network, request, signatures, sender, book: ContractBook | None) -> None:
    """Check everything the guardian will check, simulate, send, print the receipt's events. Without a
    deployment record (`book` None) the contracts involved are recognised on chain, to name them."""
    g = open_guardian(request.chain_id, request.guardian, "the typed data", network)
    if book is None:
        values = request.message.values
        book = chain_book(
            [
                g.address,
                *(c.target for c in request.calls),
                values.get("target") or g.address,
                values.get("oracle") or g.address,
            ]
        )
    facts = read_facts(g)
    approvals = check_submission(g, facts, request, signatures, sender.address, head_time(), book)
    args = [*request.args(), approvals]
    simulate(g.address, request.function, args, sender.address)
    echo(describe_request(request, book))
    signers = ", ".join(a.signer for a in approvals)
    own = " (and the sender's own approval)" if g.isSigner(sender.address) else ""
    click.echo(f"Sending PauseGuardian.{request.function} from {sender.address}, approved by {signers}{own}")
    receipt = send(g, request.function, args, sender)
    click.echo(f"Transaction {receipt.txn_hash} in block {receipt.block_number}")
    echo(describe_logs(receipt.logs, book))
