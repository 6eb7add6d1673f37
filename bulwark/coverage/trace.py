"""Executed PCs and JUMPI outcomes per runtime code, collected from the transactions a chain mines.

A chain made with `connect(backend, coverage=CoverageCollector())` hands every transaction's step
trace to the collector (views, `eth_call`, are not traced); without a collector nothing is traced.

- revm: pyrevm's EIP-3155 tracer (`EVM.tracing`), which prints one JSON line per step through Python's
  `print`, so `eip3155_capture` puts a buffer in place of `sys.stdout` for the duration of the call.
  It is exact but slow: pyrevm 0.3.7 writes each line in ~230 pieces, each a `print` it compiles anew
  (~1 ms per EVM step; docs/COVERAGE.md has the figures).
- Anvil: `debug_traceTransaction` struct logs (memory, storage and stack off) from a node started
  with `--steps-tracing` (without it Anvil returns no struct logs), and the same transaction's
  `callTracer` tree for the call targets (both in one batch; the stack would triple the trace's cost).

Steps carry pc, opcode and depth but no address, so the code address is followed per depth: the
transaction's `to` at the first depth; when the depth grows by one, the step before was a
CALL/CALLCODE/DELEGATECALL/STATICCALL, whose code address is its stack[-2] on revm (the stack lists
the top last) and its callTracer node's `to` on Anvil, or a CREATE/CREATE2, whose frame runs init
code and is skipped (a contract creation's first frame too). A call to a precompile or to an account
without code opens no deeper frame. A JUMPI's outcome is read from the next step of the same frame:
pc + 1 fell through, anything else jumped.

Hits are kept per code hash (keccak of the code as deployed, immutables included), with the code, so
that whoever maps them (bulwark.coverage.report) needs no chain.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from eth_utils import keccak

JUMPI = 0x57
JUMPED, FELL_THROUGH = 1, 2  # bits of a JUMPI's outcome mask
CALLS = frozenset({0xF1, 0xF2, 0xF4, 0xFA})  # CALL, CALLCODE, DELEGATECALL, STATICCALL
CREATES = frozenset({0xF0, 0xF5})  # CREATE, CREATE2
OPCODE_NAMES = {"JUMPI": JUMPI, "CALL": 0xF1, "CALLCODE": 0xF2, "DELEGATECALL": 0xF4, "STATICCALL": 0xFA}
OPCODE_NAMES |= {"CREATE": 0xF0, "CREATE2": 0xF5}
# debug_traceTransaction options: pc, op and depth only (call targets come from the callTracer)
STRUCT_LOG_OPTIONS = {"disableMemory": True, "disableStorage": True, "disableStack": True}
CALL_TRACER = {"tracer": "callTracer"}

# One step: (pc, opcode, depth, code address a call at this step enters, or None)
Step = tuple[int, int, int, str | None]


@dataclass
class CodeHits:
    """What ran of one runtime code: the PCs executed and, per JUMPI PC, the outcomes seen."""

    pcs: set[int] = field(default_factory=set)
    jumps: dict[int, int] = field(default_factory=dict)  # JUMPI pc -> JUMPED | FELL_THROUGH bits

    def merge(self, other: CodeHits) -> None:
        self.pcs |= other.pcs
        for pc, outcome in other.jumps.items():
            self.jumps[pc] = self.jumps.get(pc, 0) | outcome


class CoverageCollector:
    """Executed PCs and JUMPI outcomes per runtime code hash, over every transaction recorded."""

    def __init__(self) -> None:
        self.hits: dict[str, CodeHits] = {}  # code hash (hex) -> hits
        self.codes: dict[str, bytes] = {}  # code hash (hex) -> the code as deployed
        self.transactions = 0

    def record(self, steps: Iterable[Step], to: str | None, code_at: Callable[[str], bytes]) -> None:
        """Add one transaction's steps; `to` is its recipient (None: a contract creation) and
        `code_at(address)` the code an address holds after the transaction."""
        self.transactions += 1
        by_address: dict[str, CodeHits] = {}
        frames: list[str | None] = []  # code address per depth (None: init code)
        base = None
        previous: Step | None = None
        for step in steps:
            pc, depth = step[0], step[2]
            if base is None:
                base = depth
                frames.append(to.lower() if to else None)
            level = depth - base
            if level >= len(frames):  # a call or creation entered a frame
                frames.append(previous[3] if previous and previous[1] in CALLS else None)
            elif level < len(frames) - 1:  # frames returned
                del frames[level + 1 :]
            address = frames[level]
            if previous is not None and previous[1] == JUMPI and previous[2] == depth and address:
                outcome = FELL_THROUGH if pc == previous[0] + 1 else JUMPED
                hits = by_address[address]
                hits.jumps[previous[0]] = hits.jumps.get(previous[0], 0) | outcome
            if address is not None:
                hits = by_address.get(address)
                if hits is None:
                    hits = by_address[address] = CodeHits()
                hits.pcs.add(pc)
            previous = step
        for address, hits in by_address.items():
            code = code_at(address)
            if not code:  # the frame's code is gone (created and reverted in the same transaction)
                continue
            digest = keccak(code).hex()
            self.codes.setdefault(digest, code)
            known = self.hits.get(digest)
            if known is None:
                self.hits[digest] = hits
            else:
                known.merge(hits)

    def merge(self, other: CoverageCollector) -> None:
        """Add another collector's hits (e.g. another worker's)."""
        self.transactions += other.transactions
        self.codes.update(other.codes)
        for digest, hits in other.hits.items():
            self.hits.setdefault(digest, CodeHits()).merge(hits)

    def to_payload(self) -> dict:
        """A JSON-ready form (what a worker sends its parent); `from_payload` reads it back."""
        return {
            "transactions": self.transactions,
            "codes": {digest: code.hex() for digest, code in self.codes.items()},
            "hits": {
                digest: {"pcs": sorted(h.pcs), "jumps": {str(pc): o for pc, o in sorted(h.jumps.items())}}
                for digest, h in self.hits.items()
            },
        }

    @classmethod
    def from_payload(cls, payload: dict) -> CoverageCollector:
        collector = cls()
        collector.transactions = payload["transactions"]
        collector.codes = {digest: bytes.fromhex(code) for digest, code in payload["codes"].items()}
        collector.hits = {
            digest: CodeHits(set(h["pcs"]), {int(pc): o for pc, o in h["jumps"].items()})
            for digest, h in payload["hits"].items()
        }
        return collector


def _address(word: str) -> str:
    return "0x" + f"{int(word, 16):040x}"[-40:]


# ---------------------------------------------------------------------------------------------- revm


class _Chunks:
    """Stands in for sys.stdout while pyrevm's tracer prints: keeps what it writes."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.write = self.parts.append

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return "".join(self.parts)


@contextlib.contextmanager
def eip3155_capture(evm) -> Iterator[_Chunks]:
    """Trace what `evm` (a pyrevm EVM) runs inside the block; the lines are in the yielded `.text`.
    Tracing is off again, and sys.stdout restored, when the block ends, however it ends."""
    chunks = _Chunks()
    saved = sys.stdout
    sys.stdout = chunks
    evm.tracing = True
    try:
        yield chunks
    finally:
        evm.tracing = False
        sys.stdout = saved


def eip3155_steps(text: str) -> Iterator[Step]:
    """The steps of pyrevm's EIP-3155 lines (`"op"` is the opcode number, the stack lists the top last);
    other lines (a summary) are skipped."""
    for line in text.splitlines():
        if not line.startswith('{"pc"'):
            continue
        entry = json.loads(line)
        op, stack = entry["op"], entry["stack"]
        callee = _address(stack[-2]) if op in CALLS and len(stack) >= 2 else None  # (else: underflow)
        yield entry["pc"], op, entry["depth"], callee


# --------------------------------------------------------------------------------------------- anvil


def struct_log_steps(logs: list[dict], calls: dict) -> Iterator[Step]:
    """The steps of `debug_traceTransaction` struct logs (opcode names; no stack), with the code address
    of every frame a call enters taken from the same transaction's `callTracer` tree `calls`: a frame's
    CALL-family and CREATE ops are its tree node's children in order (precompile calls and calls to
    accounts without code included, though they open no frame)."""
    names = OPCODE_NAMES
    base = logs[0]["depth"] if logs else 0
    frames: list[list] = [[calls, 0]]  # per depth: [call tree node, index of its next child]
    last = len(logs) - 1
    for index, entry in enumerate(logs):
        depth = entry["depth"]
        del frames[depth - base + 1 :]  # frames that returned
        op = names.get(entry["op"], 0)
        callee = None
        if op in CALLS or op in CREATES:
            frame = frames[-1]
            children = frame[0].get("calls") or ()
            child = children[frame[1]] if frame[1] < len(children) else {}
            frame[1] += 1
            if index < last and logs[index + 1]["depth"] == depth + 1:  # it opened a frame
                frames.append([child, 0])
                if op in CALLS and child.get("to"):
                    callee = child["to"].lower()
        yield entry["pc"], op, depth, callee
