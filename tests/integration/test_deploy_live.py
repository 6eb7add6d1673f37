"""`bulwark deploy` against a second Anvil standing in for Sepolia (chain 11155111, started and stopped
here): one-line refusals before any node is contacted, a rehearsal on a fork of it that sends nothing,
a deployment whose record matches the chain and whose standard-JSON input reproduces the deployed code
on the pinned solc, and a deployment that fails partway and is resumed.

Every run is the `bulwark` console script in a subprocess, with its own Ape data folder holding keyfile
accounts made here (so nothing touches ~/.ape)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from bulwark import PROJECT_ROOT
from bulwark.rehearsal import _free_port

SEPOLIA = 11155111
PASSPHRASE = "correct horse battery staple"
BULWARK = str(PROJECT_ROOT / ".venv" / "bin" / "bulwark")
SOLC = PROJECT_ROOT / ".toolchain" / "bin" / "solc"
KEYS = {  # keyfile aliases and their keys (derived here, funded on the stand-in only)
    "deployer": keccak(text="bulwark live-deploy test: deployer"),
    "resumer": keccak(text="bulwark live-deploy test: resumer"),
    "renewer": keccak(text="bulwark live-deploy test: renewer"),
    "broke": keccak(text="bulwark live-deploy test: broke"),
}


def address(alias: str) -> str:
    return Account.from_key(KEYS[alias]).address


@dataclass
class Testnet:
    url: str
    w3: Web3

    def rpc(self, method: str, *params):
        response = self.w3.provider.make_request(method, list(params))
        assert "error" not in response, response
        return response["result"]

    def nonce(self, who: str) -> int:
        return self.w3.eth.get_transaction_count(who)


def _start_anvil(*args: str):
    port = _free_port()
    process = subprocess.Popen(
        [str(PROJECT_ROOT / ".toolchain" / "bin" / "anvil"), "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(HTTPProvider(url))
    for _ in range(100):
        if process.poll() is None and w3.is_connected():
            return process, Testnet(url, w3)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the stand-in testnet did not start")


@pytest.fixture(scope="module")
def testnet():
    """Anvil with Sepolia's chain id, stopped (by pid) when the module ends, pass or fail."""
    # Blocks every second, as a testnet makes them: Ape waits for Sepolia's two confirmations.
    process, node = _start_anvil("--chain-id", str(SEPOLIA), "--block-time", "1")
    try:
        for alias in ("deployer", "resumer", "renewer"):
            node.rpc("anvil_setBalance", address(alias), hex(10**21))
        yield node
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def usdc(project, testnet):
    """The existing collateral a live parameter file names: a 6-decimal ERC20 already on the testnet."""
    ct = project.MockERC20.contract_type
    funder = testnet.w3.eth.accounts[9]
    factory = testnet.w3.eth.contract(
        abi=[a.model_dump(by_alias=True) for a in ct.abi], bytecode=ct.deployment_bytecode.bytecode
    )
    tx = factory.constructor("USD Coin", "USDC", 6).transact({"from": funder})
    return testnet.w3.eth.wait_for_transaction_receipt(tx).contractAddress


@pytest.fixture(scope="module")
def params_file(tmp_path_factory, usdc) -> Path:
    data = json.loads((PROJECT_ROOT / "params" / "testnet.example.json").read_text())
    data["collateral"]["address"] = usdc
    path = tmp_path_factory.mktemp("params") / "testnet.json"
    path.write_text(json.dumps(data, indent=2))
    return path


@pytest.fixture(scope="module")
def ape_data(tmp_path_factory) -> Path:
    """An Ape data folder whose keyfile accounts are KEYS, all locked with PASSPHRASE."""
    folder = tmp_path_factory.mktemp("ape-data")
    (folder / "accounts").mkdir()
    for alias, key in KEYS.items():
        keyfile = Account.encrypt(key, PASSPHRASE)
        (folder / "accounts" / f"{alias}.json").write_text(json.dumps(keyfile))
    return folder


def bulwark_deploy(ape_data: Path, *args, passphrases: bool = True, env: dict | None = None, timeout=180):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("APE_") and k != "WEB3_PROVIDER_URI"
    }
    environment["APE_DATA_FOLDER"] = str(ape_data)
    if passphrases:
        environment.update({f"APE_ACCOUNTS_{alias}_PASSPHRASE": PASSPHRASE for alias in KEYS})
    environment.update(env or {})
    return subprocess.run(
        [BULWARK, "deploy", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        stdin=subprocess.DEVNULL,
    )


def one_line_error(result, code: int, after_transactions: bool = False) -> str:
    """The command's error: exit `code`, one line on stderr, no traceback. After transactions were sent,
    Ape's confirmation progress bars (tqdm, on stderr) come before it; nothing else may."""
    assert result.returncode == code, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    *progress, error = lines
    if after_transactions:
        progress = [line for line in progress if line.strip() and "0/2 [" not in line]
    assert progress == [] and error.startswith("Error: "), result.stderr
    return error


class Listener:
    """A TCP port that counts the connections made to it (an RPC no one may contact)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.fixture
def untouchable():
    listener = Listener()
    yield listener
    listener.close()


# ---------------------------------------------------------------- refusals before anything is sent


def test_a_live_network_without_an_rpc_is_one_line_before_any_node(ape_data, params_file):
    """No --rpc, no ape-config URI and no WEB3_PROVIDER_URI: a usage error, not Ape's public-RPC retries."""
    result = bulwark_deploy(
        ape_data, "--network", "ethereum:sepolia:node", "--params", str(params_file), "--account", "deployer"
    )
    line = one_line_error(result, 2)
    assert "no RPC configured for ethereum:sepolia:node: give --rpc URL, set WEB3_PROVIDER_URI" in line
    assert "WARNING" not in result.stdout + result.stderr


def test_an_unknown_account_is_one_line_and_no_node_is_contacted(ape_data, params_file, untouchable):
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", untouchable.url, "--params", str(params_file)),
        *("--account", "nobody"),
    )
    line = one_line_error(result, 2)
    assert "--account nobody: no Ape account has that alias (known: broke, deployer, renewer, resumer" in line
    assert untouchable.connections == 0


def test_a_keyfile_that_cannot_be_unlocked_is_one_line_and_no_node_is_contacted(
    ape_data, params_file, untouchable
):
    base = ("--network", "ethereum:sepolia:node", "--rpc", untouchable.url, "--params", str(params_file))
    wrong = bulwark_deploy(
        ape_data, *base, "--account", "deployer", env={"APE_ACCOUNTS_deployer_PASSPHRASE": "wrong"}
    )
    assert (
        "--account deployer: cannot unlock the keyfile "
        "(the passphrase from APE_ACCOUNTS_deployer_PASSPHRASE is wrong)" in one_line_error(wrong, 2)
    )
    unasked = bulwark_deploy(ape_data, *base, "--account", "deployer", passphrases=False)
    assert (
        "cannot unlock the keyfile (no passphrase: set APE_ACCOUNTS_deployer_PASSPHRASE or run in a terminal)"
        in one_line_error(unasked, 2)
    )
    assert untouchable.connections == 0


def test_a_node_on_another_chain_is_refused_before_any_transaction(ape_data, params_file, testnet):
    """Mainnet's network choice pointed at the stand-in Sepolia: one line, and the chain is untouched."""
    nonce, balance = testnet.nonce(address("deployer")), testnet.w3.eth.get_balance(address("deployer"))
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:mainnet:node", "--rpc", testnet.url, "--params", str(params_file)),
        *("--account", "deployer"),
    )
    line = one_line_error(result, 2)
    assert (
        f"wrong chain: the node at {testnet.url} is chain {SEPOLIA}, but ethereum:mainnet:node is chain 1 "
        "(nothing was sent)" in line
    )
    assert (testnet.nonce(address("deployer")), testnet.w3.eth.get_balance(address("deployer"))) == (
        nonce,
        balance,
    )


def test_local_only_fields_are_refused_on_a_live_network(ape_data, untouchable):
    result = bulwark_deploy(
        ape_data, "--network", "ethereum:sepolia:node", "--rpc", untouchable.url, "--account", "deployer"
    )
    assert "are for local networks only (got sepolia)" in one_line_error(result, 2)
    assert untouchable.connections == 0


# ---------------------------------------------------------------- rehearsal, then the deployment


@pytest.fixture(scope="module")
def rehearsal(ape_data, params_file, testnet, tmp_path_factory):
    """`--rehearse` on the stand-in: the fork's report, and the testnet's state before and after."""
    out = tmp_path_factory.mktemp("rehearsal")
    who = address("deployer")
    before = (testnet.nonce(who), testnet.w3.eth.get_balance(who))
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", testnet.url, "--params", str(params_file)),
        *("--account", "deployer", "--rehearse", "--out", str(out)),
        passphrases=False,  # a rehearsal impersonates the deployer on the fork: it never unlocks the key
    )
    after = (testnet.nonce(who), testnet.w3.eth.get_balance(who))
    return result, json.loads((out / f"{SEPOLIA}.rehearsal.json").read_text()), before, after, out


def test_a_rehearsal_runs_everything_on_a_fork_and_sends_nothing(rehearsal):
    result, report, before, after, out = rehearsal
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert after == before  # no transaction and no wei moved on the target
    assert list(out.iterdir()) == [out / f"{SEPOLIA}.rehearsal.json"]  # and no deployment record
    assert (
        report["verification"]["ok"] is True and report["verification"]["checks"] == 55
    )  # 27 + 26 per market
    assert report["failure"] is None


def test_a_rehearsal_prints_gas_per_transaction_and_the_cost(rehearsal):
    result, report, *_ = rehearsal
    gas = report["gas"]
    steps = [t["step"] for t in gas["transactions"]]
    assert steps == ["PauseGuardian", "MedianOracle ETH/USD", "InsuranceFund", "MarginEngine"]
    assert all(t["gas_used"] > 100_000 for t in gas["transactions"])
    assert gas["total_gas"] == sum(t["gas_used"] for t in gas["transactions"])
    assert gas["gas_price_wei"] > 0
    assert gas["cost_wei"] == gas["total_gas"] * gas["gas_price_wei"]
    assert f"total {gas['total_gas']:,} gas" in result.stdout
    assert f"{gas['cost_wei'] / 10**18:.6f} ETH" in result.stdout


def test_the_rehearsal_stops_its_fork(rehearsal):
    result, *_ = rehearsal
    pid = int(result.stdout.split("anvil pid ")[1].split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_rehearsal_says_when_the_deployer_cannot_pay(ape_data, params_file, testnet, tmp_path):
    """The fork tops the balance up so the rehearsal runs to the end, then the shortfall is the error."""
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", testnet.url, "--params", str(params_file)),
        *("--account", "broke", "--rehearse", "--out", str(tmp_path)),
    )
    line = one_line_error(result, 1)
    report = json.loads((tmp_path / f"{SEPOLIA}.rehearsal.json").read_text())
    cost = int(report["gas"]["cost_wei"]) / 10**18
    assert report["verification"]["ok"] is True and report["deployer_balance_wei"] == 0
    assert f"the deployer {address('broke')} holds 0.000000 ETH, the deployment costs {cost:.6f} ETH" in line
    assert testnet.nonce(address("broke")) == 0


@pytest.fixture(scope="module")
def deployment(rehearsal, ape_data, params_file, testnet, tmp_path_factory):
    """The real deployment on the stand-in, right after the rehearsal (same nonce, so same addresses)."""
    out = tmp_path_factory.mktemp("deployments")
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", testnet.url, "--params", str(params_file)),
        *("--account", "deployer", "--out", str(out)),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return json.loads((out / f"{SEPOLIA}.json").read_text()), out


def test_the_deployment_verifies_and_records_every_transaction(deployment, testnet, params_file):
    record, out = deployment
    assert record["chain_id"] == SEPOLIA and record["verification"]["ok"] is True
    assert record["deployer"] == address("deployer")
    assert [d["step"] for d in record["deployments"]] == [
        "PauseGuardian",
        "MedianOracle ETH/USD",
        "InsuranceFund",
        "MarginEngine",
    ]
    for d in record["deployments"]:
        receipt = testnet.w3.eth.get_transaction_receipt(d["transaction_hash"])
        assert receipt.contractAddress == d["address"]
        assert (receipt.blockNumber, receipt.gasUsed) == (d["block_number"], d["gas_used"])
        assert receipt["from"] == record["deployer"]
    c = record["contracts"]  # the monitor's and the signer tools' fields are unchanged
    assert c["PauseGuardian"] == record["deployments"][0]["address"]
    assert c["MedianOracle"] == {"ETH/USD": record["deployments"][1]["address"]}
    assert c["collateral"] == json.loads(params_file.read_text())["collateral"]["address"]
    assert not (out / f"{SEPOLIA}.partial.json").exists()


def test_the_monitor_and_the_signer_tools_read_the_new_record(deployment):
    """Version 2 keeps the fields bulwark.monitor and bulwark guardian read."""
    from bulwark.commands.guardian._common import read_deployment
    from bulwark.monitor.reader import Deployment

    record, out = deployment
    path = out / f"{SEPOLIA}.json"
    monitored = Deployment.load(path)
    assert (monitored.chain_id, monitored.first_block) == (SEPOLIA, record["deployments"][0]["block_number"])
    assert monitored.addresses.engine == record["deployments"][3]["address"]
    signed = read_deployment(path)
    assert signed.addresses == monitored.addresses and signed.chain_id == SEPOLIA


def test_the_rehearsal_predicted_the_gas_of_every_transaction(rehearsal, deployment):
    """Same deployer, same nonce, same arguments: the fork's gas is exactly what the target used."""
    _, report, *_ = rehearsal
    record, _ = deployment
    rehearsed = {t["step"]: (t["address"], t["gas_used"]) for t in report["gas"]["transactions"]}
    assert rehearsed == {d["step"]: (d["address"], d["gas_used"]) for d in record["deployments"]}


def test_constructor_arguments_are_recorded_decoded_and_encoded(deployment, testnet, params_file):
    record, _ = deployment
    params = json.loads(params_file.read_text())
    guardian, oracle, fund, engine = record["deployments"]
    assert guardian["constructor_arguments"]["initialSigners"] == params["guardian"]["signers"]
    assert oracle["constructor_arguments"]["description_"] == "ETH/USD"
    assert oracle["constructor_arguments"]["initialConfig"]["quorum"] == "3"
    assert fund["constructor_arguments"]["initialEngines"] == [engine["address"]]
    assert engine["constructor_arguments"]["fund"] == fund["address"]
    for d in record["deployments"]:
        tx = testnet.w3.eth.get_transaction(d["transaction_hash"])
        assert tx.input.hex().endswith(d["constructor_arguments_encoded"].removeprefix("0x"))


def test_the_record_names_abi_compiler_and_settings(deployment):
    record, out = deployment
    assert set(record["abis"]) == {"PauseGuardian", "MedianOracle", "InsuranceFund", "MarginEngine"}
    assert any(item.get("name") == "poke" for item in record["abis"]["MedianOracle"])
    compiler = record["compiler"]
    assert compiler["version"] == "v0.8.28+commit.7893614a"
    assert compiler["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    assert compiler["settings"]["evmVersion"] == "cancun"
    side = out / compiler["standard_json_input"]
    assert hashlib.sha256(side.read_bytes()).hexdigest() == compiler["standard_json_input_sha256"]
    assert all(d["source"].startswith("contracts/") for d in record["deployments"])


def test_the_standard_json_input_reproduces_the_deployed_code(deployment, testnet):
    """The recorded input compiled with the checkout's pinned solc gives, for every deployed contract,
    (1) the creation code that, followed by the recorded encoded arguments, is the deployment
    transaction's input byte for byte, and (2) runtime code equal to eth_getCode at every byte outside
    the immutables' slots (the metadata hash included); each slot's bytes are the chain's."""
    record, out = deployment
    data = json.loads((out / record["compiler"]["standard_json_input"]).read_text())
    compiled = subprocess.run(
        [str(SOLC), "--standard-json"], input=json.dumps(data), capture_output=True, text=True, timeout=600
    )
    output = json.loads(compiled.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    for d in record["deployments"]:
        source, name = d["source"].rsplit(":", 1)
        evm = output["contracts"][source][name]["evm"]
        tx = testnet.w3.eth.get_transaction(d["transaction_hash"])
        assert "0x" + tx.input.hex().removeprefix("0x") == "0x" + evm["bytecode"]["object"] + d[
            "constructor_arguments_encoded"
        ].removeprefix("0x")
        chain_code = bytes(testnet.w3.eth.get_code(d["address"]))
        runtime = bytearray.fromhex(evm["deployedBytecode"]["object"])
        slots = [r for refs in evm["deployedBytecode"]["immutableReferences"].values() for r in refs]
        assert slots, f"{name} has immutables"
        for r in slots:
            assert runtime[r["start"] : r["start"] + r["length"]] == bytes(r["length"])  # zero when compiled
            runtime[r["start"] : r["start"] + r["length"]] = chain_code[r["start"] : r["start"] + r["length"]]
        assert bytes(runtime) == chain_code, f"{name} at {d['address']}"


# ---------------------------------------------------------------- failing partway, and resuming


def _fail_at_the_engine(testnet, ape_data, params_file, out, alias):
    """A deployment whose MarginEngine does not fit in a block: once the fund (the deployer's third
    transaction) is mined, the block gas limit drops to 1,000,000 while Ape waits out the fund's two
    confirmations, so the first three contracts land and the engine's gas estimate fails (not sent)."""
    who = address(alias)
    start = testnet.nonce(who)
    limit = testnet.w3.eth.get_block("latest").gasLimit
    lowered = threading.Event()

    def watch():
        while not lowered.is_set():
            if testnet.nonce(who) >= start + 3:
                testnet.rpc("evm_setBlockGasLimit", hex(1_000_000))
                lowered.set()
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = bulwark_deploy(
            ape_data,
            *("--network", "ethereum:sepolia:node", "--rpc", testnet.url, "--params", str(params_file)),
            *("--account", alias, "--out", str(out)),
        )
    finally:
        lowered.set()
        watcher.join()
        testnet.rpc("evm_setBlockGasLimit", hex(limit))
    return result


def test_a_failure_partway_leaves_a_record_and_the_resume_reuses_it(ape_data, params_file, testnet, tmp_path):
    result = _fail_at_the_engine(testnet, ape_data, params_file, tmp_path, "resumer")
    line = one_line_error(result, 1, after_transactions=True)
    partial_file = tmp_path / f"{SEPOLIA}.partial.json"
    assert "deployment stopped: MarginEngine failed" in line
    assert f"3 contracts exist, recorded in {partial_file}" in line
    assert f"--resume {partial_file}" in line
    partial = json.loads(partial_file.read_text())
    assert partial["partial"] is True
    assert [d["step"] for d in partial["deployments"]] == [
        "PauseGuardian",
        "MedianOracle ETH/USD",
        "InsuranceFund",
    ]
    for d in partial["deployments"]:
        assert testnet.w3.eth.get_transaction_receipt(d["transaction_hash"]).contractAddress == d["address"]
    nonce = testnet.nonce(address("resumer"))

    resume = line.split("resume with: ")[1]
    args = resume.split()[2:]  # bulwark deploy <args>: the printed command, run as printed
    resumed = bulwark_deploy(ape_data, *args)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-2000:]
    assert testnet.nonce(address("resumer")) == nonce + 1  # only the engine was sent
    record = json.loads((tmp_path / f"{SEPOLIA}.json").read_text())
    assert record["verification"]["ok"] is True
    kept = {d["step"]: d["address"] for d in partial["deployments"]}
    assert {d["step"]: d["address"] for d in record["deployments"] if d["reused"]} == kept
    assert [d["step"] for d in record["deployments"] if not d["reused"]] == ["MarginEngine"]
    assert not partial_file.exists()


def test_a_resume_after_the_nonce_moved_redeploys_the_fund_and_records_the_abandoned_one(
    ape_data, params_file, testnet, tmp_path
):
    """The fund registered the engine's address at the next nonce; once the key has sent anything else
    the engine can never land there, so the fund is deployed again and the old one named as abandoned."""
    result = _fail_at_the_engine(testnet, ape_data, params_file, tmp_path, "renewer")
    assert "deployment stopped: MarginEngine failed" in one_line_error(result, 1, after_transactions=True)
    partial_file = tmp_path / f"{SEPOLIA}.partial.json"
    old_fund = json.loads(partial_file.read_text())["deployments"][2]["address"]
    who = address("renewer")
    testnet.rpc("anvil_setNonce", who, hex(testnet.nonce(who) + 1))  # the key sent another transaction
    resumed = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", testnet.url, "--params", str(params_file)),
        *("--account", "renewer", "--out", str(tmp_path), "--resume", str(partial_file)),
    )
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-2000:]
    record = json.loads((tmp_path / f"{SEPOLIA}.json").read_text())
    assert record["verification"]["ok"] is True
    assert [(d["step"], d["reused"]) for d in record["deployments"]] == [
        ("PauseGuardian", True),
        ("MedianOracle ETH/USD", True),
        ("InsuranceFund", False),
        ("MarginEngine", False),
    ]
    assert record["abandoned"] == [
        {"step": "InsuranceFund", "contract": "InsuranceFund", "address": old_fund}
    ]
    assert record["contracts"]["InsuranceFund"] != old_fund


def test_an_unfunded_deployer_fails_in_one_line_with_nothing_to_resume(
    ape_data, params_file, testnet, tmp_path
):
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", testnet.url, "--params", str(params_file)),
        *("--account", "broke", "--out", str(tmp_path)),
    )
    line = one_line_error(result, 1)
    assert line.startswith("Error: deployment failed: PauseGuardian failed (")
    assert line.endswith("; nothing to resume")
    assert testnet.nonce(address("broke")) == 0
    assert not list(tmp_path.iterdir())


def test_a_resume_file_from_another_parameter_file_is_refused(ape_data, params_file, tmp_path, untouchable):
    other = tmp_path / "other.json"
    data = json.loads(params_file.read_text())
    data["fund"]["cooldown"] += 1
    other.write_text(json.dumps(data))
    partial = tmp_path / f"{SEPOLIA}.partial.json"
    partial.write_text(
        json.dumps(
            {
                "chain_id": SEPOLIA,
                "deployer": address("deployer"),
                "params_sha256": "0" * 64,
                "deployments": [],
            }
        )
    )
    result = bulwark_deploy(
        ape_data,
        *("--network", "ethereum:sepolia:node", "--rpc", untouchable.url, "--params", str(other)),
        *("--account", "deployer", "--resume", str(partial)),
    )
    assert f"was deployed from another parameter file than {other}" in one_line_error(result, 2)
    assert untouchable.connections == 0
