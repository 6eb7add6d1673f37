"""The simulation's world: who is who among the chain's accounts, and the suite deployed once per
parameter set, to which every run is restored (a snapshot) before its agents are funded.

Accounts (the dev accounts; 1..S are the guardian's signers of the parameter file):

    0             deployer
    1..S          guardian signers (the first reacts to halts when the scenario asks)
    S+1           operator: relays fills and the honest reporters' pokes
    S+2           market maker: the other side of every trader
    S+3           bystander: deposits and never trades (no bystander pays)
    S+4           attacker: holds hostile reporter keys, bets on the move it makes
    then          keepers, stakers, traders, in that order
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import coincurve
from eth_account import Account

from bulwark.chain import connect
from bulwark.deploy import deploy_suite_on
from bulwark.params import SuiteParams
from bulwark.sim.scenario import Scenario, ScenarioError

MAX_UINT = 2**256 - 1


@dataclass(frozen=True)
class Roles:
    signers: tuple[str, ...]
    operator: str
    maker: str
    bystander: str
    attacker: str
    keepers: tuple[str, ...]
    stakers: tuple[str, ...]
    traders: tuple[str, ...]


def account_count(scenario: Scenario, params: SuiteParams) -> int:
    signers = params.guardian.anvil_signers or 0
    return 1 + signers + 4 + scenario.keepers.count + scenario.stakers.count + scenario.traders.count


def assign_roles(accounts: list[str], scenario: Scenario, params: SuiteParams) -> Roles:
    s = params.guardian.anvil_signers or 0
    at = 1 + s + 4
    k, st = scenario.keepers.count, scenario.stakers.count
    return Roles(
        signers=tuple(accounts[1 : 1 + s]),
        operator=accounts[s + 1],
        maker=accounts[s + 2],
        bystander=accounts[s + 3],
        attacker=accounts[s + 4],
        keepers=tuple(accounts[at : at + k]),
        stakers=tuple(accounts[at + k : at + k + st]),
        traders=tuple(accounts[at + k + st : at + k + st + scenario.traders.count]),
    )


class ReportKey:
    """A reporter's key, signing the oracle's own report digest (`reportDigest`) with secp256k1."""

    def __init__(self, key: bytes):
        self.key = coincurve.PrivateKey(key)
        self.address = Account.from_key(key).address

    def sign(self, digest: bytes) -> tuple[bytes, bytes]:
        """EIP-2098 compact (r, vs) of `digest`."""
        signature = self.key.sign_recoverable(digest, hasher=None)
        r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
        return r, (s | (v << 255)).to_bytes(32, "big")


def params_hash(params: SuiteParams) -> str:
    """sha256 of the parameters as canonical JSON (the file with the scenario's overrides applied)."""
    text = json.dumps(params.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class World:
    """A chain on `backend` with the suite from `params` deployed; `restore()` puts it back as deployed."""

    def __init__(self, scenario: Scenario, params: SuiteParams, backend: str):
        for name in scenario.markets:
            market = next(m for m in params.markets if m.name == name)
            if market.oracle.test_reporters is None:
                raise ScenarioError(f"markets.{name}: the simulator signs with test_reporters keys")
        if scenario.guardian.react and not params.guardian.anvil_signers:
            raise ScenarioError("guardian.react: the simulator signs pauses with anvil_signers keys")
        self.backend = backend
        self.params = params
        self.chain = connect(backend, accounts=account_count(scenario, params))
        try:
            self.suite = deploy_suite_on(self.chain, params)
        except BaseException:
            self.chain.close()
            raise
        self.roles = assign_roles(self.chain.accounts, scenario, params)
        self.market_ids = {m.name: i for i, m in enumerate(self.suite.plan.markets)}
        self.report_keys = {m.name: [ReportKey(k) for k in m.reporter_keys] for m in self.suite.plan.markets}
        self.signer_keys = dict(zip(self.chain.accounts, self.chain.keys, strict=True))
        self._snapshot = self.chain.snapshot()

    def restore(self) -> None:
        self.chain.revert(self._snapshot)
        self._snapshot = self.chain.snapshot()

    def close(self) -> None:
        self.chain.close()
