"""The committed gas snapshot (gas-snapshot.json) and the check CI runs against it.

`bulwark bench gas` measures each contract function's receipt gas on a fresh local Anvil; the figures
are deterministic for the same code (same deployer, nonces, keys, and a fixed clock), so any change is
the code's. The snapshot holds them per contract and function with a stated tolerance:

* a function whose gas rose by more than the tolerance fails the check (old, new, change);
* one that fell by more than the tolerance is reported as an improvement, and passes;
* a function measured but missing from the snapshot, or in the snapshot but no longer measured, fails,
  so the snapshot always covers exactly what the benchmarks measure.

Every failure ends with the command that rewrites the snapshot (`make gas-snapshot`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from bulwark import PROJECT_ROOT

SNAPSHOT = PROJECT_ROOT / "gas-snapshot.json"
DEFAULT_TOLERANCE_PERCENT = 2.0
UPDATE_COMMAND = "make gas-snapshot"
ABOUT = (
    "Receipt gas per contract function, measured by `bulwark bench gas` on a fresh local Anvil. "
    "`make gas-check` fails when a function costs more than tolerance_percent above this; "
    f"`{UPDATE_COMMAND}` rewrites the file."
)

Figures = dict[str, dict[str, int]]  # contract -> function -> gas


class SnapshotError(ValueError):
    """The snapshot file is missing or not of the expected shape."""


@dataclass(frozen=True)
class Snapshot:
    tolerance_percent: float
    gas: Figures

    def as_dict(self) -> dict:
        return {
            "about": ABOUT,
            "tolerance_percent": int(t) if (t := self.tolerance_percent).is_integer() else t,
            "gas": {c: dict(sorted(f.items())) for c, f in sorted(self.gas.items())},
        }


def read_snapshot(path: Path = SNAPSHOT) -> Snapshot:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise SnapshotError(f"{path} is missing: run `{UPDATE_COMMAND}`") from None
    except json.JSONDecodeError as err:
        raise SnapshotError(f"{path} is not JSON: {err}") from None
    tolerance = raw.get("tolerance_percent") if isinstance(raw, dict) else None
    gas = raw.get("gas") if isinstance(raw, dict) else None
    if not isinstance(tolerance, int | float) or tolerance < 0 or not isinstance(gas, dict):
        raise SnapshotError(f"{path} needs a non-negative 'tolerance_percent' and a 'gas' object")
    for contract, functions in gas.items():
        if not isinstance(functions, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in functions.values()
        ):
            raise SnapshotError(f"{path}: gas.{contract} must map each function to a positive integer")
    return Snapshot(float(tolerance), gas)


def write_snapshot(
    figures: Figures, path: Path = SNAPSHOT, tolerance_percent: float | None = None
) -> Snapshot:
    """Rewrite the snapshot with `figures`, keeping the file's tolerance unless one is given."""
    if tolerance_percent is None:
        try:
            tolerance_percent = read_snapshot(path).tolerance_percent
        except SnapshotError:
            tolerance_percent = DEFAULT_TOLERANCE_PERCENT
    snapshot = Snapshot(tolerance_percent, figures)
    path.write_text(json.dumps(snapshot.as_dict(), indent=2) + "\n")
    return snapshot


@dataclass(frozen=True)
class Change:
    contract: str
    function: str
    old: int
    new: int

    @property
    def percent(self) -> float:
        return 100.0 * (self.new - self.old) / self.old

    def line(self) -> str:
        return (
            f"{self.contract}.{self.function}: {self.old:,} -> {self.new:,} "
            f"({self.new - self.old:+,} gas, {self.percent:+.2f}%)"
        )


@dataclass
class Comparison:
    tolerance_percent: float
    regressions: list[Change] = field(default_factory=list)  # rose beyond the tolerance: fail
    improvements: list[Change] = field(default_factory=list)  # fell beyond the tolerance: reported
    within: list[Change] = field(default_factory=list)  # changed, but within the tolerance
    unchanged: int = 0
    added: list[tuple[str, str, int]] = field(default_factory=list)  # measured, not in the snapshot
    removed: list[tuple[str, str, int]] = field(default_factory=list)  # in the snapshot, not measured

    @property
    def ok(self) -> bool:
        return not (self.regressions or self.added or self.removed)

    def report(self) -> str:
        tol = f"{self.tolerance_percent:g}%"
        lines = []
        if self.regressions:
            lines.append(f"gas regressions beyond the {tol} tolerance:")
            lines += [f"  {c.line()}" for c in self.regressions]
        if self.added:
            lines.append("measured but not in the snapshot:")
            lines += [f"  {c}.{f}: {g:,}" for c, f, g in self.added]
        if self.removed:
            lines.append("in the snapshot but no longer measured:")
            lines += [f"  {c}.{f}: {g:,}" for c, f, g in self.removed]
        if self.improvements:
            lines.append(f"gas improvements beyond the {tol} tolerance (record with `{UPDATE_COMMAND}`):")
            lines += [f"  {c.line()}" for c in self.improvements]
        if self.within:
            lines.append(f"changed within the {tol} tolerance:")
            lines += [f"  {c.line()}" for c in self.within]
        total = self.unchanged + len(self.within) + len(self.improvements) + len(self.regressions)
        verdict = "FAILED" if not self.ok else "passed"
        lines.append(
            f"gas check {verdict}: {total} functions compared, {self.unchanged} unchanged, "
            f"{len(self.within)} within {tol}, {len(self.improvements)} improved, "
            f"{len(self.regressions)} regressed, {len(self.added)} new, {len(self.removed)} gone"
        )
        if not self.ok:
            lines.append(f"if the change is intended, run `{UPDATE_COMMAND}` to update gas-snapshot.json")
        return "\n".join(lines)


def compare(snapshot: Snapshot, measured: Figures) -> Comparison:
    """Measured figures against the snapshot: a rise of more than the tolerance is a regression."""
    result = Comparison(snapshot.tolerance_percent)
    limit = snapshot.tolerance_percent / 100.0
    for contract in sorted(set(snapshot.gas) | set(measured)):
        old_functions = snapshot.gas.get(contract, {})
        new_functions = measured.get(contract, {})
        for function in sorted(set(old_functions) | set(new_functions)):
            if function not in old_functions:
                result.added.append((contract, function, new_functions[function]))
                continue
            if function not in new_functions:
                result.removed.append((contract, function, old_functions[function]))
                continue
            change = Change(contract, function, old_functions[function], new_functions[function])
            if change.new == change.old:
                result.unchanged += 1
            elif change.new > change.old * (1 + limit):
                result.regressions.append(change)
            elif change.new < change.old * (1 - limit):
                result.improvements.append(change)
            else:
                result.within.append(change)
    return result
