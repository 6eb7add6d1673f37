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
from bulwark.deploy import SuiteAddresses, SuitePlan
from bulwark.params import THRESHOLDS
from bulwark.signing.reports import feed_id

RECORD_VERSION = 1


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

    token = r.at("collateral", project.MockERC20, addresses.collateral)
    if token is not None:
        r.read("collateral.decimals", plan.decimals, token.decimals)

    fund = r.at("fund", project.InsuranceFund, addresses.fund)
    if fund is not None:
        r.read("fund.GUARDIAN", guardian, fund.GUARDIAN)
        r.read("fund.asset (the collateral)", addresses.collateral, fund.asset)
        r.read("fund.isEngine(MarginEngine)", True, lambda: fund.isEngine(addresses.engine))
        r.read("fund.name", plan.fund_name, fund.name)
        r.read("fund.symbol", plan.fund_symbol, fund.symbol)
        r.read("fund.outflow_window", plan.outflow_window, fund.OUTFLOW_WINDOW)
        for i, name in enumerate(plan.fund_config._fields):
            unit = "token" if name == "maxOutflow" else ""
            r.read(f"fund.{_snake(name)}", plan.fund_config[i], lambda i=i: tuple(fund.params())[i], unit)

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
            for j, name in enumerate(m.risk.__dataclass_fields__):
                unit = "" if name == "horizon" else "wad"
                expected = m.risk.as_tuple()[j]
                r.read(f"{where}.risk.{_snake(name)}", expected, lambda s=state, j=j: tuple(s.risk)[j], unit)
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
) -> dict:
    """`deployments/<chainId>.json`: where everything is, from which parameters, and whether it verified.
    `verification` None means not verified (yet)."""
    path = Path(params_path).resolve()
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    return {
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
        "verification": verification.as_dict() if verification is not None else {"ok": None},
    }


def record_path(directory: Path, chain_id: int) -> Path:
    return Path(directory) / f"{chain_id}.json"


def write_record(directory: Path, record: dict) -> Path:
    """Write `record` to `<directory>/<chainId>.json` (atomically: a reader never sees half a file)."""
    path = record_path(directory, record["chain_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(path)
    return path


def read_record(path: Path) -> tuple[dict, SuiteAddresses]:
    record = json.loads(Path(path).read_text())
    return record, SuiteAddresses.from_dict(record["contracts"])
