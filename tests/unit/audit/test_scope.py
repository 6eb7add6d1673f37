"""The audit scope table (bulwark/audit/scope.py, docs/audit/SCOPE.md): nSLOC counted the way contests
count it, every in-scope file listed, the committed table equal to what the contracts give now, and
`bulwark audit scope --check` failing on a stale copy with the command that regenerates it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bulwark import PROJECT_ROOT
from bulwark.audit import generated_block, replace_block
from bulwark.audit.scope import BEGIN, COMMAND, END, code_lines, nsloc, render, scope_files

BULWARK = Path(sys.executable).parent / "bulwark"
SCOPE_DOC = PROJECT_ROOT / "docs" / "audit" / "SCOPE.md"

FIXTURE = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Counter
/// @notice NatSpec is documentation, not code.
/**
 * @dev A NatSpec block
 */
contract Counter {
    uint256 public count; // trailing comment: the line counts once
    /* a block comment on its own line */
    string constant URL = "https://example.org/*not a comment*/"; // line 12
    string constant Q = 'it\\'s // still a string';

    function bump() external { /* inline */ count += 1; }

    /* a block comment that ends
       before code */ uint256 private x;
    // a comment with "quotes" and /* an opener
}
"""
CODE = [2, 9, 10, 12, 13, 15, 18, 20]  # the lines of FIXTURE that hold code


def test_the_counter_skips_blank_comment_and_natspec_lines_and_counts_code_with_trailing_comments():
    """Blank, //, ///, /* */ and /** */ lines do not count; code with a trailing or inline comment, and
    comment markers inside strings, count once per line."""
    assert code_lines(FIXTURE) == CODE
    assert nsloc(FIXTURE) == len(CODE) == 8


def test_a_multi_line_block_comment_never_hides_the_code_after_it():
    """A `/*` opened on a code line hides nothing after its `*/`, and an unterminated one hides the rest."""
    assert code_lines("uint a; /* x\n y */ uint b;\n/* open\nuint c;") == [1, 2]


def test_the_scope_is_every_contract_file_but_the_mocks():
    """Every .sol under contracts/ except contracts/mocks/ is in scope, and nothing else."""
    expected = sorted(
        p.relative_to(PROJECT_ROOT).as_posix()
        for p in (PROJECT_ROOT / "contracts").rglob("*.sol")
        if "mocks" not in p.relative_to(PROJECT_ROOT / "contracts").parts
    )
    assert [f.path for f in scope_files()] == expected
    assert {"contracts/margin/MarginEngine.sol", "contracts/oracle/MedianOracle.sol"} <= set(expected)
    for f in scope_files():
        assert 0 < f.nsloc < f.lines, f.path


def test_the_committed_scope_table_matches_the_contracts():
    """docs/audit/SCOPE.md carries the table the contracts give now (a reformat or a contract change
    means regenerating it)."""
    committed = generated_block(SCOPE_DOC.read_text(), BEGIN, END)
    assert committed is not None, f"docs/audit/SCOPE.md has no generated block: run `{COMMAND}`"
    assert committed == render(), f"docs/audit/SCOPE.md is stale: run `{COMMAND}`"


def test_the_table_total_is_the_sum_of_its_rows():
    """The total row adds up the per-file nSLOC."""
    total = sum(f.nsloc for f in scope_files())
    assert f"| **{total}** |" in render()


def bulwark(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BULWARK), *map(str, args)], capture_output=True, text=True, timeout=120, env=os.environ
    )


def test_check_fails_on_a_stale_copy_naming_the_command_and_write_repairs_it(tmp_path):
    """--check: exit 0 on the committed page; exit 1 on a copy with one figure changed, naming
    `bulwark audit scope --write FILE`; --write regenerates the block and keeps the prose around it."""
    assert bulwark("audit", "scope", "--check", SCOPE_DOC).returncode == 0
    stale = tmp_path / "SCOPE.md"
    engine = next(f for f in scope_files() if f.name == "MarginEngine")
    row = next(line for line in render().splitlines() if line.startswith(f"| `{engine.path}`"))
    edited = row.replace(f"| {engine.nsloc} |", f"| {engine.nsloc + 1} |")
    assert edited != row
    text = "# prose before\n\n" + render().replace(row, edited) + "\nprose after\n"
    stale.write_text(text)
    out = bulwark("audit", "scope", "--check", stale)
    assert out.returncode == 1
    assert f"bulwark audit scope --write {stale}" in out.stderr
    assert bulwark("audit", "scope", "--write", stale).returncode == 0
    assert stale.read_text() == "# prose before\n\n" + render() + "\nprose after\n"
    assert bulwark("audit", "scope", "--check", stale).returncode == 0


def test_printing_gives_the_block_and_replace_block_appends_it_when_missing():
    """Without options the command prints the block; a page without markers gets it appended."""
    out = bulwark("audit", "scope")
    assert out.returncode == 0 and out.stdout == render()
    assert replace_block("# title\n", "BLOCK\n", BEGIN, END) == "# title\n\nBLOCK\n"
