"""PauseGuardian calls as people read them: the contract's name in the deployment, its address, the
function signature and every argument by name (struct fields by name, integers with their WAD reading,
addresses with their deployment names), and times in UTC.

    for i, call in enumerate(calls, 1):
        print("\n".join(render_call(decode_call(call, book), book, i)))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from eth_abi import decode
from eth_utils import to_checksum_address

from bulwark.abi.codec import Function
from bulwark.signing.specs import SCOPES, ContractBook, struct_name
from bulwark.units import DAY, HOUR, MINUTE, WAD

WAD_HINT_FROM = 10**12  # integers at least this large are also shown as WAD decimals (0.000001 wad and up)


@dataclass(frozen=True)
class DecodedCall:
    """A call as people read it: `function` is None when no ABI of the project has its selector."""

    target: str
    contract: str | None  # the deployment's name for the target, if it is one of the deployment's
    value: int
    data: bytes
    function: Function | None = None
    args: tuple = ()  # decoded values, in input order

    @property
    def signature(self) -> str:
        return self.function.signature if self.function else f"unknown selector 0x{self.data[:4].hex()}"


def decode_call(call, book: ContractBook) -> DecodedCall:
    """Decode one call with the ABI of the deployment's contract at its target, or else any project ABI
    that has its selector."""
    target, value, data = to_checksum_address(call[0]), int(call[1]), bytes(call[2])
    entry = book.entry_at(target)
    candidates = [book.abi(entry.contract_type)] if entry is not None else book.all_abis()
    for abi in candidates:
        for fns in abi.functions.values():
            for fn in fns:
                if fn.selector == data[:4]:
                    try:
                        values = decode(fn.input_types, data[4:])
                    except Exception:
                        continue
                    return DecodedCall(target, entry.name if entry else None, value, data, fn, tuple(values))
    return DecodedCall(target, entry.name if entry else None, value, data)


def render_call(
    call: DecodedCall, book: ContractBook, number: int | None = None, indent: str = "  "
) -> list[str]:
    """Readable lines for one call: contract and address, signature, each argument named with its value."""
    head = f"{number}. " if number is not None else ""
    who = call.contract or "(not in the deployment)"
    value = f", value {call.value} wei" if call.value else ""
    lines = [f"{indent}{head}{who} {call.target}{value}", f"{indent}   {call.signature}"]
    if call.function is None:
        lines.append(f"{indent}     calldata: 0x{call.data.hex()}")
        return lines
    for param, v in zip(call.function.entry.get("inputs", []), call.args, strict=True):
        lines += render_value(param, v, book, indent + "     ")
    return lines


def render_value(param: dict, value, book: ContractBook | None, indent: str) -> list[str]:
    """`name: value` lines for one ABI value; structs field by field, arrays item by item."""
    name = param.get("name") or "_"
    kind = param["type"]
    if kind.endswith("]"):
        item = {**param, "type": kind[: kind.rindex("[")]}
        if not value:
            return [f"{indent}{name}: []"]
        lines = [f"{indent}{name}: {len(value)} item{'s' * (len(value) != 1)}"]
        for i, v in enumerate(value):
            lines += render_value({**item, "name": f"[{i}]"}, v, book, indent + "  ")
        return lines
    if kind == "tuple":
        lines = [f"{indent}{name}: {struct_name(param)}"]
        for c, v in zip(param["components"], value, strict=True):
            lines += render_value(c, v, book, indent + "  ")
        return lines
    return [f"{indent}{name}: {show_value(kind, value, book)}"]


def show_value(kind: str, value, book: ContractBook | None = None) -> str:
    """One basic ABI value, readably: integers with their WAD reading when large, addresses with their
    deployment name, bytes as 0x-hex."""
    if kind == "address":
        address = to_checksum_address(value)
        named = book.name_of(address) if book is not None else None
        return f"{address} ({named})" if named else address
    if kind == "bool":
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, int) and abs(value) >= WAD_HINT_FROM:
        return f"{value} ({wad_text(value)} wad)"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def wad_text(value: int) -> str:
    """A WAD integer as an exact decimal: 75000000000000000 -> '0.075'."""
    text = format((Decimal(value) / WAD).normalize(), "f")
    return text


def utc(timestamp: int) -> str:
    """A unix time as `2026-12-02 19:30:00 UTC`."""
    return datetime.fromtimestamp(int(timestamp), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def span(seconds: int) -> str:
    """A duration as `2d 3h 4m 5s`, largest units first, zero units left out."""
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return sign + " ".join(parts)


def scope_names(contract_type: str, mask: int) -> str:
    """`TRADE|WITHDRAW` for a mask of `contract_type`'s scopes (unknown bits as hex)."""
    flags = SCOPES.get(contract_type)
    names, rest = [], mask
    if flags is not None:
        for member in flags:
            if mask & member:
                names.append(member.name)
                rest &= ~int(member)
    if rest:
        names.append(hex(rest))
    return "|".join(names) or "(none)"
