"""Encoding calls and decoding results, events and errors from the project's compiled ABIs.

One `ContractABI` per contract type: functions by name (overloads by argument count or by signature),
events by topic, errors by selector. Struct results come back as named tuples whose fields are the
Solidity names, so `engine.markets(0).longs` reads as it does in Solidity.
"""

from __future__ import annotations

import re
from collections import namedtuple
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from eth_abi import decode
from eth_abi.abi import default_codec
from eth_abi.decoding import TupleDecoder
from eth_abi.encoding import TupleEncoder
from eth_utils import keccak, to_checksum_address


def canonical_type(param: dict) -> str:
    """The ABI type string of one parameter, tuples spelled out: `(uint256,address)[]`."""
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _signature(entry: dict) -> str:
    return f"{entry['name']}({','.join(canonical_type(p) for p in entry.get('inputs', []))})"


def _word_writer(kind: str):
    """writer(value) -> 32 bytes for a basic static type whose value it can check cheaply, else None.
    Out-of-range values raise, as eth_abi's encoders do."""
    if kind.startswith("uint") and "[" not in kind:
        bits = int(kind[4:] or 256)
        return lambda v: _checked(v, 0, 2**bits - 1, kind).to_bytes(32, "big")
    if kind.startswith("int") and "[" not in kind:
        bits = int(kind[3:] or 256)
        return lambda v: _checked(v, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, kind).to_bytes(
            32, "big", signed=True
        )
    if kind == "address":
        return _address_word
    if kind == "bool":
        return lambda v: (b"\x00" * 31) + (b"\x01" if _is_bool(v) else b"\x00")
    return None


def _checked(value, low: int, high: int, kind: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{value!r} is not a valid {kind}")
    return value


def _is_bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a valid bool")
    return value


def _address_word(value) -> bytes:
    if isinstance(value, str) and len(value) == 42 and value[:2] in ("0x", "0X"):
        return bytes(12) + bytes.fromhex(value[2:])
    if isinstance(value, bytes | bytearray) and len(value) == 20:
        return bytes(12) + bytes(value)
    raise ValueError(f"{value!r} is not a valid address")


def tuple_encoder(types: list[str]):
    """An encoder for `types`, built once: basic static types word by word (uint, int, address, bool),
    anything else through eth_abi (whose `encode` builds its encoders anew on every call)."""
    writers = [_word_writer(t) for t in types]
    if all(w is not None for w in writers):

        def encode_static(args) -> bytes:
            if len(args) != len(writers):
                raise ValueError(f"{len(args)} arguments for {types}")
            return b"".join(w(a) for w, a in zip(writers, args, strict=True))

        return encode_static
    return TupleEncoder(encoders=[default_codec._registry.get_encoder(t) for t in types])


@lru_cache(maxsize=8192)
def checksummed(address: str) -> str:
    """EIP-55 form of `address`, remembered (a suite has few addresses, and each costs a keccak)."""
    return to_checksum_address(address)


_TUPLE = re.compile(r"^\((.*)\)$")
_FIXED_ARRAY = re.compile(r"^(.*)\[(\d+)\]$")


def _split_components(inner: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return [*parts, inner[start:]] if inner else parts


def _word_reader(kind: str):
    """(words used, reader(words, at) -> value) for a static type, or None for a dynamic one: the
    head-only encodings a view's result usually is, read word by word without eth_abi's stream."""
    if kind.endswith("]") and not _FIXED_ARRAY.match(kind):
        return None  # a dynamic array
    if match := _FIXED_ARRAY.match(kind):
        item = _word_reader(match.group(1))
        if item is None:
            return None
        count = int(match.group(2))
        return item[0] * count, _sequence([item] * count)
    if match := _TUPLE.match(kind):
        readers = [_word_reader(c) for c in _split_components(match.group(1))]
        if any(r is None for r in readers):
            return None
        return sum(n for n, _ in readers), _sequence(readers)
    if kind.startswith("uint"):
        return 1, lambda w, at: int.from_bytes(w[at : at + 32], "big")
    if kind.startswith("int"):
        return 1, lambda w, at: int.from_bytes(w[at : at + 32], "big", signed=True)
    if kind == "address":
        return 1, lambda w, at: "0x" + w[at + 12 : at + 32].hex()
    if kind == "bool":
        return 1, lambda w, at: w[at + 31] == 1
    if kind.startswith("bytes") and kind != "bytes":
        size = int(kind[5:])
        return 1, lambda w, at: bytes(w[at : at + size])
    return None


def _sequence(readers):
    def read(w, at):
        values = []
        for n, reader in readers:
            values.append(reader(w, at))
            at += 32 * n
        return tuple(values)

    return read


def tuple_decoder(types: list[str]):
    """A function decoding bytes as `types`, built once: static types word by word, anything dynamic
    through eth_abi (whose `decode` builds its decoders anew on every call)."""
    static = _word_reader(f"({','.join(types)})")
    if static is not None:
        words, read = static

        def decode_static(data: bytes):
            if len(data) < 32 * words:
                raise ValueError(f"{len(data)} bytes of result for {words} words of {types}")
            return read(data, 0)

        return decode_static
    decoder = TupleDecoder(decoders=[default_codec._registry.get_decoder(t, strict=True) for t in types])
    stream = default_codec.stream_class
    return lambda data: decoder(stream(data))


def _shape(param: dict, value: Any) -> Any:
    """Addresses checksummed and structs (arrays of structs too) as named tuples, recursively."""
    kind = param["type"]
    if kind == "address":
        return checksummed(value)
    if kind.startswith("tuple"):
        if kind != "tuple":  # an array of structs
            item = {**param, "type": kind[: kind.rindex("[")]}
            return [_shape(item, v) for v in value]
        return _struct(param)(*(_shape(c, v) for c, v in zip(param["components"], value, strict=True)))
    if kind.startswith("address["):
        return [checksummed(v) for v in value]
    return value


_STRUCTS: dict[tuple, type] = {}


def _struct(param: dict) -> type:
    name = (param.get("internalType") or "struct Tuple").split(".")[-1].split(" ")[-1].rstrip("[]")
    fields = tuple(c["name"] or f"field{i}" for i, c in enumerate(param["components"]))
    key = (name, fields)
    if key not in _STRUCTS:
        _STRUCTS[key] = namedtuple(name, fields)
    return _STRUCTS[key]


@dataclass(frozen=True)
class Function:
    """One ABI function: its selector, argument encoding and result decoding."""

    entry: dict

    @cached_property
    def name(self) -> str:
        return self.entry["name"]

    @cached_property
    def signature(self) -> str:
        return _signature(self.entry)

    @cached_property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]

    @cached_property
    def input_types(self) -> list[str]:
        return [canonical_type(p) for p in self.entry.get("inputs", [])]

    @cached_property
    def output_types(self) -> list[str]:
        return [canonical_type(p) for p in self.entry.get("outputs", [])]

    @cached_property
    def is_view(self) -> bool:
        return self.entry.get("stateMutability") in ("view", "pure")

    @cached_property
    def _encoder(self):
        return tuple_encoder(self.input_types)

    @cached_property
    def _decoder(self):
        return tuple_decoder(self.output_types)

    def encode(self, *args) -> bytes:
        """Calldata for a call with `args` (structs as tuples, in field order)."""
        return self.selector + self._encoder(args)

    def decode_arguments(self, calldata: bytes) -> dict:
        """The arguments of `calldata` (selector included) by name; structs as named tuples."""
        inputs = self.entry.get("inputs", [])
        values = tuple_decoder(self.input_types)(calldata[4:])
        return {
            p["name"] or f"arg{i}": _shape(p, v) for i, (p, v) in enumerate(zip(inputs, values, strict=True))
        }

    def decode(self, data: bytes) -> Any:
        """The result: one value, a named tuple for several named outputs, or None for no outputs."""
        outputs = self.entry.get("outputs", [])
        if not outputs:
            return None
        values = [_shape(p, v) for p, v in zip(outputs, self._decoder(data), strict=True)]
        if len(values) == 1:
            return values[0]
        if all(p["name"] for p in outputs):
            return _struct({"internalType": f"struct {self.name}", "components": outputs})(*values)
        return tuple(values)


@dataclass(frozen=True)
class Event:
    """One ABI event: topic and decoding of a log into a dict of named arguments."""

    entry: dict

    @cached_property
    def name(self) -> str:
        return self.entry["name"]

    @cached_property
    def topic(self) -> bytes:
        return keccak(text=_signature(self.entry))

    def decode(self, topics: tuple[bytes, ...], data: bytes) -> dict:
        inputs = self.entry["inputs"]
        indexed = [p for p in inputs if p["indexed"]]
        plain = [p for p in inputs if not p["indexed"]]
        values = dict(
            zip((p["name"] for p in plain), decode([canonical_type(p) for p in plain], data), strict=True)
        )
        hashed = set()  # indexed dynamic types are stored as their hash: the hash is what can be returned
        for p, topic in zip(indexed, topics[1:], strict=True):
            if p["type"] in ("string", "bytes") or p["type"].endswith("]") or p["type"].startswith("tuple"):
                values[p["name"]] = topic
                hashed.add(p["name"])
            else:
                values[p["name"]] = decode([canonical_type(p)], topic)[0]
        return {
            p["name"]: values[p["name"]] if p["name"] in hashed else _shape(p, values[p["name"]])
            for p in inputs
        }


@dataclass(frozen=True)
class Error:
    """One custom error: selector and decoding of its arguments."""

    entry: dict

    @cached_property
    def name(self) -> str:
        return self.entry["name"]

    @cached_property
    def selector(self) -> bytes:
        return keccak(text=_signature(self.entry))[:4]

    def decode(self, data: bytes) -> dict:
        inputs = self.entry.get("inputs", [])
        values = decode([canonical_type(p) for p in inputs], data)
        return {p["name"]: _shape(p, v) for p, v in zip(inputs, values, strict=True)}


class ContractABI:
    """A contract type's functions, events and errors, indexed for encoding and decoding."""

    def __init__(self, name: str, abi: list[dict]):
        self.name = name
        self.abi = abi
        self.functions: dict[str, list[Function]] = {}
        self.by_signature: dict[str, Function] = {}
        for entry in abi:
            if entry["type"] == "function":
                fn = Function(entry)
                self.functions.setdefault(fn.name, []).append(fn)
                self.by_signature[fn.signature] = fn
        self.events = {e.topic: e for e in (Event(x) for x in abi if x["type"] == "event")}
        self.errors = {e.selector: e for e in (Error(x) for x in abi if x["type"] == "error")}
        self.constructor_types = next(
            ([canonical_type(p) for p in x["inputs"]] for x in abi if x["type"] == "constructor"), []
        )

    def function(self, name: str, nargs: int | None = None) -> Function:
        """The function called `name` (a signature like `f(uint256)` picks one overload)."""
        if "(" in name:
            return self.by_signature[name]
        candidates = self.functions.get(name)
        if not candidates:
            raise AttributeError(f"{self.name} has no function {name!r}")
        if len(candidates) > 1 and nargs is not None:
            candidates = [f for f in candidates if len(f.input_types) == nargs] or candidates
        if len(candidates) > 1:
            raise AttributeError(
                f"{self.name}.{name} is overloaded: name one of {[f.signature for f in candidates]}"
            )
        return candidates[0]
