"""The one decoder of revert data: every custom error of every contract the project compiles, plus
Solidity's `Error(string)` and `Panic(uint256)`. Tests, the demo, the lane, the simulator and the monitor
all name a revert the same way: `MarginEngineInsufficientMargin(required=..., available=...)`."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_abi import decode

from bulwark.abi.codec import ContractABI, Error

ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)


@dataclass(frozen=True)
class DecodedError:
    """A revert, named: `name` is the custom error (or `Error`, `Panic`, `Unknown`, `Empty`), `args` its
    decoded arguments by name, `data` the raw revert data."""

    name: str
    args: dict = field(default_factory=dict)
    data: bytes = b""

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v.hex() if isinstance(v, bytes) else v}" for k, v in self.args.items())
        return f"{self.name}({inner})"


class ErrorDecoder:
    """Revert data to `DecodedError`, by selector, over the errors of all the given contract ABIs."""

    def __init__(self, abis: list[ContractABI]):
        self.errors: dict[bytes, Error] = {}
        for abi in abis:
            for selector, error in abi.errors.items():
                known = self.errors.get(selector)
                if known and known.entry.get("inputs") != error.entry.get("inputs"):
                    raise ValueError(
                        f"two errors share selector 0x{selector.hex()}: {known.name}, {error.name}"
                    )
                self.errors[selector] = error

    def decode(self, data: bytes) -> DecodedError:
        data = bytes(data)
        if not data:
            return DecodedError("Empty")
        selector, body = data[:4], data[4:]
        try:
            if selector == ERROR_STRING:
                return DecodedError("Error", {"message": decode(["string"], body)[0]}, data)
            if selector == PANIC:
                return DecodedError("Panic", {"code": decode(["uint256"], body)[0]}, data)
            if selector in self.errors:
                error = self.errors[selector]
                return DecodedError(error.name, error.decode(body), data)
        except Exception:  # malformed arguments: keep the raw data rather than guessing
            pass
        return DecodedError("Unknown", {"data": data}, data)
