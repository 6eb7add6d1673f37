"""Encoding calls and decoding results, events and errors from the project's compiled ABIs.

One `ContractABI` per contract type: functions by name (overloads by argument count or by signature),
events by topic, errors by selector. Struct results come back as named tuples whose fields are the
Solidity names, so `engine.markets(0).longs` reads as it does in Solidity.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from functools import cached_property
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


def tuple_encoder(types: list[str]) -> TupleEncoder:
    """eth_abi's encoder for `types`, built once (eth_abi.encode builds a new one on every call)."""
    return TupleEncoder(encoders=[default_codec._registry.get_encoder(t) for t in types])


def tuple_decoder(types: list[str]):
    """A function decoding bytes as `types`, built once (what eth_abi.decode does on every call)."""
    decoder = TupleDecoder(decoders=[default_codec._registry.get_decoder(t, strict=True) for t in types])
    stream = default_codec.stream_class
    return lambda data: decoder(stream(data))


def _shape(param: dict, value: Any) -> Any:
    """Addresses checksummed and structs (arrays of structs too) as named tuples, recursively."""
    kind = param["type"]
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("tuple"):
        if kind != "tuple":  # an array of structs
            item = {**param, "type": kind[: kind.rindex("[")]}
            return [_shape(item, v) for v in value]
        return _struct(param)(*(_shape(c, v) for c, v in zip(param["components"], value, strict=True)))
    if kind.startswith("address["):
        return [to_checksum_address(v) for v in value]
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
    def _encoder(self) -> TupleEncoder:
        return tuple_encoder(self.input_types)

    @cached_property
    def _decoder(self):
        return tuple_decoder(self.output_types)

    def encode(self, *args) -> bytes:
        """Calldata for a call with `args` (structs as tuples, in field order)."""
        return self.selector + self._encoder(args)

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
