"""Runtime source maps of the project's contracts: which source range every runtime instruction comes from.

Ape keeps only the creation code's source map (`.build/__local__.json`: `sourcemap` is
`evm.bytecode.sourceMap`), and coverage needs the runtime one. So the project is compiled once more,
by the pinned solc (`.toolchain/bin/solc`, bulwark.toolchain) with the settings of ape-config.yaml
(version, EVM version, optimizer, runs; the npm packages behind its import remappings), asking for
`evm.deployedBytecode.{object,sourceMap,immutableReferences}` and the ASTs. Every contract's runtime
code is checked against the one Ape built (metadata tail and immutables aside), so the map is the map
of the code the lane deploys; a mismatch is one `CoverageError`. The compiler's output, reduced to what
coverage reads, is cached in `.build/coverage/` under a hash of the sources and settings.

A source map entry is `s:l:f:j:m` per instruction, an empty field repeating the previous entry's;
instruction *i* starts at the PC found by walking the code (PUSH1..PUSH32 carry 1..32 immediate bytes).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from bulwark import PROJECT_ROOT
from bulwark.chain.artifacts import MANIFEST
from bulwark.toolchain import TOOLCHAIN_BIN, pinned_solc_version

APE_CONFIG = PROJECT_ROOT / "ape-config.yaml"
CACHE_DIR = PROJECT_ROOT / ".build" / "coverage"
MOCKS_FOLDER = "mocks"  # contracts/mocks/: test doubles, reported apart and left out of the totals
JUMPI = 0x57
PUSH1, PUSH32 = 0x60, 0x7F
# AST nodes whose JUMPIs are source-level decisions (branches). JUMPIs mapped to anything else are
# checks the compiler inserts: the dispatcher and callvalue checks (ContractDefinition), array bounds
# (IndexAccess), extcodesize and call success (FunctionCall), enum range, memory allocation.
BRANCH_NODES = frozenset(
    {
        "IfStatement",
        "Conditional",
        "ForStatement",
        "WhileStatement",
        "DoWhileStatement",
        "TryStatement",
        "YulIf",
        "YulForLoop",
        "YulSwitch",
        "YulCase",
    }
)
SHORT_CIRCUIT = frozenset({"&&", "||"})  # BinaryOperation operators that branch
ASSERTIONS = frozenset({"require", "assert"})  # FunctionCall names that branch


class CoverageError(RuntimeError):
    """Coverage cannot be computed (compiler, settings or build out of step); the message says why."""


@dataclass(frozen=True)
class Instruction:
    """One runtime instruction that comes from a project file."""

    pc: int
    file: str  # path relative to the project root, e.g. contracts/margin/MarginEngine.sol
    line: int  # 1-based line of the range's start
    is_branch: bool  # a JUMPI of a source-level decision (BRANCH_NODES, &&, ||, require, assert)


@dataclass
class RuntimeMap:
    """A contract's runtime code as the compiler emits it, and its project instructions by PC."""

    name: str
    source: str  # the file that defines the contract
    code: bytes  # without the metadata tail; immutables are zero
    immutables: tuple[tuple[int, int], ...]  # (start, length) of every immutable in the code
    instructions: dict[int, Instruction] = field(default_factory=dict)

    def masked(self, deployed: bytes) -> bytes:
        """`deployed` as this contract's compiler output would be: no metadata tail, immutables zero."""
        code = bytearray(strip_metadata(deployed))
        for start, length in self.immutables:
            code[start : start + length] = bytes(length)
        return bytes(code)


@dataclass
class SourceMaps:
    """The project's runtime maps by contract name."""

    contracts: dict[str, RuntimeMap]

    def identify(self, deployed: bytes) -> RuntimeMap | None:
        """The project contract whose runtime code `deployed` is (immutables and metadata aside)."""
        stripped = strip_metadata(deployed)
        for runtime in self.contracts.values():
            if len(runtime.code) == len(stripped) and runtime.masked(deployed) == runtime.code:
                return runtime
        return None


def strip_metadata(code: bytes) -> bytes:
    """`code` without solc's CBOR metadata tail (its length is the code's last two bytes)."""
    if len(code) < 2:
        return code
    length = int.from_bytes(code[-2:], "big") + 2
    return code[:-length] if length <= len(code) else code


def instruction_pcs(code: bytes) -> list[tuple[int, int]]:
    """(pc, opcode) of every instruction of `code`, in order."""
    pcs, pc = [], 0
    while pc < len(code):
        op = code[pc]
        pcs.append((pc, op))
        pc += 1 + (op - PUSH1 + 1 if PUSH1 <= op <= PUSH32 else 0)
    return pcs


def decode_source_map(source_map: str) -> list[tuple[int, int, int, str]]:
    """(start, length, file index, jump) per instruction; an empty field repeats the previous entry's."""
    entries, current = [], [-1, -1, -1, "-"]
    for item in source_map.split(";"):
        for index, value in enumerate(item.split(":")[:4]):
            if value:
                current[index] = value if index == 3 else int(value)
        entries.append(tuple(current))
    return entries


# ---------------------------------------------------------------------------------------- compiling


@dataclass(frozen=True)
class CompilerSettings:
    """What ape-config.yaml says solc compiles with, in standard-JSON terms."""

    version: str
    contracts_folder: str
    evm_version: str
    optimizer_runs: int | None  # None: optimizer off
    remappings: tuple[str, ...]

    def standard_json_settings(self) -> dict:
        optimizer = {"enabled": self.optimizer_runs is not None}
        if self.optimizer_runs is not None:
            optimizer["runs"] = self.optimizer_runs
        return {
            "evmVersion": self.evm_version,
            "optimizer": optimizer,
            "remappings": list(self.remappings),
            "outputSelection": {
                "*": {
                    "": ["ast"],
                    "*": [
                        "evm.deployedBytecode.object",
                        "evm.deployedBytecode.sourceMap",
                        "evm.deployedBytecode.immutableReferences",
                    ],
                }
            },
        }


def compiler_settings(config_path: Path = APE_CONFIG) -> CompilerSettings:
    """ape-config.yaml's solidity settings, its remappings pointed at the npm packages they name."""
    config = yaml.safe_load(config_path.read_text())
    solidity = config.get("solidity", {})
    version = str(solidity.get("version") or pinned_solc_version())
    if version != pinned_solc_version():
        raise CoverageError(
            f"ape-config.yaml pins solc {version}, package.json {pinned_solc_version()}: make them agree"
        )
    npm = {d["name"]: d["npm"] for d in config.get("dependencies", []) if "npm" in d}
    remappings = []
    for remapping in solidity.get("import_remapping", []):
        prefix, _, target = remapping.partition("=")
        package = npm.get(target.split("/")[0])
        if package is None:
            raise CoverageError(f"ape-config.yaml: remapping {remapping!r} names no npm dependency")
        remappings.append(f"{prefix.rstrip('/')}/=node_modules/{package}/")
    return CompilerSettings(
        version=version,
        contracts_folder=config.get("contracts_folder", "contracts"),
        evm_version=solidity.get("evm_version", "cancun"),
        optimizer_runs=solidity.get("optimization_runs", 200) if solidity.get("optimize", True) else None,
        remappings=tuple(remappings),
    )


def _project_sources(settings: CompilerSettings) -> dict[str, str]:
    folder = PROJECT_ROOT / settings.contracts_folder
    return {
        str(path.relative_to(PROJECT_ROOT)): path.read_text()
        for path in sorted(folder.rglob("*.sol"))
        if ".cache" not in path.relative_to(folder).parts  # Ape's copies of the dependencies
    }


def _cache_key(settings: CompilerSettings, sources: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(settings.standard_json_settings(), sort_keys=True).encode())
    digest.update(settings.version.encode())
    digest.update((PROJECT_ROOT / "package-lock.json").read_bytes())  # the npm packages' versions
    for path, text in sources.items():
        digest.update(f"{path}\0{text}\0".encode())
    return digest.hexdigest()[:20]


def _branch_ranges(ast, file_id: int, found: set) -> None:
    """Collect (start, length) of the decision nodes under `ast` that lie in file `file_id`."""
    if isinstance(ast, dict):
        kind = ast.get("nodeType")
        src = ast.get("src")
        if src and kind:
            is_branch = (
                kind in BRANCH_NODES
                or (kind == "BinaryOperation" and ast.get("operator") in SHORT_CIRCUIT)
                or (kind == "FunctionCall" and ast.get("expression", {}).get("name") in ASSERTIONS)
            )
            if is_branch:
                start, length, index = (int(x) for x in src.split(":")[:3])
                if index == file_id:
                    found.add((start, length))
        for value in ast.values():
            if isinstance(value, dict | list):
                _branch_ranges(value, file_id, found)
    elif isinstance(ast, list):
        for value in ast:
            _branch_ranges(value, file_id, found)


def _compile(settings: CompilerSettings, sources: dict[str, str]) -> dict:
    """Run solc on the project; return the reduced output that coverage reads (what the cache holds)."""
    solc = TOOLCHAIN_BIN / "solc"
    if not solc.exists():
        raise CoverageError(f"{solc} is missing: run `make toolchain`")
    request = {
        "language": "Solidity",
        "sources": {path: {"content": text} for path, text in sources.items()},
        "settings": settings.standard_json_settings(),
    }
    run = subprocess.run(
        [str(solc), "--standard-json", "--base-path", str(PROJECT_ROOT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    try:
        output = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise CoverageError(f"solc gave no standard-JSON output: {run.stderr.strip()[:300]}") from None
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CoverageError(f"solc: {errors[0].get('formattedMessage', errors[0]).strip().splitlines()[0]}")
    files = {info["id"]: path for path, info in output["sources"].items()}
    branches = {}
    for path, info in output["sources"].items():
        if path in sources:
            found: set = set()
            _branch_ranges(info["ast"], info["id"], found)
            branches[path] = sorted(found)
    contracts = {}
    for path, by_name in output["contracts"].items():
        for name, data in by_name.items():
            runtime = data["evm"]["deployedBytecode"]
            if runtime["object"]:
                immutables = [
                    (ref["start"], ref["length"])
                    for refs in runtime.get("immutableReferences", {}).values()
                    for ref in refs
                ]
                contracts[name] = {
                    "source": path,
                    "object": runtime["object"],
                    "sourceMap": runtime["sourceMap"],
                    "immutables": sorted(immutables),
                }
    return {"files": {str(k): v for k, v in files.items()}, "branches": branches, "contracts": contracts}


def compiled_output(settings: CompilerSettings | None = None) -> dict:
    """The reduced compiler output for the current sources: from the cache, else compiled (and cached)."""
    settings = settings or compiler_settings()
    sources = _project_sources(settings)
    path = CACHE_DIR / f"runtime-{_cache_key(settings, sources)}.json"
    if path.exists():
        return json.loads(path.read_text())
    output = _compile(settings, sources)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for old in CACHE_DIR.glob("runtime-*.json"):
        old.unlink(missing_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(output))
    partial.replace(path)  # whole or not at all, should another process read it meanwhile
    return output


# ------------------------------------------------------------------------------------------ mapping


class _Lines:
    """Byte offset -> 1-based line of one source file (source maps count bytes of UTF-8)."""

    def __init__(self, text: bytes):
        self.starts = [0] + [i + 1 for i, byte in enumerate(text) if byte == 0x0A]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _runtime_map(name: str, data: dict, files: dict[str, str], branches: dict, lines: dict) -> RuntimeMap:
    code = strip_metadata(bytes.fromhex(data["object"]))
    runtime = RuntimeMap(name, data["source"], code, tuple(tuple(i) for i in data["immutables"]))
    decisions = {path: set(map(tuple, ranges)) for path, ranges in branches.items()}
    for (pc, op), (start, length, index, _jump) in zip(
        instruction_pcs(code), decode_source_map(data["sourceMap"]), strict=False
    ):
        path = files.get(str(index))  # -1 and indices past the list are compiler-generated sources
        if path is None or path not in lines:  # only the project's own files (not node_modules)
            continue
        is_branch = op == JUMPI and (start, length) in decisions.get(path, ())
        runtime.instructions[pc] = Instruction(pc, path, lines[path].line(start), is_branch)
    return runtime


def _check_against_build(contracts: dict[str, RuntimeMap], manifest: Path) -> None:
    """Every runtime code Ape built must be the one mapped here (else the maps describe other code)."""
    if not manifest.exists():
        raise CoverageError(f"{manifest} is missing: run `ape compile` first")
    built = json.loads(manifest.read_text())["contractTypes"]
    for name, contract_type in built.items():
        code = bytes.fromhex(((contract_type.get("runtimeBytecode") or {}).get("bytecode") or "0x")[2:])
        if not code:
            continue
        mapped = contracts.get(name)
        if mapped is None or mapped.masked(code) != mapped.code:
            shown = manifest.relative_to(PROJECT_ROOT) if manifest.is_relative_to(PROJECT_ROOT) else manifest
            raise CoverageError(
                f"runtime code of {name} in {shown} differs from the coverage compile: "
                "run `ape compile` (the sources changed since)"
            )


def build_source_maps(output: dict, manifest: Path = MANIFEST) -> SourceMaps:
    """Runtime maps from a reduced compiler output (`compiled_output`), checked against Ape's build."""
    lines = {path: _Lines((PROJECT_ROOT / path).read_bytes()) for path in output["branches"]}
    contracts = {
        name: _runtime_map(name, data, output["files"], output["branches"], lines)
        for name, data in output["contracts"].items()
    }
    _check_against_build(contracts, manifest)
    return SourceMaps(contracts)


@cache
def load_source_maps() -> SourceMaps:
    """The project's runtime source maps (compiled or read from the cache; checked; once per process)."""
    return build_source_maps(compiled_output())


def is_mock(path: str) -> bool:
    """Whether a project file is a test double (under contracts/mocks/)."""
    return MOCKS_FOLDER in Path(path).parts[1:-1]
