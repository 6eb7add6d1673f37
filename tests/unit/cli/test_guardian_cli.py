"""`bulwark guardian`: bad files and options are one usage error (exit 2) naming the option, found before
any node is reached, never a traceback."""

from __future__ import annotations

import json
import subprocess

import pytest
from ape.cli import ConnectedProviderCommand
from click.testing import CliRunner

from bulwark.cli import cli
from bulwark.signing.approvals import pause_message, schedule_message, sign
from bulwark.signing.requests import Request, Sidecar, write_json
from tests.unit.cli.test_cli import BULWARK
from tests.unit.signing.test_specs import CONTRACTS

GUARDIAN = CONTRACTS["PauseGuardian"]
ENGINE = CONTRACTS["MarginEngine"]
KEY = "0x" + "01" * 32


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to connect fails the test: everything here must be refused before that."""

    def connect(self, ctx):
        raise AssertionError("connected to a network")

    monkeypatch.setattr(ConnectedProviderCommand, "invoke", connect)


@pytest.fixture
def files(tmp_path):
    """A deployment record, a pause request's typed data and its signature, a schedule's files."""
    write_json(tmp_path / "31337.json", {"chain_id": 31337, "first_block": 1, "contracts": CONTRACTS})
    pause = Request(pause_message(ENGINE, 1, 5_000), 31337, GUARDIAN, 4_000)
    write_json(tmp_path / "pause.json", pause.as_json())
    approval = sign(KEY, pause.message, 31337, GUARDIAN, 4_000)
    signature = {"signer": approval.signer, "signature": "0x" + approval.signature.hex()}
    write_json(tmp_path / "pause.sig.json", {**signature, "digest": "0x" + pause.digest.hex()})
    write_json(
        tmp_path / "pause.operation.json", Sidecar("pause", 31337, GUARDIAN, 4_000, CONTRACTS).as_json()
    )
    schedule = Request(schedule_message([(ENGINE, 0, b"\x01")], b"\x02" * 32), 31337, GUARDIAN, 4_000)
    write_json(tmp_path / "op.json", schedule.as_json())
    return tmp_path


def invoke(*args):
    result = CliRunner(mix_stderr=False).invoke(cli, ["guardian", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def usage_error(result, option: str) -> str:
    """The one line of a usage error for `option`, without click's prefix and hint."""
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    prefix = f"Error: Invalid value for '{option}': "
    assert lines[0].startswith(prefix), lines[0]
    return lines[0][len(prefix) :]


def test_help_lists_the_five_signer_commands():
    result = CliRunner().invoke(cli, ["guardian", "--help"])
    assert result.exit_code == 0
    assert set(result.output.split("Commands:")[1].split()) >= {
        "propose",
        "sign",
        "submit",
        "execute",
        "status",
    }
    assert "guardian" in CliRunner().invoke(cli, ["--help"]).output


def test_propose_refuses_a_bad_spec_naming_the_field(files):
    spec = files / "bad.yaml"
    spec.write_text(
        "calls:\n  - contract: MarginEngine\n    function: setReduceOnly\n    args: [0.5, true]\n"
    )
    result = invoke(
        "propose", "--deployment", files / "31337.json", "--spec", spec, "--out", files / "x.json"
    )
    assert usage_error(result, "--spec") == (
        f"{spec}: calls[0].args[0]: '0.5' is not an integer; write '0.5 wad' for a WAD decimal"
    )
    assert not (files / "x.json").exists()


def test_propose_refuses_a_file_that_is_not_a_deployment_record(files):
    spec = files / "pause.yaml"
    spec.write_text("pause: {contract: MarginEngine, scopes: [TRADE], duration: 1h}\n")
    (files / "notes.json").write_text('{"hello": 1}')
    result = invoke(
        "propose", "--deployment", files / "notes.json", "--spec", spec, "--out", files / "x.json"
    )
    assert (
        usage_error(result, "--deployment")
        == f"{files / 'notes.json'}: not a deployment record (no 'contracts')"
    )


def test_propose_refuses_a_salt_for_a_fast_path_request(files):
    spec = files / "pause.yaml"
    spec.write_text("pause: {contract: MarginEngine, scopes: [TRADE], duration: 1h}\n")
    args = ["propose", "--deployment", files / "31337.json", "--spec", spec, "--out", files / "x.json"]
    assert (
        usage_error(invoke(*args, "--salt", "0x01"), "--salt")
        == "a salt is for timelocked calls; pause has none"
    )
    spec.write_text("calls: [{contract: MarginEngine, function: setReduceOnly, args: [0, true]}]\n")
    message = usage_error(invoke(*args, "--salt", "0xzz"), "--salt")
    assert message == "expected 0x and 1 to 64 hex digits, got '0xzz'"


def test_sign_needs_exactly_one_way_to_sign(files):
    result = invoke("sign", "--typed-data", files / "pause.json", "--out", files / "s.json")
    assert result.exit_code == 2
    assert "Error: give exactly one of --account, --key-env or --signature" in result.stderr


def test_sign_with_an_unset_key_variable_is_a_usage_error(files, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    result = invoke(
        "sign", "--typed-data", files / "pause.json", "--key-env", "NO_SUCH_KEY", "--out", files / "s"
    )
    assert result.exit_code == 2
    assert "Error: --key-env NO_SUCH_KEY: the environment variable NO_SUCH_KEY is not set" in result.stderr
    assert not (files / "s").exists()


def test_sign_with_a_raw_key_writes_signer_signature_and_digest(files, monkeypatch):
    """The key-env path signs exactly as approvals.sign does."""
    monkeypatch.setenv("SIGNER_KEY", KEY)
    args = ["--key-env", "SIGNER_KEY", "--deployment", files / "31337.json", "--out", files / "s"]
    result = invoke("sign", "--typed-data", files / "pause.json", *args)
    assert result.exit_code == 0, result.stderr
    assert json.loads((files / "s").read_text()) == json.loads((files / "pause.sig.json").read_text())
    assert "Pause TRADE (mask 0x1) on MarginEngine" in result.stdout


def test_an_ape_account_signs_the_same_through_sign_message_and_sign_raw_msghash(
    files, accounts, monkeypatch
):
    """Ape's AccountAPI.sign_message on the EIP-712 message and sign_raw_msghash on its digest give the
    signature the account's raw key gives."""
    monkeypatch.setenv("SIGNER_1", accounts[1].private_key)
    outputs = []
    for i, how in enumerate(
        (["--account", "TEST::1"], ["--account", "TEST::1", "--raw-hash"], ["--key-env", "SIGNER_1"])
    ):
        result = invoke("sign", "--typed-data", files / "op.json", *how, "--out", files / f"{i}.json")
        assert result.exit_code == 0, result.stderr
        outputs.append(json.loads((files / f"{i}.json").read_text()))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0]["signer"] == accounts[1].address


def test_sign_refuses_an_imported_signature_of_someone_else(files):
    sig = json.loads((files / "pause.sig.json").read_text())
    other = "0x" + "98" * 20
    result = invoke(
        "sign",
        "--typed-data",
        files / "pause.json",
        "--signature",
        sig["signature"],
        "--signer",
        other,
        "--out",
        files / "s",
    )
    assert usage_error(result, "--signature") == f"it recovers to {sig['signer']}, not --signer {other}"


def test_a_typed_data_file_that_was_edited_is_refused(files):
    data = json.loads((files / "pause.json").read_text())
    data["types"]["Pause"][1]["type"] = "uint8"
    write_json(files / "edited.json", data)
    result = invoke("sign", "--typed-data", files / "edited.json", "--key-env", "X", "--out", files / "s")
    assert usage_error(result, "--typed-data") == (
        f"{files / 'edited.json'}: types differ from the PauseGuardian's Pause types (IPauseGuardian.sol)"
    )


def test_submit_refuses_a_signature_of_another_request_before_connecting(files):
    result = invoke("submit", "--typed-data", files / "op.json", "--signature", files / "pause.sig.json")
    message = usage_error(result, "--signature")
    assert message.startswith(f"{files / 'pause.sig.json'}: signs digest 0x")
    assert ", not this typed data's 0x" in message


def test_submit_refuses_a_signature_file_claiming_another_signer(files):
    sig = json.loads((files / "pause.sig.json").read_text())
    write_json(files / "forged.json", {**sig, "signer": "0x" + "98" * 20})
    result = invoke("submit", "--typed-data", files / "pause.json", "--signature", files / "forged.json")
    assert usage_error(result, "--signature") == (
        f"{files / 'forged.json'}: the signature recovers to {sig['signer']}, "
        f"not the claimed signer 0x{'98' * 20}"
    )


def test_execute_refuses_a_fast_path_request(files):
    result = invoke("execute", "--operation", files / "pause.operation.json")
    assert usage_error(result, "--operation") == (
        f"{files / 'pause.operation.json'} is a pause request, which runs when submitted; nothing to execute"
    )


def test_the_installed_script_reports_a_bad_spec_in_one_line(files, tmp_path):
    """The real console script, from another directory with relative paths: exit 2, one line on stderr."""
    (tmp_path / "bad.yaml").write_text("pause: {contract: MarginEngine, scopes: [TRADES], duration: 1h}\n")
    out = subprocess.run(
        [
            str(BULWARK),
            "guardian",
            "propose",
            "--deployment",
            "31337.json",
            "--spec",
            "bad.yaml",
            "--out",
            "x.json",
        ],
        cwd=files,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(
        f"Error: Invalid value for '--spec': {tmp_path / 'bad.yaml'}: pause.scopes[0]: MarginEngine has no "
        "scope 'TRADES'; its scopes are TRADE, LIQUIDATE, DEPOSIT, WITHDRAW"
    )
    assert out.stdout == ""
