"""Which tests check which invariant, read from the tests themselves (docs/audit/INVARIANTS.md).

An invariant counts as checked by a test when the test fails with the invariant as its message:

- a test function (`tests/**/test_*.py`, `def test_...`) whose body, or a helper function of the same
  module that it calls (directly or through other helpers), holds `assert ..., ENG_01` (the message
  may be the constant, an f-string or an expression naming it) or `raise AssertionError(...ENG_01...)`;
  a test method of a `Test...` class is listed under its class;
- a state-machine test case (`TestX = Machine.test_case(...)` in a module that imports its machine from
  `bulwark.fuzz.machines`), for every invariant constant the machine's module (or package) uses: there
  the constants are assertion messages or the invariant handed to the helper that raises with it.

Nothing is typed by hand: `bulwark audit invariants --write docs/audit/INVARIANTS.md` regenerates the
page, `--check` says when it is stale. An ID no test checks is listed as unchecked, never as checked.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from bulwark import PROJECT_ROOT
from bulwark.invariants import ALL

BEGIN, END = "<!-- invariants:begin -->", "<!-- invariants:end -->"
COMMAND = "bulwark audit invariants --write docs/audit/INVARIANTS.md"
MACHINES = "bulwark.fuzz.machines"
CONSTANTS = {inv.id.replace("-", "_"): inv.id for inv in ALL}  # ENG_01 -> ENG-01


@dataclass
class Checks:
    """Per invariant ID, the tests that check it."""

    tests: dict[str, set[str]] = field(default_factory=dict)  # ID -> {"tests/...py::test_name"}
    machines: dict[str, set[str]] = field(default_factory=dict)  # ID -> {"tests/...py::TestXOnRevm"}

    def add(self, kind: dict[str, set[str]], ids, ref: str) -> None:
        for inv_id in ids:
            kind.setdefault(inv_id, set()).add(ref)

    def checked(self, inv_id: str) -> bool:
        return bool(self.tests.get(inv_id) or self.machines.get(inv_id))


def _named(node: ast.AST | None) -> set[str]:
    """Invariant IDs whose constants `node` mentions (`ENG_01`, `invariants.ENG_01`)."""
    found = set()
    for sub in ast.walk(node) if node is not None else ():
        if isinstance(sub, ast.Name) and sub.id in CONSTANTS:
            found.add(CONSTANTS[sub.id])
        elif isinstance(sub, ast.Attribute) and sub.attr in CONSTANTS:
            found.add(CONSTANTS[sub.attr])
    return found


def _asserted(function: ast.AST) -> set[str]:
    """IDs that `function` fails with: assertion messages and AssertionError arguments."""
    found = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            found |= _named(node.msg)
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            if isinstance(func, ast.Name) and func.id == "AssertionError":
                found |= _named(node.exc)
    return found


def _called(function: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _functions(tree: ast.Module) -> dict[str, tuple[ast.AST, str | None]]:
    """Module-level functions and the methods of module-level classes: name -> (node, class name)."""
    found: dict[str, tuple[ast.AST, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = (node, None)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found.setdefault(item.name, (item, node.name))
    return found


def asserting_tests(tree: ast.Module) -> dict[str, set[str]]:
    """Per test (function name, or class name for a test method), the IDs it asserts through itself
    and the same-module helpers it calls."""
    functions = _functions(tree)
    direct = {name: _asserted(node) for name, (node, _) in functions.items()}
    calls = {name: _called(node) & functions.keys() for name, (node, _) in functions.items()}

    def closure(name: str) -> set[str]:
        seen, todo, ids = {name}, [name], set()
        while todo:
            current = todo.pop()
            ids |= direct[current]
            for callee in calls[current] - seen:
                seen.add(callee)
                todo.append(callee)
        return ids

    found: dict[str, set[str]] = {}
    for name, (_, owner) in functions.items():
        if not name.startswith("test_") or (owner is not None and not owner.startswith("Test")):
            continue
        ids = closure(name)
        if ids:
            found.setdefault(owner or name, set()).update(ids)
    return found


def _machine_modules(tree: ast.Module, root: Path) -> list[Path]:
    """The machine source files a thin test module imports (a package: all of its modules)."""
    paths: list[Path] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(MACHINES + "."):
            base = root / node.module.replace(".", "/")
            paths += sorted(base.glob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    return paths


def machine_cases(tree: ast.Module) -> list[str]:
    """Module-level `TestX = ...test_case(...)` assignments: the state machines' pytest cases."""
    cases = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "test_case":
                cases += [t.id for t in node.targets if isinstance(t, ast.Name) and t.id.startswith("Test")]
    return cases


def collect(root: Path = PROJECT_ROOT) -> Checks:
    checks = Checks()
    for path in sorted((root / "tests").rglob("test_*.py")):
        relative = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text())
        for name, ids in asserting_tests(tree).items():
            checks.add(checks.tests, ids, f"{relative}::{name}")
        machine_sources = _machine_modules(tree, root)
        if machine_sources:
            ids = set().union(*(_named(ast.parse(p.read_text())) for p in machine_sources))
            for case in machine_cases(tree):
                checks.add(checks.machines, ids, f"{relative}::{case}")
    return checks


DOC_ROW = re.compile(r"^\| ([A-Z]{3}-\d\d) \|(.*)$", re.MULTILINE)
DOC_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def named_without_assertion(checks: Checks, root: Path = PROJECT_ROOT) -> list[tuple[str, str]]:
    """(ID, test) pairs that docs/INVARIANTS.md names but where the test does not fail with that ID as
    its message (it shows the rule some other way, e.g. a revert or the bound's tightness)."""
    doc = (root / "docs" / "INVARIANTS.md").read_text()
    found = []
    for inv_id, rest in DOC_ROW.findall(doc):
        for path, name in DOC_REF.findall(rest):
            ref = f"{path}::{name}"
            if ref not in checks.tests.get(inv_id, set()) | checks.machines.get(inv_id, set()):
                found.append((inv_id, ref))
    return found


def _refs(refs) -> str:
    return ", ".join(f"`{r}`" for r in sorted(refs))


def render(root: Path = PROJECT_ROOT) -> str:
    """The generated block of docs/audit/INVARIANTS.md, markers included."""
    checks = collect(root)
    checked = [inv for inv in ALL if checks.checked(inv.id)]
    unchecked = [inv for inv in ALL if not checks.checked(inv.id)]
    out = [
        BEGIN,
        f"<!-- generated by `bulwark audit invariants`; do not edit by hand: `{COMMAND}` -->",
        "",
        f"{len(checked)} of {len(ALL)} invariants are checked by at least one test.",
        "",
        "| ID | statement | tests | state-machine cases |",
        "|---|---|---:|---:|",
    ]
    for inv in checked:
        tests, cases = checks.tests.get(inv.id, set()), checks.machines.get(inv.id, set())
        out.append(f"| [{inv.id}](#{inv.id.lower()}) | {inv.statement} | {len(tests)} | {len(cases)} |")
    if unchecked:
        out += ["", "Not checked by any test (so not claimed): " + ", ".join(i.id for i in unchecked) + "."]
    loose = named_without_assertion(checks, root)
    if loose:
        out += [
            "",
            "Named in docs/INVARIANTS.md for an ID they do not use as an assertion message (each shows "
            "the rule another way, e.g. a revert with the contract's error, or that the bound is tight; "
            "not counted above):",
            "",
        ]
        out += [f"- {inv_id}: `{ref}`" for inv_id, ref in loose]
    for inv in checked:
        out += ["", f"### {inv.id}", "", inv.statement, ""]
        if checks.machines.get(inv.id):
            out.append(f"- state machines: {_refs(checks.machines[inv.id])}")
        if checks.tests.get(inv.id):
            out.append(f"- tests: {_refs(checks.tests[inv.id])}")
    out.append(END)
    return "\n".join(out) + "\n"
