"""`bulwark guardian` end to end on the test Anvil: the suite deployed from params/local.json and recorded,
then a timelocked risk change proposed from a spec, signed by three signers, submitted, refused before its
ETA, executed after it; a fast pause by one signer; `status` listing what is pending and paused; and
every refused submission sending nothing.

The commands run in this process (click's runner) against the node ape-foundry started for the session:
APE_FOUNDRY_HOST points their `ethereum:local:foundry` provider at it instead of a fresh Anvil.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bulwark import PROJECT_ROOT
from bulwark.abi.scopes import EngineScope
from bulwark.cli import cli
from bulwark.deploy import deploy_suite
from bulwark.deployments import deployment_record, write_record
from bulwark.params import load_params, read_params
from bulwark.signing.approvals import (
    Call,
    cancel_message,
    operation_id,
    pause_message,
    schedule_message,
    sign,
    sign_all,
)
from bulwark.signing.readable import utc
from bulwark.signing.safe import create_safe, deploy_safe_infra, safe_signature
from tests.unit.cli.test_cli import BULWARK

LOCAL = PROJECT_ROOT / "params" / "local.json"
RAISED_RISK = {
    "baseMmr": "0.06 wad",
    "maxMmr": "0.25 wad",
    "volMultiplier": "0.5 wad",
    "horizon": 86400,
    "imFactor": "2 wad",
    "liquidationBonus": "0.02 wad",
    "insuranceShare": "0.01 wad",
    "maxTradeDeviation": "0.05 wad",
    "openInterestCap": "10000 wad",
    "dustSize": "0.01 wad",
}


@pytest.fixture(scope="module")
def suite(project, accounts):
    return deploy_suite(project, accounts[0], load_params(LOCAL), local_accounts=accounts)


@pytest.fixture(scope="module")
def record(suite, chain, tmp_path_factory) -> Path:
    """deployments/<chainId>.json for the suite, as `bulwark deploy` writes it."""
    _, raw = read_params(LOCAL)
    record = deployment_record(
        suite.addresses(),
        chain_id=chain.chain_id,
        network="ethereum:local:foundry",
        deployer=suite.deployer,
        first_block=suite.first_block,
        last_block=suite.last_block,
        params_path=LOCAL,
        params_bytes=raw,
        verification=None,
    )
    return write_record(tmp_path_factory.mktemp("deployments"), record)


@pytest.fixture(autouse=True)
def node(chain, accounts, monkeypatch):
    """The commands reach this session's Anvil; the signers' keys (accounts 1-3, and 9 who is not one)
    are in SIGNER_<i>."""
    monkeypatch.setenv("APE_FOUNDRY_HOST", chain.provider.uri)
    for i in (1, 2, 3, 9):
        monkeypatch.setenv(f"SIGNER_{i}", accounts[i].private_key)


def guardian(*args):
    """Run `bulwark guardian ...` here; click's result (stdout and stderr apart)."""
    result = CliRunner(mix_stderr=False).invoke(cli, ["guardian", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def ok(result) -> str:
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def refused(result) -> str:
    """The one error line of a refused command (exit 1), without 'Error: '."""
    assert result.exit_code == 1, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    return line.removeprefix("Error: ")


def write_spec(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def propose(record: Path, spec: Path, out: Path, *extra) -> str:
    return ok(guardian("propose", "--deployment", record, "--spec", spec, "--out", out, *extra))


def signed(typed: Path, out_dir: Path, *signers: int) -> list:
    """`--signature` arguments for the signers' files, signer 1 through its Ape account (TEST::1), the
    others through --key-env."""
    args = []
    for i in signers:
        how = ["--account", "TEST::1"] if i == 1 else ["--key-env", f"SIGNER_{i}"]
        out = out_dir / f"{typed.stem}.signer{i}.json"
        ok(guardian("sign", "--typed-data", typed, *how, "--out", out))
        args += ["--signature", out]
    return args


def test_a_timelocked_risk_change_goes_from_spec_to_chain(suite, record, chain, accounts, tmp_path):
    """propose -> three signatures -> submit -> execute refused before the ETA -> after it, executed, and
    the market's risk parameters are the spec's."""
    engine, g = suite.engine, suite.guardian
    before = engine.market(0).risk
    spec = write_spec(
        tmp_path / "raise.yaml",
        {
            "description": "Raise the ETH/USD maintenance margin floor to 6%",
            "calls": [{"contract": "MarginEngine", "function": "setRiskParams", "args": [0, RAISED_RISK]}],
        },
    )
    typed = tmp_path / "raise.json"
    now = chain.blocks.head.timestamp
    delay, grace = g.delay(), g.GRACE_PERIOD()
    shown = propose(record, spec, typed, "--salt", "0x42")

    salt = (0x42).to_bytes(32, "big")
    calldata = engine.setRiskParams.encode_input(0, (6 * 10**16, *tuple(before)[1:]))
    op = operation_id([Call(engine.address, 0, calldata)], salt)
    assert f"1. MarginEngine {engine.address}" in shown
    assert (
        "setRiskParams(uint256,(uint64,uint64,uint64,uint32,uint64,uint64,uint64,uint64,uint128,uint128))"
        in shown
    )
    assert "marketId: 0" in shown and "risk: RiskParams" in shown
    assert "baseMmr: 60000000000000000 (0.06 wad)" in shown
    assert f"Operation id: 0x{op.hex()}" in shown
    assert "Needs 3 approvals (threshold: a timelocked operation) of 5 signers." in shown
    assert (
        f"executable from {utc(now + delay)} (now + delay 2d) until {utc(now + delay + grace)} (grace 7d)"
        in shown
    )

    data = json.loads(typed.read_text())
    assert set(data) == {"types", "primaryType", "domain", "message"} and data["primaryType"] == "Schedule"
    assert data["domain"]["verifyingContract"] == g.address and data["domain"]["chainId"] == chain.chain_id
    sidecar = json.loads((tmp_path / "raise.operation.json").read_text())
    assert sidecar["operation_id"] == "0x" + op.hex() and sidecar["calls"][0]["contract"] == "MarginEngine"

    signatures = signed(typed, tmp_path, 1, 2, 3)
    expected = sign(
        accounts[2].private_key,
        schedule_message([Call(engine.address, 0, calldata)], salt),
        chain.chain_id,
        g.address,
        data["message"]["validUntil"],
    )
    assert (
        json.loads((tmp_path / "raise.signer2.json").read_text())["signature"]
        == "0x" + expected.signature.hex()
    )

    shown = ok(guardian("submit", "--typed-data", typed, *signatures, "--deployment", record))
    assert "PauseGuardian.OperationScheduled" in shown and "Transaction 0x" in shown
    state, eta = g.operation(op)
    assert state == 1

    line = refused(guardian("execute", "--operation", tmp_path / "raise.operation.json"))
    assert line.startswith(f"operation 0x{op.hex()} is not executable before its ETA {utc(eta)} (in ")
    assert engine.market(0).risk == before

    chain.mine(timestamp=eta)
    shown = ok(guardian("execute", "--operation", tmp_path / "raise.operation.json"))
    assert "PauseGuardian.OperationExecuted" in shown and "MarginEngine.RiskParamsUpdated" in shown
    after = engine.market(0).risk
    assert after.baseMmr == 6 * 10**16
    assert tuple(after)[1:] == tuple(before)[1:]
    assert g.operation(op)[0] == 2

    line = refused(guardian("execute", "--operation", tmp_path / "raise.operation.json"))
    assert line == f"operation 0x{op.hex()} was executed; it cannot run again"


@pytest.mark.parametrize("sent_by", ["a non-signer", "the signer itself"])
def test_one_signer_pauses_trading_at_once(sent_by, suite, record, chain, accounts, tmp_path):
    """A pause of TRADE, which shifts no losses, needs pauseThreshold (1) approval and runs on submit:
    signer 2's signature sent by account 9 (a raw key, not a signer), or signer 2 sending it alone, its
    call counting as its approval."""
    engine, g = suite.engine, suite.guardian
    spec = write_spec(
        tmp_path / "pause.yaml",
        {"pause": {"contract": "MarginEngine", "scopes": ["TRADE"], "duration": "1h"}},
    )
    now = chain.blocks.head.timestamp
    shown = propose(record, spec, tmp_path / "pause.json")
    assert f"Pause TRADE (mask 0x1) on MarginEngine {engine.address} until {utc(now + 3600)}" in shown
    assert "Needs 1 approval (pauseThreshold: no scope shifts losses) of 5 signers." in shown
    if sent_by == "a non-signer":
        how = [*signed(tmp_path / "pause.json", tmp_path, 2), "--key-env", "SIGNER_9"]
        sender = accounts[9]
    else:
        how, sender = ["--key-env", "SIGNER_2"], accounts[2]
    nonce = sender.nonce
    shown = ok(guardian("submit", "--typed-data", tmp_path / "pause.json", *how, "--deployment", record))
    assert "PauseGuardian.Paused" in shown and "MarginEngine.PauseUpdated" in shown
    assert f"Sending PauseGuardian.pause from {sender.address}" in shown
    assert f"[0]: {accounts[2].address}" in shown  # the approvers the event names
    assert sender.nonce == nonce + 1 and not g.isSigner(accounts[9]) and g.isSigner(accounts[2])
    assert engine.pausedUntil(int(EngineScope.TRADE)) == now + 3600
    assert engine.isPaused(int(EngineScope.TRADE))
    assert not engine.isPaused(int(EngineScope.LIQUIDATE))


def test_status_lists_the_pending_operation_and_the_live_pause(suite, record, chain, accounts):
    """Of three scheduled operations, one executed and one cancelled, only the third is pending; the
    live pause is listed with its expiry."""
    g, engine = suite.guardian, suite.engine
    keys = [accounts[i].private_key for i in (1, 2, 3)]
    now = chain.blocks.head.timestamp

    def schedule(market: int, salt: bytes) -> list:
        calls = [Call(engine.address, 0, engine.setReduceOnly.encode_input(market, True))]
        approvals = sign_all(keys, schedule_message(calls, salt), chain.chain_id, g.address, now + 3600)
        g.schedule(calls, salt, approvals, sender=accounts[0])
        return calls

    pending = schedule(1, b"\x01" * 32)
    executed = schedule(0, b"\x02" * 32)
    cancelled = schedule(0, b"\x03" * 32)
    pending_id, executed_id, cancel_id = (
        operation_id(calls, bytes([i]) * 32) for i, calls in enumerate((pending, executed, cancelled), 1)
    )
    approvals = sign_all(keys[:2], cancel_message(cancel_id), chain.chain_id, g.address, now + 3600)
    g.cancel(cancel_id, approvals, sender=accounts[0])
    eta, executed_eta = g.operation(pending_id)[1], g.operation(executed_id)[1]
    chain.mine(timestamp=executed_eta)
    g.execute(executed, b"\x02" * 32, sender=accounts[0])
    now = chain.blocks.head.timestamp
    until = now + 7200
    message = pause_message(engine.address, int(EngineScope.WITHDRAW), until)
    approvals = sign_all(keys[:1], message, chain.chain_id, g.address, now + 3600)
    g.pause(engine.address, int(EngineScope.WITHDRAW), until, approvals, sender=accounts[0])

    shown = ok(guardian("status", "--deployment", record))
    assert f"PauseGuardian {g.address} on chain {chain.chain_id}: 5 signers, 1 pauser" in shown
    [pauser] = load_params(LOCAL).guardian.pausers
    assert f"Pausers (pause-only keys, GRD-06): {pauser}" in shown
    assert "Pending operations: 1" in shown
    assert f"operation 0x{pending_id.hex()}" in shown
    assert f"operation 0x{cancel_id.hex()}" not in shown
    assert f"operation 0x{executed_id.hex()}" not in shown
    assert f"ETA {utc(eta)}, grace window ends {utc(eta + g.GRACE_PERIOD())}: executable now" in shown
    assert f"1. MarginEngine {engine.address}" in shown and "setReduceOnly(uint256,bool)" in shown
    assert "marketId: 1" in shown and "reduceOnly: true" in shown
    assert "Live pauses: 1" in shown
    assert f"MarginEngine {engine.address}: WITHDRAW paused until {utc(until)}" in shown


def risk_change(tmp_path: Path, **extra) -> Path:
    return write_spec(
        tmp_path / "change.yaml",
        {
            "calls": [{"contract": "MarginEngine", "function": "setRiskParams", "args": [1, RAISED_RISK]}],
            **extra,
        },
    )


@pytest.mark.parametrize(
    "case",
    ["too few approvals", "a non-signer", "an expired approval", "a loss-shifting pause by one", "a replay"],
)
def test_a_refused_submission_sends_nothing(case, suite, record, chain, tmp_path):
    """Each refusal is one line naming what is wrong, and no transaction reaches the chain."""
    typed = tmp_path / "change.json"
    if case == "a loss-shifting pause by one":
        spec = write_spec(
            tmp_path / "p.yaml",
            {"pause": {"contract": "MarginEngine", "scopes": ["LIQUIDATE"], "duration": 600}},
        )
        propose(record, spec, typed)
        signatures = signed(typed, tmp_path, 2)
        expected = "1 approval, but pause needs 2 approvals (shiftPauseThreshold: LIQUIDATE shifts losses)"
    else:
        propose(record, risk_change(tmp_path), typed, *(["--valid-for", 60] if "expired" in case else []))
        signers = {"too few approvals": (1, 2), "a non-signer": (1, 2, 9)}.get(case, (1, 2, 3))
        signatures = signed(typed, tmp_path, *signers)
        expected = {
            "too few approvals": "2 approvals, but schedule needs 3 approvals (threshold: a timelocked",
            "a non-signer": f"is not a signer of the PauseGuardian {suite.guardian.address}",
            "an expired approval": "the approvals expired: valid until ",
            "a replay": "was scheduled before (now Scheduled); a new salt proposes the same calls again",
        }[case]
        if case == "an expired approval":
            chain.mine(timestamp=chain.blocks.head.timestamp + 120)
        if case == "a replay":
            ok(guardian("submit", "--typed-data", typed, *signatures))
    block = chain.blocks.head.number
    line = refused(guardian("submit", "--typed-data", typed, *signatures))
    assert expected in line
    assert chain.blocks.head.number == block


def test_the_installed_script_refuses_an_early_execute_in_one_line(suite, record, chain, accounts, tmp_path):
    """The console script itself, on this node: exit 1, one line on stderr naming the ETA, no traceback."""
    g, engine = suite.guardian, suite.engine
    typed = tmp_path / "change.json"
    propose(record, risk_change(tmp_path), typed)
    ok(guardian("submit", "--typed-data", typed, *signed(typed, tmp_path, 1, 2, 3)))
    op = bytes.fromhex(json.loads((tmp_path / "change.operation.json").read_text())["operation_id"][2:])
    eta = g.operation(op)[1]
    out = subprocess.run(
        [str(BULWARK), "guardian", "execute", "--operation", "change.operation.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "APE_FOUNDRY_HOST": chain.provider.uri},
    )
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(
        f"Error: operation 0x{op.hex()} is not executable before its ETA {utc(eta)} (in 2d"
    )
    assert engine.market(1).risk.baseMmr == 5 * 10**16


def test_a_safe_signer_approves_a_pause_through_eip1271(suite, record, chain, accounts, tmp_path):
    """A 2-of-3 Safe made a signer through the timelock signs the typed data as a Safe message; submit
    checks it with isValidSignature and refuses one owner's signature alone."""
    g, engine = suite.guardian, suite.engine
    infra = deploy_safe_infra(accounts[0])
    owners = accounts[6:9]
    safe = create_safe(infra, accounts[0], [o.address for o in owners], threshold=2)
    keys = [accounts[i].private_key for i in (1, 2, 3)]
    calls = [Call(g.address, 0, g.addSigner.encode_input(safe.address))]
    now = chain.blocks.head.timestamp
    salt = b"\x05" * 32
    g.schedule(
        calls,
        salt,
        sign_all(keys, schedule_message(calls, salt), chain.chain_id, g.address, now + 600),
        sender=accounts[0],
    )
    chain.mine(timestamp=g.operation(operation_id(calls, salt))[1])
    g.execute(calls, salt, sender=accounts[0])
    assert g.isSigner(safe.address)

    spec = write_spec(
        tmp_path / "p.yaml", {"pause": {"contract": "MarginEngine", "scopes": ["TRADE"], "duration": 600}}
    )
    typed = tmp_path / "p.json"
    propose(record, spec, typed)
    digest = bytes.fromhex(json.loads((tmp_path / "p.operation.json").read_text())["digest"][2:])

    def safe_file(name: str, owner_keys) -> Path:
        signature = safe_signature(safe.address, chain.chain_id, digest, owner_keys)
        out = tmp_path / name
        args = ["--signature", "0x" + signature.hex(), "--signer", safe.address, "--eip1271", "--out", out]
        assert "(EIP-1271: checked on chain at submit)" in ok(guardian("sign", "--typed-data", typed, *args))
        return out

    one = safe_file("one-owner.json", [owners[0].private_key])
    block = chain.blocks.head.number
    line = refused(guardian("submit", "--typed-data", typed, "--signature", one))
    assert line == f"{one}: {safe.address}.isValidSignature refuses the signature for digest 0x{digest.hex()}"
    assert chain.blocks.head.number == block

    two = safe_file("two-owners.json", [o.private_key for o in owners[:2]])
    shown = ok(guardian("submit", "--typed-data", typed, "--signature", two))
    assert "PauseGuardian.Paused" in shown and f"[0]: {safe.address}" in shown
    assert engine.isPaused(int(EngineScope.TRADE))
