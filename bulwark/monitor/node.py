"""The monitor's view of a node at a URL (any node: Anvil, a testnet, mainnet): reads at a given block
in one JSON-RPC batch, the block's logs decoded with the project's ABIs, and transactions signed here
with a key and sent raw (the monitor holds a pause-only signer key, never an unlocked account).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_account import Account
from eth_utils import to_checksum_address

from bulwark.chain.artifacts import load_artifacts
from bulwark.chain.base import Event, Reverted
from bulwark.chain.jsonrpc import JsonRpc, JsonRpcError

REVERTED = 3  # JSON-RPC error code of a reverted eth_call
RECEIPT_TIMEOUT = 120.0  # [s] waiting for a sent transaction to be mined


class NodeError(RuntimeError):
    """The node cannot be used (unreachable, wrong chain, refused a transaction outright)."""


@dataclass(frozen=True)
class Read:
    """One view call: `contract` (an artifact name) at `address`, `function` with `args`."""

    contract: str
    address: str
    function: str
    args: tuple = ()


class Node:
    def __init__(self, url: str):
        self.url = url
        self.client = JsonRpc(url)
        self.artifacts = load_artifacts()
        try:
            self.chain_id = int(self.client.rpc("eth_chainId"), 16)
        except (OSError, JsonRpcError, ValueError) as err:
            raise NodeError(f"{url}: no JSON-RPC node answers ({' '.join(str(err).split())[:160]})") from None

    def block_number(self) -> int:
        return int(self.client.rpc("eth_blockNumber"), 16)

    def block(self, number: int, transactions: bool = False) -> dict:
        """The block (raw JSON-RPC), with its transactions' bodies when `transactions`."""
        return self.client.rpc("eth_getBlockByNumber", hex(number), transactions)

    def timestamp(self, number: int) -> int:
        return int(self.block(number)["timestamp"], 16)

    def read(self, reads: list[Read], block: int) -> list:
        """Each read's decoded result at `block`, or its `Reverted`, in one round trip."""
        functions = [self.artifacts[r.contract].abi.function(r.function, len(r.args)) for r in reads]
        replies = self.client.rpc_batch(
            [
                ("eth_call", ({"to": r.address, "data": "0x" + f.encode(*r.args).hex()}, hex(block)))
                for r, f in zip(reads, functions, strict=True)
            ]
        )
        results = []
        for reply, f in zip(replies, functions, strict=True):
            error = reply.get("error")
            if error is None:
                results.append(f.decode(bytes.fromhex(reply["result"][2:])))
            elif error.get("code") == REVERTED and isinstance(error.get("data"), str):
                results.append(Reverted(self.artifacts.errors.decode(bytes.fromhex(error["data"][2:]))))
            else:
                raise NodeError(f"eth_call {f.name}: {error.get('message', error)}")
        return results

    def events(self, first: int, last: int, addresses: list[str]) -> list[tuple[int, Event]]:
        """(block, event) for every log of `addresses` in blocks first..last, in order."""
        logs = self.client.rpc(
            "eth_getLogs", {"fromBlock": hex(first), "toBlock": hex(last), "address": addresses}
        )
        known = self.artifacts.events
        found = []
        for log in logs:
            topics = tuple(bytes.fromhex(t[2:]) for t in log["topics"])
            event = known.get(topics[0]) if topics else None
            if event is not None:
                args = event.decode(topics, bytes.fromhex(log["data"][2:]))
                found.append(
                    (
                        int(log["blockNumber"], 16),
                        Event(event.name, args, to_checksum_address(log["address"])),
                    )
                )
        return found

    def send(self, key: bytes, to: str, data: bytes) -> dict:
        """Sign and send a transaction from `key`'s account; the mined receipt (raw JSON-RPC dict)."""
        sender = Account.from_key(key).address
        tx = {"from": sender, "to": to, "data": "0x" + data.hex()}
        try:
            gas = int(self.client.rpc("eth_estimateGas", tx), 16)
        except JsonRpcError as err:
            data_hex = err.error.get("data")
            if err.error.get("code") == REVERTED and isinstance(data_hex, str):
                raise Reverted(self.artifacts.errors.decode(bytes.fromhex(data_hex[2:]))) from None
            raise NodeError(str(err)) from None
        signed = Account.sign_transaction(
            {
                "to": to,
                "data": data,
                "gas": gas * 12 // 10,
                "gasPrice": int(self.client.rpc("eth_gasPrice"), 16),
                "nonce": int(self.client.rpc("eth_getTransactionCount", sender, "pending"), 16),
                "chainId": self.chain_id,
                "value": 0,
            },
            key,
        )
        digest = self.client.rpc("eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex())
        deadline = time.monotonic() + RECEIPT_TIMEOUT
        while (receipt := self.client.rpc("eth_getTransactionReceipt", digest)) is None:
            if time.monotonic() > deadline:
                raise NodeError(f"transaction {digest} not mined within {RECEIPT_TIMEOUT:.0f} s")
            time.sleep(0.2)
        return receipt

    def close(self) -> None:
        self.client.close()
