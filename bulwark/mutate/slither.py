"""slither-mutate (it ships with slither-analyzer) on one contract of a copy of the checkout, its
verdicts folded into the same score as the hand-written mutants.

slither-mutate mutates the file in place, compiles it with crytic-compile (forge, foundry.toml) and
runs a shell test command; here that command recompiles with Ape and runs the contract's lane machine
on revm (bounded). It runs in a `Workspace`, never in the checkout."""

from __future__ import annotations

import re
import shlex
import sys

from bulwark.mutate.runner import (
    KILLED,
    STILLBORN,
    SURVIVED,
    Budget,
    Result,
    Workspace,
    _bin,
    machine_command,
)

# contract file -> (contract names to mutate, the machine that drives it, what `ape compile` needs)
TARGETS = {
    "contracts/governance/Guarded.sol": ("Guarded", "guarded", "contracts/mocks/GuardedMock.sol"),
    "contracts/fund/InsuranceFund.sol": ("InsuranceFund", "fund6", "contracts/fund/InsuranceFund.sol"),
    "contracts/governance/PauseGuardian.sol": (
        "PauseGuardian",
        "guardian",
        "contracts/governance/PauseGuardian.sol",
    ),
}
REMAPS = " ".join(f"@{p}/=node_modules/@{p}/" for p in ("openzeppelin/contracts", "chainlink/contracts"))
_LINE = re.compile(
    r"\[(?P<mutator>\w+)\] Line (?P<line>\d+): '(?P<old>.*)' ==> '(?P<new>.*)' --> (?P<verdict>[A-Z ]+)$"
)
_VERDICT = {"CAUGHT": KILLED, "UNCAUGHT": SURVIVED, "COMPILATION FAILURE": STILLBORN}


def parse(output: str, file: str, machine: str) -> list[Result]:
    """Results from slither-mutate's verbose log (one line per mutant)."""
    results = []
    for line in output.splitlines():
        match = _LINE.search(line.strip())
        if not match or match["verdict"].strip() not in _VERDICT:
            continue
        verdict = _VERDICT[match["verdict"].strip()]
        name = f"slither:{match['mutator']}:{match['line']}:{' '.join(match['new'].split())}"
        results.append(
            Result(name, file, verdict, f"machine:{machine}" if verdict == KILLED else "", source="slither")
        )
    return results


def slither_command(file: str, budget: Budget, mutators: str = "ROR,LOR") -> list[str]:
    contract, machine, build = TARGETS[file]
    test = f"{shlex.quote(_bin('ape'))} compile --force {build} >/dev/null 2>&1 && " + shlex.join(
        machine_command(machine, budget)
    )
    return [
        _bin("slither-mutate"),
        file,
        "--test-cmd",
        test,
        "--contract-names",
        contract,
        "--mutators-to-run",
        mutators,
        "--timeout",
        str(int(budget.timeout)),
        "-v",
        "--solc-remaps",
        REMAPS,
    ]


def run_slither(file: str, budget: Budget | None = None, mutators: str = "ROR,LOR") -> list[Result]:
    """slither-mutate's mutants of `file` (a key of TARGETS), each killed or not by its machine."""
    if file not in TARGETS:
        raise ValueError(f"slither-mutate runs on {', '.join(TARGETS)}, not {file}")
    budget = budget or Budget()
    with Workspace() as ws:
        done = ws.run(slither_command(file, budget, mutators), timeout=3600)
        results = parse(done.stdout + done.stderr, file, TARGETS[file][1])
        if not results:
            print(
                f"slither-mutate produced no verdicts (exit {done.returncode}):\n{done.stderr[-2000:]}",
                file=sys.stderr,
            )
        return results


__all__ = ["TARGETS", "parse", "run_slither"]
