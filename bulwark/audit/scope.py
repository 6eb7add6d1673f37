"""The audit scope: every Solidity file under contracts/ except contracts/mocks/, with its nSLOC.

nSLOC is counted the way contest scope tables count it: a line counts when it holds code. Blank lines,
comment-only lines (`//`, `/* ... */`, NatSpec `///` and `/** ... */`, the SPDX line) do not; a line
with code and a trailing comment counts once. Comment markers inside string literals are code (a small
lexer, not a regular expression, tells them apart). Multi-line statements count one per line, so a
reformat (`forge fmt`) changes the figures: `bulwark audit scope --check docs/audit/SCOPE.md` says when
the committed table is stale and `--write` regenerates it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bulwark import PROJECT_ROOT

CONTRACTS = "contracts"
OUT_OF_SCOPE_DIRS = ("contracts/mocks",)
BEGIN, END = "<!-- scope:begin -->", "<!-- scope:end -->"
COMMAND = "bulwark audit scope --write docs/audit/SCOPE.md"


def code_lines(source: str) -> list[int]:
    """The 1-based numbers of the lines of `source` that hold code (see the module's rule)."""
    lines: set[int] = set()
    line, i, n = 1, 0, len(source)
    state = "code"  # code | line | block | string
    quote = ""
    while i < n:
        ch = source[i]
        nxt = source[i + 1] if i + 1 < n else ""
        if ch == "\n":
            line += 1
            if state == "line":
                state = "code"
            i += 1
            continue
        if state == "code":
            if ch == "/" and nxt == "/":
                state, i = "line", i + 2
                continue
            if ch == "/" and nxt == "*":
                state, i = "block", i + 2
                continue
            if ch in "\"'":
                state, quote = "string", ch
            if not ch.isspace():
                lines.add(line)
        elif state == "block":
            if ch == "*" and nxt == "/":
                state, i = "code", i + 2
                continue
        elif state == "string":
            lines.add(line)
            if ch == "\\":
                i += 2  # an escaped character, never the closing quote
                continue
            if ch == quote:
                state = "code"
        i += 1
    return sorted(lines)


def nsloc(source: str) -> int:
    """Lines of `source` that hold code."""
    return len(code_lines(source))


@dataclass(frozen=True)
class ScopeFile:
    path: str  # relative to the project root
    kind: str  # contract, abstract contract, interface or library (the first one declared)
    name: str
    nsloc: int
    lines: int  # physical lines
    notice: str  # the first sentence of the unit's NatSpec @notice
    imports: tuple[str, ...]  # external (package) imports, e.g. @openzeppelin/contracts/...


UNIT = re.compile(r"^(abstract contract|contract|interface|library)\s+(\w+)", re.MULTILINE)
IMPORT = re.compile(r'^import\s+[^;]*?"([^"]+)"\s*;', re.MULTILINE)


def _notice(source: str, unit_at: int) -> str:
    """The first sentence of the @notice in the NatSpec block right above the unit at `unit_at`."""
    head = source[:unit_at].rstrip().splitlines()
    block: list[str] = []
    for text in reversed(head):
        stripped = text.strip()
        if not stripped.startswith("///"):
            break
        block.insert(0, stripped[3:].strip())
    joined = " ".join(block)
    match = re.search(r"@notice\s+(.*?)(?:\s@\w+|$)", joined)
    if not match:
        return ""
    notice = match.group(1)
    sentence = re.match(r"(.+?)\.(\s|$)", notice)
    return sentence.group(1) if sentence else notice.rstrip(".")


def describe(path: Path, root: Path = PROJECT_ROOT) -> ScopeFile:
    source = path.read_text()
    unit = UNIT.search(source)
    kind, name = (unit.group(1), unit.group(2)) if unit else ("file", path.stem)
    notice = _notice(source, unit.start()) if unit else ""
    imports = tuple(i for i in IMPORT.findall(source) if not i.startswith("."))
    return ScopeFile(
        path=path.relative_to(root).as_posix(),
        kind=kind,
        name=name,
        nsloc=nsloc(source),
        lines=len(source.splitlines()),
        notice=notice,
        imports=imports,
    )


def _is_out_of_scope(relative: str) -> bool:
    return any(relative == d or relative.startswith(d + "/") for d in OUT_OF_SCOPE_DIRS)


def scope_files(root: Path = PROJECT_ROOT) -> list[ScopeFile]:
    """Every in-scope file, sorted by path."""
    found = sorted((root / CONTRACTS).rglob("*.sol"))
    return [describe(p, root) for p in found if not _is_out_of_scope(p.relative_to(root).as_posix())]


def out_of_scope_files(root: Path = PROJECT_ROOT) -> list[ScopeFile]:
    """The Solidity files under contracts/ that are out of scope (the test mocks)."""
    found = sorted((root / CONTRACTS).rglob("*.sol"))
    return [describe(p, root) for p in found if _is_out_of_scope(p.relative_to(root).as_posix())]


def render(root: Path = PROJECT_ROOT) -> str:
    """The generated block of docs/audit/SCOPE.md, markers included."""
    files = scope_files(root)
    out = [
        BEGIN,
        f"<!-- generated by `bulwark audit scope`; do not edit by hand: `{COMMAND}` -->",
        "",
        "| file | kind | nSLOC | lines | purpose |",
        "|---|---|---:|---:|---|",
    ]
    for f in files:
        out.append(f"| `{f.path}` | {f.kind} `{f.name}` | {f.nsloc} | {f.lines} | {_cell(f.notice)} |")
    total, physical = sum(f.nsloc for f in files), sum(f.lines for f in files)
    out.append(f"| **total: {len(files)} files** | | **{total}** | {physical} | |")
    out += ["", "Out of scope under `contracts/` (test-only, never imported by an in-scope file):", ""]
    out += ["| file | nSLOC | purpose |", "|---|---:|---|"]
    out += [f"| `{f.path}` | {f.nsloc} | {_cell(f.notice)} |" for f in out_of_scope_files(root)]
    imported = sorted({i for f in files for i in f.imports})
    versions = ", ".join(f"`{name}` {version}" for name, version in _packages(root, imported))
    out += ["", f"External imports of in-scope files ({versions}; audited upstream, out of scope):", ""]
    out += [f"- `{i}` ({', '.join(f.name for f in files if i in f.imports)})" for i in imported]
    out.append(END)
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _packages(root: Path, imports) -> list[tuple[str, str]]:
    """(package, version pinned in package.json) for each npm package the imports name."""
    pinned = json.loads((root / "package.json").read_text()).get("devDependencies", {})
    names = sorted({"/".join(i.split("/")[:2]) if i.startswith("@") else i.split("/")[0] for i in imports})
    return [(name, pinned.get(name, "unpinned")) for name in names]
