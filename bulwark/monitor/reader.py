"""Reading a deployment into `Snapshot`s: every view the detectors need at one block, in one batch.

The deployment comes from its record (`deployments/<chainId>.json`, bulwark.deployments). The engine
keeps no list of accounts, so the reader collects them from the engine's events since the deployment's
first block (Deposited, Filled, Liquidated, SubaccountOpened: every subaccount is an account of its own) to
check ENG-01 and ENG-02 over all of them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from eth_keys import keys
from eth_utils import to_checksum_address

from bulwark.abi.scopes import EngineScope, FundScope, OracleScope
from bulwark.chain.base import Reverted
from bulwark.deploy import SuiteAddresses, fund_step
from bulwark.deployments import read_record
from bulwark.monitor.detectors import FundState, OracleState, Snapshot
from bulwark.monitor.node import Node, NodeError, Read
from bulwark.signing.readable import decode_call, render_call
from bulwark.signing.specs import ContractBook


def recover(digest: bytes, r: bytes, vs: bytes) -> str:
    """The signer of an EIP-2098 compact signature (r, vs) over `digest`."""
    packed = int.from_bytes(vs, "big")
    s, v = packed & ((1 << 255) - 1), packed >> 255
    signature = keys.Signature(vrs=(v, int.from_bytes(r, "big"), s))
    return signature.recover_public_key_from_msg_hash(digest).to_checksum_address()


ACCOUNT_KEYS = ("account", "maker", "taker", "liquidator")  # event arguments that name engine accounts


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    first_block: int
    addresses: SuiteAddresses

    @classmethod
    def load(cls, path: Path) -> Deployment:
        try:
            record, addresses = read_record(path)
        except (OSError, ValueError, KeyError) as err:
            raise NodeError(f"{path}: not a deployment record ({' '.join(str(err).split())[:120]})") from None
        return cls(record["chain_id"], record.get("first_block", 0), addresses)

    @property
    def markets(self) -> list[str]:
        return list(self.addresses.oracles)

    def isolated_subjects(self) -> set[str]:
        """How alerts name each isolated market: by name ("THIN/USD"), by id ("market 2", engine events)
        and by its fund ("InsuranceFund THIN/USD")."""
        found = set()
        for i, market in enumerate(self.markets):
            if market in self.addresses.market_funds:
                found |= {market, f"market {i}", fund_step(market)}
        return found

    def guarded(self) -> dict[str, tuple[str, type]]:
        """Every Guarded contract: its name -> (address, its scope flags)."""
        a = self.addresses
        found = {"MarginEngine": (a.engine, EngineScope)}
        found.update({name: (f, FundScope) for name, f in a.funds().items()})
        found.update({f"MedianOracle:{m}": (o, OracleScope) for m, o in a.oracles.items()})
        return found

    def watched(self) -> list[str]:
        a = self.addresses
        return [a.guardian, *a.funds().values(), a.engine, *a.oracles.values()]


class Reader:
    def __init__(self, node: Node, deployment: Deployment, references: dict[str, str]):
        if node.chain_id != deployment.chain_id:
            raise NodeError(
                f"the node is chain {node.chain_id}, the deployment record chain {deployment.chain_id}"
            )
        self.node, self.deployment = node, deployment
        unknown = set(references) - set(deployment.markets)
        if unknown:
            raise NodeError(
                f"references: no market {sorted(unknown)[0]!r} in the deployment ({deployment.markets})"
            )
        self.references = references
        self.accounts: set[str] = set()
        a = deployment.addresses
        head = node.block_number()
        scale, *decimals = node.read(
            [Read("MarginEngine", a.engine, "SCALE")]
            + [Read("IAggregatorV3", address, "decimals") for address in references.values()],
            head,
        )
        self.scale, self.decimals = scale, dict(zip(references, decimals, strict=True))
        listed = node.read([Read("MedianOracle", o, "reporters") for o in a.oracles.values()], head)
        # market -> reporter -> when it last signed a report [unix s] (the start counts as seen)
        now = node.timestamp(head)
        self.seen = {m: dict.fromkeys(r, now) for m, r in zip(a.oracles, listed, strict=True)}
        self.poke = node.artifacts["MedianOracle"].abi.function("poke")
        self.book = ContractBook.from_addresses(a)
        self.reports: list[tuple[str, str, int, int]] = []  # the block's (market, reporter, price, median)

    def describe(self, call) -> str:
        """A scheduled call in words, on one line: the deployment's name for the target, the function and
        each argument by name (bulwark.signing.readable, the signer tools' rendering)."""
        return " ".join(line.strip() for line in render_call(decode_call(call, self.book), self.book))

    def signers(self, block: int, txs: list[dict]) -> None:
        """Note who signed the reports of every poke sent straight to an oracle in `block` (`txs`, its
        transactions; a poke relayed through another contract is not seen: its calldata is not the
        oracle's)."""
        by_address = {o: m for m, o in self.deployment.addresses.oracles.items()}
        found = []
        for tx in txs:
            market = by_address.get(to_checksum_address(tx["to"])) if tx.get("to") else None
            data = bytes.fromhex(tx["input"][2:])
            if market is None or data[:4] != self.poke.selector:
                continue
            args = self.poke.decode_arguments(data)
            epoch, reports = args["epoch"], args["reports"]
            address = self.deployment.addresses.oracles[market]
            digests = self.node.read(
                [Read("MedianOracle", address, "reportDigest", (epoch, r[0], r[1])) for r in reports], block
            )
            median = statistics.median_low([r[0] for r in reports]) if reports else 0
            for report, digest in zip(reports, digests, strict=True):
                found.append((market, recover(digest, report[2], report[3]), report[1], report[0], median))
        self.reports = []
        for market, signer, observed, price, median in found:
            if signer in self.seen[market]:
                self.seen[market][signer] = max(self.seen[market][signer], observed)
            self.reports.append((market, signer, price, median))

    def note(self, events) -> None:
        """Remember the engine accounts `events` name."""
        engine = self.deployment.addresses.engine
        for e in events:
            if e.address == engine:
                self.accounts.update(e.args[k] for k in ACCOUNT_KEYS if isinstance(e.args.get(k), str))

    def _reads(self, accounts: list[str]) -> list[Read]:
        a = self.deployment.addresses
        markets = range(len(a.oracles))
        reads = []
        for oracle in a.oracles.values():
            reads += [Read("MedianOracle", oracle, "latest"), Read("MedianOracle", oracle, "config")]
        reads += [Read("IAggregatorV3", feed, "latestRoundData") for feed in self.references.values()]
        for fund in self.deployment.addresses.funds().values():
            reads += [
                Read("InsuranceFund", fund, "totalAssets"),
                Read("MockERC20", a.collateral, "balanceOf", (fund,)),
                Read("InsuranceFund", fund, "outflowUsed"),
                Read("InsuranceFund", fund, "params"),
            ]
        reads += [
            Read("MockERC20", a.collateral, "balanceOf", (a.engine,)),
            Read("MarginEngine", a.engine, "fees"),
        ]
        reads += [Read("MarginEngine", a.engine, "unsettledLoss", (m,)) for m in markets]
        reads += [Read("MarginEngine", a.engine, "market", (m,)) for m in markets]  # isolated markets' fees
        reads += [Read("MarginEngine", a.engine, "cash", (x,)) for x in accounts]
        reads += [Read("MarginEngine", a.engine, "position", (x, m)) for x in accounts for m in markets]
        reads += [Read("MarginEngine", a.engine, "accountState", (x,)) for x in accounts]
        for address, flags in self.deployment.guarded().values():
            reads += [Read("IGuarded", address, "pausedUntil", (int(s),)) for s in flags]
        return reads

    def snapshot(self, block: int, events: list) -> Snapshot:
        """The deployment at `block`, with `events` (that block's)."""
        self.note(events)
        header = self.node.block(block, transactions=True)
        self.signers(block, header["transactions"])
        for e in events:
            if e.name == "OperationScheduled":
                e.args["decoded"] = [self.describe(c) for c in e.args["calls"]]
        accounts = sorted(self.accounts)
        values = iter(self.node.read(self._reads(accounts), block))
        names = self.deployment.markets
        oracles = {}
        for name in names:
            latest, config = next(values), next(values)
            price, updated, status = (0, 0, 1) if isinstance(latest, Reverted) else latest
            oracles[name] = OracleState(price, updated, status, config.maxStaleness)
        references = {}
        for name in self.references:
            answer = next(values)
            if not isinstance(answer, Reverted) and answer[1] > 0:
                references[name] = answer[1] * 10**18 // 10 ** self.decimals[name]
        funds = {}
        for name in self.deployment.addresses.funds():
            assets, balance, used, params = (next(values) for _ in range(4))
            funds[name] = FundState(assets, balance, used, params.maxOutflow)
        engine_balance, fees = next(values), next(values)
        unsettled = [next(values) for _ in names]
        fees += sum(next(values).fees for _ in names)
        cash = [next(values) for _ in accounts]
        sums = {name: 0 for name in names}
        for _ in accounts:
            for name in names:
                sums[name] += next(values)[0]
        ratios = []
        for _ in accounts:
            state = next(values)
            if not isinstance(state, Reverted) and state.maintenanceMargin:
                ratios.append(state.equity / state.maintenanceMargin)
        pauses = {}
        for contract, (_, flags) in self.deployment.guarded().items():
            for scope in flags:
                until = next(values)
                pauses[f"{contract}.{scope.name}"] = until
        return Snapshot(
            block=block,
            timestamp=int(header["timestamp"], 16),
            oracles=oracles,
            references=references,
            funds=funds,
            engine_balance=engine_balance * self.scale,
            engine_claims=sum(cash) + fees - sum(unsettled),  # fees: shared and isolated markets' own
            position_sums=sums,
            pauses=pauses,
            ratios=ratios,
            reporters_seen={m: dict(seen) for m, seen in self.seen.items()},
            reports=self.reports,
            events=events,
        )
