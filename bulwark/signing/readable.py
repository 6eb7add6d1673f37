"""PauseGuardian calls as people read them: the contract's name in the deployment, its address, the
function signature and every argument by name (struct fields by name, integers with their WAD reading,
addresses with their deployment names), and times in UTC.

    for i, call in enumerate(calls, 1):
        print("\n".join(render_call(decode_call(call, book), book, i)))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from eth_abi import decode
from eth_utils import to_checksum_address

from bulwark.abi.codec import Function
from bulwark.signing.specs import SCOPES, ContractBook, struct_name
from bulwark.units import DAY, HOUR, MINUTE, WAD

WAD_HINT_FROM = 10**12  # integers at least this large are also shown as WAD decimals (0.000001 wad and up)
# event and message fields that hold unix times: shown with their UTC reading too
TIME_FIELDS = frozenset({"eta", "expiresAt", "until", "previousUntil", "effectiveAt", "validUntil"})


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
        """`name(types)`, or the unknown selector."""
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
    text = show_value(kind, value, book)
    if name in TIME_FIELDS and isinstance(value, int) and value > 0:
        text += f" ({utc(value)})"
    return [f"{indent}{name}: {text}"]


def render_event(contract: str, entry: dict, args: dict, book: ContractBook, indent: str = "  ") -> list[str]:
    """Readable lines for one decoded event: `contract.Event`, then each argument by name; an array of
    calls (OperationScheduled's) decoded call by call."""
    lines = [f"{indent}{contract}.{entry['name']}"]
    for param in entry.get("inputs", []):
        value = args[param["name"]]
        if param["type"] == "tuple[]" and [c["name"] for c in param["components"]] == [
            "target",
            "value",
            "data",
        ]:
            lines.append(f"{indent}    {param['name']}: {len(value)} call{'s' * (len(value) != 1)}")
            for i, call in enumerate(value, 1):
                lines += render_call(decode_call(call, book), book, i, indent + "      ")
            continue
        lines += render_value(param, value, book, indent + "    ")
    return lines


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
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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


def describe_request(request, book: ContractBook) -> list[str]:
    """What a PauseGuardian request (bulwark.signing.requests.Request) asks for, in readable lines:
    each call of a schedule decoded, or the fast-path action with its target, scopes and times."""
    kind, v = request.primary_type, request.message.values

    def named(address: str) -> str:
        name = book.name_of(address)
        return f"{name} {address}" if name else address

    if kind == "Schedule":
        calls = request.calls
        lines = [f"Schedule {len(calls)} call{'s' * (len(calls) != 1)} (a timelocked operation):"]
        for i, call in enumerate(calls, 1):
            lines += render_call(decode_call(call, book), book, i)
        lines.append(f"Operation id: 0x{request.operation_id.hex()}  salt: 0x{v['salt'].hex()}")
    elif kind == "Cancel":
        lines = [f"Cancel operation 0x{v['id'].hex()}"]
    elif kind in ("Pause", "ExtendPause"):
        entry = book.entry_at(v["target"])
        scopes = scope_names(entry.contract_type if entry else "", v["scopes"])
        verb = "Pause" if kind == "Pause" else "Extend the running pause of"
        lines = [f"{verb} {scopes} (mask {hex(v['scopes'])}) on {named(v['target'])} until {utc(v['until'])}"]
    elif kind == "SuspendReporter":
        lines = [f"Suspend reporter {v['reporter']} on {named(v['oracle'])} until {utc(v['until'])}"]
    else:
        what = "serve the held candidate" if v["acceptCandidate"] else "keep the served price"
        lines = [f"Clear the tripped breaker of {named(v['oracle'])} and {what} (update epoch {v['epoch']})"]
    lines.append(
        f"For PauseGuardian {request.guardian} on chain {request.chain_id}; "
        f"approvals valid until {utc(request.valid_until)} ({request.valid_until})"
    )
    return lines
