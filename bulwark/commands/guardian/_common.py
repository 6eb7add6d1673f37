"""What the `bulwark guardian` subcommands share: files checked before any node is reached, accounts,
and one-line errors."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from bulwark.deploy import SuiteAddresses
from bulwark.governance import ChainCheckError
from bulwark.signing.requests import SidecarError, SignatureFileError, TypedDataError, load_json
from bulwark.signing.specs import ContractBook, SpecError


class CheckedCommand(ConnectedProviderCommand):
    """An Ape command that checks its files first: `prepare(ctx)` runs after the options are parsed and
    before the network is connected, so bad input is a usage error before any node starts."""

    def __init__(self, *args, prepare=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepare = prepare

    def invoke(self, ctx):
        """Check the files, then connect and run."""
        if self.prepare is not None:
            self.prepare(ctx)
        return super().invoke(ctx)


def bad(ctx, option: str, message: str) -> click.BadParameter:
    """A usage error for `option` (exit 2): `Invalid value for '--option': message`."""
    return click.BadParameter(message, ctx=ctx, param_hint=f"'{option}'")


@dataclass(frozen=True)
class Deployment:
    """A deployment record and its contracts by name."""

    path: Path
    record: dict
    addresses: SuiteAddresses
    book: ContractBook

    @property
    def chain_id(self) -> int:
        """The chain the record was deployed on."""
        return int(self.record["chain_id"])

    @property
    def first_block(self) -> int:
        """The record's first block (where event scans start)."""
        return int(self.record.get("first_block") or 0)


def read_deployment(path: Path) -> Deployment:
    """`deployments/<chainId>.json`; ValueError (one line) if it is not a deployment record."""
    from bulwark.deployments import read_record

    load_json(path)  # a one-line error for an unreadable or non-JSON file
    try:
        record, addresses = read_record(path)
        int(record["chain_id"])
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise ValueError(f"{path}: not a deployment record (no {err})") from None
    return Deployment(Path(path), record, addresses, ContractBook.from_addresses(addresses))


def load_account(alias: str | None, key_env: str | None, *, network=None, required: bool = False):
    """The Ape account that signs or sends: `--account ALIAS` (an Ape account: a keyfile, or a hardware
    wallet through its plugin; `TEST::<i>` for a test account), or `--key-env VAR` (a raw private key in
    that environment variable, for tests and scripts). Without either, test account 0 on a local
    network, unless `required`."""
    from ape import accounts

    if alias and key_env:
        raise click.UsageError("give --account or --key-env, not both")
    if key_env:
        key = os.environ.get(key_env)
        if not key:
            raise click.UsageError(f"--key-env {key_env}: the environment variable {key_env} is not set")
        from eth_account import Account

        try:
            Account.from_key(key)
        except Exception:
            raise click.UsageError(f"--key-env {key_env}: not a private key (32 bytes of hex)") from None
        from ape_accounts.accounts import ApeSigner

        return ApeSigner(private_key=key)
    if alias:
        if alias.startswith("TEST::"):
            try:
                return accounts.test_accounts[int(alias.removeprefix("TEST::"))]
            except (ValueError, IndexError):
                raise click.UsageError(f"--account {alias}: no such test account") from None
        try:
            return accounts.load(alias)
        except Exception as err:
            raise click.UsageError(f"--account {alias}: {' '.join(str(err).split())}") from None
    if required:
        raise click.UsageError("give --account ALIAS or --key-env VAR")
    if network is not None and network.is_local:
        return accounts.test_accounts[0]
    name = network.name if network is not None else "this network"
    raise click.UsageError(f"--account or --key-env is required on {name}")


def account_options(what: str):
    """`--account ALIAS` and `--key-env VAR`."""

    def decorate(f):
        f = click.option(
            "--key-env",
            metavar="VAR",
            help=f"Environment variable holding the private key that {what} (tests, scripts).",
        )(f)
        return click.option(
            "--account",
            metavar="ALIAS",
            help=f"Ape account that {what}: a keyfile alias, a hardware-wallet plugin's alias, or TEST::<i>.",
        )(f)

    return decorate


@contextmanager
def one_line_errors():
    """Library and Ape errors as one-line click errors (exit 1), never a traceback."""
    from ape.exceptions import ApeException

    try:
        yield
    except (ChainCheckError, SpecError, TypedDataError, SignatureFileError, SidecarError) as err:
        raise click.ClickException(str(err)) from None
    except ApeException as err:
        raise click.ClickException(" ".join(str(err).split()) or type(err).__name__) from None


def echo(lines) -> None:
    """Print each line."""
    for line in lines:
        click.echo(line)
