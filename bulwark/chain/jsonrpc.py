"""A JSON-RPC 2.0 client over one persistent HTTP connection: single requests and batches.

Shared by the Anvil backend (a node the lane starts) and the monitor (any node at a URL)."""

from __future__ import annotations

from itertools import count

import requests


class JsonRpcError(RuntimeError):
    """The node answered a request with an error object."""

    def __init__(self, method: str, error: dict):
        super().__init__(f"{method}: {error.get('message', error)}")
        self.method, self.error = method, error


class JsonRpc:
    def __init__(self, url: str, timeout: float = 30.0):
        self.url, self.timeout = url, timeout
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or netrc looked up on every request
        self._ids = count(1)

    def rpc(self, method: str, *params):
        """The result of one request; JsonRpcError if the node answered with an error."""
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        reply = self.session.post(self.url, json=body, timeout=self.timeout).json()
        if "error" in reply:
            raise JsonRpcError(method, reply["error"])
        return reply["result"]

    def rpc_batch(self, requests_: list[tuple[str, tuple]]) -> list[dict]:
        """Several requests in one round trip; each reply is the raw {"result"} or {"error"} object."""
        if not requests_:  # a node answers an empty batch with one error object, not an empty list
            return []
        ids = [next(self._ids) for _ in requests_]
        body = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": p}
            for i, (m, p) in zip(ids, requests_, strict=True)
        ]
        replies = {r["id"]: r for r in self.session.post(self.url, json=body, timeout=self.timeout).json()}
        return [replies[i] for i in ids]

    def close(self) -> None:
        self.session.close()
