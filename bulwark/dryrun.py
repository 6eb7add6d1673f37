"""Would this transaction revert, and with which error? A dry run with eth_call, decoded.

The demo shows refusals (a halted liquidation, a paused fill, an early execute) without sending failing
transactions: Ape prints a full call trace for every reverted transaction, and cannot decode a custom
error from a reverted eth_call on Anvil 1.x (it moves the data into the message, lossily). So the call
goes through web3, which keeps the raw revert data, decoded by the project's one decoder
(bulwark.abi.errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from web3.exceptions import ContractCustomError, Web3Exception

from bulwark.chain.artifacts import load_artifacts
from bulwark.units import WAD


@dataclass(frozen=True)
class Revert:
    error: str  # the custom error's name, or the node's message if it is not one of the suite's
    inputs: dict

    def __str__(self) -> str:
        args = ", ".join(f"{k}={_show(v)}" for k, v in self.inputs.items())
        return f"{self.error}({args})"


def _show(value) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()[:8] + ".."
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return f"{value[:6]}..{value[-4:]}"
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    if abs(value) >= 10**12:  # WAD amounts and prices; times, counts and token units stay as they are
        return f"{value / WAD:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def _eth_call(project, method, args, sender) -> bytes | Revert:
    from ape import chain

    call = {"to": method.contract.address, "data": method.encode_input(*args)}
    if sender is not None:
        call["from"] = getattr(sender, "address", sender)
    try:
        return bytes(chain.provider.web3.eth.call(call))
    except ContractCustomError as failure:
        data = bytes.fromhex(str(failure.data).removeprefix("0x"))
    except Web3Exception as failure:
        return Revert(" ".join(str(failure).split()), {})
    decoded = load_artifacts().errors.decode(data)
    if decoded.name == "Unknown":
        return Revert(f"unknown error 0x{data[:4].hex()}", {})
    return Revert(decoded.name, decoded.args)


def dry_run(project, method, *args, sender) -> Revert | None:
    """eth_call `method(*args)` from `sender` on the latest state: its revert, or None if it would pass."""
    outcome = _eth_call(project, method, args, sender)
    return outcome if isinstance(outcome, Revert) else None


def view(project, method, *args):
    """A view's decoded result, or its Revert (without the call trace Ape prints for a failed call)."""
    from ape import chain

    outcome = _eth_call(project, method, args, None)
    if isinstance(outcome, Revert):
        return outcome
    values = chain.provider.network.ecosystem.decode_returndata(method.abis[0], outcome)
    return values[0] if len(values) == 1 else values
