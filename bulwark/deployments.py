"""Read a deployed suite back from the chain, check every wire against its plan, and keep the record.

    verification = verify_suite(project, suite.addresses(), suite.plan)
    path = write_record(PROJECT_ROOT / "deployments", deployment_record(...))

`verify_suite` reads every contract (nothing is taken from the deployment's own receipts) and returns
one `Check` per wire: each contract's admin, the fund/engine/collateral links and the fund's engine
registration, the markets' oracles and risk parameters, every oracle's feed, reporters and config, and
the guardian's signers, thresholds, delay and bounds. Check names are the parameter-file fields they
come from (``markets.0.risk.base_mmr``), so a mismatch says which line of the file the chain disagrees
with. Every mismatch is reported, not just the first.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulwark import PROJECT_ROOT
from bulwark.deploy import FundPlan, SuiteAddresses, SuitePlan
from bulwark.params import THRESHOLDS
from bulwark.signing.reports import feed_id

RECORD_VERSION = 2  # 2: deployments, abis, compiler (1 had addresses only)


@dataclass(frozen=True)
class Check:
    wire: str  # what was compared, named like the parameter-file field that sets it
    expected: Any
    actual: Any
    unit: str = ""  # how to show the values: "wad", "token", "" (as they are)

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and not self.mismatches

    def add(self, wire: str, expected, actual, unit: str = "") -> None:
        self.checks.append(Check(wire, _plain(expected), _plain(actual), unit))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checks": len(self.checks),
            "mismatches": [
                {"wire": c.wire, "expected": _json(c.expected), "actual": _json(c.actual)}
                for c in self.mismatches
            ],
        }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _plain(value):
    """Chain values in comparable form: bytes as 0x-hex, structs and lists as tuples."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return value


def _json(value):
    return list(value) if isinstance(value, tuple) else value


class _Reader:
    """Contract instances at the recorded addresses; a missing contract is itself a mismatch."""

    def __init__(self, project, verification: Verification):
        self.project, self.v = project, verification

    def at(self, wire: str, container, address: str):
        from ape import chain

        if len(chain.provider.get_code(address)) == 0:
            self.v.add(f"{wire} has code", "contract", "no code")
            return None
        return container.at(address)

    def read(self, wire: str, expected, call, unit: str = "") -> None:
        """Compare `call()` with `expected`; a call that fails is a mismatch showing the error."""
        try:
            actual = call()
        except Exception as err:  # a wrong contract at the address reverts or decodes badly
            actual = f"read failed: {type(err).__name__}: {' '.join(str(err).split())[:120]}"
        self.v.add(wire, expected, actual, unit)


def verify_suite(project, addresses: SuiteAddresses, plan: SuitePlan) -> Verification:
    """Read the suite at `addresses` back from the chain and compare every wire with `plan`."""
    v = Verification()
    r = _Reader(project, v)
    guardian = addresses.guardian
    g = r.at("guardian", project.PauseGuardian, guardian)
    if g is not None:
        r.read("guardian.signers", sorted(plan.signers), lambda: sorted(g.signers()))
        getters = (
            g.threshold,
            g.cancelThreshold,
            g.pauseThreshold,
            g.shiftPauseThreshold,
            g.breakerThreshold,
        )
        for name, getter, expected in zip(THRESHOLDS, getters, plan.thresholds, strict=True):
            r.read(f"guardian.{name}", expected, getter)
        r.read("guardian.delay", plan.delay, g.delay)
        bounds = plan.bounds
        r.read("guardian.min_delay", bounds.min_delay, g.MIN_DELAY)
        r.read("guardian.max_delay", bounds.max_delay, g.MAX_DELAY)
        r.read("guardian.grace_period", bounds.grace_period, g.GRACE_PERIOD)
        r.read("guardian.max_pause_duration", bounds.max_pause, g.MAX_PAUSE_DURATION)
        r.read("guardian.pausers", sorted(plan.pausers), lambda: sorted(g.pausers()))

    token = r.at("collateral", project.MockERC20, addresses.collateral)
    if token is not None:
        r.read("collateral.decimals", plan.decimals, token.decimals)

    _verify_fund(r, project, "fund", addresses.fund, plan.shared_fund, addresses)

    engine = r.at("engine", project.MarginEngine, addresses.engine)
    if engine is not None:
        r.read("engine.GUARDIAN", guardian, engine.GUARDIAN)
        r.read("engine.FUND", addresses.fund, engine.FUND)
        r.read("engine.COLLATERAL", addresses.collateral, engine.COLLATERAL)
        r.read("engine.SCALE", 10 ** (18 - plan.decimals), engine.SCALE)
        r.read("markets (count)", len(plan.markets), engine.marketCount)

    oracle_addresses = list(addresses.oracles.values())
    for i, m in enumerate(plan.markets):
        where = f"markets.{i}"
        if i >= len(oracle_addresses):
            v.add(f"{where}.oracle (recorded)", m.name, "no oracle recorded")
            continue
        address = oracle_addresses[i]
        if engine is not None:
            state = _safe(lambda i=i: engine.market(i))
            r.read(f"{where}.oracle (engine's)", address, lambda s=state: s.oracle)
            isolated = m.isolated_fund is not None
            r.read(f"{where}.isolated", isolated, lambda i=i: engine.isIsolated(i))
            own = addresses.market_funds.get(m.name, "no fund recorded") if isolated else addresses.fund
            r.read(f"{where}.fund (engine's)", own, lambda s=state: s.fund)
            for j, name in enumerate(m.risk.__dataclass_fields__):
                unit = "" if name == "horizon" else "wad"
                expected = m.risk.as_tuple()[j]
                r.read(f"{where}.risk.{_snake(name)}", expected, lambda s=state, j=j: tuple(s.risk)[j], unit)
        if m.isolated_fund is not None and m.name in addresses.market_funds:
            where_fund = f"{where}.isolated_fund"
            _verify_fund(r, project, where_fund, addresses.market_funds[m.name], m.isolated_fund, addresses)
        oracle = r.at(f"{where}.oracle", project.MedianOracle, address)
        if oracle is None:
            continue
        r.read(f"{where}.oracle.GUARDIAN", guardian, oracle.GUARDIAN)
        r.read(f"{where}.name (FEED_ID)", feed_id(m.name), oracle.FEED_ID)
        r.read(f"{where}.name (description)", m.name, oracle.description)
        r.read(f"{where}.oracle.reporters", list(m.reporters), lambda o=oracle: list(o.reporters()))
        config = _safe(oracle.config)
        for j, name in enumerate(m.config._fields):
            unit = "wad" if name in ("maxDeviation", "minPrice", "maxPrice") else ""
            r.read(f"{where}.oracle.{_snake(name)}", m.config[j], lambda c=config, j=j: tuple(c)[j], unit)
    return v


def _verify_fund(r: _Reader, project, where: str, address: str, f: FundPlan, addresses: SuiteAddresses):
    """An InsuranceFund's wires: its guardian, its asset, the engine registered, its share token and
    its parameters."""
    fund = r.at(where, project.InsuranceFund, address)
    if fund is None:
        return
    r.read(f"{where}.GUARDIAN", addresses.guardian, fund.GUARDIAN)
    r.read(f"{where}.asset (the collateral)", addresses.collateral, fund.asset)
    r.read(f"{where}.isEngine(MarginEngine)", True, lambda: fund.isEngine(addresses.engine))
    r.read(f"{where}.name", f.name, fund.name)
    r.read(f"{where}.symbol", f.symbol, fund.symbol)
    r.read(f"{where}.outflow_window", f.outflow_window, fund.OUTFLOW_WINDOW)
    for i, name in enumerate(f.config._fields):
        unit = "token" if name == "maxOutflow" else ""
        r.read(f"{where}.{_snake(name)}", f.config[i], lambda i=i: tuple(fund.params())[i], unit)


def _safe(call):
    """Call now; on failure return an object whose every use raises the same error (a mismatch)."""
    try:
        return call()
    except Exception as err:
        return _Failed(err)


class _Failed:
    def __init__(self, err: Exception):
        self._err = err

    def __getattr__(self, name):
        raise self._err

    def __iter__(self):
        raise self._err


# ---------------------------------------------------------------- the record


def deployment_record(
    addresses: SuiteAddresses,
    *,
    chain_id: int,
    network: str,
    deployer: str,
    first_block: int,
    last_block: int,
    params_path: Path,
    params_bytes: bytes,
    verification: Verification | None,
    details: dict | None = None,
) -> dict:
    """`deployments/<chainId>.json`: where everything is, from which parameters, and whether it verified.
    `verification` None means not verified (yet). `details` (from `contract_details`) adds each
    deployment transaction, constructor arguments, ABIs and the compiler input."""
    path = Path(params_path).resolve()
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    record = {
        "version": RECORD_VERSION,
        "chain_id": chain_id,
        "network": network,
        "deployer": deployer,
        "first_block": first_block,
        "block_number": last_block,
        "params_file": str(shown),
        "params_sha256": hashlib.sha256(params_bytes).hexdigest(),
        "params": json.loads(params_bytes),
        "contracts": addresses.as_dict(),
    }
    record.update(details or {})
    record["verification"] = verification.as_dict() if verification is not None else {"ok": None}
    return record


def record_path(directory: Path, chain_id: int) -> Path:
    return Path(directory) / f"{chain_id}.json"


def partial_path(directory: Path, chain_id: int) -> Path:
    return Path(directory) / f"{chain_id}.partial.json"


def input_path(directory: Path, chain_id: int) -> Path:
    return Path(directory) / f"{chain_id}.input.json"


def _write_json(path: Path, data) -> Path:
    """Write atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return path


def write_record(directory: Path, record: dict) -> Path:
    """Write `record` to `<directory>/<chainId>.json`."""
    return _write_json(record_path(directory, record["chain_id"]), record)


def write_partial(directory: Path, record: dict) -> Path:
    """Write what exists of an unfinished deployment to `<directory>/<chainId>.partial.json`."""
    return _write_json(partial_path(directory, record["chain_id"]), dict(record, partial=True))


def read_record(path: Path) -> tuple[dict, SuiteAddresses]:
    record = json.loads(Path(path).read_text())
    return record, SuiteAddresses.from_dict(record["contracts"])


def read_partial(path: Path):
    """A partial record and its contracts as `bulwark.deploy.Existing` by step; ValueError (one line)
    if it is not one."""
    from bulwark.deploy import Existing

    try:
        record = json.loads(Path(path).read_text())
        existing = {
            d["step"]: Existing(
                step=d["step"],
                contract=d["contract"],
                address=d["address"],
                encoded_args=d["constructor_arguments_encoded"],
                transaction_hash=d.get("transaction_hash"),
                block_number=d.get("block_number"),
                gas_used=d.get("gas_used"),
                gas_price=d.get("gas_price"),
            )
            for d in record["deployments"]
        }
        int(record["chain_id"])
        _ = record["params_sha256"], record["deployer"]  # required
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a partial deployment record ({type(err).__name__}: {err})") from None
    return record, existing


# ---------------------------------------------------------------- what explorers and integrators need


def contract_details(project, deployed, input_file: str | None, input_sha256: str | None) -> dict:
    """Per deployment transaction: contract, source, address, transaction hash and block, gas, the
    constructor arguments decoded (by name; integers as decimal strings) and ABI-encoded; each
    contract's ABI once; the compiler, its settings and the standard-JSON input's file and hash."""
    from bulwark.deploy import encode_constructor_args

    entries, abis = [], {}
    for d in deployed:
        ct = getattr(project, d.contract).contract_type
        encoded = encode_constructor_args(ct, d.args)
        entries.append(
            {
                "step": d.step,
                "contract": d.contract,
                "source": f"{ct.source_id}:{ct.name}",
                "address": d.address,
                "transaction_hash": d.transaction_hash,
                "block_number": d.block_number,
                "gas_used": d.gas_used,
                "gas_price": d.gas_price,
                "reused": d.reused,
                "constructor_arguments": decode_constructor_args(ct, encoded),
                "constructor_arguments_encoded": encoded,
            }
        )
        abis.setdefault(d.contract, [item.model_dump(mode="json", by_alias=True) for item in ct.abi])
    [compiler] = [c for c in project.manifest.compilers or [] if c.name == "solidity"]
    return {
        "deployments": entries,
        "abis": abis,
        "compiler": {
            "name": "solc",
            "version": f"v{compiler.version}",
            "settings": {k: v for k, v in compiler.settings.items() if k != "outputSelection"},
            "standard_json_input": input_file,
            "standard_json_input_sha256": input_sha256,
        },
    }


def decode_constructor_args(contract_type, encoded: str) -> dict:
    """The constructor arguments by name (structs as objects), JSON-safe: integers as decimal strings,
    bytes as 0x-hex, addresses checksummed."""
    from eth_abi import decode

    constructor = contract_type.constructor
    if constructor is None or not constructor.inputs:
        return {}
    inputs = constructor.inputs
    values = decode([i.canonical_type for i in inputs], bytes.fromhex(encoded.removeprefix("0x")))
    return {i.name: _named(i, v) for i, v in zip(inputs, values, strict=True)}


def _named(abi_type, value):
    from eth_utils import to_checksum_address

    kind = abi_type.type
    if kind.endswith("]"):
        element = abi_type.model_copy(update={"type": kind[: kind.rindex("[")]})
        return [_named(element, v) for v in value]
    if kind == "tuple":
        return {c.name: _named(c, v) for c, v in zip(abi_type.components, value, strict=True)}
    if kind == "address":
        return to_checksum_address(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def standard_json_input(project) -> dict:
    """The Solidity standard-JSON input Ape compiled the project with: every source it compiled
    (dependency sources under the same `contracts/.cache/<name>/<version>/` ids, read from
    node_modules), and its settings (optimizer, EVM version, remappings). Compiled with the pinned solc
    it reproduces each deployed contract's creation and runtime code (tests/integration/
    test_deploy_live.py); explorers verify from it."""
    [compiler] = [c for c in project.manifest.compilers or [] if c.name == "solidity"]
    npm = {
        f"{project.contracts_folder.name}/.cache/{d['name']}/{d['version']}/": PROJECT_ROOT
        / "node_modules"
        / d["npm"]
        for d in project.config.dependencies
        if "npm" in d
    }
    sources = {}
    for source_id in sorted(compiler.settings["outputSelection"]):
        prefix = next((p for p in npm if source_id.startswith(p)), None)
        path = npm[prefix] / source_id[len(prefix) :] if prefix else project.path / source_id
        sources[source_id] = {"content": path.read_text(encoding="utf8")}
    settings = {k: v for k, v in compiler.settings.items() if k != "outputSelection"}
    settings["outputSelection"] = {"*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode", "metadata"]}}
    return {"language": "Solidity", "sources": sources, "settings": settings}


def write_standard_input(directory: Path, chain_id: int, data: dict) -> tuple[Path, str]:
    """Write the standard-JSON input beside the record; returns its path and sha256."""
    path = _write_json(input_path(directory, chain_id), data)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()
