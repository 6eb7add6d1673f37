"""The node backend: raw JSON-RPC over one persistent HTTP connection to an Anvil this lane starts.

Transactions go out as `eth_sendTransactionSync` from the unlocked dev accounts (one round trip, the
receipt included; no Python signing); reads can go in one JSON-RPC batch (`call_many`). The node runs
the Cancun hardfork with gas price and base fee 0, and block timestamps that move only when asked
(`anvil_setBlockTimestampInterval 0`), so its results match the revm backend's to the gas unit.
Revert data is not in a receipt: for a failed transaction it comes from `debug_traceTransaction`.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from shutil import which

import requests
from eth_utils import to_checksum_address

from bulwark import PROJECT_ROOT
from bulwark.chain.artifacts import Artifacts
from bulwark.chain.base import (
    CHAIN_ID,
    DEV_ACCOUNTS,
    DEV_BALANCE,
    GENESIS_TIMESTAMP,
    TX_GAS,
    ZERO_ADDRESS,
    Chain,
    LaneError,
    Log,
    Receipt,
    Reverted,
    _Clock,
)
from bulwark.chain.jsonrpc import JsonRpc, JsonRpcError
from bulwark.coverage.trace import CALL_TRACER, STRUCT_LOG_OPTIONS, struct_log_steps

HARDFORK = "cancun"
START_TIMEOUT = 20.0  # seconds for the node to answer
REVERTED = 3  # JSON-RPC error code of a reverted eth_call


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def anvil_binary() -> str:
    local = Path(PROJECT_ROOT, ".toolchain", "bin", "anvil")
    found = str(local) if local.exists() else which("anvil")
    if not found:
        raise LaneError("anvil is not installed: run `make toolchain`")
    return found


class AnvilChain(Chain):
    """An Anvil started for this chain and stopped by `close()` (also when the process exits)."""

    backend = "anvil"

    def __init__(self, artifacts: Artifacts | None = None, accounts: int = DEV_ACCOUNTS, coverage=None):
        super().__init__(artifacts, accounts, coverage)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            anvil_binary(),
            "--port", str(port),
            "--hardfork", HARDFORK,
            "--chain-id", str(CHAIN_ID),
            "--accounts", str(accounts),
            "--balance", str(DEV_BALANCE // 10**18),
            "--timestamp", str(GENESIS_TIMESTAMP),
            "--gas-limit", str(TX_GAS),
            "--gas-price", "0",
            "--base-fee", "0",
            "--silent",
        ]  # fmt: skip
        if coverage is not None:  # struct logs for debug_traceTransaction (Anvil keeps none otherwise)
            command.append("--steps-tracing")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.client = JsonRpc(self.url)
        try:
            self._wait_until_up()
            self.rpc("anvil_setBlockTimestampInterval", 0)
        except BaseException:
            self.close()  # a node that did not come up right is not left running
            raise

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise LaneError(f"anvil exited: {self.process.stderr.read().decode().strip()[:300]}")
            try:
                self.rpc("eth_chainId")
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise LaneError(
                        f"anvil did not answer on {self.url} within {START_TIMEOUT:.0f} s"
                    ) from None
                time.sleep(0.05)

    # --- JSON-RPC -----------------------------------------------------------------------------------
    def rpc(self, method: str, *params):
        try:
            return self.client.rpc(method, *params)
        except JsonRpcError as err:
            raise _rpc_error(method, err.error, self) from None

    def rpc_batch(self, requests_: list[tuple[str, tuple]]) -> list[dict]:
        """Several requests in one round trip; each reply is the raw {"result"} or {"error"} object."""
        return self.client.rpc_batch(requests_)

    # --- transactions -------------------------------------------------------------------------------
    def send(self, sender: str, to: str | None, data: bytes, value: int = 0, output: bool = False) -> Receipt:
        tx = {
            "from": sender,
            "data": "0x" + data.hex(),
            "gas": hex(TX_GAS),
            "gasPrice": "0x0",
            "value": hex(value),
        }
        if to is not None:
            tx["to"] = to
        raw = self.rpc("eth_sendTransactionSync", tx)
        self.clock.number = int(raw["blockNumber"], 16)
        status = raw["status"] == "0x1"
        logs = tuple(
            Log(
                to_checksum_address(e["address"]),
                tuple(bytes.fromhex(t[2:]) for t in e["topics"]),
                bytes.fromhex(e["data"][2:]),
            )
            for e in raw["logs"]
        )
        out = None
        if output or not status:
            trace = self.rpc("debug_traceTransaction", raw["transactionHash"], {"tracer": "callTracer"})
            out = bytes.fromhex(trace.get("output", "0x")[2:]) if to is not None or not status else b""
        if self.coverage is not None:
            digest = raw["transactionHash"]
            steps, calls = self.rpc_batch(
                [
                    ("debug_traceTransaction", (digest, STRUCT_LOG_OPTIONS)),
                    ("debug_traceTransaction", (digest, CALL_TRACER)),
                ]
            )
            self.coverage.record(
                struct_log_steps(steps["result"]["structLogs"], calls["result"]), to, self.code_at
            )
        address = raw.get("contractAddress")
        return Receipt(
            status,
            int(raw["gasUsed"], 16),
            logs,
            out,
            to_checksum_address(address) if address and status else None,
            None if status else self.decode_error(out),
        )

    def _call_params(self, to: str, data: bytes, sender: str) -> tuple:
        return (
            {"from": sender, "to": to, "data": "0x" + data.hex(), "gas": hex(TX_GAS), "gasPrice": "0x0"},
            "latest",
        )

    def call(self, to: str, data: bytes, sender: str = ZERO_ADDRESS) -> bytes:
        return bytes.fromhex(self.rpc("eth_call", *self._call_params(to, data, sender))[2:])

    def call_many(self, calls):
        replies = self.rpc_batch(
            [("eth_call", self._call_params(to, data, ZERO_ADDRESS)) for to, data in calls]
        )
        results = []
        for reply in replies:
            if "error" in reply:
                error = _rpc_error("eth_call", reply["error"], self)
                if not isinstance(error, Reverted):
                    raise error
                results.append(error)
            else:
                results.append(bytes.fromhex(reply["result"][2:]))
        return results

    # --- state, snapshots and time ------------------------------------------------------------------
    def snapshot(self) -> tuple[str, _Clock]:
        return self.rpc("evm_snapshot"), _Clock(self.clock.number, self.clock.timestamp)

    def revert(self, snapshot_id) -> None:
        node_id, clock = snapshot_id
        if not self.rpc("evm_revert", node_id):
            raise LaneError(f"anvil could not revert to snapshot {node_id}")
        self.clock = _Clock(clock.number, clock.timestamp)

    def warp(self, timestamp: int) -> None:
        if timestamp < self.clock.timestamp:
            raise LaneError(f"timestamp {timestamp} is before the latest block's {self.clock.timestamp}")
        self.rpc("evm_mine", timestamp)
        self.clock = _Clock(self.clock.number + 1, timestamp)

    def balance(self, address: str) -> int:
        return int(self.rpc("eth_getBalance", address, "latest"), 16)

    def nonce(self, address: str) -> int:
        return int(self.rpc("eth_getTransactionCount", address, "latest"), 16)

    def storage_at(self, address: str, slot: int) -> int:
        return int(self.rpc("eth_getStorageAt", address, hex(slot), "latest"), 16)

    def code_at(self, address: str) -> bytes:
        return bytes.fromhex(self.rpc("eth_getCode", address, "latest")[2:])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.client.close()

    def __del__(self):
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.kill()


def _rpc_error(method: str, error: dict, chain: Chain) -> Exception:
    if error.get("code") == REVERTED and isinstance(error.get("data"), str):
        return Reverted(chain.decode_error(bytes.fromhex(error["data"][2:])))
    return LaneError(f"{method}: {error.get('message', error)}")
