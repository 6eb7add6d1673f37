"""Applies mutants to a throwaway copy of the checkout and runs what should kill each one.

The copy (`Workspace`) holds the project's sources and its `.build` (so Ape recompiles only what a mutant
touched), with node_modules linked in; the real checkout is only ever read, so a crash or Ctrl-C leaves
it untouched. Per mutant: restore the copy's file, apply the mutant, `ape compile` (a failure is
"stillborn", outside the score), run its machines on revm (bulwark.mutate.machine, bounded), then, if
none failed, its unit tests (`ape test -x`). The first failure kills it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from bulwark import PROJECT_ROOT
from bulwark.mutate import Mutant
from bulwark.toolchain import SOLCX_VARIABLE, solcx_folder, toolchain_bin

KILLED, SURVIVED, STILLBORN, ERROR = "killed", "survived", "stillborn", "error"
# never copied: environments, caches, reports and earlier campaigns
_SKIP = {
    ".venv",
    "node_modules",
    ".toolchain",
    ".git",
    ".hypothesis",
    "reports",
    "crytic-export",
    "mutation_campaign",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "out",
    "cache",
}
_LINKED = ("node_modules",)


@dataclass
class Result:
    """What one mutant did: result is killed, survived, stillborn (did not compile) or error."""

    name: str
    file: str
    result: str
    killed_by: str = ""
    seconds: float = 0.0
    source: str = "hand"
    equivalent: str = ""


@dataclass(frozen=True)
class Budget:
    """How much runs against each mutant (examples x steps per machine; seconds per command)."""

    examples: int = 60
    steps: int = 30
    timeout: float = 300.0
    unit_tests: bool = True


class Workspace:
    """A copy of the checkout at `root/checkout` to mutate; use as a context manager (removed after)."""

    def __init__(self, source: Path = PROJECT_ROOT, parent: Path | None = None, keep: bool = False):
        self.source = Path(source)
        base = parent or self.source / ".toolchain" / "mutate"
        base.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        self.checkout = self.root / "checkout"
        self.keep = keep

    def __enter__(self) -> Workspace:
        shutil.copytree(
            self.source,
            self.checkout,
            symlinks=True,
            ignore=lambda _d, names: [n for n in names if n in _SKIP],
        )
        for name in _LINKED:
            if (self.source / name).exists():
                (self.checkout / name).symlink_to(self.source / name)
        (self.checkout / ".toolchain" / "tmp").mkdir(parents=True)
        if (self.source / ".toolchain" / "bin").exists():  # foundry.toml names .toolchain/bin/solc
            (self.checkout / ".toolchain" / "bin").symlink_to(self.source / ".toolchain" / "bin")
        return self

    def __exit__(self, *exc) -> None:
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def env(self) -> dict[str, str]:
        """The environment of a command in the copy: its own `bulwark` first on the path, the pinned
        toolchain on PATH, Ape's scratch space inside the copy (see the Makefile)."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(self.checkout), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
        bins = [
            toolchain_bin(self.source),
            self.source / "node_modules" / ".bin",
            Path(sys.executable).parent,
        ]
        env["PATH"] = os.pathsep.join([*map(str, bins), env.get("PATH", "")])
        env["TMPDIR"] = str(self.checkout / ".toolchain" / "tmp")
        env[SOLCX_VARIABLE] = str(solcx_folder(self.source))  # the source's compiler registration
        env.pop("CI", None)  # the example database stays inside the copy
        return env

    def run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run `argv` in the copy; a timeout is returned as exit status -9."""
        try:
            return subprocess.run(
                argv, cwd=self.checkout, env=self.env(), capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as err:
            return subprocess.CompletedProcess(argv, -9, err.stdout or "", err.stderr or "")

    def restore(self, file: str) -> None:
        """Put the checkout's version of `file` back into the copy."""
        shutil.copyfile(self.source / file, self.checkout / file)


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def compile_command() -> list[str]:
    """A full compile: Ape recompiles a changed file but not the contracts that inherit or link it, so
    a mutant of a library or base contract (MarginMath, SignerApprovals) would otherwise reach no
    bytecode and survive."""
    return [_bin("ape"), "compile", "--force"]


def machine_command(name: str, budget: Budget) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bulwark.mutate.machine",
        name,
        "--examples",
        str(budget.examples),
        "--steps",
        str(budget.steps),
    ]


def test_command(tests: Iterable[str]) -> list[str]:
    return [_bin("ape"), "test", *tests, "-x", "-q", "-p", "no:cacheprovider"]


def run_mutant(ws: Workspace, mutant: Mutant, budget: Budget = Budget()) -> Result:
    """Apply `mutant` to the copy, compile, run its machines and then its unit tests; restore the file."""
    started = time.monotonic()
    result = Result(mutant.name, mutant.file, SURVIVED, equivalent=mutant.equivalent)
    try:
        ws.restore(mutant.file)
        mutant.apply(ws.checkout)
        compiled = ws.run(compile_command(), budget.timeout)
        if compiled.returncode != 0:
            result.result, result.killed_by = STILLBORN, "compile"
            return result
        commands = [(f"machine:{m}", machine_command(m, budget)) for m in mutant.machines]
        if budget.unit_tests and mutant.tests:
            commands.append(
                ("tests:" + ",".join(Path(t).name for t in mutant.tests), test_command(mutant.tests))
            )
        for label, argv in commands:
            done = ws.run(argv, budget.timeout)
            if done.returncode == 0:
                continue
            # a machine exits 1 on a failing example; pytest exits 1 on a failing test; a timeout kills too
            if done.returncode in (1, -9):
                result.result = KILLED
                result.killed_by = label + (" (timeout)" if done.returncode == -9 else "")
            else:
                result.result, result.killed_by = ERROR, f"{label} exit {done.returncode}"
            return result
        return result
    finally:
        ws.restore(mutant.file)
        result.seconds = round(time.monotonic() - started, 1)


def run_campaign(
    mutants: Iterable[Mutant],
    budget: Budget = Budget(),
    workspace: Workspace | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Every mutant against one copy of the checkout, in order; `on_result` sees each result as it lands."""
    results: list[Result] = []
    with workspace or Workspace() as ws:
        for mutant in mutants:
            result = run_mutant(ws, mutant, budget)
            results.append(result)
            if on_result:
                on_result(result)
    return results


def score(results: Iterable[Result]) -> dict:
    """Counts and the kill rate over non-equivalent, compiled mutants (None when there are none)."""
    results = list(results)
    killed = sum(r.result == KILLED for r in results)
    survived = sum(r.result == SURVIVED and not r.equivalent for r in results)
    counts = {
        "killed": killed,
        "survived": survived,
        "equivalent": sum(r.result == SURVIVED and bool(r.equivalent) for r in results),
        "stillborn": sum(r.result == STILLBORN for r in results),
        "error": sum(r.result == ERROR for r in results),
    }
    counts["kill_rate"] = round(killed / (killed + survived), 4) if killed + survived else None
    return counts


def write_summary(results: list[Result], path: Path, budget: Budget) -> dict:
    """reports/mutate/summary.json: the score, the budget and every result."""
    summary = {**score(results), "budget": asdict(budget), "mutants": [asdict(r) for r in results]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return summary
