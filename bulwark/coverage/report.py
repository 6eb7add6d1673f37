"""Coverage figures per project file from collected hits (bulwark.coverage.trace) and the runtime source
maps (bulwark.coverage.sourcemap): lines, branches, the lines never executed, and `lcov.info`.

What counts (docs/COVERAGE.md):
- a *line with code* is the line on which the source range of at least one runtime instruction of a
  reached contract starts (constructors are creation code, not runtime code, and count nowhere); it is
  *hit* when one of those instructions ran;
- a *branch* is either outcome (jumped, fell through) of a JUMPI whose range is a source-level decision
  (sourcemap.BRANCH_NODES, &&, ||, require, assert); it is on the line its range starts on;
- a *reached* contract is a project contract whose runtime code ran at least once; only reached
  contracts contribute lines and branches, and a file counts the code of every reached contract
  compiled from it (a library's internal functions count in every contract that inlines them);
- project files are those under contracts/; OpenZeppelin and Chainlink (node_modules) and the
  compiler's generated sources are left out; test doubles (contracts/mocks/) are reported apart and
  are in neither the totals nor lcov.info.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bulwark.coverage.sourcemap import SourceMaps, is_mock, load_source_maps
from bulwark.coverage.trace import FELL_THROUGH, JUMPED, CoverageCollector

LCOV_NAME = "lcov.info"


@dataclass
class FileCoverage:
    """One project file's figures. `branches` holds (line, block, branch, taken) per branch, block being
    the JUMPI's number in the file and branch 0 its jump, 1 its fall-through; taken is None when the
    JUMPI never ran."""

    path: str
    contracts: set[str] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)
    hit_lines: set[int] = field(default_factory=set)
    branches: list[tuple[int, int, int, bool | None]] = field(default_factory=list)

    @property
    def mock(self) -> bool:
        return is_mock(self.path)

    @property
    def branches_hit(self) -> int:
        return sum(1 for *_, taken in self.branches if taken)

    @property
    def missed_lines(self) -> list[int]:
        return sorted(self.lines - self.hit_lines)

    def missed_ranges(self) -> str:
        """The never-hit lines as ranges, e.g. "12-15, 20": a range runs over lines without code but
        never over a hit line."""
        return compact_ranges(self.missed_lines, self.hit_lines)

    def figures(self) -> dict:
        return {
            "file": self.path,
            "contracts": sorted(self.contracts),
            "mock": self.mock,
            "lines": len(self.lines),
            "lines_hit": len(self.hit_lines),
            "lines_percent": percent(len(self.hit_lines), len(self.lines)),
            "branches": len(self.branches),
            "branches_hit": self.branches_hit,
            "branches_percent": percent(self.branches_hit, len(self.branches)),
            "missed_lines": self.missed_ranges(),
        }


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compact_ranges(missed: list[int], hit: set[int]) -> str:
    """`missed` (sorted) as "a-b, c" ranges; consecutive missed lines join unless a hit line lies between."""
    parts: list[list[int]] = []
    for line in missed:
        if parts and not any(parts[-1][1] < h < line for h in hit):
            parts[-1][1] = line
        else:
            parts.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)


@dataclass
class CoverageReport:
    """Per-file figures of one collection, and what could not be mapped."""

    files: dict[str, FileCoverage]
    transactions: int
    unknown_codes: int  # runtime codes that ran but are no project contract (e.g. OpenZeppelin-only)

    def totals(self) -> dict:
        """Lines and branches over the suite's files (mocks excluded)."""
        suite = [f for f in self.files.values() if not f.mock]
        lines = sum(len(f.lines) for f in suite)
        hit = sum(len(f.hit_lines) for f in suite)
        branches = sum(len(f.branches) for f in suite)
        taken = sum(f.branches_hit for f in suite)
        return {
            "lines": lines,
            "lines_hit": hit,
            "lines_percent": percent(hit, lines),
            "branches": branches,
            "branches_hit": taken,
            "branches_percent": percent(taken, branches),
        }

    def to_dict(self) -> dict:
        """The summary.json section."""
        ordered = sorted(self.files.values(), key=lambda f: (f.mock, f.path))
        return {
            "transactions": self.transactions,
            "contracts_reached": sorted({c for f in self.files.values() for c in f.contracts}),
            "unknown_codes": self.unknown_codes,
            "totals": self.totals(),
            "files": [f.figures() for f in ordered],
        }


def build_report(collector: CoverageCollector, maps: SourceMaps | None = None) -> CoverageReport:
    """Map every collected hit to project lines and branches."""
    maps = maps or load_source_maps()
    files: dict[str, FileCoverage] = {}
    # (contract, JUMPI pc) -> outcome bits, merged over every deployed instance of the contract
    outcomes: dict[tuple[str, int], int] = defaultdict(int)
    executed: dict[str, set[int]] = defaultdict(set)  # contract -> PCs run
    unknown = 0
    for digest, hits in collector.hits.items():
        runtime = maps.identify(collector.codes[digest])
        if runtime is None:
            unknown += 1
            continue
        executed[runtime.name] |= hits.pcs
        for pc, outcome in hits.jumps.items():
            outcomes[runtime.name, pc] |= outcome
    for name in sorted(executed):
        runtime = maps.contracts[name]
        ran = executed[name]
        jumpis = []
        for pc, instruction in runtime.instructions.items():
            entry = files.get(instruction.file)
            if entry is None:
                entry = files[instruction.file] = FileCoverage(instruction.file)
            entry.contracts.add(name)
            entry.lines.add(instruction.line)
            if pc in ran:
                entry.hit_lines.add(instruction.line)
            if instruction.is_branch:
                jumpis.append(instruction)
        for instruction in jumpis:
            entry = files[instruction.file]
            block = len(entry.branches) // 2
            seen = outcomes.get((name, instruction.pc), 0)
            ran_at_all = instruction.pc in ran
            for branch, bit in ((0, JUMPED), (1, FELL_THROUGH)):
                taken = bool(seen & bit) if ran_at_all else None
                entry.branches.append((instruction.line, block, branch, taken))
    for entry in files.values():  # blocks numbered in line order
        entry.branches.sort(key=lambda b: (b[0], b[1], b[2]))
        entry.branches = [
            (line, i // 2, branch, taken) for i, (line, _, branch, taken) in enumerate(entry.branches)
        ]
    return CoverageReport(files, collector.transactions, unknown)


def write_lcov(report: CoverageReport, path: Path) -> Path:
    """`lcov.info` of the suite's files (mocks left out): SF, DA, BRDA, LF/LH, BRF/BRH per file. Counts
    are 0 or 1: the collection keeps sets, not tallies."""
    records = ["TN:bulwark"]
    for entry in sorted(report.files.values(), key=lambda f: f.path):
        if entry.mock:
            continue
        records.append(f"SF:{entry.path}")
        records += [f"DA:{line},{int(line in entry.hit_lines)}" for line in sorted(entry.lines)]
        for line, block, branch, taken in entry.branches:
            records.append(f"BRDA:{line},{block},{branch},{'-' if taken is None else int(taken)}")
        records += [f"LF:{len(entry.lines)}", f"LH:{len(entry.hit_lines)}"]
        records += [f"BRF:{len(entry.branches)}", f"BRH:{entry.branches_hit}", "end_of_record"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(records) + "\n")
    return path


def _percent_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def coverage_markdown(section: dict) -> list[str]:
    """The summary.md lines for a coverage section (`CoverageReport.to_dict`, plus "lcov")."""
    if "error" in section:
        return ["## Coverage", "", f"Not computed: {section['error']}"]
    totals = section["totals"]
    lines = [
        "## Coverage",
        "",
        f"{section['transactions']:,} transactions traced; contracts reached: "
        f"{', '.join(section['contracts_reached']) or 'none'}. Suite totals (mocks excluded): lines "
        f"{totals['lines_hit']}/{totals['lines']} ({_percent_text(totals['lines_percent'])}), branches "
        f"{totals['branches_hit']}/{totals['branches']} ({_percent_text(totals['branches_percent'])}). "
        f"LCOV: `{section.get('lcov', LCOV_NAME)}`. What counts: docs/COVERAGE.md.",
        "",
        "| file | lines | lines % | branches | branches % | lines never hit |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for f in section["files"]:
        name = f"{f['file']} (mock)" if f["mock"] else f["file"]
        lines.append(
            f"| {name} | {f['lines_hit']}/{f['lines']} | {_percent_text(f['lines_percent'])} | "
            f"{f['branches_hit']}/{f['branches']} | {_percent_text(f['branches_percent'])} | "
            f"{f['missed_lines'] or '-'} |"
        )
    if section["unknown_codes"]:
        lines += ["", f"{section['unknown_codes']} executed runtime code(s) matched no project contract."]
    return lines


def campaign_section(payloads: list[dict], out: Path) -> dict:
    """Merge the workers' collections, write `out`/coverage/lcov.info, return the summary section."""
    merged = CoverageCollector()
    for payload in payloads:
        merged.merge(CoverageCollector.from_payload(payload))
    report = build_report(merged)
    lcov = write_lcov(report, out / "coverage" / LCOV_NAME)
    return {**report.to_dict(), "workers_reporting": len(payloads), "lcov": str(lcov)}
