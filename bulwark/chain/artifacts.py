"""The project's compiled contracts (Ape's `.build/__local__.json`): ABI and creation code by name.

The lane reads what `ape compile` wrote (`make test` and `ape test` compile first); outside them,
`load_artifacts()` compiles when nothing is built yet."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bulwark import PROJECT_ROOT
from bulwark.abi.codec import ContractABI
from bulwark.abi.errors import ErrorDecoder

MANIFEST = PROJECT_ROOT / ".build" / "__local__.json"


class ArtifactError(RuntimeError):
    """The compiled contracts are missing or do not hold the contract asked for."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: ContractABI
    creation_code: bytes


class Artifacts:
    """Every compiled contract type, and the one error decoder over all of them."""

    def __init__(self, manifest: Path = MANIFEST):
        if not manifest.exists():
            raise ArtifactError(f"{manifest} is missing: run `make toolchain` and `ape compile` first")
        types = json.loads(manifest.read_text())["contractTypes"]
        self.by_name: dict[str, Artifact] = {}
        for name, ct in types.items():
            code = (ct.get("deploymentBytecode") or {}).get("bytecode") or "0x"
            self.by_name[name] = Artifact(name, ContractABI(name, ct["abi"]), bytes.fromhex(code[2:]))
        self.errors = ErrorDecoder([a.abi for a in self.by_name.values()])
        self.events = {topic: e for a in self.by_name.values() for topic, e in a.abi.events.items()}

    def __getitem__(self, name: str) -> Artifact:
        try:
            return self.by_name[name]
        except KeyError:
            raise ArtifactError(f"no compiled contract named {name!r}") from None


@cache
def load_artifacts() -> Artifacts:
    """The project's artifacts, compiling first if nothing is built (cached for the process)."""
    if not MANIFEST.exists():
        ape = shutil.which("ape") or str(Path(PROJECT_ROOT, ".venv", "bin", "ape"))
        subprocess.run([ape, "compile"], cwd=PROJECT_ROOT, check=True, capture_output=True)
    return Artifacts()
