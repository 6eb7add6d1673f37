"""Mutation testing: mutants of the contracts applied to a copy of the checkout, each run against the lane
machines (revm, bounded) and the unit tests that should kill it (docs/MUTATION.md).

A `Mutant` names one exact snippet of one contract and what replaces it; `bulwark.mutate.mutants` holds
the hand-written list, `bulwark.mutate.runner` applies and runs them, `bulwark.mutate.slither` folds in
slither-mutate's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class MutantError(ValueError):
    """A mutant does not apply: its snippet is missing from its file, or occurs more than once."""


@dataclass(frozen=True)
class Mutant:
    """One change to one contract.

    name: a short id (`make mutate MUTANTS=name,...` chooses by it)
    file: the contract, relative to the project root
    original: the exact text replaced; it must occur exactly once in `file`
    replacement: what replaces it
    machines: lane machines (bulwark.mutate.machine.MACHINES) run against it on revm
    tests: pytest node ids (files, or file::test) run against it
    why: what the mutant breaks, in words
    equivalent: why no test can kill it (empty unless it is an equivalent mutant; docs/MUTATION.md)
    """

    name: str
    file: str
    original: str
    replacement: str
    machines: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    why: str = ""
    equivalent: str = ""

    def occurrences(self, root: Path) -> int:
        """How often the original snippet occurs in the file under `root`."""
        return (root / self.file).read_text().count(self.original)

    def mutated(self, source: str) -> str:
        """`source` with the snippet replaced; MutantError unless it occurs exactly once."""
        count = source.count(self.original)
        if count != 1:
            raise MutantError(f"{self.name}: the snippet occurs {count} times in {self.file}, not once")
        return source.replace(self.original, self.replacement)

    def apply(self, root: Path) -> None:
        """Write the mutant into the copy at `root` (never call this on the real checkout)."""
        path = root / self.file
        path.write_text(self.mutated(path.read_text()))


__all__ = ["Mutant", "MutantError"]
