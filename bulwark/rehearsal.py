"""A rehearsal node: Anvil forking the target (`anvil --fork-url <target RPC>`), on a free local port,
with every account impersonated, so the whole deployment runs there with the deployer's real address,
nonce and balance and nothing is signed or sent to the target.

    with fork_node(rpc) as fork:       # fork.url, fork.pid; stopped (by pid) on exit, even on failure
        ...

`gas_report` turns the deployments' receipts into the gas and cost table `bulwark deploy --rehearse`
prints and writes.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass

from bulwark.preflight import PreflightError, node_chain_id, shown

WEI_PER_ETH = 10**18
WEI_PER_GWEI = 10**9


@dataclass(frozen=True)
class ForkNode:
    url: str
    pid: int
    chain_id: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fork_node(rpc: str, block: int | None = None, timeout: float = 60.0):
    """Start Anvil forking `rpc` (at `block`, default the latest) on 127.0.0.1 and stop it on exit."""
    anvil = shutil.which("anvil")
    if anvil is None:
        raise PreflightError("anvil is not on PATH (run 'make toolchain')")
    port = _free_port()
    command = [anvil, "--fork-url", rpc, "--port", str(port), "--host", "127.0.0.1", "--auto-impersonate"]
    if block is not None:
        command += ["--fork-block-number", str(block)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                error = " ".join((process.stderr.read() or "").split())[-200:]
                raise PreflightError(f"the fork of {shown(rpc)} did not start ({error or 'anvil exited'})")
            try:
                chain_id = node_chain_id(url, timeout=2.0)
                break
            except PreflightError:
                if time.monotonic() > deadline:
                    raise PreflightError(
                        f"the fork of {shown(rpc)} did not answer within {timeout:.0f} s"
                    ) from None
                time.sleep(0.2)
        yield ForkNode(url, process.pid, chain_id)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class GasLine:
    step: str
    contract: str
    address: str
    gas_used: int


@dataclass(frozen=True)
class GasReport:
    lines: list[GasLine]
    gas_price: int  # [wei] the fork's eth_gasPrice when the rehearsal started
    paid: int  # [wei] what the rehearsal's transactions paid on the fork

    @property
    def total_gas(self) -> int:
        return sum(line.gas_used for line in self.lines)

    @property
    def cost(self) -> int:
        """[wei] the total gas at the fork's gas price."""
        return self.total_gas * self.gas_price

    def as_dict(self) -> dict:
        return {
            "transactions": [
                {"step": x.step, "contract": x.contract, "address": x.address, "gas_used": x.gas_used}
                for x in self.lines
            ],
            "total_gas": self.total_gas,
            "gas_price_wei": self.gas_price,
            "cost_wei": self.cost,
            "cost_eth": f"{self.cost / WEI_PER_ETH:.6f}",
            "paid_on_fork_wei": self.paid,
        }


def gas_report(deployed, gas_price: int) -> GasReport:
    """The gas of each deployment transaction (`bulwark.deploy.Deployed`), the total and its cost."""
    lines = [GasLine(d.step, d.contract, d.address, int(d.gas_used or 0)) for d in deployed]
    paid = sum(int(d.gas_used or 0) * int(d.gas_price or 0) for d in deployed)
    return GasReport(lines, gas_price, paid)
