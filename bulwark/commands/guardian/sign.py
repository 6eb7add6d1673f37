"""`bulwark guardian sign`: one signer's approval of a typed-data file.

    bulwark guardian sign --typed-data raise-mmr.json --account ALIAS --out alice.sig.json
    bulwark guardian sign --typed-data raise-mmr.json --key-env ALICE_KEY --out alice.sig.json
    bulwark guardian sign --typed-data raise-mmr.json --signature 0x... [--signer 0x... [--eip1271]] --out ...

Checks that the file is exactly a PauseGuardian request (`bulwark.signing.requests.read_typed_data`),
prints what it asks for (calls decoded; contract names with --deployment), the EIP-712 digest and its two
halves (domain separator and message hash, which hardware wallets show for EIP-712), then signs:

  --account ALIAS   an Ape account, through `AccountAPI.sign_message` on the EIP-712 SignableMessage: a
                    keyfile account (asks for its passphrase), or a hardware wallet through its Ape plugin
                    (ape-ledger, ape-trezor), which shows the domain and message hashes to compare with
                    the ones printed here; `--raw-hash` signs the digest with `sign_raw_msghash` instead, for
                    plugins that only sign hashes. `TEST::<i>` is Ape's test account i.
  --key-env VAR     a raw private key from an environment variable (tests, scripts);
  --signature HEX   a signature made elsewhere (a wallet signing the file with eth_signTypedData_v4, a
                    Safe's combined owner signatures): checked and written in the same format. An EOA's
                    signature must recover to --signer if given; `--eip1271` marks a contract signer
                    (a Safe), whose signature the chain checks at submit.

Writes JSON {signer, signature, digest} (and "eip1271": true for a contract signer). Signing needs no
network; with `--network` the file is first checked against the chain (its chain id, the guardian's
code, that the signer is one of its signers).
"""

from __future__ import annotations

from pathlib import Path

import click
from eth_utils import to_checksum_address

from bulwark.cli import UserPath
from bulwark.commands.guardian._common import (
    account_options,
    bad,
    echo,
    load_account,
    one_line_errors,
    read_deployment,
)
from bulwark.signing.readable import describe_request
from bulwark.signing.requests import (
    SignatureFile,
    TypedDataError,
    load_json,
    normalized_signature,
    read_typed_data,
    recover,
    write_json,
)
from bulwark.signing.specs import ContractBook, SpecError, parse_address, parse_hex


def read_request(ctx, path: Path):
    """`--typed-data FILE` as a Request, or a usage error naming the file."""
    try:
        return read_typed_data(load_json(path), str(path))
    except (ValueError, TypedDataError) as err:
        raise bad(ctx, "--typed-data", str(err)) from None


@click.command("sign", short_help="Sign typed data (Ape account, raw key, or a signature made elsewhere)")
@click.option(
    "--typed-data",
    "typed_data",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Typed-data JSON written by propose.",
)
@account_options("signs")
@click.option(
    "--signature", "external", metavar="HEX", help="A signature made elsewhere, to check and write."
)
@click.option("--signer", metavar="ADDRESS", help="With --signature: who signed (required with --eip1271).")
@click.option("--eip1271", is_flag=True, help="With --signature: the signer is a contract (e.g. a Safe).")
@click.option("--raw-hash", is_flag=True, help="Sign the digest with the account's sign_raw_msghash.")
@click.option(
    "--deployment",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    help="Deployment record, to name the contracts in what is printed.",
)
@click.option("--network", metavar="CHOICE", help="Check the request against this network before signing.")
@click.option("--out", type=UserPath(dir_okay=False, path_type=Path), required=True, help="Signature JSON.")
def cli(typed_data, account, key_env, external, signer, eip1271, raw_hash, deployment, network, out):
    """Sign a PauseGuardian typed-data file and write {signer, signature, digest}."""
    ctx = click.get_current_context()
    request = read_request(ctx, typed_data)
    book = ContractBook([])
    if deployment is not None:
        try:
            book = read_deployment(deployment).book
        except ValueError as err:
            raise bad(ctx, "--deployment", str(err)) from None
    modes = [
        m for m, given in (("--account", account), ("--key-env", key_env), ("--signature", external)) if given
    ]
    if len(modes) != 1:
        raise click.UsageError("give exactly one of --account, --key-env or --signature")
    if (signer or eip1271) and not external:
        raise click.UsageError("--signer and --eip1271 go with --signature")
    if eip1271 and not signer:
        raise click.UsageError("--eip1271 needs --signer (the contract that signed)")
    if raw_hash and not account:
        raise click.UsageError("--raw-hash goes with --account")

    echo(describe_request(request, book))
    click.echo(f"EIP-712 digest:   0x{request.digest.hex()}")
    click.echo(f"domain separator: 0x{request.domain_separator.hex()}")
    click.echo(f"message hash:     0x{request.struct_hash.hex()}")

    with one_line_errors():
        if external:
            result = _imported(ctx, request, external, signer, eip1271)
        else:
            result = _signed(request, load_account(account, key_env, required=True), raw_hash)
        if network:
            _check_on_chain(request, result, network)
    write_json(out, result.as_json())
    kind = " (EIP-1271: checked on chain at submit)" if result.eip1271 else ""
    click.echo(f"Signed by {result.signer}{kind}: {out}")


def _signed(request, account, raw_hash: bool) -> SignatureFile:
    """Sign with an Ape account: sign_message on the EIP-712 SignableMessage, or sign_raw_msghash."""
    from ape.exceptions import APINotImplementedError

    try:
        if raw_hash:
            from eth_pydantic_types import HexBytes

            signature = account.sign_raw_msghash(HexBytes(request.digest))
        else:
            signature = account.sign_message(request.signable)
    except APINotImplementedError as err:
        raise click.ClickException(f"{account.alias or account.address} cannot sign this: {err}") from None
    if signature is None:
        raise click.ClickException(
            f"{account.address} did not sign (declined, or it cannot sign EIP-712 data)"
        )
    raw = normalized_signature(signature.encode_rsv())
    try:
        recovered = recover(request.digest, raw)
    except ValueError as err:
        raise click.ClickException(f"the account's signature is unusable: {err}") from None
    if recovered != to_checksum_address(account.address):
        raise click.ClickException(
            f"the signature recovers to {recovered}, not the account {account.address}"
        )
    return SignatureFile(recovered, raw, request.digest)


def _imported(ctx, request, text: str, signer: str | None, eip1271: bool) -> SignatureFile:
    """A signature made elsewhere: an EOA's must recover (to --signer if given); a contract's is kept."""
    try:
        raw = normalized_signature(parse_hex(text, "--signature"))
        claimed = parse_address(signer, "--signer") if signer else None
    except SpecError as err:
        raise click.UsageError(str(err)) from None
    if eip1271:
        return SignatureFile(claimed, raw, request.digest, eip1271=True)
    try:
        recovered = recover(request.digest, raw)
    except ValueError as err:
        raise bad(ctx, "--signature", f"not an ECDSA signature of this digest: {err}") from None
    if claimed is not None and recovered != claimed:
        raise bad(ctx, "--signature", f"it recovers to {recovered}, not --signer {claimed}")
    return SignatureFile(recovered, raw, request.digest)


def _check_on_chain(request, result: SignatureFile, choice: str) -> None:
    """With --network: the chain id, the guardian's code and the signer's membership."""
    from ape import networks

    from bulwark.governance import ChainCheckError, open_guardian

    try:
        context = networks.parse_network_choice(choice)
    except Exception as err:
        raise click.BadParameter(" ".join(str(err).split()), param_hint="'--network'") from None
    with context:
        g = open_guardian(request.chain_id, request.guardian, "the typed data")
        if not g.isSigner(result.signer):
            raise ChainCheckError(f"{result.signer} is not a signer of the PauseGuardian {g.address}")
