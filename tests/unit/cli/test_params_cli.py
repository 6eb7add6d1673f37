"""`bulwark params check` and the deploy gate from the command line: findings with severity, path,
value and reason; exit 0 / 1 / 2 as documented; a live deploy (a local Anvil standing in for Sepolia)
refused in one line before anything is sent; a local deploy that reports its lints and proceeds; the walk
refusing a file without its demo-only field."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bulwark import PROJECT_ROOT
from bulwark.chain.anvil import anvil_binary

BULWARK = Path(sys.executable).parent / "bulwark"
PARAMS = PROJECT_ROOT / "params"
SEPOLIA = 11_155_111


def bulwark(*args, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BULWARK), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def write(tmp_path: Path, name: str, source: str, **changes) -> Path:
    """`source` from params/ with `changes` ("section.key" -> value) applied, as tmp_path/name."""
    data = json.loads((PARAMS / source).read_text())
    for dotted, value in changes.items():
        *parents, key = dotted.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


def one_line(out: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in out.stdout + out.stderr
    [line] = out.stderr.strip().splitlines()
    return line


# ---------------------------------------------------------------- bulwark params check


def test_the_shipped_files_lint_as_documented():
    """The testnet template is clean; local.json and simulation.json keep their documented warnings."""
    clean = bulwark("params", "check", PARAMS / "testnet.example.json")
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.splitlines()[0].endswith("testnet.example.json: 0 errors, 0 warnings")

    local = bulwark("params", "check", PARAMS / "local.json")
    assert local.returncode == 0, local.stderr
    assert local.stdout.splitlines()[0].endswith("local.json: 0 errors, 5 warnings")
    ids = [line.split()[1] for line in local.stdout.splitlines()[1:] if line.startswith("  warning")]
    assert ids == ["PL-GRD-02", "PL-ORA-06", "PL-ORA-06", "PL-ORA-06", "PL-FND-02"]
    assert "  skipped PL-FND-01  no reference_price in markets.0, markets.1" in local.stdout

    strict = bulwark("params", "check", "--strict", PARAMS / "local.json")
    assert strict.returncode == 1


def test_a_finding_prints_severity_id_path_value_and_reason_and_errors_exit_1(tmp_path):
    path = write(tmp_path, "p.json", "testnet.example.json", **{"guardian.grace_period": 1})
    out = bulwark("params", "check", path)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0] == f"{path}: 1 error, 0 warnings"
    assert lines[1] == "  error   PL-GRD-03  guardian.grace_period = 1 s"
    assert lines[2].strip().startswith("an operation can run only in the 1 s after its ETA")


def test_json_output_carries_every_finding(tmp_path):
    path = write(
        tmp_path,
        "p.json",
        "testnet.example.json",
        **{"markets.0.oracle.max_deviation": 18, "fund.redeem_window": 3600},
    )
    out = bulwark("params", "check", "--json", path)
    assert out.returncode == 1
    document = json.loads(out.stdout)
    assert (document["errors"], document["warnings"], document["exit"]) == (1, 3, 1)
    by_id = {f["id"]: f for f in document["findings"]}
    # an 1,800% breaker also lifts the crash bound far above the fund's cap (PL-FND-01)
    assert set(by_id) == {"PL-ORA-01", "PL-ORA-02", "PL-FND-01", "PL-FND-02"}
    assert by_id["PL-ORA-01"] == {
        "id": "PL-ORA-01",
        "severity": "error",
        "path": "markets.0.oracle.max_deviation",
        "value": "1,800%",
        "reason": by_id["PL-ORA-01"]["reason"],
    }
    assert "no fall ever trips the breaker" in by_id["PL-ORA-01"]["reason"]


def test_a_file_that_does_not_validate_is_one_line_and_exit_2(tmp_path):
    path = write(tmp_path, "p.json", "testnet.example.json", **{"markets.0.oracle.max_staleness": 100})
    out = bulwark("params", "check", path)
    assert out.returncode == 2
    line = one_line(out)
    assert line.startswith(f"Error: Invalid value for 'FILE': {path}: markets.0.oracle: Value error, ")
    assert "max_report_age 120 must be below max_staleness 100" in line
    assert out.stdout == ""


# ---------------------------------------------------------------- the walk's demo-only field


def test_the_walk_refuses_a_file_without_demo_duration_before_starting_a_node(tmp_path):
    data = json.loads((PARAMS / "local.json").read_text())
    del data["pause"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    out = bulwark("walk", "--params", path)
    assert out.returncode == 2
    line = one_line(out)
    assert line.startswith(
        f"Error: Invalid value for '--params': {path}: pause.demo_duration is required by the walk"
    )
    assert "Starting" not in out.stdout + out.stderr  # no Anvil was launched


# ---------------------------------------------------------------- the deploy gate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rpc(url: str, method: str):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["result"]


@pytest.fixture(scope="module")
def sepolia():
    """A local Anvil with Sepolia's chain id, standing in for the live network; stopped by its pid."""
    port = _free_port()
    node = subprocess.Popen(
        [anvil_binary(), "--port", str(port), "--chain-id", str(SEPOLIA), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                assert int(_rpc(url, "eth_chainId"), 16) == SEPOLIA
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("anvil did not start")
        yield url
    finally:
        node.terminate()
        node.wait(timeout=10)


def live_deploy(url: str, *args):
    return bulwark("deploy", "--network", "ethereum:sepolia:node", *args, env={"WEB3_PROVIDER_URI": url})


def test_a_live_deploy_refuses_a_file_with_lint_errors_in_one_line(sepolia, tmp_path):
    """Even with --accept-warnings; nothing is sent (no block mined, no account needed)."""
    path = write(tmp_path, "p.json", "testnet.example.json", **{"guardian.grace_period": 1})
    for extra in ((), ("--accept-warnings",)):
        out = live_deploy(sepolia, "--params", path, *extra)
        assert out.returncode == 2
        assert one_line(out) == (
            f"Error: {path}: 1 lint error (first: PL-GRD-03 guardian.grace_period = 1 s); a live deployment "
            f"refuses errors, see `bulwark params check {path}` (see 'bulwark deploy --help')"
        )
    assert int(_rpc(sepolia, "eth_blockNumber"), 16) == 0


def test_a_live_deploy_needs_accept_warnings_for_a_file_with_warnings(sepolia, tmp_path):
    path = write(tmp_path, "p.json", "testnet.example.json", **{"fund.redeem_window": 3600})
    refused = live_deploy(sepolia, "--params", path)
    assert refused.returncode == 2
    line = one_line(refused)
    assert line.startswith(f"Error: {path}: 1 lint warning (first: PL-FND-02 fund.redeem_window = 3600 s")
    assert "pass --accept-warnings to deploy anyway" in line
    # accepted: the gate lets it through to the next check, the deploying account
    accepted = live_deploy(sepolia, "--params", path, "--accept-warnings")
    assert one_line(accepted).startswith("Error: --account ALIAS is required on ethereum:sepolia")
    printed = " ".join(accepted.stdout.split())  # the console wraps a long temporary path
    assert f"{path}: 0 errors, 1 warning (accepted with --accept-warnings" in printed
    assert int(_rpc(sepolia, "eth_blockNumber"), 16) == 0


def test_a_local_deploy_prints_its_lint_errors_and_deploys_and_verifies_anyway(tmp_path):
    """The issue's footguns (timelock delay 0, grace 1 s, a breaker at 1,800%) deploy and verify on a
    local Anvil: the contracts accept them, so only the lints catch them."""
    path = write(
        tmp_path,
        "footguns.json",
        "local.json",
        **{
            "guardian.min_delay": 0,
            "guardian.delay": 0,
            "guardian.grace_period": 1,
            "markets.0.oracle.max_deviation": 18,
        },
    )
    out = bulwark("deploy", "--params", path, "--out", tmp_path / "deployments", timeout=300)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert f"{path}: 4 errors, 5 warnings (local network: deploying anyway; see `bulwark params check" in text
    assert "verified: 120 wires match" in text
    [record] = [p for p in (tmp_path / "deployments").glob("*.json") if p.stem.isdigit()]  # not .input.json
    assert json.loads(record.read_text())["verification"]["ok"] is True
