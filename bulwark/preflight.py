"""Checks a live-network deployment makes before it sends anything, each failing in one line.

    rpc = resolve_rpc(provider, rpc_option)       # reads configuration only; contacts nothing
    deployer = load_deployer(alias, network, sign=True)   # the keyfile is unlocked here, not mid-deploy
    check_chain(rpc, expected_chain_id)           # one eth_chainId request; nothing is sent

The order is the command's: the RPC configuration and the account are checked before any node is
contacted, and the chain id before any transaction. Ape itself would fall back to random public RPCs
(retrying each) when no URI is configured, and would ask for the passphrase at the first transaction;
a deployment does neither.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

WEB3_PROVIDER_URI = "WEB3_PROVIDER_URI"


class PreflightError(RuntimeError):
    """A deployment cannot start; the message is one line and says what to do."""


def shown(url: str) -> str:
    """An RPC URL without its path and query, where providers put API keys."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.scheme else url


def manages_its_node(network) -> bool:
    """Local networks (ape-foundry's Anvil, started per command) need no RPC configuration."""
    return network.is_local or network.name.endswith("-fork")


def resolve_rpc(provider, rpc: str | None) -> str | None:
    """The RPC URL to deploy through: `--rpc`, else the provider's configuration (ape-config.yaml's
    `node: <ecosystem>: <network>: uri:`, or `--provider-settings`), else `$WEB3_PROVIDER_URI`. None on
    a local network. Reads configuration only."""
    network = provider.network
    where = f"{network.choice}:{provider.name}"
    if manages_its_node(network):
        return None
    if rpc:
        return rpc
    try:
        configured = provider._configured_rpc  # Ape 0.8: configuration only, no request
    except Exception as err:  # ConfigError: a malformed uri in ape-config.yaml
        problem = " ".join(str(err).split())
        if "$" in problem:  # Ape expands ${VAR} in ape-config.yaml and leaves an unset one as it is
            variable = problem[problem.index("$") :]
            raise PreflightError(
                f"{where}: ape-config.yaml's RPC is {variable}, an environment variable that is not set"
            ) from None
        raise PreflightError(f"{where}: the configured RPC is not usable ({problem})") from None
    if configured:
        return configured
    if env := os.environ.get(WEB3_PROVIDER_URI):
        return env
    raise PreflightError(
        f"no RPC configured for {where}: give --rpc URL, set {WEB3_PROVIDER_URI}, or add "
        f"'{network.ecosystem.name}: {network.name}: uri: ...' under '{provider.name}:' in ape-config.yaml"
    )


def expected_chain_id(network, chain_id: int | None) -> int | None:
    """The chain the deployment must land on: `--chain-id`, else the network's own (Sepolia's is
    11155111); None for a local network."""
    if chain_id is not None:
        return chain_id
    if manages_its_node(network):
        return None
    if network.name == "custom":
        raise PreflightError(
            f"{network.choice} is an ad-hoc network: give --chain-id N, the chain it must be"
        )
    return network.chain_id


def node_chain_id(rpc: str, timeout: float = 10.0) -> int:
    """One eth_chainId request to `rpc`; PreflightError (one line) if it cannot be answered."""
    import requests

    try:
        response = requests.post(
            rpc, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=timeout
        )
        response.raise_for_status()
        return int(response.json()["result"], 16)
    except Exception as err:
        detail = " ".join(str(err).split())[:160]
        raise PreflightError(
            f"cannot reach the RPC at {shown(rpc)} ({type(err).__name__}: {detail})"
        ) from None


def check_chain(rpc: str, expected: int | None, what: str) -> int:
    """The node's chain id, which must be `expected` (when known)."""
    actual = node_chain_id(rpc)
    if expected is not None and actual != expected:
        raise PreflightError(
            f"wrong chain: the node at {shown(rpc)} is chain {actual}, but {what} is chain {expected} "
            "(nothing was sent)"
        )
    return actual


def load_deployer(alias: str | None, network, *, sign: bool):
    """The deploying account: `--account ALIAS` (a keyfile from `ape accounts import`, or a hardware
    wallet's alias through its plugin, e.g. ape-ledger or ape-trezor); on a local network without an
    alias, test account 0. With `sign`, a keyfile is unlocked now (passphrase from
    `APE_ACCOUNTS_<alias>_PASSPHRASE`, else asked once) and signs this command's transactions without
    asking for each. Contacts no node."""
    from ape import accounts

    if not alias:
        if manages_its_node(network):
            return accounts.test_accounts[0]
        raise PreflightError(
            f"--account ALIAS is required on {network.choice} (add a key with 'ape accounts import ALIAS', "
            "or use a hardware wallet's alias through ape-ledger or ape-trezor)"
        )
    try:
        account = accounts.load(alias)
    except Exception:
        known = ", ".join(sorted(accounts.aliases)) or "none"
        raise PreflightError(
            f"--account {alias}: no Ape account has that alias (known: {known}; add one with "
            f"'ape accounts import {alias}')"
        ) from None
    if sign and hasattr(account, "set_autosign"):  # a keyfile account; plugins' devices sign themselves
        env = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
        passphrase = os.environ.get(env)
        if passphrase is None and not sys.stdin.isatty():
            raise PreflightError(
                f"--account {alias}: cannot unlock the keyfile "
                f"(no passphrase: set {env} or run in a terminal)"
            )
        try:
            if passphrase is None:
                import click

                passphrase = click.prompt(f"Passphrase to unlock '{alias}'", hide_input=True)
            account.set_autosign(True, passphrase=passphrase)
        except Exception as err:  # InvalidPasswordError, or no terminal to ask on (Abort)
            source = f"from {env}" if env in os.environ else "given"
            reason = (
                f"the passphrase {source} is wrong"
                if "assword" in type(err).__name__
                else (f"no passphrase: set {env} or run in a terminal")
            )
            raise PreflightError(f"--account {alias}: cannot unlock the keyfile ({reason})") from None
    return account
