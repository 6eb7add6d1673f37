"""`bulwark guardian propose`: turn a readable spec into the typed data signers sign.

    bulwark guardian propose --deployment deployments/31337.json --spec raise-mmr.yaml \\
        [--salt 0x01] [--valid-for 3600] --out raise-mmr.json [--network CHOICE]

Reads the spec (YAML, format in `bulwark.signing.specs`: timelocked `calls`, or one of `pause`,
`extend_pause`, `cancel`, `suspend_reporter`, `clear_breaker`), resolves each contract name of the
deployment record to its address and ABI, encodes the calldata and prints every call decoded again
(contract, address, function signature, each argument by name, struct fields by name). For a schedule it
prints the operation id and, from the guardian's delay and grace period read from chain, when it could
execute if scheduled now; for every request the approvals it needs. It writes

  --out FILE                the EIP-712 typed data in the eth_signTypedData_v4 shape (what is signed);
  FILE.operation.json       what submitting and executing need beside it: calls, salt, validUntil,
                            operation id, and the deployment's contracts (`x.json` -> `x.operation.json`).

Integers in a spec may be WAD decimals written "0.075 wad" (exact: Decimal, no floats). The approvals are
valid for --valid-for seconds from the chain's current time; a pause's `duration` also counts from it.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import network_option

from bulwark.cli import LOCAL_NETWORK, UserPath
from bulwark.commands.guardian._common import CheckedCommand, bad, echo, one_line_errors, read_deployment
from bulwark.governance import (
    ChainCheckError,
    OperationState,
    check_fresh,
    head_time,
    is_contract,
    open_guardian,
    read_facts,
    requirement,
)
from bulwark.signing.approvals import APPROVAL_LIFETIME
from bulwark.signing.readable import describe_request, span, utc
from bulwark.signing.requests import Request, Sidecar, sidecar_path, write_json
from bulwark.signing.specs import SpecError, parse_salt, read_spec


def _prepare(ctx) -> None:
    """Read the deployment and the spec, and the salt, before any node is reached."""
    p = ctx.params
    try:
        p["deployment"] = read_deployment(p["deployment"])
    except ValueError as err:
        raise bad(ctx, "--deployment", str(err)) from None
    try:
        p["spec"] = read_spec(p["spec"], p["deployment"].book)
    except SpecError as err:
        raise bad(ctx, "--spec", str(err)) from None
    if p["salt"] is not None:
        if p["spec"].action != "calls":
            raise bad(ctx, "--salt", f"a salt is for timelocked calls; {p['spec'].action} has none")
        try:
            p["salt"] = parse_salt(p["salt"])
        except ValueError as err:
            raise bad(ctx, "--salt", str(err)) from None


@click.command(
    "propose",
    cls=CheckedCommand,
    prepare=_prepare,
    short_help="Typed data of an operation or fast-path request, from a spec",
)
@network_option(default=LOCAL_NETWORK)
@click.option(
    "--deployment",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Deployment record (deployments/<chainId>.json).",
)
@click.option(
    "--spec", type=UserPath(exists=True, dir_okay=False, path_type=Path), required=True, help="Spec (YAML)."
)
@click.option("--salt", metavar="HEX", help="Operation salt, 0x-hex up to 32 bytes (default: random).")
@click.option(
    "--valid-for",
    type=click.IntRange(min=1),
    default=APPROVAL_LIFETIME,
    show_default=True,
    help="Seconds the approvals stay valid, from the chain's current time.",
)
@click.option(
    "--out",
    type=UserPath(dir_okay=False, path_type=Path),
    required=True,
    help="Typed-data JSON to write; the operation file goes beside it (x.json -> x.operation.json).",
)
def cli(network, deployment, spec, salt, valid_for, out):
    """Build an operation (or a fast-path request) from a spec: print it decoded, write its typed data."""
    with one_line_errors():
        propose(network, deployment, spec, salt, valid_for, out)


def propose(network, deployment, draft, salt: bytes | None, valid_for: int, out: Path) -> None:
    """Resolve `draft` against the chain, print it and write the typed data and the operation file."""
    import os

    from ape import project

    book = deployment.book
    g = open_guardian(deployment.chain_id, deployment.addresses.guardian, str(deployment.path), network)
    facts = read_facts(g)
    now = head_time()
    if draft.action == "calls" and salt is None:
        salt = os.urandom(32)

    def current_epoch(oracle: str) -> int:
        return int(project.MedianOracle.at(oracle).nextEpoch()) - 1

    message = draft.message(now, salt, current_epoch)
    request = Request(message, facts.chain_id, g.address, now + valid_for)
    for call in request.calls:
        if not is_contract(call.target):
            raise ChainCheckError(f"call target {call.target} has no code on chain {facts.chain_id}")
    check_fresh(g, facts, request, now)
    needed = requirement(g, facts, request, book)

    if draft.description:
        click.echo(f"Proposal: {draft.description}")
    echo(describe_request(request, book))
    click.echo(f"Needs {needed} of {len(facts.signers)} signers.")
    if request.primary_type == "Schedule":
        eta = now + facts.delay
        click.echo(
            f"If scheduled now ({utc(now)}): executable from {utc(eta)} (now + delay {span(facts.delay)}) "
            f"until {utc(eta + facts.grace_period)} (grace {span(facts.grace_period)})."
        )
        if facts.pending_delay[1]:
            new, at = facts.pending_delay
            click.echo(f"A delay cut to {span(new)} takes effect at {utc(at)}.")
    elif request.primary_type == "Cancel":
        state, eta = g.operation(request.operation_id)
        click.echo(f"The operation is {OperationState(int(state)).name} with ETA {utc(int(eta))}.")
    else:
        click.echo("Runs at once when submitted; the request runs only once.")

    sidecar = Sidecar(
        kind=draft.action,
        chain_id=facts.chain_id,
        guardian=g.address,
        valid_until=request.valid_until,
        contracts=book.as_contracts(),
        description=draft.description,
        calls=tuple(request.calls),
        salt=salt if draft.action == "calls" else None,
        operation_id=request.operation_id,
        request_id=request.request_id,
        extra={"typed_data": out.name, "digest": "0x" + request.digest.hex(), "proposed_at": now},
    )
    write_json(out, request.as_json())
    operation_file = write_json(sidecar_path(out), sidecar.as_json())
    click.echo(f"Typed data (sign this): {out}  digest 0x{request.digest.hex()}")
    click.echo(f"Operation file (for submit and execute): {operation_file}")
